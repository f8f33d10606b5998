"""The audit log on every storage adapter: entries, queries, history, the chain, secrets."""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

import telcocore
from telcocore import TelcoCore
from telcocore.accounts.errors import AccountNotFound, InvalidStatusTransition
from telcocore.accounts.model import Account, AccountStatus
from telcocore.audit.errors import AuditEntryNotFound
from telcocore.audit.model.entry import REDACTED, AuditAction, AuditEntry, ChainBreak
from telcocore.audit.services import Version
from telcocore.kernel.errors import AlreadyExists, ConcurrencyError, StorageError, ValidationError
from telcocore.kernel.serialization import converter
from telcocore.numbering.model.blocks import Extension
from telcocore.numbering.model.dids import Did, DidClass
from telcocore.platform.ports import Storage
from telcocore.platform.sql.unit_of_work import SqlUnitOfWork
from telcocore.testing import FixedClock, sequential_ids

START = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
"""Where the ``clock`` fixture stands."""

SECRETS = ("hunter2", "swordfish", "tok-3f9a", "key-77b1")


def _all_entries(core: TelcoCore) -> list[AuditEntry]:
    """Every entry, oldest first."""
    return list(reversed(core.audit.entries(limit=10_000).entries))


def _document(core: TelcoCore, account_id: str) -> Any:  # noqa: ANN401 - JSON data
    """The account as the converter stores it."""
    return converter.unstructure(core.accounts.get(account_id))


def _by_path(patch: Any) -> list[dict[str, Any]]:  # noqa: ANN401 - a patch
    return sorted((dict(op) for op in patch), key=lambda op: str(op["path"]))


# -- raw access to the stored log, without telcocore ----------------------------------------

_COLUMNS = "seq, id, at, actor, action, entity_type, entity_key, patch, reason, source_ip"


class RawLog:
    """The stored audit log, read and edited in SQL behind the services' back.

    The statements run in a unit of work of the storage itself, on its own connection: a
    ``memory://`` database is private to the one connection that holds it.
    """

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def _sql(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self.storage.unit_of_work() as uow:
            assert isinstance(uow, SqlUnitOfWork)
            session = uow._session
            if sql.startswith("SELECT"):
                return [tuple(row) for row in session.all(sql, params)]
            session.run(sql, params)
            uow.commit()
        return []

    def stored_text(self) -> str:
        """Everything stored in the log, as text."""
        return repr(
            self._sql("SELECT * FROM audit_entries") + self._sql("SELECT * FROM audit_head")
        )

    def seqs(self) -> list[int]:
        """The stored sequence numbers, in order."""
        return [int(row[0]) for row in self._sql("SELECT seq FROM audit_entries ORDER BY seq")]

    def alter(self, seq: int, **fields: Any) -> None:  # noqa: ANN401 - column values
        """Overwrite text fields of entry ``seq`` (``hash`` included, if given)."""
        for column, value in fields.items():
            self._sql(f"UPDATE audit_entries SET {column} = ? WHERE seq = ?", (value, seq))  # noqa: S608 - test column names

    def remove(self, seq: int) -> None:
        """Delete entry ``seq``."""
        self._sql("DELETE FROM audit_entries WHERE seq = ?", (seq,))

    def insert_after(self, seq: int, forged: AuditEntry) -> None:
        """Put ``forged`` (a copy of entry ``seq``) after entry ``seq``, renumbering the rest."""
        self._sql("UPDATE audit_entries SET seq = -seq WHERE seq > ?", (seq,))
        self._sql("UPDATE audit_entries SET seq = 1 - seq WHERE seq < 0")
        self._sql(
            f"INSERT INTO audit_entries ({_COLUMNS}, prev_hash, hash) "  # noqa: S608 - constant
            "SELECT ?, ?, at, actor, action, entity_type, entity_key, patch, reason, source_ip, "
            "?, ? FROM audit_entries WHERE seq = ?",
            (forged.seq, forged.id, forged.prev_hash, forged.hash, seq),
        )


@pytest.fixture
def raw(storage: Storage) -> RawLog:
    """The storage's audit log, for reading and tampering with it directly."""
    return RawLog(storage)


def _four_entries(core: TelcoCore) -> list[AuditEntry]:
    """Open acme and globex, rename acme, suspend globex: entries #1 to #4."""
    core.accounts.open("Acme", "USD", account_id="acme")
    core.accounts.open("Globex", "EUR", account_id="globex")
    core.accounts.update("acme", name="Acme Ltd")
    core.accounts.set_status("globex", AccountStatus.INACTIVE)
    return _all_entries(core)


# -- what the services write --------------------------------------------------------------


class TestAccountServiceWritesEntries:
    """Each account mutation writes exactly one entry describing it."""

    def test_open_writes_a_create_entry(self, core: TelcoCore) -> None:
        """Opening an account records CREATE by the actor, from the IP, with the reason."""
        account = core.acting_as("alice", ip="192.0.2.7").accounts.open(
            "Acme", "USD", account_id="acme", reason="signed the contract"
        )
        (entry,) = _all_entries(core)
        expected = (
            1,
            START,
            "alice",
            "192.0.2.7",
            AuditAction.CREATE,
            "account",
            "acme",
            "signed the contract",
            [{"op": "replace", "path": "", "value": converter.unstructure(account)}],
        )
        assert expected == (
            entry.seq,
            entry.at,
            entry.actor,
            entry.source_ip,
            entry.action,
            entry.entity_type,
            entry.entity_key,
            entry.reason,
            [dict(op) for op in entry.patch],
        )

    def test_update_writes_an_update_entry(self, core: TelcoCore) -> None:
        """Renaming records UPDATE with a patch of just the name and the version."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.acting_as("bob", ip="2001:db8::1").accounts.update(
            "acme", name="Acme Ltd", reason="legal name"
        )
        entry = _all_entries(core)[-1]
        expected_patch = [
            {"op": "replace", "path": "/name", "value": "Acme Ltd"},
            {"op": "replace", "path": "/version", "value": 1},
        ]
        assert (
            2,
            "bob",
            "2001:db8::1",
            AuditAction.UPDATE,
            "account",
            "acme",
            "legal name",
            expected_patch,
        ) == (
            entry.seq,
            entry.actor,
            entry.source_ip,
            entry.action,
            entry.entity_type,
            entry.entity_key,
            entry.reason,
            _by_path(entry.patch),
        )

    def test_set_status_writes_an_update_entry(self, core: TelcoCore) -> None:
        """A status change records UPDATE with the new status."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.acting_as("portal").accounts.set_status(
            "acme", AccountStatus.INACTIVE, reason="customer asked"
        )
        entry = _all_entries(core)[-1]
        expected_patch = [
            {"op": "replace", "path": "/status", "value": "inactive"},
            {"op": "replace", "path": "/version", "value": 1},
        ]
        assert ("portal", None, AuditAction.UPDATE, "customer asked", expected_patch) == (
            entry.actor,
            entry.source_ip,
            entry.action,
            entry.reason,
            _by_path(entry.patch),
        )

    def test_each_mutation_writes_exactly_one_entry(self, core: TelcoCore) -> None:
        """Open, update, set_status, update: four entries, numbered 1 to 4."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.accounts.update("acme", debit_limit="5.00", channel_limit=3)
        core.accounts.set_status("acme", AccountStatus.PENALTY)
        core.accounts.update("acme", realm="acme.example")
        expected = [
            (1, AuditAction.CREATE),
            (2, AuditAction.UPDATE),
            (3, AuditAction.UPDATE),
            (4, AuditAction.UPDATE),
        ]
        assert expected == [(e.seq, e.action) for e in _all_entries(core)]

    def test_changes_are_made_by_system_by_default(self, core: TelcoCore) -> None:
        """Without acting_as, the actor is system, with no IP and no reason."""
        core.accounts.open("Acme", "USD", account_id="acme")
        (entry,) = _all_entries(core)
        assert ("system", None, None) == (entry.actor, entry.source_ip, entry.reason)

    @pytest.mark.parametrize(
        "settings",
        [
            pytest.param({}, id="nothing-given"),
            pytest.param({"name": "Acme"}, id="same-name"),
            pytest.param({"debit_limit": "0.00", "home_country": "US"}, id="same-values"),
        ],
    )
    def test_an_update_that_changes_nothing_writes_none(
        self, core: TelcoCore, settings: dict[str, Any]
    ) -> None:
        """Setting what is already there writes no entry and keeps the version."""
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        core.accounts.update("acme", **settings)
        assert ([AuditAction.CREATE], 0) == (
            [e.action for e in _all_entries(core)],
            core.accounts.get("acme").version,
        )

    def test_a_status_set_to_itself_writes_none(self, core: TelcoCore) -> None:
        """Moving an inactive account to inactive writes nothing."""
        core.accounts.open("Acme", "USD", account_id="acme", status=AccountStatus.INACTIVE)
        core.accounts.set_status("acme", AccountStatus.INACTIVE)
        assert 1 == len(_all_entries(core))


class TestRolledBackChangesLeaveNoEntry:
    """An entry commits with its change, or not at all."""

    def test_a_duplicate_open_leaves_no_entry(self, core: TelcoCore) -> None:
        """Opening a taken id raises AlreadyExists and writes no second CREATE."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(AlreadyExists):
            core.accounts.open("Other", "EUR", account_id="acme")
        assert [(1, "acme")] == [(e.seq, e.entity_key) for e in _all_entries(core)]

    def test_a_stale_update_leaves_no_entry(self, core: TelcoCore) -> None:
        """An update refused for a stale version writes nothing."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.accounts.update("acme", name="One")
        with pytest.raises(ConcurrencyError):
            core.accounts.update("acme", name="Two", expected_version=0)
        assert ["One", 2] == [core.accounts.get("acme").name, len(_all_entries(core))]

    def test_a_refused_status_change_leaves_no_entry(self, core: TelcoCore) -> None:
        """A transition that is not allowed writes nothing."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(InvalidStatusTransition):
            core.accounts.set_status("acme", AccountStatus.PENDING_APPROVAL)
        assert 1 == len(_all_entries(core))

    def test_an_uncommitted_unit_leaves_no_entry(self, core: TelcoCore, storage: Storage) -> None:
        """An entry written in a unit that ends without commit is gone, and seq 1 is free."""
        with storage.unit_of_work() as uow:
            core.audit.write(
                uow,
                action=AuditAction.UPDATE,
                entity_type="plan",
                entity_key="basic",
                before={"price": "1.00"},
                after={"price": "2.00"},
            )
        core.accounts.open("Acme", "USD", account_id="acme")
        assert ([(1, "acme")], None) == (
            [(e.seq, e.entity_key) for e in _all_entries(core)],
            core.audit.verify_chain(),
        )

    def test_a_unit_that_raises_leaves_no_entry(self, core: TelcoCore, storage: Storage) -> None:
        """An error after the entry was written rolls the entry back."""

        def write_then_fail() -> None:
            with storage.unit_of_work() as uow:
                core.audit.write(
                    uow,
                    action=AuditAction.CREATE,
                    entity_type="plan",
                    entity_key="basic",
                    before=None,
                    after={"price": "1.00"},
                )
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError, match="boom"):
            write_then_fail()
        assert [] == _all_entries(core)


class TestRequireReason:
    """With require_reason, an audited change without a reason is refused whole."""

    @pytest.fixture
    def strict(self, storage: Storage, clock: FixedClock) -> TelcoCore:
        """A core that requires reasons."""
        return TelcoCore(storage=storage, clock=clock, ids=sequential_ids("r"), require_reason=True)

    @pytest.mark.parametrize("reason", [None, "", "   "])
    def test_open_without_a_reason_is_refused(self, strict: TelcoCore, reason: str | None) -> None:
        """No account and no entry are stored."""
        with pytest.raises(ValidationError) as caught:
            strict.accounts.open("Acme", "USD", account_id="acme", reason=reason)
        with pytest.raises(AccountNotFound):
            strict.accounts.get("acme")
        assert ("reason", []) == (caught.value.field, _all_entries(strict))

    def test_update_without_a_reason_is_refused(self, strict: TelcoCore) -> None:
        """The account keeps its settings and only its CREATE entry exists."""
        strict.accounts.open("Acme", "USD", account_id="acme", reason="new customer")
        with pytest.raises(ValidationError):
            strict.accounts.update("acme", name="Acme Ltd")
        with pytest.raises(ValidationError):
            strict.accounts.set_status("acme", AccountStatus.INACTIVE)
        account = strict.accounts.get("acme")
        assert ("Acme", AccountStatus.ACTIVE, 0, ["new customer"]) == (
            account.name,
            account.status,
            account.version,
            [e.reason for e in _all_entries(strict)],
        )

    def test_changes_with_a_reason_are_recorded(self, strict: TelcoCore) -> None:
        """Given a reason, the change is made and the reason recorded."""
        strict.accounts.open("Acme", "USD", account_id="acme", reason="new customer")
        strict.accounts.update("acme", name="Acme Ltd", reason="legal name")
        assert ["new customer", "legal name"] == [e.reason for e in _all_entries(strict)]


class TestRecordChange:
    """record_change files a change under the type and key its entity names."""

    @staticmethod
    def _did(number: str = "+14155550100") -> Did:
        return Did(number=number, account_id="acme", did_class=DidClass.LOCAL, created_at=START)

    @staticmethod
    def _record(core: TelcoCore, action: AuditAction, before: Any, after: Any) -> AuditEntry:  # noqa: ANN401 - any entity, good or bad
        with core.storage.unit_of_work() as uow:
            entry = core.audit.record_change(uow, action, before, after, reason="by hand")
            uow.commit()
        return entry

    def test_the_entity_names_type_and_key(self, core: TelcoCore) -> None:
        """A creation is filed under the class's ENTITY and the object's entity_key."""
        entry = self._record(core, AuditAction.CREATE, None, self._did())
        assert (Did.ENTITY, "+14155550100", "by hand", [entry]) == (
            entry.entity_type,
            entry.entity_key,
            entry.reason,
            _all_entries(core),
        )

    def test_a_deletion_takes_the_key_from_before(self, core: TelcoCore) -> None:
        """With ``after`` None, the entity before the change names the key; the chain holds."""
        did = self._did()
        self._record(core, AuditAction.CREATE, None, did)
        entry = self._record(core, AuditAction.DELETE, did, None)
        assert ("did", "+14155550100", None) == (
            entry.entity_type,
            entry.entity_key,
            core.audit.verify_chain(),
        )

    def test_it_writes_what_write_would(self, core: TelcoCore) -> None:
        """The same patch and fields as write() given the type and key by hand."""
        did = self._did()
        recorded = self._record(core, AuditAction.CREATE, None, did)
        with core.storage.unit_of_work() as uow:
            written = core.audit.write(
                uow,
                action=AuditAction.CREATE,
                entity_type="did",
                entity_key=did.number,
                before=None,
                after=did,
                reason="by hand",
            )
            uow.commit()
        fields = ("action", "entity_type", "entity_key", "patch", "reason")
        assert [getattr(recorded, f) for f in fields] == [getattr(written, f) for f in fields]

    @pytest.mark.parametrize(
        ("before", "after"),
        [
            (None, None),
            (None, {"number": "+14155550100"}),
            (None, "did"),
            (None, 7),
            (
                Did(
                    number="+14155550100",
                    account_id="a",
                    did_class=DidClass.LOCAL,
                    created_at=START,
                ),
                Extension(name="1001", account_id="a", created_at=START),
            ),
        ],
        ids=["nothing", "a dict", "text", "a number", "two types"],
    )
    def test_no_audited_entity_is_refused(self, core: TelcoCore, before: Any, after: Any) -> None:  # noqa: ANN401 - bad on purpose
        """Without an entity of one audited type, nothing is written."""
        with pytest.raises(ValidationError):
            self._record(core, AuditAction.UPDATE, before, after)
        assert [] == _all_entries(core)

    def test_require_reason_applies(self, storage: Storage, clock: FixedClock) -> None:
        """A core that requires reasons refuses a change recorded without one."""
        strict = TelcoCore(storage=storage, clock=clock, require_reason=True)
        with pytest.raises(ValidationError) as caught, strict.storage.unit_of_work() as uow:
            strict.audit.record_change(uow, AuditAction.CREATE, None, self._did())
        assert ("reason", []) == (caught.value.field, _all_entries(strict))

    def test_storage_errors_use_the_same_name(self, core: TelcoCore) -> None:
        """A taken DID number is an AlreadyExists about the entity type of its entries."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.numbering.add_did("acme", "+14155550100", DidClass.LOCAL)
        with pytest.raises(AlreadyExists) as caught:
            core.numbering.add_did("acme", "+14155550100", DidClass.LOCAL)
        entry = core.audit.entries(limit=1).entries[0]
        assert (entry.entity_type, entry.entity_key) == (caught.value.entity, caught.value.key)


# -- reading the log ----------------------------------------------------------------------


@pytest.mark.usefixtures("logged")
class TestEntries:
    """Listing entries: filters, newest first, pages."""

    @pytest.fixture
    def logged(self, core: TelcoCore, clock: FixedClock) -> list[AuditEntry]:
        """Seven entries, one minute apart, by alice and bob on acme and globex."""
        alice, bob = core.acting_as("alice"), core.acting_as("bob")
        steps: list[Callable[[], object]] = [
            lambda: alice.accounts.open("Acme", "USD", account_id="acme"),
            lambda: bob.accounts.open("Globex", "EUR", account_id="globex"),
            lambda: alice.accounts.update("acme", name="Acme Ltd"),
            lambda: bob.accounts.set_status("globex", AccountStatus.INACTIVE),
            lambda: alice.accounts.update("globex", channel_limit=2),
            lambda: bob.accounts.update("acme", locale="de_DE"),
            lambda: alice.accounts.set_status("acme", AccountStatus.PENALTY),
        ]
        for step in steps:
            step()
            clock.advance(timedelta(minutes=1))
        return _all_entries(core)

    def test_everything_newest_first(self, core: TelcoCore) -> None:
        """Without filters, every entry, the newest first."""
        assert ([7, 6, 5, 4, 3, 2, 1], None) == (
            [e.seq for e in core.audit.entries().entries],
            core.audit.entries().next_before,
        )

    def test_by_entity(self, core: TelcoCore) -> None:
        """The entries of one entity."""
        page = core.audit.entries(entity_type="account", entity_key="acme")
        assert [7, 6, 3, 1] == [e.seq for e in page.entries]

    def test_by_entity_type(self, core: TelcoCore) -> None:
        """An entity type alone matches all its entities; another type matches nothing."""
        assert (7, []) == (
            len(core.audit.entries(entity_type="account").entries),
            core.audit.entries(entity_type="contact").entries,
        )

    def test_by_actor(self, core: TelcoCore) -> None:
        """The entries one actor made."""
        assert [6, 4, 2] == [e.seq for e in core.audit.entries(actor="bob").entries]

    def test_by_action(self, core: TelcoCore) -> None:
        """The entries of one action, given as the enum or its text."""
        assert ([2, 1], [2, 1]) == (
            [e.seq for e in core.audit.entries(action=AuditAction.CREATE).entries],
            [e.seq for e in core.audit.entries(action="CREATE").entries],  # type: ignore[arg-type]
        )

    def test_by_time_range(self, core: TelcoCore) -> None:
        """Start is included and end excluded."""
        page = core.audit.entries(
            start=START + timedelta(minutes=2), end=START + timedelta(minutes=5)
        )
        assert [5, 4, 3] == [e.seq for e in page.entries]

    def test_time_range_in_another_zone(self, core: TelcoCore) -> None:
        """Instants in another time zone mean the same moments."""
        zone = datetime.now(UTC).astimezone().tzinfo
        assert zone is not None
        start = (START + timedelta(minutes=6)).astimezone(zone)
        assert [7] == [e.seq for e in core.audit.entries(start=start).entries]

    def test_filters_combine(self, core: TelcoCore) -> None:
        """Every filter given must match."""
        page = core.audit.entries(
            entity_key="acme",
            actor="alice",
            action=AuditAction.UPDATE,
            start=START + timedelta(minutes=2),
            end=START + timedelta(minutes=6),
        )
        assert [3] == [e.seq for e in page.entries]

    @pytest.mark.parametrize("limit", [1, 2, 3, 6, 7, 8])
    def test_pages_cover_everything_once(self, core: TelcoCore, limit: int) -> None:
        """Following next_before gives every entry once, newest first, then None."""
        seen: list[int] = []
        before: int | None = None
        for _ in range(10):
            page = core.audit.entries(limit=limit, before=before)
            assert len(page.entries) <= limit
            seen += [e.seq for e in page.entries]
            before = page.next_before
            if before is None:
                break
        assert ([7, 6, 5, 4, 3, 2, 1], None) == (seen, before)

    def test_pages_of_a_filter(self, core: TelcoCore) -> None:
        """Pages of a filtered listing hold only matching entries."""
        first = core.audit.entries(actor="alice", limit=2)
        second = core.audit.entries(actor="alice", limit=2, before=first.next_before)
        assert ([7, 5], 5, [3, 1], None) == (
            [e.seq for e in first.entries],
            first.next_before,
            [e.seq for e in second.entries],
            second.next_before,
        )

    def test_entries_read_back_as_written(self, core: TelcoCore, logged: list[AuditEntry]) -> None:
        """Get and entries return the same entries, hashes intact."""
        assert logged == [core.audit.get(e.id) for e in logged]

    @pytest.mark.parametrize(
        "arguments",
        [
            pytest.param({"limit": 0}, id="limit-0"),
            pytest.param({"start": datetime(2026, 3, 14)}, id="naive-start"),  # noqa: DTZ001
            pytest.param({"end": datetime(2026, 3, 14)}, id="naive-end"),  # noqa: DTZ001
            pytest.param({"action": "RENAME"}, id="unknown-action"),
        ],
    )
    def test_bad_arguments_are_refused(self, core: TelcoCore, arguments: dict[str, Any]) -> None:
        """A limit below 1, a naive datetime or an unknown action is a ValueError."""
        with pytest.raises(ValueError):  # noqa: PT011 - ValidationError is a ValueError too
            core.audit.entries(**arguments)

    def test_an_unknown_entry_is_not_found(self, core: TelcoCore) -> None:
        """Get and difference of a missing id raise AuditEntryNotFound."""
        with pytest.raises(AuditEntryNotFound):
            core.audit.get("nope")
        with pytest.raises(AuditEntryNotFound):
            core.audit.difference("nope")


class TestDifference:
    """View difference: before, after and patch of one entry."""

    def test_of_an_update(self, core: TelcoCore) -> None:
        """Before and after are the account around the change; the patch links them."""
        before = converter.unstructure(core.accounts.open("Acme", "USD", account_id="acme"))
        after = converter.unstructure(core.accounts.update("acme", tax_rate="0.2"))
        entry = _all_entries(core)[-1]
        difference = core.audit.difference(entry.id)
        assert (entry, before, after, [dict(op) for op in entry.patch]) == (
            difference.entry,
            difference.before,
            difference.after,
            difference.patch,
        )

    def test_of_a_creation(self, core: TelcoCore) -> None:
        """A CREATE has no before."""
        account = core.accounts.open("Acme", "USD", account_id="acme")
        difference = core.audit.difference(_all_entries(core)[0].id)
        assert (None, converter.unstructure(account)) == (difference.before, difference.after)

    def test_as_json(self, core: TelcoCore) -> None:
        """as_json is plain JSON data with the entry, before, after and patch."""
        _four_entries(core)
        entry = _all_entries(core)[2]
        data = core.audit.difference(entry.id).as_json()
        decoded = json.loads(json.dumps(data))
        assert (data, entry.hash, "UPDATE", ["after", "before", "entry", "patch"]) == (
            decoded,
            decoded["entry"]["hash"],
            decoded["entry"]["action"],
            sorted(decoded),
        )

    def test_state_after_each_entry(self, core: TelcoCore) -> None:
        """state_after gives the account as it was right after each of its entries."""
        states = [converter.unstructure(core.accounts.open("Acme", "USD", account_id="acme"))]
        core.accounts.open("Globex", "EUR", account_id="globex")
        states.append(converter.unstructure(core.accounts.update("acme", name="Acme Ltd")))
        states.append(
            converter.unstructure(core.accounts.set_status("acme", AccountStatus.INACTIVE))
        )
        entries = core.audit.entries(entity_key="acme").entries[::-1]
        assert states == [core.audit.state_after(e.id) for e in entries]


class TestHistory:
    """Replaying an entity's entries."""

    def test_every_version_is_rebuilt(self, core: TelcoCore) -> None:
        """Each version equals the account after the change; the last equals the stored one."""
        versions = [converter.unstructure(core.accounts.open("Acme", "USD", account_id="acme"))]
        core.accounts.open("Globex", "EUR", account_id="globex")
        changes: list[Callable[[], Account]] = [
            lambda: core.accounts.update("acme", debit_limit="12.345", channel_limit=4),
            lambda: core.accounts.update("acme", realm="acme.example", tax_rate="0.19"),
            lambda: core.accounts.set_status("acme", AccountStatus.PENALTY),
            lambda: core.accounts.update("acme", low_balance_threshold="2.50"),
            lambda: core.accounts.update("acme", channel_limit=None, realm=None),
            lambda: core.accounts.set_status("acme", AccountStatus.ACTIVE),
        ]
        versions += [converter.unstructure(change()) for change in changes]
        history = core.audit.history("account", "acme")
        assert (versions, versions[-1]) == (
            [v.document for v in history],
            _document(core, "acme"),
        )

    def test_versions_carry_their_entries(self, core: TelcoCore) -> None:
        """Each version names the entry it follows, oldest first."""
        _four_entries(core)
        assert [1, 3] == [v.entry.seq for v in core.audit.history("account", "acme")]

    def test_an_unknown_entity_has_no_history(self, core: TelcoCore) -> None:
        """No entries, no versions."""
        assert [] == core.audit.history("account", "nobody")

    def test_replayed_documents_are_copies(self, core: TelcoCore) -> None:
        """Changing a replayed document changes neither the log nor the next replay."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.accounts.update("acme", name="Acme Ltd")
        first: list[Version] = core.audit.history("account", "acme")
        first[0].document["name"] = "Mallory"
        first[1].document["name"] = "Mallory"
        core.audit.difference(first[1].entry.id).after["name"] = "Mallory"
        assert (["Acme", "Acme Ltd"], None) == (
            [v.document["name"] for v in core.audit.history("account", "acme")],
            core.audit.verify_chain(),
        )


# -- the hash chain -----------------------------------------------------------------------


class TestVerifyChain:
    """Tampering with the stored log is found and the entry named."""

    def test_an_intact_log_passes(self, core: TelcoCore) -> None:
        """A log written by the library verifies, empty or not."""
        empty = core.audit.verify_chain()
        _four_entries(core)
        assert (None, None) == (empty, core.audit.verify_chain())

    def test_an_altered_entry_is_named(self, core: TelcoCore, raw: RawLog) -> None:
        """An entry whose reason was rewritten is the one named."""
        entries = _four_entries(core)
        raw.alter(2, reason="forged")
        expected = ChainBreak(2, entries[1].id, "was altered after it was written")
        assert expected == core.audit.verify_chain()

    def test_an_altered_actor_is_named(self, core: TelcoCore, raw: RawLog) -> None:
        """An entry attributed to someone else is the one named."""
        entries = _four_entries(core)
        raw.alter(3, actor="mallory")
        expected = ChainBreak(3, entries[2].id, "was altered after it was written")
        assert expected == core.audit.verify_chain()

    @pytest.mark.parametrize(
        ("column", "stored"),
        [
            ("patch", '[{"op": "replace", "path": "/name"'),
            ("patch", '"replace"'),
            ("action", "FORGED"),
            ("entity_key", ""),
            ("patch", '[{"op": "replace", "path": "/name", "value": "\\ud800"}]'),
        ],
        ids=[
            "patch not json",
            "patch not a list",
            "unknown action",
            "blank key",
            "lone surrogate in the patch",
        ],
    )
    def test_a_value_no_entry_can_hold_is_named(
        self, core: TelcoCore, raw: RawLog, column: str, stored: str
    ) -> None:
        """A column rewritten to what no entry holds is a break at its entry, not an error."""
        entries = _four_entries(core)
        raw.alter(3, **{column: stored})
        expected = ChainBreak(3, entries[2].id, "was altered after it was written")
        assert expected == core.audit.verify_chain()

    @pytest.mark.parametrize(
        ("column", "stored", "read"),
        [
            ("patch", "not json", lambda core: core.audit.history("account", "acme")),
            ("action", "FORGED", lambda core: core.audit.entries()),
        ],
        ids=["history of a patch not json", "listing an unknown action"],
    )
    def test_reading_a_value_no_entry_can_hold_is_a_storage_error(
        self, core: TelcoCore, raw: RawLog, column: str, stored: str, read: Callable[..., object]
    ) -> None:
        """Reading such an entry otherwise names the entry, as a StorageError."""
        entries = _four_entries(core)
        raw.alter(3, **{column: stored})
        with pytest.raises(StorageError, match=rf"audit entry #3 \({entries[2].id}\)"):
            read(core)

    def test_a_resealed_entry_breaks_the_next(self, core: TelcoCore, raw: RawLog) -> None:
        """An entry rewritten with a recomputed hash breaks the link to the next one."""
        entries = _four_entries(core)
        raw.alter(2, reason="forged", hash=attrs.evolve(entries[1], reason="forged").sealed().hash)
        expected = ChainBreak(3, entries[2].id, "does not follow the previous entry's hash")
        assert expected == core.audit.verify_chain()

    def test_a_removed_entry_is_named(self, core: TelcoCore, raw: RawLog) -> None:
        """Without entry #2, #3 is found where #2 should be."""
        entries = _four_entries(core)
        raw.remove(2)
        expected = ChainBreak(2, entries[2].id, "entry #2 is missing")
        assert ([1, 3, 4], expected) == (raw.seqs(), core.audit.verify_chain())

    def test_the_removed_newest_entry_is_found(self, core: TelcoCore, raw: RawLog) -> None:
        """Without the newest entry, the log ends before its recorded head."""
        _four_entries(core)
        raw.remove(4)
        expected = ChainBreak(4, None, "the newest entries, #4, are missing")
        assert expected == core.audit.verify_chain()

    def test_an_inserted_entry_is_found(self, core: TelcoCore, raw: RawLog) -> None:
        """A well-formed entry slipped in after #2 breaks the link to the old #3."""
        entries = _four_entries(core)
        forged = attrs.evolve(entries[1], id="forged", seq=3, prev_hash=entries[1].hash).sealed()
        raw.insert_after(2, forged)
        expected = ChainBreak(4, entries[2].id, "does not follow the previous entry's hash")
        assert ([1, 2, 3, 4, 5], expected) == (raw.seqs(), core.audit.verify_chain())


# -- secrets ------------------------------------------------------------------------------


class TestSecrets:
    """Secrets never reach the stored log."""

    def test_passwords_are_not_stored(self, core: TelcoCore, storage: Storage, raw: RawLog) -> None:
        """Created, changed and deleted secrets are redacted in every stored entry."""
        first = {
            "login": "ann",
            "password": SECRETS[0],
            "devices": [{"name": "phone", "token": SECRETS[2]}],
        }
        second = first | {"password": SECRETS[1], "login": "ann.b"}
        second["devices"] = [{"name": "phone", "token": SECRETS[2], "api_key": SECRETS[3]}]
        with storage.unit_of_work() as uow:
            for action, before, after in [
                (AuditAction.CREATE, None, first),
                (AuditAction.UPDATE, first, second),
                (AuditAction.DELETE, second, None),
            ]:
                core.audit.write(
                    uow,
                    action=action,
                    entity_type="user",
                    entity_key="ann",
                    before=before,
                    after=after,
                )
            uow.commit()
        stored = raw.stored_text()
        history = core.audit.history("user", "ann")
        assert ([], "ann.b", REDACTED, None, None) == (
            [secret for secret in SECRETS if secret in stored],
            history[1].document["login"],
            history[1].document["devices"][0]["api_key"],
            history[2].document,
            core.audit.verify_chain(),
        )


# -- concurrency --------------------------------------------------------------------------

WRITERS = 4
CHANGES = 10


def _write_changes(core: TelcoCore, writer: int, start: Any) -> None:  # noqa: ANN401 - a Barrier
    """Open one account and change it CHANGES - 1 times, after all writers are ready."""
    start.wait()
    account_id = f"acct-{writer}"
    core.acting_as(f"writer-{writer}").accounts.open("Co", "USD", account_id=account_id)
    for number in range(1, CHANGES):
        core.acting_as(f"writer-{writer}").accounts.update(account_id, name=f"Co {number}")


def write_changes_in_a_process(url: str, writer: int, start: Any) -> None:  # noqa: ANN401 - a Barrier
    """What each child process runs: its share of audited changes on the storage at ``url``."""
    with telcocore.connect(url) as core:
        _write_changes(core, writer, start)


def _assert_one_unbroken_chain(core: TelcoCore) -> None:
    entries = _all_entries(core)
    per_account = {f"acct-{w}": [f"Co {n}" for n in range(1, CHANGES)][-1] for w in range(WRITERS)}
    assert (list(range(1, WRITERS * CHANGES + 1)), None, per_account) == (
        [e.seq for e in entries],
        core.audit.verify_chain(),
        {
            key: core.audit.history("account", key)[-1].document["name"]
            for key in sorted({e.entity_key for e in entries})
        },
    )


class TestConcurrentWriters:
    """Writers at the same time append to one chain, one after the other."""

    def test_threads_leave_an_unbroken_chain(self, core: TelcoCore) -> None:
        """Four threads of ten changes each: seqs 1..40 and an intact chain."""
        start = threading.Barrier(WRITERS)
        errors: list[BaseException] = []

        def run(writer: int) -> None:
            try:
                _write_changes(core, writer, start)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(w,)) for w in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert [] == errors
        _assert_one_unbroken_chain(core)

    @pytest.mark.slow
    def test_processes_leave_an_unbroken_chain(self, durable_url: str) -> None:
        """Four processes of ten changes each on one database: seqs 1..40, chain intact."""
        spawn = multiprocessing.get_context("spawn")
        start = spawn.Barrier(WRITERS)
        with telcocore.connect(durable_url):  # create the schema before the writers race
            pass
        processes = [
            spawn.Process(target=write_changes_in_a_process, args=(durable_url, w, start))
            for w in range(WRITERS)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=120)
        assert [0] * WRITERS == [p.exitcode for p in processes]
        with telcocore.connect(durable_url) as core:
            _assert_one_unbroken_chain(core)
