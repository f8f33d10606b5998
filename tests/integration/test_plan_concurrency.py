"""Several OS processes running the recurring run at once on one SQLite file or PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tests.integration import plan_workers
from tests.integration.storage_workers import run_at_once

import telcocore
from telcocore import Money, Period, TransactionKind
from telcocore.numbering.model.dids import DidClass
from telcocore.testing import FixedClock

pytestmark = pytest.mark.slow

PROCESSES = 4
ACCOUNTS = 6


def _seeded(url: str) -> None:
    """Six accounts on plan ``pbx`` (2 users of 10.00 and a local DID: 12.00 + 5.00 setup).

    Set up in March 2026, before the April the workers charge: users bought after a month
    are not charged for it.
    """
    with telcocore.connect(url, clock=FixedClock(datetime(2026, 3, 14, tzinfo=UTC))) as core:
        core.plans.save_plan(
            "pbx", "USD", "10.00", did_monthly={"local": "2.00"}, did_setup={"local": "5.00"}
        )
        for n in range(ACCOUNTS):
            account = core.accounts.open(f"A{n}", "USD", account_id=f"a{n}", home_country="US").id
            core.ledger.credit(account, "100", idempotency_key=f"top-up {account}")
            core.plans.assign_plan(account, "pbx")
            core.plans.buy_users(account, 2, idempotency_key=f"seats {account}", prorate=False)
            core.numbering.add_did(account, f"+1415555{n:04d}", DidClass.LOCAL, active=True)


def test_four_processes_charge_each_account_once(durable_url: str) -> None:
    """Each account is charged by one process and found charged by the three others."""
    _seeded(durable_url)
    reports = run_at_once(plan_workers.run_recurring, [(durable_url,)] * PROCESSES)
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
    reports = run_at_once(plan_workers.buy_users, [(durable_url,)] * PROCESSES)
    assert [] == [error for _, error in reports if error]
    assert 1 == len({change for change, _ in reports})
    with telcocore.connect(durable_url) as core:
        assert 5 == core.plans.assignment("a0").users
        purchases = core.ledger.history("a0", kinds=[TransactionKind.PURCHASE]).entries
        assert 2 == len(purchases)  # the seeded seats, and this one
