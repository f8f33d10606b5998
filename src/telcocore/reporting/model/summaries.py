"""Summary rows: an account's posted calls counted per UTC period, destination and class.

A :class:`SummaryRow` covers one account's calls that *started* in one UTC period of a
:class:`Grain` (an hour, a day or a calendar month), for one rate prefix and one
classification (or summed over them, when read with a coarser :class:`Split`). It holds
counts and sums only:

- ``attempts``: every posted call, answered or not;
- ``connected``: the calls whose disposition is ``answered`` (someone picked up; such a
  call may have 0 billable seconds);
- ``duration``: the talk time, the sum of the calls' billable seconds (answer to end, as
  the switch reported them; ringing is not counted);
- ``billed_seconds``: the seconds billed after the rates' increments;
- ``charge``: what the customer was charged, each call rounded once by the deck;
- ``costed_calls``, ``cost`` and ``costed_charge``: the calls whose provider cost is
  known (a provider deck priced them, in the charge's currency), their cost and their
  charge. A call without a known cost is counted in ``attempts`` only: profit is claimed
  over the costed calls alone, never over calls whose cost is unknown.

The ratios are computed when read, from the sums, never stored:
:attr:`SummaryRow.asr` (connected / attempts, in percent), :attr:`SummaryRow.acd`
(duration / connected, in seconds), :attr:`SummaryRow.profit` and
:attr:`SummaryRow.profit_percent` (profit / costed charge, in percent). Each is rounded
half-even to :data:`RATIO_PLACES` decimal places.

>>> from datetime import UTC, datetime
>>> Grain.DAY.start_of(datetime(2026, 3, 14, 23, 59, 59, tzinfo=UTC))
datetime.datetime(2026, 3, 14, 0, 0, tzinfo=datetime.timezone.utc)
>>> Grain.MONTH.after(datetime(2026, 12, 1, tzinfo=UTC))
datetime.datetime(2027, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import decimal
import enum
import inspect
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final

import attrs

from telcocore.calls.model.classification import Classification
from telcocore.calls.model.posting import PostedCall
from telcocore.calls.model.records import Disposition
from telcocore.kernel.errors import CurrencyMismatch
from telcocore.kernel.money import EXACT, UNBOUNDED, Money
from telcocore.kernel.periods import require_utc
from telcocore.kernel.trusted import trusted_constructor
from telcocore.kernel.validation import shown, validate_items
from telcocore.reporting.errors import InvalidSelection

__all__ = [
    "FULL_SPLIT",
    "LIVE_HOURS",
    "RATIO_PLACES",
    "Grain",
    "Split",
    "SummaryRow",
    "SummaryTotals",
    "combine",
    "divide",
    "live_window",
    "row_of_fields",
    "summarize_calls",
    "summary_totals",
    "validate_rows",
    "validate_split",
]

RATIO_PLACES: Final = 2
"""The decimal places of ASR, ACD and profit %, rounded half-even."""

LIVE_HOURS: Final = 24
"""The hours the live view shows: the current one and the 23 before it."""

_ZERO: Final = Decimal(0)
_HUNDRED: Final = Decimal(100)
_add: Final = UNBOUNDED.add


class Grain(enum.StrEnum):
    """The length of a summary row's period, on UTC boundaries."""

    HOUR = "hour"
    DAY = "day"
    MONTH = "month"

    def start_of(self, instant: datetime) -> datetime:
        """The start of the period of this grain that holds ``instant`` (in UTC)."""
        moment = instant.astimezone(UTC)
        hour = moment.replace(minute=0, second=0, microsecond=0)
        if self is Grain.HOUR:
            return hour
        day = hour.replace(hour=0)
        return day if self is Grain.DAY else day.replace(day=1)

    def after(self, start: datetime) -> datetime:
        """The start of the period after the one starting at ``start``."""
        if self is Grain.HOUR:
            return start + timedelta(hours=1)
        if self is Grain.DAY:
            return start + timedelta(days=1)
        if start.month == 12:  # noqa: PLR2004 - December
            return start.replace(year=start.year + 1, month=1)
        return start.replace(month=start.month + 1)

    def starts(self, start: datetime, end: datetime) -> list[datetime]:
        """The starts of the periods of this grain that overlap ``[start, end)``, in order."""
        found = []
        moment = self.start_of(start)
        while moment < end:
            found.append(moment)
            moment = self.after(moment)
        return found


class Split(enum.StrEnum):
    """What a read keeps apart; what it does not name is summed over."""

    DESTINATION = "destination"
    """One row per rate prefix (with its description)."""
    CLASSIFICATION = "classification"
    """One row per classification (domestic, international, ...)."""


FULL_SPLIT: Final = (Split.DESTINATION, Split.CLASSIFICATION)
"""Rows as they are kept: by destination and by classification."""


def divide(numerator: Decimal | int, denominator: Decimal | int, places: int) -> Decimal:
    """``numerator / denominator`` rounded half-even to ``places`` decimal places, exactly.

    The quotient is worked out in whole numbers, so nothing rounds under a decimal
    context: one rounding, half-even, at ``places``.

    >>> divide(2, 3, 2), divide(Decimal("0.5"), 4, 2), divide(-1, 8, 2)
    (Decimal('0.67'), Decimal('0.12'), Decimal('-0.12'))
    """
    top, bottom = Decimal(numerator), Decimal(denominator)
    scale = max(0, -int(top.as_tuple().exponent), -int(bottom.as_tuple().exponent))
    n = int(top.scaleb(scale + places, UNBOUNDED))
    d = int(bottom.scaleb(scale, UNBOUNDED))
    if d < 0:
        n, d = -n, -d
    quotient, remainder = divmod(abs(n), d)
    if 2 * remainder > d or (2 * remainder == d and quotient % 2):
        quotient += 1
    return Decimal(-quotient if n < 0 else quotient).scaleb(-places)


def _key_text(value: object) -> str:
    return "" if value is None else str(value)


_money: Final = Money._trusted  # noqa: SLF001 - a row's amounts were Money when it was made


def _amount(value: object, field: str, currency: str | None) -> Decimal:
    """The amount of ``value``, one of a row's amounts: ``Money``, in ``currency`` if given."""
    if not isinstance(value, Money):
        msg = f"a summary row's {field} must be Money, got {shown(value)}"
        raise InvalidSelection(msg, field=field, value=value)
    if currency is not None and value.currency != currency:
        msg = f"a summary row's {field} {value} is not in its charge's currency {currency}"
        raise CurrencyMismatch(currency, value.currency, operation="sum", message=msg, field=field)
    return value.amount


@attrs.frozen(init=False, repr=False, weakref_slot=False)  # see kernel.trusted
class SummaryRow:
    """An account's posted calls of one period, destination and classification, summed.

    ``prefix`` and ``description`` are ``None`` in a row summed over destinations,
    ``classification`` in a row summed over classifications. ``cost`` is ``None`` when no
    call's provider cost is known. See the module for each column.

    A row is made of its columns in the order above, the amounts as :class:`Money` of one
    currency (:class:`~telcocore.CurrencyMismatch` otherwise). It holds the currency once
    and the amounts as decimals: :attr:`charge`, :attr:`cost` and :attr:`costed_charge`
    make their ``Money`` when asked for, so a read of thousands of rows makes none it is
    not asked for.
    """

    account_id: str
    """The account the calls were billed to."""
    grain: Grain
    """Hour, day or month."""
    period_start: datetime
    """The start of the period (UTC); the calls started in ``[period_start, next)``."""
    prefix: str | None
    """The rate prefix that priced the calls."""
    description: str | None
    """That rate's description (the destination's name) as last posted."""
    classification: Classification | None
    """Domestic, international, ... from the account's home region."""
    attempts: int
    """Calls posted."""
    connected: int
    """Calls answered."""
    duration: Decimal
    """Talk time: the calls' billable seconds (answer to end), summed."""
    billed_seconds: int
    """Seconds billed after the rates' increments."""
    currency: str
    """The currency of every amount of the row: the account's."""
    _charge: Decimal
    costed_calls: int
    """Calls whose provider cost is known."""
    _cost: Decimal | None
    _costed_charge: Decimal

    def __init__(  # noqa: PLR0913, PLR0917 - a row's columns, in order
        self,
        account_id: str,
        grain: Grain,
        period_start: datetime,
        prefix: str | None,
        description: str | None,
        classification: Classification | None,
        attempts: int,
        connected: int,
        duration: Decimal,
        billed_seconds: int,
        charge: Money,
        costed_calls: int,
        cost: Money | None,
        costed_charge: Money,
    ) -> None:
        amount = _amount(charge, "charge", None)
        currency = charge.currency
        self.__attrs_init__(
            account_id,
            grain,
            period_start,
            prefix,
            description,
            classification,
            attempts,
            connected,
            duration,
            billed_seconds,
            currency,
            amount,
            costed_calls,
            None if cost is None else _amount(cost, "cost", currency),
            _amount(costed_charge, "costed_charge", currency),
        )

    @property
    def charge(self) -> Money:
        """What the customer was charged, in the account's currency."""
        return _money(self._charge, self.currency)

    @property
    def cost(self) -> Money | None:
        """The provider's cost of the costed calls; ``None`` if no cost is known."""
        return None if self._cost is None else _money(self._cost, self.currency)

    @property
    def costed_charge(self) -> Money:
        """The customer's charge of the costed calls: the base of profit and profit %."""
        return _money(self._costed_charge, self.currency)

    def columns(self) -> dict[str, object]:
        """The row's columns by name, as its constructor takes them (amounts as ``Money``)."""
        return {name: getattr(self, name) for name in _COLUMNS}

    def __repr__(self) -> str:
        shown_columns = ", ".join(f"{name}={value!r}" for name, value in self.columns().items())
        return f"SummaryRow({shown_columns})"

    @property
    def asr(self) -> Decimal | None:
        """Answer-seizure ratio: connected / attempts, in percent; ``None`` without attempts."""
        if not self.attempts:
            return None
        return divide(self.connected * 100, self.attempts, RATIO_PLACES)

    @property
    def acd(self) -> Decimal | None:
        """Average connected duration: duration / connected, in seconds; ``None`` if none."""
        if not self.connected:
            return None
        return divide(self.duration, self.connected, RATIO_PLACES)

    @property
    def profit(self) -> Money | None:
        """Costed charge less cost; ``None`` when no call's cost is known."""
        if self.cost is None:
            return None
        return self.costed_charge - self.cost

    @property
    def profit_percent(self) -> Decimal | None:
        """Profit / costed charge, in percent; ``None`` without a cost or a charge."""
        profit = self.profit
        if profit is None or self.costed_charge.is_zero():
            return None
        return divide(profit.amount * _HUNDRED, self.costed_charge.amount, RATIO_PLACES)

    @property
    def cost_complete(self) -> bool:
        """Whether every call's provider cost is known (so profit covers them all)."""
        return self.costed_calls == self.attempts

    @property
    def sort_key(self) -> tuple[str, str, datetime, str, str]:
        """Rows in reading order: account, grain, period, prefix (by code point), class."""
        return (
            self.account_id,
            self.grain.value,
            self.period_start,
            _key_text(self.prefix),
            _key_text(self.classification),
        )


_COLUMNS: Final = tuple(inspect.signature(SummaryRow).parameters)
"""A row's columns, in the order its constructor takes them."""
row_of_fields: Final = trusted_constructor(SummaryRow)
"""A row of its fields in order (the columns, the amounts as decimals after the currency),
checked no more: for sums of checked amounts and rows read as stored."""


def _keeping(row: SummaryRow, *, prefix: bool, kind: bool) -> SummaryRow:
    """``row`` with the prefix and description, or the class, left out unless kept."""
    return row_of_fields(
        row.account_id,
        row.grain,
        row.period_start,
        row.prefix if prefix else None,
        row.description if prefix else None,
        row.classification if kind else None,
        row.attempts,
        row.connected,
        row.duration,
        row.billed_seconds,
        row.currency,
        row._charge,  # noqa: SLF001 - the same class
        row.costed_calls,
        row._cost,  # noqa: SLF001 - the same class
        row._costed_charge,  # noqa: SLF001 - the same class
    )


def _plus(left: SummaryRow, right: SummaryRow, *, prefix: bool, kind: bool) -> SummaryRow:
    """Two rows of one account and period summed, keeping the prefix and class asked for."""
    if left.cost is None:
        cost = right.cost
    elif right.cost is None:
        cost = left.cost
    else:
        cost = left.cost + right.cost
    return SummaryRow(
        account_id=left.account_id,
        grain=left.grain,
        period_start=left.period_start,
        prefix=left.prefix if prefix else None,
        description=right.description if prefix else None,
        classification=left.classification if kind else None,
        attempts=left.attempts + right.attempts,
        connected=left.connected + right.connected,
        duration=_add(left.duration, right.duration),
        billed_seconds=left.billed_seconds + right.billed_seconds,
        charge=left.charge + right.charge,
        costed_calls=left.costed_calls + right.costed_calls,
        cost=cost,
        costed_charge=left.costed_charge + right.costed_charge,
    )


def validate_split(value: object) -> tuple[Split, ...]:
    """``by`` as splits, in their order: a :class:`Split` (or its name) or several.

    An empty ``by`` sums every destination and classification of a period into one row.
    """
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, bytes | dict):
        msg = f"by must name splits (destination, classification), got {shown(value)}"
        raise InvalidSelection(msg, field="by", value=value)
    chosen: set[Split] = set()
    for item in items:
        try:
            chosen.add(Split(item))
        except (ValueError, TypeError):
            msg = f"by {shown(item)} is not one of destination, classification"
            raise InvalidSelection(msg, field="by", value=item) from None
    return tuple(split for split in Split if split in chosen)


def validate_rows(value: object) -> list[SummaryRow]:
    """``rows`` as a list of :class:`SummaryRow`, or :class:`InvalidSelection`."""
    return validate_items(
        value, SummaryRow, field="rows", error=InvalidSelection, text_refused=True
    )


def combine(rows: Iterable[SummaryRow], by: Sequence[Split]) -> list[SummaryRow]:
    """``rows`` summed per account, grain and period, keeping apart only what ``by`` names.

    Rows of one key keep the description of the last of them. The result is in reading
    order (:attr:`SummaryRow.sort_key`).
    """
    prefix = Split.DESTINATION in by
    kind = Split.CLASSIFICATION in by
    merged: dict[tuple[object, ...], SummaryRow] = {}
    for row in rows:
        key = (
            row.account_id,
            row.grain,
            row.period_start,
            row.prefix if prefix else None,
            row.classification if kind else None,
        )
        known = merged.get(key)
        if known is None:
            merged[key] = row if prefix and kind else _keeping(row, prefix=prefix, kind=kind)
        else:
            merged[key] = _plus(known, row, prefix=prefix, kind=kind)
    return sorted(merged.values(), key=lambda r: r.sort_key)


def live_window(now: datetime) -> tuple[datetime, datetime]:
    """The live view's hours at ``now``: the current hour and the 23 before it.

    >>> live_window(datetime(2026, 3, 14, 8, 59, tzinfo=UTC))[0]
    datetime.datetime(2026, 3, 13, 9, 0, tzinfo=datetime.timezone.utc)
    """
    hour = Grain.HOUR.start_of(require_utc(now, field="now"))
    return hour - timedelta(hours=LIVE_HOURS - 1), hour + timedelta(hours=1)


_ANSWERED: Final = Disposition.ANSWERED
_UNKNOWN: Final = Classification.UNKNOWN


class _Sums:
    """The running sums of one key, while calls (or other sums) are added to it.

    Decimals are added with ``+`` inside :data:`~telcocore.kernel.money.EXACT`'s context
    (set by :func:`summarize_calls`), which raises rather than rounds: every sum is exact.
    """

    __slots__ = (
        "attempts",
        "billed",
        "charge",
        "connected",
        "cost",
        "costed",
        "costed_charge",
        "duration",
    )

    def __init__(self) -> None:
        self.attempts = 0
        self.connected = 0
        self.duration = _ZERO
        self.billed = 0
        self.charge = _ZERO
        self.costed = 0
        self.cost = _ZERO
        self.costed_charge = _ZERO

    def add(self, other: _Sums) -> None:
        """Add ``other``'s sums to these."""
        self.attempts += other.attempts
        self.connected += other.connected
        self.duration += other.duration
        self.billed += other.billed
        self.charge += other.charge
        self.costed += other.costed
        self.cost += other.cost
        self.costed_charge += other.costed_charge


_HourKey = tuple[str, datetime, str, Classification]


def _hours(
    calls: Iterable[PostedCall],
) -> tuple[dict[_HourKey, _Sums], dict[tuple[str, str], str], dict[str, str]]:
    """The calls' sums per account, hour, prefix and class; descriptions; currencies."""
    hours: dict[_HourKey, _Sums] = {}
    names: dict[tuple[str, str], str] = {}
    currencies: dict[str, str] = {}
    starts: dict[tuple[int, int, int, int], datetime] = {}  # datetime.replace is slow
    with decimal.localcontext(EXACT):
        for call in calls:
            record = call.record
            account_id = record.account_id
            start = record.start
            when = (start.year, start.month, start.day, start.hour)
            hour = starts.get(when)
            if hour is None:
                hour = starts[when] = datetime(*when, tzinfo=UTC)
            key = (account_id, hour, call.prefix, record.classification or _UNKNOWN)
            sums = hours.get(key)
            if sums is None:
                sums = hours[key] = _Sums()
            charge = call.charge
            sums.attempts += 1
            if record.disposition is _ANSWERED:
                sums.connected += 1
            sums.duration += record.billable
            sums.billed += call.billed_seconds
            sums.charge += charge.amount
            cost = call.provider_cost
            if cost is not None and cost.currency == charge.currency:
                sums.costed += 1
                sums.cost += cost.amount
                sums.costed_charge += charge.amount
            names[account_id, call.prefix] = call.description
            currencies[account_id] = charge.currency
    return hours, names, currencies


SummaryTotals = tuple[
    str, Grain, datetime, str, Classification, str, str,
    int, int, Decimal, int, Decimal, int, Decimal, Decimal,
]  # fmt: skip
"""One key's sums as a batch of calls adds them to the kept rows, as a plain tuple.

``(account_id, grain, period_start, prefix, classification, description, currency,
attempts, connected, duration, billed_seconds, charge, costed_calls, cost, costed_charge)``:
a :class:`SummaryRow`'s fields in order, amounts as ``Decimal`` (``cost`` ``0`` when no
call is costed), without the objects a row is made of."""


def summary_totals(calls: Iterable[PostedCall]) -> list[SummaryTotals]:
    """The sums ``calls`` add to each key, every grain, sorted by key (see :func:`summarize_calls`).

    What :func:`~telcocore.reporting.services.keep_summaries` writes: one tuple per key,
    in the order of the keys (so concurrent batches lock the stored rows in one order).
    """
    hours, names, currencies = _hours(calls)
    with decimal.localcontext(EXACT):
        totals: dict[tuple[str, Grain, datetime, str, Classification], _Sums] = {}
        periods: dict[datetime, tuple[tuple[Grain, datetime], ...]] = {}
        for (account_id, hour, prefix, kind), sums in hours.items():
            totals[account_id, Grain.HOUR, hour, prefix, kind] = sums
            above = periods.get(hour)
            if above is None:
                day = hour.replace(hour=0)
                above = periods[hour] = ((Grain.DAY, day), (Grain.MONTH, day.replace(day=1)))
            for grain, start in above:
                total = totals.get((account_id, grain, start, prefix, kind))
                if total is None:
                    total = totals[account_id, grain, start, prefix, kind] = _Sums()
                total.add(sums)
    return [
        (
            *key,
            names[key[0], key[3]],
            currencies[key[0]],
            sums.attempts,
            sums.connected,
            sums.duration,
            sums.billed,
            sums.charge,
            sums.costed,
            sums.cost,
            sums.costed_charge,
        )
        for key, sums in sorted(totals.items())
    ]


def summarize_calls(calls: Iterable[PostedCall]) -> list[SummaryRow]:
    """The summary rows of ``calls``, every grain: what posting them adds to the kept rows.

    Constant work per call: each call is added to the sums of its account, hour, prefix
    and classification (one dictionary look-up); the hours' sums are then added up into
    days and months, and one row made per key. A key's description is the one of the last
    call posted with its prefix. Sums are exact: they are added in the
    :data:`~telcocore.kernel.money.EXACT` context (60 digits), which raises rather than
    rounds.
    """
    return [
        row_of_fields(
            account_id, grain, start, prefix, description, kind, attempts, connected,
            duration, billed, currency, charge, costed, cost if costed else None, costed_charge,
        )
        for (account_id, grain, start, prefix, kind, description, currency, attempts,
             connected, duration, billed, charge, costed, cost, costed_charge)
        in summary_totals(calls)
    ]  # fmt: skip
