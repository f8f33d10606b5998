"""Any CSV file with a header row, through a map of call record fields to its columns.

``columns`` maps the fields of a :class:`~telcocore.calls.model.records.CallRecord` to the
file's column names, e.g. ``{"destination": "To", "start": "Started", "end": "Ended"}``:

========================  =====================================================================
field                     column holds
========================  =====================================================================
``destination``           the called number (required)
``start``                 the start time (required)
``end``, ``duration``     the end time, or the whole seconds from start to end (one required;
                          with only the end, the duration is counted, rounded up)
``answer``                the answer time (empty: not answered)
``billable``              billable seconds, a decimal number such as ``12.5``; without it, the
                          seconds from answer to end (and without an answer column, the answer
                          time is taken as the end less the billable seconds)
``source``                the calling number
``account_id``            the account (else pass ``account=``)
``call_id``               the record's id (else ``csv:`` and a SHA-256 of the row)
``disposition``           ``answered``, ``no_answer``, ``busy``, ``failed``, ``congestion``, or
                          Asterisk's words (``NO ANSWER``); without it, answered when there are
                          billable seconds or an answer time, else no_answer
``direction``             ``outbound``, ``inbound`` or ``internal`` (else ``direction=``)
========================  =====================================================================

``time_format`` is a :meth:`~datetime.datetime.strptime` format (the default,
``%Y-%m-%d %H:%M:%S``, is read fast, by slicing), ``"iso"`` (ISO 8601; a time with an offset
keeps it, one without is in ``tz``) or ``"epoch"`` (seconds since 1970-01-01 UTC, with an
optional fraction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Final

from telcocore.calls.errors import InvalidImportOptions
from telcocore.calls.importers._build import ZERO, record, rejected, with_progress
from telcocore.calls.importers._fields import (
    Accounts,
    Clock,
    Directions,
    hashed_id,
    seconds,
    time_zone,
    whole_seconds,
)
from telcocore.calls.importers._rows import (
    AccountRule,
    ImportProgress,
    ImportResult,
    RowFields,
    Source,
    _Reader,
    column_index,
)
from telcocore.calls.model.records import (
    Direction,
    Disposition,
    disposition_from_asterisk,
)
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.validation import shown, validate_id

__all__ = ["CSV_FIELDS", "DEFAULT_TIME_FORMAT", "read_csv"]

CSV_FIELDS: Final = (
    "call_id",
    "account_id",
    "source",
    "destination",
    "start",
    "answer",
    "end",
    "duration",
    "billable",
    "disposition",
    "direction",
)
"""The call record fields ``columns`` may map."""

DEFAULT_TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
"""The time format :func:`read_csv` reads unless told otherwise (fast: by slicing)."""

_MICRO: Final = timedelta(microseconds=1)
_MAX_NUMBER_TEXT: Final = 20


def _columns(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
    ):
        msg = f"columns must map call record fields to column names, got {shown(value)}"
        raise InvalidImportOptions(msg, field="columns", value=value)
    unknown = sorted(set(value) - set(CSV_FIELDS))
    if unknown:
        msg = f"columns names {', '.join(unknown)}: the fields are {', '.join(CSV_FIELDS)}"
        raise InvalidImportOptions(msg, field="columns", value=value)
    missing = [f for f in ("destination", "start") if f not in value]
    if "end" not in value and "duration" not in value:
        missing.append("end or duration")
    if missing:
        msg = f"columns must map {', '.join(missing)}"
        raise InvalidImportOptions(msg, field="columns", value=value)
    return dict(value)


class _Times:
    """Reads the times of one format."""

    def __init__(self, time_format: object, zone: tzinfo) -> None:
        if not isinstance(time_format, str) or not time_format:
            msg = (
                f"time_format must be a strptime format, 'iso' or 'epoch', got {shown(time_format)}"
            )
            raise InvalidImportOptions(msg, field="time_format", value=time_format)
        self._format = time_format
        self._zone = zone
        self._clock = Clock(zone) if time_format == DEFAULT_TIME_FORMAT else None

    def read(self, text: str) -> datetime | None:
        """The instant, in UTC, or ``None`` if ``text`` is not a time of the format."""
        if self._clock is not None:
            return self._clock.read(text)
        try:
            if self._format == "epoch":
                return self._epoch(text)
            if self._format == "iso":
                when = datetime.fromisoformat(text)
            else:
                when = datetime.strptime(text, self._format)  # noqa: DTZ007 - zone added below
            if when.tzinfo is None:
                when = when.replace(tzinfo=self._zone)
            return when.astimezone(UTC)
        except (ValueError, OverflowError):
            return None

    @staticmethod
    def _epoch(text: str) -> datetime | None:
        if len(text) > _MAX_NUMBER_TEXT or not text.replace(".", "", 1).isdigit():
            return None
        value = Decimal(text)
        whole = int(value)
        micros = int((value - whole) * 1_000_000)
        return datetime.fromtimestamp(whole, UTC) + micros * _MICRO


def read_csv(  # noqa: PLR0913 - options by keyword
    source: Source,
    *,
    columns: Mapping[str, str],
    time_format: str = DEFAULT_TIME_FORMAT,
    tz: object = "UTC",
    account: AccountRule = None,
    direction: Direction | str | Callable[[Mapping[str, str]], object] = Direction.OUTBOUND,
    progress: Callable[[ImportProgress], object] | None = None,
) -> Iterator[ImportResult]:
    """The call records of a CSV file with a header row, one result per row, streamed.

    ``columns`` maps call record fields to the header's column names (see the module's
    documentation); ``time_format`` says how times are written. The other options are
    those of :func:`~telcocore.calls.importers.asterisk.read_asterisk`; the account column, if
    any, is ``columns["account_id"]``. A header without a mapped column is an
    :class:`~telcocore.calls.errors.InvalidImportOptions`, raised when the header is read.
    """
    mapped = _columns(columns)
    times = _Times(time_format, time_zone(tz))
    accounts = Accounts(account, column=mapped.get("account_id"))
    directions = Directions(direction)
    reader = _Reader(source)
    return with_progress(reader, _rows(reader, mapped, times, accounts, directions), progress)


def _rows(
    reader: _Reader,
    mapped: dict[str, str],
    times: _Times,
    accounts: Accounts,
    directions: Directions,
) -> Iterator[ImportResult]:
    rows = reader.rows()
    names: list[str] | None = None
    for line, fields in rows:
        if fields is not None and reader.flaw() is None:
            names = fields
            break
        yield rejected(line, "the header row cannot be read", reader)
    if names is None:
        return
    absent = [column for column in mapped.values() if column not in names]
    if absent:
        msg = f"the header has no column {', '.join(map(repr, absent))}"
        raise InvalidImportOptions(msg, field="columns", value=names)
    width = len(names)
    index = column_index(names)
    for line, fields in rows:
        if fields is None:
            yield rejected(line, "the row's quoting is broken", reader)
        elif len(fields) != width:
            yield rejected(
                line, f"the row has {len(fields)} fields; the header has {width}", reader
            )
        elif (flaw := reader.flaw()) is not None:
            yield rejected(line, flaw, reader)
        else:
            raw = RowFields(index, fields)
            result = _record(raw, fields, mapped, times, accounts, directions)
            yield rejected(line, result, reader) if isinstance(result, str) else result


def _disposition(text: str) -> Disposition | None:
    try:
        return Disposition(text.strip().lower())
    except ValueError:
        return disposition_from_asterisk(text)


def _decimal_seconds(text: str) -> Decimal | None:
    if len(text) > _MAX_NUMBER_TEXT or not text.replace(".", "", 1).isdigit() or not text.isascii():
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the check above admits only decimals
        return None


def _span(
    start: datetime, mapped: dict[str, str], text: Callable[[str], str], times: _Times
) -> tuple[datetime, int] | str:
    """The end and the duration, from the end, the duration or both."""
    duration = None
    if "duration" in mapped:
        duration = seconds(text("duration"))
        if duration is None:
            return f"duration {text('duration')!r} is not a whole number of seconds"
        if "end" not in mapped:
            return start + timedelta(seconds=duration), duration
    end = times.read(text("end"))
    if end is None:
        return f"end {text('end')!r} is not a time in the file's format"
    if duration is None:
        duration = whole_seconds(Decimal((end - start) // _MICRO).scaleb(-6))
    return end, duration


def _record(  # noqa: C901, PLR0911, PLR0912, PLR0913, PLR0917 - one return per refusal
    raw: Mapping[str, str],
    fields: list[str],
    mapped: dict[str, str],
    times: _Times,
    accounts: Accounts,
    directions: Directions,
) -> ImportResult | str:
    def text(field: str) -> str:
        column = mapped.get(field)
        return "" if column is None else raw[column]

    start = times.read(text("start"))
    if start is None:
        return f"start {text('start')!r} is not a time in the file's format"
    answer = None
    if text("answer"):
        answer = times.read(text("answer"))
        if answer is None:
            return f"answer {text('answer')!r} is not a time in the file's format"
    span = _span(start, mapped, text, times)
    if isinstance(span, str):
        return span
    end, duration = span
    if "billable" in mapped:
        billable = _decimal_seconds(text("billable"))
        if billable is None:
            return f"billable {text('billable')!r} is not a number of seconds"
        if billable and answer is None and "answer" not in mapped:
            answer = max(start, end - int(billable.scaleb(6)) * _MICRO)
    elif answer is not None and end >= answer:
        billable = Decimal((end - answer) // _MICRO).scaleb(-6)
    else:
        billable = ZERO
    if "disposition" in mapped:
        disposition = _disposition(text("disposition"))
        if disposition is None:
            return f"disposition {text('disposition')!r} is not a disposition"
    else:
        answered = billable or answer is not None
        disposition = Disposition.ANSWERED if answered else Disposition.NO_ANSWER
    account, why = accounts.of(raw)
    if account is None:
        return why or "no account"
    if "direction" in mapped:
        try:
            direction: Direction | None = Direction(text("direction").strip().lower())
        except ValueError:
            return f"direction {text('direction')!r} is not a direction"
    else:
        direction, why = directions.of(raw)
    if direction is None:
        return why or "no direction"
    if "call_id" in mapped:
        try:
            call_id = validate_id(text("call_id"), field="call_id", label="call id")
        except ValidationError as refused:
            return str(refused)
    else:
        call_id = hashed_id("csv:", fields)
    return record(
        call_id,
        account,
        text("source"),
        text("destination"),
        start,
        answer,
        end,
        duration,
        billable,
        disposition,
        direction,
        raw,
    )
