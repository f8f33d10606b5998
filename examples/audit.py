"""Change an account, read who changed what and why as a JSON Patch, and verify the chain.

Run it with ``python examples/audit.py [STORAGE_URL]``; the default storage is an SQLite
file ``audit.db`` in the current directory. Each run opens a new account in it, so the log
(one hash chain for the whole storage) grows by this run's entries. On an SQLite file the
example then alters one stored entry behind the library's back, as someone with the file
could, shows that the chain names it, and puts the entry back as it was.
"""

from __future__ import annotations

import json
import sqlite3
import sys

import telcocore
from telcocore import AccountStatus


def main(url: str) -> None:
    """Walk through an account's audited changes."""
    with telcocore.connect(url) as core:
        # Changes made through a view record its actor and IP; the core itself is `system`.
        alice = core.acting_as("alice", ip="203.0.113.5")
        account = alice.accounts.open("Acme Hosted PBX", "USD", reason="signed up on the portal")
        alice.accounts.update(account.id, debit_limit="5.00", reason="credit check passed")
        core.accounts.set_status(account.id, AccountStatus.INACTIVE, reason="invoice overdue")
        # A call that changes nothing writes no entry.
        alice.accounts.update(account.id, debit_limit="5.00", reason="no change")

        page = core.audit.entries(entity_type="account", entity_key=account.id)
        print(f"{len(page.entries)} entries for account {account.id}, newest first:")
        for entry in page.entries:
            print(f"  #{entry.seq} {entry.action.value:<6} by {entry.actor:<6} ({entry.reason})")
        assert [e.action.value for e in page.entries] == ["UPDATE", "UPDATE", "CREATE"]
        assert [e.actor for e in page.entries] == ["system", "alice", "alice"]

        # The difference of one change: the entity before and after, and the RFC 6902 patch
        # (checked, when it was recorded, to turn "before" into "after").
        raised = page.entries[1]
        diff = core.audit.difference(raised.id)
        print(f"#{raised.seq} from {raised.source_ip} changed:")
        for operation in diff.patch:
            print(f"  {json.dumps(operation)}")
        assert diff.before is not None
        assert diff.after is not None
        before, after = diff.before["debit_limit"], diff.after["debit_limit"]
        print(f"debit limit {before['amount']} -> {after['amount']} {after['currency']}")
        assert diff.after["debit_limit"] == {"amount": "5.00", "currency": "USD"}

        # Every version of the account, rebuilt by replaying the patches from nothing.
        versions = core.audit.history("account", account.id)
        for version in versions:
            document = version.document
            assert isinstance(document, dict)
            print(
                f"  after #{version.entry.seq}: status {document['status']}, "
                f"debit limit {document['debit_limit']['amount']}, version {document['version']}"
            )
        assert [v.entry.seq for v in versions] == [e.seq for e in reversed(page.entries)]

        broken = core.audit.verify_chain()
        print(f"hash chain: {'holds' if broken is None else broken}")
        assert broken is None

        if url.startswith("sqlite:///") and "memory" not in url:
            tamper(core, url.removeprefix("sqlite:///").partition("?")[0], raised.seq)


def tamper(core: telcocore.TelcoCore, path: str, seq: int) -> None:
    """Rewrite entry ``seq``'s reason in the file itself, verify the chain, put it back."""
    with sqlite3.connect(path) as db:
        (reason,) = db.execute("SELECT reason FROM audit_entries WHERE seq = ?", (seq,)).fetchone()
        db.execute("UPDATE audit_entries SET reason = ? WHERE seq = ?", ("nobody asked", seq))
    try:
        broken = core.audit.verify_chain()
        print(f"after rewriting #{seq} in the file: {broken}")
        assert broken is not None
        assert broken.seq == seq
    finally:
        with sqlite3.connect(path) as db:
            db.execute("UPDATE audit_entries SET reason = ? WHERE seq = ?", (reason, seq))
    restored = core.audit.verify_chain()
    print(f"put back: {'holds' if restored is None else restored}")
    assert restored is None


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///audit.db")
