"""A real SMTP server's side for the tests: an aiosmtpd handler keeping what it receives.

Shared by the tests that deliver through :class:`~telcocore.adapters.smtp.SmtpNotifier`
(the contacts' delivery, TLS, ``telcocore outbox deliver``).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from email.message import EmailMessage
from typing import Any


class Inbox:
    """An aiosmtpd handler keeping every delivered message, parsed; it can hold one back."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.hold = threading.Event()
        """While set, a message being delivered waits (the send stays in flight)."""
        self.arrived = threading.Event()
        """Set when a message's data arrived."""
        self.refused: set[str] = set()
        """Recipients the server refuses (``550``); it takes the others."""

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook
        self,
        server: Any,  # noqa: ANN401 - aiosmtpd's
        session: Any,  # noqa: ANN401 - aiosmtpd's
        envelope: Any,  # noqa: ANN401 - aiosmtpd's
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Take the recipient, unless it is one of :attr:`refused`."""
        del server, session, rcpt_options
        if address in self.refused:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: ANN401, N802 - aiosmtpd's hook
        """Keep the message, parsed, once it may go."""
        del server, session
        self.arrived.set()
        while self.hold.is_set():  # noqa: ASYNC110 - the test's thread clears it
            await asyncio.sleep(0.01)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
