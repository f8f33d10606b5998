"""FreeSWITCH's ``mod_cdr_csv`` files.

``mod_cdr_csv`` writes each record through a template of channel variables, chosen in
``cdr_csv.conf.xml``. The vanilla configuration's ``default-template`` is ``example``:

``caller_id_name, caller_id_number, destination_number, context, start_stamp,
answer_stamp, end_stamp, duration, billsec, hangup_cause, uuid, bleg_uuid, accountcode,
read_codec, write_codec``

and its ``asterisk`` template imitates Asterisk's columns:

``accountcode, caller_id_number, destination_number, context, caller_id, channel_name,
bridge_channel, last_app, last_arg, start_stamp, answer_stamp, end_stamp, duration, billsec,
hangup_cause, amaflags, uuid, userfield``

For any other template pass its variable names in order. The importer needs
``destination_number``, ``start_stamp`` and ``end_stamp``; it uses, when present,
``caller_id_number`` (the source), ``answer_stamp``, ``duration``, ``billsec`` or
``billmsec`` (milliseconds, for fractional billable seconds), ``hangup_cause``, ``uuid``
and ``accountcode``. Times ``*_stamp`` are ``YYYY-MM-DD HH:MM:SS`` in the switch's local
time: pass that zone as ``tz``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final

from telcocore.calls.errors import InvalidImportOptions
from telcocore.calls.importers._build import ZERO, record, rejected, with_progress
from telcocore.calls.importers._fields import (
    Accounts,
    Clock,
    Directions,
    hashed_id,
    seconds,
    source_id,
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
    Direction,
    Disposition,
    disposition_from_hangup_cause,
)
from telcocore.kernel.validation import shown

__all__ = ["FREESWITCH_TEMPLATES", "read_freeswitch"]

_EXAMPLE: Final = (
    "caller_id_name",
    "caller_id_number",
    "destination_number",
    "context",
    "start_stamp",
    "answer_stamp",
    "end_stamp",
    "duration",
    "billsec",
    "hangup_cause",
    "uuid",
    "bleg_uuid",
    "accountcode",
    "read_codec",
    "write_codec",
)
FREESWITCH_TEMPLATES: Final[Mapping[str, tuple[str, ...]]] = {
    "default": _EXAMPLE,
    "example": _EXAMPLE,
    "asterisk": (
        "accountcode",
        "caller_id_number",
        "destination_number",
        "context",
        "caller_id",
        "channel_name",
        "bridge_channel",
        "last_app",
        "last_arg",
        "start_stamp",
        "answer_stamp",
        "end_stamp",
        "duration",
        "billsec",
        "hangup_cause",
        "amaflags",
        "uuid",
        "userfield",
    ),
}
"""The templates of FreeSWITCH's vanilla ``cdr_csv.conf.xml`` this importer knows by name;
``default`` is ``example``, the configuration's ``default-template``."""

_REQUIRED: Final = ("destination_number", "start_stamp", "end_stamp")
_MAX_MILLIS_DIGITS: Final = 13


def _template(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        names = FREESWITCH_TEMPLATES.get(value)
        if names is None:
            known = ", ".join(sorted(FREESWITCH_TEMPLATES))
            msg = f"template {shown(value)} is not one of {known}; or pass the column names"
            raise InvalidImportOptions(msg, field="template", value=value)
        return names
    if (
        not isinstance(value, Sequence)
        or not value
        or not all(isinstance(name, str) and name for name in value)
    ):
        msg = f"template must be a template name or a list of column names, got {shown(value)}"
        raise InvalidImportOptions(msg, field="template", value=value)
    names = tuple(value)
    if len(set(names)) != len(names):
        msg = f"template {shown(value)} names a column twice"
        raise InvalidImportOptions(msg, field="template", value=value)
    missing = [name for name in _REQUIRED if name not in names]
    if missing:
        msg = f"template {shown(value)} lacks {', '.join(missing)}, which every record needs"
        raise InvalidImportOptions(msg, field="template", value=value)
    return names


def read_freeswitch(  # noqa: PLR0913 - options by keyword
    source: Source,
    *,
    template: str | Sequence[str] = "default",
    tz: object = "UTC",
    account: AccountRule = None,
    direction: Direction | str | Callable[[Mapping[str, str]], object] = Direction.OUTBOUND,
    progress: Callable[[ImportProgress], object] | None = None,
) -> Iterator[ImportResult]:
    """The call records of a FreeSWITCH ``mod_cdr_csv`` file, one result per row, streamed.

    ``template`` is ``"default"`` (= ``"example"``), ``"example"``, ``"asterisk"`` or the
    template's variable names in order. The other options are those of
    :func:`~telcocore.calls.importers.asterisk.read_asterisk`. Billable seconds come from
    ``billmsec`` (exact milliseconds) when the template has it, else ``billsec``; the
    disposition from ``hangup_cause`` (see
    :func:`~telcocore.calls.model.records.disposition_from_hangup_cause`). Call ids are
    ``fs:<uuid>``, or ``fs:`` and a SHA-256 of the fields when the uuid is empty.
    """
    names = _template(template)
    clock = Clock(time_zone(tz))
    accounts = Accounts(account, column="accountcode" if "accountcode" in names else None)
    directions = Directions(direction)
    reader = _Reader(source)
    rows = _rows(reader, names, clock, accounts, directions)
    return with_progress(reader, rows, progress)


def _rows(
    reader: _Reader,
    names: tuple[str, ...],
    clock: Clock,
    accounts: Accounts,
    directions: Directions,
) -> Iterator[ImportResult]:
    width = len(names)
    index = column_index(names)
    for line, fields in reader.rows():
        if fields is None:
            yield rejected(line, "the row's quoting is broken", reader)
        elif len(fields) != width:
            reason = f"the row has {len(fields)} fields; the template has {width}"
            yield rejected(line, reason, reader)
        elif (flaw := reader.flaw()) is not None:
            yield rejected(line, flaw, reader)
        else:
            raw = RowFields(index, fields)
            result = _record(raw, fields, clock, accounts, directions)
            yield rejected(line, result, reader) if isinstance(result, str) else result


def _time(raw: Mapping[str, str], name: str, clock: Clock) -> datetime | str | None:
    text = raw.get(name, "")
    if not text:
        return None
    return clock.read(text) or f"{name} {text!r} is not a time YYYY-MM-DD HH:MM:SS"


def _billable(raw: Mapping[str, str]) -> Decimal | str:
    millis = raw.get("billmsec")
    if millis is not None:
        if not (millis.isdigit() and millis.isascii() and len(millis) <= _MAX_MILLIS_DIGITS):
            return f"billmsec {millis!r} is not a whole number of milliseconds"
        return Decimal(f"{millis}E-3") if millis.strip("0") else ZERO
    text = raw.get("billsec")
    if text is None:
        return ZERO
    value = seconds(text)
    if value is None:
        return f"billsec {text!r} is not a whole number of seconds"
    return Decimal(value) if value else ZERO


def _record(  # noqa: C901, PLR0911 - one return per refusal
    raw: Mapping[str, str],
    fields: list[str],
    clock: Clock,
    accounts: Accounts,
    directions: Directions,
) -> ImportResult | str:
    start = _time(raw, "start_stamp", clock)
    end = _time(raw, "end_stamp", clock)
    answer = _time(raw, "answer_stamp", clock)
    for value, name in ((start, "start_stamp"), (end, "end_stamp"), (answer, "answer_stamp")):
        if isinstance(value, str):
            return value
        if value is None and name != "answer_stamp":
            return f"{name} is empty"
    assert isinstance(start, datetime)  # noqa: S101 - for mypy: checked above
    assert isinstance(end, datetime)  # noqa: S101
    assert answer is None or isinstance(answer, datetime)  # noqa: S101
    if end < start or (answer is not None and answer < start):
        # A call over the hour the clocks go back: a repeated time may be the second one.
        answer, end = unfolded(
            clock, start, answer, end, (raw.get("answer_stamp", ""), raw["end_stamp"])
        )
    duration_text = raw.get("duration")
    if duration_text is None:
        duration = max(0, int((end - start).total_seconds()))
    else:
        found = seconds(duration_text)
        if found is None:
            return f"duration {duration_text!r} is not a whole number of seconds"
        duration = found
    billable = _billable(raw)
    if isinstance(billable, str):
        return billable
    cause = raw.get("hangup_cause")
    if cause is None:
        disposition = Disposition.ANSWERED if billable else Disposition.NO_ANSWER
    else:
        disposition = disposition_from_hangup_cause(cause, billable)
    account, why = accounts.of(raw)
    if account is None:
        return why or "no account"
    direction, why = directions.of(raw)
    if direction is None:
        return why or "no direction"
    uuid = raw.get("uuid", "")
    call_id = source_id("fs:", uuid, fields) if uuid else hashed_id("fs:", fields)
    return record(
        call_id,
        account,
        raw.get("caller_id_number", ""),
        raw["destination_number"],
        start,
        answer,
        end,
        duration,
        billable,
        disposition,
        direction,
        raw,
    )
