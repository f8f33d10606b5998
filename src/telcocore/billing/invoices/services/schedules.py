"""Scheduled generation: each account's schedule, and :meth:`Schedules.run_due`.

A run generates, for every schedule, each period that has ended and has no scheduled
invoice yet, oldest first. Each period is one unit of work that first records the run of
that period (``invoice_schedule_runs``, keyed by account and period start), then generates
its invoice: a period is invoiced once however often, and from however many processes at
once, the run is made. A process that finds the period recorded by another skips it.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.billing.invoices.errors import InvoiceScheduleNotFound
from telcocore.billing.invoices.model.invoice import DEFAULT_ISSUER, Invoice, UsageKey
from telcocore.billing.invoices.model.schedule import InvoiceSchedule
from telcocore.billing.invoices.ports import InvoiceRepository
from telcocore.kernel.errors import TelcoError
from telcocore.kernel.periods import Period, require_utc
from telcocore.platform.context import retrying_lost_races

if TYPE_CHECKING:
    from telcocore.audit.services import AuditLog
    from telcocore.platform.context import ServiceContext
    from telcocore.platform.ports import UnitOfWork

__all__ = ["RunReport", "Schedules"]


@attrs.frozen
class RunReport:
    """What :meth:`Schedules.run_due` did.

    ``generated``: the invoices it made, by account then period; ``refused``: the periods it
    could not invoice, each with the error (usage already on another invoice, say), to be
    tried again by the next run.
    """

    generated: list[Invoice]
    refused: list[tuple[str, Period, TelcoError]]


class Schedules:
    """The schedule part of the invoices service."""

    _ctx: ServiceContext
    _audit: AuditLog

    def _generate_in(  # noqa: PLR0913 - as InvoiceService's
        self,
        uow: UnitOfWork,
        account_id: str,
        period: Period | None,
        issuer: str,
        reason: str | None,
        *,
        keys: list[UsageKey] | None = None,
    ) -> Invoice:
        raise NotImplementedError

    def _record(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        before: Invoice,
        after: Invoice,
        reason: str | None,
    ) -> Invoice:
        raise NotImplementedError

    def set_schedule(  # noqa: PLR0913 - the schedule's parts, keyword-only after the rule
        self,
        account_id: str,
        rule: str,
        *,
        start: datetime,
        issuer: str = DEFAULT_ISSUER,
        issue: bool = False,
        reason: str | None = None,
    ) -> InvoiceSchedule:
        """Generate the account's invoices on ``rule`` from ``start``; audited.

        ``rule`` is an RFC 5545 RRULE of days, weeks, months or years, read by
        :mod:`dateutil.rrule`: ``FREQ=MONTHLY;BYMONTHDAY=1`` (calendar months),
        ``FREQ=WEEKLY;BYDAY=MO`` (weeks from Monday), ``FREQ=DAILY``. ``start`` is
        midnight UTC. Each period runs from one occurrence to the next. With ``issue``, each
        invoice is issued in the transaction that generates it. Replaces an earlier schedule.
        """
        schedule = InvoiceSchedule(account_id, rule, start, issuer, issue)
        with self._ctx.uow() as uow:
            uow.get(AccountRepository).get(schedule.account_id)
            invoices = uow.get(InvoiceRepository)
            before = invoices.schedule(schedule.account_id)
            if before == schedule:
                return schedule
            invoices.save_schedule(schedule)
            action = AuditAction.CREATE if before is None else AuditAction.UPDATE
            self._audit.record_change(uow, action, before, schedule, reason=reason)
            uow.commit()
        return schedule

    def schedule(self, account_id: str) -> InvoiceSchedule:
        """The account's schedule.

        :class:`~telcocore.billing.invoices.errors.InvoiceScheduleNotFound` if it has none.
        """
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            found = uow.get(InvoiceRepository).schedule(account_id)
        if found is None:
            raise InvoiceScheduleNotFound(account_id)
        return found

    def remove_schedule(self, account_id: str, *, reason: str | None = None) -> None:
        """Stop generating the account's invoices on a schedule; audited."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow() as uow:
            invoices = uow.get(InvoiceRepository)
            before = invoices.schedule(account_id)
            if before is None:
                raise InvoiceScheduleNotFound(account_id)
            invoices.delete_schedule(account_id)
            self._audit.record_change(uow, AuditAction.DELETE, before, None, reason=reason)
            uow.commit()

    def run_due(self, now: datetime | None = None) -> RunReport:
        """Generate every scheduled period that ended by ``now`` (default: the clock's now).

        Never past the clock's now: as :meth:`generate`, a run invoices only periods that
        are over. Safe to run again, and from several processes at once: each period is
        invoiced once. A period whose invoice is refused (its usage is on another invoice
        already) is in :attr:`RunReport.refused` and is tried again by the next run.
        """
        moment = self._ctx.clock.now()
        if now is not None:
            moment = min(moment, require_utc(now, field="now"))
        with self._ctx.uow(read_only=True) as uow:
            invoices = uow.get(InvoiceRepository)
            work = [
                (schedule, period)
                for schedule in invoices.schedules()
                for period in _missing(schedule, invoices.ran(schedule.account_id), moment)
            ]
        generated: list[Invoice] = []
        refused: list[tuple[str, Period, TelcoError]] = []
        for schedule, period in work:
            try:
                made = retrying_lost_races(functools.partial(self._run_one, schedule, period))
            except TelcoError as error:
                refused.append((schedule.account_id, period, error))
                continue
            if made is not None:
                generated.append(made)
        return RunReport(generated, refused)

    def _run_one(self, schedule: InvoiceSchedule, period: Period) -> Invoice | None:
        with self._ctx.uow() as uow:
            invoices = uow.get(InvoiceRepository)
            if not invoices.start_run(schedule.account_id, period.start, period.end):
                return None  # another run made it
            invoice = self._generate_in(
                uow, schedule.account_id, period, schedule.issuer, "scheduled"
            )
            if schedule.issue:
                issued = invoice.issued(self._ctx.clock.now())
                invoice = self._record(uow, AuditAction.ISSUE, invoice, issued, "scheduled")
            uow.commit()
        return invoice


def _missing(schedule: InvoiceSchedule, ran: set[datetime], now: datetime) -> list[Period]:
    return schedule.due_periods(now, done=ran)
