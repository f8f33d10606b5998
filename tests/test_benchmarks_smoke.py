"""The benchmark runner still works: a quick run of the ledger benchmark prints its row.

Only the shape of the output is checked, never a figure: timings belong in the benchmark
suite (``python benchmarks/run.py``), not in tests. The verdict rules (PASS, FAIL, NOISY)
are checked on made-up samples.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "benchmarks" / "run.py"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # so that ``benchmarks`` imports as a package

from benchmarks.harness import Benchmark, Case  # noqa: E402 - needs the path above
from benchmarks.run import Figure, Result  # noqa: E402 - needs the path above


def _table(output: str) -> tuple[list[str], dict[str, list[str]]]:
    """The header cells and the rows (by benchmark name) of the Markdown table in ``output``."""
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, *rows = [row for row in cells if not set(row[0]) <= set("-:")]
    return header, {row[0]: row for row in rows}


@pytest.fixture(scope="module")
def results_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the quick run writes its ``--results`` report."""
    return tmp_path_factory.mktemp("bench") / "RESULTS.md"


def _quick(name: str, *extra: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """``python benchmarks/run.py --quick -k name [extra]`` with this interpreter, as text."""
    return subprocess.run(  # noqa: S603 - our own script, run with the current interpreter
        [sys.executable, str(RUNNER), "--quick", "-k", name, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def quick_ledger(results_file: Path) -> subprocess.CompletedProcess[str]:
    """``python benchmarks/run.py --quick -k ledger --results ...``, run once for the module."""
    return _quick("ledger", "--results", str(results_file), timeout=120)


class TestQuickLedgerRun:
    """``benchmarks/run.py --quick -k ledger`` runs and prints one table."""

    def test_exits_zero(self, quick_ledger: subprocess.CompletedProcess[str]) -> None:
        """The runner succeeds, whatever the figures."""
        assert 0 == quick_ledger.returncode, quick_ledger.stderr

    def test_table_has_the_expected_columns(
        self, quick_ledger: subprocess.CompletedProcess[str]
    ) -> None:
        """The header names ours, the baseline, the ratio and the target."""
        header, _ = _table(quick_ledger.stdout)
        expected = [
            "benchmark",
            "ours (ops/s)",
            "baseline (ops/s)",
            "ratio",
            "spread",
            "target",
            "result",
        ]
        assert expected == header

    def test_only_ledger_benchmarks_ran(
        self, quick_ledger: subprocess.CompletedProcess[str]
    ) -> None:
        """``-k ledger`` selects the ledger benchmarks and nothing else."""
        _, rows = _table(quick_ledger.stdout)
        assert rows
        assert [] == [name for name in rows if "ledger" not in name]

    def test_ledger_row_has_a_numeric_ratio(
        self, quick_ledger: subprocess.CompletedProcess[str]
    ) -> None:
        """The in-memory debit row shows both figures and a positive, numeric ratio."""
        header, rows = _table(quick_ledger.stdout)
        row = rows["ledger.debit.memory"]
        figures = [row[header.index(column)] for column in ("ours (ops/s)", "baseline (ops/s)")]
        assert all(figure.replace(",", "").isdigit() for figure in figures), row
        assert float(row[header.index("ratio")]) > 0

    def test_ledger_row_has_a_spread(self, quick_ledger: subprocess.CompletedProcess[str]) -> None:
        """The in-memory debit row shows the spread of its paired ratios, in percent."""
        header, rows = _table(quick_ledger.stdout)
        spread = rows["ledger.debit.memory"][header.index("spread")]
        assert spread.endswith("%"), spread
        assert int(spread.removesuffix("%")) >= 0

    def test_results_file_names_the_machine_and_the_command(
        self, quick_ledger: subprocess.CompletedProcess[str], results_file: Path
    ) -> None:
        """``--results`` writes the table, the versions and the command that reproduces it."""
        assert 0 == quick_ledger.returncode, quick_ledger.stderr
        text = results_file.read_text(encoding="utf-8")
        for expected in ("| CPUs |", "| Python |", "| SQLite |", "| PostgreSQL |"):
            assert expected in text
        assert f"python benchmarks/run.py --quick -k ledger --results {results_file}" in text
        assert "| ledger.debit.memory " in text


def _result(ours: tuple[float, ...], baseline: tuple[float, ...], target: float | None) -> Result:
    """A result made of the given samples, for the verdict rules."""
    benchmark = Benchmark(
        name="made.up",
        measures="",
        baseline="",
        setup=lambda: NotImplemented,
        ops=1,
        quick_ops=1,
        target=target,
    )
    return Result(benchmark, Figure(ours), Figure(baseline))


class TestVerdict:
    """A row passes, fails, or is too noisy to judge."""

    def test_steady_ratio_above_the_target_passes(self) -> None:
        """Paired ratios of 0.60 each against a target of 0.50: PASS."""
        result = _result((60.0,) * 5, (100.0,) * 5, 0.50)
        assert (0.0, "PASS") == (result.spread, result.verdict)

    def test_steady_ratio_below_the_target_fails(self) -> None:
        """Paired ratios of 0.40 each against a target of 0.50: FAIL."""
        assert "FAIL" == _result((40.0,) * 5, (100.0,) * 5, 0.50).verdict

    def test_scattered_ratios_are_noisy(self) -> None:
        """Ratios from 0.3 to 0.9 (median 0.6) are too spread to call PASS."""
        result = _result((30.0, 45.0, 60.0, 75.0, 90.0), (100.0,) * 5, 0.50)
        assert 0.6 == pytest.approx(result.ratio)
        assert "NOISY" == result.verdict

    def test_noisy_without_a_target(self) -> None:
        """A row with no target still says NOISY when its ratios disagree."""
        assert "NOISY" == _result((30.0, 90.0), (100.0, 100.0), None).verdict

    def test_the_ratio_pairs_repetitions(self) -> None:
        """The ratio is the median of ours[i] / baseline[i], not a ratio of medians."""
        result = _result((10.0, 20.0, 40.0), (10.0, 20.0, 40.0), None)
        assert (1.0, "") == (result.ratio, result.verdict)


def test_case_report_is_optional() -> None:
    """A case without a report has ``None`` there (the runner then adds no note)."""
    assert Case(ours="skipped", baseline=lambda _n: None).report is None


def test_quick_rating_run_prints_its_row() -> None:
    """``run.py --quick -k rating`` rates calls on both sides and prints the row."""
    done = _quick("rating")
    assert 0 == done.returncode, done.stderr
    header, rows = _table(done.stdout)
    row = rows["rating.deck_20k"]
    assert float(row[header.index("ratio")]) > 0
    assert ">= 1.00" == row[header.index("target")]


def test_quick_parse_run_prints_its_row() -> None:
    """``run.py --quick -k parse`` parses Master.csv on both sides and prints the row."""
    done = _quick("calls.parse")
    assert 0 == done.returncode, done.stderr
    header, rows = _table(done.stdout)
    row = rows["calls.parse.asterisk"]
    assert float(row[header.index("ratio")]) > 0
