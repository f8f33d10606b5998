"""Load a CSV rate card, store it as a deck, assign it to an account and rate some calls.

Run it with ``python examples/rating.py [STORAGE_URL]``; the default storage is an SQLite
file ``rating.db`` in the current directory. Each run saves the deck again (its version
goes up) and opens a new account.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal

import telcocore
from telcocore import Money, RatedCall

CARD = """prefix,description,rate,setup_fee,min_increment,increment,grace,tiers,effective_from
1,United States and Canada,0.0100,,6,6,,,2026-01-01
44,"United Kingdom, fixed",0.0200,0.05,60,6,,,2026-01-01
447,"United Kingdom, mobile",0.0900,0.05,60,6,,600:0.06/60,2026-01-01
447,"United Kingdom, mobile",0.0800,0.05,60,6,,600:0.05/60,2026-04-01
49,Germany,0.0150,,30,6,5,,2026-01-01
"""

CALLS = [
    ("+14155550123", Decimal("30.1")),
    ("+442071234567", 61),
    ("+447700900123", 61),
    ("+447700900123", 900),
    ("+4930123456", 4),
    ("+442071234567", 0),
    ("+33142685300", 60),
    ("not a number", 60),
]


def main(url: str) -> None:
    """Rate a few calls with a deck loaded from a CSV rate card."""
    deck = telcocore.load_rate_card(
        CARD, name="retail", currency="USD", default_effective_from=datetime(2026, 1, 1, tzinfo=UTC)
    )
    with telcocore.connect(url) as core:
        saved = core.rating.save_deck(deck, actor="pricing-team")
        print(f"deck {saved.name} v{saved.version}: {saved.rate_count} rates, {saved.digest[:12]}")
        account = core.accounts.open("Acme Hosted PBX", "USD")
        core.rating.assign(account.id, "retail")
        at = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
        total = Money.zero("USD")
        for destination, seconds in CALLS:
            result = core.rating.rate(account.id, destination, seconds, at=at)
            if isinstance(result, RatedCall):
                total += result.cost
                print(
                    f"{destination:>15} {seconds!s:>5}s -> {result.prefix:<4} "
                    f"billed {result.billed_seconds:>4}s  {result.cost}"
                )
            else:
                print(f"{destination:>15} {seconds!s:>5}s -> unrated: {result.reason}")
        print(f"total of the rounded costs: {total}")
        retail = core.rating.deck("retail")
        print("first block to a UK mobile:", retail.first_block("+447700900123", at=at))
        longest = retail.max_duration("+447700900123", Money("1.00", "USD"), at=at)
        print(f"1.00 USD pays for {longest} s to a UK mobile")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///rating.db")
