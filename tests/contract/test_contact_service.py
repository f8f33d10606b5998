"""The contact service on every storage adapter: details, passwords, notes, verification."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import timedelta
from typing import Any

import pytest
from tests.unit.test_notes import ORDINARY_NOTE

from telcocore import TelcoCore
from telcocore.audit.model.entry import REDACTED, AuditAction
from telcocore.contacts.errors import (
    AuthenticationFailed,
    ContactNotFound,
    InvalidCode,
    WeakPassword,
)
from telcocore.contacts.model.contact import Contact, Target
from telcocore.contacts.model.credentials import COMMON_PASSWORDS, MAX_PASSWORD_LENGTH, ScryptHasher
from telcocore.contacts.model.notes import MAX_NOTES_LENGTH
from telcocore.contacts.services import CONTACT_ENTITY, MAX_CODE_ATTEMPTS, MAX_NOTE_CHECKS
from telcocore.kernel.errors import AlreadyExists, ConcurrencyError, ValidationError
from telcocore.notifications.model.message import Channel, MessageKind
from telcocore.notifications.ports import OutboxRepository
from telcocore.platform.ports import Storage
from telcocore.testing import CapturingNotifier, FailingNotifier, FixedClock, sequential_ids

FAST = ScryptHasher(n=2**10)
"""Real scrypt with a low cost, so the suite stays quick."""
GOOD = "Tr0ub4dor&3-horse"
"""A password every rule accepts."""


@pytest.fixture
def core(storage: Storage, clock: FixedClock, notifier: CapturingNotifier) -> TelcoCore:
    """The services with the fast hasher, a fixed clock and a capturing notifier."""
    return TelcoCore(
        storage=storage,
        clock=clock,
        notifier=notifier,
        ids=sequential_ids("t"),
        password_hasher=FAST,
    )


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """An active US account ``acme``."""
    return core.accounts.open(
        "Acme", "USD", account_id="acme", locale="en_US", home_country="US"
    ).id


@pytest.fixture
def ann(core: TelcoCore, acme: str) -> Contact:
    """Ann, a contact of acme with the password :data:`GOOD`."""
    return core.contacts.add(acme, "Ann", "Ann@Example.com", password=GOOD, contact_id="ann")


def _details(field: str, value: str) -> dict[str, Any]:
    """Keyword arguments setting one detail."""
    return {field: value}


def _password_of(core: TelcoCore, notifier: CapturingNotifier) -> str:
    """The generated password, once a delivery run sent its message."""
    core.outbox.deliver_pending()
    (message,) = notifier.of_kind(MessageKind.PASSWORD)
    return message.data["password"]


class TestAdd:
    """Adding and listing contacts."""

    def test_a_contact_reads_back_equal(self, core: TelcoCore, ann: Contact) -> None:
        """get() returns the contact as added."""
        assert ann == core.contacts.get("ann")

    @pytest.mark.usefixtures("ann")
    def test_contacts_are_listed_per_account(self, core: TelcoCore) -> None:
        """list() gives the account's contacts by lower-cased email."""
        core.contacts.add("acme", "Bob", "aaron@example.com", contact_id="bob")
        assert ["bob", "ann"] == [c.id for c in core.contacts.list("acme")]

    @pytest.mark.usefixtures("ann")
    def test_the_email_is_unique_in_any_case(self, core: TelcoCore) -> None:
        """A second contact with the same email in other case is refused."""
        core.accounts.open("Other", "USD", account_id="other")
        with pytest.raises(AlreadyExists, match=r"ANN@example\.COM"):
            core.contacts.add("other", "Ann 2", "ANN@example.COM")
        assert ["ann"] == [c.id for c in core.contacts.list("acme")]

    def test_the_mobile_is_parsed_with_the_home_country(self, core: TelcoCore, acme: str) -> None:
        """A national mobile becomes E.164 with the account's home country."""
        contact = core.contacts.add(acme, "Cy", "cy@example.com", mobile="(415) 555-0123")
        assert "+14155550123" == core.contacts.get(contact.id).mobile

    def test_a_german_mobile_is_read_in_germany(self, core: TelcoCore) -> None:
        """030 1234567 of a German account is +49..., not the +1... of a guessed US."""
        core.accounts.open("Berlin", "EUR", account_id="berlin", home_country="DE")
        contact = core.contacts.add("berlin", "Cy", "cy@example.com", mobile="030 1234567")
        assert "+49301234567" == core.contacts.get(contact.id).mobile

    def test_without_a_home_country_a_national_mobile_is_refused(self, core: TelcoCore) -> None:
        """No country is guessed: the error says to set one or write +; nothing is added."""
        core.accounts.open("Berlin", "EUR", account_id="berlin")
        with pytest.raises(ValidationError, match="no home country") as raised:
            core.contacts.add("berlin", "Cy", "cy@example.com", mobile="030 1234567")
        assert ("mobile", []) == (raised.value.field, core.contacts.list("berlin"))
        added = core.contacts.add("berlin", "Cy", "cy@example.com", mobile="+49 30 1234567")
        assert "+49301234567" == added.mobile

    def test_a_mobile_not_valid_in_the_home_country_is_refused(
        self, core: TelcoCore, acme: str
    ) -> None:
        """A German national number on a US account is refused, not stored as +1030..."""
        with pytest.raises(ValidationError, match="not a valid telephone number in US"):
            core.contacts.add(acme, "Cy", "cy@example.com", mobile="030 1234567")
        assert [] == core.contacts.list(acme)

    @pytest.mark.parametrize(("field", "value"), [("email", "not-an-email"), ("mobile", "12")])
    def test_bad_details_are_refused(
        self, core: TelcoCore, acme: str, field: str, value: str
    ) -> None:
        """A malformed email or mobile is a ValidationError naming the field."""
        details: dict[str, Any] = {"email": "cy@example.com", field: value}
        with pytest.raises(ValidationError) as raised:
            core.contacts.add(acme, "Cy", **details)
        assert field == raised.value.field

    @pytest.mark.usefixtures("ann")
    def test_adding_is_audited_without_secrets(self, core: TelcoCore) -> None:
        """The CREATE entry holds the contact with its password hash redacted."""
        (entry,) = core.audit.entries(entity_type=CONTACT_ENTITY).entries
        document = entry.patch[0]["value"]
        assert (AuditAction.CREATE, REDACTED) == (entry.action, document["password_hash"])


class TestUpdate:
    """Changing and removing contacts."""

    @pytest.mark.usefixtures("ann")
    def test_details_change_and_the_version_counts(self, core: TelcoCore) -> None:
        """update() stores the new name and bumps the version."""
        changed = core.contacts.update("ann", name="Ann B", expected_version=0)
        assert ("Ann B", 1) == (core.contacts.get("ann").name, changed.version)

    @pytest.mark.usefixtures("ann")
    def test_a_stale_version_is_refused(self, core: TelcoCore) -> None:
        """An expected version that is no longer current raises ConcurrencyError."""
        core.contacts.update("ann", name="Ann B")
        with pytest.raises(ConcurrencyError):
            core.contacts.update("ann", name="Ann C", expected_version=0)

    @pytest.mark.usefixtures("ann")
    def test_an_email_of_another_contact_is_refused(self, core: TelcoCore) -> None:
        """Changing to another contact's email (any case) raises AlreadyExists."""
        core.contacts.add("acme", "Bob", "bob@example.com", contact_id="bob")
        with pytest.raises(AlreadyExists):
            core.contacts.update("bob", email="ANN@example.com")
        assert "bob@example.com" == core.contacts.get("bob").email

    @pytest.mark.usefixtures("ann")
    def test_removing_frees_the_email(self, core: TelcoCore) -> None:
        """After remove() the contact is gone and its email can be used again."""
        core.contacts.remove("ann")
        with pytest.raises(ContactNotFound):
            core.contacts.get("ann")
        assert "ann@example.com" == core.contacts.add("acme", "A", "ann@example.com").email

    @pytest.mark.usefixtures("ann")
    def test_each_change_is_audited(self, core: TelcoCore) -> None:
        """CREATE, UPDATE and DELETE entries are written for the contact."""
        core.contacts.update("ann", name="Ann B")
        core.contacts.remove("ann")
        page = core.audit.entries(entity_type=CONTACT_ENTITY, entity_key="ann")
        expected = [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]
        assert expected == [e.action for e in reversed(page.entries)]


class TestNotesGuard:
    """Notes must not hold credentials."""

    @pytest.mark.parametrize(
        "text",
        [
            "password: s3cr3t-value",
            "PASSWORD=s3cr3t-value",
            "login with pwd=s3cr3t-value",
            "Pwd : s3cr3t-value",
            "pass - s3cr3t-value",
            "PASS-  s3cr3t-value",
            "passwd:s3cr3t-value",
            "Passcode = s3cr3t-value",
        ],
    )
    @pytest.mark.parametrize("field", ["public_notes", "private_notes"])
    @pytest.mark.usefixtures("ann")
    def test_credential_shaped_text_is_refused(
        self, core: TelcoCore, field: str, text: str
    ) -> None:
        """Each pattern, in any case, is refused naming the field and not the secret."""
        with pytest.raises(ValidationError) as raised:
            core.contacts.update("ann", **_details(field, text))
        assert (field, False) == (raised.value.field, "s3cr3t-value" in str(raised.value))
        assert "" == getattr(core.contacts.get("ann"), field)

    @pytest.mark.parametrize(
        "text", ["SIP pass-through is on", "call after 5pm", "passport copy received"]
    )
    @pytest.mark.usefixtures("ann")
    def test_ordinary_text_is_kept(self, core: TelcoCore, text: str) -> None:
        """Text that only looks a little like a credential is accepted."""
        assert text == core.contacts.update("ann", public_notes=text).public_notes

    @pytest.mark.parametrize("field", ["public_notes", "private_notes"])
    @pytest.mark.usefixtures("ann")
    def test_the_contacts_password_is_refused(self, core: TelcoCore, field: str) -> None:
        """Notes holding the contact's current password are refused, without echoing it."""
        with pytest.raises(ValidationError) as raised:
            core.contacts.update("ann", **_details(field, f"she uses '{GOOD}' everywhere"))
        assert (field, False) == (raised.value.field, GOOD in str(raised.value))

    def test_a_password_already_in_the_notes_is_refused(self, core: TelcoCore, acme: str) -> None:
        """Setting a password that the notes contain is a WeakPassword."""
        core.contacts.add(
            acme, "Cy", "cy@example.com", private_notes=f"ref {GOOD}", contact_id="cy"
        )
        with pytest.raises(WeakPassword) as raised:
            core.contacts.set_password("cy", GOOD)
        assert "notes" == raised.value.rule


class TestPolicy:
    """Every rule of hand-set passwords."""

    @pytest.mark.parametrize(
        ("password", "rule"),
        [
            ("short1!", "min_length"),
            ("x" * 129, "max_length"),
            ("cy.longname@example.com", "email"),
            ("CY.LONGNAME@EXAMPLE.COM", "email"),
            ("Cy.LongName", "email"),
            (min(COMMON_PASSWORDS), "common"),
            ("PASSWORD123", "common"),
            (12345678901, "type"),
            ("Maintenance", "shape"),
            ("switchboard.", "shape"),
            ("read-only-access", "shape"),
            ("someone@else.example", "shape"),
            ("https://portal.example", "shape"),
            ("+1 (415) 555-0100", "shape"),
            ("2024-03-01 12:00", "shape"),
        ],
    )
    def test_each_rule_refuses(self, core: TelcoCore, acme: str, password: str, rule: str) -> None:
        """The policy names the rule broken; the message never holds the password."""
        core.contacts.add(acme, "Cy", "cy.longname@example.com", contact_id="cy")
        with pytest.raises(WeakPassword) as raised:
            core.contacts.set_password("cy", password)
        assert (rule, None, False) == (
            raised.value.rule,
            raised.value.value,
            str(password) in str(raised.value),
        )

    def test_the_name_part_of_the_email_is_refused(self, core: TelcoCore, acme: str) -> None:
        """The email's part before the @ is not a password either."""
        core.contacts.add(acme, "Cy", "cyrillus.maximus@example.com", contact_id="cy")
        with pytest.raises(WeakPassword) as raised:
            core.contacts.set_password("cy", "Cyrillus.Maximus")
        assert "email" == raised.value.rule

    @pytest.mark.parametrize(
        "password", ["another-Good-one-42", "correct horse battery", "correcthorsebatterystaple"]
    )
    @pytest.mark.usefixtures("ann")
    def test_a_good_password_is_accepted(self, core: TelcoCore, password: str) -> None:
        """A password meeting every rule logs in: a passphrase, or a long run of letters."""
        core.contacts.set_password("ann", password)
        assert "ann" == core.contacts.authenticate("ann@example.com", password).id


class TestGeneratedPassword:
    """Generated passwords reach only the contact's email, once."""

    def test_it_goes_only_to_the_login_email(
        self, core: TelcoCore, acme: str, notifier: CapturingNotifier
    ) -> None:
        """One PASSWORD message, by email, to the contact's email, with a working password."""
        core.contacts.add(acme, "Cy", "Cy@Example.com", mobile="4155550123", generate_password=True)
        assert [] == notifier.messages  # written to the outbox, not sent on the request path
        core.outbox.deliver_pending()
        (message,) = notifier.messages
        password = message.data["password"]
        assert (MessageKind.PASSWORD, Channel.EMAIL, "Cy@Example.com") == (
            message.kind,
            message.channel,
            message.to,
        )
        assert core.contacts.authenticate("cy@example.com", password).name == "Cy"
        assert password not in repr(message)

    @pytest.mark.usefixtures("ann")
    def test_the_outbox_erases_it_once_delivered(
        self, core: TelcoCore, storage: Storage, notifier: CapturingNotifier
    ) -> None:
        """The stored message keeps no password after it was sent."""
        core.contacts.reset_password("ann")
        password = _password_of(core, notifier)
        with storage.unit_of_work() as uow:
            assert [] == list(uow.get(OutboxRepository).pending(limit=10))
        core.contacts.authenticate("ann@example.com", password)

    @pytest.mark.usefixtures("ann")
    def test_a_reset_replaces_the_old_password(
        self, core: TelcoCore, notifier: CapturingNotifier
    ) -> None:
        """After reset_password() the old password fails and the mailed one works."""
        core.contacts.reset_password("ann")
        with pytest.raises(AuthenticationFailed):
            core.contacts.authenticate("ann@example.com", GOOD)
        assert (
            "ann" == core.contacts.authenticate("ann@example.com", _password_of(core, notifier)).id
        )

    def test_undelivered_it_waits_in_the_outbox(self, storage: Storage, clock: FixedClock) -> None:
        """With the mail server down the message stays pending, password and all."""
        failing = FailingNotifier()
        core = TelcoCore(storage=storage, clock=clock, notifier=failing, password_hasher=FAST)
        core.accounts.open("Acme", "USD", account_id="acme")
        core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
        core.outbox.deliver_pending()
        (item,) = core.outbox.pending()
        assert (1, MessageKind.PASSWORD) == (failing.attempts, item.message.kind)


class TestAuthenticate:
    """Logging in with email and password."""

    @pytest.mark.usefixtures("ann")
    def test_the_email_matches_in_any_case(self, core: TelcoCore) -> None:
        """authenticate() finds the contact by email in any case."""
        assert "ann" == core.contacts.authenticate("ANN@example.COM", GOOD).id

    @pytest.mark.parametrize(
        ("email", "password"), [("ann@example.com", "wrong-password-1"), ("no@example.com", GOOD)]
    )
    @pytest.mark.usefixtures("ann")
    def test_a_wrong_login_says_nothing_more(
        self, core: TelcoCore, email: str, password: str
    ) -> None:
        """A wrong password or unknown email both raise the same AuthenticationFailed."""
        with pytest.raises(AuthenticationFailed) as raised:
            core.contacts.authenticate(email, password)
        assert "wrong email or password" == str(raised.value)

    def test_a_contact_without_password_cannot_log_in(self, core: TelcoCore, acme: str) -> None:
        """No password set means no login."""
        core.contacts.add(acme, "Cy", "cy@example.com")
        with pytest.raises(AuthenticationFailed):
            core.contacts.authenticate("cy@example.com", GOOD)

    @pytest.mark.usefixtures("ann")
    def test_a_login_is_audited_without_the_password(self, core: TelcoCore) -> None:
        """A LOGIN entry names the contact and the actor, and holds no password."""
        core.acting_as("ann", ip="192.0.2.7").contacts.authenticate("ann@example.com", GOOD)
        entry = core.audit.entries(action=AuditAction.LOGIN).entries[0]
        assert ("ann", "ann", "192.0.2.7") == (entry.entity_key, entry.actor, entry.source_ip)
        assert GOOD not in repr(entry.body())

    @pytest.mark.usefixtures("ann")
    def test_a_weaker_hash_is_replaced_at_login(self, storage: Storage, clock: FixedClock) -> None:
        """Logging in with stronger parameters stores a new hash with them."""
        stronger = ScryptHasher(n=2**11)
        core = TelcoCore(storage=storage, clock=clock, password_hasher=stronger)
        core.contacts.authenticate("ann@example.com", GOOD)
        stored = core.contacts.get("ann").password_hash
        assert stored is not None
        assert ("2048", False) == (stored.split("$")[1], stronger.needs_rehash(stored))
        assert "ann" == core.contacts.authenticate("ann@example.com", GOOD).id


class TestChangePassword:
    """The contact's own password change."""

    @pytest.mark.usefixtures("ann")
    def test_the_old_password_is_needed(self, core: TelcoCore) -> None:
        """With the right old password the new one works and the old one no longer does."""
        core.contacts.change_password("ann", GOOD, "brand-New-secret-7")
        with pytest.raises(AuthenticationFailed):
            core.contacts.authenticate("ann@example.com", GOOD)
        assert "ann" == core.contacts.authenticate("ann@example.com", "brand-New-secret-7").id

    @pytest.mark.usefixtures("ann")
    def test_a_wrong_old_password_changes_nothing(self, core: TelcoCore) -> None:
        """A wrong old password raises AuthenticationFailed; the password stays."""
        with pytest.raises(AuthenticationFailed):
            core.contacts.change_password("ann", "not-the-password", "brand-New-secret-7")
        assert "ann" == core.contacts.authenticate("ann@example.com", GOOD).id

    @pytest.mark.usefixtures("ann")
    def test_the_new_password_meets_the_policy(self, core: TelcoCore) -> None:
        """A new password the policy refuses is a WeakPassword."""
        with pytest.raises(WeakPassword):
            core.contacts.change_password("ann", GOOD, "short")


class TestVerification:
    """Single-use, expiring codes for the email and the mobile."""

    @pytest.fixture
    def cy(self, core: TelcoCore, acme: str) -> str:
        """Cy, with an email and a mobile, neither verified."""
        return core.contacts.add(
            acme, "Cy", "cy@example.com", mobile="+14155550123", contact_id="cy"
        ).id

    @staticmethod
    def _code(core: TelcoCore, notifier: CapturingNotifier) -> str:
        core.outbox.deliver_pending()
        return notifier.of_kind(MessageKind.VERIFICATION)[-1].data["code"]

    @pytest.mark.parametrize(
        ("target", "channel", "address"),
        [
            (Target.EMAIL, Channel.EMAIL, "cy@example.com"),
            (Target.MOBILE, Channel.SMS, "+14155550123"),
        ],
    )
    def test_a_code_verifies_its_target(  # noqa: PLR0913, PLR0917 - fixtures and three parameters
        self,
        core: TelcoCore,
        cy: str,
        notifier: CapturingNotifier,
        target: Target,
        channel: Channel,
        address: str,
    ) -> None:
        """The code is sent on the target's channel and marks only that target verified."""
        core.contacts.send_code(cy, target)
        core.outbox.deliver_pending()
        message = notifier.of_kind(MessageKind.VERIFICATION)[0]
        contact = core.contacts.verify(cy, target, self._code(core, notifier))
        assert (channel, address) == (message.channel, message.to)
        expected = (target is Target.EMAIL, target is Target.MOBILE)
        assert expected == (contact.email_verified, contact.mobile_verified)

    def test_a_code_works_once(self, core: TelcoCore, cy: str, notifier: CapturingNotifier) -> None:
        """Using a code a second time is an InvalidCode."""
        core.contacts.send_code(cy, "email")
        core.contacts.verify(cy, "email", self._code(core, notifier))
        with pytest.raises(InvalidCode, match="already used"):
            core.contacts.verify(cy, "email", self._code(core, notifier))

    def test_an_expired_code_is_refused(
        self, core: TelcoCore, cy: str, notifier: CapturingNotifier, clock: FixedClock
    ) -> None:
        """A code used after its lifetime is an InvalidCode; nothing is verified."""
        core.contacts.send_code(cy, "mobile")
        clock.advance(timedelta(minutes=15))
        with pytest.raises(InvalidCode, match="expired"):
            core.contacts.verify(cy, "mobile", self._code(core, notifier))
        assert not core.contacts.get(cy).mobile_verified

    def test_a_superseded_code_is_refused(
        self, core: TelcoCore, cy: str, notifier: CapturingNotifier
    ) -> None:
        """Sending a new code makes the earlier one stop working."""
        core.contacts.send_code(cy, "email")
        first = self._code(core, notifier)
        core.contacts.send_code(cy, "email")
        if first == self._code(core, notifier):  # pragma: no cover - a one in a million draw
            pytest.skip("the two random codes happen to be equal")
        with pytest.raises(InvalidCode, match="wrong"):
            core.contacts.verify(cy, "email", first)

    def test_too_many_wrong_codes_burn_the_code(
        self, core: TelcoCore, cy: str, notifier: CapturingNotifier
    ) -> None:
        """After the allowed wrong tries even the right code is refused."""
        core.contacts.send_code(cy, "email")
        right = self._code(core, notifier)
        wrong = "x" * 6
        for _ in range(MAX_CODE_ATTEMPTS):
            with pytest.raises(InvalidCode, match="wrong"):
                core.contacts.verify(cy, "email", wrong)
        with pytest.raises(InvalidCode, match="already used"):
            core.contacts.verify(cy, "email", right)

    def test_the_code_is_stored_only_as_a_hash(
        self, core: TelcoCore, cy: str, notifier: CapturingNotifier
    ) -> None:
        """Neither the contact, its repr nor its audit entries hold the code."""
        core.contacts.send_code(cy, "email")
        code = self._code(core, notifier)
        contact = core.contacts.get(cy)
        assert contact.email_code is not None
        entries = core.audit.entries(entity_type=CONTACT_ENTITY).entries
        assert (False, False) == (code in contact.email_code.code_hash, code in repr(contact))
        assert not any(code in repr(e.body()) for e in entries)

    @pytest.mark.parametrize(
        ("change", "flag"),
        [
            ({"email": "cy2@example.com"}, "email_verified"),
            ({"mobile": "+14155550199"}, "mobile_verified"),
        ],
    )
    def test_a_new_address_is_not_verified(
        self,
        core: TelcoCore,
        cy: str,
        notifier: CapturingNotifier,
        change: dict[str, str],
        flag: str,
    ) -> None:
        """Changing the email or mobile clears its verification."""
        for target in Target:
            core.contacts.send_code(cy, target)
            core.contacts.verify(cy, target, self._code(core, notifier))
        contact = core.contacts.update(cy, **_details(*next(iter(change.items()))))
        other = "mobile_verified" if flag == "email_verified" else "email_verified"
        assert (False, True) == (getattr(contact, flag), getattr(contact, other))

    def test_the_same_email_in_other_case_stays_verified(
        self, core: TelcoCore, cy: str, notifier: CapturingNotifier
    ) -> None:
        """Changing only the case of the email keeps it verified."""
        core.contacts.send_code(cy, "email")
        core.contacts.verify(cy, "email", self._code(core, notifier))
        assert core.contacts.update(cy, email="CY@example.com").email_verified


class TestRealm:
    """The account's realm: hostname syntax, unique in any case."""

    @pytest.mark.parametrize("realm", ["a.b", "-bad.example", "bad_host.example", "x" * 254])
    def test_a_bad_realm_is_refused(self, core: TelcoCore, realm: str) -> None:
        """Too short, too long or not a host name: a ValidationError naming the realm."""
        with pytest.raises(ValidationError) as raised:
            core.accounts.open("Acme", "USD", realm=realm)
        assert "realm" == raised.value.field

    def test_a_realm_is_unique_in_any_case(self, core: TelcoCore) -> None:
        """A second account with the same realm, opened or updated, is refused."""
        core.accounts.open("Acme", "USD", account_id="acme", realm="SIP.Acme.example")
        with pytest.raises(AlreadyExists):
            core.accounts.open("Other", "USD", account_id="other", realm="sip.acme.example")
        core.accounts.open("Other", "USD", account_id="other", realm="sip.other.example")
        with pytest.raises(AlreadyExists):
            core.accounts.update("other", realm="sip.ACME.example")
        assert "sip.acme.example" == core.accounts.get("acme").realm

    def test_a_realm_can_move_once_freed(self, core: TelcoCore) -> None:
        """After an account gives up its realm another may take it."""
        core.accounts.open("Acme", "USD", account_id="acme", realm="sip.acme.example")
        core.accounts.open("Other", "USD", account_id="other")
        core.accounts.update("acme", realm=None)
        assert "sip.acme.example" == core.accounts.update("other", realm="sip.acme.example").realm


BAD_IDS = [
    7,
    7.0,
    None,
    "",
    " ",
    "ann\x00",
    "ann\nbob",
    "\ud800",
    "-ann",
    "x" * 100_000,
    ["ann"],
    {"id": "ann"},
    object(),
]
"""Ids no storage keeps, compares and hashes alike."""


def _snapshot(core: TelcoCore) -> tuple[list[Contact], int]:
    """The contacts of acme and the number of audit entries: what a refusal must not change."""
    return core.contacts.list("acme"), len(core.audit.entries(limit=1000).entries)


class TestIds:
    """Caller-given contact and account ids, to create and to look up."""

    @pytest.mark.parametrize("bad", [b for b in BAD_IDS if b is not None], ids=repr)
    def test_a_new_contacts_id_is_checked(self, core: TelcoCore, acme: str, bad: object) -> None:
        """A bad contact_id is a ValidationError naming it; nothing is written."""
        before = _snapshot(core)
        with pytest.raises(ValidationError) as raised:
            core.contacts.add(acme, "Cy", "cy@example.com", contact_id=bad)  # type: ignore[arg-type]
        assert ("contact_id", before) == (raised.value.field, _snapshot(core))
        assert core.audit.verify_chain() is None

    @pytest.mark.parametrize(
        "call",
        [
            lambda c, bad: c.get(bad),
            lambda c, bad: c.update(bad, name="X"),
            lambda c, bad: c.remove(bad),
            lambda c, bad: c.set_password(bad, "another-Good-one-42"),
            lambda c, bad: c.reset_password(bad),
            lambda c, bad: c.change_password(bad, GOOD, "another-Good-one-42"),
            lambda c, bad: c.send_code(bad, "email"),
            lambda c, bad: c.verify(bad, "email", "123456"),
        ],
        ids=["get", "update", "remove", "set", "reset", "change", "send_code", "verify"],
    )
    @pytest.mark.parametrize("bad", [7, "ann\x00", "", "x" * 100_000], ids=repr)
    @pytest.mark.usefixtures("ann")
    def test_a_looked_up_id_is_checked(self, core: TelcoCore, call: Any, bad: object) -> None:  # noqa: ANN401
        """Every lookup by contact id refuses a bad one alike on every storage."""
        before = _snapshot(core)
        with pytest.raises(ValidationError) as raised:
            call(core.contacts, bad)
        assert ("contact_id", before) == (raised.value.field, _snapshot(core))

    @pytest.mark.parametrize(
        "call",
        [
            lambda c, bad: c.add(bad, "Cy", "cy@example.com"),
            lambda c, bad: c.list(bad),
            lambda c, bad: c.addresses(bad, Channel.EMAIL),
            lambda c, bad: c.locale_of(bad),
        ],
        ids=["add", "list", "addresses", "locale_of"],
    )
    @pytest.mark.parametrize("bad", [7, None, "acme\x00", " "], ids=repr)
    @pytest.mark.usefixtures("acme")
    def test_an_account_id_is_checked(self, core: TelcoCore, call: Any, bad: object) -> None:  # noqa: ANN401
        """Every account id the contacts take is checked the same way."""
        with pytest.raises(ValidationError) as raised:
            call(core.contacts, bad)
        assert "account_id" == raised.value.field


class TestBadArguments:
    """Arguments of the wrong type or unstorable text: a ValidationError, nothing written."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            (lambda c: c.by_email(None), "email"),
            (lambda c: c.by_email(7), "email"),
            (lambda c: c.by_email(["ann@example.com"]), "email"),
            (lambda c: c.add("acme", None, "cy@example.com"), "name"),
            (lambda c: c.add("acme", "Cy\x00", "cy@example.com"), "name"),
            (lambda c: c.add("acme", "Cy", {"email": 1}), "email"),
            (lambda c: c.add("acme", "Cy", "cy@example.com", mobile=4155550123), "mobile"),
            (lambda c: c.add("acme", "Cy", "cy@example.com", public_notes=7), "public_notes"),
            (
                lambda c: c.add("acme", "Cy", "cy@example.com", private_notes="\ud800"),
                "private_notes",
            ),
            (lambda c: c.add("acme", "Cy", "cy@example.com", password=1.5), "password"),
            (
                lambda c: c.add("acme", "Cy", "cy@example.com", generate_password="yes"),
                "generate_password",
            ),
            (lambda c: c.add("acme", "Cy", "cy@example.com", reason=7), "reason"),
            (lambda c: c.update("ann", expected_version="0"), "expected_version"),
            (lambda c: c.update("ann", expected_version=0.0), "expected_version"),
            (lambda c: c.update("ann", name=None), "name"),
            (lambda c: c.update("ann", email=7), "email"),
            (lambda c: c.update("ann", mobile=[1]), "mobile"),
            (lambda c: c.update("ann", public_notes={}), "public_notes"),
            (lambda c: c.update("ann", name="Ann B", reason="x" * 100_000), "reason"),
            (lambda c: c.set_password("ann", None), "password"),
            (lambda c: c.change_password("ann", None, "another-Good-one-42"), "password"),
            (lambda c: c.change_password("ann", GOOD, b"another-Good-one-42"), "password"),
            (lambda c: c.authenticate(None, GOOD), "email"),
            (lambda c: c.authenticate("ann@example.com", 7), "password"),
            (lambda c: c.send_code("ann", None), "target"),
            (lambda c: c.send_code("ann", ["email"]), "target"),
            (lambda c: c.verify("ann", "email", None), "code"),
            (lambda c: c.verify("ann", "email", 123456), "code"),
            (lambda c: c.addresses("acme", "fax"), "channel"),
        ],
    )
    @pytest.mark.usefixtures("ann")
    def test_each_is_refused(self, core: TelcoCore, call: Any, field: str) -> None:  # noqa: ANN401
        """The same ValidationError subclass on every storage, naming the argument."""
        before = _snapshot(core)
        with pytest.raises(ValidationError) as raised:
            call(core.contacts)
        assert (field, before) == (raised.value.field, _snapshot(core))

    @pytest.mark.parametrize(
        "email",
        ["", "ann@example.com\x00", "\ud800@example.com", "a" * 100_000 + "@example.com"],
        ids=repr,
    )
    @pytest.mark.usefixtures("ann")
    def test_text_that_is_no_email_finds_nothing(self, core: TelcoCore, email: str) -> None:
        """by_email() of text no contact can have is a plain miss on every storage."""
        assert core.contacts.by_email(email) is None


WEAK = ScryptHasher(n=2**4, r=8, p=1)
"""Parameters weaker than FAST's: hashes made by an older release."""


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """The (n, r, p) of every scrypt computed while the test runs."""
    calls: list[tuple[int, int, int]] = []
    real = hashlib.scrypt

    def counting(password: bytes, **options: Any) -> bytes:  # noqa: ANN401
        calls.append((options["n"], options["r"], options["p"]))
        return real(password, **options)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    return calls


PREVIOUS = ScryptHasher(n=2**14, r=8, p=1)
"""The previous default's parameters, which hashes made by the last release have."""
CURRENT = ScryptHasher(n=2**14, r=8, p=2)
"""Parameters stronger than PREVIOUS's (yet cheap enough for the suite)."""
LOGIN_PATHS = pytest.mark.parametrize(
    "login",
    [
        ("nobody@example.com", GOOD, None),
        ("not an email", GOOD, None),
        ("cy@example.com", GOOD, None),
        ("ann@example.com", "wrong-password-1", "current"),
        ("ann@example.com", GOOD, "current"),
        ("ann@example.com", "wrong-password-1", "old"),
        ("ann@example.com", GOOD, "old"),
    ],
    ids=[
        "unknown",
        "malformed",
        "no-password",
        "wrong",
        "right",
        "old-hash-wrong",
        "old-hash-right",
    ],
)
"""Every way a login can go: ``stored_by`` says whether Ann's hash is current or old."""


class TestLoginCost:
    """Every login path costs the same hashes, so timing tells nothing."""

    @pytest.mark.parametrize(
        ("current", "old"), [(CURRENT, PREVIOUS), (FAST, WEAK)], ids=["previous-default", "custom"]
    )
    @LOGIN_PATHS
    def test_the_same_hashes_on_every_path(
        self,
        storage: Storage,
        scrypt_calls: list[tuple[int, int, int]],
        current: ScryptHasher,
        old: ScryptHasher,
        login: tuple[str, str, str | None],
    ) -> None:
        """One current hash and one check at the previous default's parameters, or the old hash's.

        So with hashes of the previous default every path costs exactly the same; a hash
        with other, custom weaker parameters costs a check at those instead.
        """
        email, password, stored_by = login
        core = TelcoCore(storage=storage, password_hasher=current)
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        core.contacts.add("acme", "Ann", "ann@example.com", contact_id="ann")
        core.contacts.add("acme", "Cy", "cy@example.com")
        if stored_by is not None:
            by = current if stored_by == "current" else old
            TelcoCore(storage=storage, password_hasher=by).contacts.set_password("ann", GOOD)
        scrypt_calls.clear()
        with contextlib.suppress(AuthenticationFailed):
            core.contacts.authenticate(email, password)
        checked = old if stored_by == "old" else PREVIOUS
        assert sorted(
            [(current.n, current.r, current.p), (checked.n, checked.r, checked.p)]
        ) == sorted(scrypt_calls)

    @pytest.mark.parametrize("password", [None, 12345678901, b"Tr0ub4dor&3-horse"])
    @pytest.mark.usefixtures("ann")
    def test_a_bad_type_says_the_same_for_any_email(
        self, core: TelcoCore, password: object
    ) -> None:
        """A known and an unknown email give the same error for a password of a bad type."""
        errors = []
        for email in ("ann@example.com", "nobody@example.com"):
            with pytest.raises(ValidationError) as raised:
                core.contacts.authenticate(email, password)  # type: ignore[arg-type]
            errors.append((type(raised.value), str(raised.value)))
        assert errors[0] == errors[1]

    @pytest.mark.usefixtures("ann")
    def test_an_over_long_password_costs_nothing_anywhere(
        self, core: TelcoCore, scrypt_calls: list[tuple[int, int, int]]
    ) -> None:
        """A password longer than any accepted fails at once, whatever the email."""
        for email in ("ann@example.com", "nobody@example.com"):
            with pytest.raises(AuthenticationFailed):
                core.contacts.authenticate(email, "x" * (MAX_PASSWORD_LENGTH + 1))
        assert [] == scrypt_calls


class TestOwnPasswordInNotes:
    """Notes are checked against the contact's password wherever it hides."""

    @pytest.mark.parametrize(
        "text",
        [
            " ".join(f"pad{i:02d}" for i in range(64)) + f" {GOOD}",
            " ".join(["Escalation", "Maintenance", "switchboard", "https://portal.example/"] * 16)
            + f" {GOOD}",
            f"login={GOOD}",
            f"ann:{GOOD}@pbx.example",
            f"he said “{GOOD}”",
        ],
        ids=["padded", "padded-long", "login=", "user:pw@host", "quoted"],
    )
    @pytest.mark.usefixtures("ann")
    def test_it_is_refused(self, core: TelcoCore, text: str) -> None:
        """Padding, login=<pw> and user:<pw>@host do not hide it; nothing is stored."""
        with pytest.raises(ValidationError, match="must not hold the contact's password") as raised:
            core.contacts.update("ann", private_notes=text)
        assert ("private_notes", "") == (raised.value.field, core.contacts.get("ann").private_notes)

    @pytest.mark.usefixtures("ann")
    def test_an_ordinary_note_is_kept(
        self, core: TelcoCore, scrypt_calls: list[tuple[int, int, int]]
    ) -> None:
        """A note of a few lines is checked line by line, not word by word, and kept."""
        assert (
            ORDINARY_NOTE == core.contacts.update("ann", private_notes=ORDINARY_NOTE).private_notes
        )
        assert len(scrypt_calls) < MAX_NOTE_CHECKS

    @pytest.mark.parametrize(
        "word",
        [
            "Maintenance",
            "ESCALATION:",
            "(read-only)",
            "ann.smith@ex.io",
            "https://portal.example/acme",
            "2024-03-01",
            "+1 415 555 0100",
            "password123",
        ],
    )
    @pytest.mark.usefixtures("ann")
    def test_what_the_policy_refuses_is_not_hashed(
        self, core: TelcoCore, scrypt_calls: list[tuple[int, int, int]], word: str
    ) -> None:
        """Words no password set under the policy can be cost no hash."""
        with pytest.raises(WeakPassword):
            core.contacts.set_password("ann", word)
        core.contacts.update("ann", private_notes=word)
        assert [] == scrypt_calls

    @pytest.mark.usefixtures("ann")
    def test_a_generated_password_is_found(
        self, core: TelcoCore, notifier: CapturingNotifier
    ) -> None:
        """A generated password is looked for, whatever the policy says of its form."""
        core.contacts.reset_password("ann")
        password = _password_of(core, notifier)
        with pytest.raises(ValidationError, match="must not hold the contact's password"):
            core.contacts.update("ann", private_notes=f"new one: ({password})")

    @pytest.mark.usefixtures("ann")
    def test_the_checks_per_change_are_bounded(
        self, core: TelcoCore, scrypt_calls: list[tuple[int, int, int]]
    ) -> None:
        """A change adding too many password-like words is refused without hashing them all."""
        words = [f"candidate-word-{i:04d}" for i in range(MAX_NOTES_LENGTH // 21)]
        with pytest.raises(ValidationError, match="smaller changes"):
            core.contacts.update("ann", private_notes=" ".join(words))
        assert len(scrypt_calls) <= MAX_NOTE_CHECKS

    @pytest.mark.usefixtures("ann")
    def test_words_already_checked_are_not_checked_again(
        self, core: TelcoCore, scrypt_calls: list[tuple[int, int, int]]
    ) -> None:
        """Text may grow in changes of at most MAX_NOTE_CHECKS new words each."""
        words = [f"candidate-word-{i:04d}" for i in range(3 * MAX_NOTE_CHECKS)]
        for end in range(MAX_NOTE_CHECKS, len(words) + 1, MAX_NOTE_CHECKS):
            scrypt_calls.clear()
            core.contacts.update("ann", public_notes=" ".join(words[:end]))
            assert MAX_NOTE_CHECKS == len(scrypt_calls)
        assert " ".join(words) == core.contacts.get("ann").public_notes

    def test_a_password_set_later_is_compared_in_plain(self, core: TelcoCore, acme: str) -> None:
        """Setting a password the notes hold (in full-width form too) is a WeakPassword."""
        core.contacts.add(acme, "Cy", "cy@example.com", contact_id="cy")
        core.contacts.update("cy", private_notes="ref \uff34r0ub4dor&3-horse")
        with pytest.raises(WeakPassword) as raised:
            core.contacts.set_password("cy", GOOD)
        assert "notes" == raised.value.rule
