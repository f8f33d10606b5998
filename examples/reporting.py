"""Post a week of calls, read the daily and live summaries, select cells, copy and export.

Run it with ``python examples/reporting.py [STORAGE_URL]``; the default storage is
``memory://``. One US account is priced by a retail deck and costed by a carrier deck that
knows only the United Kingdom, so profit shows for UK calls alone. It prints the daily rows
as a copy with headers (TSV), the live view, the sum and both averages of the ASR column
(the average of averages and the true, weighted ASR), checks that a rebuild from the call
records agrees with what was kept, prunes the hourly rows older than two days, and writes
the week as ``summaries.csv``.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import telcocore
from telcocore.calls.model.records import CallRecord
from telcocore.testing import FixedClock

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
WEEK = telcocore.Period.days(
    datetime(2026, 3, 9, tzinfo=UTC).date(), datetime(2026, 3, 15, tzinfo=UTC).date()
)
UNANSWERED = 0.3
"""The share of calls nobody answers."""
DESTINATIONS = ["+14155550123", "+16135550123", "+442071234567", "+4930123456"]


def decks() -> tuple[telcocore.RateDeck, telcocore.RateDeck]:
    """The retail deck (what the customer pays) and the carrier's (what a call costs)."""
    retail = telcocore.RateDeck(
        "retail",
        "USD",
        [
            telcocore.Rate(
                "1", "United States and Canada", Decimal("0.0100"), effective_from=SINCE
            ),
            telcocore.Rate("44", "United Kingdom", Decimal("0.0600"), effective_from=SINCE),
            telcocore.Rate("49", "Germany", Decimal("0.0400"), effective_from=SINCE),
        ],
    )
    carrier = telcocore.RateDeck(
        "carrier", "USD", [telcocore.Rate("44", "UK", Decimal("0.0200"), effective_from=SINCE)]
    )
    return retail, carrier


def calls(account: str) -> list[CallRecord]:
    """A week of calls, a few an hour, most of them answered."""
    pick = random.Random(3)  # noqa: S311 - made-up calls, the same every run
    records = []
    moment = WEEK.start
    n = 0
    while moment < WEEK.end:
        seconds = 0 if pick.random() < UNANSWERED else pick.randint(5, 600)
        records.append(
            CallRecord(
                call_id=f"{account}-{n}",
                account_id=account,
                source="1001",
                destination=pick.choice(DESTINATIONS),
                start=moment,
                answer=moment if seconds else None,
                end=moment + timedelta(seconds=seconds + 4),
                duration=seconds + 4,
                billable=seconds,
                disposition="answered" if seconds else "no_answer",
            )
        )
        n += 1
        moment += timedelta(minutes=pick.randint(5, 40))
    return records


def main(url: str) -> None:
    """Post the week, then read, select, copy, rebuild and export its summaries."""
    clock = FixedClock(datetime(2026, 3, 15, 18, 30, tzinfo=UTC))
    with telcocore.TelcoCore(storage=telcocore.core.open_storage(url), clock=clock) as core:
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        retail, carrier = decks()
        core.rating.save_deck(retail)
        core.rating.save_deck(carrier)
        core.rating.assign("acme", "retail", "carrier")
        week = calls("acme")
        for first in range(0, len(week), 100):
            core.calls.post_many(week[first : first + 100])
        core.calls.post_many(week[:50])  # posted again: duplicates, nothing changes

        daily = core.summaries.daily("acme", WEEK.start, WEEK.end, by=())
        print(f"{len(week)} calls posted; the week's days, all destinations summed:\n")
        columns = ["period_start", "attempts", "connected", "asr", "acd", "charge", "profit"]
        print(telcocore.to_tsv(daily, columns, header=True))

        asr = telcocore.select_cells(daily, "asr")
        print(f"ASR of {asr.count} days: sum {asr.total}, min {asr.minimum}, max {asr.maximum}")
        print(f"  average of averages (mean of the cells): {asr.mean_of_cells} %")
        print(f"  true ASR (weighted by attempts):         {asr.weighted} %")
        charge = telcocore.select_cells(daily, "charge")
        print(f"charges: {charge.total}, {charge.mean_of_cells} a day on average\n")

        live = core.summaries.live("acme", by=())
        print(f"live view (the 24 hours to {clock.now():%H:%M} UTC):")
        print(telcocore.to_tsv(live, ["period_start", "attempts", "asr", "charge"]))

        kept = core.summaries.daily("acme", WEEK.start, WEEK.end)
        core.summaries.rebuild("acme", WEEK, reason="example")
        rebuilt = core.summaries.daily("acme", WEEK.start, WEEK.end)
        print(f"rebuilt from the call records: {'agrees' if kept == rebuilt else 'DIFFERS'}")
        pruned = core.summaries.prune_hours(clock.now() - timedelta(days=2), reason="example")
        print(f"hourly rows older than two days pruned: {pruned}")

        path = Path("summaries.csv")
        path.write_text(telcocore.to_csv(kept), encoding="utf-8", newline="")
        print(f"wrote {len(kept)} rows to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "memory://")
