"""What ``telcocore demo`` prints: its tables and notes, or one JSON document."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import click

from telcocore.calls.importers import RejectedRow
from telcocore.cli.app import print_json, show_table
from telcocore.cli.sample import DECK
from telcocore.kernel.money import Money
from telcocore.reporting.model.summaries import SummaryRow

if TYPE_CHECKING:
    from telcocore.cli.demo import Built

__all__ = ["show", "to_json"]

_CENT = Decimal("0.01")
_SHOWN_REJECTS = 5


def _heading(text: str) -> None:
    click.echo()
    click.echo(click.style(text, bold=True))


def _minutes(seconds: int | Decimal) -> Decimal:
    return (Decimal(seconds) / 60).quantize(_CENT, ROUND_HALF_UP)


def _dash(value: object) -> object:
    return "-" if value is None else value


_CLASSES = {"international": "intl", "non_geographic": "non-geo"}


def _day_rows(rows: Iterable[SummaryRow]) -> Iterable[list[object]]:
    for row in rows:
        yield [
            row.period_start.date().isoformat(),
            f"{row.attempts:,}",
            f"{row.connected:,}",
            _dash(row.asr),
            _dash(row.acd),
            _minutes(row.billed_seconds),
            row.charge.amount,
        ]


def _destination_rows(rows: Iterable[SummaryRow]) -> Iterable[list[object]]:
    for row in rows:
        kind = row.classification.value if row.classification else "-"
        yield [
            row.prefix,
            row.description,
            _CLASSES.get(kind, kind),
            f"{row.attempts:,}",
            _dash(row.asr),
            _minutes(row.billed_seconds),
            row.charge.amount,
        ]


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def _operator(built: Built) -> None:
    _heading(f"The operator: rate deck {DECK!r} and three customers")
    click.echo(
        f"Rate deck {DECK!r}: {built.deck_rates} prefixes in USD, loaded from the rate card "
        f"{built.files.rate_card} (longest prefix wins; connect fees, A/B increments)."
    )
    for account in built.accounts:
        extensions = built.extensions.get(account.id, [])
        numbers = f"{extensions[0]}-{extensions[-1]}" if extensions else "none"
        click.echo(
            f"  {account.id}: {account.name} ({account.home_country}, tax "
            f"{_percent(account.tax_rate)}), debit limit {account.debit_limit}, balance "
            f"{built.balances[account.id]}, extensions {numbers}, "
            f"contact {built.contacts.get(account.id) or 'none'}"
        )


def _rejected(built: Built) -> list[RejectedRow]:
    return [row for row in built.report.rejected_rows if isinstance(row, RejectedRow)]


def _imported(built: Built) -> None:
    report = built.report
    _heading(f"A month of calls: {built.month.first_day:%B %Y}, as an Asterisk Master.csv")
    click.echo(
        f"Wrote {built.month.count:,} calls and {built.rows_written - built.month.count} odd "
        f"rows to {built.files.master_csv}; "
        f"imported it by each call's source extension:"
    )
    click.echo(
        f"  {report.read:,} rows read, {report.imported:,} calls imported, "
        f"{report.duplicates:,} duplicates, {report.unrated:,} unrated (never posted free), "
        f"{report.refused:,} refused, {report.rejected:,} rows rejected "
        f"(all in {built.files.rejected})."
    )
    for row in _rejected(built)[:_SHOWN_REJECTS]:
        click.echo(f"  rejected, line {row.line}: {row.reason}")
    for refusal in report.refusals[:_SHOWN_REJECTS]:
        click.echo(f"  {refusal.kind.value}, call {refusal.call_id}: {refusal.reason}")


def _summaries(built: Built) -> None:
    account = built.accounts[0]
    month = f"{built.month.first_day:%B %Y}"
    _heading(f"Daily summary of {account.id}, {month} (UTC days)")
    headers = ("day", "attempts", "connected", "ASR %", "ACD s", "billed min", "charge USD")
    show_table(None, headers, _day_rows(built.daily), right=range(1, 7))
    asr = built.asr
    attempts = sum(row.attempts for row in built.daily)
    connected = sum(row.connected for row in built.daily)
    click.echo(
        f"ASR of the month: the average of the {asr.count} daily ASRs is {asr.mean_of_cells} %, "
        f"each day weighing the same; the true ASR, weighted by attempts, is {asr.weighted} % "
        f"({connected:,} connected of {attempts:,} attempts)."
    )
    _heading(f"Monthly summary of {account.id}, {month}, by destination")
    headers = ("prefix", "destination", "class", "calls", "ASR %", "min", "charge USD")
    show_table(None, headers, _destination_rows(built.monthly), right=range(3, 7))


def _billed(built: Built) -> None:
    invoice = built.invoice
    account = built.accounts[0]
    _heading(f"Invoice {invoice.number} of {account.id}")
    due = invoice.due_at.date().isoformat() if invoice.due_at else "-"
    rate = _percent(account.tax_rate)
    click.echo(
        f"{invoice.status.value}, due {due}: {len(invoice.lines)} lines, subtotal "
        f"{invoice.subtotal} + tax {rate} {invoice.tax} = total {invoice.total}. Each line is a "
        "destination's monthly charge rounded to the cent; the tax is rounded once."
    )
    click.echo(f"Written as {built.files.invoice_html} and {built.files.invoice_text}.")
    _heading(f"Transactions of {account.id} (first page)")
    show_table(
        None,
        ("seq", "time (UTC)", "kind", "description", "amount", "balance"),
        (
            [
                entry.seq,
                f"{entry.created_at:%Y-%m-%d %H:%M:%S}",
                entry.kind.value,
                entry.description,
                entry.amount.amount,
                entry.balance.amount,
            ]
            for entry in built.ledger.entries
        ),
        right=(0, 4, 5),
    )
    click.echo(
        "Usage is posted as one transaction per account per batch of imported calls; "
        "each call's charge is rated and rounded once."
    )


def _audited(built: Built) -> None:
    account = built.accounts[0]
    _heading(f"Audit trail of {account.id}")
    show_table(
        None,
        ("seq", "time (UTC)", "actor", "from", "action", "reason"),
        (
            [
                e.seq,
                f"{e.at:%Y-%m-%d %H:%M}",
                e.actor,
                e.source_ip or "-",
                e.action.value,
                e.reason or "",
            ]
            for e in built.trail
        ),
        right=(0,),
    )
    change = built.change
    click.echo(f"Entry {change.entry.seq} changed the account by this JSON Patch (RFC 6902):")
    for operation in change.patch:
        click.echo(f"  {json.dumps(operation)}")
    before, after = change.before or {}, change.after or {}
    click.echo(
        f"debit limit {before.get('debit_limit', {}).get('amount')} -> "
        f"{after.get('debit_limit', {}).get('amount')} USD. The audit log's "
        f"{built.audit_entries} entries form a hash chain, and it verifies."
    )


def _next(built: Built, db: str) -> None:
    account = built.accounts[0].id
    where = f"--db {shlex.quote(db)}"
    first = built.month.first_day.date()
    last = (built.month.end - timedelta(days=1)).date()
    _heading("Files and what to try next")
    for path in (
        built.files.invoice_html,
        built.files.invoice_text,
        built.files.master_csv,
        built.files.rejected,
        built.files.rate_card,
    ):
        click.echo(f"  {path}")
    click.echo(f"The storage: {db}. Try:")
    for line in (
        f"telcocore summary {account} --daily --from {first} --to {last} {where}",
        f"telcocore invoice show {built.invoice.number} {where}",
        f"telcocore ledger {account} {where}",
        f"telcocore audit {account} {where}",
        f"telcocore rate +442079460123 95 --account {account} {where}",
    ):
        click.echo(f"  {line}")
    click.echo(f"Built in {built.seconds:.1f} s.")


def show(built: Built, db: str) -> None:
    """Print what the demo made: tables and a few lines each, then the files and next steps."""
    click.echo(f"telcocore demo: a made-up operator's {built.month.first_day:%B %Y}, in {db}")
    _operator(built)
    _imported(built)
    _summaries(built)
    _billed(built)
    _audited(built)
    _next(built, db)


def to_json(built: Built) -> None:
    """Print what the demo made as one JSON document, for a script to read."""
    report = built.report
    document: dict[str, Any] = {
        "db": built.db,
        "month": f"{built.month.year}-{built.month.month:02d}",
        "deck": {"name": DECK, "currency": "USD", "rates": built.deck_rates},
        "accounts": [
            {
                "id": account.id,
                "name": account.name,
                "home_country": account.home_country,
                "currency": account.currency,
                "tax_rate": account.tax_rate,
                "debit_limit": account.debit_limit,
                "balance": built.balances[account.id],
                "extensions": sorted(built.extensions.get(account.id, ())),
                "contact": built.contacts.get(account.id),
            }
            for account in built.accounts
        ],
        "calls": {
            "generated": built.month.count,
            "rows": report.read,
            "imported": report.imported,
            "duplicates": report.duplicates,
            "unrated": report.unrated,
            "refused": report.refused,
            "rejected": report.rejected,
        },
        "rejected_rows": [{"line": r.line, "reason": r.reason} for r in _rejected(built)],
        "summary": {
            "account_id": built.accounts[0].id,
            "days": len(built.daily),
            "attempts": sum(row.attempts for row in built.daily),
            "connected": sum(row.connected for row in built.daily),
            "charge": sum((row.charge for row in built.monthly), Money.zero("USD")),
            "asr_mean_of_days": built.asr.mean_of_cells,
            "asr_weighted": built.asr.weighted,
        },
        "invoice": {
            "number": built.invoice.number,
            "account_id": built.invoice.account_id,
            "status": built.invoice.status,
            "subtotal": built.invoice.subtotal,
            "tax": built.invoice.tax,
            "total": built.invoice.total,
            "due_at": built.invoice.due_at,
        },
        "ledger": built.ledger.entries,
        "audit_change": built.change.as_json(),
        "audit_entries": built.audit_entries,
        "files": {
            name: str(getattr(built.files, name))
            for name in ("rate_card", "master_csv", "rejected", "invoice_html", "invoice_text")
        },
    }
    print_json(document)
