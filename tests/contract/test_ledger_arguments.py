"""Every LedgerService method answers bad arguments with one error class on every storage.

Each call below replaces one argument of a valid call with a bad value; the error must be
exactly the class the table names (so it is the same on memory, SQLite and PostgreSQL), and
nothing may be written: balances, history, totals and the audit chain stay as they were.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from telcocore import TelcoCore
from telcocore.billing.ledger.model import SystemAccount, TransactionKind
from telcocore.billing.ledger.services import MAX_HISTORY_LIMIT, LedgerRequest, Movement
from telcocore.kernel.errors import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidCurrency,
    TelcoError,
    ValidationError,
)
from telcocore.kernel.money import Money

BAD_IDS: list[object] = [
    None,
    5,
    10**30,
    1.5,
    True,
    [],
    ["acme"],
    {},
    object(),
    b"acme",
    "",
    "   ",
    "x" * 1_000_000,
    "ac\x00me",
    "\ud800",
    "ac me",
    "'; DROP TABLE accounts; --",
    "\u202eacme",
]
"""Account and transaction ids no storage may see: each is a ValidationError."""

BAD_AMOUNTS: list[tuple[object, type[TelcoError]]] = [
    (None, InvalidAmount),
    (0.1, InvalidAmount),
    (True, InvalidAmount),
    (Decimal("NaN"), InvalidAmount),
    (Decimal("sNaN"), InvalidAmount),
    (Decimal("Infinity"), InvalidAmount),
    (10**30, InvalidAmount),
    (10**200, InvalidAmount),
    ("1" * 61, InvalidAmount),
    ("1e-101", InvalidAmount),
    ("1e-60", InvalidAmount),
    ("1e99", InvalidAmount),
    ("\uff11\uff12", InvalidAmount),
    ("1_000", InvalidAmount),
    ("", InvalidAmount),
    ([], InvalidAmount),
    ({}, InvalidAmount),
    (object(), InvalidAmount),
    ("0", ValidationError),
    ("-1", ValidationError),
    (Money("5", "EUR"), CurrencyMismatch),
]
"""Amounts the ledger refuses, with the exact error class."""

BAD_TEXT: list[object] = [None, 5, [], "x" * 1_000_000, "a\x00b", "\ud800"]
"""Not text every storage keeps: refused as descriptions, reasons and idempotency keys."""

Case = tuple[str, tuple[object, ...], dict[str, object], type[TelcoError]]
"""A LedgerService method, its arguments and the error they must raise."""


def _cases() -> list[Case]:  # noqa: C901, PLR0912 - one table, row by row
    cases: list[Case] = []

    def add(
        method: str, *args: object, error: type[TelcoError] = ValidationError, **kw: object
    ) -> None:
        cases.append((method, args, kw, error))

    movers = ("credit", "debit", "charge_usage")
    for bad in BAD_IDS:
        for method in ("balance", "available", "history", "get"):
            add(method, bad)
        add("reverse", bad, idempotency_key="k")
        for method in movers:
            add(method, bad, "1.00", idempotency_key="k")
    for bad, error in BAD_AMOUNTS:
        for method in movers:
            add(method, "acme", bad, idempotency_key="k", error=error)
    for bad in BAD_TEXT:
        add("credit", "acme", "1", idempotency_key=bad)
        add("debit", "acme", "1", idempotency_key="k", description=bad)
        add("reverse", "seed-tx", idempotency_key="k", reason=bad)
    for bad in (5, "gift", TransactionKind.USAGE, []):
        add("credit", "acme", "1", idempotency_key="k", kind=bad)
    for bad in (5, "usage", TransactionKind.USAGE, [5], [[1]], ["gift"], object()):
        add("history", "acme", kinds=bad)
    for bad in (0, -1, "5", 1.5, True, None, Decimal(5), MAX_HISTORY_LIMIT + 1, 2**63):
        add("history", "acme", limit=bad)
    for bad in (-1, "x", 1.5, True, Decimal(1), 2**64):
        add("history", "acme", after=bad)
    for bad in (5, None, "@nothing", "acme", [], "cash"):
        add("system_balance", bad, "USD")
    for bad in (5, None, "", "XYZ", "\x00", [], "US D"):
        add("system_balance", SystemAccount.CASH, bad, error=InvalidCurrency)
    for bad in ("str", 5, None, [1], [None], {"a": 1}, object(), [LedgerRequest, "x"]):
        add("post_many", bad)
    return cases


CASES = _cases()


def _state(core: TelcoCore) -> tuple[Any, ...]:
    return (
        core.ledger.balance("acme"),
        [e.transaction_id for e in core.ledger.history("acme").entries],
        core.ledger.totals(),
        core.audit.verify_chain(),
    )


class TestBadArguments:
    """A bad argument is refused with the table's error class, writing nothing."""

    def test_every_case(self, core: TelcoCore) -> None:
        """All cases on one storage: each raises its class, and nothing is written."""
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit="5.00")
        seed = core.ledger.credit("acme", "20.00", idempotency_key="seed")
        assert "seed-tx" != seed.id  # the reversal cases name a transaction that is not there
        before = _state(core)
        wrong: list[str] = []
        for method, args, kwargs, error in CASES:
            name = f"{method}{args!r:.60}{kwargs!r:.60}"
            try:
                getattr(core.ledger, method)(*args, **kwargs)
            except TelcoError as raised:
                if type(raised) is not error:
                    wrong.append(f"{name}: {type(raised).__name__}, not {error.__name__}")
            except Exception as raised:  # noqa: BLE001 - a raw error is what the test reports
                wrong.append(f"{name}: raw {type(raised).__name__}: {raised!s:.100}")
            else:
                wrong.append(f"{name}: accepted")
        assert ([], before) == (wrong, _state(core))

    def test_a_bad_id_in_a_batch_is_one_refusal(self, core: TelcoCore) -> None:
        """In post_many, a bad account id refuses its own request only, on every storage."""
        core.accounts.open("Acme", "USD", account_id="acme")
        requests = [LedgerRequest(Movement.CREDIT, "acme", "1", "good")] + [
            LedgerRequest(Movement.CREDIT, bad, "1", f"bad-{i}")  # type: ignore[arg-type]
            for i, bad in enumerate(BAD_IDS)
        ]
        result = core.ledger.post_many(requests)
        assert ([ValidationError] * len(BAD_IDS), 1) == (
            [type(e) for _, e in result.refused],
            len(result.posted),
        )


class TestHistoryPages:
    """history() pages like audit.entries(): a limit and a cursor."""

    @pytest.fixture
    def acme(self, core: TelcoCore) -> str:
        """An account with five postings: +10, -1, -2, -3, -4."""
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit="100")
        core.ledger.credit("acme", "10", idempotency_key="k0")
        for n in range(1, 5):
            core.ledger.charge_usage("acme", str(n), idempotency_key=f"k{n}")
        return "acme"

    def test_pages_follow_each_other(self, core: TelcoCore, acme: str) -> None:
        """Pages of two: seqs 1-2, 3-4, 5, each entry with its running balance."""
        pages: list[list[tuple[int, Decimal]]] = []
        after = None
        while True:
            page = core.ledger.history(acme, limit=2, after=after)
            pages.append([(e.seq, e.balance.amount) for e in page.entries])
            if page.next_after is None:
                break
            after = page.next_after
        balances = [[(1, "10"), (2, "9")], [(3, "7"), (4, "4")], [(5, "0")]]
        assert [[(seq, Decimal(b)) for seq, b in page] for page in balances] == pages

    def test_a_filtered_page(self, core: TelcoCore, acme: str) -> None:
        """Kinds and paging together: the cursor is the last seq shown."""
        first = core.ledger.history(acme, kinds=[TransactionKind.USAGE], limit=2)
        second = core.ledger.history(acme, kinds=[TransactionKind.USAGE], after=first.next_after)
        assert ([2, 3], 3, [4, 5], None) == (
            [e.seq for e in first.entries],
            first.next_after,
            [e.seq for e in second.entries],
            second.next_after,
        )

    def test_default_limit(self, core: TelcoCore, acme: str) -> None:
        """Without a limit, a page holds up to 50 entries; a full last page has no cursor."""
        page = core.ledger.history(acme)
        assert (5, None) == (len(page.entries), page.next_after)

    def test_exactly_a_page(self, core: TelcoCore, acme: str) -> None:
        """When the entries fill the page exactly, there is no next page."""
        page = core.ledger.history(acme, limit=5)
        assert (5, None) == (len(page.entries), page.next_after)
