"""Posted call records and what posting, importing and the per-minute log answer.

A :class:`PostedCall` is a call record as stored when it was posted: the record (its
``classification`` set from the account's home region), the rate that priced it, the
charge, the provider's cost when the account has a provider deck, and the ledger
transaction that charged it. :class:`PostResult` counts what a batch did;
:class:`ImportReport` what a file import did; :class:`LogPage` is one page of an
account's per-minute call log with the totals of the whole range.
"""

from __future__ import annotations

import decimal
import enum
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from telcocore.calls.model.records import CallRecord
from telcocore.kernel.money import Money

__all__ = [
    "MAX_LOG_LIMIT",
    "MAX_REJECTED_KEPT",
    "ImportReport",
    "LogPage",
    "LogRow",
    "LogTotals",
    "PostResult",
    "PostedCall",
    "RecordRefusal",
    "RefusalKind",
    "billed_minutes",
]

MAX_LOG_LIMIT: Final = 1000
"""The most rows one page of the per-minute log holds."""

MAX_REJECTED_KEPT: Final = 1000
"""How many rejected rows an import keeps in memory (the rest are counted)."""

_MINUTES: Final = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)
"""Python's default decimal context, named: minutes do not depend on the caller's context."""
_SIXTY: Final = Decimal(60)


def billed_minutes(seconds: int) -> Decimal:
    """``seconds / 60`` to 28 significant digits, half-even, whatever the thread's context.

    >>> billed_minutes(90), billed_minutes(7)
    (Decimal('1.5'), Decimal('0.1166666666666666666666666667'))
    """
    return _MINUTES.divide(Decimal(seconds), _SIXTY)


@attrs.frozen(weakref_slot=False)  # built by a trusted constructor: see kernel.trusted
class PostedCall:
    """A call record as stored by posting: the record, its rating and its charge."""

    record: CallRecord
    """The record, with its ``classification`` set."""
    prefix: str
    """The prefix of the rate that priced it."""
    description: str
    """That rate's description (the destination's name)."""
    billed_seconds: int
    """The seconds billed after the rate's increments (0 for an unanswered call)."""
    rate_per_minute: Decimal
    """That rate's price of a minute, in the charge's currency."""
    charge: Money
    """What the account is charged, rounded once by the customer deck."""
    provider_cost: Money | None
    """What the carrier charges for it, when the account has a provider deck."""
    transaction_id: str | None
    """The ledger transaction that charged it (with the batch's other calls of the
    account); ``None`` for a call that cost nothing."""


class RefusalKind(enum.StrEnum):
    """Why a record was not posted."""

    UNRATED = "unrated"
    """The customer deck has no rate for the destination at the call's time."""
    REFUSED = "refused"
    """The account does not exist, has no deck, or the record cannot be posted."""


@attrs.frozen
class RecordRefusal:
    """A record that was not stored nor charged, and why (never silently free)."""

    call_id: str
    """The record's call id."""
    account_id: str
    """The account it names."""
    kind: RefusalKind
    """Unrated or refused."""
    reason: str
    """What was wrong, in words."""


@attrs.frozen
class PostResult:
    """What posting a batch of call records did.

    ``posted`` records were stored (and charged when they cost something),
    ``duplicates`` had a call id stored already (or earlier in the batch) and changed
    nothing, ``unrated`` and ``refused`` were neither stored nor charged: each is in
    ``refusals`` with its reason.
    """

    posted: int
    """Records stored by this batch."""
    duplicates: int
    """Records whose call id was stored already."""
    unrated: int
    """Records the customer deck could not price."""
    refused: int
    """Records of an unknown account, an account without a deck, and the like."""
    refusals: tuple[RecordRefusal, ...]
    """Each unrated or refused record, in batch order."""
    transaction_ids: tuple[str, ...] = ()
    """The ledger transactions the batch posted, one per account charged."""


@attrs.frozen
class ImportReport:
    """What importing a file did: rows read, imported, duplicate, unposted and rejected.

    ``rejected`` counts the rows the importer could not read as call records;
    ``rejected_rows`` keeps the first :data:`MAX_REJECTED_KEPT` of them (the others are
    written to the ``rejected`` stream when one was given). ``refusals`` are the records
    read but not posted (unrated, unknown account), the first :data:`MAX_REJECTED_KEPT`.
    """

    read: int
    """Rows read: records and rejected rows."""
    imported: int
    """Records posted (stored) by this import."""
    duplicates: int
    """Records posted before (a second import of a file posts none)."""
    unrated: int
    """Records no rate priced: not stored, not charged."""
    refused: int
    """Records of an unknown account or an account without a deck."""
    rejected: int
    """Rows that could not be read as call records."""
    rejected_rows: tuple[object, ...] = ()
    """The first rejected rows (:class:`~telcocore.calls.importers.RejectedRow`)."""
    refusals: tuple[RecordRefusal, ...] = ()
    """The first records not posted, with their reasons."""


@attrs.frozen
class LogRow:
    """One call of the per-minute log."""

    call_id: str
    """The call's id (the page's cursor)."""
    start: datetime
    """When the call started (UTC)."""
    source: str
    """Who called."""
    destination: str
    """The number called."""
    description: str
    """The destination's name, from the rate."""
    minutes: Decimal
    """Billed minutes: billed seconds / 60, to 28 significant digits (:func:`billed_minutes`)."""
    rate_per_minute: Decimal
    """The rate's price of a minute."""
    charge: Money
    """What the call was charged."""


@attrs.frozen
class LogTotals:
    """The totals of the log's whole range, whatever the page."""

    calls: int
    """How many calls."""
    minutes: Decimal
    """Billed minutes of them all."""
    charges: Money
    """What they were charged."""


@attrs.frozen
class LogPage:
    """One page of the per-minute log, oldest first; ``next_after`` asks for the next.

    ``next_after`` is ``None`` on the last page.
    """

    rows: list[LogRow]
    """The calls of this page."""
    totals: LogTotals
    """The totals of the whole range."""
    next_after: str | None
    """The cursor of the next page (pass it as ``after``), or ``None``."""
