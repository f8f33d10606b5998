"""``telcocore invoice generate|show|list``: an account's invoices from a shell or cron.

``invoice generate`` bills a month or a range of days (and issues the invoice with
``--issue``), ``invoice show`` prints an invoice as the customer reads it or writes it as
text and HTML files, ``invoice list`` lists invoices a page at a time. ``--json`` prints each
invoice through :meth:`~telcocore.Invoice.to_json`, the shape of the package's
``invoice.schema.json``. The customer's bills and the ledger are in
:mod:`telcocore.cli.accounting`.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from telcocore.billing.invoices.model.invoice import Invoice, InvoiceStatus
from telcocore.billing.invoices.services import MAX_INVOICE_LIMIT
from telcocore.cli.accounting import ACCOUNTING_COMMANDS, day_of, days_of
from telcocore.cli.app import (
    STORAGE_FILE,
    db_option,
    json_option,
    open_core,
    print_json,
    show_table,
    storage_file,
)
from telcocore.cli.files import writable_file
from telcocore.cli.params import DAY, MONTH
from telcocore.kernel.periods import Period

__all__ = ["COMMANDS", "days_of", "percent", "write_file"]

STDOUT = "-"
"""The ``FILE`` that names standard output."""


def percent(rate: Decimal) -> str:
    """A tax rate (a fraction) as a percentage without trailing zeros.

    >>> percent(Decimal("0.2")), percent(Decimal("0.075")), percent(Decimal("0"))
    ('20 %', '7.5 %', '0 %')
    """
    text = format(rate * 100, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} %"


def _period_of(month: tuple[int, int] | None, first: date | None, last: date | None) -> Period:
    """The period the options name: ``--month``, or ``--from`` and ``--to``."""
    if month is not None:
        if first is not None or last is not None:
            msg = "give --month or --from and --to, not both"
            raise click.UsageError(msg)
        return Period.month(*month)
    if first is None or last is None:
        msg = "give the period: --month YYYY-MM, or --from DAY and --to DAY"
        raise click.UsageError(msg)
    if last < first:
        msg = f"--to {last} is before --from {first}"
        raise click.UsageError(msg)
    return Period.days(first, last)


def write_file(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` whole or not at all: a file beside it, then renamed."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(handle, 0o666 & ~umask)  # as open() would make it: mkstemp makes it 0600
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _show_invoice(invoice: Invoice) -> None:
    """Print an invoice's header, lines and totals (amounts in its currency)."""
    click.echo(f"Invoice {invoice.number}")
    click.echo(f"Account:    {invoice.account_id}")
    click.echo(f"Period:     {days_of(invoice.period)}")
    click.echo(f"Status:     {invoice.status.value}")
    if invoice.due_at is not None:
        click.echo(f"Due:        {invoice.due_at.date()}")
    rows = [
        (
            line.description,
            line.prefix if line.prefix is not None else line.kind.value,
            line.calls if line.prefix is not None else "",
            line.billed_minutes if line.prefix is not None else "",
            line.amount,
        )
        for line in invoice.lines
    ]
    if rows:
        show_table(None, ("line", "prefix", "calls", "minutes", "amount"), rows, right=(2, 3, 4))
    else:
        click.echo("No usage and no charges in the period.")
    click.echo(f"Subtotal:   {invoice.subtotal}")
    click.echo(f"Tax ({percent(invoice.tax_rate)}): {invoice.tax}")
    click.echo(f"Total:      {invoice.total}")


@click.group(name="invoice")
def invoice_group() -> None:
    """An account's invoices: generate one for a period, show one, list them."""


@invoice_group.command(name="generate")
@click.argument("account")
@click.option("--month", type=MONTH, help="The calendar month (UTC) to bill.")
@click.option("--from", "first", type=DAY, help="The first day (UTC) to bill, with --to.")
@click.option("--to", "last", type=DAY, help="The last day (UTC) to bill, included.")
@click.option("--issue", is_flag=True, help="Issue the invoice too: it is due from now.")
@db_option
@json_option
def generate(  # noqa: PLR0913 - the account, the period, and the common options
    account: str,
    month: tuple[int, int] | None,
    first: date | None,
    last: date | None,
    db: str,
    *,
    issue: bool,
    as_json: bool,
) -> None:
    """Generate ACCOUNT's invoice of a month, or of the days --from to --to.

    It bills the account's calls and the ledger's charges of the period, which must be
    over. Usage already on another invoice is refused, naming that invoice; nothing is
    written then. The invoice is a draft unless --issue is given.
    """
    period = _period_of(month, first, last)
    with open_core(db) as core:
        invoice = core.invoices.generate(account, period, issue=issue)  # one transaction
        now = core.context.clock.now()
    if as_json:
        print_json(invoice.to_json(now))
        return
    _show_invoice(invoice)


@invoice_group.command(name="show")
@click.argument("number")
@click.option(
    "--html", "html", metavar="FILE", help="Write the invoice as an HTML page (- for stdout)."
)
@click.option(
    "--text", "text", metavar="FILE", help="Write the invoice as plain text (- for stdout)."
)
@db_option
@json_option
def show(number: str, html: str | None, text: str | None, db: str, *, as_json: bool) -> None:
    """Print invoice NUMBER as the customer reads it, or write it as HTML or text files.

    Without --html, --text or --json the text is printed. The files are written whole or
    not at all, in the account's locale.
    """
    to_stdout = [name for name, value in (("--html", html), ("--text", text)) if value == STDOUT]
    if as_json:
        to_stdout.append("--json")
    if len(to_stdout) > 1:
        msg = f"only one of {' and '.join(to_stdout)} can print to standard output"
        raise click.UsageError(msg)
    keep = [(storage_file(db), STORAGE_FILE)]
    files = {
        kind: writable_file(path, option, keep=keep)
        for kind, option, path in (("HTML", "--html", html), ("text", "--text", text))
        if path is not None and path != STDOUT
    }
    with open_core(db) as core:
        invoice = core.invoices.get(number)
        now = core.context.clock.now()
        rendered_html = core.invoices.render_html(invoice.number) if html is not None else ""
        wants_text = text is not None or (html is None and not as_json)
        rendered_text = core.invoices.render_text(invoice.number) if wants_text else ""
    for kind, target in files.items():
        write_file(target, rendered_html if kind == "HTML" else rendered_text)
        click.echo(f"Wrote invoice {invoice.number} as {kind} to {target}", err=True)
    if as_json:
        print_json(invoice.to_json(now))
    elif html == STDOUT:
        click.echo(rendered_html, nl=False)
    elif text == STDOUT or (html is None and text is None):
        click.echo(rendered_text, nl=False)


@invoice_group.command(name="list")
@click.option("--account", metavar="ID", help="Only this account's invoices.")
@click.option(
    "--status",
    type=click.Choice([status.value for status in InvoiceStatus]),
    help="Only invoices with this status.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="The most invoices to list.",
)
@click.option("--after", metavar="NUMBER", help="List the invoices generated after this one.")
@db_option
@json_option
def list_invoices(  # noqa: PLR0913 - the filters, the page, and the common options
    account: str | None,
    status: str | None,
    limit: int,
    after: str | None,
    db: str,
    *,
    as_json: bool,
) -> None:
    """List invoices in the order they were generated, oldest first, a page at a time.

    When there are more, the last line says how to list the next page (--after NUMBER).
    """
    invoices: list[Invoice] = []
    cursor = after
    with open_core(db) as core:
        if account is not None:
            core.accounts.get(account)  # an unknown account is an error, not an empty list
        if after is not None:
            core.invoices.get(after)  # so is an unknown cursor
        while True:
            page = core.invoices.search(
                account_id=account,
                status=status,
                limit=min(MAX_INVOICE_LIMIT, limit - len(invoices)),
                after=cursor,
            )
            invoices.extend(page.invoices)
            cursor = page.next_after
            if cursor is None or len(invoices) >= limit:
                break
        now = core.context.clock.now()
    if as_json:
        print_json({"invoices": [i.to_json(now) for i in invoices], "next_after": cursor})
        return
    rows = [
        (
            i.number,
            i.account_id,
            days_of(i.period),
            i.total,
            i.status.value,
            i.payment_status.value,
            day_of(i.due_at),
            "yes" if i.overdue(now) else "",
        )
        for i in invoices
    ]
    headers = ("number", "account", "period", "total", "status", "payment", "due", "overdue")
    if rows:
        show_table(None, headers, rows, right=(3,))
    else:
        click.echo("No invoices.")
    if cursor is not None:
        click.echo(f"More: telcocore invoice list --after {cursor} (with the same filters)")


COMMANDS: tuple[click.Command, ...] = (invoice_group, *ACCOUNTING_COMMANDS)
