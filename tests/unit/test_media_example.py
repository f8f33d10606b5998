"""The media example runs, and its output is what docs/media.md shows."""

from __future__ import annotations

import contextlib
import importlib.util
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "media.py"
PAGE = ROOT / "docs" / "media.md"


def _output() -> str:
    spec = importlib.util.spec_from_file_location("media_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        module.main("memory://")
    return out.getvalue()


def test_the_docs_show_what_the_example_prints() -> None:
    """Every line printed stands in the page's example block, in order."""
    printed = _output()
    page = PAGE.read_text(encoding="utf-8")
    block = page.split("## Example", 1)[1].split("```", 2)[1].strip("\n")
    assert printed.strip("\n") == block


def test_the_example_purges_only_the_old_recording() -> None:
    """The recording of 40 days ago goes; today's two stay, and the 416 names the size."""
    printed = _output().splitlines()
    assert "purged 1 recording older than 30 days; left: 2" in printed
    assert "416: Content-Range: bytes */16044" in printed
