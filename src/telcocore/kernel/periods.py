"""Instants and periods, always timezone-aware and in UTC.

A naive datetime (one without ``tzinfo``) is refused at the public API: its meaning depends
on the machine it runs on. Aware datetimes in other zones are accepted and converted to UTC.
Periods are half-open, ``[start, end)``, and fall on UTC day and month boundaries.

>>> from datetime import date
>>> Period.month(2026, 2)
Period(start=datetime.datetime(2026, 2, 1, 0, 0, tzinfo=datetime.timezone.utc), \
end=datetime.datetime(2026, 3, 1, 0, 0, tzinfo=datetime.timezone.utc))
>>> months_before(date(2026, 5, 31), 3)
datetime.date(2026, 2, 28)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
from dateutil.relativedelta import relativedelta

from telcocore.kernel.errors import NaiveDatetime, ValidationError
from telcocore.kernel.validation import shown, validate_int

__all__ = ["UTC", "Period", "months_before", "require_utc"]


def require_utc(value: object, *, field: str = "when") -> datetime:
    """Return ``value`` converted to UTC; refuse naive datetimes and non-datetimes."""
    if not isinstance(value, datetime):
        msg = f"{field} must be a timezone-aware datetime, got {shown(value)}"
        raise ValidationError(msg, field=field, value=value)
    if value.tzinfo is None or value.utcoffset() is None:
        msg = (
            f"{field} {value.isoformat()} has no time zone; pass an aware datetime, "
            "e.g. datetime.now(UTC)"
        )
        raise NaiveDatetime(msg, field=field, value=value)
    if value.tzinfo is UTC:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC, or 9999-12-31 west of it
        msg = f"{field} {value.isoformat()} is out of range in UTC (years 1 to 9999)"
        raise ValidationError(msg, field=field, value=value) from None


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, clamped to the month's end."""
    return day - relativedelta(months=months)


def _a_day(value: object, *, field: str) -> date:
    """A calendar day whose next day a datetime holds, or a ValidationError naming it."""
    if not isinstance(value, date) or value >= date.max:
        msg = f"{field} must be a date before {date.max.isoformat()}, got {shown(value)}"
        raise ValidationError(msg, field=field, value=value)
    return value


def _start(value: object) -> datetime:
    return require_utc(value, field="start")


def _end(value: object) -> datetime:
    return require_utc(value, field="end")


def _check_order(instance: Period, _attribute: object, end: datetime) -> None:
    if end <= instance.start:
        msg = f"period end {end.isoformat()} must be after its start {instance.start.isoformat()}"
        raise ValidationError(msg, field="end", value=end)


@attrs.frozen
class Period:
    """A half-open UTC interval ``[start, end)``."""

    start: datetime = attrs.field(converter=_start)
    end: datetime = attrs.field(converter=_end, validator=_check_order)

    @classmethod
    def day(cls, day: date) -> Period:
        """The UTC day ``day``."""
        start = _start_of(_a_day(day, field="day"))
        return cls(start, start + timedelta(days=1))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """The UTC calendar month ``year``-``month`` (up to 9999-11)."""
        year = validate_int(year, field="year", minimum=1, maximum=date.max.year)
        month = validate_int(month, field="month", minimum=1, maximum=12)
        start = datetime(year, month, 1, tzinfo=UTC)
        if (year, month) == (date.max.year, 12):  # its end is past what a datetime holds
            msg = f"month {year}-{month:02d} ends after the last instant a datetime holds"
            raise ValidationError(msg, field="month", value=month)
        return cls(start, start + relativedelta(months=1))

    @classmethod
    def days(cls, first: date, last: date) -> Period:
        """The UTC days from ``first`` to ``last``, both included (up to 9999-12-30)."""
        end = _start_of(_a_day(last, field="last")) + timedelta(days=1)
        return cls(_start_of(_a_day(first, field="first")), end)

    def __contains__(self, instant: datetime) -> bool:
        return self.start <= require_utc(instant, field="instant") < self.end
