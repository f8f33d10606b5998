"""Asterisk's ``Master.csv`` (``cdr_csv``).

Asterisk writes one row per call record, every text field quoted (a ``"`` inside doubled),
the numbers bare, and an unanswered call's answer time empty. The columns, in order
(``cdr_csv.c``'s ``build_csv_record``):

- always (16): ``accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp,
  lastdata, start, answer, end, duration, billsec, disposition, amaflags``;
- with ``loguniqueid`` in ``cdr.conf``: ``+ uniqueid``;
- with ``loguserfield``: ``+ userfield``;
- with ``newcdrcolumns``: ``+ peeraccount, linkedid, sequence``.

The three options are independent, so a row has 16 to 21 fields. 16, 18, 19 and 21 fields
say which options were on; 17 and 20 do not (``uniqueid`` or ``userfield``?), and are read
only when the options are given to :func:`read_asterisk`.

Times are ``YYYY-MM-DD HH:MM:SS`` in the switch's local time (UTC with ``usegmtime``):
pass that zone as ``tz``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Final

from telcocore.calls.errors import InvalidImportOptions
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
    unfolded,
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
from telcocore.kernel.validation import shown

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
_NEW: Final = ("peeraccount", "linkedid", "sequence")
ASTERISK_COLUMNS: Final[Mapping[int, tuple[str, ...]]] = {
    16: _BASE,
    18: (*_BASE, "uniqueid", "userfield"),
    19: (*_BASE, *_NEW),
    21: (*_BASE, "uniqueid", "userfield", *_NEW),
}
"""The column names of each form of ``Master.csv`` its width names, by the number of fields.

17 and 20 fields have no entry: one of ``uniqueid`` and ``userfield`` is there, and the
width does not say which (:func:`read_asterisk` reads them when told).
"""

_AMBIGUOUS: Final = {
    17: "it has uniqueid or userfield: pass uniqueid=True or userfield=True to say which",
    20: (
        "it has newcdrcolumns and uniqueid or userfield: pass newcdrcolumns=True and "
        "uniqueid=True or userfield=True to say which"
    ),
}
_DISPOSITIONS: Final = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")
_ANSWER: Final = 10


def _columns(uniqueid: object, userfield: object, newcdrcolumns: object) -> tuple[str, ...] | None:
    """The columns the options name, or ``None`` when none is given (the width decides)."""
    options = {"uniqueid": uniqueid, "userfield": userfield, "newcdrcolumns": newcdrcolumns}
    if all(value is None for value in options.values()):
        return None
    for name, value in options.items():
        if value is not None and not isinstance(value, bool):
            msg = f"{name} must be True, False or None, got {shown(value)}"
            raise InvalidImportOptions(msg, field=name, value=value)
    return (
        *_BASE,
        *(("uniqueid",) if uniqueid else ()),
        *(("userfield",) if userfield else ()),
        *(_NEW if newcdrcolumns else ()),
    )


class _Form:
    """One width's columns: their positions, and where the parts of the call id are."""

    __slots__ = ("index", "linked", "uniqueid")

    def __init__(self, names: tuple[str, ...]) -> None:
        self.index = column_index(names)
        self.uniqueid: int | None = self.index.get("uniqueid")
        self.linked: tuple[int, int] | None = (
            (self.index["linkedid"], self.index["sequence"]) if "linkedid" in self.index else None
        )


def read_asterisk(  # noqa: PLR0913 - options by keyword
    source: Source,
    *,
    tz: object = "UTC",
    account: AccountRule = None,
    direction: Direction | str | Callable[[Mapping[str, str]], object] = Direction.OUTBOUND,
    progress: Callable[[ImportProgress], object] | None = None,
    uniqueid: bool | None = None,
    userfield: bool | None = None,
    newcdrcolumns: bool | None = None,
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

    ``uniqueid``, ``userfield`` and ``newcdrcolumns`` say which of ``cdr.conf``'s
    ``loguniqueid``, ``loguserfield`` and ``newcdrcolumns`` the file was written with. With
    none given, each row's width decides (16, 18, 19 or 21 fields, see
    :data:`ASTERISK_COLUMNS`), and rows of 17 or 20 fields, which could be either of two
    forms, are rejected saying which option to pass. With any given, those not given are
    off, and rows of any other width than the one they name are rejected.

    Call ids: ``ast:<linkedid>:<sequence>`` with ``newcdrcolumns``, else ``ast:<uniqueid>``
    with ``loguniqueid``, else ``ast:`` and a SHA-256 of the fields (also when those fields
    are empty or do not make a valid id).

    A local time that happens twice is read as the first one, unless that makes the call
    end (or be answered) before it starts: then it is read as the second.
    """
    columns = _columns(uniqueid, userfield, newcdrcolumns)
    clock = Clock(time_zone(tz))
    accounts = Accounts(account, column="accountcode")
    directions = Directions(direction)
    reader = _Reader(source)
    forms = ASTERISK_COLUMNS if columns is None else {len(columns): columns}
    rows = _rows(reader, clock, accounts, directions, forms, fixed=columns is not None)
    return with_progress(reader, rows, progress)


def _width_problem(width: int, forms: Mapping[int, tuple[str, ...]], *, fixed: bool) -> str:
    """Why a row of ``width`` fields is not read."""
    if fixed:
        [expected] = forms
        return f"the row has {width} fields; with the options given Master.csv has {expected}"
    if width in _AMBIGUOUS:
        return (
            f"the row has {width} fields, a width two forms of Master.csv share: "
            + (_AMBIGUOUS[width])
        )
    return f"the row has {width} fields; Master.csv has 16 to 21"


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


def _rows(  # noqa: C901, PLR0912, PLR0913, PLR0915 - the hot loop, kept in one piece for speed
    reader: _Reader,
    clock: Clock,
    accounts: Accounts,
    directions: Directions,
    columns: Mapping[int, tuple[str, ...]],
    *,
    fixed: bool,
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
    forms = {width: _Form(names) for width, names in columns.items()}
    set_index = RowFields.__dict__["_index"].__set__
    set_fields = RowFields.__dict__["_fields"].__set__
    for line, fields in reader.rows():
        if fields is None:
            yield rejected(line, "the row's quoting is broken", reader)
            continue
        width = len(fields)
        form = forms.get(width)
        if form is None:
            yield rejected(line, _width_problem(width, columns, fixed=fixed), reader)
            continue
        flaw = reader.flaw()
        if flaw is not None:
            yield rejected(line, flaw, reader)
            continue
        raw = new(RowFields)  # RowFields(index, fields), without the call
        set_index(raw, form.index)
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
        call_id = ""
        linked = form.linked
        if linked is not None and fields[linked[0]] and fields[linked[1]]:
            call_id = f"ast:{fields[linked[0]]}:{fields[linked[1]]}"
        elif form.uniqueid is not None and fields[form.uniqueid]:
            call_id = f"ast:{fields[form.uniqueid]}"
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
        if end < start or (answer is not None and answer < start):
            # A call over the hour the clocks go back: a repeated time may be the second one.
            answer, end = unfolded(clock, start, answer, end, (fields[10], fields[11]))
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
