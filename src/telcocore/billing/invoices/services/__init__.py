"""Invoices use cases: :class:`InvoiceService` generates, issues, voids, takes payments.

Built as ``InvoiceService(context, audit, usage)``, where ``usage`` is the
:class:`~telcocore.billing.invoices.ports.UsageSource` its usage rows come from (the core
wires :class:`~telcocore.billing.invoices.services.usage.SummaryUsage`, the kept daily
summaries). Every change is
one unit of work with its audit entry: ``GENERATE``, ``ISSUE``, ``PAY``, ``VOID``. Invoices
are read by number, and listed by account, status, issuer and period, a page at a time.
Schedules (:class:`~telcocore.billing.invoices.services.schedules.Schedules`) generate
every period that is due; payments
(:class:`~telcocore.billing.invoices.services.payments.Payments`) are allocated to
invoices; bills (:class:`~telcocore.billing.invoices.services.bills.BillsView`) are the
customer's view of them; an invoice is rendered as text or HTML
(:class:`~telcocore.billing.invoices.services.rendering.Rendering`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Final

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.audit.services import AuditLog, checked_reason
from telcocore.billing.invoices.errors import InvoiceNotFound, InvoiceStateError
from telcocore.billing.invoices.model.invoice import (
    DEFAULT_ISSUER,
    DEFAULT_PAYMENT_TERMS,
    Invoice,
    InvoicePage,
    InvoiceStatus,
    Issuer,
    UsageKey,
    validate_issuer,
    whole_days,
)
from telcocore.billing.invoices.ports import InvoiceRepository, UsageSource
from telcocore.billing.invoices.services.bills import BillsView
from telcocore.billing.invoices.services.common import (
    checked_number,
    store_change,
)
from telcocore.billing.invoices.services.generation import charge_lines, generate_in
from telcocore.billing.invoices.services.payments import Payments
from telcocore.billing.invoices.services.rendering import Rendering
from telcocore.billing.invoices.services.schedules import Schedules
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import Period
from telcocore.kernel.validation import coerce_enum, shown, validate_flag, validate_int
from telcocore.platform.context import ServiceContext, retrying_lost_races
from telcocore.platform.ports import UnitOfWork

__all__ = ["MAX_INVOICE_LIMIT", "InvoiceService"]

MAX_INVOICE_LIMIT: Final = 500
"""The most invoices one page holds."""
MAX_USAGE_KEYS: Final = 100_000
"""The most usage rows one invoice may be generated from."""


def _ended(period: Period, now: datetime, *, field: str = "period") -> Period:
    """``period`` if it ended by ``now``: a day's usage row grows until the day is over."""
    if period.end > now:
        msg = (
            f"{field} ends at {period.end.isoformat()}, after now ({now.isoformat()}): "
            "only days that are over are invoiced, so no later call is left out"
        )
        raise ValidationError(msg, field=field, value=period)
    return period


def _usage_keys(account_id: str, keys: object) -> list[UsageKey]:
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
        msg = f"keys must be an iterable of UsageKey, got {shown(keys)}"
        raise ValidationError(msg, field="keys", value=keys)
    found: list[UsageKey] = []
    for key in keys:
        if not isinstance(key, UsageKey):
            msg = f"keys must hold UsageKey values, got {shown(key)}"
            raise ValidationError(msg, field="keys", value=key)
        if key.account_id != account_id:
            msg = f"{key} is not of account {account_id!r}"
            raise ValidationError(msg, field="keys", value=key)
        found.append(key)
        if len(found) > MAX_USAGE_KEYS:
            msg = f"an invoice takes at most {MAX_USAGE_KEYS} usage rows"
            raise ValidationError(msg, field="keys", value=len(found))
    if not found:
        msg = "keys must name at least one usage row"
        raise ValidationError(msg, field="keys", value=keys)
    return sorted(set(found))


class InvoiceService(Schedules, Payments, BillsView, Rendering):
    """Generates invoices from daily usage and the ledger, and keeps their status."""

    def __init__(self, context: ServiceContext, audit: AuditLog, usage: UsageSource) -> None:
        self._ctx = context
        self._audit = audit
        self._usage = usage

    # -- issuers ----------------------------------------------------------------------

    def set_issuer(
        self,
        name: str = DEFAULT_ISSUER,
        *,
        number_format: str | None = None,
        payment_terms_days: int = DEFAULT_PAYMENT_TERMS,
        reason: str | None = None,
    ) -> Issuer:
        """Set how ``name`` numbers its invoices and how long they may stay unpaid; audited.

        ``number_format`` is ``str.format`` text with ``{seq}`` (the issuer's sequence,
        without gaps) and optionally ``{year}``, ``{month}`` (when the invoice is generated,
        UTC) and ``{issuer}``. Its sequence goes on where it was. An issuer used without
        being set has the defaults: 30 days and ``INV-{year}-{seq:06d}`` for ``default``,
        ``INV-{issuer}-{year}-{seq:06d}`` for any other (``None`` keeps those).
        """
        after = (
            Issuer(name, payment_terms_days=payment_terms_days)
            if number_format is None
            else Issuer(name, number_format, payment_terms_days)
        )
        with self._ctx.uow() as uow:
            invoices = uow.get(InvoiceRepository)
            before = invoices.issuer(after.name)
            if before == after:
                return after
            invoices.save_issuer(after)
            action = AuditAction.CREATE if before is None else AuditAction.UPDATE
            self._audit.record_change(uow, action, before, after, reason=reason)
            uow.commit()
        return after

    def issuer(self, name: str = DEFAULT_ISSUER) -> Issuer:
        """The issuer's settings (the defaults if it was never set)."""
        name = validate_issuer(name)
        with self._ctx.uow(read_only=True) as uow:
            found = uow.get(InvoiceRepository).issuer(name)
        return Issuer(name) if found is None else found

    def _issuer_in(self, uow: UnitOfWork, name: str) -> Issuer:
        found = uow.get(InvoiceRepository).issuer(name)
        return Issuer(name) if found is None else found

    # -- generating -------------------------------------------------------------------

    def generate(
        self,
        account_id: str,
        period: Period,
        *,
        issuer: str = DEFAULT_ISSUER,
        issue: bool = False,
        reason: str | None = None,
    ) -> Invoice:
        """A draft invoice of the account's usage and ledger charges in ``period``; audited.

        ``period`` is whole UTC days (``Period.day``, ``Period.days``, ``Period.month``, or
        any range from midnight to midnight) that are over by now. The
        lines: usage by destination (prefix and classification) from the usage source, then
        the ledger's purchases, recurring charges and adjustments posted in the period. If
        any of them is on an invoice that is not void already,
        :class:`~telcocore.billing.invoices.errors.UsageAlreadyInvoiced` names that
        invoice and nothing is written. With ``issue``, the invoice is issued (as by
        :meth:`issue`, audited ``ISSUE``) in the transaction that generates it: no draft is
        left behind if issuing fails.
        """
        account_id = validate_account_id(account_id)
        period = _ended(whole_days(period), self._ctx.clock.now())
        issuer = validate_issuer(issuer)
        issue = validate_flag(issue, field="issue")
        reason = checked_reason(reason)
        return retrying_lost_races(
            lambda: self._generate(account_id, period, issuer, reason, issue=issue)
        )

    def _generate(  # noqa: PLR0913 - what the invoice bills, and whether it is issued
        self,
        account_id: str,
        period: Period | None,
        issuer: str,
        reason: str | None,
        keys: list[UsageKey] | None = None,
        *,
        issue: bool = False,
    ) -> Invoice:
        with self._ctx.uow() as uow:
            invoice = self._generate_in(uow, account_id, period, issuer, reason, keys=keys)
            if issue:
                issued = invoice.issued(self._ctx.clock.now())
                invoice = self._record(uow, AuditAction.ISSUE, invoice, issued, reason)
            uow.commit()
        return invoice

    def _generate_in(  # noqa: PLR0913 - the unit, then what the invoice bills
        self,
        uow: UnitOfWork,
        account_id: str,
        period: Period | None,
        issuer: str,
        reason: str | None,
        *,
        keys: list[UsageKey] | None = None,
    ) -> Invoice:
        """The invoice of ``period`` (usage and charges), or of the usage rows ``keys``."""
        uow.get(AccountRepository).get(account_id)
        if keys is None:
            assert period is not None  # noqa: S101 - one of the two is given
            rows = self._usage.daily(uow, account_id, period.start, period.end)
            charges = charge_lines(uow, account_id, period)
        else:
            rows = self._usage.rows(uow, keys)
            missing = sorted(set(keys) - {row.key for row in rows})
            if missing:
                msg = f"there is no {missing[0]}"
                raise ValidationError(msg, field="keys", value=missing[0])
            period = Period.days(keys[0].day, max(key.day for key in keys))
            charges = []
        return generate_in(
            uow,
            self._ctx,
            self._audit,
            account_id=account_id,
            period=period,
            rows=rows,
            charges=charges,
            issuer=self._issuer_in(uow, issuer),
            reason=reason,
        )

    def generate_from_usage(
        self,
        account_id: str,
        keys: Iterable[UsageKey],
        *,
        issuer: str = DEFAULT_ISSUER,
        reason: str | None = None,
    ) -> Invoice:
        """A draft invoice of the selected usage rows of the account; audited.

        Its period runs from the first row's day to the end of the last one's; it has
        usage lines only. Every key must be the account's, of a day that is over, and
        name a stored row, else
        :class:`~telcocore.ValidationError`; a row on an invoice that is not void is
        refused as in :meth:`generate`.
        """
        account_id = validate_account_id(account_id)
        wanted = _usage_keys(account_id, keys)
        _ended(Period.day(max(key.day for key in wanted)), self._ctx.clock.now(), field="keys")
        issuer = validate_issuer(issuer)
        reason = checked_reason(reason)

        return retrying_lost_races(
            lambda: self._generate(account_id, None, issuer, reason, keys=wanted)
        )

    # -- status and payments ----------------------------------------------------------

    def _change(  # noqa: PLR0913 - the invoice, the action, and how it changes
        self,
        number: str,
        action: AuditAction,
        *,
        change: str,
        allowed: frozenset[InvoiceStatus],
        make: Callable[[Invoice], Invoice],
        reason: str | None,
    ) -> Invoice:
        number = checked_number(number)
        reason = checked_reason(reason)
        with self._ctx.uow() as uow:
            invoices = uow.get(InvoiceRepository)
            before = invoices.by_number(number, lock=True)
            if before is None:
                raise InvoiceNotFound(number)
            if before.status not in allowed:
                raise InvoiceStateError(number, before.status.value, change)
            after = self._record(uow, action, before, make(before), reason)
            uow.commit()
        return after

    def _record(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        before: Invoice,
        after: Invoice,
        reason: str | None,
    ) -> Invoice:
        """Store ``after`` over ``before`` with its audit entry; a void one frees its claims."""
        return store_change(uow, self._audit, action, before, after, reason)

    def issue(self, number: str, *, reason: str | None = None) -> Invoice:
        """Issue a draft: it is due its issuer's payment terms from now; audited (``ISSUE``).

        An invoice with nothing to pay (a total of zero or less) is paid when issued.
        :class:`~telcocore.billing.invoices.errors.InvoiceStateError` unless it is a draft.
        """
        now = self._ctx.clock.now()
        return self._change(
            number,
            AuditAction.ISSUE,
            change="issued",
            allowed=frozenset({InvoiceStatus.DRAFT}),
            make=lambda invoice: invoice.issued(now),
            reason=reason,
        )

    def void(self, number: str, *, reason: str | None = None) -> Invoice:
        """Void an invoice without payments; audited (``VOID``).

        A draft, an issued invoice, or one paid without a payment (it had nothing to pay
        when issued). Its usage and charges are free again: a new invoice may bill them.
        Its number stays taken (numbers have no gaps). An invoice with payments recorded,
        or a void one, is refused
        (:class:`~telcocore.billing.invoices.errors.InvoiceStateError`).
        """
        now = self._ctx.clock.now()

        def void(invoice: Invoice) -> Invoice:
            if invoice.payments:
                paid = invoice.status is InvoiceStatus.PAID
                raise InvoiceStateError(
                    invoice.number, "paid" if paid else "partially paid", "voided"
                )
            return invoice.voided(now)

        return self._change(
            number,
            AuditAction.VOID,
            change="voided",
            allowed=frozenset({InvoiceStatus.DRAFT, InvoiceStatus.ISSUED, InvoiceStatus.PAID}),
            make=void,
            reason=reason,
        )

    # -- queries ----------------------------------------------------------------------

    def get(self, number: str) -> Invoice:
        """The invoice with this number.

        :class:`~telcocore.billing.invoices.errors.InvoiceNotFound` if there is none.
        """
        number = checked_number(number)
        with self._ctx.uow(read_only=True) as uow:
            found = uow.get(InvoiceRepository).by_number(number)
        if found is None:
            raise InvoiceNotFound(number)
        return found

    def search(  # noqa: PLR0913 - the filters and the page, all optional and keyword-only
        self,
        *,
        account_id: str | None = None,
        status: InvoiceStatus | str | None = None,
        issuer: str | None = None,
        period: Period | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> InvoicePage:
        """Invoices in the order they were generated, filtered, one page at a time.

        ``period`` keeps the invoices whose period lies inside it; ``status`` is a
        :class:`~telcocore.billing.invoices.model.invoice.InvoiceStatus` (or its value). At
        most ``limit`` (1 to :data:`MAX_INVOICE_LIMIT`) per page; ``after`` is the
        ``next_after`` of the previous page (the number of its last invoice); a number no
        invoice has is a :class:`~telcocore.ValidationError`.
        """
        account = None if account_id is None else validate_account_id(account_id)
        wanted = None if status is None else coerce_enum(InvoiceStatus, status, field="status")
        by = None if issuer is None else validate_issuer(issuer)
        if period is not None and not isinstance(period, Period):
            msg = f"period must be a Period, got {shown(period)}"
            raise ValidationError(msg, field="period", value=period)
        limit = validate_int(limit, field="limit", minimum=1, maximum=MAX_INVOICE_LIMIT)
        cursor = None if after is None else checked_number(after)
        with self._ctx.uow(read_only=True) as uow:
            if cursor is not None and uow.get(InvoiceRepository).by_number(cursor) is None:
                msg = f"after {cursor!r} is no invoice's number: pass a page's next_after"
                raise ValidationError(msg, field="after", value=cursor)
            found = uow.get(InvoiceRepository).search(
                account_id=account,
                status=wanted,
                issuer=by,
                start=None if period is None else period.start,
                end=None if period is None else period.end,
                after=cursor,
                limit=limit + 1,
            )
        page = found[:limit]
        return InvoicePage(page, page[-1].number if len(found) > limit else None)
