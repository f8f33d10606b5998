"""Every fenced block of docs/**/*.md and README.md is run by the tests, or said to be text.

A block is classified by its language, from a fixed list, so a new block cannot escape:

- ``python`` with ``>>>``: a doctest, run by pytest's ``--doctest-glob=*.md`` (checked here:
  the page is collected, and the block is a doctest from its first line);
- ``python`` without ``>>>``: run here, each page's blocks in order in one namespace, as a
  script in a temporary folder (with :data:`SETUP`: what the page's prose gives them;
  paths under ``/var/``, ``/srv/`` and ``/backup/`` moved into the folder; the PostgreSQL
  URL a schema of the tests' server), or an excerpt of a file the suite runs
  (:data:`EXCERPTS`);
- ``sh``, ``bash``, ``console``: each line that runs ``telcocore`` (also under ``flock``)
  is run here, each page's in order, in a temporary folder on a temporary database
  (``--db``, ``TELCOCORE_DB`` and ``export TELCOCORE_DB=...`` point there, and paths under
  ``/var/`` and ``/srv/`` into the folder, where the files of :data:`FILES` are made);
  every other line is in :data:`NOT_RUN`, with the reason. A command this build lacks
  skips the page, saying which;
- the languages of :data:`TEXT`: configuration and output, shown, not run;
- MyST directives (:data:`DIRECTIVES`): built by Sphinx, whose build fails on any warning;
  the files ``{literalinclude}`` shows are in :data:`INCLUDED`, with the test that runs them.
"""

from __future__ import annotations

import doctest
import re
import shlex
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pytest

from telcocore.cli import main

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(
    path.relative_to(ROOT).as_posix()
    for path in [*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"]
    if "_build" not in path.parts
)

DIRECTIVES = frozenset(
    {"{toctree}", "{eval-rst}", "{literalinclude}", "{include}", "{important}", "{note}"}
)
"""MyST directives: Sphinx builds them, and the docs build fails on any warning.

``{include}`` brings in another Markdown file (benchmarks/README.md, RESULTS.md) as text."""

INCLUDED = {
    "src/telcocore/billing/invoices/model/invoice.schema.json": "tests/contract/test_invoices.py",
    "examples/cron/telcocore-import-cdrs": "tests/integration/test_cron_script.py",
    "examples/dialplan/agi_authorize.py": "tests/integration/test_dialplan_scripts.py",
    "examples/dialplan/fs_authorize.py": "tests/integration/test_dialplan_scripts.py",
    "examples/dialplan/freeswitch_authorize.lua": "tests/integration/test_dialplan_scripts.py",
}
"""The files a ``{literalinclude}`` shows, and the test module that runs or reads each."""

TEXT = {
    "text": "output, diagrams, formulas, file listings, crontab lines",
    "sql": "statements shown to explain what the storage does; its own SQL runs in the suite",
    "ini": "configuration files: Asterisk's extensions.conf and cdr.conf, logrotate",
    "xml": "FreeSWITCH's dialplan",
    "systemd": "systemd units",
    "json": "documents shown",
}
"""Languages of configuration and output: shown to the reader, never run."""

SHELL = frozenset({"sh", "bash", "console"})
"""Languages of shell commands; ``console`` marks commands with ``$ `` and shows output."""

EXCERPTS = {
    ("docs/architecture.md", "with self._ctx.uow() as uow:"): "src/telcocore/accounts/services.py",
    (
        "docs/calls.md",
        "def start(agi: Agi, env: Mapping[str, str], core: telcocore.TelcoCore) -> None:",
    ): "examples/dialplan/agi_authorize.py",
}
"""``python`` blocks that are excerpts of a file the suite runs, by page and first line.

Each line of the block but ``...`` stands in the file, in the same order."""

SETUP = {
    "docs/contacts.md": (
        (
            "import telcocore\n"
            "from telcocore.testing import CapturingNotifier\n"
            "notifier = CapturingNotifier()\n"
        ),
        "core.close()\n",
    ),
    "docs/media.md": ("import telcocore\n", "core.close()\n"),
    "docs/plans.md": (
        (
            "import telcocore\n"
            "from telcocore import Period\n"
            'core = telcocore.connect("sqlite:///plans.db")\n'
            'core.accounts.open("Acme", "USD", account_id="acme")\n'
            'core.ledger.credit("acme", "500", idempotency_key="top-up")\n'
        ),
        "core.close()\n",
    ),
}
"""What a page's prose gives its ``python`` blocks (run before them), and the cleanup after."""

SHELL_SETUP = {
    "docs/cli.md": (
        "import os\n"
        "import telcocore\n"
        "from decimal import Decimal\n"
        "from telcocore import Rate, RateDeck\n"
        'os.makedirs("invoices")\n'
        "with telcocore.connect(URL) as core:\n"
        '    core.accounts.open("Acme", "USD", account_id="acme", home_country="US")\n'
        '    core.accounts.open("Bolt", "USD", account_id="bolt", home_country="US")\n'
        '    core.numbering.register_extension("acme", "1001")\n'
        '    rate = Rate("44", "UK", Decimal("0.06"), effective_from=SINCE)\n'
        '    core.rating.save_deck(RateDeck("retail", "USD", [rate]))\n'
        '    core.rating.assign("acme", "retail")\n'
    ),
    "docs/howto/notifications.md": "import telcocore\ntelcocore.connect(URL).close()\n",
    "docs/howto/cron-import.md": (
        "import telcocore\n"
        "from decimal import Decimal\n"
        "from telcocore import Rate, RateDeck\n"
        "with telcocore.connect(URL) as core:\n"
        '    core.accounts.open("Acme", "USD", account_id="acme")\n'
        '    rate = Rate("44", "UK", Decimal("0.06"), effective_from=SINCE)\n'
        '    core.rating.save_deck(RateDeck("retail", "USD", [rate]))\n'
        '    core.rating.assign("acme", "retail")\n'
    ),
    "docs/howto/backup.md": (
        "import telcocore\n"
        "with telcocore.connect(URL) as core:\n"  # the backup the page checks
        '    core.accounts.open("Acme", "USD", account_id="acme")\n'
    ),
}
"""What a page's prose says exists before its commands run, made in the test's database.

The guide to notifications delivers from an existing storage (empty: nothing is sent).
The command reference's examples bill ``acme`` (extension 1001, the deck ``retail``) and
``bolt``, and write invoices into a folder ``invoices``.

The guide to the nightly import assumes an account and its rate deck: the account of the
call in :data:`FILES`, so that the import imports it. The guide to backups checks a backup
of a storage that holds something."""

POSTGRES = "postgresql://app@db/telco"
"""The PostgreSQL URL of the docs' examples: the tests' own schema when they have a server."""

NOT_RUN = {
    # README.md: installing, and the whole test suite.
    (
        "python3 -m venv .venv && .venv/bin/pip install -e . "
        "&& .venv/bin/python examples/quickstart.py"
    ): "installs into a new virtual environment; tests/unit/test_quickstart.py runs the script",
    "python3 -m venv .venv && .venv/bin/pip install nox && .venv/bin/nox -s tests": (
        "the whole CI: every test session"
    ),
    "pip install .": "installs the package",
    'pip install ".[postgres]"': "installs the package",
    'pip install -e ".[postgres]"': "installs the package",
    "pip wheel . --no-deps -w dist": "builds a wheel (tests/unit/test_packaging.py checks it)",
    'pip install "dist/telcocore-0.2.0-py3-none-any.whl[cli]"': "installs the package",
    'pip install "dist/telcocore-0.2.0-py3-none-any.whl[postgres,cli]"': "installs the package",
    'pip install ".[cli]"': "installs the package",
    'pip install -e ".[postgres,cli]"': "installs the package",
    ("python3 -m venv .venv && .venv/bin/pip install -e '.[cli]' && .venv/bin/telcocore demo"): (
        "installs into a new virtual environment; nox -s build runs the demo from the built "
        "wheel in a fresh one, tests/cli/test_demo.py runs it on every storage"
    ),
    "nox -s build": "builds and installs the wheel: CI runs it (tests/unit/test_packaging.py)",
    # docs/getting-started.md: installing into a new virtual environment.
    "python3 -m venv .venv": "makes a virtual environment",
    ".venv/bin/pip install -e '.[cli]'": "installs the package",
    # docs/benchmarks.md: the benchmark suite takes minutes and a quiet machine.
    "nox -s bench": "runs the benchmarks (minutes); tests/test_benchmarks_smoke.py runs each",
    "nox -s bench -- --quick": "runs the benchmarks; tests/test_benchmarks_smoke.py runs each",
    "nox -s bench -- -k sqlite": "runs the benchmarks; tests/test_benchmarks_smoke.py runs each",
    "nox -s bench -- --json results.json": "runs the benchmarks",
    "nox -s bench -- --strict": "runs the benchmarks",
    "nox -s bench -- --results benchmarks/RESULTS.md": "regenerates the committed results",
    (
        "export TELCOCORE_BENCH_PG_DSN=postgresql://postgres@127.0.0.1:5432/test"
    ): "names the benchmarks' PostgreSQL server",
    "TELCOCORE_TEST_PG_DSN=postgresql://postgres@127.0.0.1:5432/test .venv/bin/nox -s tests": (
        "the whole CI: every test session"
    ),
    # docs/storage.md: running the suite on PostgreSQL.
    "pg_isready -h 127.0.0.1": "asks a local PostgreSQL server, which the tests may not have",
    "export TELCOCORE_TEST_PG_DSN=postgresql://postgres@127.0.0.1:5432/test": (
        "names the tests' PostgreSQL server"
    ),
    "python -m pytest tests/contract tests/integration": "the test suite itself",
    "python -m pytest -m postgres": "the test suite itself",
    'python -m pytest -m "not slow"': "the test suite itself",
    # docs/cli.md
    "pip install 'telcocore[cli]'": "installs the package",
    "telcocore outbox deliver --loop --interval 5": (
        "runs until stopped; tests/cli/test_admin.py runs it as a process stopped by SIGTERM"
    ),
    # docs/howto/notifications.md: the service manager.
    "systemctl daemon-reload": "asks systemd, which the tests do not run under",
    "systemctl enable --now telcocore-outbox": "starts a systemd service",
    "journalctl -u telcocore-outbox -f": "follows systemd's journal",
    # docs/howto/backup.md: database tools (the page's steps were run by hand against
    # SQLite and PostgreSQL; telcocore's own checks of a restored copy run below).
    "sqlite3 /var/lib/telco/telcocore.db \".backup '/backup/telcocore-2026-03-14.db'\"": (
        "the sqlite3 shell, which the machine may lack"
    ),
    "rsync -a /var/lib/telco/telcocore.db.media/ /backup/telcocore-2026-03-14.db.media/": (
        "copies a folder with rsync"
    ),
    (
        "pg_dump --dbname='postgresql://telco@db1/telco' --schema=telco "
        "--format=custom --file=/backup/telco-2026-03-14.dump"
    ): "PostgreSQL's client tools, against the docs' server",
    "createdb --host=db1 --username=postgres telco_restored": "PostgreSQL's client tools",
    (
        "pg_restore --dbname='postgresql://postgres@db1/telco_restored' --no-owner "
        "--role=telco /backup/telco-2026-03-14.dump"
    ): "PostgreSQL's client tools, against the docs' server",
    # docs/howto/dialplan-authorize.md: installing the scripts into the switch's folders.
    (
        "install -m 0755 examples/dialplan/agi_authorize.py "
        "/var/lib/asterisk/agi-bin/agi_authorize.py"
    ): "installs into Asterisk; tests/integration/test_dialplan_scripts.py runs the script",
    (
        "sed -i '1s|.*|#!/opt/telcocore/bin/python|' /var/lib/asterisk/agi-bin/agi_authorize.py"
    ): "edits the installed copy's first line",
    "install -m 0755 examples/dialplan/fs_authorize.py /opt/telcocore/fs_authorize.py": (
        "installs for FreeSWITCH; tests/integration/test_dialplan_scripts.py runs the script"
    ),
    (
        "install -m 0644 examples/dialplan/freeswitch_authorize.lua "
        "/usr/share/freeswitch/scripts/freeswitch_authorize.lua"
    ): "installs into FreeSWITCH; tests/integration/test_dialplan_scripts.py runs it in Lua",
}
"""Shell lines that are not run, with the reason: each must be here, word for word."""

FILES = {
    "/var/log/asterisk/cdr-csv/Master.csv": (
        '"acme","1001","+442071234567","from-internal","""Ann"" <1001>","PJSIP/1001-00000001",'
        '"PJSIP/trunk-00000002","Dial","PJSIP/02071234567@trunk,60","2026-03-14 15:00:00",'
        '"2026-03-14 15:00:05","2026-03-14 15:01:05",65,60,"ANSWERED","DOCUMENTATION",'
        '"1773500400.1",""\n'
    ),
    "fs.csv": (
        '"Bob","1001","+442071234567","default","2026-03-14 15:00:00","2026-03-14 15:00:05",'
        '"2026-03-14 15:01:05","65","60","NORMAL_CLEARING",'
        '"a1b2c3d4-0000-4000-8000-000000000001","","","PCMU","PCMU"\n'
    ),
    "export.csv": "To,Started,Seconds,Billed\n+442071234567,2026-03-14 15:00:00,65,60\n",
    "retail.csv": (
        "prefix,description,rate,connect_fee,initial_increment,subsequent_increment\n"
        "44,United Kingdom,0.06,0.10,60,6\n"
    ),
}
"""Files the docs' commands read, made in the test's folder under the same name."""


class Block(NamedTuple):
    """One fenced block of a page."""

    page: str
    line: int
    language: str
    argument: str
    text: str

    @property
    def first(self) -> str:
        """The block's first line that is not blank, stripped."""
        return next((line.strip() for line in self.text.splitlines() if line.strip()), "")


FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


def blocks(page: str) -> list[Block]:
    """The fenced blocks of ``page``, dedented, with the line each opens on."""
    lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
    found = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        body = []
        while index < len(lines):
            line = lines[index]
            index += 1
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                break
            body.append(line[indent:] if not line[:indent].strip() else line.lstrip())
        language, _, argument = opening["info"].strip().partition(" ")
        text = "\n".join(body) + "\n"
        found.append(Block(page, index - len(body) - 1, language, argument.strip(), text))
    return found


ALL = [block for page in PAGES for block in blocks(page)]


def _id(block: Block) -> str:
    return f"{block.page}:{block.line}"


def is_doctest(block: Block) -> bool:
    """A ``python`` block of ``>>>`` examples."""
    return block.language == "python" and ">>>" in block.text


def test_the_pages_are_found() -> None:
    """The README, the concepts pages and the how-to guides: this test sees them all."""
    assert {"README.md", "docs/calls.md", "docs/howto/cron-import.md"} <= set(PAGES)
    assert len(ALL) > 100


@pytest.mark.parametrize("block", ALL, ids=_id)
def test_every_block_is_run_or_is_text(block: Block) -> None:
    """The block's language is one this test knows how to run, or text, or a directive."""
    if block.language in DIRECTIVES:
        assert not re.search(r"code-block|literalinclude|::\s*$", block.text, re.MULTILINE), (
            f"{_id(block)}: code inside a directive escapes this test; use a fenced block"
        )
        if block.language == "{literalinclude}":
            included = (ROOT / block.page).parent.joinpath(block.argument).resolve()
            source = included.relative_to(ROOT).as_posix()
            assert source in INCLUDED, f"{source} is shown but no test names it"
            assert (ROOT / INCLUDED[source]).is_file()
        return
    assert block.language in {"python"} | SHELL | set(TEXT), (
        f"{_id(block)}: language {block.language!r} is not classified; give the block a "
        f"language ({', '.join(sorted(TEXT))} are shown as text)"
    )


DOCTESTS = [block for block in ALL if is_doctest(block)]


@pytest.mark.parametrize("block", DOCTESTS, ids=_id)
def test_doctest_blocks_are_collected_from_their_first_line(block: Block) -> None:
    """Pytest collects the page as a doctest file, and the whole block is examples."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pytest_options = options["tool"]["pytest"]["ini_options"]
    assert "--doctest-glob=*.md" in pytest_options["addopts"]
    top = block.page.split("/")[0]
    assert top in pytest_options["testpaths"], f"{block.page} is not collected"
    assert block.first.startswith(">>>"), f"{_id(block)}: lines before the first >>> never run"
    assert doctest.DocTestParser().get_examples(block.text)


PYTHON_PAGES = sorted(
    {block.page for block in ALL if block.language == "python" and not is_doctest(block)}
)


@pytest.mark.parametrize("page", PYTHON_PAGES)
def test_python_blocks_run(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """A page's ``python`` blocks run in order in a temporary folder; excerpts are in their file."""
    monkeypatch.chdir(tmp_path)
    _make_files(tmp_path)
    before, after = SETUP.get(page, ("", ""))
    scripts = [before]
    for block in blocks(page):
        if block.language != "python" or is_doctest(block):
            continue
        if (page, block.first) in EXCERPTS:
            _check_excerpt(block, ROOT / EXCERPTS[page, block.first])
            continue
        scripts.append(_local(block.text, tmp_path, request))
    scripts.append(after)
    code = "\n".join(scripts)
    if code.strip():
        exec(compile(code, page, "exec"), {"__name__": "__main__"})  # noqa: S102 - the docs' own code


def _local(text: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """``text`` with the docs' server address and system folders turned into the test's.

    The PostgreSQL URL becomes a schema of the tests' server (skipped without one); a
    quoted path under ``/var/`` or ``/srv/`` (an SQLite URL's too) one in ``folder``.
    """
    if POSTGRES in text:
        text = text.replace(POSTGRES, str(request.getfixturevalue("pg_url")))
    return re.sub(
        r'"(sqlite:///)?(/(?:var|srv|backup)/[^"]*)"',
        lambda m: repr((m[1] or "") + str(_in(folder, m[2]))),
        text,
    )


SYSTEM_FOLDERS = ("/var/", "/srv/", "/backup/")
"""Where the docs' paths live; the tests move them into their temporary folder."""


def _in(folder: Path, path: str) -> Path:
    """``path``, a system path of the docs, inside ``folder`` (its parent made)."""
    moved = folder / path.lstrip("/")
    moved.parent.mkdir(parents=True, exist_ok=True)
    return moved


def _make_files(folder: Path) -> None:
    for name, content in FILES.items():
        _in(folder, name).write_text(content, encoding="utf-8")


def _check_excerpt(block: Block, source: Path) -> None:
    lines = [line.strip() for line in source.read_text(encoding="utf-8").splitlines()]
    at = 0
    for wanted in (line.strip() for line in block.text.splitlines()):
        if not wanted or wanted == "...":
            continue
        assert wanted in lines[at:], f"{_id(block)}: {wanted!r} is not in {source.name}"
        at += lines[at:].index(wanted) + 1


SHELL_PAGES = sorted({block.page for block in ALL if block.language in SHELL})
OPERATORS = frozenset({"&&", "||", "|", ";", ">", ">>", "<", "2>&1", "&"})


def shell_lines(block: Block) -> Iterator[str]:
    """The command lines of a shell block: continuations joined, ``$ `` prompts removed."""
    pending = ""
    for raw in block.text.splitlines():
        line = raw.rstrip()
        if block.language == "console":
            if pending:
                line = line.removeprefix("> ")
            elif line.startswith("$ "):
                line = line[2:]
            else:
                continue  # output
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield pending + line
        pending = ""


def telcocore_argv(tokens: list[str]) -> list[str] | None:
    """The arguments of the ``telcocore`` command a line runs, or ``None`` if it runs another.

    Leading ``NAME=value`` assignments, ``exec`` and ``flock [-n|-w SECONDS] LOCKFILE`` are
    looked through: they change how the command runs, not what it does.
    """
    rest = list(tokens)
    while rest and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", rest[0]):
        rest.pop(0)
    if rest[:1] == ["exec"]:
        rest.pop(0)
    if rest[:1] == ["flock"]:
        rest.pop(0)
        while rest and rest[0].startswith("-"):
            option = rest.pop(0)
            if option in {"-w", "--timeout", "-E", "--conflict-exit-code"}:
                rest.pop(0)
        rest = rest[1:]  # the lock file
    if rest[-2:-1] == [">"]:  # "> FILE" at the end: into a file of the test's folder
        rest = rest[:-2]
    if OPERATORS & set(rest) or not rest:
        return None
    if Path(rest[0]).name == "telcocore":
        return rest[1:]
    if Path(rest[0]).name in {"python", "python3"} and rest[1:3] == ["-m", "telcocore"]:
        return rest[3:]
    return None


def _not_run(tokens: list[str]) -> bool:
    return any(tokens == shlex.split(line) for line in NOT_RUN)


@pytest.mark.parametrize("page", SHELL_PAGES)
def test_shell_lines_run(
    page: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each ``telcocore`` line runs and exits 0, in order, on the page's own database."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "telcocore.db"
    monkeypatch.setenv("TELCOCORE_DB", str(db))
    monkeypatch.setenv("COLUMNS", "200")
    _make_files(tmp_path)
    if page in SHELL_SETUP:
        since = datetime(2026, 1, 1, tzinfo=UTC)
        exec(SHELL_SETUP[page], {"URL": f"sqlite:///{db}", "SINCE": since})  # noqa: S102
    for block in blocks(page):
        if block.language not in SHELL:
            continue
        for line in shell_lines(block):
            tokens = shlex.split(line, comments=True)
            if not tokens or _not_run(tokens) or _names_the_storage(tokens):
                continue
            assigned = _assigns(tokens)
            if assigned is not None:  # the next commands' environment (TELCOCORE_SMTP, ...)
                for name, value in assigned.items():
                    monkeypatch.setenv(name, value)
                continue
            argv = telcocore_argv(tokens)
            assert argv is not None, (
                f"{_id(block)}: {line!r} neither runs telcocore nor is in NOT_RUN"
            )
            argv = [_local_arg(arg, tmp_path) for arg in argv]
            argv = [
                str(db) if before == "--db" and _system_storage(arg) else arg
                for before, arg in _pairs(argv)
            ]
            capsys.readouterr()
            code = main(argv)
            printed = capsys.readouterr()
            if code == 2 and "No such command" in printed.err:
                pytest.skip(f"{line!r}: the command is not in this build ({printed.err.strip()})")
            assert 0 == code, f"{_id(block)}: {line!r} exited {code}: {printed.err.strip()}"


def _names_the_storage(tokens: list[str]) -> bool:
    """``export TELCOCORE_DB=URL``: the test's own database stands in for the URL."""
    return tokens[0] == "export" and all(t.startswith("TELCOCORE_DB=") for t in tokens[1:])


def _assigns(tokens: list[str]) -> dict[str, str] | None:
    """The variables a line of assignments only (``NAME=value``, ``export NAME=value``) sets."""
    names = tokens[1:] if tokens[0] == "export" else tokens
    pairs = [re.fullmatch(r"([A-Z_][A-Z0-9_]*)=(.*)", token) for token in names]
    if not names or None in pairs:
        return None
    return {pair[1]: pair[2] for pair in pairs if pair is not None}


def _system_storage(value: str) -> bool:
    """A ``--db`` value outside the test's folder: a URL or an absolute path.

    A relative path (``telcocore-demo.db``, which the demo made) is already in the folder.
    """
    return "://" in value or value.startswith("/")


def _pairs(argv: list[str]) -> Iterator[tuple[str, str]]:
    return zip(["", *argv], argv, strict=False)


def _local_arg(arg: str, folder: Path) -> str:
    """A system path (the files of :data:`FILES`) in ``folder``; ``--db=URL`` the test's."""
    if arg.startswith(SYSTEM_FOLDERS):
        return str(_in(folder, arg))
    if arg.startswith("--db="):
        return f"--db={folder / 'telcocore.db'}"
    return arg


@pytest.mark.parametrize(
    ("line", "argv"),
    [
        ("telcocore db migrate --db x.db", ["db", "migrate", "--db", "x.db"]),
        ("python -m telcocore --help", ["--help"]),
        ("TZ=UTC /opt/telcocore/bin/telcocore --version", ["--version"]),
        ("flock -n /run/lock/x telcocore db migrate", ["db", "migrate"]),
        ("flock -w 600 /run/lock/x telcocore db migrate", ["db", "migrate"]),
        ("exec telcocore db migrate", ["db", "migrate"]),
        ("telcocore db migrate && rm -rf /", None),
        ("telcocore db migrate > out.txt", ["db", "migrate"]),
        ("telcocore db migrate > out.txt 2>&1", None),
        ("flock -n /run/lock/x sh script", None),
        ("pip install telcocore", None),
    ],
)
def test_the_telcocore_lines_are_told_apart(line: str, argv: list[str] | None) -> None:
    """Wrappers are looked through; a line that also does something else is not run."""
    assert argv == telcocore_argv(shlex.split(line, comments=True))
