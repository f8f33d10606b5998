"""Low-balance alerts through the outbox: queued with the posting, delivered, retried.

Run it with ``python examples/notifications.py [STORAGE_URL]``; the default storage is a
private in-memory database (``memory://``), so each run starts afresh. The notifier here is
a local one: it writes each message as an email into the Maildir folder ``mail/`` in the
current directory (read it with ``mutt -f mail`` or any mail client), where a deployment
would use ``telcocore.adapters.smtp.SmtpNotifier``. Nothing is sent while a posting runs:
the alert is written to the outbox in the posting's transaction, and ``deliver_pending``
(from cron, a loop, or the worker ``connect(url, deliver_every=5)`` starts) sends it. A
refused delivery is logged as a warning and retried after a delay that doubles each time.
"""

from __future__ import annotations

import mailbox
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import attrs

import telcocore
from telcocore.contacts.services import ContactService
from telcocore.notifications.model.message import Message
from telcocore.notifications.model.templates import render
from telcocore.notifications.services import RETRY_BASE
from telcocore.testing import FixedClock


class MaildirNotifier:
    """Writes each email message into a local Maildir, addressed to the account's contacts.

    ``contacts`` (``core.contacts``, set once the core is connected) says who an account's
    contacts are and which locale its messages are written in. Raising means "not
    delivered": the outbox retries the message later.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.contacts: ContactService | None = None
        self.delivered: list[str] = []
        """The ids of the messages written, in order."""

    def destination(self, message: Message) -> str:  # noqa: ARG002 - one folder for all
        """Where messages go, for the outbox's log lines."""
        return f"maildir {self.path}"

    def send(self, message: Message) -> None:
        """Render ``message`` in its account's locale and add it to the Maildir."""
        contacts = self.contacts
        if contacts is None:
            msg = "no contact directory yet"
            raise LookupError(msg)
        recipients = message.to or ", ".join(contacts.addresses(message.account_id, "email"))
        if not recipients:
            msg = f"account {message.account_id} has no contact with an email yet"
            raise LookupError(msg)
        locale = contacts.locale_of(message.account_id)
        rendered = render(attrs.evolve(message, data={**message.data, "locale": locale}))
        email = EmailMessage()
        email["From"] = "noc@example.com"
        email["To"] = recipients
        email["Subject"] = rendered.subject
        email["Message-ID"] = f"<{message.id}@telcocore>"
        email.set_content(rendered.body)
        mailbox.Maildir(self.path, create=True).add(email)
        self.delivered.append(message.id)


def main(url: str) -> None:
    """Cross an account's alert threshold twice; deliver each alert once, one of them late."""
    clock = FixedClock(datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC))
    notifier = MaildirNotifier(Path("mail"))
    with telcocore.connect(url, notifier=notifier, clock=clock) as core:
        notifier.contacts = core.contacts
        account = core.accounts.open(
            "Acme Ltd", "GBP", locale="en_GB", low_balance_threshold="2.00"
        )
        core.ledger.credit(account.id, "10.00", idempotency_key=f"{account.id}:top-up-1")
        core.ledger.debit(account.id, "8.50", idempotency_key=f"{account.id}:seats-march")
        print(f"balance {core.ledger.balance(account.id).format()}: {core.outbox.counts()}")
        assert core.outbox.counts().due == 1

        # The account has no contact yet: the notifier refuses, and the alert waits.
        report = core.outbox.deliver_pending()
        print(f"first run: {report}")
        assert (report.sent, report.failed) == (0, 1)
        (waiting,) = core.outbox.pending()
        print(f"  waiting: {waiting.message.kind.value}, attempts {waiting.attempts}")
        print(f"  last error: {waiting.last_error}")
        print(f"  due again at {waiting.next_attempt_at:%H:%M:%S} UTC")

        # Logins are unique in the storage: a file that holds earlier runs needs a new one.
        core.contacts.add(account.id, "Ann", f"ann.{account.id[-8:]}@example.com")
        report = core.outbox.deliver_pending()
        print(f"run at once: {report} (the retry delay is not over)")
        assert not report.progressed

        clock.advance(RETRY_BASE)
        report = core.outbox.deliver_pending()
        print(f"run {RETRY_BASE.seconds} s later: {report}")
        assert report.sent == 1

        # Further down, still below the threshold: no new alert. Back above it and down
        # again: a new one.
        core.ledger.debit(account.id, "0.50", idempotency_key=f"{account.id}:did-march")
        assert core.outbox.counts().pending == 0
        core.ledger.credit(account.id, "5.00", idempotency_key=f"{account.id}:top-up-2")
        core.ledger.debit(account.id, "4.75", idempotency_key=f"{account.id}:calls-march")
        report = core.outbox.deliver_pending()
        print(f"after crossing the threshold again: {report}")
        assert report.sent == 1
        assert core.outbox.counts().pending == 0

    # Read back this run's emails (the folder keeps earlier runs' too), in delivery order.
    by_id = {email["Message-ID"]: email for email in mailbox.Maildir(notifier.path, create=False)}
    print(f"emails in {notifier.path}/:")
    texts = []
    for message_id in notifier.delivered:
        email = by_id[f"<{message_id}@telcocore>"]
        body = email.get_payload(decode=True)
        assert isinstance(body, bytes)
        texts.append(body.decode().strip())
        print(f"  To: {email['To']} | {email['Subject']} | {texts[-1]}")
    assert [text.split(",")[0] for text in texts] == [
        "Your balance is £1.50",
        "Your balance is £1.25",
    ]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "memory://")
