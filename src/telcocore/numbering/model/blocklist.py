"""The block list: numbers and prefixes an account refuses, and how a number is checked.

Entries are stored in E.164, read with the account's home country by the rule of
:mod:`telcocore.numbering.model.e164` (a national form needs the home country), so
``+1 (415) 555-0123``, ``14155550123`` and ``4155550123`` (home US) are one entry,
``+14155550123``. A number is blocked when it
equals a blocked number or starts with a blocked prefix. The check looks up only the
prefixes of the number itself (:func:`candidate_patterns`), never the whole list.

These are the pure rules; :mod:`telcocore.numbering.services` stores the entries.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar, Final

import attrs

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import shown, validate_text

__all__ = ["BlockKind", "BlockListEntry", "BlockOrigin", "CallSide", "candidate_patterns"]


class BlockKind(enum.StrEnum):
    """Whether an entry blocks one number or every number starting with it."""

    NUMBER = "number"
    PREFIX = "prefix"


class BlockOrigin(enum.StrEnum):
    """Where an entry came from."""

    MANUAL = "manual"
    CALL_SOURCE = "call_source"
    """The calling number of a call record."""
    CALL_DESTINATION = "call_destination"
    """The called number of a call record."""


class CallSide(enum.StrEnum):
    """Which number of a call record to block."""

    SOURCE = "source"
    DESTINATION = "destination"


def _pattern(value: object) -> str:
    if not isinstance(value, str) or not value.lstrip("+") or not value.lstrip("+").isdigit():
        msg = f"block list pattern {shown(value)} must be digits, optionally after a '+'"
        raise ValidationError(msg, field="pattern", value=value)
    return value


def _utc(value: object) -> datetime:
    return require_utc(value, field="created_at")


MAX_NOTE_LENGTH: Final = 1000
"""The longest note a block list entry may carry, in characters."""


def _check_note(_instance: object, _attribute: object, value: str | None) -> None:
    if value is not None:
        validate_text(value, field="note", max_length=MAX_NOTE_LENGTH)


@attrs.frozen
class BlockListEntry:
    """A blocked number or prefix of an account, normalized (``+14155550123``, ``+1900``)."""

    ENTITY: ClassVar[str] = "block_list_entry"
    """Its name in the audit log and in storage errors (its key: ``<account>:<pattern>``)."""

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: ``<account>:<pattern>``."""
        return f"{self.account_id}:{self.pattern}"

    account_id: str
    pattern: str = attrs.field(converter=_pattern)
    kind: BlockKind
    origin: BlockOrigin
    created_at: datetime = attrs.field(converter=_utc)
    note: str | None = attrs.field(default=None, validator=_check_note)

    def matches(self, number: str) -> bool:
        """Whether the normalized ``number`` is blocked by this entry."""
        if self.kind is BlockKind.PREFIX:
            return number.startswith(self.pattern)
        return number == self.pattern


def candidate_patterns(number: str) -> list[str]:
    """Every pattern that could block the normalized ``number``: its prefixes, and itself.

    ``+1415`` gives ``+1``, ``+14``, ``+141``, ``+1415``: a number of n digits needs n
    exact lookups, whatever the size of the block list.
    """
    lead = 1 if number.startswith("+") else 0
    return [number[:end] for end in range(lead + 1, len(number) + 1)]
