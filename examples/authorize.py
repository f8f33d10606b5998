"""Authorize calls as a switch would before it connects them, and start them in one step.

Run it with ``python examples/authorize.py [STORAGE_URL]``; the default storage is an
SQLite file ``authorize.db`` in the current directory. Each run opens a new prepaid account
(home country GB, two channels, 0.25 of credit) priced by a small rate deck.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal

import telcocore
from telcocore import Rate, RateDeck

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def deck() -> RateDeck:
    """UK landlines at 0.06/min on 60/6, UK mobiles with a connect fee, nothing else."""
    return RateDeck(
        "example-retail",
        "USD",
        [
            Rate(
                "44",
                "United Kingdom",
                Decimal("0.06"),
                initial_increment=60,
                subsequent_increment=6,
                effective_from=SINCE,
            ),
            Rate(
                "447",
                "United Kingdom mobile",
                Decimal("0.12"),
                connect_fee=Decimal("0.05"),
                initial_increment=30,
                subsequent_increment=6,
                effective_from=SINCE,
            ),
        ],
    )


def main(url: str) -> None:
    """Walk through the authorizations of one account."""
    with telcocore.connect(url) as core:
        account = core.accounts.open("Acme", "USD", channel_limit=2, home_country="GB")
        core.ledger.credit(account.id, "0.25", idempotency_key=f"{account.id}-top-up")
        core.rating.save_deck(deck())
        core.rating.assign(account.id, "example-retail")
        core.numbering.block_prefix(account.id, "+44909")

        for destination in ("020 7123 4567", "07700 900123", "0909 8790000", "+33142685300"):
            answer = core.calls.authorize(account.id, "anonymous", destination)
            if answer.allowed:
                print(
                    f"{destination}: allowed for {answer.max_duration} s at {answer.prefix} "
                    f"({answer.description}), first block {answer.first_block}"
                )
            else:
                print(f"{destination}: refused ({answer.reason}): {answer.message}")

        # Authorize and start in one step: the first block is held under the call's id.
        for n in (1, 2, 3):
            call_id = f"{account.id}-{n}"
            answer = core.calls.authorize_and_start(
                call_id, account.id, source="anonymous", destination="07700 900123"
            )
            hold = None if answer.start is None else answer.start.hold
            held = "nothing" if hold is None else hold.amount
            print(f"call {n}: {answer.reason or 'started'}, held {held}")
        overview = core.calls.overview(account.id)
        print(f"held {overview.held}, available {overview.available}")

        core.calls.end_call(f"{account.id}-1")
        print(f"call 1 ended, available {core.ledger.available(account.id)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///authorize.db")
