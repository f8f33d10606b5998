"""The columns of summary rows, and what a selection of cells of one column adds up to.

An operator selects cells of one column (the ASR of three days, the charges of a week) and
sees :func:`select_cells`'s answer: how many cells hold a value, their sum, minimum and
maximum, and two averages that must never be confused:

- :attr:`CellSelection.mean_of_cells`: the plain mean of the selected cells, the "average
  of averages". For a ratio column it weighs a day of 2 calls like a day of 8;
- :attr:`CellSelection.weighted`: for the ratio columns only, the true ratio over the
  selected rows, worked out from their sums: ASR weighted by attempts (all connected /
  all attempts), ACD by connected calls (all talk time / all connected), profit % by
  costed charge (all profit / all costed charge).

Day 1 ASR 50 % of 2 attempts, day 2 ASR 100 % of 8 attempts: the mean of the cells is
75 %, the weighted ASR 90 % (9 connected of 10 attempts).

Means are rounded half-even: of ratio, count and seconds columns to
:data:`~telcocore.reporting.model.summaries.RATIO_PLACES` places, of money columns to the
currency's precision. An empty cell (the ACD of a row without connected calls, the cost of
a row without a known cost) is not counted.
"""

from __future__ import annotations

import enum
import functools
import operator
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Final

import attrs

from telcocore.kernel.money import UNBOUNDED, Money
from telcocore.kernel.validation import shown
from telcocore.reporting.errors import InvalidSelection
from telcocore.reporting.model.summaries import RATIO_PLACES, SummaryRow, divide, validate_rows

__all__ = [
    "ALL_COLUMNS",
    "NUMBER_COLUMNS",
    "RATIO_COLUMNS",
    "CellSelection",
    "Column",
    "select_cells",
    "validate_column",
    "validate_columns",
]


class Column(enum.StrEnum):
    """A column of summary rows, as selected, copied and exported."""

    ACCOUNT = "account_id"
    GRAIN = "grain"
    PERIOD_START = "period_start"
    PREFIX = "prefix"
    DESCRIPTION = "description"
    CLASSIFICATION = "classification"
    ATTEMPTS = "attempts"
    CONNECTED = "connected"
    ASR = "asr"
    ACD = "acd"
    DURATION = "duration"
    BILLED_SECONDS = "billed_seconds"
    CURRENCY = "currency"
    CHARGE = "charge"
    COSTED_CALLS = "costed_calls"
    COST = "cost"
    PROFIT = "profit"
    PROFIT_PERCENT = "profit_percent"

    @property
    def header(self) -> str:
        """The column's heading in a copy with headers or an export."""
        return _HEADERS[self]


_HEADERS: Final = {
    Column.ACCOUNT: "Account",
    Column.GRAIN: "Grain",
    Column.PERIOD_START: "Period start (UTC)",
    Column.PREFIX: "Prefix",
    Column.DESCRIPTION: "Destination",
    Column.CLASSIFICATION: "Classification",
    Column.ATTEMPTS: "Attempts",
    Column.CONNECTED: "Connected",
    Column.ASR: "ASR %",
    Column.ACD: "ACD (s)",
    Column.DURATION: "Duration (s)",
    Column.BILLED_SECONDS: "Billed duration (s)",
    Column.CURRENCY: "Currency",
    Column.CHARGE: "Charge",
    Column.COSTED_CALLS: "Calls with cost",
    Column.COST: "Cost",
    Column.PROFIT: "Profit",
    Column.PROFIT_PERCENT: "Profit %",
}

ALL_COLUMNS: Final = tuple(Column)
"""Every column, in the order an export without a column list shows them."""

RATIO_COLUMNS: Final = frozenset({Column.ASR, Column.ACD, Column.PROFIT_PERCENT})
"""The columns whose cells are ratios: they have a weighted value."""

_MONEY: Final = frozenset({Column.CHARGE, Column.COST, Column.PROFIT})

NUMBER_COLUMNS: Final = frozenset(
    {
        Column.ATTEMPTS,
        Column.CONNECTED,
        Column.DURATION,
        Column.BILLED_SECONDS,
        Column.COSTED_CALLS,
        *RATIO_COLUMNS,
        *_MONEY,
    }
)
"""The columns whose cells are numbers (or amounts): the ones cells can be summed of."""

Cell = Decimal | int | Money


def _value(column: Column) -> Callable[[SummaryRow], Cell | None]:
    """How to read the cell of ``column`` from a row (numeric columns)."""
    return _READERS[column]


_READERS: Final[dict[Column, Callable[[SummaryRow], Cell | None]]] = {
    Column.ATTEMPTS: lambda r: r.attempts,
    Column.CONNECTED: lambda r: r.connected,
    Column.DURATION: lambda r: r.duration,
    Column.BILLED_SECONDS: lambda r: r.billed_seconds,
    Column.COSTED_CALLS: lambda r: r.costed_calls,
    Column.ASR: lambda r: r.asr,
    Column.ACD: lambda r: r.acd,
    Column.PROFIT_PERCENT: lambda r: r.profit_percent,
    Column.CHARGE: lambda r: r.charge,
    Column.COST: lambda r: r.cost,
    Column.PROFIT: lambda r: r.profit,
}


def validate_column(value: object, *, field: str = "column") -> Column:
    """``value`` as a :class:`Column` (a member or its name), or :class:`InvalidSelection`."""
    try:
        return Column(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        names = ", ".join(c.value for c in Column)
        msg = f"{field} {shown(value)} is not one of {names}"
        raise InvalidSelection(msg, field=field, value=value) from None


def validate_columns(value: object) -> tuple[Column, ...]:
    """``columns`` as a tuple of columns, in the order given (``None``: every column)."""
    if value is None:
        return ALL_COLUMNS
    if isinstance(value, str | bytes | dict) or not isinstance(value, Iterable):
        msg = f"columns must be an iterable of columns, got {shown(value)}"
        raise InvalidSelection(msg, field="columns", value=value)
    columns = tuple(validate_column(item, field="columns") for item in value)
    if not columns:
        msg = "columns must name at least one column"
        raise InvalidSelection(msg, field="columns", value=value)
    return columns


@attrs.frozen
class CellSelection:
    """What the selected cells of one column add up to (see the module).

    ``total``, ``minimum``, ``maximum`` and ``mean_of_cells`` are ``None`` when no selected
    cell holds a value; ``weighted`` is ``None`` for a column that is not a ratio, or when
    the rows hold nothing to weigh (no attempts, no connected call, no costed charge).
    """

    column: Column
    """The column the cells are of."""
    count: int
    """Cells that hold a value."""
    total: Cell | None
    """Their sum."""
    minimum: Cell | None
    """The smallest."""
    maximum: Cell | None
    """The largest."""
    mean_of_cells: Cell | None
    """The plain mean of the cells: the average of averages, for a ratio column."""
    weighted: Decimal | None
    """The true ratio over the selected rows, from their sums (ratio columns only)."""


def _exact_sum(values: Iterable[Decimal | int]) -> Decimal:
    """The sum of ``values``, exact whatever their digits (no context rounds it)."""
    return functools.reduce(UNBOUNDED.add, values, Decimal(0))


def _total(cells: list[Cell]) -> Cell:
    """The sum of the cells: Money of their currency, an int of counts, else a Decimal."""
    first = cells[0]
    if isinstance(first, Money):
        return functools.reduce(operator.add, cells[1:], first)
    if all(type(cell) is int for cell in cells):
        return sum(cells)
    return _exact_sum(cells)  # type: ignore[arg-type]


def _mean(total: Cell, count: int) -> Cell:
    """The plain mean: money to its currency's precision, else to RATIO_PLACES (half-even)."""
    if isinstance(total, Money):
        return Money(divide(total.amount, count, total.precision), total.currency)
    return divide(total, count, RATIO_PLACES)


def _weighted(rows: list[SummaryRow], column: Column) -> Decimal | None:
    if column is Column.ASR:
        attempts = sum(r.attempts for r in rows)
        connected = sum(r.connected for r in rows)
        return divide(connected * 100, attempts, RATIO_PLACES) if attempts else None
    if column is Column.ACD:
        connected = sum(r.connected for r in rows)
        duration = _exact_sum(r.duration for r in rows)
        return divide(duration, connected, RATIO_PLACES) if connected else None
    costed = [r for r in rows if r.cost is not None]
    base = _exact_sum(r.costed_charge.amount for r in costed)
    if not costed or base.is_zero():
        return None
    profit = _exact_sum(r.profit.amount for r in costed if r.profit is not None)
    return divide(profit * 100, base, RATIO_PLACES)


def select_cells(rows: Iterable[SummaryRow], column: Column | str) -> CellSelection:
    """Count, sum, minimum, maximum and both averages of ``column``'s cells in ``rows``.

    ``column`` must hold numbers (:data:`NUMBER_COLUMNS`), else
    :class:`~telcocore.reporting.errors.InvalidSelection`. Money cells of different
    currencies cannot be added: :class:`~telcocore.CurrencyMismatch`.

    >>> from datetime import UTC, datetime
    >>> from telcocore.kernel.money import Money
    >>> from telcocore.reporting.model.summaries import Grain
    >>> def day(n, attempts, connected):
    ...     return SummaryRow(
    ...         "acme",
    ...         Grain.DAY,
    ...         datetime(2026, 3, n, tzinfo=UTC),
    ...         None,
    ...         None,
    ...         None,
    ...         attempts,
    ...         connected,
    ...         Decimal(0),
    ...         0,
    ...         Money("0", "USD"),
    ...         0,
    ...         None,
    ...         Money("0", "USD"),
    ...     )
    >>> asr = select_cells([day(1, 2, 1), day(2, 8, 8)], "asr")
    >>> asr.mean_of_cells, asr.weighted
    (Decimal('75.00'), Decimal('90.00'))
    """
    selected = validate_rows(rows)
    chosen = validate_column(column)
    if chosen not in NUMBER_COLUMNS:
        msg = f"column {chosen.value} holds no numbers: select cells of a numeric column"
        raise InvalidSelection(msg, field="column", value=column)
    read = _value(chosen)
    cells = [cell for cell in (read(row) for row in selected) if cell is not None]
    weighted = _weighted(selected, chosen) if chosen in RATIO_COLUMNS else None
    if not cells:
        return CellSelection(chosen, 0, None, None, None, None, weighted)
    total = _total(cells)
    return CellSelection(
        column=chosen,
        count=len(cells),
        total=total,
        minimum=min(cells),
        maximum=max(cells),
        mean_of_cells=_mean(total, len(cells)),
        weighted=weighted,
    )
