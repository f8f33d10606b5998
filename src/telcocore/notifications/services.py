"""Delivering the outbox: messages go to the notifier only after their change committed.

Each run takes the messages that are due, oldest first. A message the notifier accepts is
marked sent (and its secrets erased); one it refuses is retried later, after a delay that
doubles with each failed attempt up to a cap. No message is ever given up: each is
delivered at least once. A refusal is logged (logger ``telcocore.notifications.services``,
level WARNING) with the message, where it was going (for SMTP, the server's host and
port) and when it is due again.

:meth:`OutboxService.pending` and :meth:`OutboxService.counts` show what waits: messages
that are due, and messages deferred while they wait out a retry delay.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

import attrs

from telcocore.kernel.validation import validate_int
from telcocore.notifications.model.message import Message, OutboxCounts, OutboxItem
from telcocore.notifications.ports import DescribedNotifier, Notifier, OutboxRepository
from telcocore.platform.context import ServiceContext

__all__ = [
    "RETRY_BASE",
    "RETRY_CAP",
    "DeliveryReport",
    "OutboxService",
    "destination",
    "retry_delay",
]

log = logging.getLogger(__name__)

RETRY_BASE: Final = timedelta(seconds=30)
"""The delay after the first failed attempt."""
RETRY_CAP: Final = timedelta(hours=1)
"""The longest delay between two attempts."""


def retry_delay(
    attempts: int, *, base: timedelta = RETRY_BASE, cap: timedelta = RETRY_CAP
) -> timedelta:
    """The wait after ``attempts`` failed attempts: ``base * 2**(attempts - 1)``, at most ``cap``.

    >>> [str(retry_delay(n)) for n in (1, 2, 3, 10)]
    ['0:00:30', '0:01:00', '0:02:00', '1:00:00']
    """
    exponent = max(attempts - 1, 0)
    if exponent >= 32:  # noqa: PLR2004 - far beyond any cap
        return cap
    delay: timedelta = min(base * 2**exponent, cap)
    return delay


@attrs.frozen
class DeliveryReport:
    """What one delivery run did."""

    sent: int
    failed: int


class OutboxService:
    """Hands committed outbox messages to the notifier, at least once each."""

    def __init__(
        self,
        context: ServiceContext,
        notifier: Notifier | None,
        *,
        base: timedelta = RETRY_BASE,
        cap: timedelta = RETRY_CAP,
    ) -> None:
        self._ctx = context
        self.notifier = notifier
        """Where messages go; ``None`` keeps them in the outbox until one is configured."""
        self._base = base
        self._cap = cap

    def pending(self, *, limit: int = 100) -> list[OutboxItem]:
        """Up to ``limit`` messages not yet delivered, oldest first, due or deferred.

        Each :class:`~telcocore.notifications.model.message.OutboxItem` shows its failed
        ``attempts``, its ``last_error`` and, while it waits out a retry delay, when it is due
        again (``next_attempt_at``). Secrets in the messages (a generated password, a
        verification code) stay hidden in their repr.
        """
        limit = validate_int(limit, field="limit", minimum=1)
        with self._ctx.uow(read_only=True) as uow:
            return list(uow.get(OutboxRepository).pending(limit=limit))

    def counts(self) -> OutboxCounts:
        """How many undelivered messages are due now, and how many are deferred."""
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(OutboxRepository).counts(now=self._ctx.clock.now())

    def deliver_pending(self, *, limit: int = 100) -> DeliveryReport:
        """Send up to ``limit`` messages that are due, oldest first.

        A message is marked sent only after the notifier accepted it; one the notifier
        refused stays pending and is due again after :func:`retry_delay`. A crash between
        sending and marking sends the message again next time (at-least-once delivery).
        Without a notifier nothing is sent and every message stays in the outbox.
        """
        limit = validate_int(limit, field="limit", minimum=1)
        notifier = self.notifier
        if notifier is None:
            return DeliveryReport(sent=0, failed=0)
        with self._ctx.uow(read_only=True) as uow:
            items = list(uow.get(OutboxRepository).pending(limit=limit, now=self._ctx.clock.now()))
        sent = failed = 0
        for item in items:
            message = item.message
            try:
                notifier.send(message)
            except Exception as exc:  # noqa: BLE001 - any notifier failure leaves it pending
                retry_at = self._ctx.clock.now() + retry_delay(
                    item.attempts + 1, base=self._base, cap=self._cap
                )
                log.warning(
                    "message %s (%s, %s) not delivered via %s: %s; attempt %d, due again at %s",
                    message.id,
                    message.kind.value,
                    message.channel.value,
                    destination(notifier, message),
                    type(exc).__name__,
                    item.attempts + 1,
                    retry_at.isoformat(),
                )
                with self._ctx.uow() as uow:
                    uow.get(OutboxRepository).mark_failed(
                        message.id, error=_describe(exc), retry_at=retry_at
                    )
                    uow.commit()
                failed += 1
                continue
            with self._ctx.uow() as uow:
                uow.get(OutboxRepository).mark_sent(message.id, at=self._ctx.clock.now())
                uow.commit()
            sent += 1
        return DeliveryReport(sent=sent, failed=failed)


def destination(notifier: Notifier, message: Message) -> str:
    """Where ``notifier`` delivers ``message``, for a log line: its own words, or its type."""
    if isinstance(notifier, DescribedNotifier):
        return notifier.destination(message)
    return type(notifier).__name__


def _describe(exc: Exception) -> str:
    """The error's type and text, cut short: what the outbox keeps about a failure."""
    return f"{type(exc).__name__}: {exc}"[:500]
