"""The reporting domain's repository, written once for every SQL database.

A summary row is one ``summaries`` row, keyed by account, grain, period start, prefix and
classification. Posting a batch adds to the rows of its keys with upserts of 10 rows each
(``INSERT ... VALUES (...), (...) ON CONFLICT DO UPDATE``) and one a row for the rest, in
one batch:

- where the database adds decimals exactly (PostgreSQL), the upsert adds in the database,
  ``SET charge = summaries.charge + excluded.charge``, so concurrent batches never lose
  an addition;
- on SQLite, whose arithmetic on the decimal text would go through binary floats, the
  batch's rows are read first (one query per account, grain and period), added to in
  Python exactly, and written back; the unit of work holds the database's write lock from
  its start, so no other writer comes in between (see
  :attr:`~telcocore.platform.sql.dialect.Dialect.exact_decimals`).

Rebuilding reads the calls domain's ``call_records`` table: one ``INSERT ... SELECT`` with
a ``GROUP BY`` per grain, the periods given as a list of ``VALUES`` joined on the index of
``(account_id, started_at)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from telcocore.calls.model.classification import Classification
from telcocore.kernel.money import UNBOUNDED, Money
from telcocore.kernel.trusted import trusted_constructor
from telcocore.platform.sql.dialect import Row, Session
from telcocore.platform.sql.unit_of_work import SqlDomain
from telcocore.reporting.model.summaries import Grain, SummaryRow
from telcocore.reporting.ports import SummaryRepository

__all__ = ["STORAGE", "SqlSummaryRepository"]

_KEY: Final = "account_id, grain, period_start, prefix, classification"
_VALUES: Final = (
    "attempts",
    "connected",
    "duration",
    "billed_seconds",
    "charge",
    "costed_calls",
    "cost",
    "costed_charge",
)
_COLUMNS: Final = f"{_KEY}, description, currency, {', '.join(_VALUES)}"
_INSERT: Final = f"INSERT INTO summaries ({_COLUMNS}) VALUES "  # noqa: S608 - constant
_ROW: Final = f"({', '.join('?' * 15)})"
_ADDING: Final = (
    f" ON CONFLICT ({_KEY}) DO UPDATE SET description = excluded.description, "
    + ", ".join(f"{c} = summaries.{c} + excluded.{c}" for c in _VALUES)
)
"""Each value added to the stored one, in the database (where it adds decimals exactly)."""
_REPLACING: Final = (
    f" ON CONFLICT ({_KEY}) DO UPDATE SET description = excluded.description, "
    + ", ".join(f"{c} = excluded.{c}" for c in _VALUES)
)
"""Each value replaced by the one given (the sum worked out in Python)."""
_ROWS_PER_STATEMENT: Final = 10
"""How many rows one multi-row upsert writes (15 parameters each); the rest go one a row.

The statements' texts stay the same from batch to batch, so neither the driver nor the
database parses them again."""
_STORED: Final = f"prefix, classification, {', '.join(_VALUES)}"
_READ: Final = f"period_start, prefix, classification, description, currency, {', '.join(_VALUES)}"
"""What a read takes of each row (the account and the grain are the ones asked for)."""
_PREFIXES_PER_QUERY: Final = 500
"""How many prefixes one ``IN (...)`` look-up names."""
_PERIODS_PER_QUERY: Final = 500
"""How many periods one rebuilding statement names."""
_CLASSES: Final = {kind.value: kind for kind in Classification}
_KNOWN_COST: Final = "c.provider_cost IS NOT NULL AND c.provider_currency = c.currency"
"""A call whose provider cost is known, in the currency of its charge."""
_STORED_ROW: Final = trusted_constructor(SummaryRow)
"""A summary row of values read as written: counts and checked sums, checked no more."""


class SqlSummaryRepository:
    """The summary rows, in the ``summaries`` table."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def _params(self, row: SummaryRow, times: dict[datetime, object]) -> tuple[object, ...]:
        """The row's values as the statement's parameters; ``times`` keeps converted starts."""
        d = self._s.dialect
        start = times.get(row.period_start)
        if start is None:
            start = times[row.period_start] = d.time_to_db(row.period_start)
        return (
            row.account_id,
            row.grain.value,
            start,
            row.prefix,
            (row.classification or Classification.UNKNOWN).value,
            row.description,
            row.charge.currency,
            row.attempts,
            row.connected,
            d.decimal_to_db(row.duration),
            row.billed_seconds,
            d.decimal_to_db(row.charge.amount),
            row.costed_calls,
            d.decimal_to_db(Decimal(0) if row.cost is None else row.cost.amount),
            d.decimal_to_db(row.costed_charge.amount),
        )

    def add(self, rows: Sequence[SummaryRow]) -> None:
        """Add each row's counts and sums to the stored row of its key (see the module).

        The keys of ``rows`` are distinct: each multi-row upsert writes
        :data:`_ROWS_PER_STATEMENT` of them, the rest are written one a statement, all in
        one batch (``executemany``; on PostgreSQL one round trip).
        """
        if not rows:
            return
        if self._s.dialect.exact_decimals:
            conflict, written = _ADDING, rows
        else:
            conflict, written = _REPLACING, self._added(rows)
        times: dict[datetime, object] = {}
        params = [self._params(row, times) for row in written]
        full = len(params) - len(params) % _ROWS_PER_STATEMENT
        many = _INSERT + ", ".join([_ROW] * _ROWS_PER_STATEMENT) + conflict
        self._s.run_batches(
            [
                (
                    many,
                    [
                        [
                            value
                            for row in params[first : first + _ROWS_PER_STATEMENT]
                            for value in row
                        ]
                        for first in range(0, full, _ROWS_PER_STATEMENT)
                    ],
                ),
                (_INSERT + _ROW + conflict, params[full:]),
            ]
        )

    def _added(self, rows: Sequence[SummaryRow]) -> list[SummaryRow]:
        """``rows`` with the stored rows of their keys added to them (exactly, in Python)."""
        d = self._s.dialect
        periods: dict[tuple[str, Grain, datetime], dict[tuple[str, str], SummaryRow]] = {}
        for row in rows:
            kind = (row.classification or Classification.UNKNOWN).value
            periods.setdefault((row.account_id, row.grain, row.period_start), {})[
                str(row.prefix), kind
            ] = row
        added: list[SummaryRow] = []
        for (account_id, grain, start), keyed in periods.items():
            prefixes = sorted({prefix for prefix, _kind in keyed})
            for first in range(0, len(prefixes), _PREFIXES_PER_QUERY):
                chunk = prefixes[first : first + _PREFIXES_PER_QUERY]
                for stored in self._s.all(
                    f"SELECT {_STORED} FROM summaries WHERE account_id = ? AND grain = ? "  # noqa: S608
                    f"AND period_start = ? AND prefix IN ({', '.join('?' * len(chunk))})",
                    [account_id, grain.value, d.time_to_db(start), *chunk],
                ):
                    mine = keyed.get((stored[0], stored[1]))
                    if mine is not None:
                        keyed[stored[0], stored[1]] = self._plus_stored(mine, stored)
            added += keyed.values()
        return added

    def _plus_stored(self, row: SummaryRow, stored: Row) -> SummaryRow:
        """``row`` with a stored row's counts and sums (``_STORED``'s columns) added."""
        number = self._s.dialect.decimal_from_db
        add = UNBOUNDED.add
        money = Money._trusted  # noqa: SLF001 - exact sums of checked amounts
        attempts, connected, duration, billed, charge, costed, cost, costed_charge = stored[2:]
        currency = row.charge.currency
        base_cost = Decimal(0) if row.cost is None else row.cost.amount
        total_costed = row.costed_calls + int(costed)
        return SummaryRow(
            account_id=row.account_id,
            grain=row.grain,
            period_start=row.period_start,
            prefix=row.prefix,
            description=row.description,
            classification=row.classification,
            attempts=row.attempts + int(attempts),
            connected=row.connected + int(connected),
            duration=add(row.duration, number(duration)),
            billed_seconds=row.billed_seconds + int(billed),
            charge=money(add(row.charge.amount, number(charge)), currency),
            costed_calls=total_costed,
            cost=money(add(base_cost, number(cost)), currency) if total_costed else None,
            costed_charge=money(add(row.costed_charge.amount, number(costed_charge)), currency),
        )

    def rows(
        self, account_id: str, grain: Grain, start: datetime, end: datetime
    ) -> list[SummaryRow]:
        """The account's stored rows of ``grain`` whose period starts in ``[start, end)``.

        Rows and amounts are built as written (counts and ``Money`` of checked sums), each
        period's start converted once.
        """
        d = self._s.dialect
        found = self._s.all(
            f"SELECT {_READ} FROM summaries WHERE account_id = ? AND grain = ? "  # noqa: S608
            "AND period_start >= ? AND period_start < ? "
            f"ORDER BY period_start, prefix{d.code_point_order}, classification",
            (account_id, grain.value, d.time_to_db(start), d.time_to_db(end)),
        )
        number = d.decimal_from_db
        money = Money._trusted  # noqa: SLF001 - amounts stored as written, exact
        row = _STORED_ROW
        stored_before: object = None
        period_start = start
        zero = Decimal(0)
        result: list[SummaryRow] = []
        append = result.append
        # The counts are the driver's ints (integer columns); a run of rows of one period
        # shares its start, converted once.
        for (stored_start, prefix, kind, description, currency, attempts, connected,
             duration, billed, charge, costed, cost, costed_charge) in found:  # fmt: skip
            if stored_start != stored_before:
                period_start = d.time_from_db(stored_start)
                stored_before = stored_start
            append(
                row(
                    account_id,
                    grain,
                    period_start,
                    prefix,
                    description,
                    _CLASSES[kind],
                    attempts,
                    connected,
                    number(duration),
                    billed,
                    money(number(charge), currency),
                    costed,
                    money(number(cost), currency) if costed else None,
                    money(number(costed_charge) if costed else zero, currency),
                )
            )
        return result

    def rebuild(self, account_id: str, grain: Grain, starts: Sequence[datetime]) -> int:
        """Replace the account's rows of ``grain`` for the periods at ``starts`` (see the port)."""
        if not starts:
            return 0
        d = self._s.dialect
        ends = [*starts[1:], grain.after(starts[-1])]
        self._s.run(
            "DELETE FROM summaries WHERE account_id = ? AND grain = ? "
            "AND period_start >= ? AND period_start < ?",
            (account_id, grain.value, d.time_to_db(starts[0]), d.time_to_db(ends[-1])),
        )
        total = d.sum_function
        made = 0
        for first in range(0, len(starts), _PERIODS_PER_QUERY):
            chunk = list(zip(starts, ends, strict=True))[first : first + _PERIODS_PER_QUERY]
            values = ", ".join("(?, ?)" for _ in chunk)
            periods = [d.time_to_db(moment) for pair in chunk for moment in pair]
            made += len(
                self._s.all(
                    f"WITH periods (period_start, period_end) AS (VALUES {values}) "  # noqa: S608
                    f"INSERT INTO summaries ({_COLUMNS}) "
                    "SELECT c.account_id, ?, p.period_start, c.prefix, c.classification, "
                    f"MAX(c.description{d.code_point_order}), MAX(c.currency), COUNT(*), "
                    "SUM(CASE WHEN c.disposition = 'answered' THEN 1 ELSE 0 END), "
                    f"{total}(c.billable), SUM(c.billed_seconds), {total}(c.charge), "
                    f"SUM(CASE WHEN {_KNOWN_COST} THEN 1 ELSE 0 END), "
                    f"COALESCE({total}(CASE WHEN {_KNOWN_COST} THEN c.provider_cost END), 0), "
                    f"COALESCE({total}(CASE WHEN {_KNOWN_COST} THEN c.charge END), 0) "
                    "FROM periods p JOIN call_records c ON c.account_id = ? "
                    "AND c.started_at >= p.period_start AND c.started_at < p.period_end "
                    "GROUP BY c.account_id, p.period_start, c.prefix, c.classification "
                    "RETURNING 1",
                    [*periods, grain.value, account_id],
                )
            )
        return made


STORAGE = SqlDomain(
    "reporting",
    {SummaryRepository: SqlSummaryRepository},
    after=("accounts", "calls"),
)
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
