"""Messages to customers, written to the outbox with the change that causes them.

A message is stored in the same transaction as the change (the transactional outbox) and
handed to a :class:`~telcocore.notifications.ports.Notifier` only after that transaction commits, so
a
rolled-back change sends nothing and a committed one is never lost.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Final

import attrs

from telcocore.audit.model.entry import REDACTED

__all__ = [
    "CONTACT_DATA",
    "SECRET_DATA",
    "Channel",
    "Message",
    "MessageKind",
    "OutboxCounts",
    "OutboxItem",
]

SECRET_DATA: Final = frozenset({"password", "code"})
"""Keys of :attr:`Message.data` holding a secret: hidden in reprs, erased once delivered."""

CONTACT_DATA: Final = "contact_id"
"""Key of :attr:`Message.data` holding the id of the contact a message is about.

The contacts service sets it on the verification codes and generated passwords it queues,
so that a change of one contact's address withdraws only that contact's messages
(:meth:`~telcocore.notifications.ports.OutboxRepository.withdraw`). No template shows it,
and it is kept once the message is delivered or withdrawn.
"""


class Channel(enum.StrEnum):
    """How a message travels."""

    EMAIL = "email"
    SMS = "sms"


class MessageKind(enum.StrEnum):
    """What a message is about; each kind has its own template."""

    LOW_BALANCE = "low_balance"
    PASSWORD = "password"  # noqa: S105 - the kind's name, not a password
    """A generated password, sent only to the contact's login email."""
    VERIFICATION = "verification"
    """A code that verifies an email or a mobile."""


def _frozen_data(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


def _hidden(data: Mapping[str, str]) -> Mapping[str, str]:
    return {k: (REDACTED if k in SECRET_DATA else v) for k, v in data.items()}


def _data_repr(data: Mapping[str, str]) -> str:
    return repr(_hidden(data))


@attrs.frozen
class Message:
    """A notification for an account.

    ``to`` is an address (an email or an E.164 number); ``None`` means the account's own
    contacts, resolved by the notifier. ``data`` holds the template's values as strings.
    """

    ENTITY: ClassVar[str] = "message"
    """What storage errors call it."""

    id: str
    kind: MessageKind
    account_id: str
    created_at: datetime
    channel: Channel = Channel.EMAIL
    to: str | None = None
    data: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_data, repr=_data_repr)
    """The template's values; secrets among them never show in a repr."""

    def erased(self) -> Message:
        """A copy without its secrets (what stays in the outbox once it was delivered)."""
        return attrs.evolve(self, data=_hidden(self.data))


@attrs.frozen
class OutboxItem:
    """A message in the outbox, with its delivery state."""

    message: Message
    attempts: int = 0
    """How often the message was claimed for sending: each claim counts, whether the notifier
    then accepted it, refused it, or its worker died while sending."""
    sent_at: datetime | None = None
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    """When a failed message, or one being sent, is due again (``None``: at once)."""

    def due_by(self, now: datetime) -> bool:
        """Whether the message is still to send and no retry delay holds it back at ``now``."""
        return self.sent_at is None and (
            self.next_attempt_at is None or self.next_attempt_at <= now
        )


@attrs.frozen
class OutboxCounts:
    """How many messages wait in the outbox at one instant."""

    due: int
    """Messages the next delivery run sends: new ones, and failed ones whose delay is over."""
    deferred: int
    """Failed messages waiting out their retry delay."""

    @property
    def pending(self) -> int:
        """Every message not yet delivered: ``due + deferred``."""
        return self.due + self.deferred
