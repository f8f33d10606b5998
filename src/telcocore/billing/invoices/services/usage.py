"""Daily usage rows made from the posted call records (``core.calls``).

:class:`CallRecordUsage` is the :class:`~telcocore.billing.invoices.ports.UsageSource` the
core wires in: it groups an account's stored call records by UTC day, rate prefix and
classification when an invoice is generated. Another source of the same rows (kept daily
summaries, say) replaces it in ``TelcoCore._wire`` without any other change.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from telcocore.billing.invoices.model.invoice import UsageKey, UsageRow
from telcocore.calls.model.posting import DailyUsage
from telcocore.calls.ports import CallRecordRepository
from telcocore.platform.ports import UnitOfWork

__all__ = ["CallRecordUsage"]


def _row(usage: DailyUsage) -> UsageRow:
    key = UsageKey(usage.account_id, usage.day, usage.prefix, usage.classification)
    return UsageRow(key, usage.description, usage.calls, usage.billed_seconds, usage.charge)


class CallRecordUsage:
    """Usage rows grouped from the stored call records, in the caller's unit of work."""

    def daily(
        self, uow: UnitOfWork, account_id: str, start: datetime, end: datetime
    ) -> list[UsageRow]:
        """The account's rows of the UTC days in ``[start, end)``, by key."""
        found = uow.get(CallRecordRepository).daily_usage(account_id, start, end)
        return [_row(usage) for usage in found]

    def rows(self, uow: UnitOfWork, keys: Collection[UsageKey]) -> list[UsageRow]:
        """The rows of ``keys`` that exist, by key (one read per account and day)."""
        wanted = set(keys)
        records = uow.get(CallRecordRepository)
        found: list[UsageRow] = []
        for account_id, day in sorted({(key.account_id, key.day) for key in wanted}):
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            for usage in records.daily_usage(account_id, start, start + timedelta(days=1)):
                row = _row(usage)
                if row.key in wanted:
                    found.append(row)
        return sorted(found, key=lambda row: row.key)
