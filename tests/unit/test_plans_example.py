"""The service plans example runs, and its output is the page docs/plans.md shows."""

from __future__ import annotations

import contextlib
import importlib.util
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "plans.py"
PAGE = ROOT / "docs" / "plans.md"


def _output() -> str:
    spec = importlib.util.spec_from_file_location("plans_example", EXAMPLE)
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


def test_the_example_charges_once_and_refuses_one_cent_less() -> None:
    """The refusal names 0.01 USD missing; April is charged once, then found charged."""
    printed = _output().splitlines()
    assert "refused, 0.01 USD missing; nothing changed" in printed
    assert 1 == sum(line.startswith("April: acme charged") for line in printed)
    assert 1 == sum(line.startswith("April: acme already_charged") for line in printed)
