"""Delivering the outbox: messages go to the notifier only after their change committed."""

from __future__ import annotations

import logging

import attrs

from telcocore.context import ServiceContext

__all__ = ["DeliveryReport", "OutboxService"]

log = logging.getLogger(__name__)


@attrs.frozen
class DeliveryReport:
    """What one delivery run did."""

    sent: int
    failed: int


class OutboxService:
    """Hands committed outbox messages to the notifier, at least once each."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    def deliver_pending(self, *, limit: int = 100) -> DeliveryReport:
        """Send up to ``limit`` pending messages, oldest first.

        A message is marked sent only after the notifier accepted it; one the notifier
        refused stays pending for the next run. A crash between sending and marking
        sends the message again next time (at-least-once delivery). Without a notifier
        nothing is sent and every message stays in the outbox.
        """
        notifier = self._ctx.notifier
        if notifier is None:
            return DeliveryReport(sent=0, failed=0)
        with self._ctx.uow() as uow:
            items = list(uow.outbox.pending(limit=limit))
        sent = failed = 0
        for item in items:
            message = item.message
            try:
                notifier.send(message)
            except Exception as exc:  # noqa: BLE001 - any notifier failure leaves it pending
                log.warning("message %s not delivered: %s", message.id, type(exc).__name__)
                with self._ctx.uow() as uow:
                    uow.outbox.mark_failed(message.id, error=f"{type(exc).__name__}: {exc}")
                    uow.commit()
                failed += 1
                continue
            with self._ctx.uow() as uow:
                uow.outbox.mark_sent(message.id, at=self._ctx.clock.now())
                uow.commit()
            sent += 1
        return DeliveryReport(sent=sent, failed=failed)
