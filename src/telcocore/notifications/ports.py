"""What notifications need from the outside: the outbox's storage and notifiers."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from telcocore.notifications.model.message import Message, MessageKind, OutboxCounts, OutboxItem

__all__ = ["DescribedNotifier", "Notifier", "OutboxRepository"]


class Notifier(Protocol):
    """Delivers a message (email, SMS). Raising means "not delivered, try again later"."""

    def send(self, message: Message) -> None:
        """Deliver ``message`` or raise."""
        ...


@runtime_checkable
class DescribedNotifier(Notifier, Protocol):
    """A notifier that can say where it delivers, for the outbox's log lines.

    Optional: the outbox names any other notifier by its type.
    """

    def destination(self, message: Message) -> str:
        """Where ``message`` goes, without credentials: e.g. ``smtp mail.example.com:587``."""
        ...


class OutboxRepository(Protocol):
    """The transactional outbox: messages written with the change that causes them."""

    def add(self, message: Message) -> None:
        """Queue ``message``; it is visible to delivery only once the unit commits."""
        ...

    def pending(self, *, limit: int, now: datetime | None = None) -> Sequence[OutboxItem]:
        """Messages not yet sent (nor withdrawn), oldest first; with ``now``, those due by then."""
        ...

    def counts(self, *, now: datetime) -> OutboxCounts:
        """How many messages not yet sent (nor withdrawn) are due at ``now``, how many deferred."""
        ...

    def claim(self, message_id: str, *, token: str, now: datetime, until: datetime) -> bool:
        """Take a message that is still due at ``now`` for delivery, until ``until``.

        The row then holds ``token`` (a fresh id per claim), and its ``attempts`` grow by
        one: an attempt counts when it starts, so a worker that dies while sending still
        used one. ``False`` if it was sent, withdrawn, or claimed by another worker, since it
        was read: only one of several workers racing for a message gets ``True``. A claimed
        message is not due again before ``until``, so if its worker dies it is retried then.
        """
        ...

    def mark_sent(self, message_id: str, *, token: str, at: datetime) -> bool:
        """Record that the message was delivered, and erase its secrets; ``True`` if done.

        Only while the row still holds the claim ``token`` and is unsent: ``False``, with
        nothing changed, if the claim lapsed and another worker claimed the message since,
        or the message was withdrawn (:meth:`withdraw`). An unknown id is a
        :class:`~telcocore.NotFoundError`. The stored message keeps its kind, address and
        other data; the values of :data:`~telcocore.notifications.model.message.SECRET_DATA`
        (a generated password, a verification code) become
        :data:`~telcocore.audit.model.entry.REDACTED`.
        """
        ...

    def mark_failed(
        self, message_id: str, *, token: str, error: str, retry_at: datetime | None = None
    ) -> bool:
        """Record why the claimed attempt failed; the message is due again at ``retry_at``.

        The attempt was counted by :meth:`claim`. Only while the row still holds the claim
        ``token`` and is unsent: ``False``, with nothing changed, if the claim was lost (or
        the message withdrawn). An unknown id is a :class:`~telcocore.NotFoundError`.
        """
        ...

    def withdraw(
        self,
        kinds: Collection[MessageKind],
        addresses: Mapping[str, str],
        *,
        contact_id: str,
        at: datetime,
    ) -> Mapping[MessageKind, int]:
        """Make sure no unsent message of ``kinds`` about ``contact_id`` to ``addresses`` goes.

        ``addresses`` maps each address (matched in any case, so each is given once) to the
        reason its messages are withdrawn. A message is about the contact when its data's
        ``contact_id`` (:data:`~telcocore.notifications.model.message.CONTACT_DATA`) is
        ``contact_id``; one with another contact's id is left alone, and one without any
        (queued before messages recorded their contact) is matched by its address alone.

        Each such message stays in the outbox, withdrawn at ``at`` with its address's reason
        as its ``last_error`` and without its secrets (erased as :meth:`mark_sent` erases
        them). It is not sent: no longer pending nor counted, not claimed again, and a worker
        that claimed it before cannot mark it sent or failed. A message already sent, even by
        a worker racing this call, is left as it is and not counted. Returns how many were
        withdrawn of each of ``kinds`` (0 for a kind none was); the unsent messages are read
        once, whatever the number of kinds and addresses.
        """
        ...
