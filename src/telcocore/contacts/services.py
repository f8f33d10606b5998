"""Contact use cases: details, passwords, logins, verified addresses."""

from __future__ import annotations

import builtins
import secrets
from datetime import timedelta
from typing import Final

import attrs

from telcocore.accounts.model import Account, validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.accounts.services import UNSET, Unset
from telcocore.audit.model.entry import AuditAction
from telcocore.audit.services import AuditLog
from telcocore.contacts.errors import AuthenticationFailed, InvalidCode, WeakPassword
from telcocore.contacts.model.contact import (
    Contact,
    PendingCode,
    Target,
    contact_id_to_find,
    parse_mobile,
    validate_contact_id,
    validate_email,
)
from telcocore.contacts.model.credentials import (
    GENERATED_LENGTH,
    MAX_PASSWORD_LENGTH,
    PREVIOUS_DEFAULT_HASH,
    PasswordPolicy,
    ScryptHasher,
    generate_password,
    looks_generated,
)
from telcocore.contacts.model.notes import check_notes, holds_password, password_candidates
from telcocore.contacts.ports import ContactRepository, PasswordHasher
from telcocore.kernel.errors import ConcurrencyError, ValidationError
from telcocore.kernel.validation import coerce_enum, shown, validate_flag, validate_version
from telcocore.notifications.model.message import CONTACT_DATA, Channel, Message, MessageKind
from telcocore.notifications.ports import OutboxRepository
from telcocore.notifications.services import OutboxService
from telcocore.platform.context import ServiceContext
from telcocore.platform.ports import UnitOfWork

__all__ = [
    "CODE_DIGITS",
    "CODE_TTL",
    "CONTACT_ENTITY",
    "EMAIL_CHANGED",
    "MAX_CODE_ATTEMPTS",
    "MAX_NOTE_CHECKS",
    "MOBILE_CHANGED",
    "RESENT_REASON",
    "ContactService",
]


CONTACT_ENTITY: Final = Contact.ENTITY
"""The entity type of contacts in the audit log (:attr:`Contact.ENTITY`)."""
CODE_TTL: Final = timedelta(minutes=15)
"""How long a verification code works, unless the service is given another."""
CODE_DIGITS: Final = 6
"""The digits of a verification code."""


EMAIL_CHANGED: Final = "withdrawn: the contact's login email changed"
"""Why a message queued for a contact's former login email was withdrawn.

A generated password or a verification code: either is for an address that is no longer
the contact's.
"""
MOBILE_CHANGED: Final = "withdrawn: the contact's mobile changed"
"""Why a verification code queued for a contact's former mobile was withdrawn."""
RESENT_REASON: Final = "password generated again: the login email changed before delivery"
"""The reason of the audit entry for the password that replaces a withdrawn one."""

MAX_CODE_ATTEMPTS: Final = 5
"""Wrong tries after which a verification code stops working."""
MAX_NOTE_CHECKS: Final = 16
"""The most words one change of a contact's notes may add that could be its password.

Each is checked against the password's slow hash, so this bounds the work of one change.
"""


class ContactService:
    """Contacts of accounts: their details, passwords, logins and verified addresses.

    A password is never returned, logged, put in an error or in an audit entry. A
    generated one travels only in the outbox message to the contact's login email, and the
    outbox erases it once that message is delivered.
    """

    def __init__(  # noqa: PLR0913 - the ports, then options keyword-only
        self,
        context: ServiceContext,
        audit: AuditLog,
        outbox: OutboxService,
        *,
        hasher: PasswordHasher | None = None,
        policy: PasswordPolicy | None = None,
        code_ttl: timedelta = CODE_TTL,
    ) -> None:
        self._ctx = context
        self._audit = audit
        self._outbox = outbox
        self._hasher: PasswordHasher = ScryptHasher() if hasher is None else hasher
        self.policy = PasswordPolicy() if policy is None else policy
        """The rules hand-set passwords must meet."""
        self._code_ttl = code_ttl

    # -- reading ---------------------------------------------------------------------------

    def get(self, contact_id: str) -> Contact:
        """The contact, or :class:`~telcocore.ContactNotFound`."""
        with self._ctx.uow(read_only=True) as uow:
            return self._current(uow, contact_id)

    def by_email(self, email: str) -> Contact | None:
        """The contact whose login email is ``email`` in any case, if any.

        Text that is no email address finds nothing; anything but a ``str`` is a
        :class:`~telcocore.ValidationError`.
        """
        address = _address_or_none(email)
        if address is None:
            return None
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(ContactRepository).by_email(address)

    def list(self, account_id: str) -> builtins.list[Contact]:
        """The account's contacts, by lower-cased email."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            uow.get(AccountRepository).get(account_id)
            return uow.get(ContactRepository).list(account_id)

    def addresses(self, account_id: str, channel: Channel) -> builtins.list[str]:
        """Where a message to the whole account goes: its contacts' emails, or mobiles for SMS.

        This is the directory :class:`~telcocore.adapters.smtp.SmtpNotifier` asks.
        """
        account_id = validate_account_id(account_id)
        channel = coerce_enum(Channel, channel, field="channel")
        with self._ctx.uow(read_only=True) as uow:
            contacts = uow.get(ContactRepository).list(account_id)
        if channel is Channel.EMAIL:
            return [c.email for c in contacts]
        return [c.mobile for c in contacts if c.mobile is not None]

    def locale_of(self, account_id: str) -> str:
        """The locale messages to the account are written in (the account's own)."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(AccountRepository).get(account_id).locale

    # -- adding, changing, removing ----------------------------------------------------------

    def add(  # noqa: PLR0913 - a contact's details, keyword-only
        self,
        account_id: str,
        name: str,
        email: str,
        *,
        mobile: str | None = None,
        public_notes: str = "",
        private_notes: str = "",
        password: str | None = None,
        generate_password: bool = False,
        contact_id: str | None = None,
        reason: str | None = None,
    ) -> Contact:
        """Add a contact to an account; its email must be unused, in any case.

        ``mobile`` is read by :func:`~telcocore.contacts.model.contact.parse_mobile`: in national
        form only with the account's home country, and refused unless valid. Give a hand-set
        ``password`` (checked by :attr:`policy`), or ``generate_password=True`` to email a
        generated one, or neither to set one later.
        """
        account_id = validate_account_id(account_id)
        contact_id = None if contact_id is None else validate_contact_id(contact_id)
        generate_password = validate_flag(generate_password, field="generate_password")
        if password is not None and generate_password:
            msg = "give a password or generate_password=True, not both"
            raise ValidationError(msg, field="password")
        with self._ctx.uow() as uow:
            account = uow.get(AccountRepository).get(account_id)
            contact = Contact(
                id=self._ctx.ids() if contact_id is None else contact_id,
                account_id=account.id,
                name=name,
                email=email,
                created_at=self._ctx.clock.now(),
                mobile=None if mobile is None else parse_mobile(mobile, account.home_country),
                public_notes=check_notes("public_notes", public_notes),
                private_notes=check_notes("private_notes", private_notes),
            )
            if password is not None:
                self._set_hand_password(contact, password)
            if generate_password:
                self._set_generated_password(uow, account, contact)
            uow.get(ContactRepository).add(contact)
            self._audit.record_change(uow, AuditAction.CREATE, None, contact, reason=reason)
            uow.commit()
        if generate_password:
            self._outbox.wake()
        return contact

    def update(  # noqa: PLR0913 - one optional keyword per detail
        self,
        contact_id: str,
        *,
        expected_version: int | None = None,
        name: str | Unset = UNSET,
        email: str | Unset = UNSET,
        mobile: str | Unset | None = UNSET,
        public_notes: str | Unset = UNSET,
        private_notes: str | Unset = UNSET,
        reason: str | None = None,
    ) -> Contact:
        """Change the given details; the others stay.

        A new email or mobile is no longer verified. Notes are refused when they hold the
        contact's password or text shaped like a credential. With ``expected_version``, a
        change made by somebody else since is :class:`~telcocore.ConcurrencyError`.

        The contact's messages still waiting in the outbox for an address it no longer has
        are withdrawn, never to be sent, in the same transaction (another contact's messages
        to a shared mobile stay): verification codes for the
        former email (other than its case) or mobile, whose codes no longer work, and
        generated passwords for the former email. A withdrawn password is replaced: a new
        one is mailed to the new email, as :meth:`reset_password` does.
        """
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id, expected_version)
            before = attrs.evolve(contact)
            if name is not UNSET:
                contact.name = name
            if email is not UNSET:
                contact.change_email(email)
            if mobile is not UNSET:
                home = uow.get(AccountRepository).get(contact.account_id).home_country
                contact.change_mobile(None if mobile is None else parse_mobile(mobile, home))
            for field, text in (("public_notes", public_notes), ("private_notes", private_notes)):
                if not isinstance(text, Unset):
                    setattr(contact, field, self._checked_notes(before, field, text))
            if contact == before:
                return contact
            self._store(uow, AuditAction.UPDATE, before, contact, reason)
            resent = self._withdraw_from_former(uow, before, contact)
            uow.commit()
        if resent:
            self._outbox.wake()
        return contact

    def remove(self, contact_id: str, *, reason: str | None = None) -> None:
        """Remove a contact; its email becomes free."""
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            uow.get(ContactRepository).remove(contact.id)
            self._audit.record_change(uow, AuditAction.DELETE, contact, None, reason=reason)
            uow.commit()

    # -- passwords --------------------------------------------------------------------------

    def set_password(self, contact_id: str, password: str, *, reason: str | None = None) -> None:
        """Set (or reset) a contact's password by hand, under :attr:`policy`."""
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            before = attrs.evolve(contact)
            self._set_hand_password(contact, password)
            self._store(uow, AuditAction.UPDATE, before, contact, reason)
            uow.commit()

    def reset_password(self, contact_id: str, *, reason: str | None = None) -> None:
        """Generate a new password and email it to the contact's login email.

        The password is not returned: it is only in the message, written to the outbox with
        this change, sent by the next delivery run and erased from the outbox once delivered.
        """
        with self._ctx.uow() as uow:
            self._regenerate(uow, self._current(uow, contact_id), reason)
            uow.commit()
        self._outbox.wake()

    def change_password(self, contact_id: str, old_password: str, new_password: str) -> None:
        """The contact's own change: the old password must match, the new one meet the policy.

        A wrong old password is :class:`~telcocore.AuthenticationFailed`.
        """
        _require_password_type(old_password)
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            if self._matching_hash(old_password, contact.password_hash) is None:
                raise AuthenticationFailed
            before = attrs.evolve(contact)
            self._set_hand_password(contact, new_password)
            self._store(uow, AuditAction.UPDATE, before, contact, "password changed by its user")
            uow.commit()

    def authenticate(self, email: str, password: str) -> Contact:
        """The contact whose login this is, recorded in the audit log as a LOGIN.

        A wrong email or password is :class:`~telcocore.AuthenticationFailed`, which
        does not say which was wrong. Every login costs one hash with the current
        parameters and one check at the previous default's
        (:data:`~telcocore.contacts.model.credentials.PREVIOUS_DEFAULT_HASH`), whether the email is
        unknown, has no password, or has a hash of the previous default (replaced on the
        way), so the time taken tells nothing either. An email or password that is not a
        ``str`` is a :class:`~telcocore.ValidationError`, whoever the email belongs
        to.
        """
        address = _address_or_none(email)
        _require_password_type(password)
        if len(password) > MAX_PASSWORD_LENGTH:  # no password this long was ever accepted
            raise AuthenticationFailed
        with self._ctx.uow() as uow:
            contact = None if address is None else uow.get(ContactRepository).by_email(address)
            kept = self._matching_hash(password, None if contact is None else contact.password_hash)
            if contact is None or kept is None:
                raise AuthenticationFailed
            before = attrs.evolve(contact)
            if kept != contact.password_hash:
                contact.password_hash = kept
                uow.get(ContactRepository).update(contact)
            self._audit.record_change(uow, AuditAction.LOGIN, before, contact)
            uow.commit()
        return contact

    # -- verification -----------------------------------------------------------------------

    def send_code(self, contact_id: str, target: Target | str) -> None:
        """Send a new single-use code to the contact's email (by email) or mobile (by SMS).

        The code expires after the service's ``code_ttl``; only its hash is stored, and an
        earlier code for the same target stops working. If the address changes before the
        message is delivered, :meth:`update` withdraws it.
        """
        target = coerce_enum(Target, target, field="target")
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            address = contact.address_of(target)
            if address is None:
                msg = f"contact {contact_id!r} has no {target.value} to verify"
                raise ValidationError(msg, field=target.value)
            account = uow.get(AccountRepository).get(contact.account_id)
            before = attrs.evolve(contact)
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            now = self._ctx.clock.now()
            expires_at = now + self._code_ttl
            contact.set_pending(
                target, PendingCode(address, self._hasher.hash(code), expires_at=expires_at)
            )
            uow.get(ContactRepository).update(contact)
            uow.get(OutboxRepository).add(
                Message(
                    id=self._ctx.ids(),
                    kind=MessageKind.VERIFICATION,
                    account_id=account.id,
                    created_at=now,
                    channel=Channel.EMAIL if target is Target.EMAIL else Channel.SMS,
                    to=address,
                    data={
                        "code": code,
                        CONTACT_DATA: contact.id,
                        "target": target.value,
                        "name": contact.name,
                        "expires_at": expires_at.isoformat(),
                        "locale": account.locale,
                    },
                )
            )
            self._audit.record_change(
                uow, AuditAction.GENERATE, before, contact, reason=f"{target.value} code sent"
            )
            uow.commit()
        self._outbox.wake()

    def verify(self, contact_id: str, target: Target | str, code: str) -> Contact:
        """Mark the email or mobile verified if ``code`` is its current, unexpired code.

        A code works once. A wrong, expired, used or superseded code is
        :class:`~telcocore.InvalidCode`; after :data:`MAX_CODE_ATTEMPTS` wrong tries
        the code stops working and a new one must be sent.
        """
        target = coerce_enum(Target, target, field="target")
        if not isinstance(code, str):
            msg = f"a verification code must be a string, got {type(code).__name__}"
            raise ValidationError(msg, field="code")
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            pending = contact.pending(target)
            if pending is None or not contact.is_current_address(target, pending.address):
                raise InvalidCode(contact_id, target.value, "was never sent or was already used")
            if self._ctx.clock.now() >= pending.expires_at:
                raise InvalidCode(contact_id, target.value, "has expired; send a new one")
            before = attrs.evolve(contact)
            if not self._hasher.verify(code.strip(), pending.code_hash):
                attempts = pending.attempts + 1
                contact.set_pending(
                    target,
                    None
                    if attempts >= MAX_CODE_ATTEMPTS
                    else attrs.evolve(pending, attempts=attempts),
                )
                self._store(uow, AuditAction.UPDATE, before, contact, "wrong verification code")
                uow.commit()
                raise InvalidCode(contact_id, target.value, "is wrong")
            contact.mark_verified(target)
            self._store(uow, AuditAction.UPDATE, before, contact, f"{target.value} verified")
            uow.commit()
        return contact

    # -- helpers ----------------------------------------------------------------------------

    def _current(
        self, uow: UnitOfWork, contact_id: str, expected_version: int | None = None
    ) -> Contact:
        """The stored contact; the id and version are checked before anything is read."""
        contact_id = contact_id_to_find(contact_id)
        expected_version = validate_version(expected_version)
        contact = uow.get(ContactRepository).get(contact_id)
        if expected_version is not None and expected_version != contact.version:
            raise ConcurrencyError(Contact.ENTITY, contact_id, expected_version)
        return contact

    def _store(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        before: Contact,
        contact: Contact,
        reason: str | None,
    ) -> None:
        """Store the changed contact and record the change from ``before``, in ``uow``."""
        uow.get(ContactRepository).update(contact)
        self._audit.record_change(uow, action, before, contact, reason=reason)

    def _matching_hash(self, password: str, stored: str | None) -> str | None:
        """The hash to keep if ``password`` matches ``stored``, else ``None``.

        Whatever the outcome, this costs one hash with the current parameters and one check
        at the previous default's: a hash with weaker parameters is checked after the
        current-parameter hash that replaces it on a match; a current hash is checked, and a
        missing one stood in for by hashing anyway, each beside a check of
        :data:`~telcocore.contacts.model.credentials.PREVIOUS_DEFAULT_HASH`. So while contacts
        still have hashes of the previous default, the time does not tell which case it was.
        """
        if stored is not None and self._hasher.needs_rehash(stored):
            renewed = self._hasher.hash(password)
            return renewed if self._hasher.verify(password, stored) else None
        self._hasher.verify(password, PREVIOUS_DEFAULT_HASH)
        if stored is None:
            self._hasher.hash(password)
            return None
        return stored if self._hasher.verify(password, stored) else None

    def _checked_notes(self, before: Contact, field: str, text: str) -> str:
        """``text`` for ``field``, refused if it holds a credential or the password.

        The password is known only as its slow hash, so each word the change adds that
        could be the password is checked against it: at most :data:`MAX_NOTE_CHECKS`.
        A word could be the password if :attr:`policy` takes it (whatever the email, which
        may have changed since) or it has the form of a generated password. Words the notes
        held before were checked when they came, or when the password was set
        (:meth:`_set_hand_password`, which knows the plaintext).
        """
        text = check_notes(field, text)
        stored = before.password_hash
        if stored is None:
            return text
        new = self._plausible_passwords(text) - self._plausible_passwords(
            f"{before.public_notes}\n{before.private_notes}"
        )
        if len(new) > MAX_NOTE_CHECKS:
            msg = (
                f"{field} adds {len(new)} words that could be the contact's password; at most "
                f"{MAX_NOTE_CHECKS} can be checked against it in one change: add the text in "
                "smaller changes"
            )
            raise ValidationError(msg, field=field)
        if any(self._hasher.verify(word, stored) for word in new):
            msg = f"{field} must not hold the contact's password"
            raise ValidationError(msg, field=field)
        return text

    def _plausible_passwords(self, notes: str) -> set[str]:
        """The parts of ``notes`` a contact's password could be: hand-set or generated."""
        found = password_candidates(
            notes,
            min_length=min(self.policy.min_length, GENERATED_LENGTH),
            max_length=max(self.policy.max_length, GENERATED_LENGTH),
        )
        return {word for word in found if self.policy.allows(word) or looks_generated(word)}

    def _set_hand_password(self, contact: Contact, password: str) -> None:
        self.policy.check(password, email=contact.email)
        for field in ("public_notes", "private_notes"):
            if holds_password(getattr(contact, field), password):
                msg = f"the password must not appear in the contact's {field}"
                raise WeakPassword(msg, rule="notes")
        contact.password_hash = self._hasher.hash(password)
        contact.password_changed_at = self._ctx.clock.now()

    def _withdraw_from_former(self, uow: UnitOfWork, before: Contact, contact: Contact) -> bool:
        """Withdraw what waits for ``contact`` at an address it had ``before`` and has no longer.

        The verification codes for the former email or mobile (their codes were cleared
        with the address), and the generated passwords for the former email, which a new
        password replaces: it makes the withdrawn ones useless, even one a worker is sending
        now. Only messages about this contact go (another contact may share the mobile),
        read in one pass. ``True`` if a new password was queued.
        """
        former: dict[str, str] = {}
        if before.mobile is not None and contact.mobile != before.mobile:
            former[before.mobile] = MOBILE_CHANGED
        if contact.email_key != before.email_key:
            former[before.email] = EMAIL_CHANGED
        if not former:
            return False
        withdrawn = uow.get(OutboxRepository).withdraw(
            (MessageKind.VERIFICATION, MessageKind.PASSWORD),
            former,
            contact_id=contact.id,
            at=self._ctx.clock.now(),
        )
        if not withdrawn[MessageKind.PASSWORD]:
            return False
        self._regenerate(uow, contact, RESENT_REASON)
        return True

    def _regenerate(self, uow: UnitOfWork, contact: Contact, reason: str | None) -> None:
        """Give ``contact`` a generated password mailed to its login email, stored and audited.

        In ``uow``, not committed: the message goes with the unit's commit.
        """
        before = attrs.evolve(contact)
        self._set_generated_password(
            uow, uow.get(AccountRepository).get(contact.account_id), contact
        )
        self._store(uow, AuditAction.GENERATE, before, contact, reason)

    def _set_generated_password(self, uow: UnitOfWork, account: Account, contact: Contact) -> None:
        password = generate_password()
        contact.password_hash = self._hasher.hash(password)
        contact.password_changed_at = self._ctx.clock.now()
        uow.get(OutboxRepository).add(
            Message(
                id=self._ctx.ids(),
                kind=MessageKind.PASSWORD,
                account_id=account.id,
                created_at=self._ctx.clock.now(),
                channel=Channel.EMAIL,
                to=contact.email,
                data={
                    "password": password,
                    CONTACT_DATA: contact.id,
                    "name": contact.name,
                    "email": contact.email,
                    "locale": account.locale,
                },
            )
        )


def _address_or_none(email: object) -> str | None:
    """``email`` as a login email, or ``None`` for text that is none (no contact has it)."""
    if not isinstance(email, str):
        msg = f"email {shown(email)} must be a string"
        raise ValidationError(msg, field="email", value=email)
    try:
        return validate_email(email)
    except ValidationError:
        return None


def _require_password_type(password: object) -> None:
    """A password given to be checked must be a ``str``; the error never shows it."""
    if not isinstance(password, str):
        msg = f"a password must be a string, got {type(password).__name__}"
        raise ValidationError(msg, field="password")
