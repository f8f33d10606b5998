"""Argument types the commands share: days, months and instants, all in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click

__all__ = ["DAY", "INSTANT", "MONTH", "Day", "Instant", "Month"]


class Day(click.ParamType[date]):
    """A UTC day written ``YYYY-MM-DD``, as a :class:`datetime.date`."""

    name = "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        """The day ``value`` names, or a usage error saying what was wrong."""
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a day written YYYY-MM-DD", param, ctx)


class Month(click.ParamType[tuple[int, int]]):
    """A month written ``YYYY-MM``, as ``(year, month)``."""

    name = "YYYY-MM"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, int]:
        """The month ``value`` names, or a usage error saying what was wrong."""
        if isinstance(value, tuple):
            return value
        try:
            first = date.fromisoformat(f"{str(value).strip()}-01")
        except ValueError:
            self.fail(f"{value!r} is not a month written YYYY-MM", param, ctx)
        return first.year, first.month


class Instant(click.ParamType[datetime]):
    """An instant in ISO 8601; one without an offset is read as UTC, and kept in UTC."""

    name = "ISO-8601"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """The instant ``value`` names, in UTC, or a usage error saying what was wrong."""
        if isinstance(value, datetime):
            found = value
        else:
            try:
                found = datetime.fromisoformat(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a time in ISO 8601 (2026-03-14T15:09:26Z)", param, ctx)
        if found.tzinfo is None:
            found = found.replace(tzinfo=UTC)
        try:
            return found.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0, UTC
            self.fail(
                f"{value!r} is not a time in ISO 8601 between the years 1 and 9999, UTC", param, ctx
            )


DAY = Day()
MONTH = Month()
INSTANT = Instant()
