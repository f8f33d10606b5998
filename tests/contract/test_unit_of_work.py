"""The UnitOfWork contract, on every storage adapter: commit, rollback and isolation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from telcocore.accounts.errors import AccountNotFound
from telcocore.accounts.model import Account
from telcocore.accounts.ports import AccountRepository
from telcocore.adapters.sqlite import SqliteStorage
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.kernel.errors import StorageError
from telcocore.kernel.money import Money
from telcocore.notifications.model.message import Message, MessageKind
from telcocore.notifications.ports import OutboxRepository
from telcocore.platform.ports import Storage

NewAccount = Callable[..., Account]
Opened = Callable[..., Account]


class Boom(Exception):
    """Raised inside a unit of work by the tests."""


def _message() -> Message:
    return Message(
        id="m1",
        kind=MessageKind.LOW_BALANCE,
        account_id="acme",
        created_at=datetime(2026, 3, 14, tzinfo=UTC),
    )


def _one_unit_at_a_time(storage: Storage) -> bool:
    """Whether ``storage`` is one in-memory SQLite database: one connection, one unit."""
    return isinstance(storage, SqliteStorage) and storage.path == ":memory:"


def _ids(storage: Storage) -> list[str]:
    with storage.unit_of_work() as uow:
        return [a.id for a in uow.get(AccountRepository).list()]


def _rename(storage: Storage) -> None:
    """Rename ``acme`` to ``Renamed`` in a unit of its own."""
    with storage.unit_of_work() as uow:
        account = uow.get(AccountRepository).get("acme")
        account.name = "Renamed"
        uow.get(AccountRepository).update(account)
        uow.commit()


def _balance(storage: Storage) -> Money:
    with storage.unit_of_work() as uow:
        return uow.get(LedgerRepository).balance("acme")


class TestCommit:
    """What a commit keeps."""

    def test_a_committed_change_is_seen_by_later_units(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """After commit, another unit reads the change."""
        with storage.unit_of_work() as uow:
            uow.get(AccountRepository).add(new_account("acme"))
            uow.commit()
        assert ["acme"] == _ids(storage)

    def test_changes_after_a_commit_need_their_own(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """A change made after commit() and not committed is rolled back on exit."""
        with storage.unit_of_work() as uow:
            uow.get(AccountRepository).add(new_account("first"))
            uow.commit()
            uow.get(AccountRepository).add(new_account("second"))
        assert ["first"] == _ids(storage)

    def test_a_unit_may_commit_twice(self, storage: Storage, new_account: NewAccount) -> None:
        """Each commit() keeps what was done before it."""
        with storage.unit_of_work() as uow:
            uow.get(AccountRepository).add(new_account("first"))
            uow.commit()
            uow.get(AccountRepository).add(new_account("second"))
            uow.commit()
        assert ["first", "second"] == _ids(storage)


class TestRollback:
    """What leaving without a commit undoes."""

    def test_an_exception_rolls_everything_back(
        self, storage: Storage, opened: Opened, new_account: NewAccount
    ) -> None:
        """An exception inside the unit undoes accounts, balances and outbox alike."""
        acme = opened("acme")

        def change_everything_then_fail() -> None:
            with storage.unit_of_work() as uow:
                uow.get(AccountRepository).add(new_account("other"))
                uow.get(LedgerRepository).move_balance("acme", Decimal(5), floor=None)
                acme.name = "Renamed"
                uow.get(AccountRepository).update(acme)
                uow.get(OutboxRepository).add(_message())
                raise Boom

        with pytest.raises(Boom):
            change_everything_then_fail()
        with storage.unit_of_work() as uow:
            actual = (
                [(a.id, a.name, a.version) for a in uow.get(AccountRepository).list()],
                uow.get(LedgerRepository).balance("acme"),
                list(uow.get(OutboxRepository).pending(limit=10)),
            )
        assert ([("acme", "acme Ltd", 0)], Money("0", "USD"), []) == actual

    def test_the_exception_passes_through_unchanged(self, storage: Storage) -> None:
        """The error raised inside the unit is the one the caller sees."""
        error = Boom("mine")
        with pytest.raises(Boom) as raised, storage.unit_of_work():
            raise error
        assert error is raised.value

    def test_leaving_without_commit_rolls_back(self, storage: Storage, opened: Opened) -> None:
        """A unit left normally but without commit() keeps nothing."""
        opened("acme")
        with storage.unit_of_work() as uow:
            uow.get(LedgerRepository).move_balance("acme", Decimal(5), floor=None)
            uow.get(AccountRepository).get("acme")
        assert Money("0", "USD") == _balance(storage)

    def test_a_rolled_back_account_is_not_found(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """An account added in a unit that did not commit does not exist afterwards."""
        with storage.unit_of_work() as uow:
            uow.get(AccountRepository).add(new_account("acme"))
        with pytest.raises(AccountNotFound), storage.unit_of_work() as uow:
            uow.get(AccountRepository).get("acme")


class TestIsolation:
    """What other units see of an open one."""

    def test_uncommitted_changes_are_invisible_to_another_unit(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """A unit in another thread never sees an open unit's uncommitted change.

        On PostgreSQL the reader runs while the writer is open and sees nothing of it.
        Memory and a SQLite file run one writer at a time (one connection; ``BEGIN
        IMMEDIATE``), so there the reader waits for the writer to roll back and then sees
        nothing either.
        """
        seen: list[list[str]] = []
        reader_done = threading.Event()

        def read() -> None:
            with storage.unit_of_work() as uow:
                seen.append([a.id for a in uow.get(AccountRepository).list()])
            reader_done.set()

        reader = threading.Thread(target=read)
        with storage.unit_of_work() as uow:
            uow.get(AccountRepository).add(new_account("acme"))
            reader.start()
            reader_done.wait(timeout=0.5)  # the reader may finish now, or wait for us
        reader.join()
        assert [[]] == seen

    def test_a_commit_is_seen_by_units_begun_after_it(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """A unit in another thread, begun after the commit, sees the change."""
        seen: list[list[str]] = []
        with storage.unit_of_work() as uow:
            uow.get(AccountRepository).add(new_account("acme"))
            uow.commit()

        def read() -> None:
            seen.append(_ids(storage))

        reader = threading.Thread(target=read)
        reader.start()
        reader.join()
        assert [["acme"]] == seen


class TestNesting:
    """Units of work do not nest within one thread, on any storage."""

    def test_a_nested_unit_is_refused(self, storage: Storage, new_account: NewAccount) -> None:
        """Opening a unit inside another raises StorageError and changes nothing."""
        with storage.unit_of_work() as outer:
            outer.get(AccountRepository).add(new_account("acme"))
            with pytest.raises(StorageError, match="nest"), storage.unit_of_work():
                pass
        assert [] == _ids(storage)

    def test_units_open_again_after_a_refusal(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """After a refused nested unit and the outer one's end, the thread opens units again."""
        with storage.unit_of_work(), pytest.raises(StorageError), storage.unit_of_work():
            pass
        with storage.unit_of_work() as uow:
            uow.get(AccountRepository).add(new_account("acme"))
            uow.commit()
        assert ["acme"] == _ids(storage)

    def test_other_threads_are_not_refused(self, storage: Storage) -> None:
        """A unit open on one thread does not stop another thread's unit (it may wait)."""
        seen: list[object] = []

        def other() -> None:
            try:
                seen.append(_ids(storage))
            except Exception as error:  # noqa: BLE001 - reported through the assertion
                seen.append(error)

        with storage.unit_of_work():
            thread = threading.Thread(target=other)
            thread.start()
            thread.join(timeout=0.5)
        thread.join()
        assert [[]] == seen


class TestReadOnly:
    """Units of work opened with ``read_only=True``."""

    def test_it_reads_what_was_committed(self, storage: Storage, opened: Opened) -> None:
        """A read-only unit sees committed accounts and balances."""
        opened("acme")
        with storage.unit_of_work(read_only=True) as uow:
            assert (["acme"], Money("0", "USD")) == (
                [a.id for a in uow.get(AccountRepository).list()],
                uow.get(LedgerRepository).balance("acme"),
            )

    def test_it_cannot_commit(self, storage: Storage) -> None:
        """``commit()`` raises StorageError, on every storage alike."""
        with (
            storage.unit_of_work(read_only=True) as uow,
            pytest.raises(StorageError, match="read-only unit of work cannot commit"),
        ):
            uow.commit()

    def test_a_write_in_it_is_refused(self, storage: Storage, new_account: NewAccount) -> None:
        """Every storage refuses the statement with StorageError. Nothing is stored."""
        with storage.unit_of_work(read_only=True) as uow:
            with pytest.raises(StorageError, match="cannot run INSERT statements"):
                uow.get(AccountRepository).add(new_account("acme"))
            with pytest.raises(StorageError):
                uow.commit()
        assert [] == _ids(storage)

    def test_it_reads_one_snapshot(self, storage: Storage, opened: Opened) -> None:
        """A commit by another thread after the unit's first read does not show in it.

        Memory (one connection) runs one unit at a time, so there the writer waits for the
        reader instead.
        """
        opened("acme")

        writer = threading.Thread(target=_rename, args=(storage,))
        with storage.unit_of_work(read_only=True) as uow:
            first = uow.get(AccountRepository).get("acme").name
            writer.start()
            writer.join(timeout=0.5 if _one_unit_at_a_time(storage) else 10)
            second = uow.get(AccountRepository).get("acme").name
        writer.join()
        with storage.unit_of_work(read_only=True) as uow:
            after = uow.get(AccountRepository).get("acme").name
        assert (first, first, "Renamed") == (first, second, after)

    def test_without_a_snapshot_each_read_sees_the_last_commit(
        self, storage: Storage, opened: Opened
    ) -> None:
        """``snapshot=False``: a commit between two reads shows in the second one.

        Memory (one connection) runs one unit at a time, so there the writer waits for the
        reader and both reads see the name as it was.
        """
        opened("acme")

        writer = threading.Thread(target=_rename, args=(storage,))
        with storage.unit_of_work(read_only=True, snapshot=False) as uow:
            first = uow.get(AccountRepository).get("acme").name
            writer.start()
            writer.join(timeout=0.5 if _one_unit_at_a_time(storage) else 10)
            second = uow.get(AccountRepository).get("acme").name
        writer.join()
        expected = first if _one_unit_at_a_time(storage) else "Renamed"
        assert (first, expected) == (first, second)
        assert "Renamed" != first

    def test_without_a_snapshot_it_is_still_read_only(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """A write is refused, a commit too, and nothing is stored."""
        with storage.unit_of_work(read_only=True, snapshot=False) as uow:
            with pytest.raises(StorageError, match="cannot run INSERT statements"):
                uow.get(AccountRepository).add(new_account("acme"))
            with pytest.raises(StorageError, match="read-only unit of work cannot commit"):
                uow.commit()
        assert [] == _ids(storage)

    def test_a_unit_that_writes_needs_its_snapshot(self, storage: Storage) -> None:
        """``snapshot=False`` without ``read_only`` is refused before anything opens."""
        with pytest.raises(StorageError, match="only a read-only unit of work can go without"):
            storage.unit_of_work(snapshot=False)
        with storage.unit_of_work(read_only=True) as uow:  # the storage is still usable
            assert [] == uow.get(AccountRepository).list()

    def test_it_does_not_wait_for_a_writer(
        self, storage: Storage, opened: Opened, new_account: NewAccount
    ) -> None:
        """While a writer holds its unit open, a read-only unit on another thread answers.

        It sees the last commit, not the writer's change. SQLite used to make readers wait
        for the write lock; memory (one connection) still runs one unit at a time.
        """
        opened("acme")
        seen: list[list[str]] = []

        def read() -> None:
            with storage.unit_of_work(read_only=True) as uow:
                seen.append([a.id for a in uow.get(AccountRepository).list()])

        side_by_side = not _one_unit_at_a_time(storage)
        reader = threading.Thread(target=read)
        with storage.unit_of_work() as writer:
            writer.get(AccountRepository).add(new_account("globex"))
            reader.start()
            reader.join(timeout=10 if side_by_side else 0.2)
            answered_while_open = bool(seen)
            writer.commit()
        reader.join()
        assert side_by_side == answered_while_open
        assert [["acme"] if side_by_side else ["acme", "globex"]] == seen
