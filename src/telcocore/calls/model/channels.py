"""Channels in use: the calls in progress of an account, their holds, and its overview.

A channel is counted per call id from the call's start to its end: starting the same call
twice counts once, ending it releases the channel (and the credit held for the call), and
a call whose end never came is released by the reaper once it has lasted longer than a
maximum duration (:data:`DEFAULT_MAX_DURATION`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar, Final

import attrs

from telcocore.accounts.model import AccountStatus
from telcocore.billing.ledger.model import Hold
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.money import Money
from telcocore.kernel.validation import validate_id, validate_seconds

__all__ = [
    "DEFAULT_MAX_DURATION",
    "LONGEST_MAX_DURATION",
    "AccountOverview",
    "CallEnd",
    "CallStart",
    "Channel",
    "validate_call_id",
    "validate_max_duration",
]

DEFAULT_MAX_DURATION: Final = timedelta(hours=4)
"""How long a call may last before the reaper takes it for one whose end was lost."""

LONGEST_MAX_DURATION: Final = timedelta(days=7)
"""The longest maximum duration the reaper takes."""


def validate_call_id(value: object) -> str:
    """A call's id, as the switch names it: an id as ``validate_id`` takes (1-64 characters)."""
    return validate_id(value, field="call_id", label="call id")


def validate_max_duration(value: object) -> timedelta:
    """A maximum call duration: a :class:`~datetime.timedelta` or a number of seconds.

    More than 0 and at most :data:`LONGEST_MAX_DURATION`, as
    :func:`~telcocore.kernel.validation.validate_seconds` checks a number of seconds; else
    a :class:`~telcocore.ValidationError`. A number is kept to the microsecond (at least
    one).

    >>> validate_max_duration(3600)
    datetime.timedelta(seconds=3600)
    """
    given = value.total_seconds() if isinstance(value, timedelta) else value
    seconds = validate_seconds(
        given,
        name="max_duration",
        maximum=LONGEST_MAX_DURATION.total_seconds(),
        error=ValidationError,
        kind="a timedelta or a number of seconds",
    )
    if isinstance(value, timedelta):
        return value
    return max(timedelta(seconds=seconds), timedelta.resolution)


@attrs.frozen
class Channel:
    """One call in progress on an account, from its start; ``hold_id`` names its hold."""

    ENTITY: ClassVar[str] = "call channel"
    """What storage errors call it."""

    call_id: str
    account_id: str
    started_at: datetime
    hold_id: str | None = None


@attrs.frozen
class CallStart:
    """What starting a call did: its channel and its hold.

    ``started`` is ``False`` when the call was in progress already (the same call started
    again): nothing changed, and the channel and hold are the first start's.
    """

    channel: Channel
    hold: Hold | None
    started: bool


@attrs.frozen
class CallEnd:
    """A call whose channel was released, and the hold released with it.

    ``reaped`` when the reaper released it (its end never came).
    """

    channel: Channel
    ended_at: datetime
    hold: Hold | None
    reaped: bool = False

    @property
    def duration(self) -> timedelta:
        """How long the channel was in use (zero if the end is dated before the start)."""
        return max(self.ended_at - self.channel.started_at, timedelta(0))


@attrs.frozen
class AccountOverview:
    """An account's standing, read at one moment.

    ``available = balance + debit_limit - held``: what new usage may still spend;
    ``held`` is the credit held by calls in progress (and any other holds).
    ``channel_limit`` ``None`` means no limit.
    """

    account_id: str
    status: AccountStatus
    balance: Money
    debit_limit: Money
    available: Money
    held: Money
    channels_in_use: int
    channel_limit: int | None

    @property
    def channels_free(self) -> int | None:
        """How many more calls may start now; ``None`` without a limit."""
        if self.channel_limit is None:
            return None
        return max(self.channel_limit - self.channels_in_use, 0)
