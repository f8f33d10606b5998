"""The calls domain's repositories, written once for every SQL database.

A channel in use is one ``call_channels`` row, keyed by the call id (so one call counts
once), deleted when the call ends. Counting an account's channels reads the index on
``(account_id, started_at)``; the reaper reads the one on ``started_at``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from telcocore.calls.model.channels import Channel
from telcocore.calls.ports import ChannelRepository
from telcocore.kernel.errors import AlreadyExists
from telcocore.platform.sql.dialect import Row, Session
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlChannelRepository"]

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


STORAGE = SqlDomain(
    "calls", {ChannelRepository: SqlChannelRepository}, after=("accounts", "billing.ledger")
)
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
