"""What every service is built with: storage, clock, id source and the acting user."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Final, TypeVar

import attrs

from telcocore.kernel.actor import SYSTEM, Actor
from telcocore.kernel.errors import AlreadyExists
from telcocore.platform.ports import Clock, UnitOfWorkFactory

__all__ = ["RACE_ATTEMPTS", "ServiceContext", "new_id", "retrying_lost_races"]

T = TypeVar("T")

RACE_ATTEMPTS: Final = 5
"""How often a unit of work that lost a race to another process is run in all."""


def retrying_lost_races(attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (one whole unit of work) again while it loses races.

    A unit loses a race when a unique key it writes was taken by another process after it
    looked: the storage refuses the write with :class:`~telcocore.AlreadyExists`
    and rolls the unit back. Run again, the unit sees the winner's row. The last
    attempt's error is raised.
    """
    for _ in range(RACE_ATTEMPTS - 1):
        try:
            return attempt()
        except AlreadyExists:
            continue
    return attempt()


def new_id() -> str:
    """A new random id: 32 hex digits (128 bits from the operating system's random source)."""
    return os.urandom(16).hex()


@attrs.frozen
class ServiceContext:
    """The ports a service needs, handed in by the composition root."""

    uow: UnitOfWorkFactory
    clock: Clock
    ids: Callable[[], str] = new_id
    actor: Actor = SYSTEM
    """Who the audit log records as making the changes."""
    require_reason: bool = False
    """Whether every audited change must give a reason."""
