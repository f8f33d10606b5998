"""The double-entry ledger: transactions, postings and the rules they obey.

Every money movement is a :class:`Transaction` whose :class:`Posting` amounts sum to zero
in each currency. One side is a customer account (its id); the other a system account,
whose name starts with ``@`` (``@cash``, ``@revenue``, ``@adjustments``). A positive posting
raises a balance: a top-up posts ``+X`` to the customer and ``-X`` to ``@cash``; a charge
posts ``-X`` to the customer and ``+X`` to ``@revenue``. So the sum of all balances is zero.

A transaction moves exactly one customer balance: one posting on its account, the others
on system accounts. A transaction between two customer accounts is refused; move money
between customers with a debit of one and a credit of the other.

A posted transaction is never changed: a mistake is corrected by a reversal, a new
transaction with every posting negated that names the original in ``reverses``.

Amounts and balances stay within bounds every storage holds and sums exactly: an amount
has at most :data:`~telcocore.kernel.money.MAX_PLACES` decimal places, and every amount and every
customer balance is below :data:`~telcocore.kernel.money.AMOUNT_LIMIT` in absolute value. So a
system account's total, a sum of such postings, is exact on every storage too. An account's
debit limit and alert threshold obey the same bounds.

Every transaction carries an idempotency key. The same key again returns the first
transaction; the same key for a different request is an
:class:`~telcocore.IdempotencyConflict`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Final

import attrs

from telcocore.kernel.errors import InvalidAmount, ValidationError
from telcocore.kernel.money import (
    AMOUNT_LIMIT,
    EXACT,
    LEDGER_BOUNDS,
    UNBOUNDED,
    Money,
    exact,
)
from telcocore.kernel.validation import shown, validate_id, validate_text

__all__ = [
    "COUNTERPART",
    "BalanceChange",
    "HeldBalance",
    "Hold",
    "LedgerEntry",
    "Posting",
    "SystemAccount",
    "Transaction",
    "TransactionKind",
    "balance_allowed",
    "bounds_error",
    "posting_pair",
    "validate_hold_id",
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


def balance_allowed(after: Decimal, floor: Decimal | None) -> bool:
    """Whether a customer balance may move to ``after``: at or above ``floor``, in bounds.

    Every storage asks this (or its SQL twin) before it writes a balance.
    """
    return (floor is None or after >= floor) and after.copy_abs() < AMOUNT_LIMIT


def bounds_error(account_id: str, balance: Money, delta: Money) -> InvalidAmount | None:
    """The error for a posting of ``delta`` that would take ``balance`` out of bounds.

    ``None`` when the balance after it would be in bounds.
    """
    after = UNBOUNDED.add(balance.amount, delta.amount)
    if balance_allowed(after, None):
        return None
    msg = (
        f"posting {delta} would take the balance of account {account_id!r} from {balance} "
        f"to {Money._trusted(after, balance.currency)}: {LEDGER_BOUNDS}"  # noqa: SLF001
    )
    return InvalidAmount(msg, field="amount", value=delta)


def validate_idempotency_key(value: object) -> str:
    """An idempotency key: a non-blank string of at most 200 characters."""
    return validate_text(
        value, field="idempotency_key", label="idempotency key", max_length=200, required=True
    )


def _check_posting(instance: Posting, _attribute: object, _value: Money) -> None:
    if not isinstance(instance.ledger_account, str) or not isinstance(instance.amount, Money):
        msg = (
            "a posting is a ledger account (a str) and Money, got "
            f"{shown(instance.ledger_account)} and {shown(instance.amount)}"
        )
        raise ValidationError(msg, field="postings", value=instance.amount)


@attrs.frozen
class Posting:
    """One side of a transaction: ``amount`` (signed) on ``ledger_account``."""

    ledger_account: str
    amount: Money = attrs.field(validator=_check_posting)


def _trusted_posting(ledger_account: str, amount: Money) -> Posting:
    """A posting of values already checked, without running the validator again."""
    posting = object.__new__(Posting)
    object.__setattr__(posting, "ledger_account", ledger_account)
    object.__setattr__(posting, "amount", amount)
    return posting


def posting_pair(account_id: str, kind: TransactionKind, amount: Money) -> tuple[Posting, ...]:
    """The balanced postings of :meth:`Transaction.between`, for values already checked.

    ``amount`` (signed) on ``account_id``, a validated account id (which never starts with
    ``@``), and ``-amount`` on the kind's system account (:data:`COUNTERPART`).
    """
    return (
        _trusted_posting(account_id, amount),
        _trusted_posting(COUNTERPART[kind].value, -amount),
    )


def _postings(value: Iterable[Posting]) -> tuple[Posting, ...]:
    postings = tuple(value) if isinstance(value, Iterable) else ()
    if len(postings) < 2 or not all(isinstance(p, Posting) for p in postings):  # noqa: PLR2004
        msg = f"a transaction needs at least two postings (Posting), got {shown(value)}"
        raise ValidationError(msg, field="postings", value=value)
    return postings


def _balanced(instance: Transaction, _attribute: object, postings: tuple[Posting, ...]) -> None:
    """One posting on the customer account, the others on system accounts (``@...``).

    So every storage moves exactly the one customer balance the transaction names. The
    postings sum to zero in each currency.
    """
    mine = sum(1 for p in postings if p.ledger_account == instance.account_id)
    others = [
        p.ledger_account
        for p in postings
        if p.ledger_account != instance.account_id and not p.ledger_account.startswith("@")
    ]
    if mine != 1 or others:
        wrong = f"to {shown(others[0])}" if others else f"{mine} times to it"
        msg = (
            "a transaction posts exactly once to its customer account "
            f"{shown(instance.account_id)} and otherwise only to system accounts (such as "
            f"@cash), not {wrong}; move money between two customers with a debit of one "
            "and a credit of the other"
        )
        raise ValidationError(msg, field="postings", value=postings)
    totals: dict[str, Decimal] = {}
    for posting in postings:
        currency = posting.amount.currency
        totals[currency] = exact(EXACT.add, totals.get(currency, _ZERO), posting.amount.amount)
    unbalanced = {c: str(Money._trusted(t, c)) for c, t in totals.items() if t}  # noqa: SLF001
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

    ENTITY: ClassVar[str] = "transaction"
    """What storage errors call it."""

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

    @classmethod
    def _with_postings(  # noqa: PLR0913 - the parts of a transaction, as in between()
        cls,
        *,
        id: str,  # noqa: A002 - the attribute's own name
        kind: TransactionKind,
        account_id: str,
        postings: tuple[Posting, ...],
        idempotency_key: str,
        created_at: datetime,
        description: str,
    ) -> Transaction:
        """:meth:`between` for parts the caller validated, built without checking again.

        Balanced by construction when ``postings`` is a :func:`posting_pair` (``amount``
        on ``account_id``, a validated account id that never starts with ``@``, and
        ``-amount`` on the kind's system account). The caller has validated the id, key,
        description and amount (in the ledger's bounds). Postings are immutable, so
        transactions of the same account, kind and amount may share one pair.
        """
        transaction = object.__new__(cls)
        set_ = object.__setattr__
        set_(transaction, "id", id)
        set_(transaction, "kind", kind)
        set_(transaction, "account_id", account_id)
        set_(transaction, "postings", postings)
        set_(transaction, "idempotency_key", idempotency_key)
        set_(transaction, "created_at", created_at)
        set_(transaction, "description", description)
        set_(transaction, "reverses", None)
        return transaction

    @property
    def amount(self) -> Money:
        """The signed amount this transaction moved on its customer account."""
        # Validated with the transaction: exactly one posting is on the customer account.
        return next(p.amount for p in self.postings if p.ledger_account == self.account_id)

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


@attrs.frozen
class HeldBalance:
    """A customer balance read under a lock, with the ``seq`` of its last posting.

    ``held`` is the sum of the account's holds (:class:`Hold`) in its currency;
    ``account_version`` the version of the account the row holds (the database writes the
    new one with every change of the account).
    """

    balance: Money
    seq: int
    held: Decimal = _ZERO
    account_version: int = attrs.field(default=0, kw_only=True)


def validate_hold_id(value: object) -> str:
    """A hold's id, chosen by the caller (a call's id, say): an id as ``validate_id`` takes."""
    return validate_id(value, field="hold_id", label="hold id")


@attrs.frozen
class Hold:
    """Credit set aside on a customer account for usage in progress (a reservation).

    A hold lowers what new usage may spend, ``balance + debit_limit - held``, without
    moving the balance; it is released when the usage ends or is posted. Its ``amount``
    is positive, in the account's currency.
    """

    ENTITY: ClassVar[str] = "hold"
    """What storage errors call it."""

    id: str
    account_id: str
    amount: Money
    created_at: datetime
    reason: str = ""

    def difference(self, account_id: str, amount: Money) -> str | None:
        """How a request to hold ``amount`` on ``account_id`` differs from this hold.

        ``None`` for the same request (placing the same hold again holds it once).
        """
        if account_id != self.account_id:
            return f"account {self.account_id!r}, not {account_id!r}"
        if amount != self.amount:
            return f"amount {self.amount}, not {amount}"
        return None
