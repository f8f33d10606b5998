"""The rating domain's errors."""

from __future__ import annotations

from telcocore.kernel.errors import NotFoundError, RuleViolation, ValidationError
from telcocore.kernel.validation import some_of

__all__ = ["DeckInUse", "DeckNotFound", "RateAssignmentNotFound", "RateCardError"]


class DeckNotFound(NotFoundError):
    """No rate deck has this name."""

    entity = "rate deck"


class RateAssignmentNotFound(NotFoundError):
    """The account has no rate decks assigned."""

    entity = "rate assignment of account"


class DeckInUse(RuleViolation):
    """A deck still assigned to accounts cannot be deleted; ``accounts`` names some."""

    def __init__(self, name: str, accounts: list[str]) -> None:
        super().__init__(
            f"rate deck {name!r} is assigned to accounts {some_of(accounts)}; "
            "assign them another first"
        )
        self.name = name
        self.accounts = accounts


class RateCardError(ValidationError):
    """A CSV rate card was refused; ``line`` (1 = the header) and ``field`` say where.

    A card is loaded whole or not at all: nothing of it was kept.
    """

    def __init__(self, message: str, *, line: int, field: str | None, value: object = None) -> None:
        where = f"line {line}" if field is None else f"line {line}, {field}"
        super().__init__(f"rate card {where}: {message}", field=field, value=value)
        self.line = line
