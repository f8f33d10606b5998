"""Invoice a month of calls and charges, issue it, take payments, and run a schedule.

Run it with ``python examples/invoices.py [STORAGE_URL]``; the default storage is a private
in-memory database (``memory://``), so each run starts afresh. The account is billed in
JPY at 10 % tax, where amounts have no decimal places.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import telcocore
from telcocore import Period, Rate, RateDeck, TransactionKind, UsageAlreadyInvoiced
from telcocore.calls.model.records import CallRecord
from telcocore.testing import FixedClock

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
MARCH = Period.month(2026, 3)


def calls(account_id: str) -> list[CallRecord]:
    """A call a day in March at noon UTC, to London and to New York, and one unanswered."""
    made = []
    for day in range(1, 32):
        start = datetime(2026, 3, day, 12, tzinfo=UTC)
        for n, (destination, seconds) in enumerate(
            [("+442071234567", 95), ("+12125550123", 240), ("+442071234567", 0)]
        ):
            answer = start if seconds else None
            made.append(
                CallRecord(
                    call_id=f"{account_id}-{day}-{n}",
                    account_id=account_id,
                    source="1001",
                    destination=destination,
                    start=start,
                    answer=answer,
                    end=start + timedelta(seconds=seconds + 5),
                    duration=seconds + 5,
                    billable=seconds,
                    disposition="answered" if seconds else "no_answer",
                )
            )
    return made


def main(url: str) -> None:
    """Walk an account through a month of invoicing."""
    clock = FixedClock(datetime(2026, 3, 20, tzinfo=UTC))
    with telcocore.connect(url, clock=clock) as core:
        account = core.accounts.open("Acme KK", "JPY", home_country="JP", tax_rate=Decimal("0.1"))
        core.ledger.credit(account.id, "100000", idempotency_key=f"{account.id}-top-up")
        deck = RateDeck(
            f"jp-retail-{account.id}",
            "JPY",
            [
                Rate("44", "United Kingdom", Decimal(30), effective_from=SINCE),
                Rate("1", "United States", Decimal(12), effective_from=SINCE),
            ],
        )
        core.rating.save_deck(deck)
        core.rating.assign(account.id, deck.name)
        posted = core.calls.post_many(calls(account.id))
        print(f"posted {posted.posted} calls")
        core.ledger.debit(
            account.id,
            "3000",
            idempotency_key=f"{account.id}-plan",
            kind=TransactionKind.RECURRING,
            description="Hosted PBX plan, March",
        )

        clock.set(datetime(2026, 4, 1, 9, tzinfo=UTC))
        invoice = core.invoices.generate(account.id, MARCH)
        print(f"\n{invoice.number} for {invoice.account_id}, {invoice.status.value}")
        for line in invoice.lines:
            what = f"{line.description} ({line.prefix})" if line.prefix else line.description
            print(
                f"  {line.kind.value:<10} {what:<26} {line.calls:>3} calls "
                f"{line.billed_minutes:>7} min {line.amount!s:>12}"
            )
        print(f"  subtotal {invoice.subtotal}, tax {invoice.tax}, total {invoice.total}")

        try:
            core.invoices.generate(account.id, Period.day(date(2026, 3, 31)))
        except UsageAlreadyInvoiced as refused:
            print(f"\nrefused: {refused}")

        invoice = core.invoices.issue(invoice.number)
        print(f"\nissued, due {invoice.due_at:%Y-%m-%d}")
        core.invoices.record_payment(
            account.id,
            "5000",
            method="bank_transfer",
            reference="bank 0042",
            allocations={invoice.number: "5000"},
        )
        invoice = core.invoices.get(invoice.number)
        print(f"paid 5000: {invoice.payment_status.value}, {invoice.outstanding} still owed")
        late = invoice.due_at + timedelta(days=1) if invoice.due_at else clock.now()
        print(f"overdue the day after it is due: {invoice.overdue(late)}")
        rest = invoice.outstanding
        core.invoices.record_payment(
            account.id, rest, method="card", allocations={invoice.number: rest}
        )
        invoice = core.invoices.get(invoice.number)
        print(f"paid the rest: {invoice.status.value}")

        core.invoices.set_schedule(account.id, "FREQ=MONTHLY;BYMONTHDAY=1", start=SINCE)
        report = core.invoices.run_due(datetime(2026, 4, 1, tzinfo=UTC))
        print(
            f"\nschedule: made {[i.number for i in report.generated]}, "
            f"refused {[p.start.strftime('%Y-%m') for _, p, _ in report.refused]}"
        )
        again = core.invoices.run_due(datetime(2026, 4, 1, tzinfo=UTC))
        print(f"run again: made {len(again.generated)}")

        print("\nas JSON:")
        print(json.dumps(invoice.to_json(clock.now()), indent=2)[:600], "...")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "memory://")
