"""What every part of the calls service shares: its context and the compiled rate decks."""

from __future__ import annotations

from telcocore.billing.rating.services import CompiledDecks
from telcocore.platform.context import ServiceContext

__all__ = ["CallsPart"]


class CallsPart:
    """The base of each part of :class:`~telcocore.calls.services.CallService`."""

    def __init__(self, context: ServiceContext, *, decks: CompiledDecks | None = None) -> None:
        self._ctx = context
        self._decks = CompiledDecks() if decks is None else decks
        """The compiled rate decks: the core shares the rating service's."""
