"""The numbering service on every storage adapter: range, blocks, extensions, block list, DIDs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from telcocore import TelcoCore
from telcocore.accounts.errors import AccountNotActive
from telcocore.accounts.model import AccountStatus
from telcocore.audit.model.entry import AuditAction
from telcocore.kernel.errors import AlreadyExists, ValidationError
from telcocore.numbering.errors import (
    BlockListEntryNotFound,
    DidNotFound,
    ExtensionNotAllowed,
    ExtensionNotFound,
    NumberBlockInUse,
    NumberBlockNotFound,
    NumberRangeExhausted,
    NumberRangeNotSet,
)
from telcocore.numbering.model.blocklist import BlockKind, BlockOrigin, CallSide
from telcocore.numbering.model.blocks import RangeParameters
from telcocore.numbering.model.dids import DidClass
from telcocore.numbering.services import (
    BLOCK_ENTITY,
    BLOCK_LIST_ENTITY,
    DID_ENTITY,
    EXTENSION_ENTITY,
    RANGE_ENTITY,
)


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """An active US account ``acme``."""
    return core.accounts.open("Acme", "USD", account_id="acme", home_country="US").id


@pytest.fixture
def ranged(core: TelcoCore, acme: str) -> TelcoCore:
    """The core with the range 1000, blocks of 1000, no end, and the account ``acme``."""
    core.numbering.set_range(1000, 1000)
    del acme
    return core


def _firsts(core: TelcoCore, account_id: str | None = None) -> list[int]:
    return [b.first for b in core.numbering.blocks(account_id)]


def _actions(core: TelcoCore, entity_type: str) -> list[AuditAction]:
    page = core.audit.entries(entity_type=entity_type, limit=1000)
    return [e.action for e in reversed(page.entries)]


class TestRangeParameters:
    """Setting and reading the system-wide range."""

    def test_unset_until_set(self, core: TelcoCore) -> None:
        """A new storage has no range parameters."""
        assert core.numbering.range_parameters() is None

    def test_set_and_read_back(self, core: TelcoCore) -> None:
        """The parameters read back as set."""
        core.numbering.set_range(1000, 100, 9999)
        assert RangeParameters(1000, 100, 9999) == core.numbering.range_parameters()

    def test_setting_is_audited(self, core: TelcoCore) -> None:
        """A first set is a CREATE, a change an UPDATE, the same values nothing."""
        core.numbering.set_range(1000, 1000)
        core.numbering.set_range(1000, 1000)
        core.numbering.set_range(5000, 1000)
        assert [AuditAction.CREATE, AuditAction.UPDATE] == _actions(core, RANGE_ENTITY)

    @pytest.mark.parametrize(("start", "size", "end"), [(-1, 10, None), (0, 0, None), (0, 10, 5)])
    def test_bad_parameters_are_refused(
        self, core: TelcoCore, start: int, size: int, end: int | None
    ) -> None:
        """A negative start, an empty block or an end before the first block's end."""
        with pytest.raises(ValidationError):
            core.numbering.set_range(start, size, end)
        assert core.numbering.range_parameters() is None


class TestAssign:
    """Assigning the lowest free block."""

    def test_the_1000_1000_example(self, ranged: TelcoCore) -> None:
        """Start 1000, size 1000: the first block is 1000-1999, the next 2000-2999."""
        first = ranged.numbering.assign_block("acme")
        second = ranged.numbering.assign_block("acme")
        assert ((1000, 1999), (2000, 2999)) == (
            (first.first, first.last),
            (second.first, second.last),
        )

    def test_missing_parameters_are_a_clear_error(self, core: TelcoCore, acme: str) -> None:
        """Assigning before the range parameters exist raises NumberRangeNotSet."""
        with pytest.raises(NumberRangeNotSet, match="not set"):
            core.numbering.assign_block(acme)
        assert [] == core.numbering.blocks()

    def test_several_blocks_per_account(self, ranged: TelcoCore) -> None:
        """An account may hold several blocks; other accounts get the next ones."""
        ranged.accounts.open("Globex", "USD", account_id="globex")
        for account in ("acme", "globex", "acme"):
            ranged.numbering.assign_block(account)
        assert ([1000, 3000], [2000]) == (_firsts(ranged, "acme"), _firsts(ranged, "globex"))

    def test_exhaustion_is_a_clear_error(self, core: TelcoCore, acme: str) -> None:
        """With room for two blocks, the third assignment raises NumberRangeExhausted."""
        core.numbering.set_range(1000, 1000, 2999)
        core.numbering.assign_block(acme)
        core.numbering.assign_block(acme)
        with pytest.raises(NumberRangeExhausted) as raised:
            core.numbering.assign_block(acme)
        assert ((1000, 1000, 2999), [1000, 2000]) == (
            (raised.value.start, raised.value.block_size, raised.value.end),
            _firsts(core),
        )

    def test_only_active_accounts(self, ranged: TelcoCore) -> None:
        """An inactive account is refused a block, and nothing is taken from the range."""
        ranged.accounts.set_status("acme", AccountStatus.INACTIVE)
        with pytest.raises(AccountNotActive):
            ranged.numbering.assign_block("acme")
        ranged.accounts.set_status("acme", AccountStatus.ACTIVE)
        assert 1000 == ranged.numbering.assign_block("acme").first

    def test_assignment_is_audited(self, ranged: TelcoCore) -> None:
        """Each assignment and release writes one entry keyed by the block's start."""
        ranged.numbering.assign_block("acme")
        ranged.numbering.release_block("acme", 1000)
        page = ranged.audit.entries(entity_type=BLOCK_ENTITY)
        assert [("RELEASE", "1000"), ("ASSIGN", "1000")] == [
            (e.action.value, e.entity_key) for e in page.entries
        ]


class TestReleaseAndReuse:
    """Released blocks return to the pool and are reused lowest first."""

    def test_released_block_is_reused_first(self, ranged: TelcoCore) -> None:
        """After releasing 2000-2999, the next assignment gets it back."""
        for _ in range(3):
            ranged.numbering.assign_block("acme")
        ranged.numbering.release_block("acme", 2000)
        assert (2000, [1000, 2000, 3000]) == (
            ranged.numbering.assign_block("acme").first,
            _firsts(ranged),
        )

    def test_lowest_released_first(self, ranged: TelcoCore) -> None:
        """Released blocks come back lowest first, then new ones follow."""
        for _ in range(4):
            ranged.numbering.assign_block("acme")
        ranged.numbering.release_block("acme", 4000)
        ranged.numbering.release_block("acme", 2000)
        ranged.numbering.release_block("acme", 3000)
        got = [ranged.numbering.assign_block("acme").first for _ in range(4)]
        assert [2000, 3000, 4000, 5000] == got

    def test_release_of_another_accounts_block(self, ranged: TelcoCore) -> None:
        """Releasing a block the account does not hold raises NumberBlockNotFound."""
        ranged.accounts.open("Globex", "USD", account_id="globex")
        ranged.numbering.assign_block("acme")
        with pytest.raises(NumberBlockNotFound):
            ranged.numbering.release_block("globex", 1000)
        with pytest.raises(NumberBlockNotFound):
            ranged.numbering.release_block("acme", 1500)
        assert [1000] == _firsts(ranged, "acme")

    def test_release_frees_room_in_an_exhausted_range(self, core: TelcoCore, acme: str) -> None:
        """After exhaustion, a released block can be assigned again."""
        core.numbering.set_range(0, 10, 19)
        core.numbering.assign_block(acme)
        core.numbering.assign_block(acme)
        core.numbering.release_block(acme, 0)
        assert 0 == core.numbering.assign_block(acme).first


class TestParameterChanges:
    """Changing the parameters never moves assigned blocks, and new ones avoid them."""

    def test_assigned_blocks_stay(self, ranged: TelcoCore) -> None:
        """Blocks assigned before a change keep their numbers."""
        ranged.numbering.assign_block("acme")
        ranged.numbering.set_range(0, 500)
        assert [(1000, 1999)] == [(b.first, b.last) for b in ranged.numbering.blocks()]

    def test_new_blocks_skip_old_ones(self, ranged: TelcoCore) -> None:
        """With start 0 and size 500, 1000-1999 and 2000-2999 are skipped."""
        ranged.numbering.assign_block("acme")
        ranged.numbering.assign_block("acme")
        ranged.numbering.set_range(0, 500)
        got = [ranged.numbering.assign_block("acme").first for _ in range(4)]
        assert [0, 500, 3000, 3500] == got

    def test_new_blocks_never_overlap_old_ones(self, ranged: TelcoCore) -> None:
        """A bigger size skips every candidate that shares a number with an old block."""
        for _ in range(3):
            ranged.numbering.assign_block("acme")  # 1000-3999
        ranged.numbering.set_range(500, 1500)
        block = ranged.numbering.assign_block("acme")
        assert (5000, 6499) == (block.first, block.last)

    def test_releasing_an_old_block_frees_the_candidates_over_it(self, ranged: TelcoCore) -> None:
        """After a change, releasing an old block makes its skipped candidates free again."""
        ranged.numbering.assign_block("acme")  # 1000-1999
        ranged.numbering.set_range(0, 500)
        got = [ranged.numbering.assign_block("acme").first for _ in range(3)]
        ranged.numbering.release_block("acme", 1000)
        again = [ranged.numbering.assign_block("acme").first for _ in range(3)]
        assert ([0, 500, 2000], [1000, 1500, 2500]) == (got, again)

    def test_a_block_released_beyond_a_lowered_end_returns(self, ranged: TelcoCore) -> None:
        """A block released while the end excluded it is assigned first once it fits again."""
        for _ in range(3):
            ranged.numbering.assign_block("acme")  # 1000-3999
        ranged.numbering.set_range(1000, 1000, 2999)
        ranged.numbering.release_block("acme", 3000)
        ranged.numbering.set_range(1000, 1000)
        assert 3000 == ranged.numbering.assign_block("acme").first

    @pytest.mark.parametrize(
        ("start", "size", "end", "field"),
        [
            (2**63, 1, None, "block_size"),
            (2**63 - 10, 100, None, "block_size"),
            (1000, 1000, 2**63, "end"),
        ],
    )
    def test_numbers_beyond_64_bits_are_refused(
        self, core: TelcoCore, start: int, size: int, end: int | None, field: str
    ) -> None:
        """Every storage keeps numbers as 64-bit integers: larger ones are a ValidationError."""
        with pytest.raises(ValidationError) as info:
            core.numbering.set_range(start, size, end)
        assert (field, None) == (info.value.field, core.numbering.range_parameters())

    def test_the_last_64_bit_block_is_the_last(self, core: TelcoCore, acme: str) -> None:
        """Without an end, the range stops at the highest 64-bit number."""
        core.numbering.set_range(2**63 - 2000, 1000)
        got = [core.numbering.assign_block(acme).last for _ in range(2)]
        with pytest.raises(NumberRangeExhausted):
            core.numbering.assign_block(acme)
        assert [2**63 - 1001, 2**63 - 1] == got

    def test_a_huge_extension_is_not_allowed(self, ranged: TelcoCore) -> None:
        """An all-digit extension beyond 64 bits lies in no block."""
        ranged.numbering.assign_block("acme")
        assert ranged.numbering.is_allowed_extension("acme", "9" * 20) is False

    def test_moving_only_the_end_keeps_the_counter(self, core: TelcoCore, acme: str) -> None:
        """Raising the end of an exhausted range makes the next block available."""
        core.numbering.set_range(1000, 1000, 1999)
        core.numbering.assign_block(acme)
        core.numbering.set_range(1000, 1000, 2999)
        assert 2000 == core.numbering.assign_block(acme).first


class TestExtensions:
    """Extensions and SIP usernames inside the account's blocks."""

    def test_any_extension_without_blocks(self, core: TelcoCore, acme: str) -> None:
        """An account with no block accepts any extension or username."""
        assert [True, True] == [
            core.numbering.is_allowed_extension(acme, "7"),
            core.numbering.is_allowed_extension(acme, "alice"),
        ]

    def test_only_inside_own_blocks(self, ranged: TelcoCore) -> None:
        """With a block, only its numbers are allowed, not another account's."""
        ranged.accounts.open("Globex", "USD", account_id="globex")
        ranged.numbering.assign_block("acme")
        ranged.numbering.assign_block("globex")
        allowed = [
            ranged.numbering.is_allowed_extension("acme", ext)
            for ext in ("1000", "1999", "2000", "999", "alice")
        ]
        assert [True, True, False, False, False] == allowed

    def test_register_is_unique_system_wide(self, ranged: TelcoCore) -> None:
        """A registered name cannot be registered again, by any account."""
        ranged.accounts.open("Globex", "USD", account_id="globex")
        ranged.numbering.register_extension("globex", "alice")
        with pytest.raises(AlreadyExists):
            ranged.numbering.register_extension("globex", "alice")
        assert ["alice"] == [e.name for e in ranged.numbering.extensions("globex")]

    def test_register_outside_blocks_is_refused(self, ranged: TelcoCore) -> None:
        """An extension outside the account's blocks raises ExtensionNotAllowed."""
        ranged.numbering.assign_block("acme")
        with pytest.raises(ExtensionNotAllowed):
            ranged.numbering.register_extension("acme", "2500")
        assert [] == ranged.numbering.extensions("acme")

    def test_another_accounts_block_is_off_limits_without_blocks(self, ranged: TelcoCore) -> None:
        """An account with no block may not take a number inside another account's block."""
        ranged.accounts.open("Globex", "USD", account_id="globex")
        ranged.numbering.assign_block("globex")
        assert [False, True, True] == [
            ranged.numbering.is_allowed_extension("acme", ext) for ext in ("1500", "2500", "bob")
        ]
        with pytest.raises(
            ExtensionNotAllowed, match="'1500' lies in a number block of account 'globex'"
        ) as refused:
            ranged.numbering.register_extension("acme", "1500")
        assert ("acme", "1500", "globex") == (
            refused.value.account_id,
            refused.value.extension,
            refused.value.owner,
        )
        assert [] == ranged.numbering.extensions("acme")

    def test_leading_zeros_make_a_name_not_a_number(self, ranged: TelcoCore) -> None:
        """``01003`` is not 1003: outside every block, so refused once the account has one."""
        ranged.numbering.assign_block("acme")
        assert [True, False, False] == [
            ranged.numbering.is_allowed_extension("acme", ext) for ext in ("1003", "01003", "0")
        ]
        with pytest.raises(ExtensionNotAllowed, match="'01003' is outside every number block"):
            ranged.numbering.register_extension("acme", "01003")

    def test_release_refuses_a_block_with_extensions_inside(self, ranged: TelcoCore) -> None:
        """A block holding extensions stays until they are removed; other names do not count."""
        ranged.numbering.register_extension("acme", "alice")  # before any block: allowed
        block = ranged.numbering.assign_block("acme")
        for ext in ("1001", "1002"):
            ranged.numbering.register_extension("acme", ext)
        with pytest.raises(NumberBlockInUse, match=r"1000-1999 .* '1001', '1002'") as refused:
            ranged.numbering.release_block("acme", block.first)
        assert ["1001", "1002"] == refused.value.extensions
        assert [1000] == _firsts(ranged, "acme")
        for ext in ("1001", "1002"):
            ranged.numbering.remove_extension(ext)
        ranged.numbering.release_block("acme", block.first)
        assert ([], ["alice"]) == (
            _firsts(ranged, "acme"),
            [e.name for e in ranged.numbering.extensions("acme")],
        )

    def test_register_and_remove_are_audited(self, ranged: TelcoCore) -> None:
        """Registering and removing each write one entry."""
        ranged.numbering.assign_block("acme")
        ranged.numbering.register_extension("acme", "1001")
        ranged.numbering.remove_extension("1001")
        with pytest.raises(ExtensionNotFound):
            ranged.numbering.remove_extension("1001")
        assert [AuditAction.CREATE, AuditAction.DELETE] == _actions(ranged, EXTENSION_ENTITY)


class TestBlockList:
    """Blocking numbers and prefixes, and checking them."""

    @pytest.mark.parametrize("typed", ["+1 (415) 555-0123", "14155550123", "4155550123"])
    def test_each_form_is_one_entry(self, core: TelcoCore, acme: str, typed: str) -> None:
        """Each US form is stored as +14155550123 and blocks the other forms."""
        entry = core.numbering.block_number(acme, typed)
        checks = [
            core.numbering.is_blocked(acme, other)
            for other in ("+1 (415) 555-0123", "14155550123", "4155550123")
        ]
        assert ("+14155550123", [True, True, True]) == (entry.pattern, checks)

    def test_the_forms_are_the_same_entry(self, core: TelcoCore, acme: str) -> None:
        """Blocking a second form of a blocked number raises AlreadyExists."""
        core.numbering.block_number(acme, "+1 (415) 555-0123")
        with pytest.raises(AlreadyExists):
            core.numbering.block_number(acme, "4155550123")
        assert 1 == len(core.numbering.block_list(acme))

    def test_other_numbers_pass(self, core: TelcoCore, acme: str) -> None:
        """A number not on the list is not blocked, nor a longer one starting with it."""
        core.numbering.block_number(acme, "4155550123")
        assert [False, False] == [
            core.numbering.is_blocked(acme, "4155550124"),
            core.numbering.is_blocked(acme, "+141555501234"),
        ]

    def test_prefixes_block_every_number_under_them(self, core: TelcoCore, acme: str) -> None:
        """The prefix 1900 (home US: +1900) blocks +1900..., not +1800..."""
        entry = core.numbering.block_prefix(acme, "1900")
        checks = [
            core.numbering.is_blocked(acme, number)
            for number in ("9005550123", "+19005550199", "8005550123")
        ]
        assert ("+1900", BlockKind.PREFIX, [True, True, False]) == (
            entry.pattern,
            entry.kind,
            checks,
        )

    def test_an_international_prefix(self, core: TelcoCore, acme: str) -> None:
        """The prefix +44 blocks UK numbers dialled from the US."""
        core.numbering.block_prefix(acme, "+44")
        assert [True, False] == [
            core.numbering.is_blocked(acme, "+44 20 7946 0000"),
            core.numbering.is_blocked(acme, "4155550123"),
        ]

    def test_a_prefix_with_the_home_international_prefix(self, core: TelcoCore, acme: str) -> None:
        """From the US, 01144 is +44 and matches numbers dialled as 011 44 ..."""
        entry = core.numbering.block_prefix(acme, "01144")
        assert ("+44", [True, False]) == (
            entry.pattern,
            [
                core.numbering.is_blocked(acme, "011 44 20 7946 0000"),
                core.numbering.is_blocked(acme, "4155550123"),
            ],
        )

    def test_unblocking(self, core: TelcoCore, acme: str) -> None:
        """After unblocking (in any form), the number passes again."""
        core.numbering.block_number(acme, "4155550123")
        core.numbering.block_prefix(acme, "+44")
        removed = core.numbering.unblock(acme, "+1 (415) 555-0123")
        core.numbering.unblock(acme, "+44", prefix=True)
        assert ("+14155550123", False, False, []) == (
            removed.pattern,
            core.numbering.is_blocked(acme, "4155550123"),
            core.numbering.is_blocked(acme, "+442079460000"),
            core.numbering.block_list(acme),
        )

    def test_unblocking_what_is_not_blocked(self, core: TelcoCore, acme: str) -> None:
        """Unblocking a number not on the list, or a number as a prefix, is refused."""
        core.numbering.block_number(acme, "4155550123")
        with pytest.raises(BlockListEntryNotFound):
            core.numbering.unblock(acme, "4155550124")
        with pytest.raises(BlockListEntryNotFound):
            core.numbering.unblock(acme, "+14155550123", prefix=True)
        assert 1 == len(core.numbering.block_list(acme))

    @pytest.mark.parametrize("number", ["*1001#", "0301234567", "+10301234567", "+1415555"])
    def test_a_number_that_is_not_valid_is_refused(
        self, core: TelcoCore, acme: str, number: str
    ) -> None:
        """Short codes, numbers of another country and cut numbers are not blocked."""
        with pytest.raises(ValidationError, match="not a valid telephone number") as refused:
            core.numbering.block_number(acme, number)
        assert ("number", []) == (refused.value.field, core.numbering.block_list(acme))

    def test_any_number_is_looked_up(self, core: TelcoCore, acme: str) -> None:
        """is_blocked reads numbers it cannot parse as their digits, never raising."""
        core.numbering.block_prefix(acme, "+1900")
        assert (False, False, True) == (
            core.numbering.is_blocked(acme, "*1001#"),
            core.numbering.is_blocked(acme, "no digits"),
            core.numbering.is_blocked(acme, "+1900"),
        )

    def test_nothing_to_block(self, core: TelcoCore, acme: str) -> None:
        """A value without digits is refused with a ValidationError."""
        with pytest.raises(ValidationError):
            core.numbering.block_number(acme, "anonymous")
        assert [] == core.numbering.block_list(acme)

    def test_from_a_call_record(self, core: TelcoCore, acme: str) -> None:
        """Blocking a call's source or destination records which side it came from."""
        call = {"source": "+1 415 555 0123", "destination": "+44 20 7946 0000"}
        source = core.numbering.block_from_call(acme, side=CallSide.SOURCE, **call)
        destination = core.numbering.block_from_call(acme, side=CallSide.DESTINATION, **call)
        assert [
            ("+14155550123", BlockOrigin.CALL_SOURCE),
            ("+442079460000", BlockOrigin.CALL_DESTINATION),
        ] == [(source.pattern, source.origin), (destination.pattern, destination.origin)]

    def test_normalized_with_the_home_country(self, core: TelcoCore) -> None:
        """A German account's national number is stored with +49."""
        core.accounts.open("Berlin", "EUR", account_id="berlin", home_country="DE")
        entry = core.numbering.block_number("berlin", "030 123456")
        assert ("+4930123456", True) == (
            entry.pattern,
            core.numbering.is_blocked("berlin", "+49 30 123456"),
        )

    def test_lists_are_per_account(self, core: TelcoCore, acme: str) -> None:
        """One account's block list does not block another's calls."""
        core.accounts.open("Globex", "USD", account_id="globex", home_country="US")
        core.numbering.block_number(acme, "4155550123")
        assert (True, False) == (
            core.numbering.is_blocked(acme, "4155550123"),
            core.numbering.is_blocked("globex", "4155550123"),
        )

    def test_block_and_unblock_are_audited(self, core: TelcoCore, acme: str) -> None:
        """Each entry added and removed writes one audit entry."""
        core.numbering.block_prefix(acme, "+44", reason="fraud")
        core.numbering.unblock(acme, "+44", prefix=True)
        page = core.audit.entries(entity_type=BLOCK_LIST_ENTITY)
        assert [("DELETE", "acme:+44", None), ("CREATE", "acme:+44", "fraud")] == [
            (e.action.value, e.entity_key, e.reason) for e in page.entries
        ]


class TestWithoutAHomeCountry:
    """An account without a home country: only numbers written with + are read."""

    @pytest.fixture
    def berlin(self, core: TelcoCore) -> str:
        """An active account ``berlin`` opened without a home country."""
        return core.accounts.open("Berlin", "EUR", account_id="berlin").id

    def test_international_numbers_and_prefixes_are_accepted(
        self, core: TelcoCore, berlin: str
    ) -> None:
        """+49 numbers, prefixes and DIDs are stored as written, and looked up."""
        number = core.numbering.block_number(berlin, "+49 30 1234567").pattern
        prefix = core.numbering.block_prefix(berlin, "+49 900").pattern
        did = core.numbering.add_did(berlin, "+49 30 7654321", DidClass.LOCAL).number
        assert ("+49301234567", "+49900", "+49307654321", True, True) == (
            number,
            prefix,
            did,
            core.numbering.is_blocked(berlin, "+49 30 1234567"),
            core.numbering.is_blocked(berlin, "+49 900 123456"),
        )

    @pytest.mark.parametrize("caller", ["030 1234567", "1001", "anonymous", ""])
    def test_any_caller_is_answered(self, core: TelcoCore, berlin: str, caller: str) -> None:
        """is_blocked answers every caller id: one no country reads is on no list."""
        core.numbering.block_prefix(berlin, "+49 30")
        assert (False, True) == (
            core.numbering.is_blocked(berlin, caller),
            core.numbering.is_blocked(berlin, "+49 30 1234567"),
        )

    @pytest.mark.parametrize(
        ("field", "call"),
        [
            ("number", lambda core: core.numbering.block_number("berlin", "030 1234567")),
            ("prefix", lambda core: core.numbering.block_prefix("berlin", "0900")),
            ("number", lambda core: core.numbering.add_did("berlin", "030 1234567", "local")),
            ("number", lambda core: core.numbering.unblock("berlin", "030 1234567")),
            (
                "number",
                lambda core: core.numbering.block_from_call(
                    "berlin", source="030 1234567", destination="+4940123456", side="source"
                ),
            ),
        ],
    )
    def test_a_national_number_is_refused(
        self, core: TelcoCore, berlin: str, field: str, call: Callable[[TelcoCore], object]
    ) -> None:
        """The ValidationError names the field and says what to do; nothing is written."""
        with pytest.raises(ValidationError) as raised:
            call(core)
        hint = (
            "is in national form and the account has no home country: set the account's "
            "home country, or write the number with '+' and its country code"
        )
        assert (field, True, [], [], [AuditAction.CREATE]) == (
            raised.value.field,
            str(raised.value).endswith(hint),
            core.numbering.block_list(berlin),
            core.numbering.dids(berlin),
            [e.action for e in core.audit.entries().entries],
        )

    def test_setting_the_home_country_later_reads_national_numbers(
        self, core: TelcoCore, berlin: str
    ) -> None:
        """Once the account's home country is set, its national forms are read with it."""
        core.accounts.update(berlin, home_country="DE")
        entry = core.numbering.block_number(berlin, "030 1234567")
        assert ("+49301234567", True) == (
            entry.pattern,
            core.numbering.is_blocked(berlin, "+49 30 1234567"),
        )

    def test_a_number_not_valid_in_the_home_country_is_refused(
        self, core: TelcoCore, acme: str
    ) -> None:
        """A German national number on a US account is neither blocked nor a DID."""
        for call in (
            lambda: core.numbering.block_number(acme, "030 1234567"),
            lambda: core.numbering.add_did(acme, "030 1234567", DidClass.LOCAL),
        ):
            with pytest.raises(ValidationError, match="not a valid telephone number in US"):
                call()
        assert ([], []) == (core.numbering.block_list(acme), core.numbering.dids(acme))


class TestDids:
    """The DIDs registry."""

    def test_add_normalizes_and_lists(self, core: TelcoCore, acme: str) -> None:
        """A DID is stored in E.164, inactive unless asked, and listed by number."""
        core.numbering.add_did(acme, "4155550199", DidClass.LOCAL)
        core.numbering.add_did(acme, "+18005550100", DidClass.TOLL_FREE, active=True)
        listed = [
            (d.number, d.did_class, d.active, d.activated_at is not None)
            for d in core.numbering.dids(acme)
        ]
        assert [
            ("+14155550199", DidClass.LOCAL, False, False),
            ("+18005550100", DidClass.TOLL_FREE, True, True),
        ] == listed

    def test_unique_system_wide(self, core: TelcoCore, acme: str) -> None:
        """A number another account owns is refused."""
        core.accounts.open("Globex", "USD", account_id="globex", home_country="US")
        core.numbering.add_did(acme, "4155550199", DidClass.LOCAL)
        with pytest.raises(AlreadyExists):
            core.numbering.add_did("globex", "+1 415 555 0199", DidClass.LOCAL)
        assert [] == core.numbering.dids("globex")

    def test_not_a_number(self, core: TelcoCore, acme: str) -> None:
        """A value that is not a telephone number is refused."""
        with pytest.raises(ValidationError):
            core.numbering.add_did(acme, "1001", DidClass.LOCAL)
        assert [] == core.numbering.dids(acme)

    def test_activate_and_deactivate(self, core: TelcoCore, acme: str) -> None:
        """Activation and deactivation are recorded with their time."""
        did = core.numbering.add_did(acme, "4155550199", DidClass.MOBILE)
        active = core.numbering.activate_did(did.number)
        inactive = core.numbering.deactivate_did(did.number)
        assert (True, False, active.activated_at, inactive.deactivated_at) == (
            active.active,
            inactive.active,
            inactive.activated_at,
            core.numbering.get_did(did.number).deactivated_at,
        )

    def test_lookups_ignore_formatting(self, core: TelcoCore, acme: str) -> None:
        """A DID is found, changed and removed by its number written any usual way."""
        did = core.numbering.add_did(acme, "4155550199", DidClass.LOCAL)
        assert did == core.numbering.get_did(" +1 (415) 555-0199 ")
        assert core.numbering.activate_did("+1.415.555.0199").active
        with pytest.raises(DidNotFound, match="'4155550199'"):  # national: not the DID's key
            core.numbering.get_did("4155550199")
        with pytest.raises(ValidationError, match="must be text"):
            core.numbering.get_did(14155550199)  # type: ignore[arg-type]
        core.numbering.remove_did("+1 415 555 0199")
        assert [] == core.numbering.dids(acme)

    def test_remove(self, core: TelcoCore, acme: str) -> None:
        """A removed DID is gone; removing it again raises DidNotFound."""
        did = core.numbering.add_did(acme, "4155550199", DidClass.LOCAL)
        core.numbering.remove_did(did.number)
        with pytest.raises(DidNotFound):
            core.numbering.remove_did(did.number)
        with pytest.raises(DidNotFound):
            core.numbering.get_did(did.number)
        assert [] == core.numbering.dids(acme)

    def test_every_change_is_audited(self, core: TelcoCore, acme: str) -> None:
        """Add, activate, deactivate (twice: once a no-op) and remove write four entries."""
        did = core.numbering.add_did(acme, "4155550199", DidClass.LOCAL)
        core.numbering.activate_did(did.number)
        core.numbering.deactivate_did(did.number)
        core.numbering.deactivate_did(did.number)
        core.numbering.remove_did(did.number)
        assert [
            AuditAction.CREATE,
            AuditAction.UPDATE,
            AuditAction.UPDATE,
            AuditAction.DELETE,
        ] == _actions(core, DID_ENTITY)


class TestAuditChain:
    """Numbering changes keep the audit chain intact."""

    def test_chain_verifies(self, ranged: TelcoCore) -> None:
        """After a mix of numbering changes the hash chain still verifies."""
        ranged.numbering.assign_block("acme")
        ranged.numbering.register_extension("acme", "1001")
        ranged.numbering.block_number("acme", "4155550123")
        ranged.numbering.add_did("acme", "4155550199", DidClass.LOCAL)
        ranged.numbering.remove_extension("1001")
        ranged.numbering.release_block("acme", 1000)
        assert ranged.audit.verify_chain() is None
