"""Generic CSV with a header: mapped columns, time formats, computed fields."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from telcocore.calls.errors import InvalidImportOptions
from telcocore.calls.importers import RejectedRow, read_csv
from telcocore.calls.model.records import CallRecord, Direction, Disposition

COLUMNS = {
    "call_id": "Id",
    "account_id": "Customer",
    "source": "From",
    "destination": "To",
    "start": "Started",
    "answer": "Answered",
    "end": "Ended",
}
HEADER = "Id,Customer,From,To,Started,Answered,Ended\n"


class TestMapped:
    """Rows become records through the column map."""

    def test_billable_from_answer_to_end(self) -> None:
        """Without a billable column, answer to end; duration from start to end."""
        text = (
            HEADER + "c1,acme,1001,+14155550123,2026-03-14 15:09:26,2026-03-14 15:09:30,"
            "2026-03-14 15:10:30\n"
        )
        [record] = list(read_csv(io.StringIO(text), columns=COLUMNS))
        assert isinstance(record, CallRecord)
        assert ("c1", "acme") == (record.call_id, record.account_id)
        assert (64, Decimal(60)) == (record.duration, record.billable)
        assert Disposition.ANSWERED == record.disposition

    def test_iso_times_with_offsets_and_explicit_fields(self) -> None:
        """ISO times keep their offset; billable, disposition, direction from columns."""
        columns = {
            "destination": "to",
            "start": "start",
            "duration": "secs",
            "billable": "bill",
            "disposition": "status",
            "direction": "dir",
        }
        text = (
            "to,start,secs,bill,status,dir\n"
            "+4930123456,2026-07-01T12:00:00+02:00,61,55.5,answered,inbound\n"
            "+4930123456,2026-07-01T12:00:00+02:00,61,0,BUSY,outbound\n"
        )
        results = list(
            read_csv(io.StringIO(text), columns=columns, time_format="iso", account="acme")
        )
        first, second = results
        assert isinstance(first, CallRecord)
        assert isinstance(second, CallRecord)
        assert datetime(2026, 7, 1, 10, 0, tzinfo=UTC) == first.start
        assert datetime(2026, 7, 1, 10, 1, 1, tzinfo=UTC) == first.end
        assert (Decimal("55.5"), Direction.INBOUND) == (first.billable, first.direction)
        assert Disposition.BUSY == second.disposition
        assert first.call_id.startswith("csv:")
        assert first.call_id != second.call_id

    def test_epoch_times(self) -> None:
        """Seconds since 1970, with a fraction."""
        columns = {"destination": "to", "start": "s", "end": "e"}
        text = "to,s,e\n+4930123456,1773500966.5,1773501026.5\n"
        [record] = list(
            read_csv(io.StringIO(text), columns=columns, time_format="epoch", account="a")
        )
        assert isinstance(record, CallRecord)
        assert 60 == record.duration
        assert 500000 == record.start.microsecond

    def test_a_strptime_format_in_a_zone(self) -> None:
        """Any strptime format, read in tz."""
        columns = {"destination": "to", "start": "s", "duration": "d"}
        text = "to,s,d\n+4930123456,14.03.2026 10:00,5\n"
        [record] = list(
            read_csv(
                io.StringIO(text),
                columns=columns,
                time_format="%d.%m.%Y %H:%M",
                tz="Europe/Berlin",
                account="a",
            )
        )
        assert isinstance(record, CallRecord)
        assert datetime(2026, 3, 14, 9, 0, tzinfo=UTC) == record.start


class TestRejected:
    """Bad rows, bad options and a header without a mapped column."""

    def test_bad_rows_are_rejected_alone(self) -> None:
        """A wrong width, a bad time and an empty destination, each on its line."""
        text = (
            HEADER
            + "c1,acme,1001,+1415,2026-03-14 15:09:26,,2026-03-14 15:10:30\n"
            + "c2,acme,1001\n"
            + "c3,acme,1001,+1415,2026-03-14 15:09:26,,soon\n"
            + "c4,acme,1001,,2026-03-14 15:09:26,,2026-03-14 15:10:30\n"
        )
        results = list(read_csv(io.StringIO(text), columns=COLUMNS))
        assert isinstance(results[0], CallRecord)
        rejected = [r for r in results if isinstance(r, RejectedRow)]
        assert [3, 4, 5] == [r.line for r in rejected]
        assert "3 fields" in rejected[0].reason
        assert "end 'soon'" in rejected[1].reason
        assert "destination is empty" in rejected[2].reason

    def test_a_missing_column_in_the_header(self) -> None:
        """The header must hold every mapped column."""
        rows = read_csv(io.StringIO("Id,To\n"), columns=COLUMNS)
        with pytest.raises(InvalidImportOptions, match="'Customer'"):
            list(rows)

    @pytest.mark.parametrize(
        "columns",
        [{"destination": "to"}, {"destination": "to", "start": "s", "colour": "c", "end": "e"}],
    )
    def test_bad_column_maps(self, columns: dict[str, str]) -> None:
        """A map without start/end, or with a field records do not have."""
        with pytest.raises(InvalidImportOptions):
            read_csv(io.StringIO(""), columns=columns, account="a")
