"""What every part of the calls service shares: its context."""

from __future__ import annotations

from telcocore.platform.context import ServiceContext

__all__ = ["CallsPart"]


class CallsPart:
    """The base of each part of :class:`~telcocore.calls.services.CallService`."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context
