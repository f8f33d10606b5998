"""Reporting use cases: :class:`SummaryService` reads and rebuilds the summaries.

The rows are kept by :func:`keep_summaries`, which the core hands to the calls service as
a posting hook (``core.calls.summary_hooks``): in the
unit of work of each batch of posted calls, before it commits, the batch's new calls are
summed per key in Python (constant work per call) and each key's sums are added to its
stored row with one upsert per key. A duplicate call adds nothing, since posting hands the
hook only the calls it stored; a batch that fails leaves the summaries as they were.

:meth:`SummaryService.rebuild` makes the rows of a period again from the stored call
records, with a group-by in SQL; it agrees with what was kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.audit.services import AuditLog, checked_reason
from telcocore.calls.model.posting import PostedCall
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import Period, require_utc
from telcocore.kernel.validation import shown
from telcocore.platform.context import ServiceContext, retrying_lost_races
from telcocore.platform.ports import UnitOfWork
from telcocore.reporting.model.summaries import (
    FULL_SPLIT,
    Grain,
    Split,
    SummaryRow,
    combine,
    live_window,
    summary_totals,
    validate_split,
)
from telcocore.reporting.ports import SummaryRepository

__all__ = ["PRUNE_BATCH", "SUMMARIES_ENTITY", "SummaryService", "keep_summaries"]

SUMMARIES_ENTITY = "summaries"
"""The audit log's entity type of a rebuild or a prune (the key is the account id)."""
PRUNE_BATCH: Final = 10_000
"""The most summary rows one unit of work of :meth:`SummaryService.prune_hours` deletes."""


def keep_summaries(uow: UnitOfWork, calls: Sequence[PostedCall]) -> None:
    """Add the calls a batch posted to their summary rows, in the batch's unit of work."""
    if calls:
        uow.get(SummaryRepository).add(summary_totals(calls))


def _range(start: object, end: object) -> tuple[datetime, datetime]:
    first = require_utc(start, field="start")
    last = require_utc(end, field="end")
    if last <= first:
        msg = f"end {last.isoformat()} must be after start {first.isoformat()}"
        raise ValidationError(msg, field="end", value=end)
    return first, last


class SummaryService:
    """The summaries of posted calls: hourly (the live view), daily, monthly; rebuilt.

    Each read returns rows (:class:`~telcocore.reporting.model.summaries.SummaryRow`) of one
    account whose periods start in ``[start, end)`` (aware datetimes; UTC periods), in
    reading order. ``by`` says what stays apart: ``("destination", "classification")``
    (the default, the rows as kept), one of them, or ``()`` for one row per period.
    """

    def __init__(self, context: ServiceContext, audit: AuditLog) -> None:
        self._ctx = context
        self._audit = audit

    def _read(
        self,
        account_id: object,
        grain: Grain,
        span: tuple[datetime, datetime],
        by: Iterable[Split | str] | str,
    ) -> list[SummaryRow]:
        account_id = validate_account_id(account_id)
        splits = validate_split(by)
        # One query, or two when it finds no row: no snapshot needed (see Storage.unit_of_work)
        with self._ctx.uow(read_only=True, snapshot=False) as uow:
            rows = uow.get(SummaryRepository).rows(account_id, grain, *span)
            if not rows:  # a row names its account (a foreign key): only none asks for it
                uow.get(AccountRepository).get(account_id)
        return rows if splits == FULL_SPLIT else combine(rows, splits)

    def hourly(
        self,
        account_id: str,
        start: datetime,
        end: datetime,
        *,
        by: Iterable[Split | str] | str = FULL_SPLIT,
    ) -> list[SummaryRow]:
        """The account's hourly rows of the hours starting in ``[start, end)``."""
        return self._read(account_id, Grain.HOUR, _range(start, end), by)

    def daily(
        self,
        account_id: str,
        start: datetime,
        end: datetime,
        *,
        by: Iterable[Split | str] | str = FULL_SPLIT,
    ) -> list[SummaryRow]:
        """The account's daily rows of the UTC days starting in ``[start, end)``.

        Each row's key is ``(account_id, period_start, prefix, classification)``; its
        ``period_start`` is the day's midnight, UTC.
        """
        return self._read(account_id, Grain.DAY, _range(start, end), by)

    def monthly(
        self,
        account_id: str,
        start: datetime,
        end: datetime,
        *,
        by: Iterable[Split | str] | str = FULL_SPLIT,
    ) -> list[SummaryRow]:
        """The account's monthly rows of the UTC months starting in ``[start, end)``."""
        return self._read(account_id, Grain.MONTH, _range(start, end), by)

    def live(
        self, account_id: str, *, by: Iterable[Split | str] | str = FULL_SPLIT
    ) -> list[SummaryRow]:
        """The live view: the account's hourly rows of the current hour and the 23 before.

        The hours follow the core's clock, so the view rolls on at each full hour.
        """
        return self._read(account_id, Grain.HOUR, live_window(self._ctx.clock.now()), by)

    def prune_hours(self, ended_by: datetime, *, reason: str | None = None) -> int:
        """Delete every account's hourly rows of the hours that ended by ``ended_by``.

        The live view reads the hourly rows of the last 24 hours; older ones only grow the
        table (24 a day for each destination and class). ``ended_by`` (aware) may not be
        later than the first hour the live view shows now
        (:class:`~telcocore.ValidationError`): those hours are kept. Daily and monthly rows
        are never pruned. Each account's rows go in units of work of at most
        :data:`PRUNE_BATCH` rows, each recorded in the audit log (``DELETE``, entity
        ``summaries``, the account's id as key, with the hours and the rows deleted), so a
        large prune holds no lock for long, and one stopped half-way is simply run again.
        A rebuild of a pruned hour makes its rows again. The number of rows deleted.
        """
        ended_by = require_utc(ended_by, field="ended_by")
        oldest_live = live_window(self._ctx.clock.now())[0]
        if ended_by > oldest_live:
            msg = (
                f"ended_by {ended_by.isoformat()} is after {oldest_live.isoformat()}, the "
                "first hour of the live view, whose hourly rows are kept"
            )
            raise ValidationError(msg, field="ended_by", value=ended_by)
        reason = checked_reason(reason)
        with self._ctx.uow(read_only=True) as uow:
            accounts = [account.id for account in uow.get(AccountRepository).list()]
        return sum(self._prune(account_id, ended_by, reason) for account_id in accounts)

    def _prune(self, account_id: str, ended_by: datetime, reason: str | None) -> int:
        pruned = 0
        while True:
            with self._ctx.uow() as uow:
                deleted = uow.get(SummaryRepository).prune(
                    account_id, Grain.HOUR, ended_by, PRUNE_BATCH
                )
                if deleted:
                    self._audit.write(
                        uow,
                        action=AuditAction.DELETE,
                        entity_type=SUMMARIES_ENTITY,
                        entity_key=account_id,
                        before={
                            "grain": Grain.HOUR.value,
                            "ended_by": ended_by.isoformat(),
                            "rows": deleted,
                        },
                        after=None,
                        reason=reason,
                    )
                uow.commit()
            pruned += deleted
            if deleted < PRUNE_BATCH:
                return pruned

    def rebuild(self, account_id: str, period: Period, *, reason: str | None = None) -> int:
        """Make the account's rows of ``period`` again from its stored call records.

        Every row of every grain whose period overlaps ``period`` is replaced: the hours,
        days and months it touches, each over its whole length (so a rebuild of one day
        recounts that day's month too). The rows made agree with the rows kept while the
        calls were posted. Recorded in the audit log (``GENERATE``, entity
        ``summaries``, the account's id as key). The number of rows made.

        A batch of the account's calls posted while the rebuild runs (PostgreSQL) either
        waits for it and then adds to the rebuilt rows, or is counted by it; when the
        rebuild's rows collide with rows that batch made, it runs again.
        """
        account_id = validate_account_id(account_id)
        if not isinstance(period, Period):
            msg = f"period must be a Period, got {shown(period)}"
            raise ValidationError(msg, field="period", value=period)
        return retrying_lost_races(lambda: self._rebuild(account_id, period, reason))

    def _rebuild(self, account_id: str, period: Period, reason: str | None) -> int:
        with self._ctx.uow() as uow:
            uow.get(AccountRepository).get(account_id)
            summaries = uow.get(SummaryRepository)
            made = sum(
                summaries.rebuild(account_id, grain, grain.starts(period.start, period.end))
                for grain in Grain
            )
            self._audit.write(
                uow,
                action=AuditAction.GENERATE,
                entity_type=SUMMARIES_ENTITY,
                entity_key=account_id,
                before=None,
                after={
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                    "rows": made,
                },
                reason=reason,
            )
            uow.commit()
        return made
