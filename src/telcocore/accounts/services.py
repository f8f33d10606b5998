"""Account use cases: accounts and their contacts.

:class:`AccountService` opens accounts and changes their settings and status;
:class:`ContactService` keeps their contacts: details, passwords, logins, verified addresses.
"""

from __future__ import annotations

import builtins
import enum
import secrets
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Final

import attrs

from telcocore.accounts.account import Account, AccountStatus, validate_account_id
from telcocore.accounts.contacts import (
    Contact,
    PendingCode,
    Target,
    contact_id_to_find,
    parse_mobile,
    validate_contact_id,
    validate_email,
)
from telcocore.accounts.credentials import (
    GENERATED_LENGTH,
    MAX_PASSWORD_LENGTH,
    PREVIOUS_DEFAULT_HASH,
    PasswordPolicy,
    ScryptHasher,
    generate_password,
    looks_generated,
)
from telcocore.accounts.notes import check_notes, holds_password, password_candidates
from telcocore.audit.entry import AuditAction
from telcocore.audit.services import AuditLog
from telcocore.context import ServiceContext
from telcocore.errors import (
    AuthenticationFailed,
    ConcurrencyError,
    CurrencyMismatch,
    InvalidCode,
    ValidationError,
    WeakPassword,
)
from telcocore.money import Money, ledger_amount, to_decimal, validate_currency
from telcocore.notifications.message import Channel, Message, MessageKind
from telcocore.notifications.services import OutboxService
from telcocore.ports import PasswordHasher, UnitOfWork
from telcocore.validation import coerce_enum, shown, validate_flag, validate_version

__all__ = [
    "CODE_DIGITS",
    "CODE_TTL",
    "CONTACT_ENTITY",
    "ENTITY_TYPE",
    "MAX_CODE_ATTEMPTS",
    "MAX_NOTE_CHECKS",
    "UNSET",
    "AccountService",
    "AmountLike",
    "ContactService",
    "Unset",
    "as_money",
]

AmountLike = Money | Decimal | int | str
"""An amount: ``Money``, or a number taken in the account's currency (never a float)."""


class Unset(enum.Enum):
    """The type of :data:`UNSET`: "leave this setting as it is"."""

    UNSET = enum.auto()


UNSET = Unset.UNSET
"""The default of every :meth:`AccountService.update` setting: leave it unchanged."""
ENTITY_TYPE = "account"
"""The entity type of accounts in the audit log."""
CONTACT_ENTITY = "contact"
"""The entity type of contacts in the audit log."""
CODE_TTL: Final = timedelta(minutes=15)
"""How long a verification code works, unless the service is given another."""
CODE_DIGITS: Final = 6
"""The digits of a verification code."""
MAX_CODE_ATTEMPTS: Final = 5
"""Wrong tries after which a verification code stops working."""
MAX_NOTE_CHECKS: Final = 16
"""The most words one change of a contact's notes may add that could be its password.

Each is checked against the password's slow hash, so this bounds the work of one change.
"""


def as_money(value: object, currency: str, *, field: str) -> Money:
    """``value`` as Money of ``currency``, within the ledger's bounds.

    Money must already be in that currency; a number is taken in it; a float is refused.
    Amounts, debit limits and alert thresholds all meet balances, so all obey
    :func:`~telcocore.money.ledger_amount`.
    """
    if isinstance(value, Money):
        if value.currency != currency:
            msg = f"{field} {value} must be in the account's currency {currency}"
            raise CurrencyMismatch(
                currency, value.currency, operation="use", message=msg, field=field
            )
        return ledger_amount(value, field=field)
    return ledger_amount(Money(to_decimal(value, field=field), currency), field=field)


class AccountService:
    """Opens and changes customer accounts."""

    def __init__(self, context: ServiceContext, audit: AuditLog) -> None:
        self._ctx = context
        self._audit = audit

    def open(  # noqa: PLR0913 - the settings of a new account, all keyword-only
        self,
        name: str,
        currency: str,
        *,
        account_id: str | None = None,
        status: AccountStatus = AccountStatus.ACTIVE,
        debit_limit: AmountLike = 0,
        channel_limit: int | None = None,
        home_country: str | None = None,
        locale: str = "en_US",
        realm: str | None = None,
        tax_rate: Decimal | int | str = 0,
        low_balance_threshold: AmountLike | None = None,
        reason: str | None = None,
    ) -> Account:
        """Open an account; its currency can never change afterwards.

        ``debit_limit``: ``0`` prepaid, positive postpaid, negative prepaid with a buffer.
        ``tax_rate`` is a fraction (``"0.2"`` for 20 %). New accounts are active unless
        ``status`` says otherwise (e.g. ``pending_approval``). ``home_country`` (ISO 3166-1
        alpha-2, e.g. ``"DE"``) is where the account's numbers written in national form
        (``030 1234567``) are read; without it, no country is guessed and only numbers
        written with ``+`` and a country code are accepted.
        """
        new_id = self._ctx.ids() if account_id is None else validate_account_id(account_id)
        account = Account(
            id=new_id,
            name=name,
            currency=currency,
            created_at=self._ctx.clock.now(),
            status=status,
            debit_limit=as_money(debit_limit, validate_currency(currency), field="debit_limit"),
            channel_limit=channel_limit,
            home_country=home_country,
            locale=locale,
            realm=realm,
            tax_rate=tax_rate,
            low_balance_threshold=None
            if low_balance_threshold is None
            else as_money(
                low_balance_threshold, validate_currency(currency), field="low_balance_threshold"
            ),
        )
        with self._ctx.uow() as uow:
            uow.accounts.add(account)
            uow.ledger.open_balance(account.id, account.currency)
            self._record(uow, None, account, reason)
            uow.commit()
        return account

    def get(self, account_id: str) -> Account:
        """The account, or :class:`~telcocore.errors.AccountNotFound`."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.accounts.get(account_id)

    def list(self, *, status: AccountStatus | None = None) -> list[Account]:
        """All accounts, or those with ``status``, ordered by id."""
        with self._ctx.uow(read_only=True) as uow:
            wanted = None if status is None else coerce_enum(AccountStatus, status, field="status")
            return uow.accounts.list(status=wanted)

    def update(  # noqa: PLR0913 - one optional keyword per setting
        self,
        account_id: str,
        *,
        expected_version: int | None = None,
        name: str | Unset = UNSET,
        debit_limit: AmountLike | Unset = UNSET,
        channel_limit: int | Unset | None = UNSET,
        home_country: str | Unset | None = UNSET,
        locale: str | Unset = UNSET,
        realm: str | Unset | None = UNSET,
        tax_rate: Decimal | int | str | Unset = UNSET,
        low_balance_threshold: AmountLike | Unset | None = UNSET,
        reason: str | None = None,
    ) -> Account:
        """Change the given settings; the others stay. The currency never changes.

        With ``expected_version`` (the version you showed the user), the change is refused
        with :class:`~telcocore.errors.ConcurrencyError` if somebody changed the account since.
        ``reason`` is recorded in the audit log. A call that changes nothing writes nothing.
        """

        def change(account: Account) -> None:
            if name is not UNSET:
                account.name = name
            if debit_limit is not UNSET:
                account.debit_limit = as_money(debit_limit, account.currency, field="debit_limit")
            if channel_limit is not UNSET:
                account.channel_limit = channel_limit
            if home_country is not UNSET:
                account.home_country = home_country
            if locale is not UNSET:
                account.locale = locale
            if realm is not UNSET:
                account.realm = realm
            if tax_rate is not UNSET:
                account.tax_rate = to_decimal(tax_rate, field="tax_rate")
            if low_balance_threshold is not UNSET:
                account.low_balance_threshold = (
                    None
                    if low_balance_threshold is None
                    else as_money(
                        low_balance_threshold, account.currency, field="low_balance_threshold"
                    )
                )

        return self._change(account_id, change, expected_version, reason)

    def set_status(
        self,
        account_id: str,
        status: AccountStatus,
        *,
        expected_version: int | None = None,
        reason: str | None = None,
    ) -> Account:
        """Move the account to ``status`` if the transition is allowed.

        The allowed moves are :data:`~telcocore.accounts.account.ALLOWED_TRANSITIONS`.
        """
        return self._change(account_id, lambda a: a.change_status(status), expected_version, reason)

    def _change(
        self,
        account_id: str,
        change: Callable[[Account], None],
        expected_version: int | None,
        reason: str | None,
    ) -> Account:
        account_id = validate_account_id(account_id)
        expected_version = validate_version(expected_version)
        with self._ctx.uow() as uow:
            account = uow.accounts.get(account_id)
            if expected_version is not None and expected_version != account.version:
                raise ConcurrencyError(ENTITY_TYPE, account_id, expected_version)
            before = attrs.evolve(account)
            change(account)
            if account == before:  # nothing changed: no write, no audit entry
                return account
            uow.accounts.update(account)
            self._record(uow, before, account, reason)
            uow.commit()
        return account

    def _record(
        self, uow: UnitOfWork, before: Account | None, after: Account, reason: str | None
    ) -> None:
        action = AuditAction.CREATE if before is None else AuditAction.UPDATE
        self._audit.write(
            uow,
            action=action,
            entity_type=ENTITY_TYPE,
            entity_key=after.id,
            before=before,
            after=after,
            reason=reason,
        )


# -- contacts and credentials ------------------------------------------------------------


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
        """The contact, or :class:`~telcocore.errors.ContactNotFound`."""
        with self._ctx.uow(read_only=True) as uow:
            return self._current(uow, contact_id)

    def by_email(self, email: str) -> Contact | None:
        """The contact whose login email is ``email`` in any case, if any.

        Text that is no email address finds nothing; anything but a ``str`` is a
        :class:`~telcocore.errors.ValidationError`.
        """
        address = _address_or_none(email)
        if address is None:
            return None
        with self._ctx.uow(read_only=True) as uow:
            return uow.contacts.by_email(address)

    def list(self, account_id: str) -> builtins.list[Contact]:
        """The account's contacts, by lower-cased email."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            uow.accounts.get(account_id)
            return uow.contacts.list(account_id)

    def addresses(self, account_id: str, channel: Channel) -> builtins.list[str]:
        """Where a message to the whole account goes: its contacts' emails, or mobiles for SMS.

        This is the directory :class:`~telcocore.adapters.smtp.SmtpNotifier` asks.
        """
        account_id = validate_account_id(account_id)
        channel = coerce_enum(Channel, channel, field="channel")
        with self._ctx.uow(read_only=True) as uow:
            contacts = uow.contacts.list(account_id)
        if channel is Channel.EMAIL:
            return [c.email for c in contacts]
        return [c.mobile for c in contacts if c.mobile is not None]

    def locale_of(self, account_id: str) -> str:
        """The locale messages to the account are written in (the account's own)."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.accounts.get(account_id).locale

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

        ``mobile`` is read by :func:`~telcocore.accounts.contacts.parse_mobile`: in national
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
            account = uow.accounts.get(account_id)
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
            uow.contacts.add(contact)
            self._write(uow, AuditAction.CREATE, None, contact, reason)
            uow.commit()
        if generate_password:
            self._outbox.deliver_pending()
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
        change made by somebody else since is :class:`~telcocore.errors.ConcurrencyError`.
        """
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id, expected_version)
            before = attrs.evolve(contact)
            if name is not UNSET:
                contact.name = name
            if email is not UNSET:
                contact.change_email(email)
            if mobile is not UNSET:
                home = uow.accounts.get(contact.account_id).home_country
                contact.change_mobile(None if mobile is None else parse_mobile(mobile, home))
            for field, text in (("public_notes", public_notes), ("private_notes", private_notes)):
                if not isinstance(text, Unset):
                    setattr(contact, field, self._checked_notes(before, field, text))
            if contact == before:
                return contact
            uow.contacts.update(contact)
            self._write(uow, AuditAction.UPDATE, before, contact, reason)
            uow.commit()
        return contact

    def remove(self, contact_id: str, *, reason: str | None = None) -> None:
        """Remove a contact; its email becomes free."""
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            uow.contacts.remove(contact.id)
            self._write(uow, AuditAction.DELETE, contact, None, reason)
            uow.commit()

    # -- passwords --------------------------------------------------------------------------

    def set_password(self, contact_id: str, password: str, *, reason: str | None = None) -> None:
        """Set (or reset) a contact's password by hand, under :attr:`policy`."""
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            before = attrs.evolve(contact)
            self._set_hand_password(contact, password)
            uow.contacts.update(contact)
            self._write(uow, AuditAction.UPDATE, before, contact, reason)
            uow.commit()

    def reset_password(self, contact_id: str, *, reason: str | None = None) -> None:
        """Generate a new password and email it to the contact's login email.

        The password is not returned: it is only in the message, sent once this change
        commits and erased from the outbox once delivered.
        """
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            before = attrs.evolve(contact)
            self._set_generated_password(uow, uow.accounts.get(contact.account_id), contact)
            uow.contacts.update(contact)
            self._write(uow, AuditAction.GENERATE, before, contact, reason)
            uow.commit()
        self._outbox.deliver_pending()

    def change_password(self, contact_id: str, old_password: str, new_password: str) -> None:
        """The contact's own change: the old password must match, the new one meet the policy.

        A wrong old password is :class:`~telcocore.errors.AuthenticationFailed`.
        """
        _require_password_type(old_password)
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            if self._matching_hash(old_password, contact.password_hash) is None:
                raise AuthenticationFailed
            before = attrs.evolve(contact)
            self._set_hand_password(contact, new_password)
            uow.contacts.update(contact)
            self._write(uow, AuditAction.UPDATE, before, contact, "password changed by its user")
            uow.commit()

    def authenticate(self, email: str, password: str) -> Contact:
        """The contact whose login this is, recorded in the audit log as a LOGIN.

        A wrong email or password is :class:`~telcocore.errors.AuthenticationFailed`, which
        does not say which was wrong. Every login costs one hash with the current
        parameters and one check at the previous default's
        (:data:`~telcocore.accounts.credentials.PREVIOUS_DEFAULT_HASH`), whether the email is
        unknown, has no password, or has a hash of the previous default (replaced on the
        way), so the time taken tells nothing either. An email or password that is not a
        ``str`` is a :class:`~telcocore.errors.ValidationError`, whoever the email belongs to.
        """
        address = _address_or_none(email)
        _require_password_type(password)
        if len(password) > MAX_PASSWORD_LENGTH:  # no password this long was ever accepted
            raise AuthenticationFailed
        with self._ctx.uow() as uow:
            contact = None if address is None else uow.contacts.by_email(address)
            kept = self._matching_hash(password, None if contact is None else contact.password_hash)
            if contact is None or kept is None:
                raise AuthenticationFailed
            before = attrs.evolve(contact)
            if kept != contact.password_hash:
                contact.password_hash = kept
                uow.contacts.update(contact)
            self._write(uow, AuditAction.LOGIN, before, contact, None)
            uow.commit()
        return contact

    # -- verification -----------------------------------------------------------------------

    def send_code(self, contact_id: str, target: Target | str) -> None:
        """Send a new single-use code to the contact's email (by email) or mobile (by SMS).

        The code expires after the service's ``code_ttl``; only its hash is stored, and an
        earlier code for the same target stops working.
        """
        target = coerce_enum(Target, target, field="target")
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            address = contact.address_of(target)
            if address is None:
                msg = f"contact {contact_id!r} has no {target.value} to verify"
                raise ValidationError(msg, field=target.value)
            account = uow.accounts.get(contact.account_id)
            before = attrs.evolve(contact)
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            now = self._ctx.clock.now()
            expires_at = now + self._code_ttl
            contact.set_pending(
                target, PendingCode(address, self._hasher.hash(code), expires_at=expires_at)
            )
            uow.contacts.update(contact)
            uow.outbox.add(
                Message(
                    id=self._ctx.ids(),
                    kind=MessageKind.VERIFICATION,
                    account_id=account.id,
                    created_at=now,
                    channel=Channel.EMAIL if target is Target.EMAIL else Channel.SMS,
                    to=address,
                    data={
                        "code": code,
                        "target": target.value,
                        "name": contact.name,
                        "expires_at": expires_at.isoformat(),
                        "locale": account.locale,
                    },
                )
            )
            self._write(uow, AuditAction.GENERATE, before, contact, f"{target.value} code sent")
            uow.commit()
        self._outbox.deliver_pending()

    def verify(self, contact_id: str, target: Target | str, code: str) -> Contact:
        """Mark the email or mobile verified if ``code`` is its current, unexpired code.

        A code works once. A wrong, expired, used or superseded code is
        :class:`~telcocore.errors.InvalidCode`; after :data:`MAX_CODE_ATTEMPTS` wrong tries
        the code stops working and a new one must be sent.
        """
        target = coerce_enum(Target, target, field="target")
        if not isinstance(code, str):
            msg = f"a verification code must be a string, got {type(code).__name__}"
            raise ValidationError(msg, field="code")
        with self._ctx.uow() as uow:
            contact = self._current(uow, contact_id)
            pending = contact.pending(target)
            if pending is None or pending.address != contact.address_of(target):
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
                uow.contacts.update(contact)
                self._write(uow, AuditAction.UPDATE, before, contact, "wrong verification code")
                uow.commit()
                raise InvalidCode(contact_id, target.value, "is wrong")
            contact.mark_verified(target)
            uow.contacts.update(contact)
            self._write(uow, AuditAction.UPDATE, before, contact, f"{target.value} verified")
            uow.commit()
        return contact

    # -- helpers ----------------------------------------------------------------------------

    def _current(
        self, uow: UnitOfWork, contact_id: str, expected_version: int | None = None
    ) -> Contact:
        """The stored contact; the id and version are checked before anything is read."""
        contact_id = contact_id_to_find(contact_id)
        expected_version = validate_version(expected_version)
        contact = uow.contacts.get(contact_id)
        if expected_version is not None and expected_version != contact.version:
            raise ConcurrencyError(CONTACT_ENTITY, contact_id, expected_version)
        return contact

    def _matching_hash(self, password: str, stored: str | None) -> str | None:
        """The hash to keep if ``password`` matches ``stored``, else ``None``.

        Whatever the outcome, this costs one hash with the current parameters and one check
        at the previous default's: a hash with weaker parameters is checked after the
        current-parameter hash that replaces it on a match; a current hash is checked, and a
        missing one stood in for by hashing anyway, each beside a check of
        :data:`~telcocore.accounts.credentials.PREVIOUS_DEFAULT_HASH`. So while contacts
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

    def _set_generated_password(self, uow: UnitOfWork, account: Account, contact: Contact) -> None:
        password = generate_password()
        contact.password_hash = self._hasher.hash(password)
        contact.password_changed_at = self._ctx.clock.now()
        uow.outbox.add(
            Message(
                id=self._ctx.ids(),
                kind=MessageKind.PASSWORD,
                account_id=account.id,
                created_at=self._ctx.clock.now(),
                channel=Channel.EMAIL,
                to=contact.email,
                data={
                    "password": password,
                    "name": contact.name,
                    "email": contact.email,
                    "locale": account.locale,
                },
            )
        )

    def _write(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        before: Contact | None,
        after: Contact | None,
        reason: str | None,
    ) -> None:
        key = (after if after is not None else before).id  # type: ignore[union-attr]
        self._audit.write(
            uow,
            action=action,
            entity_type=CONTACT_ENTITY,
            entity_key=key,
            before=before,
            after=after,
            reason=reason,
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
