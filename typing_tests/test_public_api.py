"""The public API as users call it: mypy --strict checks this file; nothing runs it.

Each function is a typing test. `assert_type` fails the type check when an inferred type drifts,
and `# type: ignore[code]` lines must stay errors (mypy reports an unused ignore).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal, assert_type

import telcocore
from telcocore import (
    Account,
    Authorization,
    Bills,
    BillStatus,
    CallStart,
    CellSelection,
    DebitLimitExceeded,
    HistoryPage,
    LedgerEntry,
    MediaFile,
    Money,
    Payment,
    PaymentState,
    Playback,
    RecordingName,
    Refusal,
    Rounding,
    SummaryRow,
    TelcoCore,
    TelcoError,
    Transaction,
)


def check_connect_and_post() -> None:
    """A script's first steps: connect, open an account, move money, read the balance."""
    with telcocore.connect("memory://") as core:
        assert_type(core, TelcoCore)
        account = core.accounts.open("Acme", "USD", debit_limit="5.00")
        assert_type(account, Account)
        topup = core.ledger.credit(account.id, Money("20.00", "USD"), idempotency_key="t-1")
        assert_type(topup, Transaction)
        assert_type(core.ledger.balance(account.id), Money)


def check_delivery(core: TelcoCore) -> None:
    """Delivery is scheduled by the caller, or left to the core's worker."""
    report = core.outbox.deliver_pending(limit=50)
    assert_type(report.sent + report.failed, int)
    assert_type(core.start_delivery(interval=5.0), None)
    with telcocore.connect("memory://", deliver_every=2) as delivering:
        assert_type(delivering, TelcoCore)


def check_history_pages(core: TelcoCore) -> None:
    """History comes in pages: entries and the cursor of the next page (None at the end)."""
    page = core.ledger.history("acme", limit=100)
    assert_type(page, HistoryPage)
    assert_type(page.entries, list[LedgerEntry])
    assert_type(page.next_after, int | None)
    if page.next_after is not None:
        assert_type(core.ledger.history("acme", after=page.next_after), HistoryPage)


def check_authorize(core: TelcoCore) -> None:
    """A dialplan script asks before it bridges, and starts the call in the same step."""
    answer = core.calls.authorize("acme", "anonymous", "+442071234567")
    assert_type(answer, Authorization)
    assert_type(answer.reason, Refusal | None)
    assert_type(answer.max_duration, int)
    started = core.calls.authorize_and_start(
        "call-1", "acme", source="anonymous", destination="+442071234567"
    )
    assert_type(started.start, CallStart | None)
    core.calls.authorize_and_start("call-1", "acme", "anonymous", "+4420")  # type: ignore[call-arg]


def check_money() -> None:
    """Money arithmetic keeps the Money type; rounding names its mode."""
    price = Money("10.00", "USD")
    assert_type(price + price, Money)
    assert_type(price * Decimal("0.3333"), Money)
    assert_type(price.round(Rounding.HALF_UP), Money)
    assert_type(price.amount, Decimal)
    assert_type(price.currency, str)
    assert_type(price.format(locale="de_DE"), str)
    assert_type(sum([price, price]), Money | Literal[0])  # sum([]) is 0
    assert_type(sum([price, price], Money.zero("USD")), Money)
    assert_type(bool(price), bool)


def check_errors_carry_data(core: TelcoCore) -> None:
    """A refused debit says who, how much was asked and how much was available."""
    try:
        core.ledger.debit("acme", "20.00", idempotency_key="d-1")
    except DebitLimitExceeded as refused:
        assert_type(refused.account_id, str)
        assert_type(refused.requested, Money)
        assert_type(refused.available, Money)
    except TelcoError:
        pass


def check_summaries(core: TelcoCore, start: datetime, end: datetime) -> None:
    """Daily rows, their ratios, a selection of cells and an export."""
    rows = core.summaries.daily("acme", start, end, by="classification")
    assert_type(rows, list[SummaryRow])
    row = rows[0]
    assert_type(row.charge, Money)
    assert_type(row.asr, Decimal | None)
    assert_type(row.profit, Money | None)
    asr = telcocore.select_cells(rows, "asr")
    assert_type(asr, CellSelection)
    assert_type(asr.weighted, Decimal | None)
    assert_type(telcocore.to_csv(rows, ["period_start", "charge"]), str)
    assert_type(core.summaries.live("acme"), list[SummaryRow])


def check_payments_and_bills(core: TelcoCore) -> None:
    """A payment allocated to invoices by number, the bills, an invoice rendered."""
    payment = core.invoices.record_payment(
        "acme", "10.00", method="card", allocations={"INV-2026-000001": Money("10.00", "USD")}
    )
    assert_type(payment, Payment)
    assert_type(core.invoices.settle_payment(payment.id).status, PaymentState)
    bills = core.invoices.bills("acme")
    assert_type(bills, Bills)
    assert_type([bill.status for bill in bills.bills], list[BillStatus])
    assert_type(core.invoices.render_html("INV-2026-000001", locale="de_DE"), str)


def check_version() -> None:
    """The version is a string, read lazily from the installed distribution."""
    assert_type(telcocore.__version__, str)


def check_misuse_is_caught() -> None:
    """Calls that must not type-check."""
    Money("1.00", "USD").round("half-up")  # type: ignore[arg-type]
    Money("1.00", "USD") + 1  # type: ignore[operator]
    telcocore.connect()  # type: ignore[call-arg]


def check_media(core: TelcoCore, at: datetime) -> None:
    """Media: bytes in, a recording named by the rule, a ranged stream out."""
    stored = core.media.store_recording(
        "acme", b"RIFF....WAVE", caller="1001", callee=None, started_at=at
    )
    assert_type(stored, MediaFile)
    assert_type(telcocore.parse_recording_name(stored.name), RecordingName)
    playback = core.media.play(stored.id, byte_range="bytes=0-99")
    assert_type(playback, Playback)
    assert_type(playback.content_range, str)
    assert_type(b"".join(playback.chunks), bytes)
    assert_type(core.media.recordings("acme", start=at).items, list[MediaFile])
    assert_type(core.media.purge(), int)
    core.media.set_retention("acme", "30")  # type: ignore[arg-type]
