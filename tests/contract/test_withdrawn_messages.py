"""A generated password or a verification code never goes to an address the contact lost.

A contact's email changed while its generated password waits in the outbox (delivery runs
later: cron, a mail server down): the waiting message is withdrawn and a new password goes
to the new email, on every storage. A verification code waiting for the former email or
mobile is withdrawn too (its code no longer works); nothing replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from telcocore import AlreadyExists, AuthenticationFailed, TelcoCore, ValidationError
from telcocore.audit.model.entry import REDACTED, AuditAction
from telcocore.contacts.model.credentials import ScryptHasher
from telcocore.contacts.services import CONTACT_ENTITY, EMAIL_CHANGED, MOBILE_CHANGED
from telcocore.notifications.model.message import (
    CONTACT_DATA,
    Message,
    MessageKind,
    OutboxCounts,
)
from telcocore.notifications.ports import Notifier, OutboxRepository
from telcocore.notifications.services import DeliveryReport
from telcocore.platform.ports import Storage
from telcocore.platform.sql.unit_of_work import SqlUnitOfWork
from telcocore.testing import CapturingNotifier, FailingNotifier, FixedClock, sequential_ids

FAST = ScryptHasher(n=2**10)
"""Real scrypt with a low cost, so the suite stays quick."""
TYPO = "Ann@Exmaple.com"
"""The login email as first mistyped."""
FIXED = "ann@example.com"
"""The login email as corrected."""
MOBILE = "+14155550123"
"""The contact's first mobile."""
NEW_MOBILE = "+14155550199"
"""The mobile it changes to."""


def _core(storage: Storage, clock: FixedClock, notifier: Notifier) -> TelcoCore:
    core = TelcoCore(
        storage=storage,
        clock=clock,
        notifier=notifier,
        ids=sequential_ids("t"),
        password_hasher=FAST,
    )
    core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
    return core


@pytest.fixture
def core(storage: Storage, clock: FixedClock, notifier: CapturingNotifier) -> TelcoCore:
    """The services with a capturing notifier and account ``acme``."""
    return _core(storage, clock, notifier)


def _queued_password(core: TelcoCore) -> str:
    """The password of the one PASSWORD message waiting in the outbox."""
    (item,) = [i for i in core.outbox.pending() if i.message.kind is MessageKind.PASSWORD]
    return item.message.data["password"]


def _logs_in(core: TelcoCore, email: str, password: str) -> bool:
    try:
        core.contacts.authenticate(email, password)
    except AuthenticationFailed:
        return False
    return True


def _row(storage: Storage, message_id: str) -> tuple[Any, ...]:
    """The stored message, sent_at, withdrawn_at and last_error of one outbox row."""
    with storage.unit_of_work(read_only=True) as uow:
        assert isinstance(uow, SqlUnitOfWork)
        row = uow._session.one(
            "SELECT message, sent_at, withdrawn_at, last_error FROM outbox WHERE id = ?",
            (message_id,),
        )
        assert row is not None
        return (uow._session.dialect.json_from_db(row[0]), *row[1:])


class TestEmailChangedBeforeDelivery:
    """The password queued for the former email is withdrawn; a new one goes to the new."""

    def test_one_password_goes_to_the_new_email_and_only_it_logs_in(
        self, core: TelcoCore, notifier: CapturingNotifier
    ) -> None:
        """Delivery sends one message, to the new email; the withdrawn password fails."""
        ann = core.contacts.add("acme", "Ann", TYPO, generate_password=True)
        withdrawn = _queued_password(core)
        core.contacts.update(ann.id, email=FIXED)
        core.outbox.deliver_pending()
        (message,) = notifier.messages
        assert (MessageKind.PASSWORD, FIXED, FIXED) == (
            message.kind,
            message.to,
            message.data["email"],
        )
        assert _logs_in(core, FIXED, message.data["password"])
        assert not _logs_in(core, FIXED, withdrawn)

    def test_the_withdrawn_message_is_neither_pending_nor_counted(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """A message deferred by a refusal and then withdrawn: only the new one waits, due."""
        core = _core(storage, clock, FailingNotifier())
        ann = core.contacts.add("acme", "Ann", TYPO, generate_password=True)
        assert DeliveryReport(sent=0, failed=1) == core.outbox.deliver_pending()
        core.contacts.update(ann.id, email=FIXED)
        assert [FIXED] == [item.message.to for item in core.outbox.pending()]
        assert OutboxCounts(due=1, deferred=0) == core.outbox.counts()

    def test_the_withdrawn_message_stays_erased_and_says_why(
        self, core: TelcoCore, storage: Storage
    ) -> None:
        """Its row keeps no password, is not sent, and records when and why it was withdrawn."""
        ann = core.contacts.add("acme", "Ann", TYPO, generate_password=True)
        (item,) = core.outbox.pending()
        core.contacts.update(ann.id, email=FIXED)
        message, sent_at, withdrawn_at, last_error = _row(storage, item.message.id)
        assert (REDACTED, TYPO, None, EMAIL_CHANGED) == (
            message["data"]["password"],
            message["to"],
            sent_at,
            last_error,
        )
        assert withdrawn_at is not None

    def test_the_new_password_is_audited_as_generated(self, core: TelcoCore) -> None:
        """The email change is an UPDATE, the replacing password a GENERATE, in that order."""
        ann = core.contacts.add("acme", "Ann", TYPO, generate_password=True)
        core.contacts.update(ann.id, email=FIXED, reason="typo")
        page = core.audit.entries(entity_type=CONTACT_ENTITY, entity_key=ann.id)
        assert [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.GENERATE] == [
            e.action for e in reversed(page.entries)
        ]

    def test_a_sent_password_is_untouched_and_a_waiting_one_withdrawn(
        self, core: TelcoCore, storage: Storage, notifier: CapturingNotifier
    ) -> None:
        """The delivered message stays sent; only the reset's waiting message is withdrawn."""
        ann = core.contacts.add("acme", "Ann", TYPO, generate_password=True)
        core.outbox.deliver_pending()
        (first,) = notifier.messages
        core.contacts.reset_password(ann.id)
        (waiting,) = core.outbox.pending()
        core.contacts.update(ann.id, email=FIXED)
        core.outbox.deliver_pending()
        assert [TYPO, FIXED] == [m.to for m in notifier.messages]
        _, sent_at, withdrawn_at, last_error = _row(storage, first.id)
        assert (withdrawn_at, last_error) == (None, None)
        assert sent_at is not None
        assert _row(storage, waiting.message.id)[2] is not None
        assert _logs_in(core, FIXED, notifier.messages[-1].data["password"])


class TestNothingToWithdraw:
    """Without a waiting password, an email change sends nothing."""

    def test_a_delivered_password_keeps_working_after_the_change(
        self, core: TelcoCore, notifier: CapturingNotifier
    ) -> None:
        """No new password, no message: the delivered one logs in with the new email."""
        ann = core.contacts.add("acme", "Ann", TYPO, generate_password=True)
        core.outbox.deliver_pending()
        core.contacts.update(ann.id, email=FIXED)
        assert OutboxCounts(due=0, deferred=0) == core.outbox.counts()
        assert DeliveryReport(sent=0, failed=0) == core.outbox.deliver_pending()
        (message,) = notifier.messages
        assert _logs_in(core, FIXED, message.data["password"])

    def test_a_change_of_case_withdraws_nothing(
        self, core: TelcoCore, notifier: CapturingNotifier
    ) -> None:
        """The same address in another case is the same mailbox: the waiting password goes."""
        ann = core.contacts.add("acme", "Ann", TYPO, generate_password=True)
        core.contacts.update(ann.id, email=TYPO.upper())
        core.outbox.deliver_pending()
        (message,) = notifier.messages
        assert _logs_in(core, TYPO, message.data["password"])


class _ChangingWhileSending:
    """A notifier during whose first send ``change`` runs: the contact's email changes."""

    def __init__(self) -> None:
        self.change: Callable[[], object] = lambda: None
        self.messages: list[Message] = []

    def send(self, message: Message) -> None:
        if not self.messages:
            self.change()
        self.messages.append(message)


class TestWorkerRacingTheChange:
    """A worker that claimed the message before the change cannot mark it sent after."""

    def test_the_claimed_message_is_not_recorded_sent_and_its_password_fails(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """Its send ends late; the replacing password is delivered next and logs in."""
        notifier = _ChangingWhileSending()
        core = _core(storage, clock, notifier)
        notifier.change = lambda: core.contacts.update("ann", email=FIXED)
        core.contacts.add("acme", "Ann", TYPO, generate_password=True, contact_id="ann")
        assert DeliveryReport(sent=0, failed=0, late=1) == core.outbox.deliver_pending()
        assert DeliveryReport(sent=1, failed=0) == core.outbox.deliver_pending()
        racing, replacing = notifier.messages
        assert (TYPO, FIXED) == (racing.to, replacing.to)
        assert not _logs_in(core, FIXED, racing.data["password"])
        assert _logs_in(core, FIXED, replacing.data["password"])
        _, sent_at, withdrawn_at, _ = _row(storage, racing.id)
        assert sent_at is None
        assert withdrawn_at is not None


def _queued(core: TelcoCore, kind: MessageKind) -> list[Message]:
    """The messages of ``kind`` waiting in the outbox, oldest first."""
    return [i.message for i in core.outbox.pending() if i.message.kind is kind]


class TestCodesForAFormerAddress:
    """A code waiting for the former email or mobile is withdrawn and never delivered."""

    @pytest.mark.parametrize(
        ("target", "change", "reason"),
        [
            ("email", {"email": FIXED}, EMAIL_CHANGED),
            ("mobile", {"mobile": NEW_MOBILE}, MOBILE_CHANGED),
            ("mobile", {"mobile": None}, MOBILE_CHANGED),
        ],
        ids=["email", "mobile", "mobile-removed"],
    )
    def test_the_code_is_withdrawn_erased_and_says_why(
        self,
        core: TelcoCore,
        storage: Storage,
        target: str,
        change: dict[str, str | None],
        reason: str,
    ) -> None:
        """Delivery sends nothing; the row keeps no code, is not sent, and records why."""
        ann = core.contacts.add("acme", "Ann", TYPO, mobile=MOBILE)
        core.contacts.send_code(ann.id, target)
        (code,) = _queued(core, MessageKind.VERIFICATION)
        core.contacts.update(ann.id, **change)  # type: ignore[arg-type]
        assert OutboxCounts(due=0, deferred=0) == core.outbox.counts()
        assert DeliveryReport(sent=0, failed=0) == core.outbox.deliver_pending()
        message, sent_at, withdrawn_at, last_error = _row(storage, code.id)
        assert (REDACTED, code.to, None, reason) == (
            message["data"]["code"],
            message["to"],
            sent_at,
            last_error,
        )
        assert withdrawn_at is not None

    def test_a_code_for_the_new_email_goes_and_verifies(
        self, core: TelcoCore, notifier: CapturingNotifier
    ) -> None:
        """Sent after the change, the new email's code is delivered; the other target's too."""
        ann = core.contacts.add("acme", "Ann", TYPO, mobile=MOBILE)
        core.contacts.send_code(ann.id, "email")
        core.contacts.send_code(ann.id, "mobile")
        core.contacts.update(ann.id, email=FIXED)
        core.contacts.send_code(ann.id, "email")
        assert DeliveryReport(sent=2, failed=0) == core.outbox.deliver_pending()
        assert [MOBILE, FIXED] == [m.to for m in notifier.messages]
        sms, mail = notifier.messages
        core.contacts.verify(ann.id, "mobile", sms.data["code"])
        ann = core.contacts.verify(ann.id, "email", mail.data["code"])
        assert (True, True) == (ann.email_verified, ann.mobile_verified)

    def test_a_sent_code_is_untouched_and_a_waiting_one_withdrawn(
        self, core: TelcoCore, storage: Storage, notifier: CapturingNotifier
    ) -> None:
        """The delivered code's row stays sent; only the code sent again is withdrawn."""
        ann = core.contacts.add("acme", "Ann", TYPO)
        core.contacts.send_code(ann.id, "email")
        core.outbox.deliver_pending()
        (first,) = notifier.messages
        core.contacts.send_code(ann.id, "email")
        (waiting,) = _queued(core, MessageKind.VERIFICATION)
        core.contacts.update(ann.id, email=FIXED)
        core.outbox.deliver_pending()
        assert [first] == notifier.messages
        message, sent_at, withdrawn_at, last_error = _row(storage, first.id)
        assert (REDACTED, None, None) == (message["data"]["code"], withdrawn_at, last_error)
        assert sent_at is not None
        assert _row(storage, waiting.id)[2:] != (None, None)

    def test_a_waiting_password_and_code_are_both_withdrawn(
        self, core: TelcoCore, notifier: CapturingNotifier
    ) -> None:
        """Only the replacing password is delivered, to the new email."""
        ann = core.contacts.add("acme", "Ann", TYPO, generate_password=True)
        core.contacts.send_code(ann.id, "email")
        core.contacts.update(ann.id, email=FIXED)
        assert DeliveryReport(sent=1, failed=0) == core.outbox.deliver_pending()
        (message,) = notifier.messages
        assert (MessageKind.PASSWORD, FIXED) == (message.kind, message.to)

    def test_the_change_is_audited_as_one_update(self, core: TelcoCore) -> None:
        """No password waited: one entry after the code's GENERATE, showing the code cleared."""
        ann = core.contacts.add("acme", "Ann", TYPO)
        core.contacts.send_code(ann.id, "email")
        core.contacts.update(ann.id, email=FIXED, reason="typo")
        page = core.audit.entries(entity_type=CONTACT_ENTITY, entity_key=ann.id)
        assert [AuditAction.CREATE, AuditAction.GENERATE, AuditAction.UPDATE] == [
            e.action for e in reversed(page.entries)
        ]
        assert {"op": "replace", "path": "/email_code", "value": None} in page.entries[0].patch


class TestCodesThatStay:
    """A code for an address the contact still has is delivered and works."""

    def test_a_change_of_case_withdraws_nothing(
        self, core: TelcoCore, notifier: CapturingNotifier
    ) -> None:
        """The same address in another case is the same mailbox: the waiting code goes.

        And it verifies the address as written now.
        """
        ann = core.contacts.add("acme", "Ann", TYPO)
        core.contacts.send_code(ann.id, "email")
        core.contacts.update(ann.id, email=TYPO.upper())
        assert DeliveryReport(sent=1, failed=0) == core.outbox.deliver_pending()
        (mail,) = notifier.messages
        assert TYPO == mail.to
        ann = core.contacts.verify(ann.id, "email", mail.data["code"])
        assert (TYPO.upper(), True) == (ann.email, ann.email_verified)

    @pytest.mark.parametrize(
        ("change", "error"),
        [
            ({"email": FIXED, "mobile": "not a number"}, ValidationError),
            ({"email": FIXED, "private_notes": "password: hunter2"}, ValidationError),
            ({"email": "bo@example.com"}, AlreadyExists),
        ],
        ids=["bad-mobile", "bad-notes", "email-taken"],
    )
    def test_a_failed_update_withdraws_nothing(
        self,
        core: TelcoCore,
        notifier: CapturingNotifier,
        change: dict[str, str],
        error: type[Exception],
    ) -> None:
        """The refused change leaves both codes waiting; both are delivered and verify."""
        core.contacts.add("acme", "Bo", "bo@example.com")
        ann = core.contacts.add("acme", "Ann", TYPO, mobile=MOBILE)
        core.contacts.send_code(ann.id, "email")
        core.contacts.send_code(ann.id, "mobile")
        with pytest.raises(error):
            core.contacts.update(ann.id, **change)  # type: ignore[arg-type]
        assert DeliveryReport(sent=2, failed=0) == core.outbox.deliver_pending()
        mail, sms = notifier.messages
        assert (TYPO, MOBILE) == (mail.to, sms.to)
        core.contacts.verify(ann.id, "email", mail.data["code"])
        assert core.contacts.verify(ann.id, "mobile", sms.data["code"]).mobile_verified


class TestSharedAddresses:
    """Only the messages about the contact whose address changed are withdrawn."""

    def test_another_contacts_code_to_the_shared_mobile_is_delivered(
        self, core: TelcoCore, storage: Storage, notifier: CapturingNotifier
    ) -> None:
        """Bo's code to the office phone survives Ann's change of mobile, and verifies."""
        ann = core.contacts.add("acme", "Ann", FIXED, mobile=MOBILE)
        bo = core.contacts.add("acme", "Bo", "bo@example.com", mobile=MOBILE)
        core.contacts.send_code(ann.id, "mobile")
        core.contacts.send_code(bo.id, "mobile")
        anns, bos = _queued(core, MessageKind.VERIFICATION)
        core.contacts.update(ann.id, mobile=NEW_MOBILE)
        assert [bos] == _queued(core, MessageKind.VERIFICATION)
        assert (None, MOBILE_CHANGED) == _row(storage, anns.id)[1::2]
        assert DeliveryReport(sent=1, failed=0) == core.outbox.deliver_pending()
        (sms,) = notifier.messages
        assert (bos.id, MOBILE) == (sms.id, sms.to)
        assert core.contacts.verify(bo.id, "mobile", sms.data["code"]).mobile_verified

    def test_messages_queued_without_a_contact_go_by_their_address(
        self, core: TelcoCore, storage: Storage, clock: FixedClock
    ) -> None:
        """Messages from before they named their contact are withdrawn by address alone.

        Both addresses change at once: each message says which one, and the withdrawn
        password is replaced by one to the new email.
        """
        ann = core.contacts.add("acme", "Ann", TYPO, mobile=MOBILE)
        earlier = {"code": "123456", "target": "mobile", "locale": "en_US"}
        with storage.unit_of_work() as uow:
            for number, kind, to, data in (
                (1, MessageKind.VERIFICATION, MOBILE, earlier),
                (2, MessageKind.PASSWORD, TYPO, {"password": "old-secret", "email": TYPO}),
            ):
                uow.get(OutboxRepository).add(
                    Message(
                        id=f"earlier-{number}",
                        kind=kind,
                        account_id="acme",
                        created_at=clock.now(),
                        to=to,
                        data=data,
                    )
                )
            uow.commit()
        core.contacts.update(ann.id, email=FIXED, mobile=NEW_MOBILE)
        assert [MOBILE_CHANGED, EMAIL_CHANGED] == [_row(storage, f"earlier-{n}")[3] for n in (1, 2)]
        (password,) = [i.message for i in core.outbox.pending()]
        assert (MessageKind.PASSWORD, FIXED, ann.id) == (
            password.kind,
            password.to,
            password.data[CONTACT_DATA],
        )
