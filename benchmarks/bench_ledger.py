"""Postings per second through ``ledger.debit`` in memory, against a bare-dict baseline.

*Ours*: ``core.ledger.debit`` on ``telcocore.connect("memory://")``, one debit of 0.01 USD
per call with a fresh idempotency key, on an active account topped up with enough money
(and a debit limit wide enough) that nothing is ever refused.

*Baseline*: the same work with dicts, a list and ``Decimal``, no framework: look the
idempotency key up in a dict, check the account is active, check the currency, check the
amount is positive, check the debit limit (``balance - amount >= -limit``), make a
transaction id (``uuid4().hex``) and a UTC timestamp (ours does both too), append the two
postings to a list, update the customer's and the revenue account's balances, and remember
the key.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import telcocore
from benchmarks.harness import Benchmark, Case, Operation

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["BENCHMARKS"]

ACCOUNT = "bench"
CURRENCY = "USD"
AMOUNT = Decimal("0.01")
FUNDS = Decimal(10) ** 12
"""Top-up and debit limit: far more than any run spends."""


def _ours() -> tuple[telcocore.TelcoCore, Operation]:
    core = telcocore.connect("memory://")
    core.accounts.open("Benchmark", CURRENCY, account_id=ACCOUNT, debit_limit=FUNDS)
    core.ledger.credit(ACCOUNT, FUNDS, idempotency_key="bench-top-up")
    keys = (f"ours-{i}" for i in itertools.count())
    debit = core.ledger.debit

    def run(n: int) -> None:
        for key in itertools.islice(keys, n):
            debit(ACCOUNT, AMOUNT, idempotency_key=key)

    return core, run


@dataclass
class _BareLedger:
    """The baseline's whole ledger: plain dicts and a list."""

    status: dict[str, str] = field(default_factory=dict)
    currency: dict[str, str] = field(default_factory=dict)
    debit_limit: dict[str, Decimal] = field(default_factory=dict)
    balances: dict[str, Decimal] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    postings: list[tuple[str, str, Decimal, str, datetime]] = field(default_factory=list)


def _baseline() -> Operation:
    ledger = _BareLedger()
    ledger.status[ACCOUNT] = "active"
    ledger.currency[ACCOUNT] = CURRENCY
    ledger.debit_limit[ACCOUNT] = FUNDS
    ledger.balances[ACCOUNT] = FUNDS
    ledger.balances["@revenue"] = Decimal(0)
    keys = (f"base-{i}" for i in itertools.count())

    def debit(account: str, amount: Decimal, currency: str, key: str) -> str:
        existing = ledger.by_key.get(key)
        if existing is not None:
            return existing
        if ledger.status[account] != "active":
            msg = f"account {account} is not active"
            raise RuntimeError(msg)
        if ledger.currency[account] != currency:
            msg = f"amount must be in {ledger.currency[account]}"
            raise RuntimeError(msg)
        if not amount > 0:
            msg = f"amount {amount} must be positive"
            raise RuntimeError(msg)
        after = ledger.balances[account] - amount
        if after < -ledger.debit_limit[account]:
            msg = f"debit of {amount} refused"
            raise RuntimeError(msg)
        transaction_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        ledger.postings.append((transaction_id, account, -amount, currency, now))
        ledger.postings.append((transaction_id, "@revenue", amount, currency, now))
        ledger.balances[account] = after
        ledger.balances["@revenue"] += amount
        ledger.by_key[key] = transaction_id
        return transaction_id

    def run(n: int) -> None:
        for key in itertools.islice(keys, n):
            debit(ACCOUNT, AMOUNT, CURRENCY, key)

    return run


@contextlib.contextmanager
def _setup() -> Iterator[Case]:
    core, ours = _ours()
    try:
        yield Case(ours=ours, baseline=_baseline())
    finally:
        core.close()


BENCHMARKS = [
    Benchmark(
        name="ledger.debit.memory",
        measures="core.ledger.debit on memory://, fresh idempotency key each",
        baseline="dicts + Decimal: key lookup, active, currency and limit checks, 2 postings",
        setup=_setup,
        ops=20_000,
        quick_ops=2_000,
        repeats=7,
        quick_repeats=3,
        unit="debits/s",
    ),
]
