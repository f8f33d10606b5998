"""Asterisk's ``Master.csv`` (``cdr_csv``).

Asterisk writes one row per call record, every text field quoted (a ``"`` inside doubled),
the numbers bare, and an unanswered call's answer time empty. The columns, in order
(``cdr_csv.c``'s ``build_csv_record``):

- always (16): ``accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp,
  lastdata, start, answer, end, duration, billsec, disposition, amaflags``;
- with ``loguniqueid`` and ``loguserfield`` in ``cdr.conf`` (18): ``+ uniqueid, userfield``;
- with ``newcdrcolumns`` as well (21): ``+ peeraccount, linkedid, sequence``.

Times are ``YYYY-MM-DD HH:MM:SS`` in the switch's local time (UTC with ``usegmtime``):
pass that zone as ``tz``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Final

from telcocore.calls.importers._build import ZERO, record, rejected, with_progress
from telcocore.calls.importers._fields import (
    ID,
    Accounts,
    Clock,
    Directions,
    Seconds,
    hashed_id,
    seconds,
    time_zone,
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
    MAX_NUMBER_LENGTH,
    CallRecord,
    Direction,
    Disposition,
    disposition_from_asterisk,
)

__all__ = ["ASTERISK_COLUMNS", "read_asterisk"]

_BASE: Final = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
)
ASTERISK_COLUMNS: Final[Mapping[int, tuple[str, ...]]] = {
    16: _BASE,
    18: (*_BASE, "uniqueid", "userfield"),
    21: (*_BASE, "uniqueid", "userfield", "peeraccount", "linkedid", "sequence"),
}
"""The column names of each form of ``Master.csv``, by the number of fields."""

_DISPOSITIONS: Final = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")
_ANSWER: Final = 10
_WITH_UNIQUEID: Final = 18
_WITH_LINKEDID: Final = 21


def read_asterisk(
    source: Source,
    *,
    tz: object = "UTC",
    account: AccountRule = None,
    direction: Direction | str | Callable[[Mapping[str, str]], object] = Direction.OUTBOUND,
    progress: Callable[[ImportProgress], object] | None = None,
) -> Iterator[ImportResult]:
    """The call records of an Asterisk ``Master.csv``, one result per row, streamed.

    Each row becomes a :class:`~telcocore.calls.model.records.CallRecord`, or a
    :class:`~telcocore.calls.importers.RejectedRow` saying why it could not; the rows
    after it are read all the same. ``tz`` is the zone the times are written in (a
    tzinfo or an IANA name). ``account`` is ``None`` for the row's ``accountcode``, an
    account id for all rows, or a callable given the row's fields by column name.
    ``direction`` is a direction for all rows, or a callable likewise. ``progress``
    receives an :class:`~telcocore.calls.importers.ImportProgress` every 10,000 rows and
    at the end. The options are checked before anything is read
    (:class:`~telcocore.calls.errors.InvalidImportOptions`).

    Call ids: ``ast:<linkedid>:<sequence>`` in the 21-column form, ``ast:<uniqueid>`` in
    the 18-column form, and ``ast:`` and a SHA-256 of the fields for the 16-column form
    (or when those fields are empty or do not make a valid id).
    """
    clock = Clock(time_zone(tz))
    accounts = Accounts(account, column="accountcode")
    directions = Directions(direction)
    reader = _Reader(source)
    return with_progress(reader, _rows(reader, clock, accounts, directions), progress)


def _problem(fields: list[str], clock: Clock) -> str:
    """Why a row's times, seconds or disposition cannot be read (the first found)."""
    for index in (9, 11, 10):
        text = fields[index]
        if (text or index != _ANSWER) and clock.read(text) is None:
            return f"{ASTERISK_COLUMNS[16][index]} {text!r} is not a time YYYY-MM-DD HH:MM:SS"
    for index in (12, 13):
        if seconds(fields[index]) is None:
            name = ASTERISK_COLUMNS[16][index]
            return f"{name} {fields[index]!r} is not a whole number of seconds"
    return f"disposition {fields[14]!r} is not one Asterisk writes"


def _rows(  # noqa: C901, PLR0912, PLR0915 - the hot loop, kept in one piece for speed
    reader: _Reader, clock: Clock, accounts: Accounts, directions: Directions
) -> Iterator[ImportResult]:
    read_time = clock.read
    new = object.__new__
    trusted = CallRecord._trusted  # noqa: SLF001 - every field checked in the loop
    is_id = ID.fullmatch
    answered = Disposition.ANSWERED
    known_accounts = accounts.known
    fixed_account = accounts.fixed
    fixed_direction = directions.fixed
    seen = clock.seen.get
    numbers = Seconds()
    known_seconds = numbers.known.get
    read_seconds = numbers.read
    dispositions = {text: disposition_from_asterisk(text) for text in _DISPOSITIONS}
    indexes = {width: column_index(names) for width, names in ASTERISK_COLUMNS.items()}
    set_index = RowFields.__dict__["_index"].__set__
    set_fields = RowFields.__dict__["_fields"].__set__
    for line, fields in reader.rows():
        if fields is None:
            yield rejected(line, "the row's quoting is broken", reader)
            continue
        width = len(fields)
        index = indexes.get(width)
        if index is None:
            yield rejected(line, f"the row has {width} fields; Master.csv has 16, 18 or 21", reader)
            continue
        if reader.not_utf8:
            yield rejected(line, "the row is not valid UTF-8", reader)
            continue
        raw = new(RowFields)  # RowFields(index, fields), without the call
        set_index(raw, index)
        set_fields(raw, fields)
        text = fields[9]
        start = seen(text) or read_time(text)
        text = fields[11]
        end = seen(text) or read_time(text)
        text = fields[10]
        answer = (seen(text) or read_time(text)) if text else None
        disposition = dispositions.get(fields[14]) or disposition_from_asterisk(fields[14])
        text = fields[12]
        duration = known_seconds(text) or read_seconds(text)
        text = fields[13]
        billsec = known_seconds(text) or read_seconds(text)
        if (
            start is None
            or end is None
            or disposition is None
            or (answer is None and fields[10])
            or duration is None
            or billsec is None
        ):
            yield rejected(line, _problem(fields, clock), reader)
            continue
        account = fixed_account
        if account is None:
            account = fields[0] if accounts.by_column else None
            if account not in known_accounts:
                account, problem = accounts.of(raw)
                if account is None:
                    yield rejected(line, problem or "no account", reader)
                    continue
        direction = fixed_direction
        if direction is None:
            direction, problem = directions.of(raw)
            if direction is None:
                yield rejected(line, problem or "no direction", reader)
                continue
        if width == _WITH_LINKEDID and fields[19] and fields[20]:
            call_id = f"ast:{fields[19]}:{fields[20]}"
        elif width >= _WITH_UNIQUEID and fields[16]:
            call_id = f"ast:{fields[16]}"
        else:
            call_id = ""
        if not (call_id and is_id(call_id)):
            call_id = hashed_id("ast:", fields)
        seconds = duration[0]
        billed, billable = (0, ZERO) if disposition is not answered else billsec
        source, destination = fields[1], fields[2]
        if (
            destination
            and len(destination) <= MAX_NUMBER_LENGTH
            and len(source) <= MAX_NUMBER_LENGTH
            and "\x00" not in destination
            and "\x00" not in source
            and start <= end
            and (answer is None or start <= answer <= end)
            and (answer is not None or not billed)
            and billed <= seconds + 1
        ):
            # The common case, every check made: build the record without more calls.
            yield trusted(
                call_id,
                account,
                source,
                destination,
                start,
                answer,
                end,
                seconds,
                billable,
                disposition,
                direction,
                raw,
            )
            continue
        result = record(
            call_id,
            account,
            source,
            destination,
            start,
            answer,
            end,
            seconds,
            billable,
            disposition,
            direction,
            raw,
        )
        yield rejected(line, result, reader) if isinstance(result, str) else result
