"""A change of an account in progress in one process while another's ledger posts on it.

The ledger judges a debit by the account as it read it (the single debit remembers it from
the debit before); the database writes the account's new version on the balance in the
change's own statement. The debit waits for the change on the balance and is then judged
by the account as the change left it: never by the debit limit or status the change
replaced.
On PostgreSQL the test waits until the debit is blocked by the change before letting the
change commit; on SQLite the change holds the write lock from its start, so the debit
begins after the change commits, whenever it is started.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

import telcocore
from telcocore import AccountNotActive, DebitLimitExceeded, TelcoCore, TelcoError
from telcocore.accounts.model import AccountStatus
from telcocore.billing.ledger.services import LedgerRequest, Movement
from telcocore.billing.ledger.sql import SqlLedgerRepository
from telcocore.kernel.money import Money
from telcocore.platform.ports import UnitOfWork
from telcocore.platform.sql.unit_of_work import SqlUnitOfWork

_WAIT = 30.0
"""The longest any step waits for another thread, in seconds (a hang fails the test)."""


@pytest.fixture
def cores(durable_url: str) -> Iterator[tuple[TelcoCore, TelcoCore]]:
    """Two cores on one database; the first has debited ``acme`` (limit 5.00, 9.00 left)."""
    with telcocore.connect(durable_url) as mine, telcocore.connect(durable_url) as theirs:
        mine.accounts.open("Acme", "USD", account_id="acme", debit_limit="5.00")
        mine.ledger.credit("acme", "10.00", idempotency_key="seed")
        mine.ledger.debit("acme", "1.00", idempotency_key="first")  # the ledger has seen it
        yield mine, theirs


class _PausedChange:
    """Runs a change of ``theirs`` that stops, written but not committed, until released."""

    def __init__(self, theirs: TelcoCore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.written = threading.Event()
        self.release = threading.Event()
        self.backend: int | None = None
        """The PostgreSQL backend of the change's transaction (``None`` on SQLite)."""
        record = theirs.audit.record_change

        def paused(uow: UnitOfWork, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            assert isinstance(uow, SqlUnitOfWork)
            session = uow._session
            if session.dialect.name == "PostgreSQL":
                row = session.one("SELECT pg_backend_pid()")
                assert row is not None
                self.backend = row[0]
            self.written.set()  # the account and its balance are written: the audit is last
            assert self.release.wait(_WAIT)
            return record(uow, *args, **kwargs)

        monkeypatch.setattr(theirs.audit, "record_change", paused)


def _blocked_by(core: TelcoCore, backend: int) -> bool:
    """Whether a PostgreSQL backend waits for a lock ``backend`` holds."""
    with core.storage.unit_of_work(read_only=True) as uow:
        assert isinstance(uow, SqlUnitOfWork)
        row = uow._session.one(
            "SELECT count(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))",
            (backend,),
        )
    return row is not None and row[0] > 0


def _wait_until_blocked(core: TelcoCore, change: _PausedChange, posting: Future[Any]) -> None:
    """On PostgreSQL, until the posting waits for the change; on SQLite, not at all."""
    if change.backend is None:
        return
    for _ in range(int(_WAIT / 0.01)):
        if _blocked_by(core, change.backend):
            return
        assert not posting.done(), "the posting did not wait for the change"
        threading.Event().wait(0.01)
    pytest.fail("the posting never waited for the change")


def _single(mine: TelcoCore, amount: str) -> TelcoError | None:
    try:
        mine.ledger.debit("acme", amount, idempotency_key="during")
    except TelcoError as refused:
        return refused
    return None


def _batch(mine: TelcoCore, amount: str) -> TelcoError | None:
    outcome = mine.ledger.post_many(
        [LedgerRequest(Movement.DEBIT, "acme", amount, "during")]
    ).outcomes[0]
    return outcome if isinstance(outcome, TelcoError) else None


_CHANGES: dict[str, tuple[Callable[[TelcoCore], object], str, type[TelcoError]]] = {
    # 9.00 - 12.00 fits the old limit (5.00), not the new one (0.00).
    "limit lowered": (
        lambda theirs: theirs.accounts.update("acme", debit_limit="0.00"),
        "12.00",
        DebitLimitExceeded,
    ),
    "blocked": (
        lambda theirs: theirs.accounts.set_status("acme", AccountStatus.PENALTY),
        "1.00",
        AccountNotActive,
    ),
}


@pytest.mark.parametrize("post", [_single, _batch], ids=["debit", "post_many"])
@pytest.mark.parametrize("change", sorted(_CHANGES))
def test_a_debit_waiting_for_a_change_obeys_it(
    cores: tuple[TelcoCore, TelcoCore],
    monkeypatch: pytest.MonkeyPatch,
    change: str,
    post: Callable[[TelcoCore, str], TelcoError | None],
) -> None:
    """The change commits while the debit waits: the debit is refused by the new rules."""
    mine, theirs = cores
    make_change, amount, refusal = _CHANGES[change]
    paused = _PausedChange(theirs, monkeypatch)
    with ThreadPoolExecutor(max_workers=2) as threads:
        changing = threads.submit(make_change, theirs)
        assert paused.written.wait(_WAIT)
        posting = threads.submit(post, mine, amount)
        try:
            _wait_until_blocked(mine, paused, posting)
        finally:
            paused.release.set()
        changing.result(timeout=_WAIT)
        refused = posting.result(timeout=_WAIT)
    assert isinstance(refused, refusal)
    assert mine.ledger.balance("acme") == Money("9.00", "USD")
    assert len(mine.ledger.history("acme").entries) == 2  # the seed and the first debit


class _PausedPosting:
    """Stops every posting of this process once its balance is moved (or held), until released.

    Before the posting's rows go: those refer to the account (a foreign key).
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.moved = threading.Event()
        self.release = threading.Event()
        self.backend: int | None = None
        """The PostgreSQL backend of the posting's transaction (``None`` on SQLite)."""
        for name in ("add", "record_batch"):
            monkeypatch.setattr(SqlLedgerRepository, name, self._paused(name))

    def _paused(self, name: str) -> Callable[..., None]:
        write = getattr(SqlLedgerRepository, name)

        def paused(repository: SqlLedgerRepository, *args: Any) -> None:  # noqa: ANN401
            session = repository._s
            if session.dialect.name == "PostgreSQL":
                row = session.one("SELECT pg_backend_pid()")
                assert row is not None
                self.backend = row[0]
            self.moved.set()
            assert self.release.wait(_WAIT)
            write(repository, *args)

        return paused


@pytest.mark.parametrize("post", [_single, _batch], ids=["debit", "post_many"])
def test_a_realm_change_and_a_posting_both_commit(
    cores: tuple[TelcoCore, TelcoCore],
    monkeypatch: pytest.MonkeyPatch,
    post: Callable[[TelcoCore, str], TelcoError | None],
) -> None:
    """A change of the realm while a posting holds the balance deadlocks neither.

    The change holds the account row and waits, in the database's write of the version on
    the balance, for the posting; the posting's rows then refer to the account (a foreign
    key). Neither may wait for the other: the posting commits, then the change.
    """
    mine, theirs = cores
    paused = _PausedPosting(monkeypatch)
    with ThreadPoolExecutor(max_workers=2) as threads:
        posting = threads.submit(post, mine, "1.00")
        assert paused.moved.wait(_WAIT)
        changing = threads.submit(theirs.accounts.update, "acme", realm="acme.example")
        try:
            for _ in range(int(_WAIT / 0.01)):  # PostgreSQL: until the change waits
                if paused.backend is None or _blocked_by(mine, paused.backend):
                    break
                assert not changing.done(), "the change did not wait for the posting"
                threading.Event().wait(0.01)
            else:
                pytest.fail("the change never waited for the posting")
        finally:
            paused.release.set()
        refused = posting.result(timeout=_WAIT)
        changed = changing.result(timeout=_WAIT)
    assert (refused, changed.realm) == (None, "acme.example")
    assert mine.ledger.balance("acme") == Money("8.00", "USD")
