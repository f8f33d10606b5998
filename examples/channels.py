"""Start calls under a channel limit and the account's credit, end them, reap lost ones.

Run it with ``python examples/channels.py [STORAGE_URL]``; the default storage is an
SQLite file ``channels.db`` in the current directory. Each run opens a new prepaid account
with two channels and 1.00 of credit.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import telcocore
from telcocore import ChannelLimitReached, DebitLimitExceeded


def main(url: str) -> None:
    """Walk through the calls of one account."""
    with telcocore.connect(url) as core:
        account = core.accounts.open("Acme Hosted PBX", "USD", channel_limit=2)
        core.ledger.credit(account.id, "1.00", idempotency_key=f"{account.id}-top-up")

        # Each call holds its first billing block: here a 0.05 connect fee and 60 s at 0.25/min.
        first_block = "0.30"
        for call_id in ("a", "b", "c"):
            try:
                core.calls.start_call(f"{account.id}-{call_id}", account.id, hold=first_block)
                print(f"call {call_id} started")
            except ChannelLimitReached as refused:
                print(f"call {call_id} refused: {refused.limit} channels in use")
        again = core.calls.start_call(f"{account.id}-a", account.id, hold=first_block)
        print(f"call a started again: counted once (started={again.started})")

        overview = core.calls.overview(account.id)
        print(
            f"balance {overview.balance}, held {overview.held}, available {overview.available}, "
            f"channels {overview.channels_in_use}/{overview.channel_limit}"
        )

        # Call a ends after 95 s; its usage posts and releases its hold in one transaction.
        core.ledger.charge_usage(
            account.id,
            "0.45",
            idempotency_key=f"{account.id}-a-cdr",
            release_hold=f"{account.id}-a",
        )
        ended = core.calls.end_call(f"{account.id}-a")
        assert ended is not None
        print(f"call a ended, hold released with its usage: {ended.hold is None}")

        try:
            core.calls.start_call(f"{account.id}-d", account.id, hold="0.50")
        except DebitLimitExceeded as refused:
            print(f"call d refused: {refused.available} available, {refused.shortfall} missing")

        # Call b never reports its end: the reaper releases it after the maximum duration.
        later = core.context.clock.now() + timedelta(hours=5)
        reaped = core.calls.reap(now=later)
        mine = [end.channel.call_id for end in reaped if end.channel.account_id == account.id]
        print(f"reaped: {mine}")
        print(f"available now: {core.ledger.available(account.id)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///channels.db")
