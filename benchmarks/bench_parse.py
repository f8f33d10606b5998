"""Asterisk ``Master.csv`` rows parsed per second, from a file held in memory.

*Ours*: :func:`telcocore.calls.importers.read_asterisk` over the first ``n`` lines of a
generated 21-column ``Master.csv`` (200,000 lines: ``newcdrcolumns``, 60 % answered, a few
calls per second, 50 account codes), from an ``io.BytesIO``; each row becomes a
``CallRecord`` (times as aware UTC datetimes, billable seconds as ``Decimal``, the raw
fields by column name, the call id from ``linkedid`` and ``sequence``).

*Baseline*: ``csv.reader`` over the same bytes (decoded by ``io.TextIOWrapper``), and per
row the same conversions written by hand: the row's width checked, the three times with
``datetime.fromisoformat`` made UTC (an empty answer is ``None``), ``duration`` and
``billsec`` with ``int``, billable seconds as ``Decimal``, the disposition through a dict,
start before end, and a tuple with the call id ``ast:<linkedid>:<sequence>``. It checks
less than ours (no account id, call id or number checks, no UTF-8 check per row, no line
numbers kept for rejected rows).
"""

from __future__ import annotations

import contextlib
import csv
import io
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from benchmarks.harness import Benchmark, Case
from telcocore.calls.importers import read_asterisk

__all__ = ["BENCHMARKS"]

LINES = 200_000
"""Lines in the generated file."""
SINCE = datetime(2026, 3, 1, tzinfo=UTC)
DISPOSITIONS = {
    "ANSWERED": "answered",
    "NO ANSWER": "no_answer",
    "BUSY": "busy",
    "FAILED": "failed",
    "CONGESTION": "congestion",
}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def master_csv(lines: int = LINES, seed: int = 3) -> list[bytes]:
    """``lines`` rows of a 21-column ``Master.csv``, the same every run."""
    pick = random.Random(seed)
    rows = []
    for i in range(lines):
        start = SINCE + timedelta(seconds=i // 3)
        answered = pick.random() < 0.6
        duration = pick.randint(1, 600)
        billsec = max(duration - pick.randint(0, 5), 0) if answered else 0
        end = start + timedelta(seconds=duration)
        answer = _stamp(end - timedelta(seconds=billsec)) if answered else ""
        disposition = "ANSWERED" if answered else pick.choice(("NO ANSWER", "BUSY", "FAILED"))
        number = f"+{pick.randint(10**10, 10**11)}"
        rows.append(
            (
                f'"acct{pick.randint(1, 50)}","1001","{number}","from-internal",'
                f'"""Alice"" <1001>","SIP/1001-{i:08x}","SIP/trunk-{i:08x}","Dial",'
                f'"SIP/trunk/{number},60","{_stamp(start)}","{answer}","{_stamp(end)}",'
                f'{duration},{billsec},"{disposition}","DOCUMENTATION","1772323200.{i}","",'
                f'"","1772323200.{i}",{i % 7}\n'
            ).encode()
        )
    return rows


def _by_hand(stream: io.BytesIO) -> int:
    """The baseline: csv and the conversions written out; the number of rows kept."""
    kept = 0
    dispositions = DISPOSITIONS
    parse = datetime.fromisoformat
    for fields in csv.reader(io.TextIOWrapper(stream, encoding="utf-8", newline="")):
        if len(fields) != 21:
            continue
        try:
            start = parse(fields[9]).replace(tzinfo=UTC)
            end = parse(fields[11]).replace(tzinfo=UTC)
            answer = parse(fields[10]).replace(tzinfo=UTC) if fields[10] else None
            duration = int(fields[12])
            billable = Decimal(int(fields[13]))
        except ValueError:
            continue
        disposition = dispositions.get(fields[14])
        if disposition is None or end < start:
            continue
        record = (
            f"ast:{fields[19]}:{fields[20]}",
            fields[0],
            fields[1],
            fields[2],
            start,
            answer,
            end,
            duration,
            billable,
            disposition,
            fields,
        )
        kept += record is not None
    return kept


@contextlib.contextmanager
def _asterisk() -> Iterator[Case]:
    lines = master_csv()
    ends = [0]
    for line in lines:
        ends.append(ends[-1] + len(line))
    data = b"".join(lines)

    def chunk(n: int) -> Iterator[io.BytesIO]:
        """The file's first ``n`` lines, as many whole files as it takes."""
        while n > 0:
            take = min(n, LINES)
            yield io.BytesIO(data[: ends[take]])
            n -= take

    def ours(n: int) -> None:
        for stream in chunk(n):
            for _ in read_asterisk(stream):
                pass

    def baseline(n: int) -> None:
        for stream in chunk(n):
            _by_hand(stream)

    yield Case(
        ours=ours,
        baseline=baseline,
        note=f"{LINES:,}-line Master.csv (21 columns) in memory; ours yields CallRecord",
    )


BENCHMARKS: list[Benchmark] = [
    Benchmark(
        name="calls.parse.asterisk",
        measures="read_asterisk over a 21-column Master.csv in memory",
        baseline="csv.reader and the same field conversions by hand",
        setup=_asterisk,
        ops=200_000,
        quick_ops=20_000,
        repeats=5,
        unit="rows/s",
    ),
]
