"""What the reporting domain needs from storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from telcocore.reporting.model.summaries import Grain, SummaryRow, SummaryTotals

__all__ = ["SummaryRepository"]


class SummaryRepository(Protocol):
    """Stores the summary rows, one per account, grain, period, prefix and classification."""

    def add(self, totals: Sequence[SummaryTotals]) -> None:
        """Add each key's counts and sums to the stored row of the key, or store it as new.

        The keys are distinct, each with a prefix and a classification (as
        :func:`~telcocore.reporting.model.summaries.summary_totals` makes them); a key's
        description becomes the row's.
        """
        ...

    def rows(
        self, account_id: str, grain: Grain, start: datetime, end: datetime
    ) -> list[SummaryRow]:
        """The account's stored rows of ``grain`` whose period starts in ``[start, end)``.

        By period, then prefix (by code point), then classification.
        """
        ...

    def rebuild(self, account_id: str, grain: Grain, starts: Sequence[datetime]) -> int:
        """Replace the account's rows of ``grain`` for the periods starting at ``starts``.

        ``starts`` are consecutive period starts of ``grain``; the rows of those periods
        are deleted and made again from the stored call records, with a group-by. The
        number of rows made.
        """
        ...

    def prune(self, account_id: str, grain: Grain, ended_by: datetime, limit: int) -> int:
        """Delete at most ``limit`` of the account's rows of ``grain`` that ended by ``ended_by``.

        The oldest first; a period ended by then if it started before the period holding
        ``ended_by``. The number deleted.
        """
        ...
