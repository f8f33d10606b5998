"""What the calls domain needs from storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from telcocore.calls.model.channels import Channel

__all__ = ["ChannelRepository"]


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
