"""telcocore's development sessions: `nox` runs the default ones, `nox -s NAME` one of them.

Each session builds its own virtual environment under .nox/ with the standard library's venv and
a supported Python found on PATH (`python3.11`, `python3.12` or `python3.13`; nothing is
downloaded), and installs from pyproject.toml what it needs (the package, its extras and the
dependency group named after the session). The tests run on every supported Python present
(`nox -s tests-3.12` picks one); the other sessions on the oldest present. Arguments after
`--` go to the session's tool: `nox -s tests -- -k ledger -x`. The PostgreSQL tests read
TELCOCORE_TEST_PG_DSN from the environment (e.g. postgresql://postgres@127.0.0.1:5432/test);
nox passes it through.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
SUPPORTED = ("3.11", "3.12", "3.13")
"""The Python versions the package supports, as its classifiers list them."""


def installed(versions: Sequence[str]) -> list[str]:
    """The ``versions`` whose interpreter, ``pythonX.Y`` on PATH, starts.

    Started rather than merely found: a pyenv shim stands on PATH for every version pyenv
    holds, and fails for those not selected.
    """
    present = []
    for version in versions:
        executable = shutil.which(f"python{version}")
        if executable is None:
            continue
        try:
            started = subprocess.run(  # noqa: S603 - an interpreter found on PATH, no shell
                [executable, "-c", "pass"], capture_output=True, timeout=60, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if started.returncode == 0:
            present.append(version)
    return present


PYTHONS = installed(SUPPORTED) or list(SUPPORTED[:1])
"""The supported Pythons present; with none, the oldest, which nox then reports missing."""
PYTHON = PYTHONS[0]

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
# Only an installed interpreter will do: nothing is downloaded.
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = True


def group(name: str) -> tuple[str, ...]:
    """The requirements of one dependency group of pyproject.toml."""
    return nox.project.dependency_groups(PYPROJECT, name)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite, with branch coverage, and the doctests of docs/ and the docstrings."""
    session.install("-e", ".[postgres,cli]", *group("tests"))
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "combine", "--quiet")
    session.run("coverage", "report")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Check style and formatting (ruff) and the layering of the package (import-linter)."""
    session.install(*group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # import-linter reads the source tree; it does not need the package installed.
    session.run("lint-imports", "--no-cache", env={"PYTHONPATH": str(ROOT / "src")})


@nox.session(python=PYTHON)
def typing(session: nox.Session) -> None:
    """Type-check the package, tests, typing_tests/, this file and docs/conf.py (mypy --strict)."""
    session.install("-e", ".[postgres,cli]", *group("typing"))
    session.run("mypy", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the HTML documentation into docs/_build/html; any warning fails the build.

    docs/conf.py turns on nitpicky mode: every reference to a telcocore object must resolve.
    """
    session.install("-e", ".[postgres,cli]", *group("docs"))
    session.run(
        "sphinx-build",
        "--fail-on-warning",
        "--keep-going",
        "--fresh-env",
        "--builder",
        "html",
        "docs",
        "docs/_build/html",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def examples(session: nox.Session) -> None:
    """Run every examples/*.py as a script, each in a fresh temporary working directory."""
    scripts = sorted((ROOT / "examples").glob("*.py"))
    if not scripts:
        session.error("no examples/*.py to run")
    session.install(".[postgres,cli]")
    for script in scripts:
        with tempfile.TemporaryDirectory(prefix=f"{script.stem}-") as workdir:
            session.log(f"example {script.name} (in {workdir})")
            with session.chdir(workdir):
                session.run("python", str(script))


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Run the benchmarks: `nox -s bench -- ARGS` passes ARGS to benchmarks/run.py.

    `nox -s bench -- --results benchmarks/RESULTS.md` regenerates the committed results.
    """
    session.install(".[postgres,cli]", *group("bench"))
    session.run("python", "benchmarks/run.py", *session.posargs)
