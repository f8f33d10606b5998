"""telcocore: the business rules of telephony for softswitch and hosted-PBX operators.

Start with :func:`connect`, which returns a :class:`TelcoCore` whose services (``accounts``,
``ledger``, ...) do the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telcocore.accounts.account import Account, AccountStatus
from telcocore.accounts.contacts import Contact, Target
from telcocore.accounts.credentials import PasswordPolicy, ScryptHasher
from telcocore.billing.ledger import (
    LedgerEntry,
    Posting,
    SystemAccount,
    Transaction,
    TransactionKind,
)
from telcocore.billing.services import BatchResult, HistoryPage, LedgerRequest, Movement
from telcocore.core import TelcoCore, connect
from telcocore.errors import (
    AccountNotActive,
    AccountNotFound,
    AlreadyExists,
    AlreadyReversed,
    AuditEntryNotFound,
    AuthenticationFailed,
    BlockListEntryNotFound,
    ConcurrencyError,
    ConfigurationError,
    ConflictError,
    ContactNotFound,
    CurrencyMismatch,
    DebitLimitExceeded,
    DidNotFound,
    ExtensionNotAllowed,
    ExtensionNotFound,
    IdempotencyConflict,
    InvalidAmount,
    InvalidCode,
    InvalidCurrency,
    InvalidStatusTransition,
    NaiveDatetime,
    NotFoundError,
    NumberBlockInUse,
    NumberBlockNotFound,
    NumberRangeExhausted,
    NumberRangeNotSet,
    RuleViolation,
    SchemaVersionError,
    StorageError,
    TelcoError,
    TransactionNotFound,
    ValidationError,
    WeakPassword,
)
from telcocore.money import Money, Rounding
from telcocore.notifications.message import Channel, Message, MessageKind
from telcocore.periods import Period

if TYPE_CHECKING:
    __version__: str

__all__ = [
    "Account",
    "AccountNotActive",
    "AccountNotFound",
    "AccountStatus",
    "AlreadyExists",
    "AlreadyReversed",
    "AuditEntryNotFound",
    "AuthenticationFailed",
    "BatchResult",
    "BlockListEntryNotFound",
    "Channel",
    "ConcurrencyError",
    "ConfigurationError",
    "ConflictError",
    "Contact",
    "ContactNotFound",
    "CurrencyMismatch",
    "DebitLimitExceeded",
    "DidNotFound",
    "ExtensionNotAllowed",
    "ExtensionNotFound",
    "HistoryPage",
    "IdempotencyConflict",
    "InvalidAmount",
    "InvalidCode",
    "InvalidCurrency",
    "InvalidStatusTransition",
    "LedgerEntry",
    "LedgerRequest",
    "Message",
    "MessageKind",
    "Money",
    "Movement",
    "NaiveDatetime",
    "NotFoundError",
    "NumberBlockInUse",
    "NumberBlockNotFound",
    "NumberRangeExhausted",
    "NumberRangeNotSet",
    "PasswordPolicy",
    "Period",
    "Posting",
    "Rounding",
    "RuleViolation",
    "SchemaVersionError",
    "ScryptHasher",
    "StorageError",
    "SystemAccount",
    "Target",
    "TelcoCore",
    "TelcoError",
    "Transaction",
    "TransactionKind",
    "TransactionNotFound",
    "ValidationError",
    "WeakPassword",
    "connect",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415 - read only when asked

        return version("telcocore")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
