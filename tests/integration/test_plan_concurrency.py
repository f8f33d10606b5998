"""Several OS processes running the recurring run at once on one SQLite file or PostgreSQL."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from tests.integration import plan_workers
from tests.integration.storage_workers import SPAWN

import telcocore
from telcocore import Money, Period, TransactionKind
from telcocore.numbering.model.dids import DidClass

pytestmark = pytest.mark.slow

PROCESSES = 4
ACCOUNTS = 6


def _seeded(url: str) -> None:
    """Six accounts on plan ``pbx`` (2 users of 10.00 and a local DID: 12.00 + 5.00 setup)."""
    with telcocore.connect(url) as core:
        core.plans.save_plan(
            "pbx", "USD", "10.00", did_monthly={"local": "2.00"}, did_setup={"local": "5.00"}
        )
        for n in range(ACCOUNTS):
            account = core.accounts.open(f"A{n}", "USD", account_id=f"a{n}", home_country="US").id
            core.ledger.credit(account, "100", idempotency_key=f"top-up {account}")
            core.plans.assign_plan(account, "pbx")
            core.plans.buy_users(account, 2, idempotency_key=f"seats {account}", prorate=False)
            core.numbering.add_did(account, f"+1415555{n:04d}", DidClass.LOCAL, active=True)


def _run(processes: int, url: str, target: Any = plan_workers.run_recurring) -> list[Any]:  # noqa: ANN401
    """Start ``target`` in ``processes`` processes at once; their reports."""
    start = SPAWN.Barrier(processes)
    results = SPAWN.Queue()
    workers = [SPAWN.Process(target=target, args=(url, start, results)) for _ in range(processes)]
    for process in workers:
        process.start()
    reports = [results.get(timeout=300) for _ in workers]
    for process in workers:
        process.join(timeout=60)
    assert [0] * processes == [p.exitcode for p in workers]
    return reports


def test_four_processes_charge_each_account_once(durable_url: str) -> None:
    """Each account is charged by one process and found charged by the three others."""
    _seeded(durable_url)
    reports = _run(PROCESSES, durable_url)
    assert [] == [error for _, error in reports if error]
    for n in range(ACCOUNTS):
        statuses = Counter(report[f"a{n}"] for report, _ in reports)
        assert {"charged": 1, "already_charged": PROCESSES - 1} == dict(statuses)
    with telcocore.connect(durable_url) as core:
        for n in range(ACCOUNTS):
            recurring = core.ledger.history(f"a{n}", kinds=[TransactionKind.RECURRING]).entries
            assert [Money("-27.00", "USD")] == [e.amount for e in recurring]
        again = core.plans.run_recurring(Period.month(2026, 4))
        assert {"already_charged"} == {c.status.value for c in again.charges}
        assert {"USD": Decimal(0)} == core.ledger.totals()
        assert core.audit.verify_chain() is None


def test_four_processes_retrying_a_purchase_charge_once(durable_url: str) -> None:
    """The same purchase from four processes at once: one debit, 3 users more, one change."""
    _seeded(durable_url)
    reports = _run(PROCESSES, durable_url, plan_workers.buy_users)
    assert [] == [error for _, error in reports if error]
    assert 1 == len({change for change, _ in reports})
    with telcocore.connect(durable_url) as core:
        assert 5 == core.plans.assignment("a0").users
        purchases = core.ledger.history("a0", kinds=[TransactionKind.PURCHASE]).entries
        assert 2 == len(purchases)  # the seeded seats, and this one
