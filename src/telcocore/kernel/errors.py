"""The one error tree of telcocore, and its base classes.

Every error the library raises on purpose is a :class:`TelcoError`. Where an error
resembles a standard-library one, it mixes that in too, so ``except LookupError`` keeps
working. Errors carry what went wrong as attributes, and their message names the value.

This module holds the base classes and the errors every domain shares; each domain's own
errors live in its ``errors`` module (:mod:`telcocore.accounts.errors`,
:mod:`telcocore.contacts.errors`, :mod:`telcocore.billing.ledger.errors`,
:mod:`telcocore.numbering.errors`, :mod:`telcocore.audit.errors`,
:mod:`telcocore.calls.errors`, :mod:`telcocore.billing.rating.errors`,
:mod:`telcocore.billing.invoices.errors`, :mod:`telcocore.billing.plans.errors`,
:mod:`telcocore.reporting.errors`, :mod:`telcocore.media.errors`). All are exported by
:mod:`telcocore`.

::

    TelcoError
    ├── ValidationError (ValueError)            bad input, refused before anything is written
    │   ├── InvalidAmount (TypeError)            a float, a bool, NaN, not a number
    │   ├── InvalidCurrency                      not an ISO 4217 code
    │   ├── CurrencyMismatch                     two currencies added or compared
    │   ├── NaiveDatetime (TypeError)            a datetime without a time zone
    │   ├── WeakPassword                         a hand-set password the policy refuses
    │   ├── RateCardError                        a rate card row or column that cannot be read
    │   ├── InvalidCallRecord                    a call record field missing or inconsistent
    │   ├── InvalidImportOptions                 an importer's options it cannot use
    │   ├── InvalidSelection                     rows, columns or a split reporting cannot use
    │   ├── NotAudio                             media bytes that are not WAV, MP3 or Ogg
    │   ├── MediaTooLarge                        media over the size limit
    │   ├── RangeNotSatisfiable                  a byte range past the end of the media
    │   └── InvalidRecordingName                 text that is not a recording name
    ├── NotFoundError (LookupError)              the thing asked for does not exist
    │   ├── AccountNotFound
    │   ├── ContactNotFound
    │   ├── AuditEntryNotFound
    │   ├── TransactionNotFound
    │   ├── NumberBlockNotFound
    │   ├── ExtensionNotFound
    │   ├── BlockListEntryNotFound
    │   ├── DidNotFound
    │   ├── DeckNotFound
    │   ├── RateAssignmentNotFound
    │   ├── InvoiceNotFound
    │   ├── InvoiceScheduleNotFound
    │   ├── PaymentNotFound
    │   ├── PlanNotFound
    │   ├── PlanNotAssigned                      an account on no service plan
    │   ├── MediaNotFound
    │   └── BlobNotFound                         no bytes under a media's key
    ├── ConflictError                            the request clashes with stored state
    │   ├── AlreadyExists                        a unique key is already taken
    │   ├── ConcurrencyError                     a stale write: reload and try again
    │   ├── IdempotencyConflict                  a key reused for another request
    │   ├── HoldConflict                         a hold id reused for another hold
    │   ├── CallConflict                         a call id in progress for another request
    │   ├── AlreadyReversed                      a transaction may be reversed once
    │   ├── PaymentConflict                      a payment id reused for another payment
    │   └── UsageAlreadyInvoiced                 usage billed by an invoice not void
    ├── RuleViolation                            a business rule refuses the request
    │   ├── AccountNotActive                     only active accounts may use services
    │   ├── InvalidStatusTransition              e.g. pending_approval -> penalty
    │   ├── DebitLimitExceeded                   the charge does not fit the debit limit
    │   ├── ChannelLimitReached                  every channel of the account is in use
    │   ├── DeckInUse                            a rate deck deleted while assigned
    │   ├── NumberRangeNotSet                    no number range parameters yet
    │   ├── NumberRangeExhausted                 no free block is left in the range
    │   ├── ExtensionNotAllowed                  outside the account's blocks, or in another's
    │   ├── NumberBlockInUse                     a block released with extensions inside
    │   ├── InvalidCode                          a wrong, expired or used verification code
    │   ├── InvoiceStateError                    e.g. issuing a void invoice
    │   ├── OverPayment                          a payment over what an invoice still owes
    │   ├── PaymentStateError                    e.g. settling a failed payment
    │   ├── PlanInUse                            a service plan deleted while assigned
    │   └── UsersInUse                           users removed below the extensions in use
    ├── AuthenticationFailed (PermissionError)   wrong email or password (never says which)
    ├── ConfigurationError                       e.g. an unknown storage URL scheme
    └── StorageError (OSError)                   the storage failed; the driver's error is
        └── SchemaVersionError                   the ``__cause__``; the database is newer
                                                  than this release
"""

from __future__ import annotations

__all__ = [
    "AlreadyExists",
    "ConcurrencyError",
    "ConfigurationError",
    "ConflictError",
    "CurrencyMismatch",
    "InvalidAmount",
    "InvalidCurrency",
    "NaiveDatetime",
    "NotFoundError",
    "RuleViolation",
    "SchemaVersionError",
    "StorageError",
    "TelcoError",
    "ValidationError",
]


class TelcoError(Exception):
    """The root of every error telcocore raises on purpose."""


class ValidationError(TelcoError, ValueError):
    """Input was refused before anything was written.

    ``field`` names the offending argument or attribute, ``value`` is what was given.
    """

    def __init__(self, message: str, *, field: str | None = None, value: object = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


class InvalidAmount(ValidationError, TypeError):
    """An amount that is not an exact decimal number (a float, a bool, NaN, ...)."""


class InvalidCurrency(ValidationError):
    """A currency code that is not in ISO 4217."""


class CurrencyMismatch(ValidationError):
    """Two amounts in different currencies were combined or ordered.

    ``left`` is the currency expected, ``right`` the other one. ``message`` replaces the
    default one, which names the ``operation``; ``field`` names the argument (the
    currency, by default).
    """

    def __init__(
        self,
        left: str,
        right: str,
        *,
        operation: str,
        message: str | None = None,
        field: str = "currency",
    ) -> None:
        super().__init__(
            message
            or f"cannot {operation} {left} and {right}: amounts are in different currencies",
            field=field,
            value=right,
        )
        self.left = left
        self.right = right


class NaiveDatetime(ValidationError, TypeError):
    """A datetime without a time zone; telcocore keeps every instant in UTC."""


class NotFoundError(TelcoError, LookupError):
    """The entity asked for does not exist. ``entity`` and ``key`` say which."""

    entity = "entity"

    def __init__(self, key: object) -> None:
        super().__init__(f"{self.entity} {key!r} not found")
        self.key = key


class ConflictError(TelcoError):
    """The request clashes with what is stored."""


class AlreadyExists(ConflictError):
    """A unique key (an id, a login, a realm) is already taken."""

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!r} already exists")
        self.entity = entity
        self.key = key


class ConcurrencyError(ConflictError):
    """Somebody else changed the entity since it was read: reload it and try again."""

    def __init__(self, entity: str, key: object, expected_version: int) -> None:
        super().__init__(
            f"{entity} {key!r} was changed by someone else "
            f"(expected version {expected_version}); reload it and try again"
        )
        self.entity = entity
        self.key = key
        self.expected_version = expected_version


class RuleViolation(TelcoError):
    """A business rule refuses the request; nothing was changed."""


class ConfigurationError(TelcoError, ValueError):
    """The library was set up wrongly, e.g. ``connect()`` got an unknown URL scheme."""


class StorageError(TelcoError, OSError):
    """The storage failed. The driver's own exception is chained as ``__cause__``."""


class SchemaVersionError(StorageError):
    """The database was written by a newer release than this one.

    ``module`` is the part of the schema that is newer (``accounts``, ``billing.ledger``),
    ``found`` its version in the database and ``supported`` the newest this release knows.
    """

    def __init__(self, found: int, supported: int, *, module: str | None = None) -> None:
        where = "database schema" if module is None else f"database schema of {module!r}"
        super().__init__(
            f"{where} is at version {found}, newer than this release supports "
            f"({supported}); upgrade telcocore"
        )
        self.found = found
        self.supported = supported
        self.module = module
