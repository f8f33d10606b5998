"""DIDs: the public numbers an account owns, their class and their activation.

A DID is stored in E.164 (``+14155550123``) and belongs to one account; its number is
unique system-wide. Its class (local, national, toll-free, mobile, ...) is what a service
plan prices. A DID is active from its activation until it is deactivated.

These are the pure rules; :mod:`telcocore.numbering.services` stores DIDs.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar

import attrs

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import shown

__all__ = ["Did", "DidClass", "validate_e164"]


class DidClass(enum.StrEnum):
    """The kind of a DID, as a service plan prices it."""

    LOCAL = "local"
    NATIONAL = "national"
    TOLL_FREE = "toll_free"
    MOBILE = "mobile"
    NON_GEOGRAPHIC = "non_geographic"


def validate_e164(value: object) -> str:
    """A number in E.164: ``+`` and 2-15 digits, not starting with 0."""
    if (
        not isinstance(value, str)
        or not value.startswith("+")
        or not value[1:].isdigit()
        or not value[1:].isascii()
        or value[1] == "0"
        or not 2 <= len(value) - 1 <= 15  # noqa: PLR2004 - E.164's length limits
    ):
        msg = (
            f"number {shown(value)} is not a telephone number in E.164 form such as '+14155550123'"
        )
        raise ValidationError(msg, field="number", value=value)
    return value


def _utc(value: object) -> datetime:
    return require_utc(value, field="created_at")


def _utc_or_none(value: object) -> datetime | None:
    return None if value is None else require_utc(value, field="activated_at")


@attrs.frozen
class Did:
    """A DID owned by ``account_id``; active from ``activated_at`` while ``active``."""

    ENTITY: ClassVar[str] = "did"
    """Its name in the audit log and in storage errors (its key: the E.164 number)."""

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the E.164 number."""
        return self.number

    number: str = attrs.field(converter=validate_e164)
    account_id: str
    did_class: DidClass
    created_at: datetime = attrs.field(converter=_utc)
    active: bool = False
    activated_at: datetime | None = attrs.field(default=None, converter=_utc_or_none)
    """When it was last activated (kept after a deactivation, for the record)."""
    deactivated_at: datetime | None = attrs.field(default=None, converter=_utc_or_none)
    """When it was last deactivated, if it was."""
