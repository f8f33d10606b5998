"""Load a rate card, import a generated Asterisk Master.csv, print the result and the log.

Run it with ``python examples/calls.py [STORAGE_URL]``; the default storage is an SQLite
file ``calls.db`` in the current directory. It writes ``Master.csv`` there: 200 calls of
one US account, to the United States, Canada, the United Kingdom and Germany, and a few
to a destination the card has no rate for. Importing the file a second time posts nothing.
"""

from __future__ import annotations

import random
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import telcocore

CARD = """prefix,description,rate,setup_fee,min_increment,increment,grace,tiers,effective_from
1,United States and Canada,0.0100,,6,6,,,2026-01-01
44,"United Kingdom, fixed",0.0200,,60,6,,,2026-01-01
447,"United Kingdom, mobile",0.0900,,60,6,,,2026-01-01
49,Germany,0.0150,,30,6,,,2026-01-01
"""

DESTINATIONS = ["+14155550123", "+16135550123", "+442071234567", "+447700900123", "+4930123456"]
CALLS = 200
START = datetime(2026, 3, 14, 8, 0, tzinfo=UTC)
FORMAT = "%Y-%m-%d %H:%M:%S"


def write_master_csv(path: Path, account: str) -> None:
    """200 calls of ``account``: most answered, a few unanswered, a few unrated."""
    pick = random.Random(7)  # noqa: S311 - made-up calls, the same every run
    lines = []
    for n in range(CALLS):
        start = START + timedelta(minutes=3 * n)
        destination = "+999123" if n % 50 == 0 else pick.choice(DESTINATIONS)
        seconds = 0 if n % 10 == 0 else pick.randint(5, 600)
        answer = start + timedelta(seconds=4)
        end = answer + timedelta(seconds=seconds)
        answered = f'"{answer:{FORMAT}}"' if seconds else ""
        disposition = "ANSWERED" if seconds else "NO ANSWER"
        lines.append(
            f'"{account}","1001","{destination}","default","","PJSIP/1001-{n:04d}","","Dial",'
            f'"","{start:{FORMAT}}",{answered},"{end:{FORMAT}}",{seconds + 4},{seconds},'
            f'"{disposition}","DOCUMENTATION","1710403200.{n}",""'
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(url: str) -> None:
    """Import the file twice into ``url`` and print what each import did, then the log."""
    account = f"acme-{uuid.uuid4().hex[:8]}"  # each run opens a new account
    with telcocore.connect(url) as core:
        core.accounts.open("Acme", "USD", account_id=account, home_country="US")
        core.ledger.credit(account, "50.00", idempotency_key=f"{account}-top-up")
        deck = telcocore.load_rate_card(
            CARD, name="retail", currency="USD", default_effective_from=START
        )
        core.rating.save_deck(deck)
        core.rating.assign(account, "retail")

        source = Path("Master.csv")
        write_master_csv(source, account)
        first = core.calls.import_file("asterisk", source, batch_size=50)
        print(
            f"read {first.read}, imported {first.imported}, unrated {first.unrated}, "
            f"rejected {first.rejected}"
        )
        for refusal in first.refusals[:2]:
            print(f"  not posted: {refusal.call_id} ({refusal.kind}: {refusal.reason})")
        again = core.calls.import_file("asterisk", source, batch_size=50)
        print(f"again: imported {again.imported}, duplicates {again.duplicates}")
        assert again.imported == 0
        assert first.imported + first.unrated == CALLS

        balance = core.ledger.balance(account)
        print(f"balance after the calls: {balance}")

        page = core.calls.international_log(
            account, start=START, end=START + timedelta(days=1), limit=5
        )
        print("international calls (first page):")
        for row in page.rows:
            print(
                f"  {row.start:%H:%M} {row.source} -> {row.destination} {row.description}: "
                f"{row.minutes:.2f} min at {row.rate_per_minute}/min = {row.charge}"
            )
        totals = page.totals
        print(f"  total: {totals.calls} calls, {totals.minutes:.2f} min, {totals.charges}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///calls.db")
