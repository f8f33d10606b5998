"""Set-based posting of many ledger requests: what :meth:`LedgerService.post_many` runs.

Inside one unit of work, a batch

1. looks up every idempotency key at once,
2. reads each account it names once, then locks the balances of all of them in one read,
   in account order
   (:meth:`~telcocore.billing.ledger.ports.LedgerRepository.hold_balances`), and reads
   again, under that lock, each account whose version is not the one its balance holds
   (it changed in between: every change of an account writes its version on the balance
   in its transaction, so none can commit while the batch holds the balance),
3. judges the requests in order in Python, exactly, each seeing the ones before it: the
   same checks and the same refusals as a single posting (status, debit limit, the
   ledger's bounds, a reused key, a replay),
4. writes the rows of everything posted in one batch per table and one ``UPDATE`` per
   balance (:meth:`~telcocore.billing.ledger.ports.LedgerRepository.record_batch`).

A concurrent writer that takes one of the batch's keys after the look-up makes the insert
fail with :class:`~telcocore.AlreadyExists`; the caller rolls the unit back and runs it
again (:func:`~telcocore.platform.context.retrying_lost_races`), and then finds that key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from telcocore.accounts.errors import AccountNotFound
from telcocore.accounts.model import Account, AccountStatus, validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.ledger.errors import DebitLimitExceeded, IdempotencyConflict
from telcocore.billing.ledger.model import (
    MAX_DESCRIPTION_LENGTH,
    BalanceChange,
    Posting,
    Transaction,
    TransactionKind,
    balance_allowed,
    bounds_error,
    posting_pair,
    validate_hold_id,
    validate_idempotency_key,
)
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.kernel.errors import (
    AlreadyExists,
    NotFoundError,
    RuleViolation,
    TelcoError,
    ValidationError,
)
from telcocore.kernel.money import (
    EXACT,
    UNBOUNDED,
    Money,
    as_money,
    fixed_point,
    ledger_amount,
    to_decimal,
)
from telcocore.kernel.validation import shown, validate_id, validate_text
from telcocore.notifications.model.message import Message, MessageKind
from telcocore.notifications.ports import OutboxRepository
from telcocore.platform.context import ServiceContext
from telcocore.platform.ports import UnitOfWork

if TYPE_CHECKING:
    from telcocore.billing.ledger.services import LedgerRequest

__all__ = [
    "BatchRequest",
    "CheckedValues",
    "build_transaction",
    "checked_description",
    "low_balance_message",
    "post_batch",
    "post_usage",
    "refusal",
    "signed_amount",
]

BatchRequest = tuple["LedgerRequest", TransactionKind, int, bool, str]
"""A request with what was checked of it before its account is read: kind, sign (``1``
to credit, ``-1`` to debit), whether it is new usage, and its idempotency key."""

_ZERO = Decimal(0)

_REFUSALS = (RuleViolation, IdempotencyConflict, NotFoundError, ValidationError)
"""What refuses one request of a batch without touching the others."""


def post_batch(
    uow: UnitOfWork,
    requests: Sequence[BatchRequest],
    ctx: ServiceContext,
    alert: Callable[[Account, Money], Message],
) -> tuple[tuple[Transaction | TelcoError, ...], bool]:
    """Judge and post ``requests`` in ``uow`` (not committed); each outcome, in order.

    Also whether a posting took a balance below its account's alert threshold; ``alert``
    makes each such alert's message, queued in the outbox with the postings. ``ctx``
    gives the new transactions their ids and times.
    """
    batch = _Batch(uow, requests, ctx, alert)
    outcomes: list[Transaction | TelcoError] = []
    releases: list[tuple[str, Transaction]] = []
    judge = batch.judge
    for request in requests:
        try:
            release = request[0].release_hold
            hold_id = None if release is None else validate_hold_id(release)
            outcome = judge(request)
        except _REFUSALS as refused:
            if isinstance(refused, AlreadyExists):  # a lost race: the unit runs again
                raise
            outcomes.append(refused)
        else:
            outcomes.append(outcome)
            if hold_id is not None:
                releases.append((hold_id, outcome))
    batch.ledger.record_batch(batch.recorded)
    posted_now = {id(transaction) for transaction, _, _ in batch.recorded}
    for hold_id, transaction in releases:  # after the batch's balances are written
        if id(transaction) in posted_now:  # a retry released it the first time
            batch.ledger.release_hold(hold_id, account_id=transaction.account_id)
    outbox = uow.get(OutboxRepository)
    for message in batch.alerts:
        outbox.add(message)
    return tuple(outcomes), bool(batch.alerts)


def post_usage(
    uow: UnitOfWork, requests: Sequence[LedgerRequest], ctx: ServiceContext
) -> tuple[tuple[Transaction | TelcoError, ...], bool]:
    """Post consumed usage in the caller's unit of work ``uow`` (not committed).

    The seam for a domain that charges usage together with its own rows (posted call
    records): every request must be a ``usage`` movement (as
    :meth:`~telcocore.billing.ledger.services.LedgerService.charge_usage`), always posted,
    even past the debit limit or on an inactive account. Each outcome, in order, as
    :func:`post_batch` gives them, and whether a low-balance alert was queued (the caller
    may wake the outbox worker after its commit). A request of another movement or kind,
    or without a valid idempotency key, raises :class:`~telcocore.ValidationError` before
    anything is written.
    """
    batch: list[BatchRequest] = []
    for position, request in enumerate(requests):
        if getattr(request, "movement", None) != "usage" or request.kind not in {
            None,
            TransactionKind.USAGE,
        }:
            msg = f"requests[{position}] must be a usage request, got {shown(request)}"
            raise ValidationError(msg, field="requests", value=request)
        key = validate_idempotency_key(request.idempotency_key)
        batch.append((request, TransactionKind.USAGE, -1, False, key))
    return post_batch(
        uow, batch, ctx, lambda account, balance: low_balance_message(ctx, account, balance)
    )


def low_balance_message(ctx: ServiceContext, account: Account, balance: Money) -> Message:
    """The low-balance alert for ``account``, now at ``balance`` (its threshold is set)."""
    threshold = account.low_balance_threshold
    if threshold is None:  # pragma: no cover - the batch asks only when one is set
        msg = f"account {account.id!r} has no low-balance threshold"
        raise ValidationError(msg, field="low_balance_threshold", value=None)
    return Message(
        id=ctx.ids(),
        kind=MessageKind.LOW_BALANCE,
        account_id=account.id,
        created_at=ctx.clock.now(),
        data={
            "account_name": account.name,
            "balance": fixed_point(balance.amount),
            "currency": balance.currency,
            "threshold": fixed_point(threshold.amount),
        },
    )


def signed_amount(value: object, number: Decimal | None, currency: str, sign: int) -> Money:
    """The signed amount a request posts on an account in ``currency``, or refused.

    ``value`` as given, ``number`` what :func:`~telcocore.kernel.money.to_decimal` made of
    it (``None`` for Money). Positive and within the ledger's bounds before ``sign``.
    """
    if number is None:
        checked = as_money(value, currency, field="amount")
    else:  # the account's currency is valid already: only the number needed checking
        checked = ledger_amount(Money._trusted(number, currency))  # noqa: SLF001
    if not checked.is_positive():
        msg = f"amount {checked} must be positive; the method decides the direction"
        raise ValidationError(msg, field="amount", value=checked)
    return checked if sign > 0 else -checked


def checked_description(value: object) -> str:
    """``value`` as a transaction's description, or :class:`~telcocore.ValidationError`."""
    return validate_text(value, field="description", max_length=MAX_DESCRIPTION_LENGTH)


class CheckedValues:
    """What a batch has checked already, so that the same value is checked once.

    Only what passed is remembered: a value that fails is checked (and refused) again
    each time, with its own error. Numbers are remembered by the object given, not by
    their value (``0.01`` and ``0.010`` are equal but are stored as given).
    """

    __slots__ = ("account_ids", "amounts", "descriptions", "numbers", "pairs")

    def __init__(self) -> None:
        self.account_ids: dict[str, str] = {}
        self.descriptions: dict[str, str] = {}
        self.numbers: dict[int, tuple[object, Decimal]] = {}
        self.amounts: dict[tuple[int, str, int], tuple[object, Money]] = {}
        self.pairs: dict[tuple[str, TransactionKind, int], tuple[Money, tuple[Posting, ...]]] = {}

    def account_id(self, value: object) -> str:
        """``value`` as an account id, or :class:`~telcocore.ValidationError`."""
        if type(value) is not str:
            return validate_account_id(value)
        known = self.account_ids.get(value)
        if known is None:
            known = self.account_ids[value] = validate_account_id(value)
        return known

    def number(self, value: object) -> Decimal:
        """``value`` (not Money) as a finite Decimal, as :func:`to_decimal` makes it."""
        known = self.numbers.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        number = to_decimal(value, field="amount")
        self.numbers[id(value)] = (value, number)
        return number

    def amount(self, value: object, number: Decimal | None, currency: str, sign: int) -> Money:
        """The signed amount to post on an account in ``currency``.

        ``value`` as given, ``number`` what :meth:`number` made of it (``None`` for
        Money). Within the ledger's bounds and positive, or refused.
        """
        if number is None:
            return signed_amount(value, number, currency, sign)
        known = self.amounts.get((id(value), currency, sign))
        if known is not None and known[0] is value:
            return known[1]
        signed = signed_amount(value, number, currency, sign)
        self.amounts[id(value), currency, sign] = (value, signed)
        return signed

    def description(self, value: object) -> str:
        """``value`` as a transaction's description, or :class:`~telcocore.ValidationError`."""
        if type(value) is str and value in self.descriptions:
            return value
        text = checked_description(value)
        if type(text) is str:
            self.descriptions[text] = text
        return text

    def postings(
        self, account_id: str, kind: TransactionKind, amount: Money
    ) -> tuple[Posting, ...]:
        """:func:`posting_pair`, the same tuple for the same account, kind and amount."""
        key = (account_id, kind, id(amount))
        known = self.pairs.get(key)
        if known is None or known[0] is not amount:
            known = self.pairs[key] = (amount, posting_pair(account_id, kind, amount))
        return known[1]


def _transaction_id(value: object) -> str:
    return validate_id(value, field="transaction_id", label="transaction id")


def build_transaction(  # noqa: PLR0913 - one request's parts, and where the rest comes from
    request: LedgerRequest,
    kind: TransactionKind,
    sign: int,
    key: str,
    *,
    ctx: ServiceContext,
    account_of: Callable[[str], Account],
    checked: CheckedValues,
) -> tuple[Transaction, Account]:
    """The transaction ``request`` would post, and its account (read by ``account_of``).

    A request that cannot be posted raises. Checked in this order: the account id, the
    amount as a number, the account, the amount in its currency (within the ledger's
    bounds, positive), the description, the new id. ``checked`` remembers the values
    that passed.
    """
    account_id = checked.account_id(request.account_id)
    amount = request.amount
    number = None if isinstance(amount, Money) else checked.number(amount)
    account = account_of(account_id)
    signed = checked.amount(amount, number, account.currency, sign)
    description = checked.description(request.description)
    transaction = Transaction._with_postings(  # noqa: SLF001 - balanced as built here
        id=_transaction_id(ctx.ids()),  # the id source is the caller's: checked
        kind=kind,
        account_id=account.id,
        postings=checked.postings(account.id, kind, signed),
        idempotency_key=key,
        created_at=ctx.clock.now(),
        description=description,
    )
    return transaction, account


def _valid_ids(values: Iterable[object]) -> set[str]:
    """The account ids among ``values`` that are valid (the others are refused later)."""
    valid: set[str] = set()
    for value in values:
        try:
            valid.add(validate_account_id(value))
        except ValidationError:
            continue
    return valid


class _Batch:
    """The state of one batch in its unit of work: keys, accounts, running balances."""

    def __init__(
        self,
        uow: UnitOfWork,
        requests: Sequence[BatchRequest],
        ctx: ServiceContext,
        alert: Callable[[Account, Money], Message],
    ) -> None:
        self._ctx = ctx
        self._alert = alert
        self.ledger = uow.get(LedgerRepository)
        self.recorded: list[tuple[Transaction, Decimal, int]] = []
        """Each transaction to store, with its account's balance after it and its ``seq``."""
        self.alerts: list[Message] = []
        """The message of each posting that took a balance below its alert threshold."""
        self._checked = CheckedValues()
        self._known: dict[str, Transaction] = {}
        self._balances: dict[str, tuple[Decimal, int]] = {}
        self._floors: dict[str, Decimal] = {}
        self._held: dict[str, Decimal] = {}
        # Ledger postings never change an account: each is read once, as it stands while
        # the batch holds its balance, so its status and debit limit cannot change before
        # the postings commit.
        self._accounts: dict[str, Account] = {}
        self._get = uow.get(AccountRepository).get
        if not requests:
            return
        # The keys looked up and the accounts read, in order, with the balances' lock: on
        # PostgreSQL, one round trip.
        known = self.ledger.by_idempotency_keys_later([request[4] for request in requests])
        ids = sorted(_valid_ids(request[0].account_id for request in requests))
        get_later = uow.get(AccountRepository).get_later
        accounts = [(account_id, get_later(account_id)) for account_id in ids]
        locked = self.ledger.hold_balances(ids)  # an unknown account has no balance
        self._known = known()
        for account_id, read in accounts:
            try:
                account = read()
            except AccountNotFound:  # refused with its request
                continue
            balance = locked.get(account_id)
            if balance is not None and balance.account_version != account.version:
                account = self._get(account_id)  # changed before the lock: as it is now
            self._accounts[account_id] = account
        self._balances = {
            account_id: (held.balance.amount, held.seq) for account_id, held in locked.items()
        }
        self._held = {account_id: held.held for account_id, held in locked.items() if held.held}
        """The sum of each account's holds, where it has any: new usage must leave them."""

    def _account_of(self, account_id: str) -> Account:
        """The account, read once per batch; a missing one is asked again."""
        account = self._accounts.get(account_id)
        if account is None:
            account = self._accounts[account_id] = self._get(account_id)
        return account

    def judge(self, request: BatchRequest) -> Transaction:
        """Post one request in memory, as :meth:`LedgerService._apply` posts it in storage.

        The transaction (the first one, for a replay: then nothing changes). A refusal
        raises and changes nothing.
        """
        ledger_request, kind, sign, new_usage, key = request
        existing = self._known.get(key)
        transaction, account = build_transaction(
            ledger_request,
            kind,
            sign,
            key,
            ctx=self._ctx,
            account_of=self._account_of,
            checked=self._checked,
        )
        if existing is not None:
            difference = existing.difference(transaction)
            if difference is not None:
                raise IdempotencyConflict(key, difference)
            return existing
        if new_usage and account.status is not AccountStatus.ACTIVE:  # after the key check
            account.require_active(f"be charged for {transaction.kind.value}")
        account_id = account.id
        held = self._balances.get(account_id)
        if held is None:
            raise AccountNotFound(account_id)
        balance, seq = held
        delta = transaction.postings[0].amount  # the customer's posting (posting_pair)
        after = UNBOUNDED.add(balance, delta.amount)
        floor: Decimal | None = None
        if new_usage:
            floor = self._floors.get(account_id)
            if floor is None:  # Account.floor, raised by what the account holds
                floor = EXACT.minus(account.debit_limit.amount)
                floor = self._floors[account_id] = UNBOUNDED.add(
                    floor, self._held.get(account_id, _ZERO)
                )
        if not balance_allowed(after, floor):
            currency = delta.currency
            before = Money._trusted(balance, currency)  # noqa: SLF001
            on_hold = self._held.get(account_id, _ZERO)
            raise refusal(account, before, delta, new_usage=new_usage, held=on_hold)
        seq += 1
        # Made before anything of the batch changes: if making it fails (the caller's id
        # source or clock), the request is refused and nothing of it is kept.
        alert = self._alert_for(account, balance, after, delta.currency, seq)
        self._balances[account_id] = (after, seq)
        self.recorded.append((transaction, after, seq))
        self._known[key] = transaction
        if alert is not None:
            self.alerts.append(alert)
        return transaction

    def _alert_for(
        self, account: Account, balance: Decimal, after: Decimal, currency: str, seq: int
    ) -> Message | None:
        """The low-balance message if moving ``balance`` to ``after`` crosses the threshold."""
        threshold = account.low_balance_threshold
        if threshold is None:
            return None
        moved = Money._trusted(after, currency)  # noqa: SLF001
        change = BalanceChange(Money._trusted(balance, currency), moved, seq)  # noqa: SLF001
        return self._alert(account, moved) if change.crossed_below(threshold) else None


def refusal(
    account: Account, balance: Money, delta: Money, *, new_usage: bool, held: Decimal = _ZERO
) -> TelcoError:
    """Why ``delta`` may not move ``balance``: the same error a single posting raises.

    ``held`` is the sum of the account's holds, which new usage must leave available.
    """
    out_of_bounds = bounds_error(account.id, balance, delta)
    if out_of_bounds is not None and not new_usage:
        return out_of_bounds
    available = account.available(balance)
    if held:
        available = Money._trusted(UNBOUNDED.subtract(available.amount, held), available.currency)  # noqa: SLF001
    if out_of_bounds is None or -delta > available:  # the business rule speaks first
        return DebitLimitExceeded(account.id, -delta, available)
    return out_of_bounds
