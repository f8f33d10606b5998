"""The checks every format makes before a row becomes a call record."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final

from telcocore.calls.importers._fields import number_problem
from telcocore.calls.importers._rows import (
    PROGRESS_EVERY,
    ImportProgress,
    ImportResult,
    RejectedRow,
    _Reader,
)
from telcocore.calls.model.records import CallRecord, Direction, Disposition

__all__ = ["ZERO", "record", "rejected", "with_progress"]

ZERO: Final = Decimal(0)


def record(  # noqa: PLR0911, PLR0913, PLR0917 - one return per refusal; a record's fields
    call_id: str,
    account: str,
    source: str,
    destination: str,
    start: datetime,
    answer: datetime | None,
    end: datetime,
    duration: int,
    billable: Decimal,
    disposition: Disposition,
    direction: Direction,
    raw: Mapping[str, str],
) -> CallRecord | str:
    """The call record, or why these fields cannot make one."""
    if not destination:
        return "the destination is empty"
    problem = number_problem(destination, "the destination") or number_problem(source, "the source")
    if problem:
        return problem
    if end < start:
        return "the call ends before it starts"
    if answer is not None and not start <= answer <= end:
        return "the answer time is not between the start and the end"
    if disposition is not Disposition.ANSWERED:
        billable = ZERO
    elif billable and answer is None:
        return "the call has billable seconds but no answer time"
    if billable > duration + 1:
        return f"the billable seconds ({billable}) exceed the duration ({duration})"
    return CallRecord._trusted(  # noqa: SLF001 - every field checked above or as it was read
        call_id,
        account,
        source,
        destination,
        start,
        answer,
        end,
        duration,
        billable,
        disposition,
        direction,
        raw,
    )


def with_progress(
    reader: _Reader,
    rows: Iterator[ImportResult],
    progress: Callable[[ImportProgress], object] | None,
) -> Iterator[ImportResult]:
    """``rows``, reporting progress every :data:`PROGRESS_EVERY` rows and at the end.

    Without ``progress``, ``rows`` as they are: the reader closes its file itself when
    its rows end or are dropped.
    """
    if progress is None:
        return rows
    return _reporting(reader, rows, progress)


def _reporting(
    reader: _Reader,
    rows: Iterator[ImportResult],
    progress: Callable[[ImportProgress], object],
) -> Iterator[ImportResult]:
    count = 0
    try:
        for result in rows:
            count += 1
            yield result
            if count % PROGRESS_EVERY == 0:
                progress(ImportProgress(count, reader.bytes_read, reader.bytes_total))
        progress(ImportProgress(count, reader.bytes_read, reader.bytes_total))
    finally:
        reader.close()


def rejected(line: int, reason: str, reader: _Reader) -> RejectedRow:
    """The row just read, rejected for ``reason``."""
    return RejectedRow(line, reason, reader.text())
