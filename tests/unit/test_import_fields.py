"""The importers' row view and remembered values: the same answers as reading afresh."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from telcocore.calls.importers import _fields
from telcocore.calls.importers._fields import Clock, Seconds
from telcocore.calls.importers._rows import RowFields, column_index


class TestRowFields:
    """A row's fields by column name, without a dict per row."""

    def test_reads_like_the_dict_it_replaces(self) -> None:
        """Lookup, order, length, membership and equality are a dict's."""
        names = ("a", "b", "c")
        row = RowFields(column_index(names), ["1", "2", "3"])
        expected = {"a": "1", "b": "2", "c": "3"}
        assert expected == row
        assert row == expected
        assert ["a", "b", "c"] == list(row)
        assert 3 == len(row)
        assert "b" in row
        assert "z" not in row
        assert "2" == row["b"]
        assert row.get("z") is None
        with pytest.raises(KeyError):
            row["z"]

    def test_a_name_given_twice_reads_its_last_column(self) -> None:
        """As ``dict(zip(names, fields))`` did: the last column of a name wins."""
        names = ("a", "b", "a")
        row = RowFields(column_index(names), ["1", "2", "3"])
        assert dict(zip(names, ["1", "2", "3"], strict=True)) == row

    def test_copies_and_pickles_as_a_dict(self) -> None:
        """A copy or an unpickled row is a plain dict with the same items."""
        row = RowFields(column_index(("a",)), ["1"])
        assert {"a": "1"} == pickle.loads(pickle.dumps(row))  # noqa: S301 - our own bytes
        assert isinstance(copy.copy(row), dict)
        assert "RowFields({'a': '1'})" == repr(row)


class TestRemembered:
    """Times and seconds read once are remembered, and give what reading gives."""

    def test_a_time_read_twice_is_the_same_instant(self) -> None:
        """The second read comes from memory and equals the first."""
        clock = Clock(UTC)
        first = clock.read("2026-03-14 15:09:26")
        assert datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC) == first
        assert first is clock.seen.get("2026-03-14 15:09:26")
        assert clock.read("2026-03-14 15:09:26") == first
        assert clock.read("2026-03-14 15:09:2x") is None

    def test_the_memory_is_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Past the bound the clock forgets and starts over; answers stay right."""
        monkeypatch.setattr(_fields, "_SEEN_LIMIT", 3)
        clock = Clock(UTC)
        for second in range(10):
            text = f"2026-03-14 15:09:{second:02d}"
            assert datetime(2026, 3, 14, 15, 9, second, tzinfo=UTC) == clock.read(text)
        assert len(clock.seen) <= 3

    @pytest.mark.parametrize("text", ["", "-1", "1.5", "٣", "12345678901", " 1"])
    def test_seconds_that_are_not_digits_are_refused(self, text: str) -> None:
        """Not ASCII digits, or more than ten of them: ``None``, and not remembered."""
        numbers = Seconds()
        assert numbers.read(text) is None
        assert text not in numbers.known

    def test_seconds_are_remembered_with_their_decimal(self) -> None:
        """``"0042"`` is 42 and Decimal 42, remembered under its text."""
        numbers = Seconds()
        assert (42, Decimal(42)) == numbers.read("0042")
        assert (42, Decimal(42)) == numbers.known["0042"]


class TestSecondOccurrence:
    """A local time the clocks go back over names two instants; ``second`` gives the later."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            # Berlin goes back from 03:00 CEST to 02:00 CET on 2026-10-25.
            ("2026-10-25 02:05:00", datetime(2026, 10, 25, 1, 5, tzinfo=UTC)),
            ("2026-10-25 02:59:59", datetime(2026, 10, 25, 1, 59, 59, tzinfo=UTC)),
            ("2026-10-25 01:59:59", None),
            ("2026-10-25 03:00:00", None),
            # It goes forward from 02:00 CET to 03:00 CEST on 2026-03-29: 02:30 never happens.
            ("2026-03-29 02:30:00", None),
            ("2026-07-01 12:00:00", None),
            ("not a time at all!!", None),
        ],
    )
    def test_berlin(self, text: str, expected: datetime | None) -> None:
        """Only the repeated hour has a second occurrence, an hour after the first."""
        clock = Clock(ZoneInfo("Europe/Berlin"))
        assert expected == clock.second(text)
        first = clock.read(text)
        if expected is not None:
            assert first is not None
            assert 3600 == (expected - first).total_seconds()

    def test_utc_repeats_nothing(self) -> None:
        """In UTC every time names one instant."""
        assert Clock(UTC).second("2026-10-25 02:05:00") is None
