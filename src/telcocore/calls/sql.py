"""The calls domain's repositories, written once for every SQL database.

A channel in use is one ``call_channels`` row, keyed by the call id (so one call counts
once), deleted when the call ends. Counting an account's channels reads the index on
``(account_id, started_at)``; the reaper reads the one on ``started_at``.

A posted call record is one ``call_records`` row, keyed by the call id. A batch of them is
written with one ``executemany``; the per-minute log reads the index on
``(account_id, classification, started_at, call_id)``. The source fields of a record an
importer read are stored as a JSON array of values (``raw``) and the number of their form
(``raw_form``): the column names, stored once in ``call_record_forms``. Other records' fields
are a JSON object by name, with no form.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _quote
from operator import itemgetter
from typing import Any, Final

from telcocore.calls.importers import RowFields
from telcocore.calls.model.channels import Channel
from telcocore.calls.model.classification import Classification
from telcocore.calls.model.posting import LogRow, PostedCall, billed_minutes
from telcocore.calls.model.records import CallRecord, Direction, Disposition
from telcocore.calls.ports import CallRecordRepository, ChannelRepository
from telcocore.kernel.errors import AlreadyExists, StorageError
from telcocore.kernel.money import Money
from telcocore.platform.sql.dialect import Dialect, Row, Session
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlCallRecordRepository", "SqlChannelRepository"]

_COLUMNS: Final = "call_id, account_id, started_at, hold_id"


class SqlChannelRepository:
    """The channels in use, in the ``call_channels`` table."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def _channel(self, row: Row) -> Channel:
        call_id, account_id, started_at, hold_id = row
        return Channel(call_id, account_id, self._s.dialect.time_from_db(started_at), hold_id)

    def find(self, call_id: str) -> Channel | None:
        """The channel of the call, if it is in progress."""
        row = self._s.one(
            f"SELECT {_COLUMNS} FROM call_channels WHERE call_id = ?",  # noqa: S608 - constant
            (call_id,),
        )
        return None if row is None else self._channel(row)

    def add(self, channel: Channel) -> None:
        """Store a new channel; :class:`~telcocore.AlreadyExists` if the call id is taken."""
        inserted = self._s.run(
            f"INSERT INTO call_channels ({_COLUMNS}) VALUES (?, ?, ?, ?) "  # noqa: S608
            "ON CONFLICT DO NOTHING",
            (
                channel.call_id,
                channel.account_id,
                self._s.dialect.time_to_db(channel.started_at),
                channel.hold_id,
            ),
        )
        if not inserted:
            raise AlreadyExists(Channel.ENTITY, channel.call_id)

    def remove(self, call_id: str, *, started_before: datetime | None = None) -> Channel | None:
        """Delete the call's channel and return it; ``None`` if it was not in progress.

        With ``started_before``, only if the call started before then.
        """
        query = "DELETE FROM call_channels WHERE call_id = ?"
        params: list[object] = [call_id]
        if started_before is not None:
            query += " AND started_at < ?"
            params.append(self._s.dialect.time_to_db(started_before))
        row = self._s.one(f"{query} RETURNING {_COLUMNS}", params)
        return None if row is None else self._channel(row)

    def count(self, account_id: str) -> int:
        """How many channels the account uses."""
        row = self._s.one("SELECT COUNT(*) FROM call_channels WHERE account_id = ?", (account_id,))
        return 0 if row is None else int(row[0])

    def of_account(self, account_id: str) -> list[Channel]:
        """The account's channels, oldest start first."""
        rows = self._s.all(
            f"SELECT {_COLUMNS} FROM call_channels WHERE account_id = ? "  # noqa: S608
            f"ORDER BY started_at, call_id{self._s.dialect.code_point_order}",
            (account_id,),
        )
        return [self._channel(row) for row in rows]

    def started_before(self, moment: datetime, *, limit: int) -> list[Channel]:
        """At most ``limit`` channels started before ``moment``, oldest start first."""
        rows = self._s.all(
            f"SELECT {_COLUMNS} FROM call_channels WHERE started_at < ? "  # noqa: S608
            f"ORDER BY started_at, call_id{self._s.dialect.code_point_order} LIMIT ?",
            (self._s.dialect.time_to_db(moment), limit),
        )
        return [self._channel(row) for row in rows]

    def remove_many(self, call_ids: Collection[str]) -> list[Channel]:
        """Delete the channels of those of ``call_ids`` in progress; the channels deleted."""
        removed: list[Channel] = []
        ids = list(call_ids)
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            marks = ", ".join("?" * len(chunk))
            rows = self._s.all(
                f"DELETE FROM call_channels WHERE call_id IN ({marks}) "  # noqa: S608
                f"RETURNING {_COLUMNS}",
                chunk,
            )
            removed += [self._channel(row) for row in rows]
        return removed


_IDS_PER_QUERY: Final = 500
"""How many ids one ``IN (...)`` look-up names."""

_RECORD_COLUMNS: Final = (
    "call_id, account_id, source, destination, started_at, answered_at, ended_at, duration, "
    "billable, disposition, direction, classification, prefix, description, billed_seconds, "
    "rate_per_minute, charge, currency, provider_cost, provider_currency, transaction_id, raw"
)
_INSERT_RECORD: Final = (
    f"INSERT INTO call_records ({_RECORD_COLUMNS}, raw_form) "  # noqa: S608 - constant
    f"VALUES ({', '.join('?' * 23)})"
)
_SELECT_RECORD: Final = (
    f"SELECT {_RECORD_COLUMNS}, call_record_forms.names FROM call_records "  # noqa: S608
    "LEFT JOIN call_record_forms ON call_record_forms.id = call_records.raw_form "
    "WHERE call_id = ?"
)
_LOG_COLUMNS: Final = (
    "call_id, started_at, source, destination, description, billed_seconds, rate_per_minute, "
    "charge, currency"
)
_UNKNOWN: Final = Classification.UNKNOWN


def _raw_text(raw: Mapping[str, str]) -> str:
    """``raw`` as compact JSON text with sorted keys, as :meth:`Dialect.json_to_db` writes it."""
    return "{" + ",".join([f"{_quote(key)}:{_quote(raw[key])}" for key in sorted(raw)]) + "}"


def _layout(
    columns: Mapping[str, int], document: Callable[[list[str]], object] | None
) -> Callable[[Sequence[str]], object]:
    """How the fields of every row with these ``columns`` become the stored array of values.

    The values of the columns, their names sorted (the form's order). With ``document``
    ``None`` the text is the compact JSON the dialect's encoder would write, made in one
    join; else ``document`` is given the values as a list.
    """
    positions = [columns[name] for name in sorted(columns)]
    take: Callable[[Sequence[str]], Sequence[str]]
    if len(positions) == 1:
        [position] = positions
        take = lambda fields: (fields[position],)  # noqa: E731 - itemgetter of one is no tuple
    elif positions:
        take = itemgetter(*positions)
    else:
        return lambda _fields: "[]" if document is None else document([])
    if document is not None:
        convert = document
        return lambda fields: convert(list(take(fields)))
    return lambda fields: "[" + ",".join(map(_quote, take(fields))) + "]"


def _fields(raw: object, names: object) -> dict[str, str]:
    """A stored record's source fields by name: an array of its form's ``names``, or an object.

    A row whose fields do not fit its form (edited by hand: an array of another length, an
    array without a form) is a :class:`~telcocore.StorageError` naming what is wrong.
    """
    if names is None and isinstance(raw, dict):
        return raw
    if isinstance(names, list) and isinstance(raw, list) and len(names) == len(raw):
        return dict(zip(names, raw, strict=True))
    msg = (
        f"a stored call record's source fields ({type(raw).__name__} of {_size(raw)}) do not "
        f"fit its form ({'none' if names is None else f'{_size(names)} names'})"
    )
    raise StorageError(msg)


def _size(value: object) -> str:
    return f"{len(value)}" if isinstance(value, list | dict) else "?"


class SqlCallRecordRepository:
    """The posted call records, in the ``call_records`` table."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def existing(self, call_ids: Collection[str]) -> set[str]:
        """Which of ``call_ids`` are stored already."""
        found: set[str] = set()
        ids = list(call_ids)
        for start in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[start : start + _IDS_PER_QUERY]
            marks = ", ".join("?" * len(chunk))
            rows = self._s.all(
                f"SELECT call_id FROM call_records WHERE call_id IN ({marks})",  # noqa: S608
                chunk,
            )
            found.update(row[0] for row in rows)
        return found

    def add_many(self, calls: Sequence[PostedCall]) -> None:  # noqa: C901, PLR0915 - the volume path, in one piece
        """Store new records in one batch; a call id stored already fails the batch.

        Plain ``INSERT`` (no ``ON CONFLICT``): the caller looked the ids up in the same
        unit of work, so a taken id means another writer won a race, and the batch must
        run again (:class:`~telcocore.AlreadyExists`).
        """
        d = self._s.dialect
        time_to_db = d.time_to_db
        # Where the dialect stores documents as the shared compact text, the fields (all
        # strings) are written out directly, as that encoder would: same text, faster.
        # Elsewhere (PostgreSQL's JSONB) the dialect takes a plain list.
        compact = type(d).json_to_db is Dialect.json_to_db
        plain: Callable[[list[str]], object] | None = None if compact else d.json_to_db
        # An importer's rows share one column index per form: its number and layout are
        # found once, kept by the index's identity (the batch keeps every row, and index,
        # alive).
        forms: dict[int, tuple[int, Callable[[Sequence[str]], object]]] = {}

        # Rates, charges and billable seconds repeat (a deck keeps one Money per distinct
        # cost, an importer one Decimal per distinct number of seconds): each object is
        # converted once, by identity; the batch keeps them all alive meanwhile. A batch's
        # times repeat too (the calls of one second, one call's answer another's start):
        # each is converted once, by value (equal instants have the same text). The look-ups
        # are written out in the loop: a call per value would cost more than the look-up.
        numbers: dict[int, object] = {}
        decimal_to_db = d.decimal_to_db
        texts: dict[datetime, object] = {}
        text = str.__str__  # a member's value, as plain text: faster than ``.value``
        rows: list[tuple[object, ...]] = []
        append = rows.append
        for call in calls:
            record = call.record
            start = record.start
            started = texts.get(start)
            if started is None:
                started = texts[start] = time_to_db(start)
            answer = record.answer
            answered = None
            if answer is not None:
                answered = texts.get(answer)
                if answered is None:
                    answered = texts[answer] = time_to_db(answer)
            end = record.end
            ended = texts.get(end)
            if ended is None:
                ended = texts[end] = time_to_db(end)
            billable = record.billable
            seconds = numbers.get(id(billable))
            if seconds is None:
                seconds = numbers[id(billable)] = decimal_to_db(billable)
            rate = call.rate_per_minute
            per_minute = numbers.get(id(rate))
            if per_minute is None:
                per_minute = numbers[id(rate)] = decimal_to_db(rate)
            charge = call.charge
            amount = charge.amount
            charged = numbers.get(id(amount))
            if charged is None:
                charged = numbers[id(amount)] = decimal_to_db(amount)
            cost = call.provider_cost
            raw = record.raw
            if type(raw) is RowFields:
                columns = raw.columns
                form = forms.get(id(columns))
                if form is None:
                    form = forms[id(columns)] = (
                        self._form(sorted(columns)),
                        _layout(columns, plain),
                    )
                number, layout = form
                document = layout(raw.fields)
            else:
                number = None
                document = _raw_text(raw) if plain is None else d.json_to_db(dict(raw))
            append(
                (
                    record.call_id,
                    record.account_id,
                    record.source,
                    record.destination,
                    started,
                    answered,
                    ended,
                    record.duration,
                    seconds,
                    text(record.disposition),
                    text(record.direction),
                    text(record.classification or _UNKNOWN),
                    call.prefix,
                    call.description,
                    call.billed_seconds,
                    per_minute,
                    charged,
                    charge.currency,
                    None if cost is None else decimal_to_db(cost.amount),
                    None if cost is None else cost.currency,
                    call.transaction_id,
                    document,
                    number,
                )
            )
        self._s.run_batches([(_INSERT_RECORD, rows)])

    def _form(self, names: list[str]) -> int:
        """The number of the form of these column names, stored if it is new.

        Found by the SHA-256 of the names' JSON text: the names themselves may be longer
        than a unique index takes (PostgreSQL's b-tree refuses entries of a few kB).
        """
        digest = hashlib.sha256(json.dumps(names).encode()).hexdigest()
        row = self._s.one("SELECT id FROM call_record_forms WHERE digest = ?", (digest,))
        if row is None:
            # An upsert, so that a form a concurrent writer has just stored is returned too.
            row = self._s.one(
                "INSERT INTO call_record_forms (digest, names) VALUES (?, ?) "
                "ON CONFLICT (digest) DO UPDATE SET digest = excluded.digest RETURNING id",
                (digest, self._s.dialect.json_to_db(names)),
            )
        return int(row[0])  # type: ignore[index]  # an upsert returns its row

    def find(self, call_id: str) -> PostedCall | None:
        """The posted record of ``call_id``, if any."""
        row = self._s.one(_SELECT_RECORD, (call_id,))
        return None if row is None else self._posted(row)

    def _posted(self, row: Sequence[Any]) -> PostedCall:
        d = self._s.dialect
        (call_id, account_id, source, destination, start, answer, end, duration, billable,
         disposition, direction, classification, prefix, description, billed_seconds,
         rate, charge, currency, cost, cost_currency, transaction_id, raw, names) = row  # fmt: skip
        record = CallRecord._trusted(  # noqa: SLF001 - stored as checked
            call_id,
            account_id,
            source,
            destination,
            d.time_from_db(start),
            None if answer is None else d.time_from_db(answer),
            d.time_from_db(end),
            int(duration),
            d.decimal_from_db(billable),
            Disposition(disposition),
            Direction(direction),
            _fields(d.json_from_db(raw), None if names is None else d.json_from_db(names)),
        ).classified(Classification(classification))
        return PostedCall(
            record=record,
            prefix=prefix,
            description=description,
            billed_seconds=int(billed_seconds),
            rate_per_minute=d.decimal_from_db(rate),
            charge=Money(d.decimal_from_db(charge), currency),
            provider_cost=None if cost is None else Money(d.decimal_from_db(cost), cost_currency),
            transaction_id=transaction_id,
        )

    def log(  # noqa: PLR0913 - the account, the class, the range and the page
        self,
        account_id: str,
        classification: str,
        start: datetime,
        end: datetime,
        *,
        limit: int,
        after: tuple[datetime, str] | None,
    ) -> list[LogRow]:
        """The account's calls of ``classification`` started in ``[start, end)``.

        By start then call id, after the ``(start, call_id)`` cursor, at most ``limit``.
        """
        d = self._s.dialect
        order = d.code_point_order
        query = (
            f"SELECT {_LOG_COLUMNS} FROM call_records "  # noqa: S608 - constant
            "WHERE account_id = ? AND classification = ? AND started_at >= ? AND started_at < ?"
        )
        params: list[object] = [account_id, classification, d.time_to_db(start), d.time_to_db(end)]
        if after is not None:
            moment = d.time_to_db(after[0])
            query += f" AND (started_at > ? OR (started_at = ? AND call_id{order} > ?))"
            params += [moment, moment, after[1]]
        query += f" ORDER BY started_at, call_id{order} LIMIT ?"
        params.append(limit)
        return [
            LogRow(
                call_id=call_id,
                start=d.time_from_db(started),
                source=source,
                destination=destination,
                description=description,
                minutes=billed_minutes(int(billed)),
                rate_per_minute=d.decimal_from_db(rate),
                charge=Money(d.decimal_from_db(charge), currency),
            )
            for call_id, started, source, destination, description, billed, rate, charge, currency
            in self._s.all(query, params)
        ]  # fmt: skip

    def log_totals(
        self, account_id: str, classification: str, start: datetime, end: datetime
    ) -> tuple[int, int, Decimal]:
        """The calls of the range, their billed seconds and the sum of their charges.

        The charges are summed in Python, exactly (SQLite would sum decimal text as
        floating point).
        """
        d = self._s.dialect
        rows = self._s.all(
            "SELECT billed_seconds, charge FROM call_records WHERE account_id = ? "
            "AND classification = ? AND started_at >= ? AND started_at < ?",
            (account_id, classification, d.time_to_db(start), d.time_to_db(end)),
        )
        seconds = 0
        total = Decimal(0)
        decimal_from_db = d.decimal_from_db
        for billed, charge in rows:
            seconds += int(billed)
            total += decimal_from_db(charge)
        return len(rows), seconds, total


STORAGE = SqlDomain(
    "calls",
    {ChannelRepository: SqlChannelRepository, CallRecordRepository: SqlCallRecordRepository},
    after=("accounts", "billing.ledger"),
)
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
