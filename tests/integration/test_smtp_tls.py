"""SmtpNotifier over STARTTLS and implicit TLS, with login, against a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import smtplib
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from tests.integration.smtp_inbox import free_port

from telcocore.adapters.smtp import SmtpConfig, SmtpNotifier, SmtpSecurity
from telcocore.notifications.model.message import Message, MessageKind

USER, SECRET = "noc", "relay-secret-1"


class _Inbox:
    """Keeps every delivered message, parsed, and whether the session was encrypted."""

    def __init__(self) -> None:
        self.messages: list[tuple[EmailMessage, bool]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: ANN401, N802 - aiosmtpd's hook
        """Keep the message."""
        del session
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((parsed, encrypted))
        return "250 OK"


def _authenticate(
    server: object, session: object, envelope: object, mechanism: str, data: object
) -> AuthResult:
    del server, session, envelope, mechanism
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        SECRET.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A throwaway certificate authority."""
    return trustme.CA()


@pytest.fixture
def client_context(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts only the throwaway authority."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture(params=[SmtpSecurity.STARTTLS, SmtpSecurity.TLS])
def server(
    request: pytest.FixtureRequest, ca: trustme.CA
) -> Iterator[tuple[SmtpSecurity, int, _Inbox]]:
    """A server requiring login over TLS: upgraded with STARTTLS, or TLS from the start."""
    security: SmtpSecurity = request.param
    inbox, port, context = _Inbox(), free_port(), _server_context(ca)
    # On a TLS-only port the whole session is encrypted; aiosmtpd's auth_require_tls
    # only knows about STARTTLS, so it is set for that mode alone.
    tls: dict[str, Any] = (
        {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
        if security is SmtpSecurity.STARTTLS
        else {"ssl_context": context, "server_hostname": "127.0.0.1", "auth_require_tls": False}
    )
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=_authenticate, **tls
    )
    controller.start()
    yield security, port, inbox
    controller.stop()


def _message() -> Message:
    return Message(
        id="m-1",
        kind=MessageKind.LOW_BALANCE,
        account_id="acme",
        created_at=datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC),
        to="billing@example.com",
        data={"account_name": "Acme", "balance": "1.50", "currency": "USD", "threshold": "5.00"},
    )


class TestEncryptedDelivery:
    """The notifier encrypts the session, logs in and delivers."""

    def test_delivered_over_tls_with_login(
        self, server: tuple[SmtpSecurity, int, _Inbox], client_context: ssl.SSLContext
    ) -> None:
        """The server receives the mail inside an encrypted, authenticated session."""
        security, port, inbox = server
        config = SmtpConfig(
            "127.0.0.1",
            port,
            security=security,
            from_address="noc@telco.example",
            username=USER,
            password=SECRET,
            timeout=5,
            ssl_context=client_context,
        )
        SmtpNotifier(config).send(_message())
        assert [("billing@example.com", True)] == [(m["To"], tls) for m, tls in inbox.messages]

    def test_an_untrusted_certificate_is_refused(
        self, server: tuple[SmtpSecurity, int, _Inbox]
    ) -> None:
        """With the system's trust only, the throwaway certificate fails and nothing is sent."""
        security, port, inbox = server
        config = SmtpConfig("127.0.0.1", port, security=security, timeout=5)
        with pytest.raises(ssl.SSLError):
            SmtpNotifier(config).send(_message())
        assert [] == inbox.messages

    def test_a_wrong_password_is_refused(
        self, server: tuple[SmtpSecurity, int, _Inbox], client_context: ssl.SSLContext
    ) -> None:
        """A login the server rejects raises, and nothing is delivered."""
        security, port, inbox = server
        config = SmtpConfig(
            "127.0.0.1",
            port,
            security=security,
            username=USER,
            password="wrong",
            timeout=5,
            ssl_context=client_context,
        )
        with pytest.raises(smtplib.SMTPException):
            SmtpNotifier(config).send(_message())
        assert [] == inbox.messages


def test_a_failed_starttls_closes_its_connection(
    ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade that fails (an untrusted certificate) closes the connection it was on."""
    inbox, port = _Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=_server_context(ca))
    controller.start()
    closed: list[smtplib.SMTP] = []
    close = smtplib.SMTP.close

    def closing(smtp: smtplib.SMTP) -> None:
        closed.append(smtp)
        close(smtp)

    monkeypatch.setattr(smtplib.SMTP, "close", closing)
    try:
        config = SmtpConfig("127.0.0.1", port, security=SmtpSecurity.STARTTLS, timeout=5)
        with pytest.raises(ssl.SSLError):
            SmtpNotifier(config).send(_message())
    finally:
        controller.stop()
    assert (1, []) == (len(closed), inbox.messages)
