"""``telcocore summary``: an account's calls summed per day, month or hour; table, CSV, JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final

import click

from telcocore import Column, Grain, Money, Rounding, SummaryRow, select_cells, to_csv
from telcocore.cli.app import db_option, json_option, open_core, print_json, show_table
from telcocore.cli.params import DAY
from telcocore.kernel.money import fixed_point
from telcocore.kernel.periods import Period, months_before
from telcocore.kernel.serialization import converter
from telcocore.reporting.model.export import cell_text

__all__ = ["MONTHS_SHOWN", "summary"]

MONTHS_SHOWN: Final = 12
"""How many months ``summary --monthly`` shows without ``--from``: the current and 11 before."""

TABLE: Final = (
    Column.PREFIX,
    Column.DESCRIPTION,
    Column.CLASSIFICATION,
    Column.ATTEMPTS,
    Column.CONNECTED,
    Column.ASR,
    Column.ACD,
    Column.BILLED_SECONDS,
    Column.CHARGE,
    Column.CURRENCY,
)
"""The columns of the table, after the period (``--csv`` and ``--json`` give them all)."""

_HEADERS: Final = {
    Column.DESCRIPTION: "Destination",
    Column.CLASSIFICATION: "Class",
    Column.ATTEMPTS: "Calls",
    Column.CONNECTED: "Answered",
    Column.ACD: "ACD s",
    Column.BILLED_SECONDS: "Billed s",
    Column.CURRENCY: "Cur",
}
"""Short headings, so the table fits a terminal (``--csv`` has the export's own)."""

_RIGHT: Final = (4, 5, 6, 7, 8, 9)


def span(
    grain: Grain, today: date, first: date | None, last: date | None
) -> tuple[datetime, datetime]:
    """The range ``[start, end)`` of the periods ``summary`` shows, UTC.

    Days from ``first`` to ``last`` inclusive (by default the current month so far);
    months, those the two days fall in (by default the current month and the 11 before).

    >>> span(Grain.DAY, date(2026, 3, 14), None, None)[0].isoformat()
    '2026-03-01T00:00:00+00:00'
    >>> [t.date().isoformat() for t in span(Grain.MONTH, date(2026, 3, 14), None, None)]
    ['2025-04-01', '2026-04-01']
    """
    last = today if last is None else last
    try:
        if first is None:
            back = 0 if grain is Grain.DAY else MONTHS_SHOWN - 1
            first = months_before(last.replace(day=1), back)
        if first > last:
            msg = f"--from {first} is after --to {last}"
            raise click.UsageError(msg)
        if grain is Grain.DAY:
            days = Period.days(first, last)
            return days.start, days.end
        return Period.month(first.year, first.month).start, Period.month(last.year, last.month).end
    except (OverflowError, ValueError):  # past 9999-12-31 or before year 1 (ValidationError)
        msg = f"the periods up to --to {last} reach outside the years 1 to 9999"
        raise click.UsageError(msg) from None


def _period(row: SummaryRow) -> str:
    start = row.period_start.astimezone(UTC)
    if row.grain is Grain.MONTH:
        return start.strftime("%Y-%m")
    if row.grain is Grain.DAY:
        return start.strftime("%Y-%m-%d")
    return start.strftime("%Y-%m-%d %H:00")


def _amount(value: object) -> str:
    if not isinstance(value, Money):
        return ""
    return fixed_point(value.round(Rounding.HALF_UP).amount, value.precision)


def _total(rows: list[SummaryRow]) -> list[str]:
    """The table's last line: the sums, and ASR and ACD over all the rows (weighted)."""

    def total(column: Column) -> str:
        return str(select_cells(rows, column).total or 0)

    def weighted(column: Column) -> str:
        found = select_cells(rows, column).weighted
        return "" if found is None else fixed_point(found)

    charge = select_cells(rows, Column.CHARGE).total
    return [
        "total",
        "",
        "",
        "",
        total(Column.ATTEMPTS),
        total(Column.CONNECTED),
        weighted(Column.ASR),
        weighted(Column.ACD),
        total(Column.BILLED_SECONDS),
        _amount(charge),
        charge.currency if isinstance(charge, Money) else "",
    ]


def _json_row(row: SummaryRow) -> dict[str, object]:
    data: dict[str, object] = converter.unstructure(row.columns())
    for name in ("asr", "acd", "profit", "profit_percent"):
        data[name] = converter.unstructure(getattr(row, name))
    return data


@click.command(name="summary")
@click.argument("account", metavar="ACCOUNT")
@click.option("--daily", is_flag=True, help="One row per UTC day.")
@click.option("--monthly", is_flag=True, help="One row per UTC month.")
@click.option("--live", is_flag=True, help="The current hour and the 23 before.")
@click.option(
    "--from",
    "first",
    type=DAY,
    help="The first day (default: the first of the month of --to, for --monthly 11 months before).",
)
@click.option("--to", "last", type=DAY, help="The last day, included (default: today, UTC).")
@click.option("--csv", "as_csv", is_flag=True, help="Print every column as CSV with a header.")
@db_option
@json_option
def summary(  # noqa: PLR0913 - the command line's options
    account: str,
    *,
    daily: bool,
    monthly: bool,
    live: bool,
    first: date | None,
    last: date | None,
    as_csv: bool,
    db: str,
    as_json: bool,
) -> None:
    """The account's calls summed per destination: per day, per month, or the last 24 hours.

    Days and months are UTC. --daily shows the current month so far and --monthly the last
    12 months unless --from and --to say otherwise; --live takes neither.
    """
    flags = ((Grain.DAY, daily), (Grain.MONTH, monthly), (Grain.HOUR, live))
    grains = [grain for grain, given in flags if given]
    if len(grains) != 1:
        msg = "give one of --daily, --monthly or --live"
        raise click.UsageError(msg)
    chosen = grains[0]
    if as_csv and as_json:
        msg = "give --csv or --json, not both"
        raise click.UsageError(msg)
    if chosen is Grain.HOUR and (first is not None or last is not None):
        msg = "--live shows the last 24 hours: it takes no --from or --to"
        raise click.UsageError(msg)
    periods = None if chosen is Grain.HOUR else span(chosen, datetime.now(UTC).date(), first, last)
    with open_core(db) as core:
        if periods is None:
            rows = core.summaries.live(account)
        else:
            read = core.summaries.daily if chosen is Grain.DAY else core.summaries.monthly
            rows = read(account, *periods)
    if as_json:
        print_json([_json_row(row) for row in rows])
    elif as_csv:
        click.echo(to_csv(rows), nl=False)
    elif not rows:
        click.echo(f"no calls of {account} in that time")
    else:
        lines = [[_period(row), *(cell_text(row, column) for column in TABLE)] for row in rows]
        lines.append(_total(rows))
        headers = ("Period (UTC)", *(_HEADERS.get(column, column.header) for column in TABLE))
        show_table(None, headers, lines, right=_RIGHT)
