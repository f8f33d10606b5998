"""Messages to customers, written to the outbox with the change that causes them.

A message is stored in the same transaction as the change (the transactional outbox) and
handed to a :class:`~telcocore.ports.Notifier` only after that transaction commits, so a
rolled-back change sends nothing and a committed one is never lost.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

__all__ = ["Channel", "Message", "MessageKind", "OutboxItem"]


class Channel(enum.StrEnum):
    """How a message travels."""

    EMAIL = "email"
    SMS = "sms"


class MessageKind(enum.StrEnum):
    """What a message is about; each kind has its own template."""

    LOW_BALANCE = "low_balance"


def _frozen_data(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


@attrs.frozen
class Message:
    """A notification for an account.

    ``to`` is an address (an email or an E.164 number); ``None`` means the account's own
    contacts, resolved by the notifier. ``data`` holds the template's values as strings.
    """

    id: str
    kind: MessageKind
    account_id: str
    created_at: datetime
    channel: Channel = Channel.EMAIL
    to: str | None = None
    data: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_data)


@attrs.frozen
class OutboxItem:
    """A message in the outbox, with its delivery state."""

    message: Message
    attempts: int = 0
    sent_at: datetime | None = None
    last_error: str | None = None
