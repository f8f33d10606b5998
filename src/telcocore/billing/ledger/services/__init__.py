"""Ledger use cases: credit, debit, charge usage, reverse, balances and history.

Every method that moves money takes an ``idempotency_key``. Posting the same key again
returns the first transaction and moves nothing; the same key with another account, kind
or amount raises :class:`~telcocore.IdempotencyConflict`. A refused request
(over
the debit limit, inactive account) stores nothing, so its key stays free for a retry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from telcocore.accounts.model import Account, AccountStatus, validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.ledger.errors import AlreadyReversed, IdempotencyConflict
from telcocore.billing.ledger.model import (
    MAX_DESCRIPTION_LENGTH,
    LedgerEntry,
    SystemAccount,
    Transaction,
    TransactionKind,
    posting_pair,
    validate_hold_id,
    validate_idempotency_key,
)
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.billing.ledger.services.batch import (
    BatchRequest,
    CheckedValues,
    build_transaction,
    checked_description,
    low_balance_message,
    post_batch,
    refusal,
    signed_amount,
)
from telcocore.billing.ledger.services.holds import Holds, hold_credit, release_credit
from telcocore.billing.ledger.services.requests import (
    CREDIT_KINDS,
    DEBIT_KINDS,
    BatchResult,
    LedgerRequest,
    Movement,
    checked_request,
    checked_requests,
)
from telcocore.kernel.errors import (
    AlreadyExists,
    TelcoError,
    ValidationError,
)
from telcocore.kernel.money import (
    EXACT,
    AmountLike,
    Money,
    to_decimal,
    validate_currency,
)
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import coerce_enum, shown, validate_id, validate_int, validate_text
from telcocore.notifications.model.message import Message
from telcocore.notifications.ports import OutboxRepository
from telcocore.notifications.services import OutboxService
from telcocore.platform.context import ServiceContext, retrying_lost_races
from telcocore.platform.ports import UnitOfWork

__all__ = [
    "CREDIT_KINDS",
    "DEBIT_KINDS",
    "MAX_HISTORY_LIMIT",
    "BatchResult",
    "HistoryPage",
    "LedgerRequest",
    "LedgerService",
    "Movement",
    "hold_credit",
    "post_in",
    "release_credit",
]

_Builder = Callable[[UnitOfWork, Callable[[str], Account]], tuple[Transaction, Account]]
"""Builds, inside a unit of work, the transaction to post and the account it concerns;
its second argument reads an account in that unit of work."""


@attrs.frozen
class _Prepared:
    key: str
    build: _Builder
    new_usage: bool


_SEEN_ACCOUNTS = 4096
"""The most accounts :class:`LedgerService` remembers between postings."""

MAX_HISTORY_LIMIT = 1000
"""The most entries one page of :meth:`LedgerService.history` holds."""


@attrs.frozen
class HistoryPage:
    """One page of an account's history, oldest first; pass ``next_after`` for the next page.

    ``next_after`` is ``None`` on the last page.
    """

    entries: list[LedgerEntry]
    next_after: int | None


def _transaction_id(value: object) -> str:
    return validate_id(value, field="transaction_id", label="transaction id")


def _kinds(value: object) -> frozenset[TransactionKind] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):  # a kind is a str too
        msg = f"kinds must be a collection of transaction kinds, got {shown(value)}"
        raise ValidationError(msg, field="kinds", value=value)
    return frozenset(coerce_enum(TransactionKind, k, field="kind") for k in value)


class LedgerService(Holds):
    """Moves money between customer accounts and the operator's system accounts.

    Also holds credit for usage in progress (:class:`~.holds.Holds`).
    """

    def __init__(self, context: ServiceContext, outbox: OutboxService) -> None:
        self._ctx = context
        self._outbox = outbox
        self._seen: dict[str, Account] = {}
        """Each account as a posting last read it: the next posting on it moves the
        balance with that account's debit limit, only while the balance still holds that
        account's version (the database writes the new one there with every change of
        the account), and starts again the careful way if not."""

    # -- moving money -----------------------------------------------------------------

    def credit(
        self,
        account_id: str,
        amount: AmountLike,
        *,
        idempotency_key: str,
        kind: TransactionKind = TransactionKind.TOP_UP,
        description: str = "",
    ) -> Transaction:
        """Add money to the account (a top-up, payment, refund or adjustment).

        Always allowed, whatever the account's status or balance.
        """
        request = LedgerRequest(
            Movement.CREDIT, account_id, amount, idempotency_key, kind=kind, description=description
        )
        return self._post_one(request)

    def debit(
        self,
        account_id: str,
        amount: AmountLike,
        *,
        idempotency_key: str,
        kind: TransactionKind = TransactionKind.PURCHASE,
        description: str = "",
    ) -> Transaction:
        """Charge new usage, such as a purchase or a recurring charge.

        Only for an active account, and only while it fits, leaving the account's
        holds: ``balance - held - amount >= -debit_limit``.

        Raises :class:`~telcocore.DebitLimitExceeded` (with ``available`` and
        ``shortfall``) or :class:`~telcocore.AccountNotActive`; nothing is posted
        then.
        """
        request = LedgerRequest(
            Movement.DEBIT, account_id, amount, idempotency_key, kind=kind, description=description
        )
        return self._post_one(request)

    def charge_usage(
        self,
        account_id: str,
        amount: AmountLike,
        *,
        idempotency_key: str,
        description: str = "",
        release_hold: str | None = None,
    ) -> Transaction:
        """Post usage already consumed, such as a rated call.

        Always posted, even past the debit limit or on an inactive account: the call
        happened. The balance may then be below ``-debit_limit``; :meth:`available` shows
        it as negative. With ``release_hold``, that hold (the call's) is released in the
        same transaction when it is on this account and the usage is posted now (none
        placed, released already, another account's, or a retry of a usage posted
        before: nothing is released).
        """
        request = LedgerRequest(
            Movement.USAGE, account_id, amount, idempotency_key, description=description
        )
        if release_hold is None:
            return self._post_one(request)
        hold_id = validate_hold_id(release_hold)
        prepared = self._prepare(request)
        return retrying_lost_races(lambda: self._write_once(prepared, release=hold_id))

    def reverse(
        self, transaction_id: str, *, idempotency_key: str, reason: str = ""
    ) -> Transaction:
        """Post the reversal of a transaction: the same postings negated.

        A transaction is reversed at most once, and a reversal cannot itself be reversed.
        Always allowed, even when it takes the balance below the debit limit (it corrects
        a mistake).
        """
        transaction_id = _transaction_id(transaction_id)
        key = validate_idempotency_key(idempotency_key)
        reason = validate_text(reason, field="reason", max_length=MAX_DESCRIPTION_LENGTH)

        def build(
            uow: UnitOfWork, account_of: Callable[[str], Account]
        ) -> tuple[Transaction, Account]:
            original = uow.get(LedgerRepository).get(transaction_id)
            if original.reverses is not None:
                raise AlreadyReversed(transaction_id, f"it is the reversal of {original.reverses}")
            account = account_of(original.account_id)
            existing = uow.get(LedgerRepository).reversal_of(transaction_id)
            if existing is not None:
                if existing.idempotency_key == key:  # a retry of this very reversal
                    return existing, account
                raise AlreadyReversed(transaction_id, f"it was reversed by {existing.id}")
            reversal = original.reversal(
                id=self._ctx.ids(),
                idempotency_key=key,
                created_at=self._ctx.clock.now(),
                description=reason or f"reversal of {transaction_id}",
            )
            return reversal, account

        return self._write(_Prepared(key, build, new_usage=False))

    def post_many(self, requests: Iterable[LedgerRequest]) -> BatchResult:
        """Post many money movements in one storage transaction (one commit, one sync).

        Each request is judged as its single-call twin would judge it, in order, seeing
        the ones before it: a refused request (over the debit limit, inactive account,
        unknown account, a reused key for another request, a non-positive amount, a bad
        ``release_hold``) is reported in :attr:`BatchResult.outcomes` and the others still
        post. The holds named by the requests posted now are released with the batch,
        after every request is judged, each only if it is on the request's account (a
        replayed request released its hold the first time). A malformed
        request (no idempotency key, a kind the movement does not take) refuses the
        whole batch before anything is written, and so does anything in ``requests`` that
        is not a :class:`LedgerRequest`. A storage failure posts nothing.
        """
        kinds: dict[tuple[Movement, TransactionKind | None], tuple[TransactionKind, int, bool]] = {}

        def checked(request: LedgerRequest) -> tuple[TransactionKind, int, bool, str]:
            # The movement and kind of a batch's requests repeat: each pair is checked once.
            movement, kind = request.movement, request.kind
            if type(movement) is not Movement or (
                kind is not None and type(kind) is not TransactionKind
            ):
                return checked_request(request)
            known = kinds.get((movement, kind))
            if known is None:
                known = kinds[movement, kind] = checked_request(request)[:3]
            return (*known, validate_idempotency_key(request.idempotency_key))

        batch = [(request, *checked(request)) for request in checked_requests(requests)]
        # A concurrent writer may take one of the keys between the look-up and the insert;
        # the storage's unique constraint refuses the batch, and the retry finds that key.
        return retrying_lost_races(lambda: self._post_batch_once(batch))

    def _post_batch_once(self, batch: Sequence[BatchRequest]) -> BatchResult:
        with self._ctx.uow() as uow:
            outcomes, alerted = post_batch(uow, batch, self._ctx, self._low_balance_message)
            uow.commit()
        if alerted:
            self._outbox.wake()  # the worker, if one runs, delivers: never on this path
        return BatchResult(outcomes)

    # -- reading ----------------------------------------------------------------------

    def balance(self, account_id: str) -> Money:
        """The account's balance: positive is credit held, negative is owed."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(LedgerRepository).balance(account_id)

    def available(self, account_id: str) -> Money:
        """What new usage may still spend: ``balance + debit_limit - held``.

        ``held`` is the sum of the account's holds (:meth:`held`). Negative when usage
        already took the balance past the limit.
        """
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            ledger = uow.get(LedgerRepository)
            account = uow.get(AccountRepository).get(account_id)
            return account.available(ledger.balance(account_id)) - ledger.held(account_id)

    def get(self, transaction_id: str) -> Transaction:
        """A transaction, or :class:`~telcocore.TransactionNotFound`."""
        transaction_id = _transaction_id(transaction_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(LedgerRepository).get(transaction_id)

    def history(  # noqa: PLR0913 - the filters and the page, all optional and keyword-only
        self,
        account_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        kinds: Iterable[TransactionKind] | None = None,
        limit: int = 50,
        after: int | None = None,
    ) -> HistoryPage:
        """The account's transactions in posting order, each with the balance after it.

        ``start`` (included) and ``end`` (excluded) must be timezone-aware; ``kinds``
        limits the kinds shown (the running balance still counts every posting). At most
        ``limit`` entries (1 to :data:`MAX_HISTORY_LIMIT`) per page; ``after`` is the
        ``next_after`` of the previous page.
        """
        account_id = validate_account_id(account_id)
        start = None if start is None else require_utc(start, field="start")
        end = None if end is None else require_utc(end, field="end")
        wanted = _kinds(kinds)
        limit = validate_int(limit, field="limit", minimum=1, maximum=MAX_HISTORY_LIMIT)
        after_seq = 0 if after is None else validate_int(after, field="after")
        with self._ctx.uow(read_only=True) as uow:
            uow.get(AccountRepository).get(account_id)
            found = uow.get(LedgerRepository).entries(
                account_id, start=start, end=end, kinds=wanted, after_seq=after_seq, limit=limit + 1
            )
        page = found[:limit]
        return HistoryPage(page, page[-1].seq if len(found) > limit else None)

    def system_balance(self, account: SystemAccount, currency: str) -> Money:
        """The balance of one of the operator's system accounts."""
        name = coerce_enum(SystemAccount, account, field="system account").value
        currency = validate_currency(currency)
        with self._ctx.uow(read_only=True) as uow:
            balance = uow.get(LedgerRepository).system_balance(name, currency)
            return Money._trusted(balance, currency)  # noqa: SLF001

    def totals(self) -> dict[str, Decimal]:
        """The sum of all balances per currency; zero in every currency, always."""
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(LedgerRepository).totals()

    # -- the one write path -----------------------------------------------------------

    def _prepare(self, request: LedgerRequest) -> _Prepared:
        kind, sign, new_usage, key = checked_request(request)
        ctx = self._ctx

        def build(
            _uow: UnitOfWork, account_of: Callable[[str], Account]
        ) -> tuple[Transaction, Account]:
            return build_transaction(
                request, kind, sign, key, ctx=ctx, account_of=account_of, checked=CheckedValues()
            )

        return _Prepared(key, build, new_usage=new_usage)

    def _post_one(self, request: LedgerRequest) -> Transaction:
        """Post one request the short way, or the careful way when its key may matter.

        :meth:`_post_new` looks nothing up (the UNIQUE key says if it was new); after a
        refusal or a taken key (its unit rolled back) :meth:`_write` looks the key up first.
        """
        try:
            posted = self._post_new(request)
        except AlreadyExists:
            posted = None
        return self._write(self._prepare(request)) if posted is None else posted

    def _post_new(self, request: LedgerRequest) -> Transaction | None:
        """Post one request whose key is taken to be new; ``None`` if its key may matter."""
        kind, sign, new_usage, key = checked_request(request)
        account_id = validate_account_id(request.account_id)
        amount = request.amount
        number = None if isinstance(amount, Money) else to_decimal(amount, field="amount")
        ctx = self._ctx
        seen = self._seen.get(account_id)
        with ctx.uow() as uow:
            account = uow.get(AccountRepository).get(account_id) if seen is None else seen
            try:
                delta = signed_amount(amount, number, account.currency, sign)
                description = checked_description(request.description)
            except TelcoError:
                if seen is None:
                    raise
                return None  # judged again on the account as it is stored now
            if new_usage and account.status is not AccountStatus.ACTIVE:
                return None  # refused, unless the key was posted before
            floor = EXACT.minus(account.debit_limit.amount) if new_usage else None
            ledger = uow.get(LedgerRepository)
            # Moved only while no change of the account committed since it was read: the
            # database writes a change's new version on the balance, and a change in
            # progress holds the balance until it commits.
            change = ledger.move_balance(
                account_id, delta.amount, floor=floor, account_version=account.version
            )
            if change is None:
                # Refused, or the account changed: judged again on the account as it is
                # stored now, unless the key was posted before.
                self._seen.pop(account_id, None)
                return None
            transaction = Transaction._with_postings(  # noqa: SLF001 - balanced as built here
                id=_transaction_id(ctx.ids()),  # the id source is the caller's: checked
                kind=kind,
                account_id=account_id,
                postings=posting_pair(account_id, kind, delta),
                idempotency_key=key,
                created_at=ctx.clock.now(),
                description=description,
            )
            ledger.add(transaction, change)
            alert = change.crossed_below(account.low_balance_threshold)
            if alert:
                uow.get(OutboxRepository).add(self._low_balance_message(account, change.after))
            uow.commit()
        self._remember(account)
        if alert:
            self._outbox.wake()  # the worker, if one runs, delivers: never on this path
        return transaction

    def _remember(self, account: Account) -> None:
        """Keep ``account`` as last seen, for the next single posting on it."""
        seen = self._seen
        if len(seen) >= _SEEN_ACCOUNTS and account.id not in seen:
            seen.clear()  # many accounts: start again rather than grow
        seen[account.id] = account

    def _write(self, prepared: _Prepared) -> Transaction:
        """Post one request the careful way: look its key up first, then post it.

        A concurrent writer may take the same key between the lookup and the insert; the
        storage's unique constraint refuses the second one, and the retry finds the first.
        """
        return retrying_lost_races(lambda: self._write_once(prepared))

    def _write_once(self, prepared: _Prepared, *, release: str | None = None) -> Transaction:
        with self._ctx.uow() as uow:
            # The account is held: its status and debit limit cannot change before the
            # posting commits.
            transaction, alert, new = self._apply(uow, prepared, uow.get(AccountRepository).hold)
            if release is not None and new:  # a retry released it the first time
                release_credit(uow, release, account_id=transaction.account_id)
            uow.commit()
        if alert:
            self._outbox.wake()  # the worker, if one runs, delivers: never on this path
        return transaction

    def _apply(
        self, uow: UnitOfWork, request: _Prepared, account_of: Callable[[str], Account]
    ) -> tuple[Transaction, bool, bool]:
        """Post one request inside ``uow``; a refusal raises before anything is written.

        The transaction, whether it crossed the low-balance threshold, and whether it was
        posted now (not found under its key).
        """
        key, build, new_usage = request.key, request.build, request.new_usage
        existing = uow.get(LedgerRepository).by_idempotency_key(key)
        transaction, account = build(uow, account_of)
        if existing is not None:
            difference = existing.difference(transaction)
            if difference is not None:
                raise IdempotencyConflict(key, difference)
            return existing, False, False
        if new_usage:  # after the key check: a retry returns the first result
            account.require_active(f"be charged for {transaction.kind.value}")
        delta = transaction.amount
        floor = EXACT.minus(account.debit_limit.amount) if new_usage else None  # Account.floor
        change = uow.get(LedgerRepository).move_balance(account.id, delta.amount, floor=floor)
        if change is None:  # below the floor, or out of the ledger's bounds
            ledger = uow.get(LedgerRepository)
            balance, held = ledger.balance(account.id), ledger.held(account.id).amount
            raise refusal(account, balance, delta, new_usage=new_usage, held=held)
        uow.get(LedgerRepository).record(transaction, change)
        alert = change.crossed_below(account.low_balance_threshold)
        if alert:
            uow.get(OutboxRepository).add(self._low_balance_message(account, change.after))
        return transaction, alert, True

    def _low_balance_message(self, account: Account, balance: Money) -> Message:
        return low_balance_message(self._ctx, account, balance)


def post_in(
    uow: UnitOfWork, requests: Iterable[LedgerRequest], ctx: ServiceContext
) -> tuple[tuple[Transaction | TelcoError, ...], bool]:
    """Post ``requests`` in the caller's unit of work ``uow`` (not committed).

    The seam for a domain that moves money together with its own rows (seats bought with
    a purchase): each request is judged as :meth:`LedgerService.post_many` judges it, and
    each outcome, in order, is the transaction or the error that refused it (nothing of a
    refused request is written). Also whether a low-balance alert was queued (the caller
    may wake the outbox worker after its commit). A concurrent writer that took one of the
    keys makes the unit fail with :class:`~telcocore.AlreadyExists`: run it again
    (:func:`~telcocore.platform.context.retrying_lost_races`).
    """
    batch = [(request, *checked_request(request)) for request in checked_requests(requests)]
    return post_batch(
        uow, batch, ctx, lambda account, balance: low_balance_message(ctx, account, balance)
    )


def open_balance(uow: UnitOfWork, account: Account) -> None:
    """Open the zero balance of a new account, in the unit of work that stores the account."""
    uow.get(LedgerRepository).open_balance(account.id, account.currency)
