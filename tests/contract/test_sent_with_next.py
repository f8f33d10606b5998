"""Queries sent with the next statement, and the single debit that uses them, on every storage.

A single debit on an account the ledger has seen moves the balance with that account's
limits, only while the balance still holds that account's version (every change of the
account writes its new one there); the account changed since must be judged as it is now.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

import telcocore
from telcocore import AccountNotActive, AccountNotFound, DebitLimitExceeded, TelcoCore
from telcocore.accounts.model import AccountStatus
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.billing.ledger.services import LedgerRequest, Movement
from telcocore.kernel.errors import StorageError
from telcocore.kernel.money import Money
from telcocore.platform.ports import Storage


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """A USD account with 10.00 and a debit limit of 5.00, seen by the ledger once."""
    core.accounts.open("Acme", "USD", account_id="acme", debit_limit="5.00")
    core.ledger.credit("acme", "10.00", idempotency_key="seed")
    core.ledger.debit("acme", "1.00", idempotency_key="first")  # the ledger has seen it
    return "acme"


def _balance(core: TelcoCore) -> Money:
    return core.ledger.balance("acme")


class TestASeenAccountChangedSince:
    """The account the ledger remembers changed before its next single debit."""

    def test_a_penalized_account_is_refused(self, core: TelcoCore, acme: str) -> None:
        """Blocked since: refused, nothing posted."""
        core.accounts.set_status(acme, AccountStatus.PENALTY)
        with pytest.raises(AccountNotActive):
            core.ledger.debit(acme, "1.00", idempotency_key="after")
        assert _balance(core) == Money("9.00", "USD")
        assert len(core.ledger.history(acme).entries) == 2

    def test_a_lowered_limit_refuses_what_the_old_one_allowed(
        self, core: TelcoCore, acme: str
    ) -> None:
        """The old limit would allow it; the stored one does not."""
        core.accounts.update(acme, debit_limit="0.00")
        with pytest.raises(DebitLimitExceeded) as refused:
            core.ledger.debit(acme, "12.00", idempotency_key="after")  # 9.00 - 12.00 >= -5
        assert refused.value.available == Money("9.00", "USD")
        assert _balance(core) == Money("9.00", "USD")
        assert len(core.ledger.history(acme).entries) == 2

    def test_a_raised_limit_allows_what_the_old_one_refused(
        self, core: TelcoCore, acme: str
    ) -> None:
        """The old limit would refuse it; the stored one allows it."""
        core.accounts.update(acme, debit_limit="50.00")
        posted = core.ledger.debit(acme, "40.00", idempotency_key="after")  # 9 - 40 < -5
        assert posted.idempotency_key == "after"
        assert _balance(core) == Money("-31.00", "USD")

    def test_the_next_debit_sees_the_change_too(self, core: TelcoCore, acme: str) -> None:
        """The account judged again is the one remembered next."""
        core.accounts.update(acme, debit_limit="0.00")
        core.ledger.debit(acme, "1.00", idempotency_key="after")  # judged again, remembered
        with pytest.raises(DebitLimitExceeded):
            core.ledger.debit(acme, "9.00", idempotency_key="again")
        assert _balance(core) == Money("8.00", "USD")

    def test_a_reactivated_account_is_debited(self, core: TelcoCore, acme: str) -> None:
        """Blocked, then active again: posted."""
        core.accounts.set_status(acme, AccountStatus.PENALTY)
        with pytest.raises(AccountNotActive):
            core.ledger.debit(acme, "1.00", idempotency_key="while-blocked")
        core.accounts.set_status(acme, AccountStatus.ACTIVE)
        core.ledger.debit(acme, "1.00", idempotency_key="while-blocked")
        assert _balance(core) == Money("8.00", "USD")

    def test_a_replay_returns_the_first_transaction(self, core: TelcoCore, acme: str) -> None:
        """A posted key returns its transaction, whatever the account is now."""
        first = core.ledger.debit(acme, "1.00", idempotency_key="twice")
        core.accounts.set_status(acme, AccountStatus.PENALTY)
        assert core.ledger.debit(acme, "1.00", idempotency_key="twice") == first
        assert _balance(core) == Money("8.00", "USD")


def test_another_process_changing_the_account_is_seen(durable_url: str) -> None:
    """Two storages on one database: what one changes, the other's ledger judges by."""
    with telcocore.connect(durable_url) as mine, telcocore.connect(durable_url) as theirs:
        mine.accounts.open("Acme", "USD", account_id="acme", debit_limit="5.00")
        mine.ledger.credit("acme", "1.00", idempotency_key="seed")
        mine.ledger.debit("acme", "1.00", idempotency_key="first")
        theirs.accounts.update("acme", debit_limit="1.00")
        with pytest.raises(DebitLimitExceeded):
            mine.ledger.debit("acme", "2.00", idempotency_key="over")
        theirs.accounts.set_status("acme", AccountStatus.INACTIVE)
        with pytest.raises(AccountNotActive):
            mine.ledger.debit("acme", "0.50", idempotency_key="closed")
        assert mine.ledger.balance("acme") == Money("0.00", "USD")


class TestReadLater:
    """Queries sent with the next statement (``get_later``, ``by_idempotency_keys_later``)."""

    def test_the_account_comes_with_the_next_statement(self, storage: Storage, acme: str) -> None:
        """The account is there once the next statement ran."""
        with storage.unit_of_work() as uow:
            account = uow.get(AccountRepository).get_later(acme)
            balance = uow.get(LedgerRepository).balance(acme)
            assert account().id == acme
            assert balance == Money("9.00", "USD")

    def test_it_is_sent_when_asked_for_first(self, storage: Storage, acme: str) -> None:
        """Asked for before any other statement: sent at once."""
        with storage.unit_of_work() as uow:
            assert uow.get(AccountRepository).get_later(acme)().debit_limit.amount == Decimal(5)

    def test_a_missing_account_is_not_found(self, storage: Storage) -> None:
        """An unknown account is AccountNotFound when asked for."""
        with storage.unit_of_work() as uow:
            account = uow.get(AccountRepository).get_later("nobody")
            with pytest.raises(AccountNotFound):
                account()

    def test_the_end_of_the_unit_drops_it(self, storage: Storage, acme: str) -> None:
        """A commit sends what was kept; leaving the unit drops it."""
        with storage.unit_of_work() as uow:
            account = uow.get(AccountRepository).get_later(acme)
            uow.commit()  # nothing written: ends the transaction, sending what was kept
            assert account().id == acme
            later = uow.get(AccountRepository).get_later(acme)
        with pytest.raises(StorageError):  # rolled back and given back: never sent
            later()

    def test_keys_come_with_the_next_statement(self, storage: Storage, acme: str) -> None:
        """The keys' transactions are there once the next statement ran."""
        with storage.unit_of_work() as uow:
            ledger = uow.get(LedgerRepository)
            found = ledger.by_idempotency_keys_later(["first", "missing", "seed"])
            assert ledger.balance(acme) == Money("9.00", "USD")
            assert sorted(found()) == ["first", "seed"]
            assert ledger.by_idempotency_keys_later([])() == {}


def _syncs(trace: Path) -> int:
    """The round trips in a libpq trace: one ``Sync`` message each."""
    return sum(1 for line in trace.read_text().splitlines() if "\tSync" in line)


@pytest.mark.postgres
def test_a_debit_takes_two_round_trips_on_postgresql(pg_url: str) -> None:
    """With the account seen: [BEGIN, the balance moved], [rows, COMMIT]."""
    url = f"{pg_url}&pool_min_size=1&pool_max_size=1"
    with telcocore.connect(url) as core:
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit="5.00")
        core.ledger.credit("acme", "10.00", idempotency_key="seed")
        count: Callable[[Callable[[], object]], int] = lambda work: _traced(core, work)  # noqa: E731
        assert count(lambda: core.ledger.debit("acme", "1.00", idempotency_key="d1")) == 2
        batch = [LedgerRequest(Movement.DEBIT, "acme", "0.10", f"b{i}") for i in range(10)]
        assert count(lambda: core.ledger.post_many(batch)) == 2


def _traced(core: TelcoCore, work: Callable[[], object]) -> int:
    """The round trips ``work`` takes on the storage's one pooled connection."""
    storage = core.storage
    conn = storage.acquire()  # type: ignore[attr-defined]
    storage.release(conn)  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "trace")
        with path.open("w") as file:
            conn.pgconn.trace(file.fileno())
            try:
                work()
            finally:
                conn.pgconn.untrace()
                os.fsync(file.fileno())
        return _syncs(path)
