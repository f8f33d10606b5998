"""Email over SMTP with the standard library's :mod:`smtplib`.

:class:`SmtpNotifier` delivers email messages; a message for another channel (SMS) is
refused, so it stays in the outbox for a notifier that can send it. A message without an
address goes to the account's contacts, asked of the notifier's ``directory``, which also
gives the account's locale for the text. :class:`~telcocore.core.TelcoCore` sets it to its
``contacts`` service when the notifier has none::

    notifier = SmtpNotifier(SmtpConfig("mail.example.com", 587, from_address="noc@example.com"))
    core = telcocore.connect("sqlite:///telco.db", notifier=notifier)
"""

from __future__ import annotations

import enum
import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Protocol

import attrs

from telcocore.notifications.model.message import Channel, Message
from telcocore.notifications.model.templates import render

log = logging.getLogger(__name__)

__all__ = ["ContactDirectory", "SmtpConfig", "SmtpNotifier", "SmtpSecurity"]


class SmtpSecurity(enum.StrEnum):
    """How the connection to the server is protected."""

    PLAIN = "plain"
    """No TLS (a local relay)."""
    STARTTLS = "starttls"
    """Upgraded with STARTTLS (usually port 587)."""
    TLS = "tls"
    """TLS from the start (usually port 465)."""


class ContactDirectory(Protocol):
    """Where a message to a whole account goes."""

    def addresses(self, account_id: str, channel: Channel) -> list[str]:
        """The account's contacts' addresses on ``channel``."""
        ...

    def locale_of(self, account_id: str) -> str:
        """The account's locale."""
        ...


@attrs.frozen
class SmtpConfig:
    """How to reach the SMTP server. ``password`` never shows in a repr."""

    host: str
    port: int = 587
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    from_address: str = "noreply@localhost"
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout: float = 10.0
    """Seconds to wait for the server on connect and on each command."""
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, repr=False)
    """For STARTTLS and TLS; the system's default trust when ``None``."""


class SmtpNotifier:
    """Sends email messages through one SMTP server, a connection per message."""

    def __init__(self, config: SmtpConfig, *, directory: ContactDirectory | None = None) -> None:
        self.config = config
        self.directory = directory
        """Resolves messages addressed to a whole account (``to`` is ``None``)."""

    def _recipients(self, message: Message) -> Sequence[str]:
        if message.to is not None:
            return [message.to]
        if self.directory is None:
            msg = f"message {message.id} has no address and the notifier has no directory"
            raise LookupError(msg)
        found = self.directory.addresses(message.account_id, message.channel)
        if not found:
            msg = f"account {message.account_id!r} has no contact with an email yet"
            raise LookupError(msg)
        return found

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.security is SmtpSecurity.TLS:
            context = c.ssl_context or ssl.create_default_context()
            return smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=context)
        smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        if c.security is SmtpSecurity.STARTTLS:
            try:
                smtp.starttls(context=c.ssl_context or ssl.create_default_context())
            except BaseException:  # the connection is not handed on: close it here
                smtp.close()
                raise
        return smtp

    def destination(self, message: Message) -> str:  # noqa: ARG002 - one server for all
        """The server, for log lines: ``smtp host:port`` (never the username or password)."""
        return f"smtp {self.config.host}:{self.config.port}"

    def send(self, message: Message) -> None:
        """Render ``message`` and hand it to the server; raise if it is not accepted.

        A message the server accepts for some of its recipients and refuses for others
        counts as sent (a retry would send it again to those who have it): the refused
        addresses are logged at WARNING, with the server's answers, on the
        ``telcocore.adapters.smtp`` logger.
        """
        if message.channel is not Channel.EMAIL:
            msg = f"the SMTP notifier sends email, not {message.channel}"
            raise ValueError(msg)
        recipients = self._recipients(message)
        if "locale" not in message.data and self.directory is not None:
            locale = self.directory.locale_of(message.account_id)
            message = attrs.evolve(message, data={**message.data, "locale": locale})
        rendered = render(message)
        email = EmailMessage()
        email["From"] = self.config.from_address
        email["To"] = ", ".join(recipients)
        email["Subject"] = rendered.subject
        email["Message-ID"] = f"<{message.id}@telcocore>"
        email.set_content(rendered.body)
        with self._connect() as smtp:
            if self.config.username is not None and self.config.password is not None:
                smtp.login(self.config.username, self.config.password)
            refused = smtp.send_message(email, to_addrs=list(recipients))
        if refused:
            # The server took the message for the others: raising would send it to them
            # again on every retry. The addresses it refused are logged, with its answers.
            log.warning(
                "%s refused %d of the %d recipients of message %s (%s): %s",
                self.destination(message),
                len(refused),
                len(recipients),
                message.id,
                message.kind,
                "; ".join(
                    f"{address}: {code} {text.decode(errors='replace')}"
                    for address, (code, text) in sorted(refused.items())
                ),
            )
