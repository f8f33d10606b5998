"""FreeSWITCH's mod_cdr_csv: templates, hangup causes, billmsec, rejected rows, ids."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from telcocore.calls.errors import InvalidImportOptions
from telcocore.calls.importers import FREESWITCH_TEMPLATES, RejectedRow, read_freeswitch
from telcocore.calls.model.records import CallRecord, Disposition

UUID = "3f1c2b1e-6f2a-4e8a-9a7d-0c5d8a3e2b11"
ANSWERED = (
    f'"Bob, ""the builder""","1001","+14155550123","default","2026-03-14 15:09:26",'
    f'"2026-03-14 15:09:30","2026-03-14 15:10:30","64","60","NORMAL_CLEARING","{UUID}",'
    '"","acme","PCMU","PCMU"'
)
UNANSWERED = (
    '"Ann","1002","+442071838750","default","2026-03-14 16:00:00","","2026-03-14 16:00:20",'
    '"20","0","NO_ANSWER","9d0c2b1e-6f2a-4e8a-9a7d-0c5d8a3e2b12","","acme","PCMU","PCMU"'
)


def _file(tmp_path: Path, *lines: str | bytes) -> Path:
    path = tmp_path / "Master.csv"
    path.write_bytes(
        b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines)
    )
    return path


class TestExampleTemplate:
    """The vanilla configuration's default template, 'example'."""

    def test_default_is_example(self) -> None:
        """The default template is the configuration's default-template."""
        assert FREESWITCH_TEMPLATES["default"] == FREESWITCH_TEMPLATES["example"]
        assert 15 == len(FREESWITCH_TEMPLATES["example"])

    def test_an_answered_call(self, tmp_path: Path) -> None:
        """Fields land by template; the id is fs:<uuid>."""
        [record] = list(read_freeswitch(_file(tmp_path, ANSWERED)))
        assert isinstance(record, CallRecord)
        assert f"fs:{UUID}" == record.call_id
        assert 'Bob, "the builder"' == record.raw["caller_id_name"]
        assert ("1001", "+14155550123", "acme") == (
            record.source,
            record.destination,
            record.account_id,
        )
        assert datetime(2026, 3, 14, 15, 9, 30, tzinfo=UTC) == record.answer
        assert (64, Decimal(60), Disposition.ANSWERED) == (
            record.duration,
            record.billable,
            record.disposition,
        )

    @pytest.mark.parametrize(
        ("cause", "expected"),
        [
            ("NO_ANSWER", Disposition.NO_ANSWER),
            ("ORIGINATOR_CANCEL", Disposition.NO_ANSWER),
            ("NORMAL_CLEARING", Disposition.NO_ANSWER),
            ("USER_BUSY", Disposition.BUSY),
            ("CALL_REJECTED", Disposition.FAILED),
            ("UNALLOCATED_NUMBER", Disposition.FAILED),
            ("NORMAL_CIRCUIT_CONGESTION", Disposition.CONGESTION),
        ],
    )
    def test_unanswered_causes(self, tmp_path: Path, cause: str, expected: Disposition) -> None:
        """Without billed seconds, the hangup cause decides."""
        line = UNANSWERED.replace('"NO_ANSWER"', f'"{cause}"')
        [record] = list(read_freeswitch(_file(tmp_path, line)))
        assert isinstance(record, CallRecord)
        assert (expected, None, Decimal(0)) == (record.disposition, record.answer, record.billable)

    def test_same_file_same_ids(self, tmp_path: Path) -> None:
        """Importing twice gives the same ids."""
        path = _file(tmp_path, ANSWERED, UNANSWERED)
        first = [r.call_id for r in read_freeswitch(path) if isinstance(r, CallRecord)]
        assert first == [r.call_id for r in read_freeswitch(path) if isinstance(r, CallRecord)]


class TestTheHourTheClocksGoBack:
    """Berlin, 2026-10-25: 02:00 to 02:59 happen twice."""

    def test_an_end_in_the_second_occurrence(self, tmp_path: Path) -> None:
        """02:50 (first) to 02:05 (second): read as 00:50 to 01:05 UTC, not refused."""
        line = (
            ANSWERED.replace("2026-03-14 15:09:26", "2026-10-25 02:50:00")
            .replace("2026-03-14 15:09:30", "2026-10-25 02:50:10")
            .replace("2026-03-14 15:10:30", "2026-10-25 02:05:00")
            .replace('"64","60"', '"900","890"')
        )
        [record] = list(read_freeswitch(_file(tmp_path, line), tz="Europe/Berlin"))
        assert isinstance(record, CallRecord)
        assert datetime(2026, 10, 25, 0, 50, tzinfo=UTC) == record.start
        assert datetime(2026, 10, 25, 1, 5, tzinfo=UTC) == record.end


class TestRejected:
    """Bad rows are rejected alone."""

    @pytest.mark.parametrize(
        ("bad", "reason"),
        [
            (ANSWERED.replace("2026-03-14 15:09:26", "yesterday"), "start_stamp 'yesterday'"),
            (ANSWERED.rsplit(",", 2)[0], "13 fields"),
            (ANSWERED.encode().replace(b"Bob", b"B\xc3b"), "UTF-8"),
            (ANSWERED.replace('"acme"', '""'), "accountcode is empty"),
            (ANSWERED.replace('"60"', '"sixty"'), "billsec 'sixty'"),
        ],
    )
    def test_a_bad_row(self, tmp_path: Path, bad: str | bytes, reason: str) -> None:
        """The reason names the problem; the line is the row's."""
        results = list(read_freeswitch(_file(tmp_path, UNANSWERED, bad, UNANSWERED)))
        assert 2 == sum(isinstance(r, CallRecord) for r in results)
        [rejected] = [r for r in results if isinstance(r, RejectedRow)]
        assert 2 == rejected.line
        assert reason in rejected.reason


class TestOtherTemplates:
    """A template given by its names, with billmsec; errors in the template."""

    def test_billmsec_gives_fractional_seconds(self, tmp_path: Path) -> None:
        """Milliseconds are kept exactly; the time zone converts the stamps."""
        names = ["uuid", "caller_id_number", "destination_number", "start_stamp"]
        names += ["answer_stamp", "end_stamp", "billmsec", "hangup_cause"]
        line = (
            f'"{UUID}","1001","+4930123456","2026-07-01 12:00:00","2026-07-01 12:00:05",'
            '"2026-07-01 12:01:05","60123","NORMAL_CLEARING"'
        )
        [record] = list(
            read_freeswitch(
                _file(tmp_path, line), template=names, tz="Europe/Berlin", account="acme"
            )
        )
        assert isinstance(record, CallRecord)
        assert Decimal("60.123") == record.billable
        assert datetime(2026, 7, 1, 10, 0, tzinfo=UTC) == record.start
        assert 65 == record.duration

    def test_an_unknown_template(self, tmp_path: Path) -> None:
        """An unknown name is refused before reading."""
        with pytest.raises(InvalidImportOptions, match="template 'fancy'"):
            read_freeswitch(_file(tmp_path, ANSWERED), template="fancy")

    def test_a_template_without_times(self, tmp_path: Path) -> None:
        """A template must hold the destination, start and end."""
        with pytest.raises(InvalidImportOptions, match="lacks start_stamp"):
            read_freeswitch(
                _file(tmp_path, ANSWERED),
                template=["destination_number", "end_stamp"],
                account="a",
            )

    def test_no_account_column_and_no_account(self, tmp_path: Path) -> None:
        """Without an accountcode column, account= is required."""
        with pytest.raises(InvalidImportOptions, match="account"):
            read_freeswitch(
                _file(tmp_path, ANSWERED),
                template=["destination_number", "start_stamp", "end_stamp"],
            )
