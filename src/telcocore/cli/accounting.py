"""``telcocore bills`` and ``telcocore ledger``: what a customer owes, and how the money moved.

``bills`` shows the customer's view of an account's issued invoices of the last three
months (see docs/bills.md); ``ledger`` its transactions with the balance after each, a
page at a time. Both print JSON with ``--json``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import click

from telcocore.billing.ledger.services import MAX_HISTORY_LIMIT
from telcocore.cli.app import db_option, json_option, open_core, print_json, show_table
from telcocore.kernel.periods import Period
from telcocore.kernel.validation import MAX_INT

__all__ = ["ACCOUNTING_COMMANDS", "day_of", "days_of"]


def _time(at: datetime) -> str:
    """An instant as ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    return at.strftime("%Y-%m-%d %H:%M:%S")


def day_of(at: datetime | None) -> str:
    """The day of an instant, ``YYYY-MM-DD`` (nothing for ``None``)."""
    return "" if at is None else str(at.date())


def days_of(period: Period) -> str:
    """A period of whole days as its first and last day: ``2026-03-01 to 2026-03-31``."""
    return f"{period.start.date()} to {(period.end - timedelta(days=1)).date()}"


@click.command(name="bills")
@click.argument("account")
@db_option
@json_option
def bills(account: str, db: str, *, as_json: bool) -> None:
    """Show ACCOUNT's bills: its invoices issued in the last three months, and their status.

    Each bill is paid, partially_paid, unpaid, overdue or void, as of now; the totals leave
    void bills out. Drafts are not bills.
    """
    with open_core(db) as core:
        found = core.invoices.bills(account)
        now = core.context.clock.now()
    if as_json:
        print_json(
            {
                "account_id": found.account_id,
                "window": found.window,
                "bills": [
                    {
                        "number": b.number,
                        "status": b.status.value,
                        "invoice": b.invoice.to_json(now),
                    }
                    for b in found.bills
                ],
                "total": found.total,
                "paid": found.paid,
                "outstanding": found.outstanding,
            }
        )
        return
    click.echo(f"Bills of {found.account_id} issued {days_of(found.window)}")
    if not found.bills:
        click.echo("No bills.")
    else:
        rows = [
            (
                b.number,
                days_of(b.invoice.period),
                day_of(b.invoice.issued_at),
                day_of(b.invoice.due_at),
                b.invoice.total,
                b.invoice.paid,
                b.invoice.outstanding,
                b.status.value,
            )
            for b in found.bills
        ]
        headers = ("number", "period", "issued", "due", "total", "paid", "outstanding", "status")
        show_table(None, headers, rows, right=(4, 5, 6))
    click.echo(f"Total:       {found.total}")
    click.echo(f"Paid:        {found.paid}")
    click.echo(f"Outstanding: {found.outstanding}")


@click.command(name="ledger")
@click.argument("account")
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_HISTORY_LIMIT),
    default=50,
    show_default=True,
    help=f"The most transactions to show (at most {MAX_HISTORY_LIMIT}).",
)
@click.option(
    "--after",
    type=click.IntRange(0, MAX_INT),
    metavar="SEQ",
    help="Show the transactions after this seq (the next page).",
)
@db_option
@json_option
def ledger(account: str, limit: int, after: int | None, db: str, *, as_json: bool) -> None:
    """Show ACCOUNT's transactions, oldest first, each with the balance after it.

    One page at a time: when there are more, the last line says how to show the next
    page (--after SEQ).
    """
    with open_core(db) as core:
        page = core.ledger.history(account, limit=limit, after=after)
    if as_json:
        print_json({"account_id": account, "entries": page.entries, "next_after": page.next_after})
        return
    if not page.entries:
        click.echo(f"No transactions of {account}" + (f" after {after}." if after else "."))
    else:
        rows = [
            (
                e.seq,
                _time(e.created_at),
                e.kind.value,
                e.amount,
                e.balance,
                e.description or (f"reverses {e.reverses}" if e.reverses else ""),
                e.transaction_id,
            )
            for e in page.entries
        ]
        headers = ("seq", "time (UTC)", "kind", "amount", "balance", "description", "transaction")
        show_table(None, headers, rows, right=(0, 3, 4))
    if page.next_after is not None:
        click.echo(f"More: telcocore ledger {account} --after {page.next_after}")


ACCOUNTING_COMMANDS: tuple[click.Command, ...] = (bills, ledger)
"""The commands of this module, registered with those of :mod:`telcocore.cli.billing`."""
