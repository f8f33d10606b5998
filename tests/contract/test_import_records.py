"""Importing files on every storage: the fields kept as read, the importer's options."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.conftest import START

from telcocore import Rate, RateDeck, TelcoCore
from telcocore.calls.errors import InvalidCallRecord, InvalidImportOptions
from telcocore.calls.importers import RejectedRow, read_asterisk
from telcocore.calls.model.posting import PostedCall
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


def _stored(core: TelcoCore, call_id: str) -> PostedCall | None:
    with core.storage.unit_of_work(read_only=True) as uow:
        return uow.get(CallRecordRepository).find(call_id)


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

    @pytest.mark.parametrize("kind", ["asterisk", "freeswitch", "csv"])
    def test_a_nul_character_rejects_its_row_alone(
        self, core: TelcoCore, acme: str, kind: str
    ) -> None:
        """A NUL in any field (no storage keeps one) rejects that row; the others post."""
        options: dict[str, Any] = {}
        if kind == "asterisk":
            rows = [_row(1), _row(2, userfield="a\x00b"), _row(3)]
        elif kind == "freeswitch":
            rows = [
                f'"+4420712345{i}","2026-03-14 15:0{i}:00","2026-03-14 15:0{i}:02",'
                f'"2026-03-14 15:0{i}:32","30","fs-{i}{n}"\n'
                for i, n in ((1, ""), (2, "\x00"), (3, ""))
            ]
            template = ["destination_number", "start_stamp", "answer_stamp", "end_stamp"]
            options = {"template": [*template, "billsec", "uuid"]}
        else:
            rows = ["to,started,seconds,note\n"] + [
                f"+4420712345{i},2026-03-14 15:0{i}:00,60,x{n}\n"
                for i, n in ((1, ""), (2, "\x00"), (3, ""))
            ]
            options = {"columns": {"destination": "to", "start": "started", "duration": "seconds"}}
        report = core.calls.import_file(kind, _master(rows), account=acme, **options)
        assert (2, 1) == (report.imported, report.rejected), report
        [rejected] = report.rejected_rows
        assert isinstance(rejected, RejectedRow)
        assert "NUL character" in rejected.reason

    def test_a_record_with_a_nul_in_raw_is_refused(self) -> None:
        """``raw`` with a NUL is an InvalidCallRecord, before any storage sees it."""
        with pytest.raises(InvalidCallRecord, match="NUL"):
            CallRecord(
                call_id="c1",
                account_id="acme",
                source="1001",
                destination="442071234567",
                start=START,
                answer=START,
                end=START,
                duration=0,
                billable=0,
                disposition="answered",
                raw={"note": "a\x00b"},
            )


def _master(rows: list[str]) -> io.StringIO:
    return io.StringIO("".join(rows))


class TestOptions:
    """import_file hands each importer its own options, checked before anything is read."""

    @pytest.mark.usefixtures("acme")
    def test_asterisk_forms(self, core: TelcoCore) -> None:
        """A 17-column file is read when the option says which column it has."""
        row = _row(1).rsplit(",", 1)[0] + "\n"  # uniqueid only: 17 columns
        unsaid = core.calls.import_file("asterisk", _master([row]))
        said = core.calls.import_file("asterisk", _master([row]), uniqueid=True)
        assert (1, 0) == (unsaid.rejected, unsaid.imported)
        assert "uniqueid=True" in unsaid.rejected_rows[0].reason  # type: ignore[attr-defined]
        assert (0, 1) == (said.rejected, said.imported)
        assert _stored(core, "ast:1700000000.1") is not None

    @pytest.mark.usefixtures("acme")
    def test_direction(self, core: TelcoCore) -> None:
        """The direction reaches the importer: the stored record says which way the call went."""
        core.calls.import_file("asterisk", _master([_row(1)]), direction="inbound")
        posted = _stored(core, "ast:1700000000.1")
        assert posted is not None
        assert "inbound" == posted.record.direction

    def test_freeswitch_columns(self, core: TelcoCore, acme: str) -> None:
        """A FreeSWITCH template given as its columns, in order."""
        row = (
            '"+442071234567","2026-03-14 15:00:00","2026-03-14 15:00:02",'
            '"2026-03-14 15:01:02","60","fs-1"\n'
        )
        template = ["destination_number", "start_stamp", "answer_stamp", "end_stamp", "billsec"]
        template.append("uuid")
        report = core.calls.import_file(
            "freeswitch", io.StringIO(row), template=template, account=acme
        )
        assert (1, 0) == (report.imported, report.rejected), report

    @pytest.mark.parametrize(
        ("time_format", "started"),
        [
            ("iso", "2026-03-14T16:00:00+01:00"),
            ("epoch", "1773500400"),
            ("%d/%m/%Y %H:%M", "14/03/2026 15:00"),
        ],
    )
    def test_csv_time_format(
        self, core: TelcoCore, acme: str, time_format: str, started: str
    ) -> None:
        """A CSV's times are read as ``time_format`` says: ISO 8601, epoch, a strptime format."""
        text = f"to,started,seconds\n+442071234567,{started},60\n"
        columns = {"destination": "to", "start": "started", "duration": "seconds"}
        report = core.calls.import_file(
            "csv", io.StringIO(text), columns=columns, time_format=time_format, account=acme
        )
        assert (1, 0) == (report.imported, report.rejected), report
        [row] = core.summaries.hourly(acme, SINCE, SINCE.replace(year=2027))
        assert datetime(2026, 3, 14, 15, tzinfo=UTC) == row.period_start

    @pytest.mark.usefixtures("acme")
    @pytest.mark.parametrize(
        "options",
        [
            {"kind": "freeswitch", "uniqueid": True},
            {"kind": "csv", "columns": {"destination": "d"}, "newcdrcolumns": False},
            {"kind": "asterisk", "userfield": "yes"},
            {"kind": "asterisk", "by_extension": 1},
            {"kind": "asterisk", "by_extension": True, "account": "acme"},
            {"kind": "csv", "columns": {"destination": "d"}, "by_extension": True},
            {"kind": "asterisk", "direction": "sideways"},
            {"kind": "asterisk", "time_format": "iso"},
            {"kind": "csv", "columns": {"start": "s"}, "time_format": ""},
            {"kind": "csv", "columns": {"start": "s"}, "time_format": 12},
        ],
    )
    def test_bad_options(self, core: TelcoCore, options: dict[str, object]) -> None:
        """An option of another kind of file, or a bad value: refused, nothing read."""
        source = _master([_row(1)])
        with pytest.raises(InvalidImportOptions):
            core.calls.import_file(source=source, **options)  # type: ignore[arg-type]
        assert 0 == source.tell()


class TestAccountByExtension:
    """by_extension: each record belongs to the account its source is registered to."""

    def test_sources_find_their_accounts(self, core: TelcoCore, acme: str) -> None:
        """Two accounts' extensions; an unknown source is rejected, the rest imported."""
        core.accounts.open("Beta", "USD", account_id="beta", home_country="US")
        core.rating.assign("beta", "retail")
        core.numbering.register_extension(acme, "1001")
        core.numbering.register_extension("beta", "2001")
        rows = [_row(1), _row(2).replace('"1001"', '"2001"'), _row(3).replace('"1001"', '"9999"')]
        report = core.calls.import_file("asterisk", _master(rows * 2), by_extension=True)
        assert (6, 2, 2, 2) == (report.read, report.imported, report.duplicates, report.rejected)
        [why] = {row.reason for row in report.rejected_rows}  # type: ignore[attr-defined]
        assert "the source '9999' is no registered extension" == why
        owners = {call: _stored(core, f"ast:1700000000.{call}") for call in (1, 2)}
        assert {1: "acme", 2: "beta"} == {
            call: posted.record.account_id for call, posted in owners.items() if posted
        }

    def test_a_csv_file_reads_its_source_column(self, core: TelcoCore, acme: str) -> None:
        """For a CSV, the column ``columns`` maps to ``source``."""
        core.numbering.register_extension(acme, "alice")
        text = (
            "from,to,started,ended\nalice,+442071234567,2026-03-14 15:00:00,2026-03-14 15:01:00\n"
        )
        columns = {"source": "from", "destination": "to", "start": "started", "end": "ended"}
        report = core.calls.import_file(
            "csv", io.StringIO(text), columns=columns, by_extension=True
        )
        assert (1, 0) == (report.imported, report.rejected), report
