"""The per-minute log: an account's international calls over a period, page by page.

Each row is one posted call classified international: when it started, who called whom,
the destination's name (the rate's description), the billed minutes (billed seconds / 60,
to 28 significant digits), the rate per minute and the charge. The totals cover the whole
range whatever the page. Pages are ordered by start then call id and continue after a
cursor that names the last row's start and call id, so a page never repeats or skips a
call, even when calls are posted meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.calls.model.classification import Classification
from telcocore.calls.model.posting import MAX_LOG_LIMIT, LogPage, LogTotals, billed_minutes
from telcocore.calls.ports import CallRecordRepository
from telcocore.calls.services.base import CallsPart
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.money import Money
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import shown, validate_int

__all__ = ["CallLog", "decode_cursor", "encode_cursor"]

_SEPARATOR: Final = "|"


def encode_cursor(start: datetime, call_id: str) -> str:
    """The cursor after the call ``call_id`` started at ``start``."""
    return f"{start.isoformat()}{_SEPARATOR}{call_id}"


def decode_cursor(value: object) -> tuple[datetime, str]:
    """The start and call id a cursor names; :class:`~telcocore.ValidationError` if malformed."""
    if isinstance(value, str) and _SEPARATOR in value:
        moment, _, call_id = value.partition(_SEPARATOR)
        try:
            start = datetime.fromisoformat(moment)
        except ValueError:
            pass
        else:
            if start.tzinfo is not None and call_id:
                return require_utc(start, field="after"), call_id
    msg = f"after must be a cursor from a page's next_after, got {shown(value)}"
    raise ValidationError(msg, field="after", value=value)


class CallLog(CallsPart):
    """The per-minute log of an account's international calls."""

    def international_log(
        self,
        account_id: str,
        *,
        start: datetime,
        end: datetime,
        limit: int = 100,
        after: str | None = None,
    ) -> LogPage:
        """One page of the account's international calls started in ``[start, end)`` (UTC).

        At most ``limit`` rows (1 to :data:`~telcocore.calls.model.posting.MAX_LOG_LIMIT`),
        oldest first, after the cursor ``after`` (a page's ``next_after``), with the totals
        (calls, billed minutes, charges) of the whole range. ``start`` and ``end`` must be
        timezone-aware, ``start`` before ``end``.
        """
        account_id = validate_account_id(account_id)
        start = require_utc(start, field="start")
        end = require_utc(end, field="end")
        if end <= start:
            msg = f"end {end.isoformat()} must be after start {start.isoformat()}"
            raise ValidationError(msg, field="end", value=end)
        limit = validate_int(limit, field="limit", minimum=1, maximum=MAX_LOG_LIMIT)
        cursor = None if after is None else decode_cursor(after)
        kind = Classification.INTERNATIONAL.value
        with self._ctx.uow(read_only=True) as uow:
            account = uow.get(AccountRepository).get(account_id)
            records = uow.get(CallRecordRepository)
            rows = records.log(account_id, kind, start, end, limit=limit + 1, after=cursor)
            calls, seconds, charges = records.log_totals(account_id, kind, start, end)
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1] if more else None
        totals = LogTotals(
            calls=calls,
            minutes=billed_minutes(seconds),
            charges=Money(charges, account.currency),
        )
        return LogPage(
            rows=rows,
            totals=totals,
            next_after=None if last is None else encode_cursor(last.start, last.call_id),
        )
