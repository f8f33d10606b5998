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
from decimal import Decimal
from typing import Final

from telcocore.calls.importers._build import ZERO, record, rejected, with_progress
from telcocore.calls.importers._fields import (
    MAX_DIGITS,
    Accounts,
    Clock,
    Directions,
    hashed_id,
    source_id,
    time_zone,
)
from telcocore.calls.importers._rows import (
    AccountRule,
    ImportProgress,
    ImportResult,
    Source,
    _Reader,
)
from telcocore.calls.model.records import Direction, disposition_from_asterisk

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


def _rows(  # noqa: C901, PLR0912, PLR0915 - the hot loop, kept in one piece for speed
    reader: _Reader, clock: Clock, accounts: Accounts, directions: Directions
) -> Iterator[ImportResult]:
    read_time = clock.read
    known_accounts = accounts.known
    fixed_account = accounts.fixed
    fixed_direction = directions.fixed
    columns = ASTERISK_COLUMNS
    for line, fields in reader.rows():
        if fields is None:
            yield rejected(line, "the row's quoting is broken", reader)
            continue
        width = len(fields)
        names = columns.get(width)
        if names is None:
            yield rejected(line, f"the row has {width} fields; Master.csv has 16, 18 or 21", reader)
            continue
        if reader.not_utf8:
            yield rejected(line, "the row is not valid UTF-8", reader)
            continue
        raw = dict(zip(names, fields, strict=True))
        problem = None
        start = read_time(fields[9])
        end = read_time(fields[11])
        answer = read_time(fields[10]) if fields[10] else None
        duration = fields[12]
        billsec = fields[13]
        disposition = disposition_from_asterisk(fields[14])
        if start is None:
            problem = f"start {fields[9]!r} is not a time YYYY-MM-DD HH:MM:SS"
        elif end is None:
            problem = f"end {fields[11]!r} is not a time YYYY-MM-DD HH:MM:SS"
        elif answer is None and fields[10]:
            problem = f"answer {fields[10]!r} is not a time YYYY-MM-DD HH:MM:SS"
        elif not (duration.isdigit() and duration.isascii() and len(duration) <= MAX_DIGITS):
            problem = f"duration {duration!r} is not a whole number of seconds"
        elif not (billsec.isdigit() and billsec.isascii() and len(billsec) <= MAX_DIGITS):
            problem = f"billsec {billsec!r} is not a whole number of seconds"
        elif disposition is None:
            problem = f"disposition {fields[14]!r} is not one Asterisk writes"
        if problem is not None:
            yield rejected(line, problem, reader)
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
            call_id = source_id("ast:", f"{fields[19]}:{fields[20]}", fields)
        elif width >= _WITH_UNIQUEID:
            call_id = source_id("ast:", fields[16], fields)
        else:
            call_id = hashed_id("ast:", fields)
        result = record(
            call_id,
            account,
            fields[1],
            fields[2],
            start,  # type: ignore[arg-type]
            answer,
            end,  # type: ignore[arg-type]
            int(duration),
            Decimal(billsec) if billsec != "0" else ZERO,
            disposition,  # type: ignore[arg-type]
            direction,
            raw,
        )
        yield rejected(line, result, reader) if isinstance(result, str) else result
