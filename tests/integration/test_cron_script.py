"""The nightly import script of docs/howto/cron-import.md, run by ``sh`` under ``flock``.

The script's paths come from the environment here (``CDR``, ``LOGS``, ``TELCOCORE_DB``),
and ``telcocore`` on its ``PATH`` is this Python running ``python -m telcocore``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

import telcocore
from telcocore import Rate, RateDeck

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "cron" / "telcocore-import-cdrs"
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def row(uniqueid: str, day: str) -> str:
    """One answered minute from extension 1001 of ``acme`` to London (18 fields)."""
    return (
        f'"acme","1001","+442071234567","from-internal","","PJSIP/1001-01","","Dial","",'
        f'"{day} 15:00:00","{day} 15:00:05","{day} 15:01:05",65,60,"ANSWERED",'
        f'"DOCUMENTATION","{uniqueid}",""\n'
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A storage with ``acme`` (UK at 0.06 a minute), a ``telcocore`` on PATH, the folders."""
    with telcocore.connect(f"sqlite:///{tmp_path / 'telcocore.db'}") as core:
        core.accounts.open("Acme", "USD", account_id="acme")
        uk = Rate("44", "UK", Decimal("0.06"), initial_increment=60, effective_from=SINCE)
        core.rating.save_deck(RateDeck("retail", "USD", [uk]))
        core.rating.assign("acme", "retail")
    (tmp_path / "bin").mkdir()
    shim = tmp_path / "bin" / "telcocore"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m telcocore "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    (tmp_path / "cdr").mkdir()
    (tmp_path / "logs").mkdir()
    return tmp_path


def run(folder: Path, db: str | None = None) -> subprocess.CompletedProcess[str]:
    """The script under ``flock -n``, as the crontab line runs it."""
    flock = shutil.which("flock")
    if flock is None:
        pytest.skip("flock (util-linux) is not installed")
    env = {
        **os.environ,
        "PATH": f"{folder / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "TELCOCORE_DB": db or f"sqlite:///{folder / 'telcocore.db'}",
        "CDR": str(folder / "cdr"),
        "LOGS": str(folder / "logs"),
    }
    done = subprocess.run(  # noqa: S603 - flock, sh and a script of the repository
        [flock, "-n", str(folder / "import.lock"), "sh", str(SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode == 2 and "No such command" in done.stderr:
        pytest.skip(f"telcocore import is not in this build: {done.stderr.strip()}")
    return done


def balance(folder: Path) -> Decimal:
    """What ``acme`` owes, as a negative balance."""
    with telcocore.connect(f"sqlite:///{folder / 'telcocore.db'}") as core:
        return core.ledger.balance("acme").amount


class TestNightlyScript:
    """What cron sees: the exit status, what is mailed, what is charged."""

    def test_the_rotated_and_the_current_file_are_imported_once(self, folder: Path) -> None:
        """Two nights over the same files charge each call once; a good night prints nothing."""
        cdr = folder / "cdr"
        (cdr / "Master.csv.1").write_text(row("1773500400.1", "2026-03-14"), encoding="utf-8")
        (cdr / "Master.csv").write_text(
            row("1773500400.1", "2026-03-14") + row("1773586800.2", "2026-03-15"),
            encoding="utf-8",
        )
        for _night in range(2):
            done = run(folder)
            assert (0, "", "") == (done.returncode, done.stdout, done.stderr)
        assert Decimal("-0.12") == balance(folder)
        assert (folder / "logs" / "import.log").read_text(encoding="utf-8").strip()

    def test_the_rejected_rows_of_both_files_are_kept(self, folder: Path) -> None:
        """A bad row in the rotated file and one in the current: the logs hold both."""
        cdr = folder / "cdr"
        (cdr / "Master.csv.1").write_text(
            row("1773500400.1", "2026-03-14") + '"bad row of the rotated file"\n', encoding="utf-8"
        )
        (cdr / "Master.csv").write_text(
            row("1773586800.2", "2026-03-15") + '"bad row of the current file"\n', encoding="utf-8"
        )
        done = run(folder)
        assert (0, "") == (done.returncode, done.stderr)
        rejected = "".join(
            path.read_text(encoding="utf-8")
            for path in sorted((folder / "logs").glob("rejected-*"))
        )
        assert "bad row of the rotated file" in rejected
        assert "bad row of the current file" in rejected

    def test_no_file_yet_is_a_quiet_night(self, folder: Path) -> None:
        """A fresh switch has no Master.csv: nothing to do, nothing printed."""
        done = run(folder)
        assert (0, "", "") == (done.returncode, done.stdout, done.stderr)

    def test_a_failure_is_one_line_on_standard_error_and_status_1(self, folder: Path) -> None:
        """A storage that cannot be opened: cron mails one line; nothing is charged."""
        (folder / "cdr" / "Master.csv").write_text(row("1", "2026-03-14"), encoding="utf-8")
        done = run(folder, db="nosuch://x")
        assert 1 == done.returncode
        assert done.stderr.startswith("telcocore: error: ")
        assert 1 == done.stderr.count("\n")
        assert Decimal(0) == balance(folder)

    def test_a_run_holding_the_lock_makes_the_next_give_up_quietly(self, folder: Path) -> None:
        """``flock -n`` exits 1 without a word while the last run holds the lock."""
        flock = shutil.which("flock")
        if flock is None:
            pytest.skip("flock (util-linux) is not installed")
        lock = folder / "import.lock"
        with subprocess.Popen(  # noqa: S603 - flock holding the lock while cat waits
            [flock, str(lock), "cat"], stdin=subprocess.PIPE, text=True
        ) as holder:
            while (
                holder.poll() is None
                and subprocess.run(  # noqa: S603 - the same lock, asked without waiting
                    [flock, "-n", str(lock), "true"], check=False
                ).returncode
                == 0
            ):
                pass  # until the holder has it
            done = subprocess.run(  # noqa: S603 - the crontab line's flock
                [flock, "-n", str(lock), "sh", str(SCRIPT)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert holder.stdin is not None
            holder.stdin.close()
        assert (1, "", "") == (done.returncode, done.stdout, done.stderr)
