"""The quickstart example runs and prints what its steps imply."""

from __future__ import annotations

import contextlib
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from tests.conftest import load_module

from telcocore import Money

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart.py"

# The example's steps, as the domain rules turn them into numbers.
TOP_UP, SEATS, CALL, LIMIT, BIG = (
    Decimal(v) for v in ("20.00", "12.50", "0.0420", "5.00", "100.00")
)
BALANCE = TOP_UP - SEATS - CALL  # the retried seats purchase posts once
AVAILABLE = BALANCE + LIMIT


def _usd(amount: Decimal) -> str:
    return Money(amount, "USD").format()


@pytest.fixture(scope="module")
def lines() -> list[str]:
    """The lines the quickstart prints with in-memory storage."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        load_module(QUICKSTART, "quickstart").main("memory://")
    return out.getvalue().splitlines()


class TestQuickstart:
    """examples/quickstart.py walks through an account's first money movements."""

    def test_opened_line(self, lines: list[str]) -> None:
        """The first line names the account and its currency."""
        assert re.fullmatch(r"opened Acme Hosted PBX \(\S+\) in USD", lines[0]) is not None

    def test_refused_line(self, lines: list[str]) -> None:
        """The big purchase is refused with the shortfall: 100.00 minus what is available."""
        assert f"refused: {_usd(BIG - AVAILABLE)} missing" in lines

    def test_balance_line(self, lines: list[str]) -> None:
        """The balance is shown in en_US with every digit it has."""
        assert f"balance:   {_usd(BALANCE)}" in lines

    def test_available_line(self, lines: list[str]) -> None:
        """Available is the balance plus the 5.00 debit limit."""
        assert f"available: {_usd(AVAILABLE)}" in lines

    def test_history(self, lines: list[str]) -> None:
        """The history has the top-up, one purchase despite the retry, and the call."""
        history = lines[lines.index("history:") + 1 :]
        rows = [line.split() for line in history]
        assert [
            ["1", "top_up", _usd(TOP_UP), "->", _usd(TOP_UP)],
            ["2", "purchase", _usd(-SEATS), "->", _usd(TOP_UP - SEATS)],
            ["3", "usage", _usd(-CALL), "->", _usd(BALANCE)],
        ] == [[r[0], *r[3:]] for r in rows]

    def test_amounts_show_alike(self, lines: list[str]) -> None:
        """Every amount is shown one way: the $ sign, at least cents, every digit kept."""
        assert ["refused: $87.542 missing", "balance:   $7.458", "available: $12.458"] == lines[1:4]

    def test_expected_numbers(self) -> None:
        """The numbers above follow from the steps: 20.00 - 12.50 - 0.0420 and + 5.00."""
        assert (Decimal("7.4580"), Decimal("12.4580"), Decimal("87.5420")) == (
            BALANCE,
            AVAILABLE,
            BIG - AVAILABLE,
        )
