"""Making an invoice inside a unit of work: its lines, claims, number and audit entry.

One unit of work: the issuer's counter row is counted up first (it stays locked until the
commit, so two generations of one issuer take turns and numbers have no gaps), then the
usage rows and ledger charges are checked against the claims of invoices that are not
void and claimed in turn, then the invoice is stored and audited (``GENERATE``). A claim
another process took in between fails the unit (its unique key), which is then run again
and refused with :class:`~telcocore.billing.invoices.errors.UsageAlreadyInvoiced`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import attrs

from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.audit.services import AuditLog
from telcocore.billing.invoices.errors import UsageAlreadyInvoiced
from telcocore.billing.invoices.model.invoice import (
    Invoice,
    InvoiceLine,
    Issuer,
    LineKind,
    UsageRow,
    invoice_number,
    totals,
    usage_lines,
)
from telcocore.billing.invoices.ports import InvoiceRepository
from telcocore.billing.ledger.model import TransactionKind
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.kernel.errors import ConflictError
from telcocore.kernel.money import Money
from telcocore.kernel.periods import Period
from telcocore.platform.context import ServiceContext
from telcocore.platform.ports import UnitOfWork

__all__ = ["CHARGE_KINDS", "Charge", "charge_lines", "generate_in"]

CHARGE_KINDS: Final = {
    TransactionKind.PURCHASE: LineKind.PURCHASE,
    TransactionKind.RECURRING: LineKind.RECURRING,
    TransactionKind.ADJUSTMENT: LineKind.ADJUSTMENT,
}
"""The ledger's transactions an invoice of a period bills besides usage, and their lines."""


@attrs.frozen
class Charge:
    """A line of an invoice and the claim that keeps what it bills on that invoice only."""

    line: InvoiceLine
    claim: str
    what: str
    """What the line bills, as an error names it."""
    amount: Money = attrs.field(
        default=attrs.Factory(lambda charge: charge.line.amount, takes_self=True)
    )
    """What the invoice bills for the claim, stored with it: the line's amount unless given
    (a usage row's is its charge as it is; the line of its destination rounds the sum)."""


def charge_lines(uow: UnitOfWork, account_id: str, period: Period) -> list[Charge]:
    """The ledger's purchases, recurring charges and adjustments of the period, as lines.

    A charge (money taken from the balance) is a positive line; a credit adjustment, or
    the reversal of a charge, a negative one.
    """
    entries = uow.get(LedgerRepository).entries(
        account_id, start=period.start, end=period.end, kinds=frozenset(CHARGE_KINDS)
    )
    return [
        Charge(
            InvoiceLine(
                CHARGE_KINDS[entry.kind],
                entry.description or entry.kind.value,
                -entry.amount,
                transaction_id=entry.transaction_id,
            ),
            f"transaction|{entry.transaction_id}",
            f"transaction {entry.transaction_id!r}",
        )
        for entry in entries
    ]


def _usage_charges(rows: Sequence[UsageRow]) -> list[Charge]:
    return [
        Charge(InvoiceLine(LineKind.USAGE, "", row.charge), row.key.claim, str(row.key), row.charge)
        for row in rows
    ]


def generate_in(  # noqa: PLR0913 - the unit, the context, and what the invoice is made of
    uow: UnitOfWork,
    ctx: ServiceContext,
    audit: AuditLog,
    *,
    account_id: str,
    period: Period,
    rows: Sequence[UsageRow],
    charges: Sequence[Charge],
    issuer: Issuer,
    reason: str | None = None,
) -> Invoice:
    """Store and audit a new draft invoice of ``rows`` and ``charges`` (see the module)."""
    invoices = uow.get(InvoiceRepository)
    account = uow.get(AccountRepository).get(account_id)
    seq, issuer = invoices.next_seq(issuer)
    billed = [*_usage_charges(rows), *charges]
    taken = invoices.claimed([charge.claim for charge in billed])
    for charge in billed:
        if charge.claim in taken:
            raise UsageAlreadyInvoiced(charge.what, taken[charge.claim])
    now = ctx.clock.now()
    lines = (*usage_lines(rows, account.currency), *(charge.line for charge in charges))
    subtotal, tax, total = totals(lines, account.tax_rate, account.currency)
    invoice = Invoice(
        id=ctx.ids(),
        # The format was checked when it was set, by the rules of its release: one an
        # earlier release stored keeps numbering as it did (a number written twice is
        # still refused, by the numbers' unique key).
        number=invoice_number(
            issuer.number_format,
            issuer=issuer.name,
            seq=seq,
            year=now.year,
            month=now.month,
            checked=False,
        ),
        issuer=issuer.name,
        seq=seq,
        account_id=account_id,
        currency=account.currency,
        period=period,
        lines=lines,
        tax_rate=account.tax_rate,
        subtotal=subtotal,
        tax=tax,
        total=total,
        generated_at=now,
        payment_terms_days=issuer.payment_terms_days,
    )
    other = invoices.by_number(invoice.number)
    if other is not None:
        msg = (
            f"invoice number {invoice.number!r} of issuer {issuer.name!r} is taken by issuer "
            f"{other.issuer!r}: give each issuer a number format of its own"
        )
        raise ConflictError(msg)
    invoices.add(invoice)
    invoices.claim(invoice.id, [(charge.claim, charge.amount.amount) for charge in billed])
    audit.record_change(uow, AuditAction.GENERATE, None, invoice, reason=reason)
    return invoice
