"""A rate deck: rates by prefix, compiled once into a longest-prefix index.

>>> from datetime import UTC, datetime
>>> from decimal import Decimal
>>> since = datetime(2026, 1, 1, tzinfo=UTC)
>>> deck = RateDeck(
...     "retail",
...     "USD",
...     [
...         Rate("1", "North America", Decimal("0.01"), effective_from=since),
...         Rate(
...             "44",
...             "United Kingdom",
...             Decimal("0.02"),
...             initial_increment=60,
...             subsequent_increment=6,
...             effective_from=since,
...         ),
...     ],
... )
>>> call = deck.rate("+442071234567", 61, at=datetime(2026, 3, 1, tzinfo=UTC))
>>> call.prefix, call.billed_seconds, call.cost
('44', 66, Money('0.0220', 'USD'))
>>> deck.rate("+999", 61, at=since).reason
'no rate for this destination'
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final, NamedTuple

import attrs

from telcocore.billing.rating.model.plan import FOREVER, Hot, Plan, rounder
from telcocore.billing.rating.model.rates import MAX_SECONDS, Rate, billable_seconds
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.money import EXACT, Money, validate_currency
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import shown, validate_id, validate_int

__all__ = ["MAX_CALL_SECONDS", "MAX_DESTINATION_LENGTH", "RateDeck", "RatedCall", "Unrated"]

MAX_CALL_SECONDS: Final = 86_400
""":meth:`RateDeck.max_duration` answers at most this many seconds (a day)."""
MAX_DESTINATION_LENGTH: Final = 32
"""A destination of more digits is unrated."""
MAX_PRECISION: Final = 12
"""The most decimal places a deck rounds costs to."""

_DIGITS: Final = MAX_DESTINATION_LENGTH
_KEPT_COSTS: Final = 16_384
"""How many distinct costs a deck keeps as ready Money values (bounding its memory)."""
_KEPT_MATCHES: Final = 16_384
"""How many destination prefixes a deck remembers the match of (then it starts over)."""
_new_call: Final = tuple.__new__
_UNSEEN: Final[Any] = object()
"""Marks a destination prefix whose match is not kept yet (``None`` is a kept miss)."""

_ASCII_DIGITS: Final = "0123456789"
_NOT_DIGITS: Final = "destination must be digits, with an optional leading '+'"


class RatedCall(NamedTuple):
    """A call priced by a deck: the matched prefix and rate, the seconds and the cost.

    A named tuple: rating is the volume path, and a tuple is the cheapest value to build.
    """

    destination: str
    """The destination as given."""
    prefix: str
    """The longest prefix of the destination with a rate effective at the call."""
    description: str
    """The rate's description."""
    seconds: int
    """Billable seconds: the duration, fractions rounded up."""
    billed_seconds: int
    """The seconds billed after increments (0 for an unanswered call)."""
    cost: Money
    """The call's cost, rounded once with the deck's precision and mode."""
    rate: Rate
    """The rate that priced it."""


@attrs.frozen
class Unrated:
    """A call a deck could not price; never treat it as free. ``reason`` says why."""

    destination: str
    """The destination as given (shortened if it was not text or very long)."""
    reason: str
    """Why: no prefix matches, no rate in effect, or the destination is not a number."""


def _deck_name(value: object) -> str:
    return validate_id(value, field="name", label="rate deck name")


def _rates(value: object) -> tuple[Rate, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        msg = f"rates must be a sequence of Rate, got {shown(value)}"
        raise ValidationError(msg, field="rates", value=value)
    rates = tuple(value)
    for rate in rates:
        if not isinstance(rate, Rate):
            msg = f"rates must hold Rate values only, got {shown(rate)}"
            raise ValidationError(msg, field="rates", value=rate)
    return rates


def _precision(value: object) -> int:
    return validate_int(value, field="precision", maximum=MAX_PRECISION)


def _rounding(value: object) -> str:
    rounder(value)
    assert isinstance(value, str)  # noqa: S101 - checked by rounder
    return value


def _shown_destination(value: object) -> str:
    if isinstance(value, str) and len(value) <= MAX_DESTINATION_LENGTH * 2:
        return value
    return shown(value)


@attrs.frozen(eq=False)
class RateDeck:
    """Rates by destination prefix, in one currency, and how its costs are rounded.

    ``name`` is an id (letters, digits, ``_.:-``); ``precision`` is the number of decimal
    places costs are rounded to (0-12, independent of the currency's own precision: rates
    are often quoted to 4 places) and ``rounding`` one of :mod:`decimal`'s ``ROUND_*``
    modes. Two rates with the same prefix and ``effective_from`` are refused.

    The deck compiles its rates once, on construction, into a dict from prefix to its rates
    (latest ``effective_from`` first) and the prefix lengths present, longest first:
    rating probes the destination's prefixes of those lengths and never scans the rates.
    After the last start or end date of its rates, the match of a destination depends
    only on its first digits (as many as the longest prefix): the deck remembers the
    match of each such leading part it meets (up to 16,384 of them, then it starts
    over), so a repeated prefix costs one lookup. Before that date, dates decide and
    nothing is remembered.
    Two decks are equal when their name, currency, precision, rounding and rates are.
    """

    name: str = attrs.field(converter=_deck_name)
    currency: str = attrs.field(converter=validate_currency)
    rates: tuple[Rate, ...] = attrs.field(converter=_rates)
    precision: int = attrs.field(default=4, converter=_precision)
    rounding: str = attrs.field(default=decimal.ROUND_HALF_UP, converter=_rounding)
    _index: dict[str, tuple[Plan, ...]] = attrs.field(init=False, repr=False)
    _lengths: tuple[int, ...] = attrs.field(init=False, repr=False)
    _zero: Money = attrs.field(init=False, repr=False)
    _settled: datetime = attrs.field(init=False, repr=False)
    _current: dict[str, Plan] = attrs.field(init=False, repr=False)
    _current_lengths: tuple[int, ...] = attrs.field(init=False, repr=False)
    _exponent: int = attrs.field(init=False, repr=False)
    _costs: dict[int, Money] = attrs.field(init=False, repr=False)
    _key_length: int = attrs.field(init=False, repr=False)
    _matches: dict[str, Hot | None] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        round_ = rounder(self.rounding)
        grouped: dict[str, list[Plan]] = {}
        for rate in self.rates:
            grouped.setdefault(rate.prefix, []).append(Plan(rate, self.precision, round_))
        index: dict[str, tuple[Plan, ...]] = {}
        for prefix, plans in grouped.items():
            plans.sort(key=lambda p: p.effective_from, reverse=True)
            for newer, older in itertools.pairwise(plans):
                if newer.effective_from == older.effective_from:
                    msg = (
                        f"prefix {prefix!r} has two rates effective from "
                        f"{newer.effective_from.isoformat()}"
                    )
                    raise ValidationError(msg, field="rates", value=prefix)
            index[prefix] = tuple(plans)
        object.__setattr__(self, "_index", index)
        # After the last start or end date of any rate nothing changes: from then on each
        # prefix has one rate (or none), found without looking at dates.
        changes = [p.effective_from for plans in index.values() for p in plans]
        changes += [p.effective_to for plans in index.values() for p in plans]
        settled = max((c for c in changes if c != FOREVER), default=FOREVER)
        current = {
            prefix: next(p for p in plans if p.effective_to == FOREVER)
            for prefix, plans in index.items()
            if any(p.effective_to == FOREVER for p in plans)
        }
        object.__setattr__(self, "_settled", settled)
        object.__setattr__(self, "_current", current)
        object.__setattr__(
            self, "_current_lengths", tuple(sorted({len(p) for p in current}, reverse=True))
        )
        object.__setattr__(self, "_lengths", tuple(sorted({len(p) for p in index}, reverse=True)))
        # Once settled, the match depends only on the destination's first digits, as many
        # as the longest current prefix has (one character more: a "+" may lead).
        object.__setattr__(self, "_key_length", max(self._current_lengths, default=0) + 1)
        object.__setattr__(self, "_matches", {})
        zero = Decimal(0).scaleb(-self.precision, EXACT)
        object.__setattr__(self, "_zero", Money._trusted(zero, self.currency))  # noqa: SLF001
        object.__setattr__(self, "_exponent", -self.precision)
        # Costs repeat: Money values are immutable, so one is made per distinct cost.
        object.__setattr__(self, "_costs", {})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RateDeck):
            return NotImplemented
        return (self.name, self.currency, self.rates, self.precision, self.rounding) == (
            other.name,
            other.currency,
            other.rates,
            other.precision,
            other.rounding,
        )

    def __hash__(self) -> int:
        return hash((self.name, self.currency, self.precision, self.rounding, len(self.rates)))

    def _find(self, destination: object, when: datetime) -> Plan | None:
        """The plan for ``destination`` at ``when`` (UTC), or ``None`` (see :meth:`_unrated`)."""
        if type(destination) is not str:
            return None
        digits = destination[1:] if destination[:1] == "+" else destination
        if not (digits.isdigit() and digits.isascii()) or len(digits) > MAX_DESTINATION_LENGTH:
            return None
        index = self._index
        for length in self._lengths:
            # A length beyond the number probes the whole number again: harmless.
            plans = index.get(digits[:length])
            if plans is not None:
                for plan in plans:
                    if plan.effective_from <= when < plan.effective_to:
                        return plan
        return None

    def _settled_match(self, digits: str) -> Plan | None:
        """The current plan of the longest prefix of ``digits`` (valid), once settled."""
        current = self._current
        for length in self._current_lengths:
            plan = current.get(digits[:length])
            if plan is not None:
                return plan
        return None

    def _unrated(self, destination: object, when: datetime) -> Unrated:
        """Why :meth:`_find` found nothing."""
        shown_as = _shown_destination(destination)
        if not isinstance(destination, str):
            return Unrated(shown_as, "destination must be text")
        digits = destination.removeprefix("+")
        if not (digits.isdigit() and digits.isascii()):
            return Unrated(shown_as, _NOT_DIGITS)
        if len(digits) > MAX_DESTINATION_LENGTH:
            return Unrated(shown_as, f"destination has more than {MAX_DESTINATION_LENGTH} digits")
        if any(digits[:length] in self._index for length in self._lengths):
            return Unrated(shown_as, f"no rate in effect at {when.isoformat()}")
        return Unrated(shown_as, "no rate for this destination")

    def _match(self, destination: object, at: object) -> Plan | Unrated:
        """The plan of the rate for ``destination`` at ``at``, or why there is none."""
        when = at if type(at) is datetime and at.tzinfo is UTC else require_utc(at, field="at")
        plan = self._find(destination, when)
        return self._unrated(destination, when) if plan is None else plan

    def _money(self, plan: Plan, units: int) -> Money:
        return self._cost(plan.rounded(units))

    def rate(  # noqa: C901, PLR0912 - the volume path, written out inline
        self, destination: str, seconds: object, *, at: datetime
    ) -> RatedCall | Unrated:
        """Price a call of ``seconds`` (int or Decimal) to ``destination`` made at ``at``.

        The longest prefix with a rate in effect at ``at`` wins; among rates of one prefix,
        the latest ``effective_from``. A destination that is not digits (with an optional
        leading ``+``) is :class:`Unrated`, not an error, so one odd record never stops an
        import. A bad ``seconds`` or ``at`` is a :class:`~telcocore.ValidationError`.
        """
        if type(seconds) is not int or not 0 <= seconds <= MAX_SECONDS:
            seconds = billable_seconds(seconds)
        if type(at) is not datetime or at.tzinfo is not UTC:
            at = require_utc(at, field="at")
        if type(destination) is str and at >= self._settled:
            # Every rate in effect now stays so: no dates. The match depends only on the
            # first digits, kept per leading part; a kept part is a valid one, so the rest
            # of the destination must be ASCII digits, and not too many of them.
            length = self._key_length
            entry = self._matches.get(destination[:length], _UNSEEN)
            rest = destination[length:]
            if (
                entry is _UNSEEN
                or len(destination) > _DIGITS
                or (rest and not (rest.isdigit() and rest.isascii()))
            ):
                entry = self._settled_entry(destination)
        else:
            plan = self._find(destination, at)
            entry = None if plan is None else plan.hot
        if entry is None:
            return self._unrated(destination, at)
        (
            prefix,
            description,
            rate,
            tiered,
            a,
            b,
            free,
            units,
            unit_rate,
            minimum,
            mul,
            add,
            div,
            round_,
        ) = entry
        if seconds == 0:
            cost = self._zero
            billed = 0
        elif tiered is None:  # no tiers: the A/B rule (as in Plan.units)
            billed = a if seconds <= a else a + -(-(seconds - a) // b) * b
            if billed > free:
                units += (billed - free) * unit_rate
            if units < minimum:  # noqa: PLR1730 - a comparison is cheaper than max()
                units = minimum
            if round_ is None:
                q = (units * mul + add) // div
            else:
                q, r = divmod(units * mul, div)
                if r:
                    q = round_(q, r, div)
            kept = self._costs.get(q)
            cost = self._cost(q) if kept is None else kept
        else:
            billed, units = tiered.units(seconds)
            cost = self._cost(tiered.rounded(units))
        return _new_call(RatedCall, (destination, prefix, description, seconds, billed, cost, rate))

    def _settled_entry(self, destination: str) -> Hot | None:
        """The :attr:`Plan.hot` of ``destination``'s match once settled, kept per leading part.

        ``None`` if the destination is not a number or nothing matches it.
        """
        sign = destination.rstrip(_ASCII_DIGITS)
        if (sign and sign != "+") or not 0 < len(destination) - len(sign) <= _DIGITS:
            return None
        key = destination[: self._key_length]
        matches = self._matches
        if key in matches:
            return matches[key]
        plan = self._settled_match(key.removeprefix("+"))
        entry = None if plan is None else plan.hot
        if len(matches) >= _KEPT_MATCHES:
            matches.clear()
        matches[key] = entry
        return entry

    def _cost(self, q: int) -> Money:
        """``q`` steps of the deck's precision as Money, kept for the next call that costs it."""
        value = Decimal(q).scaleb(self._exponent, EXACT) if self._exponent else Decimal(q)
        cost = Money._trusted(value, self.currency)  # noqa: SLF001 - built from checked parts
        if len(self._costs) < _KEPT_COSTS:
            self._costs[q] = cost
        return cost

    def first_block(self, destination: str, *, at: datetime) -> Money | Unrated:
        """What a call costs as soon as it is answered: connect fee and the first block.

        That is the cost of a call of ``initial_increment`` seconds (free seconds and the
        minimum charge included): what a call start must be able to pay.
        """
        plan = self._match(destination, at)
        if isinstance(plan, Unrated):
            return plan
        return self._money(plan, plan.units(plan.initial)[1])

    def max_duration(  # noqa: C901 - one search, step by step
        self, destination: str, credit: Money, *, at: datetime
    ) -> int | Unrated:
        """The longest call, in billed seconds, whose cost fits in ``credit``.

        The answer is the end of a billing block (a billed boundary): a call of that many
        seconds costs at most ``credit``, one block more costs more. ``0`` if not even the
        first block fits. At most :data:`MAX_CALL_SECONDS`, so a free rate has an answer.
        ``credit`` must be Money in the deck's currency. Blocks are stepped over with a
        binary search per tier: no loop over seconds or blocks.
        """
        if not isinstance(credit, Money):
            msg = f"credit must be Money, got {shown(credit)}"
            raise ValidationError(msg, field="credit", value=credit)
        if credit.currency != self.currency:
            msg = f"credit {credit} must be in the deck's currency {self.currency}"
            raise ValidationError(msg, field="credit", value=credit)
        plan = self._match(destination, at)
        if isinstance(plan, Unrated):
            return plan
        limit = int(
            (credit.amount.scaleb(self.precision, EXACT)).to_integral_value(decimal.ROUND_FLOOR)
        )

        def fits(seconds: int) -> bool:
            return plan.rounded(plan.units(seconds)[1]) <= limit

        if plan.initial > MAX_CALL_SECONDS or not fits(plan.initial):
            return 0
        best = plan.initial
        for start, end, step in plan.block_ends():
            last = (MAX_CALL_SECONDS - start) // step  # blocks that end within the cap
            capped = end is None or last < -(-(end - start) // step)
            if not capped:
                last = -(-(end - start) // step)  # type: ignore[operator]
            if last <= 0:
                return best
            if fits(start + last * step):
                best = start + last * step
                if capped:
                    return best
                continue
            low, high = 0, last  # fits(start + low * step), not fits(start + high * step)
            while high - low > 1:
                middle = (low + high) // 2
                if fits(start + middle * step):
                    low = middle
                else:
                    high = middle
            return start + low * step
        return best
