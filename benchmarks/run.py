"""Run telcocore's benchmarks and print one table: ours, a baseline, their ratio.

Usage::

    python benchmarks/run.py [--quick] [--strict] [-k NAME_SUBSTRING] [--json PATH]
                             [--results PATH]

Every ``bench_*.py`` module next to this file exposes ``BENCHMARKS``, a list of
:class:`benchmarks.harness.Benchmark`. For each benchmark the runner builds both sides,
warms each up until two consecutive warm-up rounds agree within 10 % (bounded), then times
``repeats`` repetitions of ``ops`` operations per side, alternating the sides (ours first,
then the baseline first, ...) so that drift in the machine hits both alike. A figure is the
median of the repetitions, in operations per second. The ratio is the median of the paired
ratios (repetition *i* of ours over repetition *i* of the baseline): 1.00 means as fast as
the hand-written baseline, 0.50 half as fast. The spread is the interquartile range of the
paired ratios over their median.

The ``target`` column shows the lowest ratio asked for, with PASS or FAIL, or NOISY when the
spread is above :data:`NOISE` (too busy a machine to judge). It is informational: the exit
status is 0 whatever the figures, unless ``--strict`` is given, in which case a FAIL exits
1. A benchmark that raises while running is an error: its row says so and the exit status
is 2. Skipped benchmarks (no PostgreSQL, say) never fail. ``--results PATH`` writes the
table with the machine, the versions and the command as Markdown (``RESULTS.md``).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import json
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))  # so that ``benchmarks`` imports as a package
if importlib.util.find_spec("telcocore") is None:
    # Run from a checkout without installing: use the source tree next to benchmarks/.
    sys.path.insert(0, str(HERE.parent / "src"))

from benchmarks.harness import Benchmark, Case, Operation, Skip  # noqa: E402 - needs the path above
from benchmarks.results import Machine, render_results  # noqa: E402 - needs the path above

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Figure", "Result", "discover", "main", "measure", "render_table"]

WARMUP_FRACTION = 10
"""A warm-up round is ``ops // WARMUP_FRACTION`` operations (at least one)."""
WARMUP_AGREEMENT = 0.10
"""Warm-up ends when two consecutive rounds' rates differ by at most this fraction..."""
WARMUP_ROUNDS = 12
"""... or after this many rounds."""
NOISE = 0.15
"""A row whose ratio spread exceeds this says NOISY rather than PASS or FAIL."""


@dataclass(frozen=True)
class Figure:
    """The throughput of one side: every repetition's rate and their median."""

    samples: tuple[float, ...]
    """Operations per second of each timed repetition, in the order they ran."""

    @property
    def median(self) -> float:
        """The reported figure."""
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """``(max - min) / median``: how much the repetitions disagree (0.05 is 5 %)."""
        return (max(self.samples) - min(self.samples)) / self.median


@dataclass
class Result:
    """One row of the table."""

    benchmark: Benchmark
    ours: Figure | None = None
    baseline: Figure | None = None
    skipped: str = ""
    """Why ours (or the whole benchmark, when ``baseline`` is ``None``) did not run."""
    error: str = ""
    """The exception that stopped the benchmark, if one did."""
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """Ours divided by the baseline, when both ran: the median of the paired ratios.

        Repetition *i* of ours ran next to repetition *i* of the baseline, so each pair saw
        the same machine; the median of their ratios shrugs off a slow stretch (a disk
        whose ``fsync`` slows down for a while) that would tilt a ratio of medians.
        """
        ratios = self.ratios
        return statistics.median(ratios) if ratios else None

    @property
    def ratios(self) -> list[float]:
        """Each repetition of ours divided by the baseline repetition next to it."""
        if self.ours is None or self.baseline is None:
            return []
        pairs = zip(self.ours.samples, self.baseline.samples, strict=True)
        return [ours / baseline for ours, baseline in pairs]

    @property
    def spread(self) -> float | None:
        """The interquartile range of the paired ratios over their median (0.05 is 5 %).

        With fewer than four pairs, ``(max - min) / median`` of the ratios instead.
        """
        ratios = self.ratios
        if not ratios:
            return None
        middle = statistics.median(ratios)
        if len(ratios) < 4:
            return (max(ratios) - min(ratios)) / middle
        first, _, third = statistics.quantiles(ratios, n=4, method="inclusive")
        return (third - first) / middle

    @property
    def noisy(self) -> bool:
        """The paired ratios disagree by more than :data:`NOISE`: too noisy to judge."""
        spread = self.spread
        return spread is not None and spread > NOISE

    @property
    def verdict(self) -> str:
        """``PASS``, ``FAIL`` or ``NOISY`` (too much spread to judge).

        Empty when there is no ratio; without a target, ``NOISY`` or empty.
        """
        target, ratio = self.benchmark.target, self.ratio
        if ratio is None:
            return ""
        if self.noisy:
            return "NOISY"
        if target is None:
            return ""
        return "PASS" if ratio >= target else "FAIL"

    def as_json(self) -> dict[str, object]:
        """The row with every sample, for ``--json``."""

        def figure(value: Figure | None) -> dict[str, object] | None:
            if value is None:
                return None
            return {"median": value.median, "spread": value.spread, "samples": list(value.samples)}

        bench = self.benchmark
        return {
            "name": bench.name,
            "measures": bench.measures,
            "baseline_does": bench.baseline,
            "unit": bench.unit,
            "ours": figure(self.ours),
            "baseline": figure(self.baseline),
            "ratio": self.ratio,
            "ratio_spread": self.spread,
            "target": bench.target,
            "verdict": self.verdict or None,
            "skipped": self.skipped or None,
            "error": self.error or None,
            "notes": self.notes,
        }


def discover(directory: Path = HERE) -> list[Benchmark]:
    """Every benchmark of every ``bench_*.py`` module in ``directory`` (this package).

    Modules are taken in file-name order, benchmarks in the order each module lists them.
    """
    found: list[Benchmark] = []
    for path in sorted(directory.glob("bench_*.py")):
        module = importlib.import_module(f"{__package__ or HERE.name}.{path.stem}")
        benchmarks = getattr(module, "BENCHMARKS", None)
        if not isinstance(benchmarks, list):
            msg = f"{path.name} must define BENCHMARKS, a list of benchmarks.harness.Benchmark"
            raise TypeError(msg)
        found.extend(b for b in benchmarks if isinstance(b, Benchmark))
    names = [b.name for b in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        msg = f"benchmark names must be unique; repeated: {', '.join(duplicates)}"
        raise ValueError(msg)
    return found


def _time(operation: Operation, ops: int) -> float:
    gc.collect()
    start = time.perf_counter()
    operation(ops)
    elapsed = time.perf_counter() - start
    return ops / elapsed if elapsed > 0 else float("inf")


def warm_up(operation: Operation, ops: int) -> int:
    """Run ``operation`` until two consecutive rounds agree within :data:`WARMUP_AGREEMENT`.

    A round is ``ops // WARMUP_FRACTION`` operations (at least one); at most
    :data:`WARMUP_ROUNDS` rounds. Returns the number of rounds run. Caches, prepared
    statements and a database server's first slow stretch are behind us afterwards.
    """
    size = max(ops // WARMUP_FRACTION, 1)
    previous = _time(operation, size)
    for rounds in range(2, WARMUP_ROUNDS + 1):
        current = _time(operation, size)
        if abs(current - previous) <= WARMUP_AGREEMENT * max(current, previous):
            return rounds
        previous = current
    return WARMUP_ROUNDS


def measure(case: Case, ops: int, repeats: int) -> tuple[Figure | None, Figure]:
    """Warm up both sides, then time ``repeats`` alternating repetitions of each."""
    ours = case.ours if not isinstance(case.ours, str) else None
    if ours is not None:
        warm_up(ours, ops)
    warm_up(case.baseline, ops)
    ours_samples: list[float] = []
    baseline_samples: list[float] = []
    for repetition in range(repeats):
        ours_first = repetition % 2 == 0
        if ours is not None and ours_first:
            ours_samples.append(_time(ours, ops))
        baseline_samples.append(_time(case.baseline, ops))
        if ours is not None and not ours_first:
            ours_samples.append(_time(ours, ops))
    return (
        Figure(tuple(ours_samples)) if ours is not None else None,
        Figure(tuple(baseline_samples)),
    )


def run_one(benchmark: Benchmark, *, quick: bool) -> Result:
    """Set up, measure and clean up one benchmark; skips and errors become the result."""
    result = Result(benchmark)
    ops = benchmark.quick_ops if quick else benchmark.ops
    repeats = benchmark.quick_repeats if quick else benchmark.repeats
    try:
        with benchmark.setup() as case:
            if isinstance(case.ours, str):
                result.skipped = case.ours
            if case.note:
                result.notes.append(case.note)
            result.ours, result.baseline = measure(case, ops, repeats)
            if case.report is not None:
                result.notes.append(case.report())
    except Skip as skip:
        result.skipped = str(skip)
    except Exception as error:  # noqa: BLE001 - reported in the table, and in the exit status
        result.error = f"{type(error).__name__}: {error}"
        result.ours = result.baseline = None
    return result


def _rate(figure: Figure | None) -> str:
    return "" if figure is None else f"{figure.median:,.0f}"


def render_table(results: Sequence[Result]) -> str:
    """The results as one Markdown table (pipe-separated, so it pastes into an issue)."""
    header = (
        "benchmark",
        "ours (ops/s)",
        "baseline (ops/s)",
        "ratio",
        "spread",
        "target",
        "result",
    )
    rows: list[tuple[str, ...]] = []
    for result in results:
        if result.error:
            ours = f"error: {result.error}"
        elif result.skipped:
            ours = f"skipped: {result.skipped}"
        else:
            ours = _rate(result.ours)
        ratio = "" if result.ratio is None else f"{result.ratio:.2f}"
        spread = "" if result.spread is None else f"{result.spread:.0%}"
        target = "" if result.benchmark.target is None else f">= {result.benchmark.target:.2f}"
        rows.append(
            (
                result.benchmark.name,
                ours,
                _rate(result.baseline),
                ratio,
                spread,
                target,
                result.verdict,
            )
        )
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    numeric = {1, 2, 3, 4}  # right-aligned, except a reason written in place of a figure

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if i in numeric and not cell[:1].isalpha() else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (width + 1) + ":" if i in numeric else "-" * (width + 2)
            for i, width in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="Run telcocore's benchmarks, each against a baseline measured in the same run.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small counts: the whole suite in under a minute"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a benchmark misses its target"
    )
    parser.add_argument(
        "-k",
        dest="patterns",
        action="append",
        default=[],
        metavar="NAME_SUBSTRING",
        help="run only benchmarks whose name contains this (repeatable: any of them)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument(
        "--results",
        type=Path,
        metavar="PATH",
        help="also write a Markdown report (the machine, versions, the command) here",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks, print the table, and return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parse(arguments)
    benchmarks = [
        b for b in discover() if not args.patterns or any(p in b.name for p in args.patterns)
    ]
    if not benchmarks:
        print(f"no benchmark matches {args.patterns}", file=sys.stderr)
        return 2
    mode = "quick" if args.quick else "default"
    print(
        f"telcocore benchmarks ({mode} counts) - Python {platform.python_version()} "
        f"on {platform.machine()}, {platform.system()}",
        flush=True,
    )
    machine = Machine.here() if args.results is not None else None
    results: list[Result] = []
    for benchmark in benchmarks:
        print(f"  running {benchmark.name} ...", file=sys.stderr, flush=True)
        results.append(run_one(benchmark, quick=args.quick))
    table = render_table(results)
    print(table)
    for result in results:
        for note in result.notes:
            print(f"{result.benchmark.name}: {note}")
    if args.results is not None and machine is not None:
        text = render_results(
            machine=machine,
            results=results,
            table=table,
            argv=arguments,
            noise=NOISE,
            spread_of=lambda result: result.spread,
        )
        args.results.write_text(text, encoding="utf-8")
    if args.json is not None:
        document = {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(),
            "system": platform.system(),
            "quick": args.quick,
            "results": [r.as_json() for r in results],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if any(r.error for r in results):
        return 2
    if args.strict and any(r.verdict == "FAIL" for r in results):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
