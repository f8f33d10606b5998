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
from telcocore.kernel.money import Money
from telcocore.kernel.trusted import trusted_constructor
from telcocore.platform.sql.dialect import Dialect, Session
from telcocore.platform.sql.unit_of_work import SqlDomain
from telcocore.reporting.model.summaries import Grain, SummaryRow, SummaryTotals
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
_READ: Final = f"period_start, prefix, classification, description, currency, {', '.join(_VALUES)}"
"""What a read takes of each row (the account and the grain are the ones asked for)."""
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

        Rows and amounts are built as written (counts and ``Money`` of checked sums): each
        amount column read in one go (on PostgreSQL as the driver returns it, a ``CHECK``
        keeping it finite), each period's start converted once, and a costed charge equal
        to the charge shares its ``Money``.
        """
        d = self._s.dialect
        found = self._s.all(
            f"SELECT {_READ} FROM summaries WHERE account_id = ? AND grain = ? "  # noqa: S608
            "AND period_start >= ? AND period_start < ? "
            f"ORDER BY period_start, prefix{d.code_point_order}, classification",
            (account_id, grain.value, d.time_to_db(start), d.time_to_db(end)),
        )
        if not found:
            return []
        (starts, prefixes, kinds, descriptions, currencies, attempts, connected, durations,
         billed, charges, costed, costs, costed_charges) = zip(*found, strict=True)  # fmt: skip
        del found  # the rows' tuples go now: fewer objects for the collector while rows are made
        number = d.finite_decimals_from_db
        money = Money._trusted  # noqa: SLF001 - amounts stored as written, exact
        row = _STORED_ROW
        zero = Decimal(0)
        stored_before: object = None
        period_start = start
        result: list[SummaryRow] = []
        append = result.append
        # The counts are the driver's ints (integer columns); a run of rows of one period
        # shares its start, converted once.
        for (stored_start, prefix, kind, description, currency, tried, answered, duration,
             seconds, charge, costed_calls, cost, costed_charge) in zip(
            starts, prefixes, kinds, descriptions, currencies, attempts, connected,
            number(durations), billed, number(charges), costed, number(costs),
            number(costed_charges), strict=True,
        ):  # fmt: skip
            if stored_start != stored_before:
                period_start = d.time_from_db(stored_start)
                stored_before = stored_start
            charged = money(charge, currency)
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
                    charged,
                    costed_calls,
                    money(cost, currency) if costed_calls else None,
                    charged
                    if costed_calls and costed_charge == charge
                    else money(costed_charge if costed_calls else zero, currency),
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
