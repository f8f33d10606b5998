"""What the calls domain needs from storage."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from telcocore.calls.model.channels import Channel
from telcocore.calls.model.posting import LogRow, PostedCall

__all__ = ["CallRecordRepository", "ChannelRepository"]


class ChannelRepository(Protocol):
    """Stores the channels in use: one per call in progress."""

    def find(self, call_id: str) -> Channel | None:
        """The channel of the call, if it is in progress."""
        ...

    def add(self, channel: Channel) -> None:
        """Store a new channel; :class:`~telcocore.AlreadyExists` if the call id is taken.

        The unit of work must then be rolled back.
        """
        ...

    def remove(self, call_id: str, *, started_before: datetime | None = None) -> Channel | None:
        """Delete the call's channel and return it; ``None`` if it was not in progress.

        With ``started_before``, only if the call started before then.
        """
        ...

    def count(self, account_id: str) -> int:
        """How many channels the account uses."""
        ...

    def of_account(self, account_id: str) -> list[Channel]:
        """The account's channels, oldest start first."""
        ...

    def started_before(self, moment: datetime, *, limit: int) -> list[Channel]:
        """At most ``limit`` channels started before ``moment``, oldest start first."""
        ...

    def remove_many(self, call_ids: Collection[str]) -> list[Channel]:
        """Delete the channels of those of ``call_ids`` in progress; the channels deleted."""
        ...


class CallRecordRepository(Protocol):
    """Stores the posted call records, one per call id, and reads the per-minute log."""

    def existing(self, call_ids: Collection[str]) -> set[str]:
        """Which of ``call_ids`` are stored already."""
        ...

    def add_many(self, calls: Sequence[PostedCall]) -> None:
        """Store new records in one batch; a call id stored already fails the batch.

        (:class:`~telcocore.AlreadyExists`; the unit of work must then be rolled back.)
        """
        ...

    def find(self, call_id: str) -> PostedCall | None:
        """The posted record of ``call_id``, if any."""
        ...

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
        ...

    def log_totals(
        self, account_id: str, classification: str, start: datetime, end: datetime
    ) -> tuple[int, int, Decimal]:
        """The calls of the range, their billed seconds and the sum of their charges."""
        ...
