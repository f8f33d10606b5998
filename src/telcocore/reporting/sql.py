"""The reporting domain's repository, written once for every SQL database.

A summary row is one ``summaries`` row, keyed by account, grain, period start, prefix and
classification. Posting a batch adds to the rows of its keys with upserts of 10 rows each
(``INSERT ... VALUES (...), (...) ON CONFLICT DO UPDATE``) and one a row for the rest, in
one batch. The upsert adds in the database, so concurrent batches never lose an addition:
``SET charge = summaries.charge + excluded.charge`` where the database adds decimals
exactly (PostgreSQL), ``decimal_add(summaries.charge, excluded.charge)`` on SQLite, whose
own arithmetic on the decimal text would go through binary floats (see
:meth:`~telcocore.platform.sql.dialect.Dialect.exact_sum`).

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
from telcocore.platform.sql.dialect import Dialect, Session
from telcocore.platform.sql.unit_of_work import SqlDomain
from telcocore.reporting.model.summaries import Grain, SummaryRow, SummaryTotals, row_of_fields
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
_DECIMALS: Final = frozenset({"duration", "charge", "cost", "costed_charge"})


def _adding(dialect: Dialect[Any]) -> str:
    """The upsert's conflict clause: each value added to the stored one, exactly."""
    added = [
        f"{c} = "
        + (
            dialect.exact_sum(f"summaries.{c}", f"excluded.{c}")
            if c in _DECIMALS
            else f"summaries.{c} + excluded.{c}"
        )
        for c in _VALUES
    ]
    return f" ON CONFLICT ({_KEY}) DO UPDATE SET description = excluded.description, " + ", ".join(
        added
    )


_ROWS_PER_STATEMENT: Final = 10
"""How many rows one multi-row upsert writes (15 parameters each); the rest go one a row.

The statements' texts stay the same from batch to batch, so neither the driver nor the
database parses them again."""
_READ: Final = (
    "prefix, classification, description, currency, attempts, connected, duration, "
    "billed_seconds, charge, costed_calls, CASE WHEN costed_calls > 0 THEN cost END, "
    "CASE WHEN costed_calls > 0 AND CAST(costed_charge AS TEXT) <> CAST(charge AS TEXT) "
    "THEN costed_charge END"
)
"""What a read takes of each row after its period's start (the account and the grain are
the ones asked for): the cost only with costed calls, the costed charge only where it is
not the charge, digit for digit; the values left out are ``NULL``, which cost nothing to
fetch."""
_DECIMAL_COLUMNS: Final = (7, 9, 11, 12)
"""Where a read's row (the period's start, then :data:`_READ`) holds stored decimals."""
_PERIODS_PER_QUERY: Final = 500
"""How many periods one rebuilding statement names."""
_CLASSES: Final = {kind.value: kind for kind in Classification}
_KNOWN_COST: Final = "c.provider_cost IS NOT NULL AND c.provider_currency = c.currency"
"""A call whose provider cost is known, in the currency of its charge."""
_ZERO: Final = Decimal(0)
"""The costed charge of rows without costed calls."""


class SqlSummaryRepository:
    """The summary rows, in the ``summaries`` table."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def add(self, totals: Sequence[SummaryTotals]) -> None:
        """Add each key's sums to its stored row, or store it as new (see the module).

        The keys of ``totals`` are distinct: each multi-row upsert writes
        :data:`_ROWS_PER_STATEMENT` of them, the rest are written one a statement, all in
        one batch (``executemany``; on PostgreSQL one round trip).
        """
        if not totals:
            return
        d = self._s.dialect
        conflict = _adding(d)
        number = d.decimal_to_db
        times: dict[datetime, object] = {}
        time_to_db = d.time_to_db
        params: list[tuple[object, ...]] = []
        append = params.append
        for (account_id, grain, start, prefix, kind, description, currency, attempts, connected,
             duration, billed, charge, costed, cost, costed_charge) in totals:  # fmt: skip
            stored_start = times.get(start)
            if stored_start is None:
                stored_start = times[start] = time_to_db(start)
            append(
                (
                    account_id,
                    grain.value,
                    stored_start,
                    prefix,
                    kind.value,
                    description,
                    currency,
                    attempts,
                    connected,
                    number(duration),
                    billed,
                    number(charge),
                    costed,
                    number(cost),
                    number(costed_charge),
                )
            )
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

    def rows(
        self, account_id: str, grain: Grain, start: datetime, end: datetime
    ) -> list[SummaryRow]:
        """The account's stored rows of ``grain`` whose period starts in ``[start, end)``.

        Rows are built as written (counts, the currency and checked sums): the amount
        columns read in one go (on PostgreSQL as the driver returns them, a ``CHECK``
        keeping them finite), each period's start fetched in its cheapest form
        (:meth:`~telcocore.platform.sql.dialect.Dialect.whole_second`) and converted once,
        a costed charge that is the charge sharing its decimal. The rows make their
        ``Money`` when asked for it.
        """
        d = self._s.dialect
        found = self._s.all(
            f"SELECT {d.whole_second('period_start')}, {_READ} FROM summaries "  # noqa: S608
            "WHERE account_id = ? AND grain = ? AND period_start >= ? AND period_start < ? "
            f"ORDER BY period_start, prefix{d.code_point_order}, classification",
            (account_id, grain.value, d.time_to_db(start), d.time_to_db(end)),
        )
        row = row_of_fields  # a row read as written: counts and checked sums
        stored_before: object = None
        period_start = start
        result: list[SummaryRow] = []
        append = result.append
        # The counts are the driver's ints (integer columns); a run of rows of one period
        # shares its start, converted once.
        for (stored_start, prefix, kind, description, currency, tried, answered, duration,
             seconds, charge, costed_calls, cost, costed_charge) in d.finite_decimals_in_rows(
            found, _DECIMAL_COLUMNS
        ):  # fmt: skip
            if stored_start != stored_before:
                period_start = d.whole_second_from_db(stored_start)
                stored_before = stored_start
            append(
                row(
                    account_id,
                    grain,
                    period_start,
                    prefix,
                    description,
                    _CLASSES[kind],
                    tried,
                    answered,
                    duration,
                    seconds,
                    currency,
                    charge,
                    costed_calls,
                    cost,
                    (charge if costed_charge is None else costed_charge) if costed_calls else _ZERO,
                )
            )
        return result

    def prune(self, account_id: str, grain: Grain, ended_by: datetime, limit: int) -> int:
        """Delete at most ``limit`` of the account's oldest rows of ``grain`` ended by then.

        One statement, through the primary key's range of the account and grain.
        """
        return self._s.run(
            f"DELETE FROM summaries WHERE ({_KEY}) IN ("  # noqa: S608 - constant
            f"SELECT {_KEY} FROM summaries WHERE account_id = ? AND grain = ? "
            "AND period_start < ? ORDER BY period_start LIMIT ?)",
            (
                account_id,
                grain.value,
                self._s.dialect.time_to_db(grain.start_of(ended_by)),
                limit,
            ),
        )

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
