"""Open an account, top it up, charge it, and show the balance and the history.

Run it with ``python examples/quickstart.py [STORAGE_URL]``; the default storage is the
embedded one, an SQLite file ``quickstart.db`` in the current directory. Each run opens a
new account in it, so the file shows every run's history.
"""

from __future__ import annotations

import sys
from decimal import Decimal

import telcocore
from telcocore import DebitLimitExceeded, Money


def main(url: str) -> None:
    """Walk through an account's first money movements."""
    with telcocore.connect(url) as core:
        account = core.accounts.open(
            "Acme Hosted PBX",
            "USD",
            debit_limit=Decimal("5.00"),  # postpaid: may owe up to 5.00
            low_balance_threshold=Decimal("2.00"),
        )
        print(f"opened {account.name} ({account.id}) in {account.currency}")

        core.ledger.credit(
            account.id, Money("20.00", "USD"), idempotency_key=f"{account.id}:topup-1"
        )
        core.ledger.debit(account.id, "12.50", idempotency_key=f"{account.id}:seats-2026-11")
        # A retry with the same key posts nothing new.
        core.ledger.debit(account.id, "12.50", idempotency_key=f"{account.id}:seats-2026-11")
        core.ledger.charge_usage(account.id, "0.0420", idempotency_key=f"{account.id}:call-8f3a")

        try:
            core.ledger.debit(account.id, "100.00", idempotency_key=f"{account.id}:big-purchase")
        except DebitLimitExceeded as refused:
            print(f"refused: {refused.shortfall.format()} missing")

        # Amounts show every digit they have: the call's 0.0420 leaves a balance of $7.458.
        print(f"balance:   {core.ledger.balance(account.id).format()}")
        print(f"available: {core.ledger.available(account.id).format()}")
        print("history:")
        page = core.ledger.history(account.id)  # the first 50 entries; page.next_after: more
        for entry in page.entries:
            print(
                f"  {entry.seq:>3} {entry.created_at:%Y-%m-%d %H:%M} {entry.kind.value:<9}"
                f" {entry.amount.format():>9} -> {entry.balance.format():>9}"
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///quickstart.db")
