"""Read a small Asterisk Master.csv: count the records and the rejected rows, classify.

Run it with ``python examples/importing.py``; it writes ``Master.csv`` in the current
directory (times in New York local time, as an Asterisk there writes them), reads it back
and prints what it found. Then it imports the file into an in-memory core, billing each
call to the account its source extension is registered to.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from telcocore import Rate, RateDeck, connect
from telcocore.calls.importers import ImportProgress, RejectedRow, read_asterisk
from telcocore.calls.model.classification import classify

ROWS = [
    # An answered call; the caller id holds a comma and quotes, doubled as Asterisk does.
    (
        '"acme","1001","+14155550123","from-internal","""Bob, Jr."" <1001>","PJSIP/1001-01",'
        '"PJSIP/trunk-02","Dial","PJSIP/+14155550123@trunk,60","2026-03-14 11:09:26",'
        '"2026-03-14 11:09:30","2026-03-14 11:10:30",64,60,"ANSWERED","DOCUMENTATION"'
    ),
    # Nobody answered: the answer time is empty.
    (
        '"acme","1002","+16135550123","from-internal","""Ann"" <1002>","PJSIP/1002-03",'
        '"PJSIP/trunk-04","Dial","PJSIP/+16135550123@trunk,60","2026-03-14 12:00:00",,'
        '"2026-03-14 12:00:20",20,0,"NO ANSWER","DOCUMENTATION"'
    ),
    # A call to a non-geographic number.
    (
        '"globex","2001","+80012345678","from-internal","","PJSIP/2001-05","PJSIP/trunk-06",'
        '"Dial","PJSIP/+80012345678@trunk","2026-03-14 13:00:00","2026-03-14 13:00:02",'
        '"2026-03-14 13:03:02",182,180,"ANSWERED","DOCUMENTATION"'
    ),
    # Rejected: a time Asterisk never writes.
    (
        '"acme","1001","+14155550123","from-internal","","PJSIP/1001-07","","Dial","",'
        '"14/03/2026 14:00",,"2026-03-14 14:00:09",9,0,"BUSY","DOCUMENTATION"'
    ),
    # Rejected: no account code.
    (
        '"","1003","+14155550123","from-internal","","PJSIP/1003-08","","Dial","",'
        '"2026-03-14 15:00:00",,"2026-03-14 15:00:09",9,0,"FAILED","DOCUMENTATION"'
    ),
]

EXPECTED = (3, 2)
"""Records and rejected rows the file gives."""
EXTENSIONS = {"1001": "acme", "1002": "acme", "2001": "globex"}
"""Who each source extension belongs to (1003 is nobody's)."""
UTC_HOUR = 15
"""The hour in UTC of the first call, at 11:09 in New York."""


def main() -> None:
    """Write the file, import it, print the counts."""
    path = Path("Master.csv")
    path.write_text("".join(row + "\n" for row in ROWS), encoding="utf-8")

    reports: list[ImportProgress] = []
    records, rejected = [], []
    for result in read_asterisk(path, tz="America/New_York", progress=reports.append):
        (rejected if isinstance(result, RejectedRow) else records).append(result)

    print(f"{len(records)} call records, {len(rejected)} rejected rows")
    for row in rejected:
        print(f"  line {row.line}: {row.reason}")
    for record in records:
        kind = classify(record.destination, "US")
        print(
            f"  {record.call_id} {record.account_id} {record.destination} "
            f"{record.start:%Y-%m-%d %H:%M:%S} UTC {record.disposition} "
            f"{record.billable} s {kind}"
        )
    print("by disposition:", dict(Counter(str(r.disposition) for r in records)))
    print(f"read {reports[-1].bytes_read} of {reports[-1].bytes_total} bytes")
    assert (len(records), len(rejected)) == EXPECTED
    assert records[0].start.hour == UTC_HOUR  # 11:09 in New York is 15:09 UTC (EDT)
    import_by_extension(path)


def import_by_extension(path: Path) -> None:
    """Post the file's calls, each to the account its source extension belongs to."""
    since = datetime(2026, 1, 1, tzinfo=UTC)
    deck = RateDeck(
        "retail",
        "USD",
        [
            Rate("1", "North America", Decimal("0.01"), effective_from=since),
            Rate("800", "International freephone", Decimal(0), effective_from=since),
        ],
    )
    with connect("memory://") as core:
        core.rating.save_deck(deck)
        for account in sorted(set(EXTENSIONS.values())):
            core.accounts.open(account.title(), "USD", account_id=account, home_country="US")
            core.rating.assign(account, "retail")
        for extension, account in EXTENSIONS.items():
            core.numbering.register_extension(account, extension)
        report = core.calls.import_file("asterisk", path, tz="America/New_York", by_extension=True)
        print(f"imported {report.imported}, rejected {report.rejected}:")
        for row in report.rejected_rows:
            print(f"  line {row.line}: {row.reason}")  # type: ignore[attr-defined]
        for account in sorted(set(EXTENSIONS.values())):
            print(f"  {account}: {core.ledger.balance(account)}")
        assert (report.imported, report.rejected) == (3, 2)


if __name__ == "__main__":
    main()
