"""telcocore: the business rules of telephony for softswitch and hosted-PBX operators.

Start with :func:`connect`, which returns a :class:`TelcoCore` whose services (``accounts``,
``ledger``, ...) do the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telcocore.accounts.account import Account, AccountStatus
from telcocore.billing.ledger import (
    LedgerEntry,
    Posting,
    SystemAccount,
    Transaction,
    TransactionKind,
)
from telcocore.billing.services import BatchResult, LedgerRequest, Movement
from telcocore.core import TelcoCore, connect
from telcocore.errors import (
    AccountNotActive,
    AccountNotFound,
    AlreadyExists,
    AlreadyReversed,
    AuditEntryNotFound,
    BlockListEntryNotFound,
    ConcurrencyError,
    ConfigurationError,
    ConflictError,
    CurrencyMismatch,
    DebitLimitExceeded,
    DidNotFound,
    ExtensionNotAllowed,
    ExtensionNotFound,
    IdempotencyConflict,
    InvalidAmount,
    InvalidCurrency,
    InvalidStatusTransition,
    NaiveDatetime,
    NotFoundError,
    NumberBlockNotFound,
    NumberRangeExhausted,
    NumberRangeNotSet,
    RuleViolation,
    SchemaVersionError,
    StorageError,
    TelcoError,
    TransactionNotFound,
    ValidationError,
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
    "BatchResult",
    "BlockListEntryNotFound",
    "Channel",
    "ConcurrencyError",
    "ConfigurationError",
    "ConflictError",
    "CurrencyMismatch",
    "DebitLimitExceeded",
    "DidNotFound",
    "ExtensionNotAllowed",
    "ExtensionNotFound",
    "IdempotencyConflict",
    "InvalidAmount",
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
    "NumberBlockNotFound",
    "NumberRangeExhausted",
    "NumberRangeNotSet",
    "Period",
    "Posting",
    "Rounding",
    "RuleViolation",
    "SchemaVersionError",
    "StorageError",
    "SystemAccount",
    "TelcoCore",
    "TelcoError",
    "Transaction",
    "TransactionKind",
    "TransactionNotFound",
    "ValidationError",
    "connect",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415 - read only when asked

        return version("telcocore")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
