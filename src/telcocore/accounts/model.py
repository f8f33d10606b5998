"""The customer account: status, currency, debit limit, channel limit and settings.

These are the pure rules; :mod:`telcocore.accounts.services` stores and changes accounts.

The debit limit says how far below zero the balance may go, in the account's currency:

- ``0``: prepaid, the balance may not go below zero;
- ``X > 0``: postpaid, the balance may fall to ``-X``;
- ``-X < 0``: prepaid with a buffer, new usage stops while ``X`` is still left.

New usage of ``cost`` is allowed only while ``balance - cost >= -debit_limit``.
"""

from __future__ import annotations

import enum
import functools
import re
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Final

import attrs
import phonenumbers

from telcocore.accounts.errors import AccountNotActive, InvalidStatusTransition
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.money import Money, to_decimal, validate_currency
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import (
    coerce_enum,
    shown,
    validate_id,
    validate_locale,
    validate_text,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "Account",
    "AccountStatus",
    "validate_account_id",
    "validate_country",
    "validate_locale",
    "validate_realm",
]


class AccountStatus(enum.StrEnum):
    """Where an account stands. Only ``active`` may start calls or buy anything."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    PENALTY = "penalty"
    """Blocked from all services, e.g. for fraud or unpaid invoices."""
    PENDING_APPROVAL = "pending_approval"


ALLOWED_TRANSITIONS: Final[dict[AccountStatus, frozenset[AccountStatus]]] = {
    AccountStatus.PENDING_APPROVAL: frozenset({AccountStatus.ACTIVE, AccountStatus.INACTIVE}),
    AccountStatus.ACTIVE: frozenset({AccountStatus.INACTIVE, AccountStatus.PENALTY}),
    AccountStatus.INACTIVE: frozenset({AccountStatus.ACTIVE, AccountStatus.PENALTY}),
    AccountStatus.PENALTY: frozenset({AccountStatus.ACTIVE, AccountStatus.INACTIVE}),
}
"""The status moves an account may make; nothing returns to ``pending_approval``."""


def validate_account_id(value: object) -> str:
    """An account id: 1-64 letters, digits, ``_ . : -``, starting with a letter or digit."""
    return validate_id(value, field="account_id", label="account id")


@functools.cache
def _known_country(code: str) -> bool:
    return code in phonenumbers.SUPPORTED_REGIONS


def validate_country(value: object) -> str:
    """An ISO 3166-1 alpha-2 region that phonenumbers knows, e.g. ``"US"``, ``"DE"``."""
    code = value.upper() if isinstance(value, str) else value
    if not isinstance(code, str) or not _known_country(code):
        msg = f"home country {shown(value)} is not an ISO 3166-1 alpha-2 code such as 'US'"
        raise ValidationError(msg, field="home_country", value=value)
    return code


_HOST_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def validate_realm(value: object) -> str | None:
    """A SIP domain: 4-253 characters of hostname syntax, lower-cased; or ``None``.

    Dot-separated labels of letters, digits and inner hyphens, each 1-63 characters,
    e.g. ``"sip.acme.example"``.
    """
    if value is None:
        return None
    realm = value.strip().lower().removesuffix(".") if isinstance(value, str) else None
    if (
        realm is None
        or not 4 <= len(realm) <= 253  # noqa: PLR2004 - the realm's length limits
        or not all(_HOST_LABEL.fullmatch(label) for label in realm.split("."))
    ):
        msg = (
            f"realm {shown(value)} must be a host name of 4-253 characters "
            "(labels of letters, digits and inner hyphens, such as 'sip.acme.example')"
        )
        raise ValidationError(msg, field="realm", value=value)
    return realm


def _check_name(_instance: object, _attribute: object, value: str) -> None:
    validate_text(value, field="name", label="account name", max_length=200, required=True)


def _check_channel_limit(_instance: object, _attribute: object, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        msg = f"channel limit {shown(value)} must be a whole number >= 0, or None for no limit"
        raise ValidationError(msg, field="channel_limit", value=value)


def _check_tax_rate(_instance: object, _attribute: object, value: Decimal) -> None:
    if not 0 <= value <= 1:
        msg = f"tax rate {value} must be a fraction between 0 and 1 (0.2 for 20 %)"
        raise ValidationError(msg, field="tax_rate", value=value)


def _tax_rate(value: object) -> Decimal:
    return to_decimal(value, field="tax_rate")


def _status(value: object) -> AccountStatus:
    return coerce_enum(AccountStatus, value, field="status")


def _in_account_currency(
    instance: Account, attribute: attrs.Attribute[Any], value: Money | None
) -> None:
    if value is None and attribute.name == "low_balance_threshold":
        return
    if not isinstance(value, Money) or value.currency != instance.currency:
        msg = (
            f"{attribute.name} {shown(value)} must be Money "
            f"in the account's currency {instance.currency}"
        )
        raise ValidationError(msg, field=attribute.name, value=value)


def _created_at(value: object) -> datetime:
    return require_utc(value, field="created_at")


@attrs.define
class Account:
    """A customer account. Its currency is fixed when it is opened.

    ``version`` counts stored changes; a write based on an older version is refused
    with :class:`~telcocore.ConcurrencyError`.
    """

    ENTITY: ClassVar[str] = "account"
    """Its name in the audit log and in storage errors (its key: the account's id)."""

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the account's id."""
        return self.id

    id: str = attrs.field(converter=validate_account_id)
    name: str = attrs.field(validator=_check_name)
    currency: str = attrs.field(converter=validate_currency)
    created_at: datetime = attrs.field(converter=_created_at)
    status: AccountStatus = attrs.field(default=AccountStatus.ACTIVE, converter=_status)
    debit_limit: Money = attrs.field(
        default=attrs.Factory(lambda self: Money.zero(self.currency), takes_self=True),
        validator=_in_account_currency,
    )
    """How far below zero the balance may go; zero (prepaid) unless given."""
    channel_limit: int | None = attrs.field(default=None, validator=_check_channel_limit)
    """Concurrent calls allowed; ``None`` means no limit."""
    home_country: str | None = attrs.field(
        default=None, converter=attrs.converters.optional(validate_country)
    )
    """Where numbers written in national form are read; ``None``: only ``+`` numbers."""
    locale: str = attrs.field(default="en_US", converter=validate_locale)
    realm: str | None = attrs.field(default=None, converter=validate_realm)
    """The SIP domain of the account, if it has one of its own (unique, lower-cased)."""
    tax_rate: Decimal = attrs.field(
        default=Decimal(0), converter=_tax_rate, validator=_check_tax_rate
    )
    low_balance_threshold: Money | None = attrs.field(default=None, validator=_in_account_currency)
    """An alert is sent when a posting takes the balance below this, once per crossing."""
    version: int = 0

    def __copy__(self) -> Account:
        # Every field holds an immutable value that was converted and validated when it
        # was set, so a field-by-field copy is an equal, independent account.
        new = object.__new__(type(self))
        for name in _FIELD_NAMES:
            object.__setattr__(new, name, getattr(self, name))
        return new

    @property
    def floor(self) -> Money:
        """The lowest balance new usage may leave: ``-debit_limit``."""
        return -self.debit_limit

    def available(self, balance: Money) -> Money:
        """What new usage may still spend: ``balance + debit_limit``."""
        return balance + self.debit_limit

    def fits(self, balance: Money, cost: Money) -> bool:
        """Whether new usage of ``cost`` is allowed: ``balance - cost >= -debit_limit``."""
        return balance - cost >= self.floor

    def require_active(self, action: str) -> None:
        """Raise AccountNotActive unless the account is active."""
        if self.status is not AccountStatus.ACTIVE:
            raise AccountNotActive(self.id, self.status.value, action=action)

    def change_status(self, new: AccountStatus) -> None:
        """Move to ``new`` if the transition is allowed (same status is a no-op)."""
        new = _status(new)
        if new is self.status:
            return
        if new not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidStatusTransition(self.id, self.status.value, new.value)
        self.status = new


_FIELD_NAMES: Final = tuple(field.name for field in attrs.fields(Account))
"""The attributes :meth:`Account.__copy__` copies."""
