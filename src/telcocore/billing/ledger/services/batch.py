"""Set-based posting of many ledger requests: what :meth:`LedgerService.post_many` runs.

Inside one unit of work, a batch

1. looks up every idempotency key at once,
2. reads each account it names once (held, as for a single posting), then locks the
   balances of all of them in one read, in account order
   (:meth:`~telcocore.billing.ledger.ports.LedgerRepository.hold_balances`),
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

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from telcocore.accounts.errors import AccountNotFound
from telcocore.accounts.model import Account, validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.ledger.errors import DebitLimitExceeded, IdempotencyConflict
from telcocore.billing.ledger.model import (
    BalanceChange,
    HeldBalance,
    Transaction,
    balance_allowed,
    bounds_error,
)
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.kernel.errors import (
    AlreadyExists,
    NotFoundError,
    RuleViolation,
    TelcoError,
    ValidationError,
)
from telcocore.kernel.money import EXACT, Money
from telcocore.notifications.model.message import Message
from telcocore.notifications.ports import OutboxRepository
from telcocore.platform.ports import UnitOfWork

if TYPE_CHECKING:
    from telcocore.billing.ledger.services import _Prepared

__all__ = ["BatchRequest", "post_batch"]

BatchRequest = tuple[object, "_Prepared"]
"""A prepared request with the account id it names, as given (checked when judged)."""

_REFUSALS = (RuleViolation, IdempotencyConflict, NotFoundError, ValidationError)
"""What refuses one request of a batch without touching the others."""


def post_batch(
    uow: UnitOfWork,
    requests: Sequence[BatchRequest],
    alert: Callable[[Account, Money], Message],
) -> tuple[tuple[Transaction | TelcoError, ...], bool]:
    """Judge and post ``requests`` in ``uow`` (not committed); each outcome, in order.

    Also whether a posting took a balance below its account's alert threshold; ``alert``
    makes each such alert's message, queued in the outbox with the postings.
    """
    batch = _Batch(uow, requests)
    outcomes: list[Transaction | TelcoError] = []
    alerts: list[Message] = []
    for _account_id, request in requests:
        try:
            transaction, account, change = batch.judge(request)
        except _REFUSALS as refused:
            if isinstance(refused, AlreadyExists):  # a lost race: the unit runs again
                raise
            outcomes.append(refused)
            continue
        outcomes.append(transaction)
        if change is not None and change.crossed_below(account.low_balance_threshold):
            alerts.append(alert(account, change.after))
    batch.ledger.record_batch(batch.recorded)
    outbox = uow.get(OutboxRepository)
    for message in alerts:
        outbox.add(message)
    return tuple(outcomes), bool(alerts)


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

    def __init__(self, uow: UnitOfWork, requests: Sequence[BatchRequest]) -> None:
        self._uow = uow
        self.ledger = uow.get(LedgerRepository)
        self.recorded: list[tuple[Transaction, BalanceChange]] = []
        self._known: dict[str, Transaction] = {}
        self._balances: dict[str, HeldBalance] = {}
        # Ledger postings never change an account: each is read once and held, so its
        # status and debit limit cannot change before the postings commit.
        self._account_of = functools.cache(uow.get(AccountRepository).hold)
        if not requests:
            return
        self._known = self.ledger.by_idempotency_keys([request.key for _, request in requests])
        stored = []
        for account_id in sorted(_valid_ids(account_id for account_id, _ in requests)):
            try:
                self._account_of(account_id)
            except AccountNotFound:  # refused with its request
                continue
            stored.append(account_id)
        self._balances = self.ledger.hold_balances(stored)

    def judge(self, request: _Prepared) -> tuple[Transaction, Account, BalanceChange | None]:
        """Post one request in memory, as :meth:`LedgerService._apply` posts it in storage.

        The transaction (the first one, for a replay: then no change), its account and
        the change it makes. A refusal raises and changes nothing.
        """
        key, new_usage = request.key, request.new_usage
        existing = self._known.get(key)
        transaction, account = request.build(self._uow, self._account_of)
        if existing is not None:
            difference = existing.difference(transaction)
            if difference is not None:
                raise IdempotencyConflict(key, difference)
            return existing, account, None
        if new_usage:  # after the key check: a retry returns the first result
            account.require_active(f"be charged for {transaction.kind.value}")
        held = self._balances.get(account.id)
        if held is None:
            raise AccountNotFound(account.id)
        delta = transaction.amount
        change = held.move(delta)
        floor = EXACT.minus(account.debit_limit.amount) if new_usage else None  # Account.floor
        if not balance_allowed(change.after.amount, floor):
            raise _refusal(account, held.balance, delta, new_usage=new_usage)
        self._balances[account.id] = HeldBalance(change.after, change.seq)
        self.recorded.append((transaction, change))
        self._known[key] = transaction
        return transaction, account, change


def _refusal(account: Account, balance: Money, delta: Money, *, new_usage: bool) -> TelcoError:
    """Why ``delta`` may not move ``balance``: the same error a single posting raises."""
    out_of_bounds = bounds_error(account.id, balance, delta)
    if out_of_bounds is not None and not new_usage:
        return out_of_bounds
    available = account.available(balance)
    if out_of_bounds is None or -delta > available:  # the business rule speaks first
        return DebitLimitExceeded(account.id, -delta, available)
    return out_of_bounds
