"""The audit log's errors."""

from __future__ import annotations

from telcocore.kernel.errors import (
    NotFoundError,
)

__all__ = ["AuditEntryNotFound"]


class AuditEntryNotFound(NotFoundError):
    """No audit entry has this id."""

    entity = "audit entry"
