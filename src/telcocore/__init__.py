"""telcocore: the business rules of telephony for softswitch and hosted-PBX operators.

Start with :func:`connect`, which returns a :class:`TelcoCore` whose services (``accounts``,
``ledger``, ...) do the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telcocore.accounts.errors import AccountNotActive, AccountNotFound, InvalidStatusTransition
from telcocore.accounts.model import Account, AccountStatus
from telcocore.audit.errors import AuditEntryNotFound
from telcocore.billing.invoices.errors import (
    InvoiceNotFound,
    InvoiceScheduleNotFound,
    InvoiceStateError,
    OverPayment,
    PaymentConflict,
    PaymentNotFound,
    PaymentStateError,
    UsageAlreadyInvoiced,
)
from telcocore.billing.invoices.model.bill import Bill, Bills, BillStatus
from telcocore.billing.invoices.model.invoice import (
    Invoice,
    InvoiceLine,
    InvoicePage,
    InvoiceStatus,
    Issuer,
    PaymentStatus,
    UsageKey,
)
from telcocore.billing.invoices.model.payment import Allocation, Payment, PaymentState
from telcocore.billing.invoices.model.schedule import InvoiceSchedule
from telcocore.billing.ledger.errors import (
    AlreadyReversed,
    DebitLimitExceeded,
    HoldConflict,
    IdempotencyConflict,
    TransactionNotFound,
)
from telcocore.billing.ledger.model import (
    Hold,
    LedgerEntry,
    Posting,
    SystemAccount,
    Transaction,
    TransactionKind,
)
from telcocore.billing.ledger.services import BatchResult, HistoryPage, LedgerRequest, Movement
from telcocore.billing.plans.errors import PlanInUse, PlanNotAssigned, PlanNotFound, UsersInUse
from telcocore.billing.plans.model import (
    ChargeStatus,
    PlanAssignment,
    PlanView,
    RecurringCharge,
    RecurringRun,
    SeatChange,
    SeatQuote,
    ServicePlan,
)
from telcocore.billing.rating.errors import (
    DeckInUse,
    DeckNotFound,
    RateAssignmentNotFound,
    RateCardError,
)
from telcocore.billing.rating.model.card import load_rate_card
from telcocore.billing.rating.model.deck import RatedCall, RateDeck, Unrated
from telcocore.billing.rating.model.rates import Rate, Tier, billable_seconds, billed_seconds
from telcocore.billing.rating.model.stored import DeckSummary, RateAssignment
from telcocore.calls.errors import (
    CallConflict,
    ChannelLimitReached,
    InvalidCallRecord,
    InvalidImportOptions,
)
from telcocore.calls.model.authorization import Authorization, Refusal
from telcocore.calls.model.channels import AccountOverview, CallEnd, CallStart
from telcocore.contacts.errors import (
    AuthenticationFailed,
    ContactNotFound,
    InvalidCode,
    WeakPassword,
)
from telcocore.contacts.model.contact import Contact, Target
from telcocore.contacts.model.credentials import PasswordPolicy, ScryptHasher
from telcocore.core import TelcoCore, connect
from telcocore.kernel.errors import (
    AlreadyExists,
    ConcurrencyError,
    ConfigurationError,
    ConflictError,
    CurrencyMismatch,
    InvalidAmount,
    InvalidCurrency,
    NaiveDatetime,
    NotFoundError,
    RuleViolation,
    SchemaVersionError,
    StorageError,
    TelcoError,
    ValidationError,
)
from telcocore.kernel.money import Money, Rounding
from telcocore.kernel.periods import Period
from telcocore.media.errors import (
    BlobNotFound,
    InvalidRecordingName,
    MediaNotFound,
    MediaTooLarge,
    NotAudio,
    RangeNotSatisfiable,
)
from telcocore.media.model import (
    MediaFile,
    MediaKind,
    MediaPage,
    MediaSettings,
    Playback,
    RecordingName,
    parse_recording_name,
    recording_name,
)
from telcocore.notifications.model.message import Channel, Message, MessageKind
from telcocore.numbering.errors import (
    BlockListEntryNotFound,
    DidNotFound,
    ExtensionNotAllowed,
    ExtensionNotFound,
    NumberBlockInUse,
    NumberBlockNotFound,
    NumberRangeExhausted,
    NumberRangeNotSet,
)
from telcocore.reporting.errors import InvalidSelection
from telcocore.reporting.model.export import to_csv, to_tsv
from telcocore.reporting.model.selection import CellSelection, Column, select_cells
from telcocore.reporting.model.summaries import Grain, Split, SummaryRow

if TYPE_CHECKING:
    __version__: str

__all__ = [
    "Account",
    "AccountNotActive",
    "AccountNotFound",
    "AccountOverview",
    "AccountStatus",
    "Allocation",
    "AlreadyExists",
    "AlreadyReversed",
    "AuditEntryNotFound",
    "AuthenticationFailed",
    "Authorization",
    "BatchResult",
    "Bill",
    "BillStatus",
    "Bills",
    "BlobNotFound",
    "BlockListEntryNotFound",
    "CallConflict",
    "CallEnd",
    "CallStart",
    "CellSelection",
    "Channel",
    "ChannelLimitReached",
    "ChargeStatus",
    "Column",
    "ConcurrencyError",
    "ConfigurationError",
    "ConflictError",
    "Contact",
    "ContactNotFound",
    "CurrencyMismatch",
    "DebitLimitExceeded",
    "DeckInUse",
    "DeckNotFound",
    "DeckSummary",
    "DidNotFound",
    "ExtensionNotAllowed",
    "ExtensionNotFound",
    "Grain",
    "HistoryPage",
    "Hold",
    "HoldConflict",
    "IdempotencyConflict",
    "InvalidAmount",
    "InvalidCallRecord",
    "InvalidCode",
    "InvalidCurrency",
    "InvalidImportOptions",
    "InvalidRecordingName",
    "InvalidSelection",
    "InvalidStatusTransition",
    "Invoice",
    "InvoiceLine",
    "InvoiceNotFound",
    "InvoicePage",
    "InvoiceSchedule",
    "InvoiceScheduleNotFound",
    "InvoiceStateError",
    "InvoiceStatus",
    "Issuer",
    "LedgerEntry",
    "LedgerRequest",
    "MediaFile",
    "MediaKind",
    "MediaNotFound",
    "MediaPage",
    "MediaSettings",
    "MediaTooLarge",
    "Message",
    "MessageKind",
    "Money",
    "Movement",
    "NaiveDatetime",
    "NotAudio",
    "NotFoundError",
    "NumberBlockInUse",
    "NumberBlockNotFound",
    "NumberRangeExhausted",
    "NumberRangeNotSet",
    "OverPayment",
    "PasswordPolicy",
    "Payment",
    "PaymentConflict",
    "PaymentNotFound",
    "PaymentState",
    "PaymentStateError",
    "PaymentStatus",
    "Period",
    "PlanAssignment",
    "PlanInUse",
    "PlanNotAssigned",
    "PlanNotFound",
    "PlanView",
    "Playback",
    "Posting",
    "RangeNotSatisfiable",
    "Rate",
    "RateAssignment",
    "RateAssignmentNotFound",
    "RateCardError",
    "RateDeck",
    "RatedCall",
    "RecordingName",
    "RecurringCharge",
    "RecurringRun",
    "Refusal",
    "Rounding",
    "RuleViolation",
    "SchemaVersionError",
    "ScryptHasher",
    "SeatChange",
    "SeatQuote",
    "ServicePlan",
    "Split",
    "StorageError",
    "SummaryRow",
    "SystemAccount",
    "Target",
    "TelcoCore",
    "TelcoError",
    "Tier",
    "Transaction",
    "TransactionKind",
    "TransactionNotFound",
    "Unrated",
    "UsageAlreadyInvoiced",
    "UsageKey",
    "UsersInUse",
    "ValidationError",
    "WeakPassword",
    "billable_seconds",
    "billed_seconds",
    "connect",
    "load_rate_card",
    "parse_recording_name",
    "recording_name",
    "select_cells",
    "to_csv",
    "to_tsv",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415 - read only when asked

        return version("telcocore")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
