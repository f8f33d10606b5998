"""Importing files on every storage: the fields kept as read, the importer's options."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from tests.conftest import START

from telcocore import Rate, RateDeck, TelcoCore
from telcocore.calls.importers import read_asterisk
from telcocore.calls.model.records import CallRecord
from telcocore.calls.ports import CallRecordRepository

_F = "%Y-%m-%d %H:%M:%S"
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """A US account priced by a deck with a rate for every number."""
    core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
    core.rating.save_deck(
        RateDeck("retail", "USD", [Rate("4", "Anywhere", Decimal("0.06"), effective_from=SINCE)])
    )
    core.rating.assign("acme", "retail")
    return "acme"


def _row(call: int, *, clid: str = '"Alice" <1001>', userfield: str = "") -> str:
    """One 18-column Master.csv row, every text field quoted as Asterisk quotes it."""
    start = START.replace(hour=15, minute=call)
    fields = [
        "acme", "1001", f"4420712345{call:02d}", "default", clid, "SIP/1001-0001",
        "SIP/trunk-0002", "Dial", "SIP/trunk", f"{start:{_F}}", f"{start:{_F}}",
        f"{start.replace(second=30):{_F}}", "30", "30", "ANSWERED", "DOCUMENTATION",
        f"1700000000.{call}", userfield,
    ]  # fmt: skip
    return ",".join('"' + field.replace('"', '""') + '"' for field in fields) + "\n"


class TestFieldsAsRead:
    """A posted record's ``raw`` is stored as the importer read it, whatever its text."""

    @pytest.mark.usefixtures("acme")
    def test_awkward_text_round_trips(self, core: TelcoCore) -> None:
        """Quotes, backslashes, control characters, % and non-ASCII text come back."""
        texts = ['"Bob, Jr." <1002>', "back\\slash", "tab\there", "100% \u00e9t\u00e9 \U0001f4de"]
        text = "".join(_row(i, clid=clid, userfield=clid) for i, clid in enumerate(texts))
        read = list(read_asterisk(io.StringIO(text)))
        report = core.calls.import_file("asterisk", io.StringIO(text), batch_size=3)
        assert (4, 4) == (report.read, report.imported), report
        with core.storage.unit_of_work(read_only=True) as uow:
            stored = uow.get(CallRecordRepository)
            for record in read:
                assert isinstance(record, CallRecord)
                posted = stored.find(record.call_id)
                assert posted is not None
                assert dict(record.raw) == posted.record.raw
