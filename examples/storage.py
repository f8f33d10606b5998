"""The same code on every storage; a file shared by processes; a retry that posts once.

Run it with ``python examples/storage.py [POSTGRESQL_URL]``: it runs the same top-up and
charge on ``memory://`` and on the SQLite file ``storage.db`` in the current directory, and
on PostgreSQL too when you name a server (``postgresql://user@host/db?schema=example``;
needs ``telcocore[postgres]``). Each storage is created, or migrated to this release's
schema, when it opens. Then two processes post the same charge, with the same idempotency
key, at the same time, on the file (and on PostgreSQL): it is posted once, and both get
that one transaction back.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal

import telcocore
from telcocore import Money


def top_up_and_charge(url: str) -> tuple[str, Money]:
    """Open an account on ``url``, top it up and charge it: its id and balance."""
    with telcocore.connect(url) as core:
        versions = getattr(core.storage, "schema_versions", {})
        account = core.accounts.open("Acme Hosted PBX", "USD", debit_limit="5.00")
        core.ledger.credit(account.id, "20.00", idempotency_key=f"{account.id}:top-up")
        core.ledger.debit(account.id, "12.50", idempotency_key=f"{account.id}:seats")
        balance = core.ledger.balance(account.id)
        where = url.partition("?")[0]
        print(f"{where}: {len(versions)} modules migrated, balance {balance.format()}")
        return account.id, balance


def charge(url: str, account_id: str) -> str:
    """Post the account's setup fee, once whatever the retries: the transaction's id."""
    with telcocore.connect(url) as core:
        posted = core.ledger.debit(account_id, "3.00", idempotency_key=f"{account_id}:setup-fee")
        return posted.id


def race(url: str, account_id: str) -> None:
    """Two processes post the same charge at once; show that it was posted once."""
    with ProcessPoolExecutor(max_workers=2) as pool:
        ids = list(pool.map(charge, [url, url], [account_id, account_id]))
    with telcocore.connect(url) as core:
        fees = [
            entry
            for entry in core.ledger.history(account_id).entries
            if entry.amount == Money("-3.00", "USD")
        ]
        balance = core.ledger.balance(account_id)
    print(f"  two processes, one key: {len(set(ids))} transaction, balance {balance.format()}")
    assert len(set(ids)) == 1
    assert len(fees) == 1
    assert balance.amount == Decimal("4.50")


def main(postgresql: str | None) -> None:
    """Run the same code on each storage, then race two processes on the shared ones."""
    urls = ["memory://", "sqlite:///storage.db"]
    if postgresql is not None:
        urls.append(postgresql)
    opened = {url: top_up_and_charge(url) for url in urls}
    assert {balance for _, balance in opened.values()} == {Money("7.50", "USD")}

    # A file (or a server) outlives the core: open it again and the account is there.
    account_id, _ = opened["sqlite:///storage.db"]
    with telcocore.connect("sqlite:///storage.db") as core:
        print(f"storage.db opened again: {core.accounts.get(account_id).name} is there")

    # memory:// is private to its core: only the file and the server are shared.
    for url in urls[1:]:
        print(f"{url.partition('?')[0]}:")
        race(url, opened[url][0])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
