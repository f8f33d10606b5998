"""What every service is built with: storage, clock, id source and the acting user."""

from __future__ import annotations

import os
import time
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
    """A new id: 32 hex digits, the time in milliseconds then 80 random bits.

    The first 12 digits are the milliseconds since 1970 (UTC), the other 20 come from the
    operating system's random source, as in a UUIDv7 or a ULID. Ids made one after the
    other sort together, so a new row lands next to the last one in the indexes of its
    table instead of anywhere in them: fewer pages written per insert. Two ids made in the
    same millisecond differ by their 80 random bits.
    """
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"


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
