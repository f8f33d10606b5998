"""The HTML invoice in a real headless browser (Debian's chromium): loads cleanly, looks right.

The page is opened from a file with ``--enable-logging=stderr --v=0``, which writes every
console message (``console.*`` calls, blocked loads, Content-Security-Policy violations,
script errors) to stderr as an ``INFO:CONSOLE`` line: an invoice page must cause none.
A page that does log proves the check sees them. The screenshot is written under
``TELCOCORE_TEST_ARTIFACTS`` if set, else the test's temporary directory. Where chromium is
missing or cannot start, the test is skipped with the reason.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pytest
from tests.contract.test_invoice_rendering import make_invoice

import telcocore
from telcocore.testing import FixedClock

BROWSERS: Final = ("chromium", "chromium-browser")
TIMEOUT: Final = 120
"""Seconds chromium may take to load and draw the page (a shared machine may be slow)."""


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"no headless browser: none of {', '.join(BROWSERS)} is on PATH")


def _run(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Chromium headless on ``page``: its stdout (the DOM, with --dump-dom) and stderr."""
    command = [
        _browser(),
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={page.parent / 'profile'}",
        *extra,
        page.as_uri(),
    ]
    try:
        done = subprocess.run(  # noqa: S603 - our own command line, no shell
            command, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"chromium cannot run here: {error}")
    if done.returncode != 0:
        pytest.skip(f"chromium cannot run here (exit {done.returncode}): {done.stderr[-500:]}")
    return done


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def _artifacts(tmp_path: Path) -> Path:
    configured = os.environ.get("TELCOCORE_TEST_ARTIFACTS")
    folder = Path(configured) if configured else tmp_path / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_console_check_sees_errors(tmp_path: Path) -> None:
    """A page that logs an error and loads an image from the network is caught twice."""
    page = tmp_path / "noisy.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline'\"></head><body>"
        '<script>console.error("broken")</script><img src="http://example.invalid/x.png">'
        "</body></html>",
        encoding="utf-8",
    )
    logged = _console(_run(page, "--dump-dom").stderr)
    assert 2 == len(logged), logged


def test_invoice_page_loads_cleanly(tmp_path: Path) -> None:
    """No console message; the DOM holds the number and totals; a screenshot is written."""
    clock = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))
    with telcocore.connect("memory://", clock=clock) as core:
        number = make_invoice(core, clock, "de_DE")
        invoice = core.invoices.get(number)
        page = tmp_path / "invoice.html"
        page.write_text(core.invoices.render_html(number), encoding="utf-8")
    loaded = _run(page, "--dump-dom")
    assert [] == _console(loaded.stderr)
    assert f"Invoice {number}" in loaded.stdout
    assert invoice.total.format("de_DE") in html.unescape(loaded.stdout)  # &nbsp; in the DOM
    assert "<svg" in loaded.stdout
    shot = _artifacts(tmp_path) / "invoice-de_DE.png"
    drawn = _run(page, f"--screenshot={shot}", "--window-size=900,1300")
    assert [] == _console(drawn.stderr)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert shot.stat().st_size > 10_000  # a drawn page, not a blank one
