"""What every service is built with: storage, clock, notifier and id source."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import attrs

from telcocore.audit.entry import SYSTEM, Actor
from telcocore.ports import Clock, Notifier, UnitOfWorkFactory

__all__ = ["ServiceContext", "new_id"]


def new_id() -> str:
    """A new random id (32 hex digits)."""
    return uuid.uuid4().hex


@attrs.frozen
class ServiceContext:
    """The ports a service needs, handed in by the composition root."""

    uow: UnitOfWorkFactory
    clock: Clock
    notifier: Notifier | None
    """``None`` keeps messages in the outbox until a notifier is configured."""
    ids: Callable[[], str] = new_id
    actor: Actor = SYSTEM
    """Who the audit log records as making the changes."""
    require_reason: bool = False
    """Whether every audited change must give a reason."""
