"""A rate compiled for fast rating: integer arithmetic, exact, rounded once.

Costs are counted in units of ``1 / (60 * 10**k)`` of the currency, ``k`` being the most
decimal places of the rate's amounts, so every charge of the rate is a whole number of
units and rating adds and multiplies integers only. Rounding to the deck's precision is one
integer division whose remainder decides, in the deck's mode: exact, whatever the digits.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

from telcocore.billing.rating.model.rates import Rate
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.money import EXACT
from telcocore.kernel.validation import shown

__all__ = ["FOREVER", "ROUNDING_MODES", "Hot", "Plan", "Rounder", "rounder"]

FOREVER: Final = datetime.max.replace(tzinfo=UTC)
"""The end of a rate that has none."""

ROUNDING_MODES: Final = (
    decimal.ROUND_UP,
    decimal.ROUND_DOWN,
    decimal.ROUND_CEILING,
    decimal.ROUND_FLOOR,
    decimal.ROUND_HALF_UP,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_HALF_EVEN,
    decimal.ROUND_05UP,
)
"""The rounding modes a deck may name: :mod:`decimal`'s ``ROUND_*`` constants."""

Rounder = Callable[[int, int, int], int]
"""Rounds ``q + r / d`` (``0 <= r < d``, a non-negative amount) to a whole number."""


Hot = tuple[
    str, str, Rate, "Plan | None", int, int, int, int, int, int, int, int, int, Rounder | None
]
"""A plan's :attr:`Plan.hot` tuple: what rating one call reads."""


def _up(q: int, r: int, _d: int) -> int:
    return q + 1 if r else q


def _down(q: int, _r: int, _d: int) -> int:
    return q


def _half_up(q: int, r: int, d: int) -> int:
    return q + 1 if 2 * r >= d and r else q


def _half_down(q: int, r: int, d: int) -> int:
    return q + 1 if 2 * r > d else q


def _half_even(q: int, r: int, d: int) -> int:
    twice = 2 * r
    return q + 1 if twice > d or (twice == d and q % 2) else q


def _05up(q: int, r: int, _d: int) -> int:
    return q + 1 if r and q % 5 == 0 else q


_ROUNDERS: Final[dict[str, Rounder]] = {
    decimal.ROUND_UP: _up,
    decimal.ROUND_CEILING: _up,  # costs are never negative
    decimal.ROUND_DOWN: _down,
    decimal.ROUND_FLOOR: _down,
    decimal.ROUND_HALF_UP: _half_up,
    decimal.ROUND_HALF_DOWN: _half_down,
    decimal.ROUND_HALF_EVEN: _half_even,
    decimal.ROUND_05UP: _05up,
}


_LINEAR: Final[dict[Rounder, tuple[bool, Callable[[int], int]]]] = {
    _up: (False, lambda d: d - 1),  # ceil(n / d) = (n + d - 1) // d
    _down: (False, lambda _d: 0),
    _half_up: (True, lambda d: d),  # floor(n / d + 1/2) = (2n + d) // 2d
    _half_down: (True, lambda d: d - 1),  # ties go down: (2n + d - 1) // 2d
}
"""Modes that are one floor division: whether it works on halves, and what to add."""


def rounder(mode: object) -> Rounder:
    """The integer rounding of ``mode``, one of :data:`ROUNDING_MODES`."""
    found = _ROUNDERS.get(mode) if isinstance(mode, str) else None
    if found is None:
        msg = f"rounding {shown(mode)} is not one of {', '.join(ROUNDING_MODES)}"
        raise ValidationError(msg, field="rounding", value=mode)
    return found


def _places(value: Decimal) -> int:
    return max(0, -int(value.as_tuple().exponent))


def _units(value: Decimal, scale: int) -> int:
    # Exact (``scale`` covers every decimal place of ``value``), and under the library's
    # own context: a caller's decimal context never rounds a rate.
    return int(EXACT.multiply(value, scale))


class Plan:
    """One rate, compiled: its block structure and its amounts in integer units."""

    __slots__ = (
        "connect",
        "den",
        "description",
        "effective_from",
        "effective_to",
        "free",
        "hot",
        "initial",
        "minimum",
        "mult",
        "places",
        "prefix",
        "rate",
        "round",
        "segments",
        "simple",
        "subsequent",
        "unit_rate",
    )

    def __init__(self, rate: Rate, places: int, round_: Rounder) -> None:
        amounts = [rate.rate_per_minute, rate.connect_fee, *(t.rate_per_minute for t in rate.tiers)]
        if rate.minimum_charge is not None:
            amounts.append(rate.minimum_charge)
        scale = 10 ** max(_places(a) for a in amounts)
        self.rate = rate
        self.prefix = rate.prefix
        self.description = rate.description
        self.effective_from = rate.effective_from
        self.effective_to = FOREVER if rate.effective_to is None else rate.effective_to
        """The end of the rate, :data:`FOREVER` if it has none: one comparison checks it."""
        self.initial = rate.initial_increment
        self.subsequent = rate.subsequent_increment
        self.free = rate.free_seconds
        self.unit_rate = _units(rate.rate_per_minute, scale)
        self.connect = _units(rate.connect_fee, scale) * 60
        self.minimum = (
            None if rate.minimum_charge is None else _units(rate.minimum_charge, scale) * 60
        )
        # A cost of ``n`` units is n / (60 * scale); at ``places`` decimals it is
        # n * 10**places / (60 * scale), reduced here to n * mult / den.
        ten = 10**places
        common = math.gcd(ten, 60 * scale)
        self.mult = ten // common
        self.den = 60 * scale // common
        self.places = places
        self.round = round_
        starts = [0, *(t.from_second for t in rate.tiers)]
        ends: list[int | None] = [*starts[1:], None]
        rates = [self.unit_rate, *(_units(t.rate_per_minute, scale) for t in rate.tiers)]
        increments = [self.subsequent, *(t.increment for t in rate.tiers)]
        self.segments = tuple(zip(ends, rates, increments, strict=True))
        """Per price segment: where it ends (``None``: never), its unit rate, its increment."""
        self.simple = not rate.tiers
        linear = _LINEAR.get(round_)
        if linear is None:  # half even, 05up: the remainder decides, in ``round_``
            mul, add, div, general = self.mult, 0, self.den, round_
        else:  # one floor division: q = (units * mul + add) // div
            twice, plus = linear
            mul = self.mult * (2 if twice else 1)
            div = self.den * (2 if twice else 1)
            add = plus(self.den)
            general = None
        self.hot: Hot = (
            self.prefix,
            self.description,
            rate,
            self if rate.tiers else None,
            self.initial,
            self.subsequent,
            self.free,
            self.connect,
            self.unit_rate,
            0 if self.minimum is None else self.minimum,
            mul,
            add,
            div,
            general,
        )
        """What rating a call reads, in one tuple, unpacked at once by the deck: the prefix,
        description and rate, the plan itself if it has tiers (``None``: the A/B rule
        applies), then the A/B rule's constants: A, B, free seconds, connect units, units per
        second, minimum units, and the rounding as ``(units * mul + add) // div`` or, with a
        rounder, ``divmod(units * mul, div)`` settled by it."""

    def units(self, seconds: int) -> tuple[int, int]:
        """The billed seconds and the exact cost in units of an answered call of ``seconds``."""
        a = self.initial
        free = self.free
        if self.simple:
            billed = (
                a if seconds <= a else a + -(-(seconds - a) // self.subsequent) * self.subsequent
            )
            charged = billed - free if billed > free else 0
            n = self.connect + charged * self.unit_rate
        else:
            billed, usage = self._walk(seconds)
            n = self.connect + usage
        minimum = self.minimum
        if minimum is not None and n < minimum:
            n = minimum
        return billed, n

    def _walk(self, seconds: int) -> tuple[int, int]:
        """The billed seconds and usage units, block by block, tier by tier."""
        a = self.initial
        free = self.free
        usage = (a - free if a > free else 0) * self.unit_rate
        pos = a
        if seconds <= a:
            return a, usage
        for end, unit_rate, step in self.segments:
            if end is not None and pos >= end:
                continue
            stop = seconds if end is None or seconds < end else end
            blocks = -(-(stop - pos) // step)
            length = blocks * step
            overlap = (min(free, pos + length) - pos) if free > pos else 0
            usage += (length - overlap) * unit_rate
            pos += length
            if pos >= seconds:
                break
        return pos, usage

    def rounded(self, units: int) -> int:
        """``units`` at the deck's precision, as a whole number of its smallest step."""
        q, r = divmod(units * self.mult, self.den)
        return self.round(q, r, self.den) if r else q

    def block_ends(self) -> list[tuple[int, int | None, int]]:
        """After the first block: per segment reached, (its first block start, end, step)."""
        found = []
        pos = self.initial
        for end, _rate, step in self.segments:
            if end is not None and pos >= end:
                continue
            found.append((pos, end, step))
            if end is None:
                break
            pos += -(-(end - pos) // step) * step
        return found
