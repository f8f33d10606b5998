r"""Copy and export of summary rows: any rows, any columns, as TSV or CSV text.

- :func:`to_tsv` without ``header``: the copy, tab-separated lines without a heading, as a
  grid pastes into a spreadsheet;
- :func:`to_tsv` with ``header=True``: the copy with headers, the columns' headings first;
- :func:`to_csv`: the export, comma-separated with the headings first (RFC 4180: lines end
  with CRLF).

Every cell is written the same way in all three:

- amounts in plain decimal notation rounded half-up to their currency's precision
  (``12.35`` USD, ``1235`` JPY, ``1.235`` KWD), never an exponent nor a thousands
  separator; the currency is its own column;
- times in UTC, ISO 8601 to the second with ``Z``: ``2026-03-14T00:00:00Z``;
- counts as whole numbers; talk time, ASR, ACD and profit % as plain decimals;
- an empty cell (no ACD without connected calls, no cost where none is known, the prefix
  of a row summed over destinations) as nothing.

A cell holding a tab, a quote or a line break is quoted (``"..."``, a quote doubled), as
spreadsheets read it back; TSV lines end with ``\n``.

>>> from datetime import UTC, datetime
>>> from decimal import Decimal
>>> from telcocore.kernel.money import Money
>>> from telcocore.reporting.model.summaries import Grain
>>> row = SummaryRow(
...     "acme",
...     Grain.DAY,
...     datetime(2026, 3, 14, tzinfo=UTC),
...     "44",
...     "UK",
...     None,
...     4,
...     3,
...     Decimal("181.5"),
...     186,
...     Money("0.1234", "USD"),
...     0,
...     None,
...     Money(0, "USD"),
... )
>>> to_tsv([row], ["period_start", "description", "asr", "charge", "cost"])
'2026-03-14T00:00:00Z\tUK\t75.00\t0.12\t\n'
>>> print(to_csv([row], ["prefix", "attempts", "acd"]), end="")
Prefix,Attempts,ACD (s)
44,4,60.50
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from telcocore.kernel.money import Money, Rounding, fixed_point
from telcocore.kernel.validation import validate_flag
from telcocore.reporting.model.selection import Column, validate_columns
from telcocore.reporting.model.summaries import SummaryRow, validate_rows

__all__ = ["cell_text", "to_csv", "to_tsv"]


def _amount(value: Money | None) -> str:
    if value is None:
        return ""
    return fixed_point(value.round(Rounding.HALF_UP).amount, value.precision)


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return fixed_point(value)


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: object) -> str:
    return "" if value is None else str(value)


_CELLS: Final[dict[Column, Callable[[SummaryRow], str]]] = {
    Column.ACCOUNT: lambda r: r.account_id,
    Column.GRAIN: lambda r: r.grain.value,
    Column.PERIOD_START: lambda r: _time(r.period_start),
    Column.PREFIX: lambda r: _text(r.prefix),
    Column.DESCRIPTION: lambda r: _text(r.description),
    Column.CLASSIFICATION: lambda r: _text(r.classification),
    Column.ATTEMPTS: lambda r: _number(r.attempts),
    Column.CONNECTED: lambda r: _number(r.connected),
    Column.ASR: lambda r: _number(r.asr),
    Column.ACD: lambda r: _number(r.acd),
    Column.DURATION: lambda r: _number(r.duration),
    Column.BILLED_SECONDS: lambda r: _number(r.billed_seconds),
    Column.CURRENCY: lambda r: r.currency,
    Column.CHARGE: lambda r: _amount(r.charge),
    Column.COSTED_CALLS: lambda r: _number(r.costed_calls),
    Column.COST: lambda r: _amount(r.cost),
    Column.PROFIT: lambda r: _amount(r.profit),
    Column.PROFIT_PERCENT: lambda r: _number(r.profit_percent),
}


def cell_text(row: SummaryRow, column: Column) -> str:
    """The text of ``row``'s cell in ``column``, as copies and exports write it."""
    return _CELLS[column](row)


def _write(
    rows: Iterable[SummaryRow],
    columns: Sequence[Column],
    *,
    header: bool,
    delimiter: str,
    line_end: str,
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    if header:
        writer.writerow([column.header for column in columns])
    cells = [_CELLS[column] for column in columns]
    writer.writerows([cell(row) for cell in cells] for row in rows)
    return out.getvalue()


def to_tsv(
    rows: Iterable[SummaryRow],
    columns: Iterable[Column | str] | None = None,
    *,
    header: bool = False,
) -> str:
    """``rows``' cells of ``columns`` (every column if ``None``), tab-separated, one row a line.

    Without ``header`` this is the copy; with it, the copy with headers. Columns are named
    by :class:`~telcocore.reporting.model.selection.Column` or its value
    (``"period_start"``, ``"asr"``, ...), in the order given.
    """
    selected = validate_rows(rows)
    chosen = validate_columns(columns)
    with_header = validate_flag(header, field="header")
    return _write(selected, chosen, header=with_header, delimiter="\t", line_end="\n")


def to_csv(rows: Iterable[SummaryRow], columns: Iterable[Column | str] | None = None) -> str:
    """The export: ``rows``' cells of ``columns`` as CSV with a heading line, CRLF line ends."""
    selected = validate_rows(rows)
    chosen = validate_columns(columns)
    return _write(selected, chosen, header=True, delimiter=",", line_end="\r\n")
