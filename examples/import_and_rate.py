"""Import an Asterisk Master.csv and rate every call against a rate deck, streaming.

The volume path: rows are read, checked and rated one at a time, so the memory used does
not depend on the file. Run it from the repository root: ``python examples/import_and_rate.py``.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from telcocore import Money, Rate, RatedCall, RateDeck
from telcocore.calls.importers import RejectedRow, read_asterisk

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def master_csv(rows: int) -> bytes:
    """A small 21-column Master.csv: calls to the UK, to UK mobiles and to the US."""
    numbers = ("+442071838750", "+447700900123", "+14155550123", "+33123")
    lines = []
    for i in range(rows):
        number = numbers[i % len(numbers)]
        answered = i % 3 != 0
        second = i % 60
        answer = f"2026-03-14 15:{i // 60 % 60:02d}:{second:02d}" if answered else ""
        billsec = 30 + i % 90 if answered else 0
        lines.append(
            f'"acme","1001","{number}","from-internal","","SIP/1001-{i}","","Dial","",'
            f'"2026-03-14 15:{i // 60 % 60:02d}:{second:02d}","{answer}",'
            f'"2026-03-14 17:00:00",{billsec + 5},{billsec},'
            f'"{"ANSWERED" if answered else "NO ANSWER"}","DOCUMENTATION",'
            f'"1773500966.{i}","","","1773500966.{i}",0\n'
        )
    return "".join(lines).encode()


def main() -> None:
    """Import 1,000 rows, rate them, and print what was billed and what was not."""
    deck = RateDeck(
        "retail",
        "USD",
        [
            Rate("44", "United Kingdom", Decimal("0.02"), effective_from=SINCE),
            Rate(
                "447",
                "United Kingdom mobile",
                Decimal("0.10"),
                connect_fee=Decimal("0.01"),
                initial_increment=60,
                subsequent_increment=6,
                effective_from=SINCE,
            ),
            Rate("1", "North America", Decimal("0.01"), effective_from=SINCE),
        ],
    )
    total = Money("0", "USD")
    by_prefix: Counter[str] = Counter()
    unrated = 0
    for result in read_asterisk(io.BytesIO(master_csv(1_000))):
        if isinstance(result, RejectedRow):
            print("rejected:", result.line, result.reason)
            continue
        rated = deck.rate(result.destination, result.billable, at=result.start)
        if isinstance(rated, RatedCall):
            by_prefix[rated.prefix] += 1
            total += rated.cost
        else:
            unrated += 1
    print("calls by prefix:", dict(sorted(by_prefix.items())))
    print("unrated (no rate for the destination):", unrated)
    print("total:", total)


if __name__ == "__main__":
    main()
