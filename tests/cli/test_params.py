"""The argument types the commands share read days, months and instants in UTC, or refuse."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import click
import pytest

from telcocore.cli.params import DAY, INSTANT, MONTH


class TestDay:
    """``YYYY-MM-DD``."""

    def test_a_day_is_read(self) -> None:
        """A day written YYYY-MM-DD is that date."""
        assert DAY.convert("2026-02-28", None, None) == date(2026, 2, 28)

    @pytest.mark.parametrize("text", ["2026-02-30", "28/02/2026", "", "2026-13-01"])
    def test_anything_else_is_a_usage_error(self, text: str) -> None:
        """A day that does not exist or is written otherwise is refused, naming the value."""
        with pytest.raises(click.BadParameter, match="is not a day written YYYY-MM-DD"):
            DAY.convert(text, None, None)


class TestMonth:
    """``YYYY-MM``."""

    def test_a_month_is_year_and_month(self) -> None:
        """A month written YYYY-MM is ``(year, month)``."""
        assert MONTH.convert("2026-11", None, None) == (2026, 11)

    @pytest.mark.parametrize("text", ["2026-13", "2026", "11-2026", "2026-11-01"])
    def test_anything_else_is_a_usage_error(self, text: str) -> None:
        """A month that does not exist or is written otherwise is refused."""
        with pytest.raises(click.BadParameter, match="is not a month written YYYY-MM"):
            MONTH.convert(text, None, None)


class TestInstant:
    """ISO 8601 instants, kept in UTC."""

    def test_an_offset_is_turned_into_utc(self) -> None:
        """A time with an offset is the same instant in UTC."""
        found = INSTANT.convert("2026-03-14T17:09:26+02:00", None, None)
        assert found == datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
        assert found.tzinfo is UTC

    def test_no_offset_means_utc(self) -> None:
        """A time without an offset is read as UTC, never as the machine's local time."""
        assert INSTANT.convert("2026-03-14 15:09:26", None, None) == datetime(
            2026, 3, 14, 15, 9, 26, tzinfo=UTC
        )

    def test_a_datetime_passes_through_in_utc(self) -> None:
        """A datetime given as a default is converted too."""
        given = datetime(2026, 3, 14, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
        assert INSTANT.convert(given, None, None) == datetime(2026, 3, 14, 15, 0, tzinfo=UTC)

    def test_anything_else_is_a_usage_error(self) -> None:
        """Text that is no ISO 8601 time is refused with an example of one."""
        with pytest.raises(click.BadParameter, match="is not a time in ISO 8601"):
            INSTANT.convert("yesterday", None, None)

    @pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:30:00-01:00"])
    def test_an_instant_outside_the_years_a_datetime_holds_is_a_usage_error(
        self, text: str
    ) -> None:
        """A time whose UTC instant falls before year 1 or after 9999 is refused, not a crash."""
        with pytest.raises(click.BadParameter, match="is not a time in ISO 8601"):
            INSTANT.convert(text, None, None)
