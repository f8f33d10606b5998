"""What the rating domain needs from storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from telcocore.billing.rating.model.deck import RateDeck
from telcocore.billing.rating.model.stored import DeckSummary, RateAssignment

__all__ = ["RatingRepository"]


class RatingRepository(Protocol):
    """Stores rate decks, their rates, and the decks assigned to accounts."""

    def summary(self, name: str, *, lock: bool = False) -> DeckSummary | None:
        """The deck's summary (its version included), or ``None``; ``lock`` holds its row."""
        ...

    def summaries(self) -> list[DeckSummary]:
        """Every deck's summary, ordered by name."""
        ...

    def load(self, name: str) -> RateDeck | None:
        """The deck with all its rates, or ``None``."""
        ...

    def save(self, deck: RateDeck, summary: DeckSummary, *, updated_at: datetime) -> None:
        """Store ``deck`` as ``summary.version``, replacing its earlier rates."""
        ...

    def delete(self, name: str) -> None:
        """Delete the deck and its rates."""
        ...

    def accounts_using(self, name: str) -> list[str]:
        """The ids of accounts the deck is assigned to (as customer or provider deck)."""
        ...

    def assignment(self, account_id: str) -> RateAssignment | None:
        """The account's decks, or ``None``."""
        ...

    def assign(self, assignment: RateAssignment) -> None:
        """Store the account's decks, replacing earlier ones."""
        ...
