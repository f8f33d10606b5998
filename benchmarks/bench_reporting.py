"""Summaries: reading a month of daily rows, and what keeping them costs posting.

``reporting.daily_month.<storage>``: an account with ``n`` posted calls over March 2026
(1,000,000 in a default run, 20,000 with ``--quick``). *Ours* reads the month's daily
rows with ``core.summaries.daily(account, 1 March, 1 April)`` (about 31 days x 60
destinations); the *baseline* recomputes them from the stored call records with one
``GROUP BY`` day, prefix and classification, as a report without summaries must. The
unit is calls covered per second: one operation is one call of the month, and each timed
repetition reads (or recomputes) the whole month once. The call records are written
directly (``executemany`` on SQLite, ``COPY`` on PostgreSQL) into the ``call_records``
table of a telcocore database, with the columns posting stores (the month cycles through
10,000 kinds of call). On SQLite the same calls are then added to the summaries by the
posting hook (``keep_summaries``, 50,000 calls a unit of work); on PostgreSQL the
summaries are made by ``core.summaries.rebuild(account, month)``, which agrees with what
posting keeps (as the tests check). Posting a million calls through the library (rating,
ledger) would take minutes of setup for a read benchmark. On SQLite the baseline sums the
decimals as floats (``SUM(CAST(... AS REAL))``), inexact but faster than an exact sum,
which favours it; on PostgreSQL it takes the day as a ``date`` (``started_at AT TIME ZONE
'UTC'``), the fastest of the usual spellings (``date_trunc('day', started_at, 'UTC')``
takes about 15 % longer). Target: 100x.

``reporting.upkeep.<storage>``: ``core.calls.post_many`` of batches of 1,000 call
records (rated, classified, stored, charged) with the summaries kept (*ours*, as the core
wires it) and without (*baseline*: the same core with ``core.calls.summary_hooks``
emptied), each on a database of its own. The records are built before timing. Target:
0.70 (upkeep costs at most 30 %).
"""

from __future__ import annotations

import contextlib
import itertools
import random
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    Benchmark,
    Case,
    Skip,
    pg_admin,
    postgres_dsn,
    schema_sql,
    with_schema,
)
from telcocore import Money, Period, Rate, RateDeck, TelcoCore, connect
from telcocore.calls.model.classification import Classification
from telcocore.calls.model.posting import PostedCall
from telcocore.calls.model.records import CallRecord, Direction, Disposition
from telcocore.reporting.services import keep_summaries

__all__ = ["BENCHMARKS"]

SINCE = datetime(2025, 1, 1, tzinfo=UTC)
MONTH = Period.month(2026, 3)
BATCH = 1000
ACCOUNT = "bench"
_CODES = (
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 "
    "63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 212 213 216 234 254 351 352 353 354"
)
_COUNTRIES = tuple(_CODES.split())
"""The deck's prefixes besides ``1``: about 60 destinations a day."""


def _deck(name: str, scale: int) -> RateDeck:
    pick = random.Random(scale)
    rates = [Rate("1", "North America", Decimal("0.0100") / scale, effective_from=SINCE)]
    rates += [
        Rate(
            c,
            f"Country {c}",
            Decimal(pick.randint(50, 3000)).scaleb(-4) / scale,
            effective_from=SINCE,
        )
        for c in _COUNTRIES
    ]
    return RateDeck(name, "USD", rates)


def _prepare(core: TelcoCore) -> None:
    """The account ``bench`` (US, USD), priced by a retail deck and costed by a carrier's."""
    core.accounts.open("Bench", "USD", account_id=ACCOUNT, home_country="US")
    core.rating.save_deck(_deck("retail", 1))
    core.rating.save_deck(_deck("carrier", 2))
    core.rating.assign(ACCOUNT, "retail", "carrier")


# -- reading a month -----------------------------------------------------------------------


_KINDS = 10_000
"""Distinct calls (destination, length, charge, cost) the month's calls cycle through."""


def _kinds() -> list[tuple[Any, ...]]:
    """The fields of each kind of call that do not depend on when it happened."""
    pick = random.Random(11)
    kinds = []
    for _ in range(_KINDS):
        abroad = pick.random() < 0.5
        prefix = pick.choice(_COUNTRIES) if abroad else "1"
        seconds = pick.choice((0, pick.randint(1, 600)))
        billed = -(-seconds // 6) * 6
        charge = Decimal(billed).scaleb(-3).quantize(Decimal("0.0001"))
        kinds.append(
            (
                f"+{prefix}5550100", seconds, "answered" if seconds else "no_answer",
                "international" if abroad else "domestic", prefix,
                f"Country {prefix}" if abroad else "North America", billed, charge,
                (charge / 2).quantize(Decimal("0.00001")) if abroad else None,
            )
        )  # fmt: skip
    return kinds


def _stored_calls(n: int) -> Iterator[tuple[object, ...]]:
    """``n`` call records over March 2026 as posting stores them (times as datetimes)."""
    step = (MONTH.end - MONTH.start) / n
    rate = Decimal("0.0100")
    three = timedelta(seconds=3)
    for i, kind in zip(range(n), itertools.cycle(_kinds()), strict=False):
        destination, seconds, disposition, classification, prefix, name, billed, charge, cost = kind
        start = MONTH.start + step * i
        yield (
            f"call-{i}", ACCOUNT, "1001", destination, start,
            start + three if seconds else None, start + timedelta(seconds=seconds + 3),
            seconds + 3, Decimal(seconds), disposition, "outbound", classification, prefix,
            name, billed, rate, charge, "USD", cost, None if cost is None else "USD", None, "{}",
        )  # fmt: skip


def _posted(row: tuple[Any, ...], money: dict[object, Money]) -> PostedCall:
    """The posted call a stored row holds, as posting hands it to the summary hook.

    ``money`` keeps one ``Money`` per amount, as a rate deck does.
    """
    (call_id, account, source, destination, start, answer, end, duration, billable,
     disposition, _direction, kind, prefix, description, billed, rate, charge, currency,
     cost, _cost_currency, transaction, _raw) = row  # fmt: skip
    record = CallRecord._trusted(  # noqa: SLF001 - generated consistent above
        call_id, account, source, destination, start, answer, end, duration, billable,
        Disposition(disposition), Direction.OUTBOUND, {},
    ).classified(Classification(kind))  # fmt: skip
    if charge not in money:
        money[charge] = Money(charge, currency)
    if cost is not None and cost not in money:
        money[cost] = Money(cost, currency)
    return PostedCall(
        record,
        prefix,
        description,
        billed,
        rate,
        money[charge],
        None if cost is None else money[cost],
        transaction,
    )


def _text(value: datetime | None) -> str | None:
    return None if value is None else f"{value.isoformat(timespec='microseconds')[:-6]}Z"


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A stored row as the SQLite dialect writes it: instants and decimals as text."""
    values = list(row)
    for time in (4, 5, 6):
        values[time] = _text(values[time])
    for number in (8, 15, 16, 18):
        if values[number] is not None:
            values[number] = str(values[number])
    return tuple(values)


_COLUMNS = (
    "call_id, account_id, source, destination, started_at, answered_at, ended_at, duration, "
    "billable, disposition, direction, classification, prefix, description, billed_seconds, "
    "rate_per_minute, charge, currency, provider_cost, provider_currency, transaction_id, raw"
)

_SQLITE_GROUP_BY = (
    "SELECT substr(started_at, 1, 10) AS day, prefix, classification, MAX(description), "
    "COUNT(*), SUM(disposition = 'answered'), SUM(CAST(billable AS REAL)), "
    "SUM(billed_seconds), SUM(CAST(charge AS REAL)), SUM(provider_cost IS NOT NULL), "
    "SUM(CAST(provider_cost AS REAL)) FROM call_records "
    "WHERE account_id = ? AND started_at >= ? AND started_at < ? "
    "GROUP BY day, prefix, classification ORDER BY day, prefix, classification"
)

_POSTGRES_GROUP_BY = (
    "SELECT CAST(started_at AT TIME ZONE 'UTC' AS date) AS day, prefix, classification, "
    "MAX(description), COUNT(*), SUM(CASE WHEN disposition = 'answered' THEN 1 ELSE 0 END), "
    "SUM(billable), SUM(billed_seconds), SUM(charge), COUNT(provider_cost), "
    "SUM(provider_cost) FROM call_records "
    "WHERE account_id = %s AND started_at >= %s AND started_at < %s "
    "GROUP BY day, prefix, classification ORDER BY day, prefix, classification"
)


_WARM_READS = 10
"""Reads of the repetitions' database before timing: more than psycopg's 5 executions
before it prepares a statement."""


class _Months:
    """Databases of ``n`` posted calls, made on first use; the two sides read them."""

    def __init__(self, make: Callable[[int], tuple[TelcoCore, Callable[[], int]]]) -> None:
        self._make = make
        self._made: dict[int, tuple[TelcoCore, Callable[[], int]]] = {}

    def _of(self, n: int) -> tuple[TelcoCore, Callable[[], int]]:
        if not self._made:
            # The first call is the first warm-up round, a tenth of a repetition: make the
            # repetitions' database too, now, where nothing is timed, and warm both sides
            # on it (the runner's warm-up rounds read the smaller database): the reading
            # connection's caches and prepared statement, the tables' pages in memory.
            self._made[n * 10] = made = self._make(n * 10)
            core, recompute = made
            for _ in range(_WARM_READS):
                core.summaries.daily(ACCOUNT, MONTH.start, MONTH.end)
            recompute()
        if n not in self._made:
            self._made[n] = self._make(n)
        return self._made[n]

    def ours(self, n: int) -> None:
        core, _ = self._of(n)
        rows = core.summaries.daily(ACCOUNT, MONTH.start, MONTH.end)
        if sum(row.attempts for row in rows) != n:
            msg = f"the daily rows count {sum(r.attempts for r in rows)} calls, not {n}"
            raise RuntimeError(msg)

    def baseline(self, n: int) -> None:
        _, recompute = self._of(n)
        if recompute() != n:
            msg = "the group-by did not count every call"
            raise RuntimeError(msg)

    def close(self) -> None:
        for core, _ in self._made.values():
            core.close()


@contextlib.contextmanager
def _month_sqlite() -> Iterator[Case]:
    with tempfile.TemporaryDirectory(prefix="bench-reporting-") as tmp:

        def make(n: int) -> tuple[TelcoCore, Callable[[], int]]:
            path = Path(tmp) / f"month-{n}.db"
            core = connect(f"sqlite:///{path}")
            _prepare(core)
            raw = sqlite3.connect(path, isolation_level=None)
            insert = f"INSERT INTO call_records ({_COLUMNS}) VALUES ({', '.join('?' * 22)})"  # noqa: S608
            rows = _stored_calls(n)
            amounts: dict[object, Money] = {}
            while chunk := list(itertools.islice(rows, 50_000)):
                raw.execute("BEGIN IMMEDIATE")
                raw.executemany(insert, map(_sqlite_row, chunk))
                raw.execute("COMMIT")
                with core.storage.unit_of_work() as uow:
                    keep_summaries(uow, [_posted(row, amounts) for row in chunk])
                    uow.commit()
            start, end = _text(MONTH.start), _text(MONTH.end)

            def recompute() -> int:
                found = raw.execute(_SQLITE_GROUP_BY, (ACCOUNT, start, end)).fetchall()
                return sum(row[4] for row in found)

            return core, recompute

        months = _Months(make)
        try:
            yield Case(
                ours=months.ours,
                baseline=months.baseline,
                note="WAL, synchronous=FULL; calls written directly, summaries by the posting hook",
            )
        finally:
            months.close()


@contextlib.contextmanager
def _month_postgres() -> Iterator[Case]:
    dsn = postgres_dsn()
    if dsn is None:
        msg = "no PostgreSQL (set TELCOCORE_BENCH_PG_DSN or TELCOCORE_TEST_PG_DSN)"
        raise Skip(msg)
    admin = pg_admin(dsn)
    schemas: list[str] = []

    def make(n: int) -> tuple[TelcoCore, Callable[[], int]]:
        schema = f"bench_reporting_{uuid.uuid4().hex[:12]}"
        schemas.append(schema)
        url = with_schema(dsn, schema)
        if url is None:
            msg = "the DSN must be a postgresql:// URL to add ?schema= to it"
            raise Skip(msg)
        core = connect(url)
        _prepare(core)
        admin.execute(schema_sql("SET search_path TO {}", schema))
        with admin.cursor().copy(f"COPY call_records ({_COLUMNS}) FROM STDIN") as copy:
            for row in _stored_calls(n):
                copy.write_row(row)
        admin.execute("ANALYZE call_records")
        core.summaries.rebuild(ACCOUNT, MONTH)

        def recompute() -> int:
            admin.execute(schema_sql("SET search_path TO {}", schema))
            found = admin.execute(_POSTGRES_GROUP_BY, (ACCOUNT, MONTH.start, MONTH.end)).fetchall()
            return sum(row[4] for row in found)

        return core, recompute

    months = _Months(make)
    try:
        yield Case(
            ours=months.ours,
            baseline=months.baseline,
            note="schema bench_reporting_<random>, dropped afterwards; calls by COPY, rebuild()",
        )
    finally:
        months.close()
        for schema in schemas:
            admin.execute(schema_sql("DROP SCHEMA IF EXISTS {} CASCADE", schema))
        admin.close()


# -- posting with and without upkeep -------------------------------------------------------


class _Posting:
    """A core posting fresh call records in batches; ``keep`` says whether summaries are kept."""

    def __init__(self, url: str, *, keep: bool, tag: str) -> None:
        self.core = connect(url)
        _prepare(self.core)
        if not keep:
            self.core.calls.summary_hooks.clear()
        self._pick = random.Random(7)
        self._ids = itertools.count()
        self._tag = tag
        self._pool: list[CallRecord] = []

    def fill(self, n: int) -> None:
        """Build ``n`` more records (outside the timing)."""
        pick = self._pick
        for _ in range(n):
            i = next(self._ids)
            start = MONTH.start + timedelta(seconds=7 * i)
            abroad = pick.random() < 0.5
            destination = (
                f"+{pick.choice(_COUNTRIES)}5550{pick.randint(100, 999)}"
                if abroad
                else f"+1{pick.choice((212, 415, 646))}555{pick.randint(1000, 9999)}"
            )
            seconds = pick.choice((0, pick.randint(1, 600)))
            self._pool.append(
                CallRecord(
                    call_id=f"{self._tag}-{i}",
                    account_id=ACCOUNT,
                    source="1001",
                    destination=destination,
                    start=start,
                    answer=start + timedelta(seconds=3) if seconds else None,
                    end=start + timedelta(seconds=seconds + 3),
                    duration=seconds + 3,
                    billable=seconds,
                    disposition="answered" if seconds else "no_answer",
                )
            )

    def post(self, n: int) -> None:
        if not self._pool:
            # The first call is the first warm-up round, a tenth of a repetition: build the
            # records of every round and repetition to come now, where nothing is timed.
            self.fill(n * _ROUNDS)
        if len(self._pool) < n:  # pragma: no cover - only if the runner's rounds change
            self.fill(n - len(self._pool))
        records, self._pool = self._pool[:n], self._pool[n:]
        for first in range(0, n, BATCH):
            result = self.core.calls.post_many(records[first : first + BATCH])
            if result.posted != len(records[first : first + BATCH]):
                msg = f"posted {result.posted} of a batch: {result.refusals[:1]}"
                raise RuntimeError(msg)

    def close(self) -> None:
        self.core.close()


_ROUNDS = 100
"""Records built at the first call, in warm-up rounds' sizes: 12 rounds of a tenth of a
repetition and 7 repetitions need 82; the rest is spare."""


def _upkeep(urls: tuple[str, str], note: str) -> Iterator[Case]:
    kept = _Posting(urls[0], keep=True, tag="kept")
    bare: _Posting | None = None
    try:
        bare = _Posting(urls[1], keep=False, tag="bare")
        yield Case(ours=kept.post, baseline=bare.post, note=note)
    finally:
        kept.close()
        if bare is not None:
            bare.close()


@contextlib.contextmanager
def _upkeep_sqlite() -> Iterator[Case]:
    with tempfile.TemporaryDirectory(prefix="bench-upkeep-") as tmp:
        urls = (f"sqlite:///{tmp}/kept.db", f"sqlite:///{tmp}/bare.db")
        note = f"WAL, synchronous=FULL; {BATCH} records per batch (one unit of work)"
        yield from _upkeep(urls, note)


@contextlib.contextmanager
def _upkeep_postgres() -> Iterator[Case]:
    dsn = postgres_dsn()
    if dsn is None:
        msg = "no PostgreSQL (set TELCOCORE_BENCH_PG_DSN or TELCOCORE_TEST_PG_DSN)"
        raise Skip(msg)
    admin = pg_admin(dsn)
    tag = uuid.uuid4().hex[:12]
    schemas = (f"bench_kept_{tag}", f"bench_bare_{tag}")
    try:
        urls = tuple(with_schema(dsn, schema) for schema in schemas)
        if None in urls:
            msg = "the DSN must be a postgresql:// URL to add ?schema= to it"
            raise Skip(msg)
        note = f"schemas bench_kept_<random>, bench_bare_<random>; {BATCH} records per batch"
        yield from _upkeep((str(urls[0]), str(urls[1])), note)
    finally:
        for schema in schemas:
            admin.execute(schema_sql("DROP SCHEMA IF EXISTS {} CASCADE", schema))
        admin.close()


_READS = 11
"""Timed repetitions of a month's read: each is one read of a few milliseconds, at the
mercy of the scheduler, so its ratio to one recompute varies more than a long run's
would; eleven pairs make their median steadier (the usual is five)."""
_READ = "core.summaries.daily(account, 1 March, 1 April): a month of daily rows (calls/s)"
_GROUP_BY = "one GROUP BY day, prefix, classification over the month's call_records"
_POST = "core.calls.post_many, 1,000 records a batch, summaries kept (calls/s)"
_BARE = "the same posting with core.calls.summary_hooks emptied: no summaries"

BENCHMARKS = [
    Benchmark(
        name="reporting.daily_month.sqlite",
        measures=_READ,
        baseline=_GROUP_BY,
        setup=_month_sqlite,
        ops=1_000_000,
        quick_ops=20_000,
        repeats=_READS,
        quick_repeats=2,
        target=100.0,
        unit="calls/s",
    ),
    Benchmark(
        name="reporting.daily_month.postgres",
        measures=_READ,
        baseline=_GROUP_BY,
        setup=_month_postgres,
        ops=1_000_000,
        quick_ops=20_000,
        repeats=_READS,
        quick_repeats=2,
        target=100.0,
        unit="calls/s",
    ),
    Benchmark(
        name="reporting.upkeep.sqlite",
        measures=_POST,
        baseline=_BARE,
        setup=_upkeep_sqlite,
        ops=10_000,
        quick_ops=2_000,
        repeats=5,
        quick_repeats=2,
        target=0.70,
        unit="calls/s",
    ),
    Benchmark(
        name="reporting.upkeep.postgres",
        measures=_POST,
        baseline=_BARE,
        setup=_upkeep_postgres,
        ops=10_000,
        quick_ops=2_000,
        repeats=5,
        quick_repeats=2,
        target=0.70,
        unit="calls/s",
    ),
]
