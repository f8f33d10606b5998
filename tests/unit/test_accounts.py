"""Accounts: opening, reading, changing settings and status; the debit limit rules."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from telcocore import (
    Account,
    AccountNotActive,
    AccountNotFound,
    AccountStatus,
    AlreadyExists,
    ConcurrencyError,
    CurrencyMismatch,
    InvalidAmount,
    InvalidCurrency,
    InvalidStatusTransition,
    Money,
    TelcoCore,
    ValidationError,
)
from telcocore.accounts.model import ALLOWED_TRANSITIONS
from telcocore.kernel.validation import shown
from telcocore.testing import FixedClock

STATUSES = list(AccountStatus)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def _usd(amount: str) -> Money:
    return Money(amount, "USD")


def _kw(name: str, value: object) -> dict[str, Any]:
    """One keyword argument, named at run time."""
    return {name: value}


class TestOpen:
    """Opening an account."""

    def test_defaults(self, core: TelcoCore) -> None:
        """A new account is active, prepaid, unlimited, without a home country, en_US, untaxed."""
        account = core.accounts.open("Acme", "USD", account_id="acme")
        assert (
            AccountStatus.ACTIVE,
            _usd("0"),
            None,
            None,
            "en_US",
            None,
            Decimal(0),
            None,
            0,
        ) == (
            account.status,
            account.debit_limit,
            account.channel_limit,
            account.home_country,
            account.locale,
            account.realm,
            account.tax_rate,
            account.low_balance_threshold,
            account.version,
        )

    def test_settings_kept(self, core: TelcoCore) -> None:
        """Every setting given at opening is kept, in the account's currency."""
        account = core.accounts.open(
            "Kuwait Trading",
            "kwd",
            account_id="kw-1",
            status=AccountStatus.PENDING_APPROVAL,
            debit_limit="10.500",
            channel_limit=4,
            home_country="kw",
            locale="ar-KW",
            realm="sip.kw.example",
            tax_rate="0.05",
            low_balance_threshold=Decimal("2.250"),
        )
        assert (
            "KWD",
            AccountStatus.PENDING_APPROVAL,
            Money("10.500", "KWD"),
            4,
            "KW",
            "ar_KW",
            "sip.kw.example",
            Decimal("0.05"),
            Money("2.250", "KWD"),
        ) == (
            account.currency,
            account.status,
            account.debit_limit,
            account.channel_limit,
            account.home_country,
            account.locale,
            account.realm,
            account.tax_rate,
            account.low_balance_threshold,
        )

    def test_created_at_from_clock(self, core: TelcoCore, clock: FixedClock) -> None:
        """The opening instant comes from the core's clock."""
        assert clock.now() == core.accounts.open("Acme", "USD").created_at

    def test_generated_ids(self, core: TelcoCore) -> None:
        """Without an id, each account gets a new one from the id source."""
        first = core.accounts.open("Acme", "USD")
        second = core.accounts.open("Globex", "USD")
        assert (True, [first, second]) == (first.id != second.id, core.accounts.list())

    def test_balance_starts_at_zero(self, core: TelcoCore) -> None:
        """A new account holds zero of its currency."""
        core.accounts.open("Acme", "JPY", account_id="acme")
        assert Money.zero("JPY") == core.ledger.balance("acme")

    def test_duplicate_id(self, core: TelcoCore) -> None:
        """A taken id is refused and the first account is untouched."""
        first = core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(AlreadyExists, match="'acme'"):
            core.accounts.open("Other", "EUR", account_id="acme")
        assert [first] == core.accounts.list()

    def test_withdrawn_currency(self, core: TelcoCore) -> None:
        """An account cannot be opened in a currency that is no longer in ISO 4217."""
        with pytest.raises(InvalidCurrency, match="'DEM'"):
            core.accounts.open("Acme", "DEM")

    def test_unknown_currency(self, core: TelcoCore) -> None:
        """An account cannot be opened in a currency outside ISO 4217."""
        with pytest.raises(InvalidCurrency, match="'ABC'"):
            core.accounts.open("Acme", "ABC")
        assert [] == core.accounts.list()

    @pytest.mark.parametrize("setting", ["debit_limit", "low_balance_threshold"])
    def test_money_in_other_currency(self, core: TelcoCore, setting: str) -> None:
        """A Money setting in another currency than the account's is a CurrencyMismatch."""
        with pytest.raises(CurrencyMismatch, match="EUR") as info:
            core.accounts.open("Acme", "USD", **_kw(setting, Money("5", "EUR")))
        assert (setting, []) == (info.value.field, core.accounts.list())


class TestRead:
    """Getting and listing accounts."""

    def test_list_unknown_status(self, core: TelcoCore) -> None:
        """An unknown status filter is a ValidationError naming it."""
        with pytest.raises(ValidationError, match="'closed'"):
            core.accounts.list(status="closed")  # type: ignore[arg-type]

    def test_get(self, core: TelcoCore) -> None:
        """Get returns the account as opened."""
        opened = core.accounts.open("Acme", "USD", account_id="acme", debit_limit="5")
        assert opened == core.accounts.get("acme")

    def test_get_unknown(self, core: TelcoCore) -> None:
        """An unknown id is an AccountNotFound naming it (and a LookupError)."""
        with pytest.raises(LookupError, match="'ghost'") as info:
            core.accounts.get("ghost")
        assert (AccountNotFound, "ghost") == (type(info.value), info.value.key)  # type: ignore[attr-defined]

    def test_get_returns_a_copy(self, core: TelcoCore) -> None:
        """Changing a returned account changes nothing stored."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.accounts.get("acme").name = "Changed"
        assert "Acme" == core.accounts.get("acme").name

    def test_list_ordered_by_id(self, core: TelcoCore) -> None:
        """List returns every account ordered by id."""
        for account_id in ("carol", "alice", "bob"):
            core.accounts.open(account_id.title(), "USD", account_id=account_id)
        assert ["alice", "bob", "carol"] == [a.id for a in core.accounts.list()]

    def test_list_by_status(self, core: TelcoCore) -> None:
        """list(status=...) returns only the accounts with that status."""
        core.accounts.open("A", "USD", account_id="a")
        core.accounts.open("B", "USD", account_id="b", status=AccountStatus.INACTIVE)
        core.accounts.open("C", "USD", account_id="c", status="inactive")  # type: ignore[arg-type]
        assert (["b", "c"], ["a"]) == (
            [a.id for a in core.accounts.list(status=AccountStatus.INACTIVE)],
            [a.id for a in core.accounts.list(status="active")],  # type: ignore[arg-type]
        )


class TestUpdate:
    """Changing an account's settings."""

    def test_changes_given_settings_only(self, core: TelcoCore) -> None:
        """The given settings change, the others stay."""
        opened = core.accounts.open(
            "Acme", "USD", account_id="acme", channel_limit=2, realm="a.example"
        )
        updated = core.accounts.update(
            "acme", name="Acme Ltd", debit_limit="25.00", channel_limit=None
        )
        assert (
            "Acme Ltd",
            _usd("25.00"),
            None,
            opened.realm,
            opened.home_country,
            opened.created_at,
        ) == (
            updated.name,
            updated.debit_limit,
            updated.channel_limit,
            updated.realm,
            updated.home_country,
            updated.created_at,
        )

    def test_stored(self, core: TelcoCore) -> None:
        """The change is stored."""
        core.accounts.open("Acme", "USD", account_id="acme")
        updated = core.accounts.update("acme", low_balance_threshold="3", tax_rate="0.2")
        assert updated == core.accounts.get("acme")

    def test_normalized(self, core: TelcoCore) -> None:
        """Country and locale are normalized on update as on opening."""
        core.accounts.open("Acme", "USD", account_id="acme")
        updated = core.accounts.update("acme", home_country="de", locale="de-DE")
        assert ("DE", "de_DE") == (updated.home_country, updated.locale)

    def test_clear_home_country(self, core: TelcoCore) -> None:
        """home_country=None removes it: numbers must then be written with +."""
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        assert core.accounts.update("acme", home_country=None).home_country is None

    def test_clear_threshold(self, core: TelcoCore) -> None:
        """low_balance_threshold=None removes the alert."""
        core.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="5")
        assert (
            None is core.accounts.update("acme", low_balance_threshold=None).low_balance_threshold
        )

    def test_version_counts_changes(self, core: TelcoCore) -> None:
        """Each stored change increments the version."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.accounts.update("acme", name="One")
        core.accounts.update("acme", name="Two")
        assert 2 == core.accounts.get("acme").version

    def test_unknown_account(self, core: TelcoCore) -> None:
        """Updating an unknown account is an AccountNotFound."""
        with pytest.raises(AccountNotFound, match="'ghost'"):
            core.accounts.update("ghost", name="Boo")


class TestCurrencyFixed:
    """An account's currency is fixed when it is opened."""

    def test_update_has_no_currency(self, core: TelcoCore) -> None:
        """update() does not accept a currency."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(TypeError, match="currency"):
            core.accounts.update("acme", currency="EUR")  # type: ignore[call-arg]

    @pytest.mark.parametrize("setting", ["debit_limit", "low_balance_threshold"])
    def test_money_in_other_currency_refused(self, core: TelcoCore, setting: str) -> None:
        """A Money setting in another currency is refused and nothing changes."""
        opened = core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(ValidationError, match="USD"):
            core.accounts.update("acme", **_kw(setting, Money("5", "EUR")))
        assert opened == core.accounts.get("acme")

    def test_plain_number_taken_in_account_currency(self, core: TelcoCore) -> None:
        """A plain number is taken in the account's currency."""
        core.accounts.open("Acme", "JPY", account_id="acme")
        assert Money("500", "JPY") == core.accounts.update("acme", debit_limit=500).debit_limit


class TestOptimisticConcurrency:
    """expected_version refuses a change based on a stale read."""

    def test_matching_version(self, core: TelcoCore) -> None:
        """The version just read is accepted."""
        read = core.accounts.open("Acme", "USD", account_id="acme")
        assert "New" == core.accounts.update("acme", name="New", expected_version=read.version).name

    def test_stale_version(self, core: TelcoCore) -> None:
        """A change based on an older version is refused, naming the account and version."""
        read = core.accounts.open("Acme", "USD", account_id="acme")
        core.accounts.update("acme", name="Someone else")
        with pytest.raises(ConcurrencyError, match="'acme'") as info:
            core.accounts.update("acme", name="Mine", expected_version=read.version)
        assert (read.version, "Someone else") == (
            info.value.expected_version,
            core.accounts.get("acme").name,
        )

    def test_stale_status_change(self, core: TelcoCore) -> None:
        """set_status with a stale version is refused and the status stays."""
        read = core.accounts.open("Acme", "USD", account_id="acme")
        core.accounts.update("acme", name="Someone else")
        with pytest.raises(ConcurrencyError):
            core.accounts.set_status("acme", AccountStatus.PENALTY, expected_version=read.version)
        assert AccountStatus.ACTIVE == core.accounts.get("acme").status

    def test_without_version_last_write_wins(self, core: TelcoCore) -> None:
        """Without expected_version the change is applied to the latest version."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.accounts.update("acme", name="First")
        assert "Second" == core.accounts.update("acme", name="Second").name


def _transition_cases() -> list[tuple[AccountStatus, AccountStatus, bool]]:
    return [
        (current, new, new in ALLOWED_TRANSITIONS[current])
        for current, new in itertools.product(STATUSES, STATUSES)
        if current is not new
    ]


class TestStatus:
    """Status changes follow ALLOWED_TRANSITIONS."""

    def test_table_covers_every_status(self) -> None:
        """Every status has an entry in the table."""
        assert set(STATUSES) == set(ALLOWED_TRANSITIONS)

    def test_nothing_returns_to_pending_approval(self) -> None:
        """No status may move back to pending_approval."""
        assert [] == [
            s
            for s, targets in ALLOWED_TRANSITIONS.items()
            if AccountStatus.PENDING_APPROVAL in targets
        ]

    def test_pending_approval_cannot_be_penalised(self) -> None:
        """An account awaiting approval cannot be put in penalty."""
        assert AccountStatus.PENALTY not in ALLOWED_TRANSITIONS[AccountStatus.PENDING_APPROVAL]

    @pytest.mark.parametrize(
        ("current", "new", "allowed"),
        _transition_cases(),
        ids=str,
    )
    def test_transition(
        self, core: TelcoCore, current: AccountStatus, new: AccountStatus, allowed: bool
    ) -> None:
        """An allowed move is stored; a refused one names both statuses and changes nothing."""
        core.accounts.open("Acme", "USD", account_id="acme", status=current)
        if allowed:
            assert new == core.accounts.set_status("acme", new).status
            assert new == core.accounts.get("acme").status
        else:
            with pytest.raises(InvalidStatusTransition) as info:
                core.accounts.set_status("acme", new)
            assert (current.value, new.value, current) == (
                info.value.current,
                info.value.requested,
                core.accounts.get("acme").status,
            )
            assert f"{current.value!r} to {new.value!r}" in str(info.value)

    @pytest.mark.parametrize("status", STATUSES)
    def test_same_status_is_a_no_op(self, core: TelcoCore, status: AccountStatus) -> None:
        """Setting the current status again is accepted."""
        core.accounts.open("Acme", "USD", account_id="acme", status=status)
        assert status == core.accounts.set_status("acme", status).status

    def test_status_by_value(self, core: TelcoCore) -> None:
        """A status may be given by its string value."""
        core.accounts.open("Acme", "USD", account_id="acme")
        assert AccountStatus.PENALTY == core.accounts.set_status("acme", "penalty").status  # type: ignore[arg-type]

    def test_unknown_status(self, core: TelcoCore) -> None:
        """An unknown status is refused, naming it and the choices."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(ValidationError, match=r"'closed'.*pending_approval"):
            core.accounts.set_status("acme", "closed")  # type: ignore[arg-type]

    @pytest.mark.parametrize("status", STATUSES)
    def test_require_active(self, status: AccountStatus) -> None:
        """Only an active account passes require_active; others say their status."""
        account = Account(id="acme", name="Acme", currency="USD", created_at=CREATED, status=status)
        if status is AccountStatus.ACTIVE:
            account.require_active("buy seats")  # raises if not active
            assert AccountStatus.ACTIVE == account.status
        else:
            with pytest.raises(AccountNotActive, match=status.value):
                account.require_active("buy seats")


def _account(limit: str) -> Account:
    return Account(
        id="acme", name="Acme", currency="USD", created_at=CREATED, debit_limit=_usd(limit)
    )


class TestDebitLimit:
    """New usage fits while balance - cost >= -debit_limit."""

    @pytest.mark.parametrize(
        ("limit", "floor"),
        [("0", "0"), ("10.00", "-10.00"), ("-5.00", "5.00")],
        ids=["prepaid", "postpaid", "prepaid-with-buffer"],
    )
    def test_floor(self, limit: str, floor: str) -> None:
        """The floor is minus the debit limit."""
        assert _usd(floor) == _account(limit).floor

    @pytest.mark.parametrize(
        ("limit", "balance", "available"),
        [
            ("0", "7.50", "7.50"),
            ("10.00", "7.50", "17.50"),
            ("10.00", "-10.00", "0.00"),
            ("10.00", "-12.00", "-2.00"),
            ("-5.00", "7.50", "2.50"),
            ("-5.00", "5.00", "0.00"),
            ("-5.00", "3.00", "-2.00"),
        ],
    )
    def test_available(self, limit: str, balance: str, available: str) -> None:
        """Available is balance + debit limit, negative once past the limit."""
        assert _usd(available) == _account(limit).available(_usd(balance))

    @pytest.mark.parametrize(
        ("limit", "balance", "cost", "fits"),
        [
            # prepaid: down to zero, not below
            ("0", "10.00", "10.00", True),
            ("0", "10.00", "10.01", False),
            ("0", "0", "0.01", False),
            # postpaid: down to -limit
            ("10.00", "0", "10.00", True),
            ("10.00", "0", "10.01", False),
            ("10.00", "-10.00", "0.01", False),
            # prepaid with a buffer: stops while the buffer is still left
            ("-5.00", "10.00", "5.00", True),
            ("-5.00", "10.00", "5.01", False),
            ("-5.00", "5.00", "0.01", False),
            ("-5.00", "4.00", "0.01", False),
        ],
    )
    def test_fits(self, limit: str, balance: str, cost: str, fits: bool) -> None:
        """fits() applies balance - cost >= -debit_limit, the boundary included."""
        assert fits == _account(limit).fits(_usd(balance), _usd(cost))

    def test_fits_in_other_currency(self) -> None:
        """A cost in another currency cannot be checked against the limit."""
        with pytest.raises(ValidationError, match="EUR"):
            _account("0").fits(_usd("1"), Money("1", "EUR"))


class TestValidation:
    """Invalid settings are refused with a ValidationError naming the field and the value."""

    INVALID: ClassVar[list[tuple[str, object]]] = [
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 201),
        ("name", 123),
        ("name", None),
        ("home_country", "XX"),
        ("home_country", "USA"),
        ("home_country", ""),
        ("home_country", 1),
        ("locale", "xx_YY"),
        ("locale", ""),
        ("locale", "zz"),
        ("locale", None),
        ("channel_limit", -1),
        ("channel_limit", True),
        ("channel_limit", 1.5),
        ("channel_limit", "3"),
        ("tax_rate", "-0.01"),
        ("tax_rate", "1.01"),
        ("tax_rate", "abc"),
        ("tax_rate", 2),
    ]

    @staticmethod
    def _open(core: TelcoCore, field: str, value: object) -> None:
        kwargs: dict[str, object] = {"name": "Acme", "currency": "USD", "account_id": "acme"}
        kwargs[field] = value
        core.accounts.open(**kwargs)  # type: ignore[arg-type]

    @pytest.mark.parametrize(("field", "value"), INVALID, ids=repr)
    def test_open(self, core: TelcoCore, field: str, value: object) -> None:
        """open() refuses the value, names it, and stores nothing."""
        with pytest.raises(ValidationError) as info:
            self._open(core, field, value)
        named = str(value) if field == "tax_rate" else shown(value)
        assert (field, True, []) == (
            info.value.field,
            named in str(info.value),
            core.accounts.list(),
        )

    @pytest.mark.parametrize(
        ("field", "value"),
        [v for v in INVALID if v[0] != "name" or isinstance(v[1], str)],
        ids=repr,
    )
    def test_update(self, core: TelcoCore, field: str, value: object) -> None:
        """update() refuses the value, names it, and changes nothing."""
        opened = core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(ValidationError) as info:
            core.accounts.update("acme", **_kw(field, value))
        named = str(value) if field == "tax_rate" else shown(value)
        assert (field, True, opened) == (
            info.value.field,
            named in str(info.value),
            core.accounts.get("acme"),
        )

    @pytest.mark.parametrize("name", [123, None], ids=repr)
    def test_update_name_not_a_string(self, core: TelcoCore, name: object) -> None:
        """A name that is not a string is refused on update too."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(ValidationError, match=repr(name)):
            core.accounts.update("acme", name=name)  # type: ignore[arg-type]

    def test_realm_not_a_string(self, core: TelcoCore) -> None:
        """A realm that is not a string is refused, naming it."""
        with pytest.raises(ValidationError, match="1234"):
            core.accounts.open("Acme", "USD", realm=1234)  # type: ignore[arg-type]

    def test_tax_rate_float_is_invalid_amount(self, core: TelcoCore) -> None:
        """A float tax rate is refused as InvalidAmount, naming it."""
        with pytest.raises(InvalidAmount, match=r"0\.2"):
            core.accounts.open("Acme", "USD", tax_rate=0.2)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("tax_rate", "0"),
            ("tax_rate", "1"),
            ("channel_limit", 0),
            ("name", "x" * 200),
            ("home_country", "ca"),
        ],
    )
    def test_boundaries_accepted(self, core: TelcoCore, field: str, value: object) -> None:
        """Values on the edge of the allowed range are accepted."""
        self._open(core, field, value)
        assert 1 == len(core.accounts.list())

    @pytest.mark.parametrize(
        "account_id", ["", "-acme", ".acme", "a b", "x" * 65, "acmé", "acme/1", 123], ids=repr
    )
    def test_account_id(self, core: TelcoCore, account_id: object) -> None:
        """An invalid account id is refused, naming it."""
        with pytest.raises(ValidationError) as info:
            core.accounts.open("Acme", "USD", account_id=account_id)  # type: ignore[arg-type]
        assert ("account_id", True, []) == (
            info.value.field,
            repr(account_id) in str(info.value),
            core.accounts.list(),
        )

    @pytest.mark.parametrize("account_id", ["a", "A-1", "acme.sub:2_x", "9" * 64])
    def test_account_id_accepted(self, core: TelcoCore, account_id: str) -> None:
        """Letters, digits and '_.:-' up to 64 characters are accepted."""
        assert account_id == core.accounts.open("Acme", "USD", account_id=account_id).id


class TestClock:
    """The clock is the only source of time."""

    def test_created_at_follows_clock(self, core: TelcoCore, clock: FixedClock) -> None:
        """An account opened after the clock moved records the new instant."""
        expected = clock.now() + timedelta(days=1)
        clock.advance(timedelta(days=1))
        assert expected == core.accounts.open("Acme", "USD").created_at
