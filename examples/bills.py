"""Take payments (pending, settled, split over invoices), show the bills, render an invoice.

Run it with ``python examples/bills.py``: a private in-memory database, so each run starts
afresh. It writes ``invoice.html`` (a self-contained page) in the working directory. With
``--docs DIR`` it writes the page and, where Debian's ``chromium`` runs, a screenshot of it
(``invoice-de_DE.png``) into ``DIR``: that is how the picture in docs/bills.md is made
(``python examples/bills.py --docs docs/images``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import telcocore
from telcocore import Money, OverPayment, Period, Rate, RateDeck, TelcoCore
from telcocore.calls.model.records import CallRecord
from telcocore.testing import FixedClock

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def a_call(n: int, start: datetime, seconds: int) -> CallRecord:
    """An answered call of ``seconds`` to London."""
    return CallRecord(
        call_id=f"call-{n}",
        account_id="muller",
        source="1001",
        destination="+442071234567",
        start=start,
        answer=start,
        end=start + timedelta(seconds=seconds),
        duration=seconds,
        billable=seconds,
        disposition="answered",
    )


def set_up(core: TelcoCore, clock: FixedClock) -> list[str]:
    """A German customer billed in EUR at 19 % tax: three monthly invoices, issued."""
    core.accounts.open(
        "Müller & Söhne GmbH", "EUR", account_id="muller", locale="de_DE", tax_rate="0.19"
    )
    deck = RateDeck(
        "retail", "EUR", [Rate("44", "United Kingdom", Decimal("0.45"), effective_from=SINCE)]
    )
    core.rating.save_deck(deck)
    core.rating.assign("muller", "retail")
    numbers = []
    for month in (2, 3, 4):
        core.calls.post_many(
            [
                a_call(n, datetime(2026, month, day, 9, tzinfo=UTC), 60 * (day % 9 + month))
                for n, day in enumerate(range(1, 28, 2), start=month * 100)
            ]
        )
        period = Period.month(2026, month)
        clock.set(period.end + timedelta(days=1))
        number = core.invoices.generate("muller", period).number
        numbers.append(core.invoices.issue(number).number)
    return numbers


def screenshot(page: Path, shot: Path) -> bool:
    """Draw ``page`` with headless chromium into ``shot``; whether it could."""
    browser = shutil.which("chromium")
    if browser is None:
        return False
    done = subprocess.run(  # noqa: S603 - our own command line, no shell
        [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=900,800",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        check=False,
        timeout=120,
    )
    return done.returncode == 0 and shot.exists()


def main() -> None:
    """Pay, list the bills, render the March invoice."""
    docs = Path(sys.argv[sys.argv.index("--docs") + 1]) if "--docs" in sys.argv else None
    clock = FixedClock(SINCE)
    with telcocore.connect("memory://", clock=clock) as core:
        february, march, april = set_up(core, clock)
        owed = {n: core.invoices.get(n).total for n in (february, march, april)}
        print("issued:", ", ".join(f"{n} {owed[n].format('de_DE')}" for n in owed))

        # A transfer pays February and 20 EUR of March; 5 EUR more stays as credit.
        payment = core.invoices.record_payment(
            "muller",
            owed[february] + Money("25", "EUR"),
            method="bank_transfer",
            reference="SEPA 2026-05-03",
            allocations={february: owed[february], march: "20"},
        )
        print(f"\npayment {payment.id}: {payment.status.value}, credit {payment.unallocated}")

        try:
            core.invoices.record_payment(
                "muller", owed[april] * 2, method="card", allocations={april: owed[april] * 2}
            )
        except OverPayment as refused:
            print(f"refused: {refused}")

        # A direct debit is pending until the bank confirms it, then settled.
        debit = core.invoices.record_payment(
            "muller",
            owed[april],
            method="direct_debit",
            allocations={april: owed[april]},
            status="pending",
        )
        print(f"direct debit: {debit.status.value}, balance {core.ledger.balance('muller')}")
        debit = core.invoices.settle_payment(debit.id)
        print(f"direct debit: {debit.status.value}, balance {core.ledger.balance('muller')}")

        clock.set(datetime(2026, 5, 20, tzinfo=UTC))
        bills = core.invoices.bills("muller", day=date(2026, 5, 31))
        first, last = bills.window.start, bills.window.end - timedelta(days=1)
        print(f"\nbills issued from {first:%Y-%m-%d} to {last:%Y-%m-%d}:")
        for bill in bills.bills:
            invoice = bill.invoice
            print(f"  {bill.number}  {invoice.total!s:>12}  {bill.status.value}")
        print(f"  total {bills.total}, paid {bills.paid}, outstanding {bills.outstanding}")

        print()
        print(core.invoices.render_text(march))
        page = core.invoices.render_html(march)
        target = Path.cwd() if docs is None else docs
        target.mkdir(parents=True, exist_ok=True)
        (target / "invoice.html").write_text(page, encoding="utf-8")
        print(f"wrote {target / 'invoice.html'}")
        if docs is not None:
            shot = docs / "invoice-de_DE.png"
            drawn = screenshot(docs / "invoice.html", shot)
            print(f"screenshot {shot}: {'written' if drawn else 'no chromium'}")


if __name__ == "__main__":
    main()
