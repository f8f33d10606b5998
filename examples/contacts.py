"""Add a contact, mail it a password, log in, verify its email, change the password.

Run it with ``python examples/contacts.py [STORAGE_URL]``; the default storage is an SQLite
file ``contacts.db`` in the current directory. Messages are captured in memory instead of
being mailed; use ``telcocore.adapters.smtp.SmtpNotifier`` for real email.
"""

from __future__ import annotations

import sys
import uuid

import telcocore
from telcocore.contacts.errors import AuthenticationFailed, WeakPassword
from telcocore.kernel.errors import ValidationError
from telcocore.testing import CapturingNotifier


def main(url: str) -> None:
    """Walk through a contact's life."""
    notifier = CapturingNotifier()
    with telcocore.connect(url, notifier=notifier) as core:
        account = core.accounts.open("Acme Hosted PBX", "USD", home_country="US")
        login = f"ann.{uuid.uuid4().hex[:8]}@example.com"
        ann = core.contacts.add(
            account.id, "Ann", login, mobile="(415) 555-0123", generate_password=True
        )
        print(f"added {ann.name} <{ann.email}>, mobile {ann.mobile}")

        # Changes only queue their messages; a delivery run (cron, a loop, or the worker
        # started by core.start_delivery()) sends them.
        core.outbox.deliver_pending()

        mailed = notifier.of_kind(telcocore.MessageKind.PASSWORD)[-1]
        print(f"a password was mailed to {mailed.to}")
        contact = core.contacts.authenticate(login.upper(), mailed.data["password"])
        print(f"{contact.name} logged in (the email matches in any case)")

        try:
            core.contacts.change_password(ann.id, mailed.data["password"], "password123")
        except WeakPassword as refused:
            print(f"refused ({refused.rule}): {refused}")
        core.contacts.change_password(ann.id, mailed.data["password"], "a-Long-new-secret-7")
        try:
            core.contacts.authenticate(login, mailed.data["password"])
        except AuthenticationFailed as failed:
            print(f"the old password no longer works: {failed}")

        try:
            core.contacts.update(ann.id, private_notes="pwd = a-Long-new-secret-7")
        except ValidationError as refused:
            print(f"notes refused: {refused}")

        core.contacts.send_code(ann.id, "email")
        core.outbox.deliver_pending()
        code = notifier.of_kind(telcocore.MessageKind.VERIFICATION)[-1].data["code"]
        verified = core.contacts.verify(ann.id, "email", code)
        print(f"email verified: {verified.email_verified}, mobile: {verified.mobile_verified}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///contacts.db")
