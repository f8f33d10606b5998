"""A call record: one call as a switch reported it.

A :class:`CallRecord` holds who called whom (``source``, ``destination``), the account it is
billed to, when the call started, was answered and ended (aware datetimes in UTC), its
``duration`` in whole seconds from start to end, the ``billable`` seconds from answer to end
(a :class:`~decimal.Decimal`, since some switches report milliseconds; zero when nobody
answered), how it ended (:class:`Disposition`), which way it went (:class:`Direction`), and
the source fields as they were read (``raw``). ``classification`` is set when the record is
posted, from the account's home region.

>>> from datetime import UTC, datetime
>>> record = CallRecord(
...     call_id="ast:1700000000.1",
...     account_id="acme",
...     source="1001",
...     destination="+14155550123",
...     start=datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC),
...     answer=datetime(2026, 3, 14, 15, 9, 30, tzinfo=UTC),
...     end=datetime(2026, 3, 14, 15, 10, 30, tzinfo=UTC),
...     duration=64,
...     billable="60",
...     disposition="answered",
... )
>>> record.billable, record.direction, record.classification
(Decimal('60'), <Direction.OUTBOUND: 'outbound'>, None)

The public constructor checks every field and raises
:class:`~telcocore.calls.errors.InvalidCallRecord` naming the one that is wrong; the
importers, which have checked the fields as they read them, build records without those
checks again.

How a switch's own words map to a :class:`Disposition`:

=============================  ==========================================================
Asterisk ``disposition``       ``ANSWERED`` → answered, ``NO ANSWER`` → no_answer,
                               ``BUSY`` → busy, ``FAILED`` → failed,
                               ``CONGESTION`` → congestion (anything else is refused)
FreeSWITCH ``hangup_cause``    any cause with billed seconds > 0 → answered (the call was
                               up, whatever ended it); otherwise ``USER_BUSY`` → busy;
                               ``NORMAL_CLEARING``, ``NO_ANSWER``, ``NO_USER_RESPONSE``,
                               ``ORIGINATOR_CANCEL``, ``ALLOTTED_TIMEOUT``,
                               ``LOSE_RACE``, ``PICKED_OFF`` → no_answer;
                               ``NORMAL_CIRCUIT_CONGESTION``, ``SWITCH_CONGESTION``,
                               ``NETWORK_OUT_OF_ORDER``, ``RECOVERY_ON_TIMER_EXPIRE`` →
                               congestion; every other cause (``CALL_REJECTED``,
                               ``UNALLOCATED_NUMBER``, ``NO_ROUTE_DESTINATION``, ...) →
                               failed
=============================  ==========================================================
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final, NoReturn

import attrs

from telcocore.calls.errors import InvalidCallRecord
from telcocore.calls.model.classification import Classification
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.money import to_decimal
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import (
    coerce_enum,
    shown,
    validate_id,
    validate_int,
    validate_text,
)

__all__ = [
    "MAX_NUMBER_LENGTH",
    "CallRecord",
    "Direction",
    "Disposition",
    "disposition_from_asterisk",
    "disposition_from_hangup_cause",
]

MAX_NUMBER_LENGTH: Final = 256
"""The longest ``source`` or ``destination`` a call record keeps, in characters."""


class Disposition(enum.StrEnum):
    """How a call ended."""

    ANSWERED = "answered"
    """Someone answered: the call has billable seconds (possibly zero)."""
    NO_ANSWER = "no_answer"
    """It rang out, or the caller gave up before an answer."""
    BUSY = "busy"
    """The called party was busy."""
    FAILED = "failed"
    """The call could not be set up (rejected, unallocated number, no route, ...)."""
    CONGESTION = "congestion"
    """The network or the switch had no capacity for it."""


class Direction(enum.StrEnum):
    """Which way a call went, seen from the operator's customer."""

    OUTBOUND = "outbound"
    """The customer called out; the usual billed call, and the importers' default."""
    INBOUND = "inbound"
    """The customer was called (a DID, a toll-free number)."""
    INTERNAL = "internal"
    """Between two extensions of the same system."""


_ASTERISK: Final = {
    "ANSWERED": Disposition.ANSWERED,
    "NO ANSWER": Disposition.NO_ANSWER,
    "BUSY": Disposition.BUSY,
    "FAILED": Disposition.FAILED,
    "CONGESTION": Disposition.CONGESTION,
}

_HANGUP_CAUSES: Final = {
    "USER_BUSY": Disposition.BUSY,
    "NORMAL_CLEARING": Disposition.NO_ANSWER,
    "NO_ANSWER": Disposition.NO_ANSWER,
    "NO_USER_RESPONSE": Disposition.NO_ANSWER,
    "ORIGINATOR_CANCEL": Disposition.NO_ANSWER,
    "ALLOTTED_TIMEOUT": Disposition.NO_ANSWER,
    "LOSE_RACE": Disposition.NO_ANSWER,
    "PICKED_OFF": Disposition.NO_ANSWER,
    "NORMAL_CIRCUIT_CONGESTION": Disposition.CONGESTION,
    "SWITCH_CONGESTION": Disposition.CONGESTION,
    "NETWORK_OUT_OF_ORDER": Disposition.CONGESTION,
    "RECOVERY_ON_TIMER_EXPIRE": Disposition.CONGESTION,
}


def disposition_from_asterisk(text: str) -> Disposition | None:
    """The disposition Asterisk writes as ``text`` (``"NO ANSWER"``, ...), or ``None``.

    >>> disposition_from_asterisk("NO ANSWER"), disposition_from_asterisk("ringing")
    (<Disposition.NO_ANSWER: 'no_answer'>, None)
    """
    return _ASTERISK.get(text.strip().upper())


def disposition_from_hangup_cause(cause: str, billable: Decimal) -> Disposition:
    """The disposition of a FreeSWITCH call that ended with ``cause`` (see the table above).

    A call with billable seconds was answered, whatever its cause says.

    >>> disposition_from_hangup_cause("NORMAL_CLEARING", Decimal(30))
    <Disposition.ANSWERED: 'answered'>
    >>> disposition_from_hangup_cause("NORMAL_CLEARING", Decimal(0))
    <Disposition.NO_ANSWER: 'no_answer'>
    >>> disposition_from_hangup_cause("CALL_REJECTED", Decimal(0))
    <Disposition.FAILED: 'failed'>
    """
    if billable > 0:
        return Disposition.ANSWERED
    return _HANGUP_CAUSES.get(cause.strip().upper(), Disposition.FAILED)


def _refuse(field: str, value: object, problem: str) -> NoReturn:
    msg = f"{field} {shown(value)} {problem}"
    raise InvalidCallRecord(msg, field=field, value=value)


def _raw(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        _refuse("raw", value, "must map column names (str) to field values (str)")
    if any("\x00" in k or "\x00" in v for k, v in value.items()):
        _refuse("raw", value, "must not hold a NUL character, which no storage keeps")
    return dict(value)


@attrs.frozen(init=False)
class CallRecord:
    """One call as a switch reported it (see the module's documentation).

    Checked on construction: ids as :func:`~telcocore.kernel.validation.validate_id`
    wants them, aware datetimes (converted to UTC) with ``start <= answer <= end``,
    ``duration`` a whole number of seconds >= 0, ``billable`` a non-negative decimal
    number of seconds (a string, ``int`` or ``Decimal``; floats are refused) of at most
    ``duration + 1`` (a switch rounds the two separately), zero unless the call was
    answered, and an answer time whenever it is above zero.
    """

    call_id: str
    """Stable for the same source record: importing a file twice gives the same ids."""
    account_id: str
    """The account billed for the call."""
    source: str
    """The calling number or extension, as the switch wrote it."""
    destination: str
    """The called number, as the switch wrote it."""
    start: datetime
    """When the call started (UTC)."""
    answer: datetime | None
    """When it was answered (UTC), or ``None``."""
    end: datetime
    """When it ended (UTC)."""
    duration: int
    """Whole seconds from start to end, as the switch counted them."""
    billable: Decimal
    """Seconds from answer to end; zero for an unanswered call."""
    disposition: Disposition
    """How the call ended."""
    direction: Direction
    """Which way it went."""
    raw: Mapping[str, str] = attrs.field(hash=False)
    """The source fields as read, by column name."""
    classification: Classification | None = None
    """Domestic, international, ...: set when the record is posted."""

    def __init__(  # noqa: PLR0913 - one argument per field, all by keyword
        self,
        *,
        call_id: str,
        account_id: str,
        source: str,
        destination: str,
        start: datetime,
        answer: datetime | None,
        end: datetime,
        duration: int,
        billable: Decimal | int | str,
        disposition: Disposition | str,
        direction: Direction | str = Direction.OUTBOUND,
        raw: Mapping[str, str] | None = None,
        classification: Classification | str | None = None,
    ) -> None:
        try:
            fields = _checked_fields(
                call_id=call_id,
                account_id=account_id,
                source=source,
                destination=destination,
                start=start,
                answer=answer,
                end=end,
                duration=duration,
                billable=billable,
                disposition=disposition,
                direction=direction,
                raw={} if raw is None else raw,
                classification=classification,
            )
        except ValidationError as refused:
            if type(refused) is not ValidationError:  # already precise: NaiveDatetime, ...
                raise
            raise InvalidCallRecord(
                str(refused), field=refused.field, value=refused.value
            ) from None
        self.__attrs_init__(**fields)  # type: ignore[arg-type]

    @classmethod
    def _trusted(  # noqa: PLR0913, PLR0917 - one argument per field, in order
        cls,
        call_id: str,
        account_id: str,
        source: str,
        destination: str,
        start: datetime,
        answer: datetime | None,
        end: datetime,
        duration: int,
        billable: Decimal,
        disposition: Disposition,
        direction: Direction,
        raw: Mapping[str, str],
        classification: Classification | None = None,
    ) -> CallRecord:
        """A record from fields an importer has already checked: no checks again.

        The volume path of every import (and of posting, which sets the
        ``classification``): each slot is set through its descriptor, which is cheaper
        than the frozen class's ``__init__`` (``object.__setattr__`` by name).
        """
        record = _new(cls)
        _set_call_id(record, call_id)
        _set_account_id(record, account_id)
        _set_source(record, source)
        _set_destination(record, destination)
        _set_start(record, start)
        _set_answer(record, answer)
        _set_end(record, end)
        _set_duration(record, duration)
        _set_billable(record, billable)
        _set_disposition(record, disposition)
        _set_direction(record, direction)
        _set_raw(record, raw)
        _set_classification(record, classification)
        return record

    def _classify_in_place(self, classification: Classification) -> None:
        """Set the ``classification`` of a record no one else holds (an import's own).

        Posting an import's records sets it on them instead of making a classified copy of
        each (as :meth:`classified` does for records a caller holds): one object fewer per
        call, built and then traced by the garbage collector for the whole batch.
        """
        _set_classification(self, classification)

    def classified(self, classification: Classification) -> CallRecord:
        """The same record with its ``classification`` set; the other fields stay as they are."""
        kind = coerce_enum(Classification, classification, field="classification")
        record = object.__new__(type(self))
        values = [getattr(self, a.name) for a in attrs.fields(type(self))]
        values[-1] = kind
        record.__attrs_init__(*values)
        return record


_new: Final = object.__new__
_SLOTS: Final = {a.name: CallRecord.__dict__[a.name] for a in attrs.fields(CallRecord)}
_set_call_id: Final = _SLOTS["call_id"].__set__
_set_account_id: Final = _SLOTS["account_id"].__set__
_set_source: Final = _SLOTS["source"].__set__
_set_destination: Final = _SLOTS["destination"].__set__
_set_start: Final = _SLOTS["start"].__set__
_set_answer: Final = _SLOTS["answer"].__set__
_set_end: Final = _SLOTS["end"].__set__
_set_duration: Final = _SLOTS["duration"].__set__
_set_billable: Final = _SLOTS["billable"].__set__
_set_disposition: Final = _SLOTS["disposition"].__set__
_set_direction: Final = _SLOTS["direction"].__set__
_set_raw: Final = _SLOTS["raw"].__set__
_set_classification: Final = _SLOTS["classification"].__set__
if len(_SLOTS) != 13:  # pragma: no cover - a new field must be set in _trusted too  # noqa: PLR2004
    raise AssertionError(sorted(_SLOTS))


def _checked_fields(**given: object) -> dict[str, object]:
    """The fields of a :class:`CallRecord`, checked and converted, by name."""
    start = require_utc(given["start"], field="start")
    end = require_utc(given["end"], field="end")
    answer = given["answer"]
    if answer is not None:
        answer = require_utc(answer, field="answer")
    if end < start:
        _refuse("end", given["end"], f"is before the start {start.isoformat()}")
    if answer is not None and not start <= answer <= end:
        _refuse("answer", given["answer"], "must lie between the start and the end")
    duration = validate_int(given["duration"], field="duration")
    billable = to_decimal(given["billable"], field="billable")
    if billable < 0:
        _refuse("billable", given["billable"], "must not be negative")
    if billable > duration + 1:
        _refuse("billable", given["billable"], f"exceeds the duration of {duration} s")
    disposition = coerce_enum(Disposition, given["disposition"], field="disposition")
    if billable and disposition is not Disposition.ANSWERED:
        _refuse("billable", given["billable"], f"must be 0 for a call that ended {disposition}")
    if billable and answer is None:
        _refuse("answer", None, "must be set when the call has billable seconds")
    classification = given["classification"]
    return {
        "call_id": validate_id(given["call_id"], field="call_id", label="call id"),
        "account_id": validate_id(given["account_id"], field="account_id", label="account id"),
        "source": validate_text(given["source"], field="source", max_length=MAX_NUMBER_LENGTH),
        "destination": validate_text(
            given["destination"], field="destination", max_length=MAX_NUMBER_LENGTH, required=True
        ),
        "start": start,
        "answer": answer,
        "end": end,
        "duration": duration,
        "billable": billable,
        "disposition": disposition,
        "direction": coerce_enum(Direction, given["direction"], field="direction"),
        "raw": _raw(given["raw"]),
        "classification": None
        if classification is None
        else coerce_enum(Classification, classification, field="classification"),
    }
