"""Examples whose output a docs page shows: each runs, and prints what its page shows."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from tests.conftest import load_module

ROOT = Path(__file__).resolve().parents[2]
SHOWN = ("plans", "media")
"""The examples ``examples/<name>.py`` whose output ``docs/<name>.md`` shows."""


def _output(name: str) -> str:
    """What ``examples/<name>.py`` prints, run on ``memory://``."""
    module = load_module(ROOT / "examples" / f"{name}.py", f"{name}_example")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        module.main("memory://")
    return out.getvalue()


@pytest.mark.parametrize("name", SHOWN)
def test_the_docs_show_what_the_example_prints(name: str) -> None:
    """Every line printed stands in the page's example block, in order."""
    page = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
    block = page.split("## Example", 1)[1].split("```", 2)[1].partition("\n")[2].strip("\n")
    assert _output(name).strip("\n") == block


def test_the_plans_example_charges_once_and_refuses_one_cent_less() -> None:
    """The refusal names 0.01 USD missing; April is charged once, then found charged."""
    printed = _output("plans").splitlines()
    assert "refused, 0.01 USD missing; nothing changed" in printed
    assert 1 == sum(line.startswith("April: acme charged") for line in printed)
    assert 1 == sum(line.startswith("April: acme already_charged") for line in printed)


def test_the_media_example_purges_only_the_old_recording() -> None:
    """The recording of 40 days ago goes; today's two stay, and the 416 names the size."""
    printed = _output("media").splitlines()
    assert "purged 1 recording older than 30 days; left: 2" in printed
    assert "416: Content-Range: bytes */16044" in printed
