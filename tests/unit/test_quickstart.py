"""The quickstart example runs and prints what its steps imply."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart.py"

# The example's steps, as the domain rules turn them into numbers.
TOP_UP, SEATS, CALL, LIMIT, BIG = (
    Decimal(v) for v in ("20.00", "12.50", "0.0420", "5.00", "100.00")
)
BALANCE = TOP_UP - SEATS - CALL  # the retried seats purchase posts once
AVAILABLE = BALANCE + LIMIT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("quickstart", QUICKSTART)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lines() -> list[str]:
    """The lines the quickstart prints with in-memory storage."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _load().main("memory://")
    return out.getvalue().splitlines()


class TestQuickstart:
    """examples/quickstart.py walks through an account's first money movements."""

    def test_opened_line(self, lines: list[str]) -> None:
        """The first line names the account and its currency."""
        assert re.fullmatch(r"opened Acme Hosted PBX \(\S+\) in USD", lines[0]) is not None

    def test_refused_line(self, lines: list[str]) -> None:
        """The big purchase is refused with the shortfall: 100.00 minus what is available."""
        assert f"refused: {BIG - AVAILABLE} USD missing" in lines

    def test_balance_line(self, lines: list[str]) -> None:
        """The balance is shown in en_US, rounded half-even to cents."""
        assert "balance:   $7.46" in lines

    def test_available_line(self, lines: list[str]) -> None:
        """Available is the balance plus the 5.00 debit limit."""
        assert "available: $12.46" in lines

    def test_history(self, lines: list[str]) -> None:
        """The history has the top-up, one purchase despite the retry, and the call."""
        history = lines[lines.index("history:") + 1 :]
        rows = [line.split() for line in history]
        assert [
            ["1", "top_up", str(TOP_UP), "->", str(TOP_UP)],
            ["2", "purchase", str(-SEATS), "->", str(TOP_UP - SEATS)],
            ["3", "usage", str(-CALL), "->", str(BALANCE)],
        ] == [[r[0], *r[3:]] for r in rows]

    def test_expected_numbers(self) -> None:
        """The numbers above follow from the steps: 20.00 - 12.50 - 0.0420 and + 5.00."""
        assert (Decimal("7.4580"), Decimal("12.4580"), Decimal("87.5420")) == (
            BALANCE,
            AVAILABLE,
            BIG - AVAILABLE,
        )
