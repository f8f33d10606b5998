"""The double-entry ledger: transactions, postings and the rules they obey.

Every money movement is a :class:`Transaction` whose :class:`Posting` amounts sum to zero
in each currency. One side is a customer account (its id); the other a system account,
whose name starts with ``@`` (``@cash``, ``@revenue``, ``@adjustments``). A positive posting
raises a balance: a top-up posts ``+X`` to the customer and ``-X`` to ``@cash``; a charge
posts ``-X`` to the customer and ``+X`` to ``@revenue``. So the sum of all balances is zero.

A posted transaction is never changed: a mistake is corrected by a reversal, a new
transaction with every posting negated that names the original in ``reverses``.

Every transaction carries an idempotency key. The same key again returns the first
transaction; the same key for a different request is an
:class:`~telcocore.errors.IdempotencyConflict`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from telcocore.errors import ValidationError
from telcocore.money import EXACT, Money
from telcocore.validation import validate_text

__all__ = [
    "COUNTERPART",
    "BalanceChange",
    "LedgerEntry",
    "Posting",
    "SystemAccount",
    "Transaction",
    "TransactionKind",
    "validate_idempotency_key",
]


class TransactionKind(enum.StrEnum):
    """Why money moved."""

    TOP_UP = "top_up"
    USAGE = "usage"
    PURCHASE = "purchase"
    RECURRING = "recurring"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    PAYMENT = "payment"


class SystemAccount(enum.StrEnum):
    """The operator's side of every transaction."""

    CASH = "@cash"
    REVENUE = "@revenue"
    ADJUSTMENTS = "@adjustments"


COUNTERPART: Final[dict[TransactionKind, SystemAccount]] = {
    TransactionKind.TOP_UP: SystemAccount.CASH,
    TransactionKind.PAYMENT: SystemAccount.CASH,
    TransactionKind.USAGE: SystemAccount.REVENUE,
    TransactionKind.PURCHASE: SystemAccount.REVENUE,
    TransactionKind.RECURRING: SystemAccount.REVENUE,
    TransactionKind.REFUND: SystemAccount.REVENUE,
    TransactionKind.ADJUSTMENT: SystemAccount.ADJUSTMENTS,
}
"""The system account each kind of transaction posts against."""


_ZERO: Final = Decimal(0)


def validate_idempotency_key(value: object) -> str:
    """An idempotency key: a non-blank string of at most 200 characters."""
    return validate_text(
        value, field="idempotency_key", label="idempotency key", max_length=200, required=True
    )


@attrs.frozen
class Posting:
    """One side of a transaction: ``amount`` (signed) on ``ledger_account``."""

    ledger_account: str
    amount: Money


def _postings(value: Iterable[Posting]) -> tuple[Posting, ...]:
    return tuple(value)


def _balanced(_instance: object, _attribute: object, postings: tuple[Posting, ...]) -> None:
    if len(postings) < 2:  # noqa: PLR2004
        msg = "a transaction needs at least two postings"
        raise ValidationError(msg, field="postings", value=postings)
    totals: dict[str, Decimal] = {}
    for posting in postings:
        currency = posting.amount.currency
        totals[currency] = EXACT.add(totals.get(currency, Decimal(0)), posting.amount.amount)
    unbalanced = {c: t for c, t in totals.items() if t}
    if unbalanced:
        msg = f"postings must sum to zero per currency, but they sum to {unbalanced}"
        raise ValidationError(msg, field="postings", value=postings)


MAX_DESCRIPTION_LENGTH: Final = 1000
"""The longest description a transaction may carry, in characters."""


def _check_description(_instance: object, _attribute: object, value: str) -> None:
    validate_text(value, field="description", max_length=MAX_DESCRIPTION_LENGTH)


@attrs.frozen
class Transaction:
    """An immutable, balanced set of postings concerning one customer account."""

    id: str
    kind: TransactionKind
    account_id: str
    postings: tuple[Posting, ...] = attrs.field(converter=_postings, validator=_balanced)
    idempotency_key: str
    created_at: datetime
    description: str = attrs.field(default="", validator=_check_description)
    reverses: str | None = None
    """The id of the transaction this one reverses, if it is a reversal."""

    @classmethod
    def between(  # noqa: PLR0913 - every argument is a distinct, named part of the transaction
        cls,
        *,
        id: str,  # noqa: A002 - the attribute's own name
        kind: TransactionKind,
        account_id: str,
        amount: Money,
        idempotency_key: str,
        created_at: datetime,
        description: str = "",
    ) -> Transaction:
        """A transaction moving signed ``amount`` into ``account_id``.

        The other side, ``-amount``, goes to the kind's system account (:data:`COUNTERPART`).
        """
        postings = (
            Posting(account_id, amount),
            Posting(COUNTERPART[kind].value, -amount),
        )
        return cls(
            id=id,
            kind=kind,
            account_id=account_id,
            postings=postings,
            idempotency_key=idempotency_key,
            created_at=created_at,
            description=description,
        )

    @property
    def amount(self) -> Money:
        """The signed amount this transaction moved on its customer account."""
        # The postings were validated with the transaction, so its currency needs no check.
        total = Money._trusted(_ZERO, self.postings[0].amount.currency)  # noqa: SLF001
        for posting in self.postings:
            if posting.ledger_account == self.account_id:
                total += posting.amount
        return total

    def reversal(
        self,
        *,
        id: str,  # noqa: A002 - the attribute's own name
        idempotency_key: str,
        created_at: datetime,
        description: str,
    ) -> Transaction:
        """The transaction that undoes this one: same kind, every posting negated."""
        return Transaction(
            id=id,
            kind=self.kind,
            account_id=self.account_id,
            postings=tuple(Posting(p.ledger_account, -p.amount) for p in self.postings),
            idempotency_key=idempotency_key,
            created_at=created_at,
            description=description,
            reverses=self.id,
        )

    def difference(self, other: Transaction) -> str | None:
        """How ``other`` differs as a request from this one, or ``None``.

        Used to check a reused idempotency key: ``None`` means the same request.
        """
        for name, mine, theirs in (
            ("account", self.account_id, other.account_id),
            ("kind", self.kind, other.kind),
            ("amount", self.amount, other.amount),
            ("reversal of", self.reverses, other.reverses),
        ):
            if mine != theirs:
                return f"{name} {mine}, not {theirs}"
        return None


@attrs.frozen
class BalanceChange:
    """A customer balance before and after one posting.

    ``seq`` is the posting's position in the account's sequence of postings, from 1.
    """

    before: Money
    after: Money
    seq: int

    def crossed_below(self, threshold: Money | None) -> bool:
        """Whether this change took the balance from at or above ``threshold`` to below it."""
        return threshold is not None and self.before >= threshold > self.after


@attrs.frozen
class LedgerEntry:
    """One line of an account's transaction history, with the running balance after it."""

    seq: int
    transaction_id: str
    kind: TransactionKind
    created_at: datetime
    amount: Money
    balance: Money
    description: str = ""
    reverses: str | None = None
