"""Payments: recorded for an account, allocated to its invoices, settled or failed.

:meth:`Payments.record_payment` records a payment ``settled`` (the default) or
``pending``; :meth:`Payments.settle_payment` and :meth:`Payments.fail_payment` end a
pending one. Each is one unit of work with its audit entries: the payment's (``CREATE``
when recorded, ``PAY`` when settled, ``UPDATE`` when failed) and each invoice's (``PAY``).

Settling credits the account's balance the whole amount in the same unit of work (a
ledger ``payment`` whose idempotency key is ``payment:<id>``, so it is posted once), and
records each allocation on its invoice, which is paid once nothing is owed.

The rules: an allocation is to an issued invoice of the same account, more than zero,
and at most what the invoice still owes less what other pending payments are allocated to
it (else :class:`~telcocore.billing.invoices.errors.OverPayment`); the allocations add up
to at most the payment. Overpayment is kept as credit: the part of a payment allocated to
no invoice stays on the account's balance. When a pending payment settles, an invoice that
was voided or paid meanwhile takes only what it still owes; the rest is credit too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.audit.services import checked_reason
from telcocore.billing.invoices.errors import (
    InvoiceNotFound,
    InvoiceStateError,
    OverPayment,
    PaymentConflict,
    PaymentNotFound,
    PaymentStateError,
)
from telcocore.billing.invoices.model.invoice import Invoice, InvoicePayment, InvoiceStatus
from telcocore.billing.invoices.model.payment import (
    MAX_ALLOCATIONS,
    Allocation,
    Payment,
    PaymentState,
    validate_method,
)
from telcocore.billing.invoices.ports import InvoiceRepository
from telcocore.billing.invoices.services.common import (
    MAX_REFERENCE_LENGTH,
    checked_number,
    store_change,
)
from telcocore.billing.ledger.model import TransactionKind
from telcocore.billing.ledger.services import LedgerRequest, Movement
from telcocore.billing.ledger.services.batch import low_balance_message, post_batch
from telcocore.kernel.errors import TelcoError, ValidationError
from telcocore.kernel.money import AmountLike, Money, Rounding, as_money, currency_precision
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import coerce_enum, shown, validate_id, validate_text
from telcocore.platform.context import retrying_lost_races

if TYPE_CHECKING:
    from telcocore.audit.services import AuditLog
    from telcocore.platform.context import ServiceContext
    from telcocore.platform.ports import UnitOfWork

__all__ = ["Payments", "ledger_key"]


def ledger_key(payment_id: str) -> str:
    """The idempotency key of the ledger credit that settles the payment."""
    return f"payment:{payment_id}"


def _payment_id(value: object) -> str:
    return validate_id(value, field="payment_id", label="payment id")


def _paid_money(value: object, currency: str, *, field: str) -> Money:
    """``value`` as Money of ``currency``: more than zero, in whole units of the currency.

    A payment of 0.001 USD could leave an invoice owing what no payment can settle.
    """
    money = as_money(value, currency, field=field)
    if not money.is_positive():
        msg = f"{field} {money} must be more than zero"
        raise ValidationError(msg, field=field, value=value)
    if money.round(Rounding.HALF_UP) != money:
        msg = (
            f"{field} {money} has more decimal places than {currency} has "
            f"({currency_precision(currency)})"
        )
        raise ValidationError(msg, field=field, value=value)
    return money


def _allocations(value: object, currency: str) -> tuple[Allocation, ...]:
    """``{number: amount}`` as allocations, in the mapping's order, each more than zero."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        msg = f"allocations must be a mapping of invoice number to amount, got {shown(value)}"
        raise ValidationError(msg, field="allocations", value=value)
    if len(value) > MAX_ALLOCATIONS:
        msg = f"a payment is allocated to at most {MAX_ALLOCATIONS} invoices"
        raise ValidationError(msg, field="allocations", value=len(value))
    found = []
    for number, amount in value.items():
        money = _paid_money(amount, currency, field="allocations")
        found.append(Allocation(checked_number(number, field="allocations"), money))
    return tuple(found)


def _asks_again(repository: InvoiceRepository, first: Payment, again: Payment) -> bool:
    """Whether ``again``, recorded under the id of ``first``, asks what ``first`` asked.

    Whose, how much, how and to what: the allocations in any order; not when it came (a
    retry's default is its own now), nor its status (settled or failed since, as the
    first recording asked or not). A settled payment keeps what its invoices took: an
    invoice voided or paid while it was pending took less than was asked, or nothing
    (see the module), so there a retry may ask more of an invoice that is no longer owed.
    """
    terms = (first.account_id, first.amount, first.method, first.reference)
    if terms != (again.account_id, again.amount, again.method, again.reference):
        return False
    took = {part.number: part.amount for part in first.allocations}
    asked = {part.number: part.amount for part in again.allocations}
    if took == asked:
        return True
    if first.status is not PaymentState.SETTLED or not took.keys() <= asked.keys():
        return False
    for number, amount in asked.items():
        taken = took.get(number)
        if taken == amount:
            continue
        if taken is not None and taken > amount:
            return False
        invoice = repository.by_number(number)
        if invoice is None or invoice.status is InvoiceStatus.ISSUED:
            return False  # still owed, so it took all that was asked
    return True


def _lock_order(payment: Payment) -> list[str]:
    """The invoices ``payment`` is allocated to, in the order units paying invoices lock them.

    By number, before the balance, in every unit: no two wait for each other in a circle.
    """
    return sorted({part.number for part in payment.allocations})


class Payments:
    """The payments part of the invoices service."""

    _ctx: ServiceContext
    _audit: AuditLog

    def record_payment(  # noqa: PLR0913 - the payment's parts, keyword-only
        self,
        account_id: str,
        amount: AmountLike,
        *,
        method: str,
        reference: str = "",
        allocations: Mapping[str, AmountLike] | None = None,
        status: PaymentState | str = PaymentState.SETTLED,
        received_at: datetime | None = None,
        payment_id: str | None = None,
        reason: str | None = None,
    ) -> Payment:
        """Record a payment of the account, allocated to its invoices; audited.

        ``amount`` (in the account's currency, more than zero) paid by ``method``
        (``card``, ``bank_transfer``, ...) with the customer's ``reference``;
        ``allocations`` maps invoice numbers to the part of the payment each takes (see
        the module for the rules). ``status`` is ``settled`` (the money is in: the
        balance is credited and the invoices updated now) or ``pending`` (nothing moves
        until :meth:`settle_payment`). ``received_at`` (aware, default now) is when it
        came (and, for a settled payment, when it paid its invoices). ``payment_id``
        (default: a new id) makes recording idempotent: the same id again returns the
        payment recorded first, or
        :class:`~telcocore.billing.invoices.errors.PaymentConflict` if it differs in its
        account, amount, method, reference or allocations (in any order).
        """
        account_id = validate_account_id(account_id)
        method = validate_method(method)
        reference = validate_text(reference, field="reference", max_length=MAX_REFERENCE_LENGTH)
        state = coerce_enum(PaymentState, status, field="status")
        if state is PaymentState.FAILED:
            msg = "status must be pending or settled: a payment is failed by fail_payment"
            raise ValidationError(msg, field="status", value=status)
        when = (
            self._ctx.clock.now()
            if received_at is None
            else require_utc(received_at, field="received_at")
        )
        wanted = _payment_id(self._ctx.ids() if payment_id is None else payment_id)
        reason = checked_reason(reason)
        with self._ctx.uow(read_only=True) as uow:
            currency = uow.get(AccountRepository).get(account_id).currency
        money = _paid_money(amount, currency, field="amount")
        parts = _allocations(allocations, currency)
        if sum((a.amount for a in parts), Money.zero(currency)) > money:
            msg = f"the allocations add up to more than the payment of {money}"
            raise ValidationError(msg, field="allocations", value=allocations)
        payment = Payment(wanted, account_id, method, reference, money, when, parts)

        def record() -> Payment:
            with self._ctx.uow() as uow:
                stored = self._record_in(uow, payment, state, reason)
                uow.commit()
            return stored

        return retrying_lost_races(record)

    def _record_in(
        self,
        uow: UnitOfWork,
        payment: Payment,
        state: PaymentState,
        reason: str | None,
    ) -> Payment:
        """Store the payment (settled at once at ``received_at`` if ``state`` says so)."""
        repository = uow.get(InvoiceRepository)
        existing = repository.payment(payment.id, lock=True)
        if existing is not None:
            if not _asks_again(repository, existing, payment):
                raise PaymentConflict(payment.id)
            return existing
        # The invoices are locked first, so the pending allocations read next are all of them;
        # in number order, as every unit paying invoices takes them: none waits in a circle.
        locked = {
            number: self._payable(uow, payment.account_id, number)
            for number in _lock_order(payment)
        }
        invoices = [locked[part.number] for part in payment.allocations]
        zero = Money.zero(payment.amount.currency)
        reserved: dict[str, Money] = {}
        for pending in repository.payments(payment.account_id, PaymentState.PENDING):
            for part in pending.allocations:
                reserved[part.number] = reserved.get(part.number, zero) + part.amount
        for part, invoice in zip(payment.allocations, invoices, strict=True):
            owed = invoice.outstanding - reserved.get(part.number, zero)
            if part.amount > owed:
                raise OverPayment(part.number, part.amount, owed)
        repository.add_payment(payment)
        self._audit.record_change(uow, AuditAction.CREATE, None, payment, reason=reason)
        if state is PaymentState.SETTLED:
            return self._settle_in(uow, payment, payment.received_at, reason)
        return payment

    def _payable(self, uow: UnitOfWork, account_id: str, number: str) -> Invoice:
        invoice = uow.get(InvoiceRepository).by_number(number, lock=True)
        if invoice is None:
            raise InvoiceNotFound(number)
        if invoice.account_id != account_id:
            msg = f"invoice {number!r} is not of account {account_id!r}"
            raise ValidationError(msg, field="allocations", value=number)
        if invoice.status is not InvoiceStatus.ISSUED:
            raise InvoiceStateError(number, invoice.status.value, "paid")
        return invoice

    def _settle_in(
        self, uow: UnitOfWork, payment: Payment, at: datetime, reason: str | None
    ) -> Payment:
        """Credit the balance, record the allocations on the invoices, store it settled."""
        repository = uow.get(InvoiceRepository)
        # The invoices before the balance, in number order, as recording a payment takes them.
        locked = {
            number: repository.by_number(number, lock=True) for number in _lock_order(payment)
        }
        request = LedgerRequest(
            Movement.CREDIT,
            payment.account_id,
            payment.amount,
            ledger_key(payment.id),
            kind=TransactionKind.PAYMENT,
            description=f"payment {payment.id} ({payment.method})",
        )
        batch = [(request, TransactionKind.PAYMENT, 1, False, request.idempotency_key)]
        ctx = self._ctx
        (outcome,), _ = post_batch(
            uow, batch, ctx, lambda account, balance: low_balance_message(ctx, account, balance)
        )
        if isinstance(outcome, TelcoError):
            raise outcome
        taken = []
        for part in payment.allocations:
            before = locked[part.number]
            if before is None or before.status is not InvoiceStatus.ISSUED:
                continue  # voided or paid meanwhile: the part stays as credit
            amount = min(part.amount, before.outstanding)
            entry = InvoicePayment(amount, at, payment.reference, payment.id)
            store_change(
                uow, self._audit, AuditAction.PAY, before, before.with_payment(entry), reason
            )
            taken.append(Allocation(part.number, amount))
        after = payment.settled(at, tuple(taken), outcome.id)
        repository.update_payment(after)
        self._audit.record_change(uow, AuditAction.PAY, payment, after, reason=reason)
        return after

    def settle_payment(
        self, payment_id: str, *, settled_at: datetime | None = None, reason: str | None = None
    ) -> Payment:
        """Settle a pending payment: credit the balance and pay its invoices; audited (``PAY``).

        ``settled_at`` (aware, default now) is when the money came in. Settling a settled
        payment again returns it unchanged; a failed one is refused
        (:class:`~telcocore.billing.invoices.errors.PaymentStateError`).
        """
        wanted = _payment_id(payment_id)
        at = (
            self._ctx.clock.now()
            if settled_at is None
            else require_utc(settled_at, field="settled_at")
        )
        reason = checked_reason(reason)

        def settle() -> Payment:
            with self._ctx.uow() as uow:
                before = self._pending(uow, wanted, "settled")
                if before.status is PaymentState.SETTLED:
                    return before
                after = self._settle_in(uow, before, at, reason)
                uow.commit()
            return after

        return retrying_lost_races(settle)

    def fail_payment(self, payment_id: str, *, reason: str | None = None) -> Payment:
        """Mark a pending payment failed: nothing moves; audited (``UPDATE``).

        Failing a failed payment again returns it unchanged; a settled one is refused
        (:class:`~telcocore.billing.invoices.errors.PaymentStateError`): reverse its
        ledger credit instead.
        """
        wanted = _payment_id(payment_id)
        reason = checked_reason(reason)
        now = self._ctx.clock.now()
        with self._ctx.uow() as uow:
            before = self._pending(uow, wanted, "failed")
            if before.status is PaymentState.FAILED:
                return before
            after = before.failed(now)
            uow.get(InvoiceRepository).update_payment(after)
            self._audit.record_change(uow, AuditAction.UPDATE, before, after, reason=reason)
            uow.commit()
        return after

    def _pending(self, uow: UnitOfWork, payment_id: str, change: str) -> Payment:
        """The payment, locked; in the state ``change`` leads to, or pending."""
        found = uow.get(InvoiceRepository).payment(payment_id, lock=True)
        if found is None:
            raise PaymentNotFound(payment_id)
        if found.status not in {PaymentState.PENDING, PaymentState(change)}:
            raise PaymentStateError(payment_id, found.status.value, change)
        return found

    def payment(self, payment_id: str) -> Payment:
        """The payment with this id.

        :class:`~telcocore.billing.invoices.errors.PaymentNotFound` if there is none.
        """
        wanted = _payment_id(payment_id)
        with self._ctx.uow(read_only=True) as uow:
            found = uow.get(InvoiceRepository).payment(wanted)
        if found is None:
            raise PaymentNotFound(wanted)
        return found

    def payments(
        self, account_id: str, *, status: PaymentState | str | None = None
    ) -> list[Payment]:
        """The account's payments (of ``status``, if given), by the time they were received."""
        account_id = validate_account_id(account_id)
        state = None if status is None else coerce_enum(PaymentState, status, field="status")
        with self._ctx.uow(read_only=True) as uow:
            uow.get(AccountRepository).get(account_id)
            return uow.get(InvoiceRepository).payments(account_id, state)
