"""The one error tree of telcocore.

Every error the library raises on purpose is a :class:`TelcoError`. Where an error
resembles a standard-library one, it mixes that in too, so ``except LookupError`` keeps
working. Errors carry what went wrong as attributes, and their message names the value.

::

    TelcoError
    ├── ValidationError (ValueError)            bad input, refused before anything is written
    │   ├── InvalidAmount (TypeError)            a float, a bool, NaN, not a number
    │   ├── InvalidCurrency                      not an ISO 4217 code
    │   ├── CurrencyMismatch                     two currencies added or compared
    │   ├── NaiveDatetime (TypeError)            a datetime without a time zone
    │   └── WeakPassword                         a hand-set password the policy refuses
    ├── NotFoundError (LookupError)              the thing asked for does not exist
    │   ├── AccountNotFound
    │   ├── ContactNotFound
    │   ├── AuditEntryNotFound
    │   ├── TransactionNotFound
    │   ├── NumberBlockNotFound
    │   ├── ExtensionNotFound
    │   ├── BlockListEntryNotFound
    │   └── DidNotFound
    ├── ConflictError                            the request clashes with stored state
    │   ├── AlreadyExists                        a unique key is already taken
    │   ├── ConcurrencyError                     a stale write: reload and try again
    │   ├── IdempotencyConflict                  a key reused for another request
    │   └── AlreadyReversed                      a transaction may be reversed once
    ├── RuleViolation                            a business rule refuses the request
    │   ├── AccountNotActive                     only active accounts may use services
    │   ├── InvalidStatusTransition              e.g. pending_approval -> penalty
    │   ├── DebitLimitExceeded                   the charge does not fit the debit limit
    │   ├── NumberRangeNotSet                    no number range parameters yet
    │   ├── NumberRangeExhausted                 no free block is left in the range
    │   ├── ExtensionNotAllowed                  outside the account's blocks, or in another's
    │   ├── NumberBlockInUse                     a block released with extensions inside
    │   └── InvalidCode                          a wrong, expired or used verification code
    ├── AuthenticationFailed (PermissionError)   wrong email or password (never says which)
    ├── ConfigurationError                       e.g. an unknown storage URL scheme
    └── StorageError (OSError)                   the storage failed; the driver's error is
        └── SchemaVersionError                   the ``__cause__``; the database is newer
                                                  than this release
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telcocore.money import Money

__all__ = [
    "AccountNotActive",
    "AccountNotFound",
    "AlreadyExists",
    "AlreadyReversed",
    "AuditEntryNotFound",
    "AuthenticationFailed",
    "BlockListEntryNotFound",
    "ConcurrencyError",
    "ConfigurationError",
    "ConflictError",
    "ContactNotFound",
    "CurrencyMismatch",
    "DebitLimitExceeded",
    "DidNotFound",
    "ExtensionNotAllowed",
    "ExtensionNotFound",
    "IdempotencyConflict",
    "InvalidAmount",
    "InvalidCode",
    "InvalidCurrency",
    "InvalidStatusTransition",
    "NaiveDatetime",
    "NotFoundError",
    "NumberBlockInUse",
    "NumberBlockNotFound",
    "NumberRangeExhausted",
    "NumberRangeNotSet",
    "RuleViolation",
    "SchemaVersionError",
    "StorageError",
    "TelcoError",
    "TransactionNotFound",
    "ValidationError",
    "WeakPassword",
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


class WeakPassword(ValidationError):
    """A hand-set password the policy refuses; ``rule`` names the rule it broke.

    The message never contains the password, and ``value`` is always ``None``.
    """

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message, field="password")
        self.rule = rule


class NotFoundError(TelcoError, LookupError):
    """The entity asked for does not exist. ``entity`` and ``key`` say which."""

    entity = "entity"

    def __init__(self, key: object) -> None:
        super().__init__(f"{self.entity} {key!r} not found")
        self.key = key


class AccountNotFound(NotFoundError):
    """No account has this id."""

    entity = "account"


class ContactNotFound(NotFoundError):
    """No contact has this id."""

    entity = "contact"


class AuditEntryNotFound(NotFoundError):
    """No audit entry has this id."""

    entity = "audit entry"


class TransactionNotFound(NotFoundError):
    """No ledger transaction has this id."""

    entity = "transaction"


class NumberBlockNotFound(NotFoundError):
    """No assigned number block starts at this number."""

    entity = "number block"


class ExtensionNotFound(NotFoundError):
    """No extension or SIP username is registered under this name."""

    entity = "extension"


class BlockListEntryNotFound(NotFoundError):
    """The account's block list has no such number or prefix."""

    entity = "block list entry"


class DidNotFound(NotFoundError):
    """No DID is registered with this number."""

    entity = "DID"


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


class IdempotencyConflict(ConflictError):
    """An idempotency key was used before for a different request."""

    def __init__(self, key: str, difference: str) -> None:
        super().__init__(f"idempotency key {key!r} was already used for {difference}")
        self.key = key
        self.difference = difference


class AlreadyReversed(ConflictError):
    """The transaction already has a reversal (or is itself one)."""

    def __init__(self, transaction_id: str, detail: str) -> None:
        super().__init__(f"transaction {transaction_id!r} cannot be reversed: {detail}")
        self.transaction_id = transaction_id


class RuleViolation(TelcoError):
    """A business rule refuses the request; nothing was changed."""


class AccountNotActive(RuleViolation):
    """Only an active account may start calls or buy anything."""

    def __init__(self, account_id: str, status: str, *, action: str) -> None:
        super().__init__(f"account {account_id!r} is {status}; only an active account may {action}")
        self.account_id = account_id
        self.status = status


class InvalidStatusTransition(RuleViolation):
    """The account status cannot move from ``current`` to ``requested``."""

    def __init__(self, account_id: str, current: str, requested: str) -> None:
        super().__init__(
            f"account {account_id!r} cannot go from status {current!r} to {requested!r}"
        )
        self.account_id = account_id
        self.current = current
        self.requested = requested


class DebitLimitExceeded(RuleViolation):
    """A charge does not fit: ``balance - requested`` would go below ``-debit_limit``.

    ``available`` is what the account may still spend, ``shortfall`` how much is missing.
    """

    def __init__(self, account_id: str, requested: Money, available: Money) -> None:
        shortfall = requested - available
        super().__init__(
            f"account {account_id!r} cannot be charged {requested}: "
            f"only {available} is available before the debit limit, {shortfall} is missing"
        )
        self.account_id = account_id
        self.requested = requested
        self.available = available
        self.shortfall = shortfall


class NumberRangeNotSet(RuleViolation):
    """Internal number blocks cannot be assigned before the range parameters are set."""

    def __init__(self) -> None:
        super().__init__(
            "the number range parameters (start, block size, optional end) are not set; "
            "set them before assigning internal number blocks"
        )


class NumberRangeExhausted(RuleViolation):
    """Every block of the number range is assigned; ``end`` is the range's last number."""

    def __init__(self, start: int, block_size: int, end: int | None) -> None:
        super().__init__(
            f"the number range {start}-{end} has no free block of {block_size} numbers left; "
            "release a block or move the range's end"
        )
        self.start = start
        self.block_size = block_size
        self.end = end


class ExtensionNotAllowed(RuleViolation):
    """The extension lies outside the account's number blocks, or in another account's.

    ``owner`` is the account whose block holds the number, if another one's does.
    """

    def __init__(self, account_id: str, extension: str, *, owner: str | None = None) -> None:
        if owner is None:
            where = f"is outside every number block of account {account_id!r}"
        else:
            where = f"lies in a number block of account {owner!r}, not of account {account_id!r}"
        super().__init__(f"extension {extension!r} {where}")
        self.account_id = account_id
        self.extension = extension
        self.owner = owner


_NAMES_SHOWN = 5
"""How many extension names a :class:`NumberBlockInUse` message lists."""


class NumberBlockInUse(RuleViolation):
    """A block cannot be released while extensions of its account lie inside it."""

    def __init__(self, account_id: str, first: int, last: int, extensions: list[str]) -> None:
        names = ", ".join(repr(name) for name in extensions[:_NAMES_SHOWN])
        if len(extensions) > _NAMES_SHOWN:
            names += f" and {len(extensions) - _NAMES_SHOWN} more"
        super().__init__(
            f"number block {first}-{last} of account {account_id!r} still holds the "
            f"extensions {names}; remove them before releasing the block"
        )
        self.account_id = account_id
        self.first = first
        self.last = last
        self.extensions = extensions


class InvalidCode(RuleViolation):
    """A verification code was wrong, expired, already used or never sent.

    ``reason`` says which; the code itself is never in the message.
    """

    def __init__(self, contact_id: str, target: str, reason: str) -> None:
        super().__init__(f"the {target} verification code of contact {contact_id!r} {reason}")
        self.contact_id = contact_id
        self.target = target
        self.reason = reason


class AuthenticationFailed(TelcoError, PermissionError):
    """The email and password do not match a contact with a password.

    The message names neither which part was wrong nor the password.
    """

    def __init__(self) -> None:
        super().__init__("wrong email or password")


class ConfigurationError(TelcoError, ValueError):
    """The library was set up wrongly, e.g. ``connect()`` got an unknown URL scheme."""


class StorageError(TelcoError, OSError):
    """The storage failed. The driver's own exception is chained as ``__cause__``."""


class SchemaVersionError(StorageError):
    """The database was written by a newer release than this one."""

    def __init__(self, found: int, supported: int) -> None:
        super().__init__(
            f"database schema version {found} is newer than this release supports "
            f"({supported}); upgrade telcocore"
        )
        self.found = found
        self.supported = supported
