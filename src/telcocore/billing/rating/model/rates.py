"""Seconds, increments and rates: what a rate deck is made of.

- :func:`billable_seconds`: a call's duration as whole seconds (fractions round up);
- :func:`billed_seconds`: the carrier "A/B" rule;
- :class:`Tier` and :class:`Rate`: one destination prefix's price from one date on.

>>> billed_seconds(61, 60, 6), billed_seconds(10, 6, 6), billed_seconds(70, 60, 60)
(66, 12, 120)
"""

from __future__ import annotations

import itertools
import math
import re
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from telcocore.kernel.errors import InvalidAmount, ValidationError
from telcocore.kernel.money import MAX_PLACES, to_decimal
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import shown, validate_int, validate_text

__all__ = [
    "MAX_INCREMENT",
    "MAX_PREFIX_LENGTH",
    "MAX_RATE",
    "MAX_SECONDS",
    "Rate",
    "Tier",
    "billable_seconds",
    "billed_seconds",
    "validate_prefix",
]

MAX_PREFIX_LENGTH: Final = 20
"""The longest prefix a rate may have, in digits."""
MAX_INCREMENT: Final = 86_400
"""The longest billing increment (and the latest tier start is ten times it), in seconds."""
MAX_RATE: Final = Decimal(10) ** 9
"""Rates, fees and minimum charges stay below this, with at most 12 decimal places."""
MAX_SECONDS: Final = 86_400_000
"""The longest call duration accepted, in seconds (1,000 days)."""
MAX_DESCRIPTION: Final = 200
"""The longest description of a rate, in characters."""

_PREFIX: Final = re.compile(rf"[0-9]{{1,{MAX_PREFIX_LENGTH}}}")


def billable_seconds(duration: object) -> int:
    """A call's duration as whole seconds: a fraction of a second rounds up (30.1 -> 31).

    ``duration`` is an ``int`` or a ``Decimal`` (or a numeric string) of seconds, never
    negative; a float is refused (:class:`~telcocore.InvalidAmount`): ``30.1`` as a float
    is not 30.1.

    >>> from decimal import Decimal
    >>> billable_seconds(Decimal("30.1")), billable_seconds(30), billable_seconds(0)
    (31, 30, 0)
    """
    if type(duration) is int and 0 <= duration <= MAX_SECONDS:
        return duration
    value = to_decimal(duration, field="seconds")
    if value < 0:
        msg = f"seconds {shown(duration)} must not be negative"
        raise ValidationError(msg, field="seconds", value=duration)
    if value > MAX_SECONDS:
        msg = f"seconds {shown(duration)} must be at most {MAX_SECONDS}"
        raise ValidationError(msg, field="seconds", value=duration)
    return math.ceil(value)


def billed_seconds(seconds: int, initial: int, increment: int) -> int:
    """The seconds billed for ``seconds`` billable seconds under the A/B rule.

    The first ``initial`` (A) seconds are billed whole; after them each started
    ``increment`` (B) seconds is billed whole: ``0`` if ``seconds`` is 0, ``A`` if
    ``seconds <= A``, else ``A + ceil((seconds - A) / B) * B`` (the ASTPP, Kazoo and CGRateS
    rule; A2Billing rounds the whole duration to a multiple of B instead, which differs
    only when A is not a multiple of B).

    >>> [billed_seconds(s, 60, 6) for s in (10, 61, 67)]
    [60, 66, 72]
    >>> billed_seconds(10, 6, 6), billed_seconds(30, 60, 1), billed_seconds(65, 60, 1)
    (12, 60, 65)
    >>> billed_seconds(70, 60, 60), billed_seconds(35, 1, 1), billed_seconds(0, 60, 6)
    (120, 35, 0)
    """
    s = validate_int(seconds, field="seconds", maximum=MAX_SECONDS)
    a = validate_int(initial, field="initial", minimum=1, maximum=MAX_INCREMENT)
    b = validate_int(increment, field="increment", minimum=1, maximum=MAX_INCREMENT)
    if s == 0:
        return 0
    if s <= a:
        return a
    return a + -(-(s - a) // b) * b


def amount(value: object, *, field: str) -> Decimal:
    """A rate, fee or charge: a Decimal from 0, below :data:`MAX_RATE`, at most 12 places."""
    number = to_decimal(value, field=field)
    if number < 0:
        msg = f"{field} {number} must not be negative"
        raise InvalidAmount(msg, field=field, value=value)
    if number >= MAX_RATE or -int(number.as_tuple().exponent) > MAX_PLACES:
        msg = f"{field} {number} must be below {MAX_RATE:,} with at most {MAX_PLACES} places"
        raise InvalidAmount(msg, field=field, value=value)
    return number


def _optional_amount(value: object) -> Decimal | None:
    return None if value is None else amount(value, field="minimum_charge")


def validate_prefix(value: object) -> str:
    """A destination prefix: 1-20 ASCII digits."""
    if isinstance(value, str) and _PREFIX.fullmatch(value):
        return value
    msg = f"prefix {shown(value)} must be 1-{MAX_PREFIX_LENGTH} digits"
    raise ValidationError(msg, field="prefix", value=value)


def _initial(value: object) -> int:
    return validate_int(value, field="initial_increment", minimum=1, maximum=MAX_INCREMENT)


def _subsequent(value: object) -> int:
    return validate_int(value, field="subsequent_increment", minimum=1, maximum=MAX_INCREMENT)


def _tier_increment(value: object) -> int:
    return validate_int(value, field="tier increment", minimum=1, maximum=MAX_INCREMENT)


def _from_second(value: object) -> int:
    return validate_int(value, field="from_second", minimum=1, maximum=MAX_INCREMENT * 10)


def _free_seconds(value: object) -> int:
    return validate_int(value, field="free_seconds", maximum=MAX_INCREMENT)


def _tier_rate(value: object) -> Decimal:
    return amount(value, field="tier rate_per_minute")


def _rate_per_minute(value: object) -> Decimal:
    return amount(value, field="rate_per_minute")


def _connect_fee(value: object) -> Decimal:
    return amount(value, field="connect_fee")


def _effective_from(value: object) -> datetime:
    return require_utc(value, field="effective_from")


@attrs.frozen
class Tier:
    """From second ``from_second`` of a call on, another rate and increment.

    The CGRateS "group interval start": a billing block that starts at or after
    ``from_second`` costs ``rate_per_minute`` and lasts ``increment`` seconds. A block
    that starts before it is billed whole at the earlier price. See :class:`Rate`.
    """

    from_second: int = attrs.field(converter=_from_second)
    rate_per_minute: Decimal = attrs.field(converter=_tier_rate)
    increment: int = attrs.field(converter=_tier_increment)


def _tiers(value: object) -> tuple[Tier, ...]:
    if not isinstance(value, tuple | list) or not all(isinstance(t, Tier) for t in value):
        msg = f"tiers must be a tuple of Tier, got {shown(value)}"
        raise ValidationError(msg, field="tiers", value=value)
    starts = [t.from_second for t in value]
    if any(later <= earlier for earlier, later in itertools.pairwise(starts)):
        msg = f"tiers must start at strictly increasing seconds, got {starts}"
        raise ValidationError(msg, field="tiers", value=starts)
    return tuple(value)


def _optional_utc(value: object) -> datetime | None:
    return None if value is None else require_utc(value, field="effective_to")


def _description(value: object) -> str:
    return validate_text(value, field="description", max_length=MAX_DESCRIPTION)


@attrs.frozen
class Rate:
    """The price of calls to numbers starting with ``prefix``, from ``effective_from`` on.

    A call of ``s`` billable seconds (``s > 0``) is billed in blocks: the first block lasts
    ``initial_increment`` (A) seconds at ``rate_per_minute``; each next block starts where
    the previous one ended and lasts the increment of the tier it starts in (the base
    ``subsequent_increment`` B before the first :class:`Tier`), at that tier's rate. Blocks
    are added until they cover ``s``; the billed seconds are where the last block ends.
    The first ``free_seconds`` of the billed time cost nothing (blocks are still counted
    from second 0, so free seconds do not shift them). The cost is

    ``connect_fee + sum(charged seconds of each block * its rate / 60)``,

    raised to ``minimum_charge`` if it is below it, and rounded once by the deck. An
    unanswered call (0 seconds) costs nothing at all: no connect fee, no minimum charge.
    The rate applies at instants from ``effective_from`` (inclusive) to ``effective_to``
    (exclusive, open-ended if ``None``).
    """

    prefix: str = attrs.field(converter=validate_prefix)
    description: str = attrs.field(converter=_description)
    rate_per_minute: Decimal = attrs.field(converter=_rate_per_minute)
    connect_fee: Decimal = attrs.field(default=Decimal(0), converter=_connect_fee, kw_only=True)
    initial_increment: int = attrs.field(default=1, converter=_initial, kw_only=True)
    subsequent_increment: int = attrs.field(default=1, converter=_subsequent, kw_only=True)
    free_seconds: int = attrs.field(
        default=0,
        converter=_free_seconds,
        kw_only=True,
    )
    minimum_charge: Decimal | None = attrs.field(
        default=None, converter=_optional_amount, kw_only=True
    )
    tiers: tuple[Tier, ...] = attrs.field(default=(), converter=_tiers, kw_only=True)
    effective_from: datetime = attrs.field(converter=_effective_from, kw_only=True)
    effective_to: datetime | None = attrs.field(default=None, converter=_optional_utc, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            msg = (
                f"effective_to {self.effective_to.isoformat()} must be after "
                f"effective_from {self.effective_from.isoformat()}"
            )
            raise ValidationError(msg, field="effective_to", value=self.effective_to)

    def effective_at(self, at: datetime) -> bool:
        """Whether the rate applies at the instant ``at`` (aware)."""
        when = require_utc(at, field="at")
        return self.effective_from <= when and (
            self.effective_to is None or when < self.effective_to
        )
