"""Asterisk's Master.csv: each form, quoting, rejected rows, time zones, stable ids."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from telcocore.calls.errors import InvalidImportOptions
from telcocore.calls.importers import (
    ImportProgress,
    ImportResult,
    RejectedRow,
    read_asterisk,
)
from telcocore.calls.model.records import CallRecord, Direction, Disposition

ANSWERED = (
    '"acme","1001","+14155550123","from-internal","""Bob, Jr."" <1001>",'
    '"SIP/1001-00000001","SIP/trunk-00000002","Dial","SIP/trunk/+14155550123,60,tT",'
    '"2026-03-14 15:09:26","2026-03-14 15:09:30","2026-03-14 15:10:30",64,60,'
    '"ANSWERED","DOCUMENTATION"'
)
UNANSWERED = (
    '"acme","1002","+442071838750","from-internal","""Ann"" <1002>","SIP/1002-00000003",'
    '"SIP/trunk-00000004","Dial","SIP/trunk/+442071838750,60","2026-03-14 16:00:00",,'
    '"2026-03-14 16:00:20",20,0,"NO ANSWER","DOCUMENTATION"'
)


def _master(tmp_path: Path, *lines: str | bytes, name: str = "Master.csv") -> Path:
    path = tmp_path / name
    data = b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines)
    path.write_bytes(data)
    return path


def _records(results: list[ImportResult]) -> list[CallRecord]:
    return [r for r in results if isinstance(r, CallRecord)]


def _rejected(results: list[ImportResult]) -> list[RejectedRow]:
    return [r for r in results if isinstance(r, RejectedRow)]


class TestSixteenColumns:
    """The default form: the fields land where cdr_csv writes them."""

    def test_an_answered_call(self, tmp_path: Path) -> None:
        """Quoted fields with commas and doubled quotes are read whole."""
        [record] = list(read_asterisk(_master(tmp_path, ANSWERED)))
        assert isinstance(record, CallRecord)
        assert "acme" == record.account_id
        assert ("1001", "+14155550123") == (record.source, record.destination)
        assert '"Bob, Jr." <1001>' == record.raw["clid"]
        assert "SIP/trunk/+14155550123,60,tT" == record.raw["lastdata"]
        assert datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC) == record.start
        assert datetime(2026, 3, 14, 15, 9, 30, tzinfo=UTC) == record.answer
        assert datetime(2026, 3, 14, 15, 10, 30, tzinfo=UTC) == record.end
        assert (64, Decimal(60)) == (record.duration, record.billable)
        assert Disposition.ANSWERED == record.disposition
        assert Direction.OUTBOUND == record.direction
        assert record.classification is None

    def test_an_unanswered_call(self, tmp_path: Path) -> None:
        """An empty answer time is no answer; nothing is billable."""
        [record] = _records(list(read_asterisk(_master(tmp_path, UNANSWERED))))
        assert record.answer is None
        assert Decimal(0) == record.billable
        assert Disposition.NO_ANSWER == record.disposition

    @pytest.mark.parametrize(
        ("word", "expected"),
        [
            ("BUSY", Disposition.BUSY),
            ("FAILED", Disposition.FAILED),
            ("CONGESTION", Disposition.CONGESTION),
        ],
    )
    def test_the_other_dispositions(self, tmp_path: Path, word: str, expected: Disposition) -> None:
        """Each word Asterisk writes has its disposition."""
        line = UNANSWERED.replace('"NO ANSWER"', f'"{word}"')
        [record] = _records(list(read_asterisk(_master(tmp_path, line))))
        assert expected == record.disposition

    def test_a_text_stream_is_read_too(self) -> None:
        """An open text stream is a source like a path."""
        results = list(read_asterisk(io.StringIO(ANSWERED + "\n" + UNANSWERED + "\n")))
        assert 2 == len(_records(results))


class TestRejectedRows:
    """A bad row is rejected with its line and reason; the rows around it are read."""

    def _one_bad(self, tmp_path: Path, bad: str | bytes) -> RejectedRow:
        results = list(read_asterisk(_master(tmp_path, ANSWERED, bad, UNANSWERED)))
        assert 2 == len(_records(results))
        [rejected] = _rejected(results)
        assert 2 == rejected.line
        return rejected

    def test_a_bad_timestamp(self, tmp_path: Path) -> None:
        """A start that is not YYYY-MM-DD HH:MM:SS."""
        rejected = self._one_bad(tmp_path, ANSWERED.replace("2026-03-14 15:09:26", "14/03/2026"))
        assert "start '14/03/2026'" in rejected.reason
        assert "14/03/2026" in rejected.raw

    @pytest.mark.parametrize(
        "bad", ["2026-02-30 10:00:00", "2026-03-14 25:00:00", "2026-03-14 10:61:00"]
    )
    def test_an_impossible_time(self, tmp_path: Path, bad: str) -> None:
        """Well-formed text naming no instant."""
        rejected = self._one_bad(tmp_path, ANSWERED.replace("2026-03-14 15:10:30", bad))
        assert f"end {bad!r}" in rejected.reason

    def test_a_short_row(self, tmp_path: Path) -> None:
        """A row with a field missing says how many it has."""
        short = ANSWERED.rsplit(",", 1)[0]
        assert "15 fields" in self._one_bad(tmp_path, short).reason

    def test_a_byte_that_is_not_utf8(self, tmp_path: Path) -> None:
        """Only the row with the byte is rejected; its text shows a replacement character."""
        bad = ANSWERED.encode().replace(b"Bob", b"B\xffb")
        rejected = self._one_bad(tmp_path, bad)
        assert "UTF-8" in rejected.reason
        assert "B\ufffdb" in rejected.raw

    def test_an_empty_accountcode(self, tmp_path: Path) -> None:
        """Without an account code or an account given, the row has no account."""
        rejected = self._one_bad(tmp_path, ANSWERED.replace('"acme"', '""', 1))
        assert "accountcode is empty" in rejected.reason

    def test_an_account_code_that_is_no_account_id(self, tmp_path: Path) -> None:
        """Account codes are checked like account ids."""
        rejected = self._one_bad(tmp_path, ANSWERED.replace('"acme"', '"a c"', 1))
        assert "account id 'a c'" in rejected.reason

    def test_an_unknown_disposition(self, tmp_path: Path) -> None:
        """Only the words Asterisk writes are read."""
        rejected = self._one_bad(tmp_path, ANSWERED.replace('"ANSWERED"', '"RINGING"'))
        assert "disposition 'RINGING'" in rejected.reason

    def test_more_billable_seconds_than_duration(self, tmp_path: Path) -> None:
        """Billed seconds may not exceed the duration (by more than a second of rounding)."""
        rejected = self._one_bad(tmp_path, ANSWERED.replace(",64,60,", ",64,66,"))
        assert "exceed the duration" in rejected.reason

    def test_a_line_number_counts_physical_lines(self, tmp_path: Path) -> None:
        """A quoted field over two lines: the next row's line is its physical line."""
        two_lines = ANSWERED.replace("tT", "t\nT")
        path = _master(tmp_path, two_lines, "garbage", UNANSWERED)
        results = list(read_asterisk(path))
        assert "t\nT" in _records(results)[0].raw["lastdata"]
        assert [3] == [r.line for r in _rejected(results)]


class TestAccounts:
    """The account: the row's account code, a fixed one, or the caller's rule."""

    def test_a_fixed_account(self, tmp_path: Path) -> None:
        """A fixed account serves rows with an empty account code."""
        path = _master(tmp_path, ANSWERED.replace('"acme"', '""', 1))
        [record] = _records(list(read_asterisk(path, account="fixed")))
        assert "fixed" == record.account_id

    def test_a_rule(self, tmp_path: Path) -> None:
        """The rule sees the row's fields; None rejects the row."""
        path = _master(tmp_path, ANSWERED, UNANSWERED)
        rule = {"1001": "alice"}.get
        results = list(read_asterisk(path, account=lambda raw: rule(raw["src"])))
        assert ["alice"] == [r.account_id for r in _records(results)]
        assert "found no account" in _rejected(results)[0].reason

    def test_a_bad_fixed_account_is_refused_before_reading(self, tmp_path: Path) -> None:
        """Bad options raise at once, naming the option."""
        with pytest.raises(InvalidImportOptions, match="account id") as refused:
            read_asterisk(_master(tmp_path, ANSWERED), account="not valid")
        assert "account" == refused.value.field


class TestTimeZones:
    """Local times are converted to UTC; at the DST changes, fold=0 when times are in order."""

    @pytest.mark.parametrize(
        ("local", "utc"),
        [
            ("2026-07-01 12:00:00", datetime(2026, 7, 1, 16, 0, tzinfo=UTC)),
            ("2026-01-15 12:00:00", datetime(2026, 1, 15, 17, 0, tzinfo=UTC)),
            # Clocks go forward at 02:00: 02:30 never happens; read with the offset before.
            ("2026-03-08 02:30:00", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
            # Clocks go back at 02:00: 01:30 happens twice; the first one is taken.
            ("2026-11-01 01:30:00", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        ],
    )
    def test_new_york(self, tmp_path: Path, local: str, utc: datetime) -> None:
        """Times in America/New_York, in summer, in winter, in the gap and in the overlap."""
        line = UNANSWERED.replace("2026-03-14 16:00:00", local).replace(
            "2026-03-14 16:00:20", local
        )
        [record] = _records(list(read_asterisk(_master(tmp_path, line), tz="America/New_York")))
        assert utc == record.start

    def test_an_unknown_zone_is_refused(self, tmp_path: Path) -> None:
        """A zone name that does not exist."""
        with pytest.raises(InvalidImportOptions, match="Mars/Olympus"):
            read_asterisk(_master(tmp_path, ANSWERED), tz="Mars/Olympus")


def _dst_row(start: str, answer: str, end: str, duration: int, billsec: int) -> str:
    """An answered call with these local times and seconds."""
    return (
        ANSWERED.replace("2026-03-14 15:09:26", start)
        .replace("2026-03-14 15:09:30", answer)
        .replace("2026-03-14 15:10:30", end)
        .replace(",64,60,", f",{duration},{billsec},")
    )


def _berlin(tmp_path: Path, line: str) -> ImportResult:
    [result] = list(read_asterisk(_master(tmp_path, line), tz="Europe/Berlin"))
    return result


class TestTheHourTheClocksGoBack:
    """Berlin, 2026-10-25: at 03:00 CEST the clocks go back to 02:00 CET (01:00 UTC).

    02:00 to 02:59 happen twice: first at 00:00-00:59 UTC, then at 01:00-01:59 UTC.
    """

    def test_an_end_in_the_second_occurrence(self, tmp_path: Path) -> None:
        """02:50 (first) to 02:05 (second): the end is read as the second, 15 minutes later."""
        line = _dst_row(
            "2026-10-25 02:50:00", "2026-10-25 02:50:10", "2026-10-25 02:05:00", 900, 890
        )
        record = _berlin(tmp_path, line)
        assert isinstance(record, CallRecord)
        assert datetime(2026, 10, 25, 0, 50, tzinfo=UTC) == record.start
        assert datetime(2026, 10, 25, 0, 50, 10, tzinfo=UTC) == record.answer
        assert datetime(2026, 10, 25, 1, 5, tzinfo=UTC) == record.end

    def test_an_answer_and_end_in_the_second_occurrence(self, tmp_path: Path) -> None:
        """Both after the change: both are read as the second occurrence."""
        line = _dst_row(
            "2026-10-25 02:50:00", "2026-10-25 02:01:00", "2026-10-25 02:05:00", 900, 240
        )
        record = _berlin(tmp_path, line)
        assert isinstance(record, CallRecord)
        assert datetime(2026, 10, 25, 1, 1, tzinfo=UTC) == record.answer
        assert datetime(2026, 10, 25, 1, 5, tzinfo=UTC) == record.end

    def test_an_answer_in_the_second_occurrence_and_a_later_end(self, tmp_path: Path) -> None:
        """An answer before the start is read again too, even when the end is in order."""
        line = _dst_row(
            "2026-10-25 02:50:00", "2026-10-25 02:01:00", "2026-10-25 03:10:00", 4800, 4140
        )
        record = _berlin(tmp_path, line)
        assert isinstance(record, CallRecord)
        assert datetime(2026, 10, 25, 1, 1, tzinfo=UTC) == record.answer
        assert datetime(2026, 10, 25, 2, 10, tzinfo=UTC) == record.end

    def test_times_in_order_keep_the_first_occurrence(self, tmp_path: Path) -> None:
        """02:10 to 02:50 in order: both the first occurrence, as before."""
        line = _dst_row(
            "2026-10-25 02:10:00", "2026-10-25 02:10:10", "2026-10-25 02:50:00", 2400, 2390
        )
        record = _berlin(tmp_path, line)
        assert isinstance(record, CallRecord)
        assert datetime(2026, 10, 25, 0, 10, tzinfo=UTC) == record.start
        assert datetime(2026, 10, 25, 0, 50, tzinfo=UTC) == record.end

    def test_still_before_the_start_is_rejected(self, tmp_path: Path) -> None:
        """03:30 to 02:05: even the second 02:05 (01:05 UTC) is before 02:30 UTC."""
        line = _dst_row("2026-10-25 03:30:00", "2026-10-25 03:30:10", "2026-10-25 02:05:00", 0, 0)
        rejected = _berlin(tmp_path, line)
        assert isinstance(rejected, RejectedRow)
        assert "ends before it starts" in rejected.reason

    def test_an_end_that_is_not_repeated_is_not_moved(self, tmp_path: Path) -> None:
        """An end before the start outside the repeated hour is rejected as it was."""
        line = _dst_row("2026-10-25 04:00:00", "2026-10-25 04:00:10", "2026-10-25 01:30:00", 0, 0)
        rejected = _berlin(tmp_path, line)
        assert isinstance(rejected, RejectedRow)
        assert "ends before it starts" in rejected.reason

    def test_in_utc_nothing_repeats(self, tmp_path: Path) -> None:
        """The same row written in UTC (usegmtime) is simply out of order."""
        line = _dst_row(
            "2026-10-25 02:50:00", "2026-10-25 02:50:10", "2026-10-25 02:05:00", 900, 890
        )
        [rejected] = list(read_asterisk(_master(tmp_path, line)))
        assert isinstance(rejected, RejectedRow)
        assert "ends before it starts" in rejected.reason


class TestIds:
    """Ids are stable for the same source record."""

    def test_the_same_file_twice_gives_the_same_ids(self, tmp_path: Path) -> None:
        """16 columns: a hash of the fields, different rows different ids."""
        path = _master(tmp_path, ANSWERED, UNANSWERED)
        first = [r.call_id for r in _records(list(read_asterisk(path)))]
        again = [r.call_id for r in _records(list(read_asterisk(path)))]
        assert first == again
        assert len(set(first)) == 2
        assert all(i.startswith("ast:") and len(i) == 36 for i in first)

    def test_eighteen_columns_use_the_uniqueid(self, tmp_path: Path) -> None:
        """With loguniqueid: ast:<uniqueid>."""
        line = ANSWERED + ',"1773500966.42",""'
        [record] = _records(list(read_asterisk(_master(tmp_path, line))))
        assert "ast:1773500966.42" == record.call_id
        assert "" == record.raw["userfield"]

    def test_twenty_one_columns_use_linkedid_and_sequence(self, tmp_path: Path) -> None:
        """With newcdrcolumns: ast:<linkedid>:<sequence>."""
        line = ANSWERED + ',"1773500966.43","","","1773500966.42",7'
        [record] = _records(list(read_asterisk(_master(tmp_path, line))))
        assert "ast:1773500966.42:7" == record.call_id


UNIQUEID = "1773500966.43"
LINKEDID = "1773500966.42"
USERFIELD = "vip"
_OPTIONAL = {
    "uniqueid": [f'"{UNIQUEID}"'],
    "userfield": [f'"{USERFIELD}"'],
    "newcdrcolumns": ['"peer"', f'"{LINKEDID}"', "7"],
}


def _form(**options: bool) -> str:
    """ANSWERED with the optional columns these cdr.conf options add, in cdr_csv's order."""
    extra = [field for name, fields in _OPTIONAL.items() if options.get(name) for field in fields]
    return ",".join([ANSWERED, *extra])


def _expected_id(**options: bool) -> str | None:
    if options.get("newcdrcolumns"):
        return f"ast:{LINKEDID}:7"
    if options.get("uniqueid"):
        return f"ast:{UNIQUEID}"
    return None


_COMBINATIONS = [
    dict(zip(_OPTIONAL, flags, strict=True))
    for flags in itertools.product((False, True), repeat=len(_OPTIONAL))
]


class TestWidths:
    """cdr_csv's three options are independent: rows of 16 to 21 fields."""

    @pytest.mark.parametrize(
        "options", _COMBINATIONS, ids=lambda o: "-".join(k for k in o if o[k]) or "none"
    )
    def test_each_layout_when_named(self, tmp_path: Path, options: dict[str, bool]) -> None:
        """Named by the options, each of the eight layouts is read, its fields by name."""
        path = _master(tmp_path, _form(**options))
        [record] = list(
            read_asterisk(
                path,
                uniqueid=options["uniqueid"],
                userfield=options["userfield"],
                newcdrcolumns=options["newcdrcolumns"],
            )
        )
        assert isinstance(record, CallRecord)
        assert ("uniqueid" in record.raw) == options["uniqueid"]
        assert ("userfield" in record.raw) == options["userfield"]
        assert ("linkedid" in record.raw) == options["newcdrcolumns"]
        if options["userfield"]:
            assert USERFIELD == record.raw["userfield"]
        if options["newcdrcolumns"]:
            assert ("peer", "7") == (record.raw["peeraccount"], record.raw["sequence"])
        assert "DOCUMENTATION" == record.raw["amaflags"]
        expected = _expected_id(**options)
        if expected is None:
            assert record.call_id.startswith("ast:")
            assert 36 == len(record.call_id)
        else:
            assert expected == record.call_id

    @pytest.mark.parametrize(
        ("options", "width"),
        [
            ({}, 16),
            ({"uniqueid": True, "userfield": True}, 18),
            ({"newcdrcolumns": True}, 19),
            ({"uniqueid": True, "userfield": True, "newcdrcolumns": True}, 21),
        ],
    )
    def test_unambiguous_widths_need_no_option(
        self, tmp_path: Path, options: dict[str, bool], width: int
    ) -> None:
        """16, 18, 19 and 21 fields each come from one layout: read without options."""
        line = _form(**options)
        [record] = list(read_asterisk(_master(tmp_path, line)))
        assert isinstance(record, CallRecord)
        assert width == len(record.raw)
        expected = _expected_id(**options)
        assert expected is None or expected == record.call_id

    @pytest.mark.parametrize(
        ("options", "hint"),
        [
            ({"uniqueid": True}, "pass uniqueid=True or userfield=True"),
            ({"userfield": True}, "pass uniqueid=True or userfield=True"),
            ({"uniqueid": True, "newcdrcolumns": True}, "pass newcdrcolumns=True and uniqueid"),
            ({"userfield": True, "newcdrcolumns": True}, "pass newcdrcolumns=True and uniqueid"),
        ],
    )
    def test_ambiguous_widths_are_rejected_without_options(
        self, tmp_path: Path, options: dict[str, bool], hint: str
    ) -> None:
        """17 and 20 fields could be either of two layouts: the reason says what to pass."""
        line = _form(**options)
        results = list(read_asterisk(_master(tmp_path, ANSWERED, line, UNANSWERED)))
        assert 2 == len(_records(results))
        [rejected] = _rejected(results)
        assert 2 == rejected.line
        width = 16 + sum(len(_OPTIONAL[name]) for name in options)
        assert f"the row has {width} fields" in rejected.reason
        assert hint in rejected.reason

    def test_too_many_fields(self, tmp_path: Path) -> None:
        """22 fields are no layout of Master.csv."""
        line = _form(uniqueid=True, userfield=True, newcdrcolumns=True) + ',""'
        [rejected] = list(read_asterisk(_master(tmp_path, line)))
        assert isinstance(rejected, RejectedRow)
        assert "22 fields; Master.csv has 16 to 21" in rejected.reason

    def test_another_width_than_the_options_name(self, tmp_path: Path) -> None:
        """With options given, rows of another width are rejected, the others read."""
        path = _master(tmp_path, _form(uniqueid=True), _form(uniqueid=True, userfield=True))
        results = list(read_asterisk(path, uniqueid=True))
        assert [f"ast:{UNIQUEID}"] == [r.call_id for r in _records(results)]
        [rejected] = _rejected(results)
        assert "18 fields; with the options given Master.csv has 17" in rejected.reason

    def test_an_option_that_is_not_a_flag(self, tmp_path: Path) -> None:
        """The options are True, False or None; anything else raises at the call."""
        with pytest.raises(InvalidImportOptions, match="userfield") as refused:
            read_asterisk(_master(tmp_path, ANSWERED), userfield="yes")  # type: ignore[arg-type]
        assert "userfield" == refused.value.field


class TestProgress:
    """Progress is reported at the end with the rows and bytes read."""

    def test_at_the_end(self, tmp_path: Path) -> None:
        """One report for a small file: every row counted, the whole file read."""
        path = _master(tmp_path, ANSWERED, "bad", UNANSWERED)
        reports: list[ImportProgress] = []
        list(read_asterisk(path, progress=reports.append))
        size = path.stat().st_size
        assert [ImportProgress(rows=3, bytes_read=size, bytes_total=size)] == reports
