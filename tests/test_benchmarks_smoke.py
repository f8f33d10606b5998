"""The benchmark runner still works: a quick run of the ledger benchmark prints its row.

Only the shape of the output is checked, never a figure: timings belong in the benchmark
suite (``python benchmarks/run.py``), not in tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "benchmarks" / "run.py"


def _table(output: str) -> tuple[list[str], dict[str, list[str]]]:
    """The header cells and the rows (by benchmark name) of the Markdown table in ``output``."""
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, *rows = [row for row in cells if not set(row[0]) <= set("-:")]
    return header, {row[0]: row for row in rows}


@pytest.fixture(scope="module")
def quick_ledger() -> subprocess.CompletedProcess[str]:
    """``python benchmarks/run.py --quick -k ledger``, run once for the module."""
    return subprocess.run(  # noqa: S603 - our own script, run with the current interpreter
        [sys.executable, str(RUNNER), "--quick", "-k", "ledger"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


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
        expected = ["benchmark", "ours (ops/s)", "baseline (ops/s)", "ratio", "target", "result"]
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
