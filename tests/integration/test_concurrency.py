"""Several OS processes on one SQLite file or one PostgreSQL schema at once."""

from __future__ import annotations

import os
import signal
from decimal import Decimal
from multiprocessing.context import SpawnProcess

import pytest
from tests.conftest import whole_history
from tests.integration import storage_workers as workers

import telcocore
from telcocore.billing.ledger.model import SystemAccount
from telcocore.kernel.money import Money
from telcocore.testing import FixedClock

pytestmark = pytest.mark.slow

PROCESSES = 8
DEBITS = 500
DEBIT = "0.01"
DEBIT_LIMIT = Decimal("25.00")
ALLOWED = int(DEBIT_LIMIT / Decimal(DEBIT))  # 2500 of the 4000 debits fit


def _open_acme(url: str, debit_limit: Decimal = Decimal(0)) -> None:
    with telcocore.connect(url, clock=FixedClock(workers.AT)) as core:
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit=debit_limit)


def _join_all(processes: list[SpawnProcess]) -> list[int | None]:
    for process in processes:
        process.join(timeout=120)
    return [process.exitcode for process in processes]


class TestDebitLimitUnderContention:
    """Eight processes debiting one account never take it past its debit limit."""

    def test_exactly_what_the_limit_allows_is_accepted(self, durable_url: str) -> None:
        """Of 8 x 500 debits of 0.01 under a 25.00 limit, 2500 pass, the rest are refused."""
        _open_acme(durable_url, DEBIT_LIMIT)
        start = workers.SPAWN.Barrier(PROCESSES)
        results = workers.SPAWN.Queue()
        processes = [
            workers.SPAWN.Process(
                target=workers.post_debits,
                kwargs={
                    "url": durable_url,
                    "worker": worker,
                    "count": DEBITS,
                    "amount": DEBIT,
                    "start": start,
                    "results": results,
                },
            )
            for worker in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        reports = [results.get(timeout=120) for _ in processes]
        assert [0] * PROCESSES == _join_all(processes)

        accepted = sum(r[1] for r in reports)
        refused = sum(r[2] for r in reports)
        other = [error for r in reports for error in r[3]]
        assert ([], ALLOWED, PROCESSES * DEBITS - ALLOWED) == (other, accepted, refused)
        with telcocore.connect(durable_url) as core:
            balance = core.ledger.balance("acme")
            history = whole_history(core, "acme")
            postings = sum((e.amount for e in history), Money.zero("USD"))
            assert Money(-DEBIT_LIMIT, "USD") == balance
            assert balance == postings
            assert balance >= -Money(DEBIT_LIMIT, "USD")
            assert list(range(1, ALLOWED + 1)) == [e.seq for e in history]
            assert balance == -core.ledger.system_balance(SystemAccount.REVENUE, "USD")
            assert {"USD": 0} == core.ledger.totals()


class TestIdempotencyUnderContention:
    """Two processes posting the same keys at once."""

    def test_the_same_key_posts_one_transaction(self, durable_url: str) -> None:
        """Both processes get the same transaction for each key, posted once."""
        _open_acme(durable_url)
        keys = [f"payment-{number}" for number in range(100)]
        start = workers.SPAWN.Barrier(2)
        results = workers.SPAWN.Queue()
        processes = [
            workers.SPAWN.Process(
                target=workers.post_same_keys, args=(durable_url, keys, start, results)
            )
            for _ in range(2)
        ]
        for process in processes:
            process.start()
        first, second = results.get(timeout=120), results.get(timeout=120)
        assert [0, 0] == _join_all(processes)
        assert first == second
        with telcocore.connect(durable_url) as core:
            history = whole_history(core, "acme")
            assert (sorted(first), Money("100.00", "USD")) == (
                sorted(e.transaction_id for e in history),
                core.ledger.balance("acme"),
            )


class TestBatchesUnderContention:
    """Processes posting batches of the same keys, over the same accounts, at once."""

    def test_each_key_posts_once(self, durable_url: str) -> None:
        """Every process gets the same transaction for a key; each key moved money once."""
        _open_acme(durable_url)
        with telcocore.connect(durable_url) as core:
            core.accounts.open("Beta", "USD", account_id="beta")
        keys = [f"k-{number}" for number in range(200)]
        start = workers.SPAWN.Barrier(3)
        results = workers.SPAWN.Queue()
        orders = [keys, keys[::-1], keys[1::2] + keys[::2]]  # each batch meets the others'
        processes = [
            workers.SPAWN.Process(
                target=workers.post_same_batches, args=(durable_url, order, 25, start, results)
            )
            for order in orders
        ]
        for process in processes:
            process.start()
        reports = [dict(results.get(timeout=120)) for _ in processes]
        assert [0, 0, 0] == _join_all(processes)
        first = reports[0]
        assert [first, first] == reports[1:]
        with telcocore.connect(durable_url) as core:
            posted = {account: whole_history(core, account) for account in ("acme", "beta")}
            assert sorted(first.values()) == sorted(
                e.transaction_id for history in posted.values() for e in history
            )
            for account, history in posted.items():
                assert list(range(1, 101)) == [e.seq for e in history]
                assert Money("100.00", "USD") == core.ledger.balance(account)
            assert {"USD": 0} == core.ledger.totals()


class TestCrash:
    """A process killed in the middle of its work leaves whole transactions or none."""

    def test_a_killed_writer_leaves_whole_units(self, durable_url: str) -> None:
        """After SIGKILL mid-batch, the stored batches are complete and the ledger adds up."""
        batch_size = 50
        _open_acme(durable_url)
        progress = workers.SPAWN.Queue()
        child = workers.SPAWN.Process(
            target=workers.post_batches, args=(durable_url, batch_size, progress)
        )
        child.start()
        committed = [progress.get(timeout=120) for _ in range(5)]
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=60)
        assert -signal.SIGKILL == child.exitcode

        with telcocore.connect(durable_url) as core:
            history = whole_history(core, "acme")
            balance = core.ledger.balance("acme")
            batches = {e.transaction_id.split("-")[0] for e in history}
            per_batch = {
                b: sum(1 for e in history if e.transaction_id.startswith(f"{b}-")) for b in batches
            }
            assert {batch_size} == set(per_batch.values())
            assert {f"b{n}" for n in committed} <= batches
            assert list(range(1, len(history) + 1)) == [e.seq for e in history]
            assert Money(Decimal("-0.01") * len(history), "USD") == balance
            assert balance == sum((e.amount for e in history), Money.zero("USD"))
            assert {"USD": 0} == core.ledger.totals()
            for entry in history[-batch_size:]:
                assert entry.amount == core.ledger.get(entry.transaction_id).amount
