"""Posting call records: rate, classify, store and charge them, a batch at a time.

One batch is one unit of work: it stores the new records, charges the ledger and releases
the calls' channels and holds together, or (on any failure) none of it. Per batch:

1. the call ids already stored are looked up at once; those records are duplicates and
   change nothing (a call id twice in the batch: the second is a duplicate);
2. each account of the batch is read once, with its rate assignment; each deck is read
   once per version (kept compiled between batches);
3. each record is rated with the customer deck (and the provider deck, for the cost) and
   classified from the account's home region, in Python. A record the deck cannot price,
   or of an unknown account or one without a deck, is not stored nor charged, and is
   reported (never silently free);
4. the ledger gets **one consumed-usage transaction per account**, the sum of the calls'
   individually rounded charges (each call rated and rounded once, then summed), with
   the idempotency key ``calls:`` and a SHA-256 of the account's new call ids, sorted.
   Each record stores that transaction's id. The idempotency by call id comes from the
   ``call_records`` primary key, in the same transaction;
5. the records are inserted with one ``executemany``, the channels of the posted calls
   deleted and their holds released, and the :attr:`Posting.summary_hooks` run.

A call of zero billable seconds (or a free rate) is stored with a zero charge; when an
account's calls of a batch cost nothing, no transaction is posted for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Final

from telcocore.accounts.errors import AccountNotFound
from telcocore.accounts.model import Account
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.ledger.model import Transaction
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.billing.ledger.services import LedgerRequest, Movement, release_credit
from telcocore.billing.ledger.services.batch import post_usage
from telcocore.billing.rating.model.deck import RateDeck, Unrated
from telcocore.billing.rating.ports import RatingRepository
from telcocore.billing.rating.services import CompiledDecks
from telcocore.calls.model.classification import Classification, classify
from telcocore.calls.model.posting import PostedCall, PostResult, RecordRefusal, RefusalKind
from telcocore.calls.model.records import CallRecord
from telcocore.calls.ports import CallRecordRepository, ChannelRepository
from telcocore.calls.services.base import CallsPart
from telcocore.calls.services.screening import rated_number
from telcocore.kernel.errors import TelcoError, ValidationError
from telcocore.kernel.money import Money
from telcocore.kernel.trusted import trusted_constructor
from telcocore.kernel.validation import shown, validate_items
from telcocore.platform.context import ServiceContext, retrying_lost_races
from telcocore.platform.ports import UnitOfWork

__all__ = ["Posting", "SummaryHook", "usage_key"]

SummaryHook = Callable[[UnitOfWork, Sequence[PostedCall]], object]
"""Called with the unit of work and the records a batch stored, before it commits."""

_ZERO: Final = Decimal(0)
_trusted: Final = CallRecord._trusted  # noqa: SLF001 - the fields of a checked record
_posted_call: Final = trusted_constructor(PostedCall)
"""A :class:`PostedCall` of a record, its rating and charge as posting made them."""


def usage_key(call_ids: Iterable[str]) -> str:
    """The idempotency key of the usage transaction that charges these calls.

    ``calls:`` and the SHA-256 of the ids, sorted, one per line.

    >>> usage_key(["b", "a"]) == usage_key(["a", "b"])
    True
    """
    digest = hashlib.sha256("\n".join(sorted(call_ids)).encode()).hexdigest()
    return f"calls:{digest}"


def _records(value: object) -> list[CallRecord]:
    return validate_items(value, CallRecord, field="records")


def _classified(record: CallRecord, kind: Classification) -> CallRecord:
    """``record`` with its classification set (as :meth:`CallRecord.classified`, faster)."""
    return _trusted(
        record.call_id,
        record.account_id,
        record.source,
        record.destination,
        record.start,
        record.answer,
        record.end,
        record.duration,
        record.billable,
        record.disposition,
        record.direction,
        record.raw,
        kind,
    )


class _Pricing:
    """What a batch knows of one account: its decks and home region, or why it is refused."""

    __slots__ = ("account", "customer", "provider", "refusal")

    def __init__(
        self,
        account: Account | None,
        customer: RateDeck | None,
        provider: RateDeck | None,
        refusal: str | None,
    ) -> None:
        self.account = account
        self.customer = customer
        self.provider = provider
        self.refusal = refusal


class Posting(CallsPart):
    """Post call records: rate, classify, store and charge them in one unit per batch."""

    def __init__(self, context: ServiceContext, *, decks: CompiledDecks | None = None) -> None:
        super().__init__(context, decks=decks)
        self.summary_hooks: list[SummaryHook] = []
        """Called with ``(uow, posted_calls)`` in each batch's unit of work, before it
        commits: a summary kept up to date with each batch (O(1) per record) is written
        here, and rolled back with the batch. Empty by default; an exception raised by a
        hook fails the batch."""

    def post(self, record: CallRecord) -> PostResult:
        """Post one call record: as :meth:`post_many` with a batch of one."""
        if not isinstance(record, CallRecord):
            msg = f"record must be a CallRecord, got {shown(record)}"
            raise ValidationError(msg, field="record", value=record)
        return self.post_many([record])

    def post_many(self, records: Iterable[CallRecord]) -> PostResult:
        """Rate, classify, store and charge ``records`` in one unit of work (see the module).

        A record whose call id is stored already is a duplicate: nothing changes. A
        record the customer deck cannot price, or of an unknown account or an account
        without a deck, is neither stored nor charged: it is in
        :attr:`~telcocore.calls.model.posting.PostResult.refusals`. Charges post even past
        the debit limit and on an inactive account (the calls happened). Anything in
        ``records`` that is not a :class:`~telcocore.calls.model.records.CallRecord`
        refuses the whole batch before anything is written.
        """
        batch = _records(records)
        if not batch:
            return PostResult(0, 0, 0, 0, ())
        return self._post_batch(batch, own=False)

    def _post_batch(self, records: list[CallRecord], *, own: bool) -> PostResult:
        """Post a batch of checked records (see :meth:`post_many`), retrying a lost race.

        With ``own``, no one but the caller holds the records (an import's, just read):
        each is classified in place rather than copied.
        """
        return retrying_lost_races(lambda: self._post_once(records, own=own))

    def _post_once(self, records: list[CallRecord], *, own: bool) -> PostResult:
        with self._ctx.uow() as uow:
            result = self._post_in(uow, records, own=own)
            uow.commit()
        return result

    def _pricing(self, uow: UnitOfWork, account_ids: Iterable[str]) -> dict[str, _Pricing]:
        """Each account of the batch, read once, with its decks (or why it is refused)."""
        accounts = uow.get(AccountRepository)
        rating = uow.get(RatingRepository)
        decks: dict[str, RateDeck | None] = {}

        def deck(name: str) -> RateDeck | None:
            if name not in decks:
                decks[name] = self._decks.get(uow, name)
            return decks[name]

        found: dict[str, _Pricing] = {}
        for account_id in sorted(account_ids):
            try:
                account = accounts.get(account_id)
            except (AccountNotFound, ValidationError):
                found[account_id] = _Pricing(None, None, None, "no such account")
                continue
            assigned = rating.assignment(account_id)
            customer = None if assigned is None else deck(assigned.customer)
            if assigned is None or customer is None:
                found[account_id] = _Pricing(account, None, None, "no rate deck assigned")
                continue
            provider = None if assigned.provider is None else deck(assigned.provider)
            found[account_id] = _Pricing(account, customer, provider, None)
        return found

    def _post_in(  # noqa: C901, PLR0912, PLR0915 - the volume path, in one piece
        self, uow: UnitOfWork, records: list[CallRecord], *, own: bool
    ) -> PostResult:
        repository = uow.get(CallRecordRepository)
        stored = repository.existing({r.call_id for r in records})
        seen: set[str] = set()
        fresh: list[CallRecord] = []
        duplicates = 0
        for record in records:
            call_id = record.call_id
            if call_id in stored or call_id in seen:
                duplicates += 1
                continue
            seen.add(call_id)
            fresh.append(record)
        pricing = self._pricing(uow, {r.account_id for r in fresh})
        refusals: list[RecordRefusal] = []
        # The priced records, their ratings and provider costs, side by side (no tuple per
        # call kept all the batch).
        priced: list[CallRecord] = []
        ratings: list[object] = []
        costs: list[Money | None] = []
        totals: dict[str, Decimal] = {}
        charged_ids: dict[str, list[str]] = {}
        # Each destination's class, per home region: keyed by the destination alone, so a
        # call adds no key tuple that would live (and be traced by the GC) all the batch.
        homes: dict[str | None, dict[str, Classification]] = {}
        unknown = Classification.UNKNOWN
        for record in fresh:
            account_id = record.account_id
            found = pricing[account_id]
            customer = found.customer
            if customer is None:
                refusals.append(
                    RecordRefusal(
                        record.call_id, account_id, RefusalKind.REFUSED, found.refusal or ""
                    )
                )
                continue
            billable = record.billable
            seconds = int(billable)  # whole seconds, a fraction rounded up (as the deck does)
            if seconds != billable:
                seconds += 1
            home = found.account.home_country  # type: ignore[union-attr]
            number = rated_number(record.destination, home)  # as authorizing rated it
            rated = customer.rate(number, seconds, at=record.start)
            if type(rated) is Unrated:
                refusals.append(
                    RecordRefusal(record.call_id, account_id, RefusalKind.UNRATED, rated.reason)
                )
                continue
            cost = None
            provider = found.provider
            if provider is not None:
                by_provider = provider.rate(number, seconds, at=record.start)
                if type(by_provider) is not Unrated:
                    cost = by_provider.cost  # type: ignore[union-attr]
            known = homes.get(home)
            if known is None:
                known = homes[home] = {}
            destination = record.destination
            kind = known.get(destination)
            if kind is None:
                kind = known[destination] = unknown if home is None else classify(destination, home)
            if own:
                record._classify_in_place(kind)  # noqa: SLF001 - the caller's own record
                priced.append(record)
            else:
                priced.append(_classified(record, kind))
            ratings.append(rated)
            costs.append(cost)
            amount = rated.cost.amount  # type: ignore[union-attr]
            if amount:
                totals[account_id] = totals.get(account_id, _ZERO) + amount
                charged_ids.setdefault(account_id, []).append(record.call_id)
        transactions = self._charge(uow, pricing, totals, charged_ids)
        posted = [
            _posted_call(
                record,
                rated.prefix,  # type: ignore[attr-defined]
                rated.description,  # type: ignore[attr-defined]
                rated.billed_seconds,  # type: ignore[attr-defined]
                rated.rate.rate_per_minute,  # type: ignore[attr-defined]
                rated.cost,  # type: ignore[attr-defined]
                cost,
                transactions.get(record.account_id) if rated.cost.amount else None,  # type: ignore[attr-defined]
            )
            for record, rated, cost in zip(priced, ratings, costs, strict=True)
        ]
        self._release(uow, [call.record.call_id for call in posted], set(transactions))
        repository.add_many(posted)
        for hook in self.summary_hooks:
            hook(uow, posted)
        unrated = sum(1 for r in refusals if r.kind is RefusalKind.UNRATED)
        return PostResult(
            posted=len(posted),
            duplicates=duplicates,
            unrated=unrated,
            refused=len(refusals) - unrated,
            refusals=tuple(refusals),
            transaction_ids=tuple(transactions.values()),
        )

    def _charge(
        self,
        uow: UnitOfWork,
        pricing: dict[str, _Pricing],
        totals: dict[str, Decimal],
        charged_ids: dict[str, list[str]],
    ) -> dict[str, str]:
        """Post one usage transaction per account charged; its id, by account."""
        requests = []
        for account_id in sorted(totals):
            account = pricing[account_id].account
            if account is None:  # pragma: no cover - refused accounts price nothing
                continue
            ids = charged_ids[account_id]
            requests.append(
                LedgerRequest(
                    Movement.USAGE,
                    account_id,
                    Money(totals[account_id], account.currency),
                    usage_key(ids),
                    description=f"{len(ids)} call(s)",
                )
            )
        if not requests:
            return {}
        outcomes, _alerted = post_usage(uow, requests, self._ctx)
        charged: dict[str, str] = {}
        for request, outcome in zip(requests, outcomes, strict=True):
            if isinstance(outcome, TelcoError):
                raise outcome
            if isinstance(outcome, Transaction):
                charged[request.account_id] = outcome.id
        return charged

    @staticmethod
    def _release(uow: UnitOfWork, call_ids: list[str], locked: set[str]) -> None:
        """End the channels of the posted calls and release their holds."""
        if not call_ids:
            return
        removed = uow.get(ChannelRepository).remove_many(call_ids)
        if not removed:
            return
        ledger = uow.get(LedgerRepository)
        others = sorted({c.account_id for c in removed} - locked)
        if others:
            ledger.hold_balances(others)
        for channel in removed:
            if channel.hold_id is not None:
                release_credit(uow, channel.hold_id)
