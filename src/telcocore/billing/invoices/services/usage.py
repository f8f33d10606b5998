"""Daily usage rows read from the kept daily summaries (``core.summaries``).

:class:`SummaryUsage` is the :class:`~telcocore.billing.invoices.ports.UsageSource` the core
wires in: an invoice bills the daily summary rows of :mod:`telcocore.reporting` (kept in the
transaction of each posted batch, so they hold every posted call), one usage row per UTC
day, rate prefix and classification. Invoices read nothing else of reporting.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from telcocore.billing.invoices.model.invoice import UsageKey, UsageRow
from telcocore.platform.ports import UnitOfWork
from telcocore.reporting.model.summaries import Grain, SummaryRow
from telcocore.reporting.ports import SummaryRepository

__all__ = ["SummaryUsage"]

_DAY = timedelta(days=1)


def _row(summary: SummaryRow) -> UsageRow:
    # Kept rows are split by destination and classification: neither is ever None.
    key = UsageKey(
        summary.account_id,
        summary.period_start.date(),
        summary.prefix,
        str(summary.classification),
    )
    return UsageRow(
        key, summary.description or "", summary.attempts, summary.billed_seconds, summary.charge
    )


class SummaryUsage:
    """Usage rows from the kept daily summaries, in the caller's unit of work."""

    def daily(
        self, uow: UnitOfWork, account_id: str, start: datetime, end: datetime
    ) -> list[UsageRow]:
        """The account's rows of the UTC days in ``[start, end)``, by key."""
        found = uow.get(SummaryRepository).rows(account_id, Grain.DAY, start, end)
        return sorted((_row(summary) for summary in found), key=lambda row: row.key)

    def rows(self, uow: UnitOfWork, keys: Collection[UsageKey]) -> list[UsageRow]:
        """The rows of ``keys`` that exist, by key (one read per account and day)."""
        wanted = set(keys)
        found: list[UsageRow] = []
        for account_id, day in sorted({(key.account_id, key.day) for key in wanted}):
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            found.extend(
                row for row in self.daily(uow, account_id, start, start + _DAY) if row.key in wanted
            )
        return sorted(found, key=lambda row: row.key)
