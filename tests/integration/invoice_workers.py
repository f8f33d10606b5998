"""What the invoice concurrency tests' child processes run.

Child processes are started with the "spawn" method, which imports this module by name in
a fresh interpreter: so everything they run lives here, at module level.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import telcocore
from telcocore import OverPayment, Period, UsageAlreadyInvoiced


def generate_days(
    url: str,
    worker: int,
    count: int,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Generate ``count`` invoices of days of the worker's own; report (numbers, errors)."""
    numbers: list[str] = []
    errors: list[str] = []
    first = date(2026, 1, 1) + timedelta(days=worker * count)
    with telcocore.connect(url) as core:
        start.wait()
        for n in range(count):
            try:
                invoice = core.invoices.generate("acme", Period.day(first + timedelta(days=n)))
                numbers.append(invoice.number)
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
                errors.append(repr(exc))
    results.put((numbers, errors))


def generate_march(
    url: str,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Invoice March, as every other worker does; report (number or None, refusal, errors)."""
    with telcocore.connect(url) as core:
        start.wait()
        try:
            number = core.invoices.generate("acme", Period.month(2026, 3)).number
            results.put((number, None, None))
        except UsageAlreadyInvoiced as refused:
            results.put((None, refused.number, None))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put((None, None, repr(exc)))


def run_due(
    url: str,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Run the schedules once; report (numbers generated, refusals, errors)."""
    with telcocore.connect(url) as core:
        start.wait()
        try:
            report = core.invoices.run_due(datetime(2026, 4, 1, tzinfo=UTC))
            refused = [str(error) for _, _, error in report.refused]
            results.put(([i.number for i in report.generated], refused, None))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put(([], [], repr(exc)))


def settle(
    url: str,
    payment_id: str,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Settle the pending payment, as every other worker does; report (ledger credit, error)."""
    with telcocore.connect(url) as core:
        start.wait()
        try:
            results.put((core.invoices.settle_payment(payment_id).transaction_id, None))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put((None, repr(exc)))


def pay_part(
    url: str,
    number: str,
    amount: str,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Record a pending payment of ``amount`` of the invoice; report recorded, refused or error."""
    with telcocore.connect(url) as core:
        start.wait()
        try:
            core.invoices.record_payment(
                "acme", amount, method="card", status="pending", allocations={number: amount}
            )
            results.put("recorded")
        except OverPayment:
            results.put("refused")
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put(repr(exc))


def pay_two(  # noqa: PLR0913, PLR0917 - the worker's whole assignment
    url: str,
    first: str,
    second: str,
    times: int,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """``times`` payments of 0.01 to ``first`` and ``second``, each recorded then settled.

    Reports the errors met.
    """
    errors = []
    with telcocore.connect(url) as core:
        start.wait()
        for _ in range(times):
            try:
                payment = core.invoices.record_payment(
                    "acme",
                    "0.02",
                    method="card",
                    status="pending",
                    allocations={first: "0.01", second: "0.01"},
                )
                core.invoices.settle_payment(payment.id)
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
                errors.append(repr(exc))
    results.put(errors)
