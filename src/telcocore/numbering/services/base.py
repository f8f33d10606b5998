"""What every part of the numbering service shares: its context and the audit log."""

from __future__ import annotations

from typing import Final

from telcocore.audit.services import AuditLog
from telcocore.kernel.validation import validate_text
from telcocore.platform.context import ServiceContext

__all__ = ["MAX_NUMBER_TEXT", "NumberingPart", "number_text"]

MAX_NUMBER_TEXT: Final = 100
"""The longest telephone number or prefix taken as typed (with spaces, dashes, ...)."""


def number_text(value: object, field: str) -> str:
    """A number or prefix as typed: text of at most :data:`MAX_NUMBER_TEXT` characters."""
    return validate_text(value, field=field, max_length=MAX_NUMBER_TEXT)


class NumberingPart:
    """The base of each part of :class:`~telcocore.numbering.services.NumberingService`."""

    def __init__(self, context: ServiceContext, audit: AuditLog) -> None:
        self._ctx = context
        self._audit = audit
