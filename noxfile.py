"""telcocore's development sessions: `nox` runs the default ones, `nox -s NAME` one of them.

Each session builds its own virtual environment under .nox/ with the standard library's venv and
a supported Python found on PATH (`python3.11`, `python3.12` or `python3.13`; nothing is
downloaded), and installs from pyproject.toml what it needs (the package, its extras and the
dependency group named after the session). The tests run on every supported Python present
(`nox -s tests-3.12` picks one); the other sessions on the oldest present. Arguments after
`--` go to the session's tool: `nox -s tests -- -k ledger -x`. The PostgreSQL tests read
TELCOCORE_TEST_PG_DSN from the environment (e.g. postgresql://postgres@127.0.0.1:5432/test);
nox passes it through. Two sessions run only when named: `nox -s bench` (the benchmarks) and
`nox -s build` (the sdist and the wheel, checked, then installed and run in a fresh venv; it
downloads the build backend and the wheel's dependencies from the package index).
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Sequence
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
with (ROOT / "pyproject.toml").open("rb") as pyproject:
    VERSION: str = tomllib.load(pyproject)["project"]["version"]
    """The version pyproject.toml gives the package, which ``telcocore --version`` reports."""
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


WHEEL_MUST_HOLD = (
    "telcocore/py.typed",
    "telcocore/billing/invoices/model/invoice.schema.json",
    "telcocore/cli/__init__.py",
    "telcocore/__main__.py",
)
"""Files a wheel without which telcocore does not work, named here in case src/ lost them too."""

PACKAGE_SUFFIXES = frozenset({".py", ".sql", ".json", ".typed"})
"""The kinds of file in src/telcocore that belong in the wheel (bytecode and databases don't)."""


def package_files() -> set[str]:
    """Every file of src/telcocore that belongs in the wheel, named as the wheel names it."""
    src = ROOT / "src"
    return {
        path.relative_to(src).as_posix()
        for path in (src / "telcocore").rglob("*")
        if path.is_file() and path.suffix in PACKAGE_SUFFIXES and "__pycache__" not in path.parts
    }


def wheel_problems(wheel: Path) -> list[str]:
    """What ``wheel`` lacks, or holds that it must not; an empty list when it is complete.

    It must hold every module, every domain's migrations/*.sql, py.typed and the invoices'
    JSON Schema; declare the ``telcocore`` console script and the ``cli`` extra; carry this
    version; and hold nothing but the package and its metadata (no tests).
    """
    info = f"telcocore-{VERSION}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

        def text(name: str) -> str:
            return archive.read(name).decode() if name in names else ""

        entry_points = text(f"{info}/entry_points.txt")
        metadata = text(f"{info}/METADATA").splitlines()
    expected = package_files() | set(WHEEL_MUST_HOLD)
    problems = [f"missing {name}" for name in sorted(expected - names)]
    if not any(name.endswith(".sql") and "/migrations/" in name for name in expected):
        problems.append("no migrations/*.sql found under src/telcocore")
    problems += [
        f"holds {name}, which is neither the package nor its metadata"
        for name in sorted(names)
        if not name.startswith(("telcocore/", f"{info}/"))
    ]
    problems += [
        f"holds the test file {name}"
        for name in sorted(names)
        if "/tests/" in f"/{name}" or name.rsplit("/", 1)[-1].startswith(("test_", "conftest"))
    ]
    scripts = configparser.ConfigParser()
    scripts.read_string(entry_points)
    if scripts.get("console_scripts", "telcocore", fallback=None) != "telcocore.cli:main":
        problems.append("no console script telcocore = telcocore.cli:main in entry_points.txt")
    if f"Version: {VERSION}" not in metadata:
        problems.append(f"its METADATA does not say Version: {VERSION}")
    if "Provides-Extra: cli" not in metadata:
        problems.append("its METADATA does not provide the cli extra")
    return problems


@nox.session(python=PYTHON, default=False)
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/, check the wheel, and try it in a fresh venv.

    `python -m build` (the `build` dependency group) makes the sdist, then the wheel from
    the sdist, so a file the sdist forgot fails the build. The wheel must hold every module,
    every domain's migrations/*.sql, py.typed, the invoices' JSON Schema, the `telcocore`
    console script and the `cli` extra, and nothing else: no tests (see `wheel_problems`).
    Then a virtual environment made with the standard library's venv, outside the checkout,
    gets the wheel with the `cli` extra from dist/ (its dependencies from the package index),
    and runs `telcocore demo` in an empty temporary folder, and `python -m telcocore
    --version`, which must report this version. Not a default session: it downloads the
    build backend and the dependencies. Run it before tagging a release.
    """
    session.install(*group("build"))
    dist = ROOT / "dist"
    for old in dist.glob(f"telcocore-{VERSION}[.-]*"):
        old.unlink()
    session.run("python", "-m", "build", "--outdir", str(dist), str(ROOT))
    wheel = dist / f"telcocore-{VERSION}-py3-none-any.whl"
    sdist = dist / f"telcocore-{VERSION}.tar.gz"
    for built in (sdist, wheel):
        if not built.is_file():
            session.error(f"{built.name} was not built")
    problems = wheel_problems(wheel)
    if problems:
        session.error(f"{wheel.name}: " + "; ".join(problems))
    session.log(f"{wheel.name} holds what it must: {len(package_files())} package files")

    with tempfile.TemporaryDirectory(prefix="telcocore-wheel-") as scratch:
        env = Path(scratch) / "venv"
        session.run("python", "-m", "venv", str(env))
        bin_dir = env / ("Scripts" if sys.platform == "win32" else "bin")
        python = str(bin_dir / "python")
        # PYTHONPATH emptied: the checkout's src/ must not stand in for the installed wheel.
        isolated = {"PYTHONPATH": ""}
        session.run(
            python, "-m", "pip", "install", "--quiet", f"{wheel}[cli]", external=True, env=isolated
        )
        work = Path(scratch) / "work"
        work.mkdir()
        with session.chdir(work):
            found = session.run(
                python,
                "-c",
                "import telcocore; print(telcocore.__file__)",
                external=True,
                env=isolated,
                silent=True,
            )
            if not str(found).strip().startswith(str(env)):
                session.error(f"telcocore was imported from {found!s}, not from the new venv")
            session.run(str(bin_dir / "telcocore"), "demo", external=True, env=isolated)
            version = session.run(
                python, "-m", "telcocore", "--version", external=True, env=isolated, silent=True
            )
        if str(version).strip() != f"telcocore, version {VERSION}":
            session.error(f"python -m telcocore --version said {version!r}, not {VERSION}")
        session.log(f"python -m telcocore --version: {str(version).strip()}")
