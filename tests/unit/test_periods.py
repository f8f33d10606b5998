"""Instants and periods: timezone-aware, in UTC, half-open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from telcocore import Account, NaiveDatetime, Period, TelcoCore, ValidationError
from telcocore.kernel.periods import months_before, require_utc
from telcocore.testing import FixedClock

NAIVE = datetime(2026, 3, 14, 15, 9, 26)  # noqa: DTZ001 - the point of these tests
AWARE = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


def _names_naive(error: BaseException) -> bool:
    return NAIVE.isoformat() in str(error)


class TestNaiveRefused:
    """A naive datetime is refused wherever it enters the public API, naming the value."""

    def test_require_utc(self) -> None:
        """require_utc refuses a naive datetime, naming it and the field."""
        with pytest.raises(NaiveDatetime) as info:
            require_utc(NAIVE, field="when")
        assert (NAIVE, "when", True) == (
            info.value.value,
            info.value.field,
            _names_naive(info.value),
        )

    @pytest.mark.parametrize(
        "edge",
        [
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
            datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
        ],
    )
    def test_an_instant_utc_cannot_hold(self, edge: datetime) -> None:
        """An instant before year 1 or after 9999 in UTC is a ValidationError naming it."""
        with pytest.raises(ValidationError, match="out of range") as info:
            require_utc(edge, field="start")
        assert ("start", edge) == (info.value.field, info.value.value)

    @pytest.mark.parametrize("bound", ["start", "end"])
    def test_ledger_history(self, core: TelcoCore, bound: str) -> None:
        """ledger.history(start=naive) and (end=naive) are refused."""
        core.accounts.open("Acme", "USD", account_id="acme")
        kwargs: dict[str, Any] = {bound: NAIVE}
        with pytest.raises(NaiveDatetime) as info:
            core.ledger.history("acme", **kwargs)
        assert (bound, True) == (info.value.field, _names_naive(info.value))

    def test_fixed_clock(self) -> None:
        """FixedClock(naive) is refused."""
        with pytest.raises(NaiveDatetime) as info:
            FixedClock(NAIVE)
        assert _names_naive(info.value)

    def test_fixed_clock_set(self) -> None:
        """FixedClock.set(naive) is refused and the clock keeps its time."""
        clock = FixedClock(AWARE)
        with pytest.raises(NaiveDatetime):
            clock.set(NAIVE)
        assert AWARE == clock.now()

    def test_period_start(self) -> None:
        """Period(naive, aware) is refused, naming the start."""
        with pytest.raises(NaiveDatetime) as info:
            Period(NAIVE, AWARE + timedelta(days=1))
        assert ("start", True) == (info.value.field, _names_naive(info.value))

    def test_period_end(self) -> None:
        """Period(aware, naive) is refused, naming the end."""
        with pytest.raises(NaiveDatetime) as info:
            Period(AWARE - timedelta(days=1), NAIVE)
        assert ("end", True) == (info.value.field, _names_naive(info.value))

    def test_period_contains(self) -> None:
        """Asking whether a naive instant is in a period is refused."""
        with pytest.raises(NaiveDatetime):
            _ = NAIVE in Period.day(date(2026, 3, 14))

    def test_account_created_at(self) -> None:
        """An account cannot be created at a naive instant."""
        with pytest.raises(NaiveDatetime):
            Account(id="acme", name="Acme", currency="USD", created_at=NAIVE)

    def test_tzinfo_without_offset_is_naive(self) -> None:
        """A tzinfo whose utcoffset() is None still makes a naive datetime."""

        class NoOffset(tzinfo):
            def utcoffset(self, _dt: datetime | None) -> None:
                return None

            def dst(self, _dt: datetime | None) -> None:
                return None

            def tzname(self, _dt: datetime | None) -> None:
                return None

        with pytest.raises(NaiveDatetime):
            require_utc(NAIVE.replace(tzinfo=NoOffset()))

    def test_naive_datetime_is_a_validation_and_type_error(self) -> None:
        """NaiveDatetime is both a ValidationError and a TypeError."""
        with pytest.raises(NaiveDatetime) as info:
            require_utc(NAIVE)
        assert (True, True) == (
            isinstance(info.value, ValidationError),
            isinstance(info.value, TypeError),
        )

    @pytest.mark.parametrize("value", [date(2026, 3, 14), "2026-03-14T15:09:26+00:00", 0, None])
    def test_not_a_datetime(self, value: object) -> None:
        """A date, a string or a number is refused, naming it."""
        with pytest.raises(ValidationError) as info:
            require_utc(value)
        assert repr(value) in str(info.value)


class TestConversionToUtc:
    """Aware datetimes in other zones are converted to UTC."""

    def test_utc_unchanged(self) -> None:
        """A UTC datetime comes back as it is."""
        assert AWARE is require_utc(AWARE)

    def test_fixed_offset(self) -> None:
        """+02:00 15:09 is 13:09 UTC."""
        plus_two = datetime(2026, 3, 14, 15, 9, 26, tzinfo=timezone(timedelta(hours=2)))
        result = require_utc(plus_two)
        assert (datetime(2026, 3, 14, 13, 9, 26, tzinfo=UTC), UTC) == (result, result.tzinfo)

    def test_named_zone_across_date_line(self) -> None:
        """01:00 in Tokyo on 15 March is 16:00 UTC on 14 March."""
        tokyo = datetime(2026, 3, 15, 1, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
        assert datetime(2026, 3, 14, 16, 0, tzinfo=UTC) == require_utc(tokyo)

    def test_zoneinfo_utc(self) -> None:
        """ZoneInfo('UTC') is converted to the datetime.UTC singleton."""
        assert UTC is require_utc(AWARE.replace(tzinfo=ZoneInfo("UTC"))).tzinfo

    def test_fixed_clock_converts(self) -> None:
        """A FixedClock set in New York reports the instant in UTC."""
        new_york = datetime(2026, 7, 1, 8, 0, tzinfo=ZoneInfo("America/New_York"))
        now = FixedClock(new_york).now()
        assert (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), UTC) == (now, now.tzinfo)

    def test_period_converts(self) -> None:
        """A Period given in another zone stores its bounds in UTC."""
        berlin = ZoneInfo("Europe/Berlin")
        period = Period(
            datetime(2026, 1, 1, 1, 0, tzinfo=berlin), datetime(2026, 1, 2, 1, 0, tzinfo=berlin)
        )
        assert (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC), UTC, UTC) == (
            period.start,
            period.end,
            period.start.tzinfo,
            period.end.tzinfo,
        )


class TestPeriod:
    """Periods are half-open [start, end) on UTC boundaries."""

    def test_day(self) -> None:
        """Period.day covers the UTC day from midnight to the next midnight."""
        assert Period(
            datetime(2026, 3, 14, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC)
        ) == Period.day(date(2026, 3, 14))

    def test_day_at_year_end(self) -> None:
        """The last day of a year ends at the next year's first midnight."""
        assert datetime(2027, 1, 1, tzinfo=UTC) == Period.day(date(2026, 12, 31)).end

    @pytest.mark.parametrize(
        ("year", "month", "end"),
        [
            (2026, 2, datetime(2026, 3, 1, tzinfo=UTC)),
            (2028, 2, datetime(2028, 3, 1, tzinfo=UTC)),
            (2026, 12, datetime(2027, 1, 1, tzinfo=UTC)),
            (2026, 1, datetime(2026, 2, 1, tzinfo=UTC)),
        ],
    )
    def test_month(self, year: int, month: int, end: datetime) -> None:
        """Period.month starts on the 1st and ends on the next month's 1st."""
        assert Period(datetime(year, month, 1, tzinfo=UTC), end) == Period.month(year, month)

    @pytest.mark.parametrize(("year", "days"), [(2026, 28), (2028, 29)])
    def test_february_length(self, year: int, days: int) -> None:
        """February has 28 days, 29 in a leap year."""
        period = Period.month(year, 2)
        assert timedelta(days=days) == period.end - period.start

    def test_days_includes_both(self) -> None:
        """Period.days includes its first and its last day."""
        period = Period.days(date(2026, 3, 1), date(2026, 3, 7))
        assert (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 8, tzinfo=UTC)) == (
            period.start,
            period.end,
        )

    def test_single_day_range(self) -> None:
        """Period.days of one day is that day."""
        assert Period.day(date(2026, 3, 14)) == Period.days(date(2026, 3, 14), date(2026, 3, 14))

    def test_start_included_end_excluded(self) -> None:
        """The start instant is in the period, the end instant is not."""
        period = Period.day(date(2026, 3, 14))
        assert (True, True, False, False) == (
            period.start in period,
            period.end - timedelta(microseconds=1) in period,
            period.end in period,
            period.start - timedelta(microseconds=1) in period,
        )

    def test_contains_other_zone(self) -> None:
        """Membership compares instants, whatever their zone."""
        tokyo = datetime(2026, 3, 15, 1, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 14 March UTC
        assert tokyo in Period.day(date(2026, 3, 14))

    @pytest.mark.parametrize("delta", [timedelta(0), timedelta(seconds=-1)])
    def test_end_must_follow_start(self, delta: timedelta) -> None:
        """An empty or inverted period is refused, naming the end."""
        with pytest.raises(ValidationError) as info:
            Period(AWARE, AWARE + delta)
        assert ("end", True) == (info.value.field, (AWARE + delta).isoformat() in str(info.value))

    def test_frozen(self) -> None:
        """A period cannot be changed."""
        period = Period.day(date(2026, 3, 14))
        with pytest.raises(AttributeError):
            period.start = AWARE  # type: ignore[misc]


class TestMonthsBefore:
    """Calendar month arithmetic clamps to the end of the shorter month."""

    @pytest.mark.parametrize(
        ("day", "months", "expected"),
        [
            (date(2026, 5, 31), 3, date(2026, 2, 28)),
            (date(2028, 5, 31), 3, date(2028, 2, 29)),
            (date(2026, 3, 31), 1, date(2026, 2, 28)),
            (date(2026, 7, 31), 1, date(2026, 6, 30)),
            (date(2026, 5, 15), 3, date(2026, 2, 15)),
            (date(2026, 1, 31), 2, date(2025, 11, 30)),
            (date(2026, 3, 14), 0, date(2026, 3, 14)),
            (date(2026, 3, 14), 12, date(2025, 3, 14)),
            (date(2028, 2, 29), 12, date(2027, 2, 28)),
        ],
    )
    def test_months_before(self, day: date, months: int, expected: date) -> None:
        """31 May minus three months is 28 February (29 in a leap year)."""
        assert expected == months_before(day, months)
