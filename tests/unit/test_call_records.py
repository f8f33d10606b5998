"""Call records: the checks of the public constructor, and a round trip of fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telcocore import InvalidAmount, NaiveDatetime
from telcocore.calls.errors import InvalidCallRecord
from telcocore.calls.model.classification import Classification
from telcocore.calls.model.records import CallRecord, Direction, Disposition

START = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


def _fields(**changes: object) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "call_id": "ast:1.1",
        "account_id": "acme",
        "source": "1001",
        "destination": "+14155550123",
        "start": START,
        "answer": START + timedelta(seconds=4),
        "end": START + timedelta(seconds=64),
        "duration": 64,
        "billable": Decimal(60),
        "disposition": Disposition.ANSWERED,
        "direction": Direction.OUTBOUND,
        "raw": {"dst": "+14155550123"},
    }
    return fields | changes


class TestChecks:
    """Each bad field is refused with an error naming it."""

    def test_times_are_converted_to_utc(self) -> None:
        """An aware time in another zone is kept as the same instant in UTC."""
        berlin = timezone(timedelta(hours=1))
        record = CallRecord(**_fields(start=datetime(2026, 3, 14, 16, 9, 26, tzinfo=berlin)))
        assert START == record.start
        assert UTC == record.start.tzinfo

    def test_a_naive_time(self) -> None:
        """A naive datetime is refused."""
        with pytest.raises(NaiveDatetime):
            CallRecord(**_fields(start=datetime(2026, 3, 14, 15, 9, 26)))  # noqa: DTZ001

    def test_a_float_billable(self) -> None:
        """A float is refused as for money."""
        with pytest.raises(InvalidAmount):
            CallRecord(**_fields(billable=60.0))

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"end": START - timedelta(seconds=1)}, "end"),
            ({"answer": START - timedelta(seconds=1)}, "answer"),
            ({"duration": -1}, "duration"),
            ({"billable": "-1"}, "billable"),
            ({"billable": "66"}, "billable"),
            ({"disposition": Disposition.BUSY}, "billable"),
            ({"answer": None}, "answer"),
            ({"call_id": "has space"}, "call_id"),
            ({"account_id": ""}, "account_id"),
            ({"destination": " "}, "destination"),
            ({"disposition": "ringing"}, "disposition"),
            ({"direction": "sideways"}, "direction"),
            ({"raw": {"a": 1}}, "raw"),
            ({"classification": "local"}, "classification"),
        ],
    )
    def test_a_bad_field(self, changes: dict[str, object], field: str) -> None:
        """InvalidCallRecord, with the field's name."""
        with pytest.raises(InvalidCallRecord) as refused:
            CallRecord(**_fields(**changes))
        assert field == refused.value.field

    def test_classified(self) -> None:
        """classified() sets the classification and keeps the rest."""
        record = CallRecord(**_fields())
        classified = record.classified(Classification.INTERNATIONAL)
        assert Classification.INTERNATIONAL == classified.classification
        assert attrs.evolve(record, classification="international") == classified


_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)


@st.composite
def _records(draw: st.DrawFn) -> dict[str, Any]:
    latest = datetime(9000, 1, 1)  # noqa: DTZ001 - hypothesis bounds are naive
    start = draw(st.datetimes(max_value=latest, timezones=st.just(UTC)))
    duration = draw(st.integers(0, 86400))
    disposition = draw(st.sampled_from(Disposition))
    answered = disposition is Disposition.ANSWERED
    billable = draw(st.decimals(0, duration, places=3)) if answered else Decimal(0)
    return _fields(
        call_id=draw(st.from_regex(r"[a-z0-9][a-z0-9:.]{0,40}", fullmatch=True)),
        source=draw(_TEXT),
        destination=draw(_TEXT.filter(str.strip)),
        start=start,
        answer=start if answered else None,
        end=start + timedelta(seconds=duration),
        duration=duration,
        billable=billable,
        disposition=disposition,
        direction=draw(st.sampled_from(Direction)),
        raw=draw(st.dictionaries(_TEXT, _TEXT, max_size=5)),
        classification=draw(st.none() | st.sampled_from(Classification)),
    )


class TestRoundTrip:
    """Whatever valid fields go in come out, and build the same record again."""

    @given(_records())
    def test_fields_round_trip(self, fields: dict[str, Any]) -> None:
        """Every field reads back as given, and the fields rebuild an equal record."""
        record = CallRecord(**fields)
        assert fields == attrs.asdict(record, recurse=False)
        assert record == CallRecord(**attrs.asdict(record, recurse=False))
