"""Contacts and the outbox across processes, a real SMTP server and raw database rows."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from tests.integration import contact_workers, storage_workers
from tests.integration.smtp_inbox import Inbox, free_port

import telcocore
from telcocore import TelcoCore
from telcocore.adapters.routing import ChannelRouter
from telcocore.adapters.smtp import SmtpConfig, SmtpNotifier, SmtpSecurity
from telcocore.contacts.model.credentials import ScryptHasher
from telcocore.kernel.errors import TelcoError
from telcocore.notifications.model.message import Channel, Message, MessageKind, OutboxCounts
from telcocore.notifications.ports import OutboxRepository
from telcocore.platform.ports import Storage
from telcocore.testing import CapturingNotifier, FixedClock

FAST = ScryptHasher(n=2**10)


class _Server:
    """A real SMTP server on loopback that can be started and stopped."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server() -> Iterator[_Server]:
    """An SMTP server on 127.0.0.1, not yet started; stopped after the test."""
    server = _Server()
    yield server
    server.stop()


def _smtp_core(storage: Storage, clock: FixedClock, port: int) -> tuple[TelcoCore, SmtpNotifier]:
    notifier = SmtpNotifier(
        SmtpConfig(
            "127.0.0.1",
            port,
            security=SmtpSecurity.PLAIN,
            from_address="noc@telco.example",
            timeout=5,
        )
    )
    core = TelcoCore(storage=storage, clock=clock, notifier=notifier, password_hasher=FAST)
    assert core.contacts is notifier.directory  # wired by the core
    core.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="5.00")
    return core, notifier


class TestSmtp:
    """Messages through a real SMTP server on loopback."""

    def test_a_generated_password_is_mailed_to_the_contact(
        self, storage: Storage, clock: FixedClock, smtp_server: _Server
    ) -> None:
        """The server receives one mail, to the login email, with a password that works."""
        smtp_server.start()
        core, _ = _smtp_core(storage, clock, smtp_server.port)
        core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
        assert [] == smtp_server.inbox.messages  # queued, not sent on the request path
        assert 1 == core.outbox.deliver_pending().sent
        (mail,) = smtp_server.inbox.messages
        (password,) = [
            line.strip() for line in mail.get_content().splitlines() if line.startswith("    ")
        ]
        assert ("cy@example.com", "noc@telco.example", "Your new password") == (
            mail["To"],
            mail["From"],
            mail["Subject"],
        )
        assert "Cy" == core.contacts.authenticate("cy@example.com", password).name

    def test_a_message_to_the_account_goes_to_its_contacts(
        self, storage: Storage, clock: FixedClock, smtp_server: _Server
    ) -> None:
        """A low-balance alert (no address) reaches every contact's email."""
        smtp_server.start()
        core, _ = _smtp_core(storage, clock, smtp_server.port)
        core.contacts.add("acme", "Ann", "ann@example.com")
        core.contacts.add("acme", "Bob", "bob@example.com")
        core.ledger.credit("acme", "10.00", idempotency_key="a")
        core.ledger.charge_usage("acme", "6.00", idempotency_key="b")
        core.outbox.deliver_pending()
        (mail,) = smtp_server.inbox.messages
        assert ("ann@example.com, bob@example.com", "Your balance is low") == (
            mail["To"],
            mail["Subject"],
        )
        assert "$4.00" in mail.get_content()

    def test_recipients_the_server_refuses_are_logged_and_the_others_served(
        self,
        storage: Storage,
        clock: FixedClock,
        smtp_server: _Server,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """One refused contact: the mail reaches the other, sent once, the refusal logged."""
        smtp_server.inbox.refused.add("gone@example.com")
        smtp_server.start()
        core, _ = _smtp_core(storage, clock, smtp_server.port)
        core.contacts.add("acme", "Ann", "ann@example.com")
        core.contacts.add("acme", "Gone", "gone@example.com")
        core.ledger.credit("acme", "10.00", idempotency_key="a")
        core.ledger.charge_usage("acme", "6.00", idempotency_key="b")
        caplog.set_level(logging.WARNING, logger="telcocore.adapters.smtp")
        assert 1 == core.outbox.deliver_pending().sent
        assert 1 == len(smtp_server.inbox.messages)
        assert 0 == core.outbox.deliver_pending().sent  # not sent again to Ann
        (record,) = [r for r in caplog.records if r.name == "telcocore.adapters.smtp"]
        logged = record.getMessage()
        assert f"smtp 127.0.0.1:{smtp_server.port} refused 1 of the 2 recipients" in logged
        assert "gone@example.com: 550 5.1.1 no such mailbox here" in logged
        assert "ann@example.com" not in logged

    def test_behind_a_channel_router_email_still_reaches_the_contacts(
        self, storage: Storage, clock: FixedClock, smtp_server: _Server
    ) -> None:
        """The core wires its contacts into an SmtpNotifier inside a ChannelRouter.

        A low-balance alert (no address) reaches the contact's email through the real
        server, and a mobile code goes to the SMS notifier, not to SMTP.
        """
        smtp_server.start()
        smtp = SmtpNotifier(
            SmtpConfig("127.0.0.1", smtp_server.port, security=SmtpSecurity.PLAIN, timeout=5)
        )
        sms = CapturingNotifier()
        router = ChannelRouter({Channel.EMAIL: smtp, Channel.SMS: sms})
        core = TelcoCore(storage=storage, clock=clock, notifier=router, password_hasher=FAST)
        assert core.contacts is smtp.directory
        core.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="5.00")
        ann = core.contacts.add("acme", "Ann", "ann@example.com", mobile="+14155550123")
        core.ledger.credit("acme", "10.00", idempotency_key="a")
        core.ledger.charge_usage("acme", "6.00", idempotency_key="b")
        core.contacts.send_code(ann.id, "mobile")
        core.outbox.deliver_pending()
        (mail,) = smtp_server.inbox.messages
        assert ("ann@example.com", "Your balance is low") == (mail["To"], mail["Subject"])
        assert ["+14155550123"] == [m.to for m in sms.messages]

    def test_a_server_that_is_down_keeps_messages_until_it_is_back(
        self, storage: Storage, clock: FixedClock, smtp_server: _Server
    ) -> None:
        """While down, the message stays pending with a retry time; once up, it is sent."""
        core, _ = _smtp_core(storage, clock, smtp_server.port)
        core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
        assert 1 == core.outbox.deliver_pending().failed
        (item,) = core.outbox.pending()
        assert (1, clock.now() + timedelta(seconds=30)) == (item.attempts, item.next_attempt_at)
        assert OutboxCounts(due=0, deferred=1) == core.outbox.counts()
        smtp_server.start()
        assert 0 == core.outbox.deliver_pending().sent  # not due yet: backing off
        clock.advance(timedelta(seconds=30))
        assert 1 == core.outbox.deliver_pending().sent
        assert ["cy@example.com"] == [m["To"] for m in smtp_server.inbox.messages]

    def test_a_failed_delivery_is_logged_with_the_servers_host_and_port(
        self,
        storage: Storage,
        clock: FixedClock,
        smtp_server: _Server,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """The warning names the message, the server and the next attempt, never the password."""
        caplog.set_level(logging.WARNING, logger="telcocore.notifications.services")
        secret = "Smtp-login-secret-77"
        notifier = SmtpNotifier(
            SmtpConfig(
                "127.0.0.1",
                smtp_server.port,  # nothing listens: the server is not started
                security=SmtpSecurity.PLAIN,
                username="relay",
                password=secret,
                timeout=5,
            )
        )
        core = TelcoCore(storage=storage, clock=clock, notifier=notifier, password_hasher=FAST)
        core.accounts.open("Acme", "USD", account_id="acme")
        core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
        core.outbox.deliver_pending()
        (item,) = core.outbox.pending()
        assert item.next_attempt_at is not None
        (record,) = caplog.records
        assert logging.WARNING == record.levelno
        assert (
            f"message {item.message.id} (password, email) not delivered via "
            f"smtp 127.0.0.1:{smtp_server.port}: ConnectionRefusedError; "
            f"attempt 1, due again at {item.next_attempt_at.isoformat()}"
        ) == record.getMessage()
        assert secret not in caplog.text

    def test_behind_a_router_the_log_names_the_channels_notifier(
        self, storage: Storage, clock: FixedClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Behind a router the log names the email channel's server, or a channel without one."""
        caplog.set_level(logging.WARNING, logger="telcocore.notifications.services")
        port = free_port()
        smtp = SmtpNotifier(SmtpConfig("127.0.0.1", port, security=SmtpSecurity.PLAIN, timeout=5))
        router = ChannelRouter({Channel.EMAIL: smtp})
        core = TelcoCore(storage=storage, clock=clock, notifier=router, password_hasher=FAST)
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        cy = core.contacts.add("acme", "Cy", "cy@example.com", mobile="+14155550123")
        core.contacts.send_code(cy.id, "email")
        core.contacts.send_code(cy.id, "mobile")
        core.outbox.deliver_pending()
        assert [
            f"via smtp 127.0.0.1:{port}: ConnectionRefusedError",
            "via no notifier for sms: ConfigurationError",
        ] == [r.getMessage().split(") not delivered ")[1].split(";")[0] for r in caplog.records]


class TestOutboxTransactions:
    """Only committed messages are sent, and committed ones are never lost."""

    def test_a_rolled_back_unit_sends_nothing(
        self, storage: Storage, clock: FixedClock, notifier: CapturingNotifier
    ) -> None:
        """A message added in a unit that is not committed is never delivered."""
        core = TelcoCore(storage=storage, clock=clock, notifier=notifier)
        with storage.unit_of_work() as uow:
            uow.get(OutboxRepository).add(
                Message(
                    id="m1", kind=MessageKind.PASSWORD, account_id="acme", created_at=clock.now()
                )
            )
        assert (0, []) == (core.outbox.deliver_pending().sent, notifier.messages)

    @pytest.mark.slow
    def test_a_commit_survives_the_process_dying(
        self, durable_url: str, notifier: CapturingNotifier
    ) -> None:
        """A child killed right after its commit; the parent's delivery run sends the mail."""
        with telcocore.connect(durable_url) as setup:
            setup.accounts.open("Acme", "USD", account_id="acme")
        child = storage_workers.SPAWN.Process(
            target=contact_workers.add_then_die, args=(durable_url,)
        )
        child.start()
        child.join(60)
        with telcocore.connect(durable_url, notifier=notifier, password_hasher=FAST) as core:
            report = core.outbox.deliver_pending()
            (message,) = notifier.messages
            assert core.contacts.authenticate("cy@example.com", message.data["password"])
        assert (-9, 1, MessageKind.PASSWORD, "cy@example.com") == (
            child.exitcode,
            report.sent,
            message.kind,
            message.to,
        )


class TestConcurrentEmails:
    """Two processes adding the same email in different case."""

    @pytest.mark.slow
    def test_only_one_process_gets_the_email(self, durable_url: str) -> None:
        """Exactly one add succeeds; the other is told the email is taken."""
        with telcocore.connect(durable_url) as setup:
            setup.accounts.open("Acme", "USD", account_id="acme")
        start = storage_workers.SPAWN.Barrier(2)
        results = storage_workers.SPAWN.Queue()
        workers = [
            storage_workers.SPAWN.Process(
                target=contact_workers.add_email, args=(durable_url, address, start, results)
            )
            for address in ("twin@example.com", "TWIN@Example.COM")
        ]
        for worker in workers:
            worker.start()
        outcomes = sorted(results.get(timeout=60) for _ in workers)
        for worker in workers:
            worker.join(60)
        assert ["added", "taken"] == outcomes


_TABLES = ("accounts", "contacts", "outbox", "audit_entries", "audit_head")


class TestNoPasswordIsKept:
    """After a full scenario no password is anywhere it should not be."""

    def test_scan(
        self, durable_url: str, clock: FixedClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Rows, audit entries, log records and error texts hold none of the passwords."""
        caplog.set_level(logging.DEBUG)
        notifier = CapturingNotifier()
        hand_set, changed = "Hand-set-secret-91", "Changed-secret-42x"
        errors: list[str] = []
        with telcocore.connect(
            durable_url, notifier=notifier, clock=clock, password_hasher=FAST
        ) as core:
            core.accounts.open("Acme", "USD", account_id="acme")
            cy = core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True).id
            core.contacts.reset_password(cy)
            core.outbox.deliver_pending()
            core.contacts.set_password(cy, hand_set)
            core.contacts.change_password(cy, hand_set, changed)
            core.contacts.authenticate("cy@example.com", changed)
            for attempt in (
                lambda: core.contacts.authenticate("cy@example.com", hand_set),
                lambda: core.contacts.change_password(cy, changed, "short"),
                lambda: core.contacts.update(cy, private_notes=f"uses {changed}"),
                lambda: core.contacts.update(cy, public_notes=f"password: {changed}"),
            ):
                with pytest.raises(TelcoError) as raised:
                    attempt()
                errors.append(f"{raised.value!s} {raised.value!r} {vars(raised.value)!r}")
            entries = core.audit.entries(limit=1000).entries
            contact_repr = repr(core.contacts.get(cy))
        generated = [m.data["password"] for m in notifier.of_kind(MessageKind.PASSWORD)]
        passwords = [*generated, hand_set, changed]
        rows = [
            repr(row)
            for table in _TABLES
            for row in storage_workers.query(durable_url, f"SELECT * FROM {table}")  # noqa: S608 - constant
        ]
        haystacks = {
            "rows": " ".join(rows),
            "audit": " ".join(repr(e.body()) for e in entries),
            "logs": " ".join(r.getMessage() for r in caplog.records),
            "errors": " ".join(errors),
            "repr": contact_repr + " ".join(repr(m) for m in notifier.messages),
        }
        found = {name: [p for p in passwords if p in text] for name, text in haystacks.items()}
        assert 2 == len(generated)
        assert {name: [] for name in haystacks} == found
