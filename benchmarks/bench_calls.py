"""Importing an Asterisk ``Master.csv`` into SQLite: read, rate, classify, store and charge.

*Ours*: ``core.calls.import_file("asterisk", path)`` on a fresh
``sqlite:///<temporary file>`` (WAL, ``synchronous=FULL``) holding one US account with a
customer deck of 1,000 prefixes: each row is parsed into a checked ``CallRecord``, rated
(``Money``), classified from the account's home region, stored in ``call_records`` (three
indexes) and charged: one usage transaction per batch of 1,000 records.

*Baseline*: ``csv.reader`` over the same file and ``sqlite3.executemany`` of its 18 fields,
as text, into one table with a primary key on the unique id, 1,000 rows per transaction, on
its own file with the same settings (WAL, ``synchronous=FULL``). No parsing of times, no
rating, no ledger.

Each import of ours runs in a process of its own (its start, about half a second, is in
the time): the note gives the peak memory (``ru_maxrss``) of the warm-up imports (a tenth
of the timed size: 100,000 lines in the full run) and of the timed one. It stays flat, since
one batch is held at a time. It also gives the seconds the timed import spent in SQLite
(:func:`time_in_sqlite`) and the ratio ours would reach if nothing else took any time: the
ceiling the database work alone puts on this row.
"""

from __future__ import annotations

import contextlib
import csv
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from benchmarks.harness import Benchmark, Case
from telcocore import Rate, RateDeck, TelcoCore, connect

__all__ = ["BENCHMARKS", "prepare", "write_master_csv"]

SINCE = datetime(2025, 1, 1, tzinfo=UTC)
START = datetime(2026, 3, 1, tzinfo=UTC)
BATCH = 1000
_FORMAT = "%Y-%m-%d %H:%M:%S"


_CODES = (
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 "
    "62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 212 213 216 234 254 351 352 353 354 "
    "358 359 370 371 372 380 385 386 420 421 852 886 966 971 972 974"
)
COUNTRY_CODES = tuple(_CODES.split())
"""The deck's country codes. Most belong to one region, so their numbers classify by shape
from a cache; a few (+44, +39, +47, +61, +212, +358) are shared by several regions, and
each of their numbers is classified by phonenumbers."""
US_EXCHANGES = 300
"""The area code and exchange pairs the North American calls go to."""


def _deck() -> RateDeck:
    """1,000 prefixes: ``1`` (North America) and country codes with up to two more digits."""
    pick = random.Random(3)
    prefixes = {"1", *COUNTRY_CODES}
    while len(prefixes) < 1000:
        prefixes.add(
            pick.choice(COUNTRY_CODES) + "".join(pick.choices("0123456789", k=pick.randint(1, 2)))
        )
    return RateDeck(
        "bench",
        "USD",
        [
            Rate(
                p,
                f"destination {p}",
                Decimal(pick.randint(1, 5000)).scaleb(-4),
                effective_from=SINCE,
                initial_increment=6,
                subsequent_increment=6,
            )
            for p in sorted(prefixes)
        ],
    )


def _destinations(pick: random.Random) -> Iterator[str]:
    """E.164 destinations: half to North America (a few hundred exchanges), half abroad."""
    prefixes = [r.prefix for r in _deck().rates if r.prefix != "1"]
    exchanges = [
        f"{pick.choice((212, 213, 312, 415, 416, 604, 617, 646, 718))}{pick.randint(200, 999)}"
        for _ in range(US_EXCHANGES)
    ]
    while True:
        if pick.random() < 0.5:
            yield f"+1{pick.choice(exchanges)}{pick.randint(0, 9999):04d}"
        else:
            prefix = pick.choice(prefixes)
            yield "+" + prefix + "".join(pick.choices("123456789", k=11 - len(prefix)))


def write_master_csv(path: Path, lines: int, *, seed: int = 5, first_id: int = 0) -> None:
    """An 18-column Master.csv of ``lines`` calls: most answered, to the deck's prefixes."""
    pick = random.Random(seed)
    destinations = _destinations(pick)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL)
        for i in range(lines):
            number = next(destinations)
            start = START + timedelta(seconds=i)
            seconds = pick.choice((0, pick.randint(1, 900), pick.randint(1, 300)))
            answer = start + timedelta(seconds=3)
            end = answer + timedelta(seconds=seconds)
            writer.writerow(
                (
                    "bench", "1001", number, "default", '"Alice" <1001>', "SIP/1001-00000001",
                    "SIP/trunk-00000002", "Dial", f"SIP/trunk/{number}", start.strftime(_FORMAT),
                    answer.strftime(_FORMAT) if seconds else "", end.strftime(_FORMAT),
                    seconds + 3, seconds, "ANSWERED" if seconds else "NO ANSWER",
                    "DOCUMENTATION", f"1700000000.{first_id + i}", "",
                )
            )  # fmt: skip


def prepare(core: TelcoCore) -> None:
    """Open the account ``bench`` (US, in USD) and price its calls with the 1,000-prefix deck."""
    core.accounts.open("Bench", "USD", account_id="bench", home_country="US")
    core.rating.save_deck(_deck())
    core.rating.assign("bench", "bench")


def _core(path: Path) -> TelcoCore:
    core = connect(f"sqlite:///{path}")
    prepare(core)
    return core


_BASELINE_TABLE = (
    "CREATE TABLE cdr (accountcode TEXT, src TEXT, dst TEXT, dcontext TEXT, clid TEXT, "
    "channel TEXT, dstchannel TEXT, lastapp TEXT, lastdata TEXT, start TEXT, answer TEXT, "
    "end_ TEXT, duration TEXT, billsec TEXT, disposition TEXT, amaflags TEXT, "
    "uniqueid TEXT PRIMARY KEY, userfield TEXT)"
)


def _baseline_import(source: Path, database: Path) -> None:
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(_BASELINE_TABLE)
        insert = f"INSERT INTO cdr VALUES ({', '.join('?' * 18)})"  # noqa: S608 - constant
        with source.open(encoding="utf-8", newline="") as stream:
            rows: list[list[str]] = []
            for row in csv.reader(stream):
                rows.append(row)
                if len(rows) == BATCH:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.executemany(insert, rows)
                    conn.execute("COMMIT")
                    rows.clear()
            if rows:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(insert, rows)
                conn.execute("COMMIT")
    finally:
        conn.close()


_CHILD = """\
import resource, sys
from pathlib import Path
from benchmarks.bench_calls import _core, time_in_sqlite
core = _core(Path(sys.argv[2]))
spent = time_in_sqlite()
report = core.calls.import_file("asterisk", Path(sys.argv[1]), batch_size=int(sys.argv[3]))
core.close()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(report.imported + report.duplicates, peak, spent[0])
"""
"""An import in a process of its own: prints the records posted, the peak memory (KiB) and
the seconds spent in SQLite."""


def time_in_sqlite() -> list[float]:
    """Time every call of this process into SQLite from now on; a list whose one item adds up.

    The SQLite dialect's methods that run statements (``begin``, ``execute``,
    ``execute_batches``, ``commit``, ``rollback``: every statement of a unit of work goes
    through one of them) are wrapped with a clock. What they include is SQLite's own work:
    binding the parameters, running the statements (with the ``decimal_add`` function the
    summaries' upsert calls) and the commits' writes to disk. Rows fetched later, from a
    returned cursor, are not counted (the import's reads are a few per batch).
    """
    from telcocore.platform.sql.sqlite import SqliteDialect  # noqa: PLC0415 - the child's

    spent = [0.0]
    clock = time.perf_counter

    def timed(method: Callable[..., object]) -> Callable[..., object]:
        def run(*args: object) -> object:
            began = clock()
            try:
                return method(*args)
            finally:
                spent[0] += clock() - began

        return run

    for name in ("begin", "execute", "execute_batches", "commit", "rollback"):
        setattr(SqliteDialect, name, timed(getattr(SqliteDialect, name)))
    return spent


def import_in_child(source: Path, database: Path) -> tuple[int, int, float]:
    """Import ``source`` into a fresh ``database`` in a child process.

    The records it posted, its peak resident memory in bytes (``ru_maxrss``) and the
    seconds it spent in SQLite (see :func:`time_in_sqlite`): each size's figure is its own,
    and nothing slows the import down (``tracemalloc`` would).
    """
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), *sys.path])}
    done = subprocess.run(  # noqa: S603 - this interpreter, this script
        [sys.executable, "-c", _CHILD, str(source), str(database), str(BATCH)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
    )
    posted, peak, spent = done.stdout.split()[-3:]
    return int(posted), int(peak) * 1024, float(spent)  # kilobytes on Linux


@contextlib.contextmanager
def _import_sqlite() -> Iterator[Case]:
    with tempfile.TemporaryDirectory(prefix="bench-calls-") as tmp:
        directory = Path(tmp)
        files: dict[int, Path] = {}
        runs = iter(range(1_000_000))

        def source(n: int) -> Path:
            if n not in files:
                files[n] = directory / f"master-{n}.csv"
                write_master_csv(files[n], n)
            return files[n]

        peaks: dict[int, int] = {}
        # The timed size's (the largest) time in SQLite and the baseline's whole time, the
        # last of each: the share of SQLite, and what ours could reach if nothing else
        # took any time.
        in_sqlite: dict[int, float] = {}
        baseline_took: dict[int, float] = {}

        def ours(n: int) -> None:
            database = directory / f"ours-{next(runs)}.db"
            posted, peak, spent = import_in_child(source(n), database)
            database.unlink()
            peaks[n] = max(peak, peaks.get(n, 0))
            in_sqlite[n] = spent
            if posted != n:
                msg = f"posted {posted} of {n} records"
                raise RuntimeError(msg)

        def baseline(n: int) -> None:
            database = directory / f"baseline-{next(runs)}.db"
            began = time.perf_counter()
            _baseline_import(source(n), database)
            baseline_took[n] = time.perf_counter() - began
            database.unlink()

        def note() -> str:
            figures = [
                f"{lines:,} lines: {peak / 2**20:.1f} MiB" for lines, peak in sorted(peaks.items())
            ]
            lines = max(in_sqlite)
            spent = in_sqlite[lines]
            return (
                "peak memory of the importing process (ru_maxrss): "
                + ", ".join(figures)
                + f"; ours spent {spent:.1f} s in SQLite for {lines:,} lines "
                f"({spent / lines * 1e6:.1f} us a line: statements, the summaries' decimal_add "
                f"calls, commits), the baseline {baseline_took[lines]:.1f} s in all: "
                f"with no other work ours would reach {baseline_took[lines] / spent:.2f}"
            )

        yield Case(
            ours=ours,
            baseline=baseline,
            note="both WAL, synchronous=FULL, 1,000 rows per transaction; ours in a child process",
            report=note,
        )


BENCHMARKS = [
    Benchmark(
        name="calls.import.sqlite",
        measures="core.calls.import_file('asterisk', path): parse, rate, classify, store, charge",
        baseline="csv.reader + sqlite3.executemany of the raw fields into one table",
        setup=_import_sqlite,
        ops=1_000_000,
        quick_ops=20_000,
        repeats=1,
        quick_repeats=1,
        target=0.25,
        unit="lines/s",
    )
]
