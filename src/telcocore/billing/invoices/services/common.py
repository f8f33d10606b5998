"""What the invoices service's parts share: checked numbers, storing a change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from telcocore.billing.invoices.model.invoice import Invoice, InvoiceStatus
from telcocore.billing.invoices.ports import InvoiceRepository
from telcocore.kernel.validation import validate_text

if TYPE_CHECKING:
    from telcocore.audit.model.entry import AuditAction
    from telcocore.audit.services import AuditLog
    from telcocore.platform.ports import UnitOfWork

__all__ = ["MAX_REFERENCE_LENGTH", "checked_number", "store_change"]

MAX_REFERENCE_LENGTH: Final = 200
"""The longest payment reference."""


def checked_number(value: object, *, field: str = "number") -> str:
    """An invoice number as given by a caller."""
    return validate_text(value, field=field, max_length=200, required=True)


def store_change(  # noqa: PLR0913, PLR0917 - the unit, the log, then the change
    uow: UnitOfWork,
    audit: AuditLog,
    action: AuditAction,
    before: Invoice,
    after: Invoice,
    reason: str | None,
) -> Invoice:
    """Store ``after`` over ``before`` with its audit entry; a void one frees its claims."""
    invoices = uow.get(InvoiceRepository)
    invoices.update(after)
    if after.status is InvoiceStatus.VOID:
        invoices.release(after.id)
    audit.record_change(uow, action, before, after, reason=reason)
    return after
