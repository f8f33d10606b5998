"""Test doubles for your own tests of code that uses telcocore.

>>> from datetime import UTC, datetime, timedelta
>>> clock = FixedClock(datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC))
>>> clock.advance(timedelta(minutes=5))
>>> clock.now().isoformat()
'2026-03-14T15:14:26+00:00'
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

from telcocore.kernel.periods import require_utc
from telcocore.notifications.model.message import Message, MessageKind

__all__ = ["CapturingNotifier", "FailingNotifier", "FixedClock", "sequential_ids"]


class FixedClock:
    """A clock that stands still until you move it."""

    def __init__(self, now: datetime) -> None:
        self._now = require_utc(now, field="now")

    def now(self) -> datetime:
        """The instant the clock was set to."""
        return self._now

    def set(self, now: datetime) -> None:
        """Set the clock to ``now`` (timezone-aware)."""
        self._now = require_utc(now, field="now")

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self._now += delta


class CapturingNotifier:
    """Keeps every message it is asked to send, in order, in ``messages``."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def send(self, message: Message) -> None:
        """Capture ``message``."""
        self.messages.append(message)

    def of_kind(self, kind: MessageKind) -> list[Message]:
        """The captured messages of ``kind``."""
        return [m for m in self.messages if m.kind is kind]


class FailingNotifier:
    """Refuses every message, as a mail server that is down would."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error if error is not None else ConnectionRefusedError("server is down")
        self.attempts = 0

    def send(self, message: Message) -> None:
        """Count the attempt and raise."""
        del message
        self.attempts += 1
        raise self.error


def sequential_ids(prefix: str = "id") -> Callable[[], str]:
    """An id source giving ``id-1``, ``id-2``, ... for readable, repeatable tests."""
    counter = itertools.count(1)
    return lambda: f"{prefix}-{next(counter)}"
