"""The importers stream: memory stays flat as the file grows."""

from __future__ import annotations

import gc
import tracemalloc
import warnings
from pathlib import Path

from telcocore.calls.importers import ImportProgress, read_asterisk
from telcocore.calls.model.records import CallRecord

_ROW = (
    '"acct{a}","10{e}","+1415555{n:04d}","from-internal","""Bob"" <10{e}>","SIP/10{e}-1",'
    '"SIP/trunk-2","Dial","SIP/trunk/+1415555{n:04d},60","2026-03-{d:02d} {h:02d}:{m:02d}:00",'
    '"2026-03-{d:02d} {h:02d}:{m:02d}:05","2026-03-{d:02d} {h:02d}:{m:02d}:35",35,30,'
    '"ANSWERED","DOCUMENTATION","1773500966.{i}","","","1773500966.{i}",{i}\n'
)


def _write(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(rows):
            minute = i // 7
            out.write(
                _ROW.format(
                    a=i % 40,
                    e=10 + i % 90,
                    n=i % 10000,
                    d=1 + minute // 1440 % 28,
                    h=minute // 60 % 24,
                    m=minute % 60,
                    i=i,
                )
            )
    return path


def _peak(path: Path) -> tuple[int, int]:
    """Records read and the peak of memory allocated while reading them."""
    tracemalloc.start()
    try:
        records = sum(isinstance(r, CallRecord) for r in read_asterisk(path))
        return records, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class TestStreaming:
    """Ten times the rows does not take ten times the memory."""

    def test_peak_memory_is_flat(self, tmp_path: Path) -> None:
        """20,000 and 200,000 rows: the peak grows by far less than the file."""
        small_count, small = _peak(_write(tmp_path / "small.csv", 20_000))
        big_path = _write(tmp_path / "big.csv", 200_000)
        big_count, big = _peak(big_path)
        assert (20_000, 200_000) == (small_count, big_count)
        assert big < 2 * small + 1_000_000, (small, big)
        assert big < big_path.stat().st_size / 20

    def test_progress_every_ten_thousand_rows(self, tmp_path: Path) -> None:
        """Reports at 10,000 and 20,000 rows, and one at the end."""
        path = _write(tmp_path / "rows.csv", 25_000)
        reports: list[ImportProgress] = []
        for _ in read_asterisk(path, progress=reports.append):
            pass
        assert [10_000, 20_000, 25_000] == [r.rows for r in reports]
        assert [path.stat().st_size] * 3 == [r.bytes_total for r in reports]
        assert reports[0].bytes_read < reports[1].bytes_read < reports[2].bytes_read


class TestClosing:
    """The file an import opened is closed when its rows end or are dropped."""

    def _resource_warnings(self, path: Path, rows_taken: int | None) -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rows = read_asterisk(path)
            if rows_taken is None:
                list(rows)
            else:
                for _ in range(rows_taken):
                    next(rows)
                rows.close()  # type: ignore[attr-defined]
            del rows
            gc.collect()
        return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]

    def test_read_to_the_end(self, tmp_path: Path) -> None:
        """All rows read: the file is closed."""
        assert [] == self._resource_warnings(_write(tmp_path / "rows.csv", 3), None)

    def test_dropped_half_way(self, tmp_path: Path) -> None:
        """One row read, then the rest dropped: the file is closed all the same."""
        assert [] == self._resource_warnings(_write(tmp_path / "rows.csv", 3), 1)
