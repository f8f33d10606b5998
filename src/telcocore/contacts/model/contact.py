"""Contacts of an account: name, login email, mobile, notes, and what is verified.

These are the pure rules; :mod:`telcocore.contacts.services` stores and changes contacts.

- The login email is unique system-wide, compared case-insensitively (:func:`email_key`).
- The mobile is kept in E.164, read with the account's home country (:func:`parse_mobile`).
- Notes must not hold credentials (:mod:`telcocore.contacts.model.notes`).
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import ClassVar, Final

import attrs

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import shown, validate_id, validate_text
from telcocore.numbering.model.e164 import to_e164

__all__ = [
    "Contact",
    "PendingCode",
    "Target",
    "contact_id_to_find",
    "email_key",
    "parse_mobile",
    "validate_contact_id",
    "validate_email",
]

_EMAIL: Final = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)


class Target(enum.StrEnum):
    """What a verification code verifies."""

    EMAIL = "email"
    MOBILE = "mobile"


def validate_contact_id(value: object) -> str:
    """A new contact's id: 1-64 letters, digits, ``_ . : -``, starting with a letter or digit."""
    return validate_id(value, field="contact_id", label="contact id")


MAX_STORED_ID_LENGTH: Final = 1000
"""The longest contact id a lookup takes: earlier releases kept ids of any text."""


def contact_id_to_find(value: object) -> str:
    """A contact id to look up: the id rule of new contacts, or any id an earlier release kept.

    Earlier releases took any text as a contact id (``"ann@example.com"``), so a lookup takes
    any non-blank text every storage keeps, up to :data:`MAX_STORED_ID_LENGTH` characters;
    an ``int``, NUL or a lone surrogate is a ValidationError, alike on every storage.
    """
    return validate_text(
        value,
        field="contact_id",
        label="contact id",
        max_length=MAX_STORED_ID_LENGTH,
        required=True,
    )


def validate_email(value: object) -> str:
    """A login email (``name@example.com``), stripped of surrounding spaces.

    Its case is kept for display; uniqueness compares :func:`email_key`.
    """
    email = value.strip() if isinstance(value, str) else value
    if not isinstance(email, str) or len(email) > 254 or not _EMAIL.fullmatch(email):  # noqa: PLR2004
        msg = f"email {shown(value)} is not an address such as 'name@example.com'"
        raise ValidationError(msg, field="email", value=value)
    return email


def email_key(email: str) -> str:
    """The form emails are compared in: lower-cased (``Ann@X.com`` is ``ann@x.com``)."""
    return email.lower()


def parse_mobile(value: object, home_country: str | None) -> str:
    """A mobile number in E.164, by the rule of :func:`~telcocore.numbering.model.e164.to_e164`.

    ``"4155550123"`` with home country ``US`` is ``+14155550123``; without a home country
    only a number written with ``+`` and its country code is accepted.
    """
    return to_e164(value, home_country, field="mobile")


def _check_name(_instance: object, _attribute: object, value: str) -> None:
    validate_text(value, field="name", label="contact name", max_length=200, required=True)


def _utc(value: object) -> datetime:
    return require_utc(value, field="created_at")


@attrs.frozen
class PendingCode:
    """A verification code sent and not yet used: only its hash is kept."""

    address: str
    """The email or mobile the code was sent to."""
    code_hash: str = attrs.field(repr=False)
    expires_at: datetime
    attempts: int = 0
    """Wrong codes tried so far."""


@attrs.define
class Contact:
    """A person of an account who can log in (with the email) and be reached.

    ``password_hash`` is ``None`` until a password is set; it never shows in a repr.
    ``version`` counts stored changes, as an account's does.
    """

    ENTITY: ClassVar[str] = "contact"
    """Its name in the audit log and in storage errors (its key: the contact's id)."""

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the contact's id."""
        return self.id

    # Ids are checked where callers give them (the service), not here: a contact stored by
    # an earlier release under an id outside today's rules must still read back.
    id: str
    account_id: str
    name: str = attrs.field(validator=_check_name)
    email: str = attrs.field(converter=validate_email)
    created_at: datetime = attrs.field(converter=_utc)
    mobile: str | None = None
    public_notes: str = ""
    """Shown to the customer."""
    private_notes: str = ""
    """Shown to operators only."""
    email_verified: bool = False
    mobile_verified: bool = False
    password_hash: str | None = attrs.field(default=None, repr=False)
    password_changed_at: datetime | None = None
    """When the password was last set, generated or changed."""
    email_code: PendingCode | None = attrs.field(default=None, repr=False)
    mobile_code: PendingCode | None = attrs.field(default=None, repr=False)
    version: int = 0

    @property
    def email_key(self) -> str:
        """The email as uniqueness compares it."""
        return email_key(self.email)

    @property
    def has_password(self) -> bool:
        """Whether a password was set."""
        return self.password_hash is not None

    def address_of(self, target: Target) -> str | None:
        """The email or the mobile."""
        return self.email if target is Target.EMAIL else self.mobile

    def is_current_address(self, target: Target, address: str) -> bool:
        """Whether ``address`` is the contact's email (in any case) or mobile now."""
        current = self.address_of(target)
        if current is None or target is not Target.EMAIL:
            return address == current
        return email_key(address) == email_key(current)

    def pending(self, target: Target) -> PendingCode | None:
        """The code sent for ``target`` and not yet used, if any."""
        return self.email_code if target is Target.EMAIL else self.mobile_code

    def set_pending(self, target: Target, code: PendingCode | None) -> None:
        """Keep ``code`` as the one to check for ``target`` (``None`` forgets it)."""
        if target is Target.EMAIL:
            self.email_code = code
        else:
            self.mobile_code = code

    def mark_verified(self, target: Target) -> None:
        """Record that ``target`` was verified; its code is used up."""
        if target is Target.EMAIL:
            self.email_verified = True
        else:
            self.mobile_verified = True
        self.set_pending(target, None)

    def change_email(self, email: str) -> None:
        """Set a new email; a different address is no longer verified."""
        email = validate_email(email)
        if email_key(email) != self.email_key:
            self.email_verified = False
            self.email_code = None
        self.email = email

    def change_mobile(self, mobile: str | None) -> None:
        """Set a new (E.164) mobile or none; a different number is no longer verified."""
        if mobile != self.mobile:
            self.mobile_verified = False
            self.mobile_code = None
        self.mobile = mobile
