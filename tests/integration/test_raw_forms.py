"""The source fields of imported records: values stored per row, column names per form."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from benchmarks.bench_calls import prepare, write_master_csv
from tests.integration import storage_workers as raw

import telcocore
from telcocore.calls.importers import read_asterisk
from telcocore.calls.model.records import CallRecord
from telcocore.calls.ports import CallRecordRepository
from telcocore.kernel.errors import StorageError

LINES = 30


def _read_back(url: str, records: list[CallRecord]) -> list[dict[str, str]]:
    """Each record's ``raw`` as posting's repository reads it."""
    with telcocore.connect(url) as core, core.storage.unit_of_work(read_only=True) as uow:
        stored = uow.get(CallRecordRepository)
        found = [stored.find(record.call_id) for record in records]
    return [dict(posted.record.raw) for posted in found if posted is not None]


def _import(url: str, tmp_path: Path, *, first_id: int) -> list[CallRecord]:
    """Import a generated Master.csv; the records it holds, as the importer reads them."""
    source = tmp_path / f"Master-{first_id}.csv"
    write_master_csv(source, LINES, first_id=first_id)
    with telcocore.connect(url) as core:
        report = core.calls.import_file("asterisk", source, batch_size=7)
    assert LINES == report.imported, report
    return [r for r in read_asterisk(source) if isinstance(r, CallRecord)]


class TestForms:
    """One form per set of column names; every record's fields come back by name."""

    def test_imports_of_one_form_share_it(self, durable_url: str, tmp_path: Path) -> None:
        """Two imports of 18-column files (several batches each) store one form."""
        with telcocore.connect(durable_url) as core:
            prepare(core)
        records = _import(durable_url, tmp_path, first_id=0)
        records += _import(durable_url, tmp_path, first_id=LINES)
        assert [dict(r.raw) for r in records] == _read_back(durable_url, records)
        forms = raw.query(durable_url, "SELECT id FROM call_record_forms")
        assert forms == raw.query(durable_url, "SELECT DISTINCT raw_form FROM call_records")
        assert 1 == len(forms)

    def test_fields_stored_by_name_read_back(self, durable_url: str, tmp_path: Path) -> None:
        """Rows stored before forms existed (an object by name, no form) read as before."""
        with telcocore.connect(durable_url) as core:
            prepare(core)
        records = _import(durable_url, tmp_path, first_id=0)
        raw.execute(
            durable_url,
            'UPDATE call_records SET raw = \'{"src":"1001","userfield":""}\', raw_form = NULL',
        )
        assert [{"src": "1001", "userfield": ""}] * LINES == _read_back(durable_url, records)

    def test_fields_that_do_not_fit_their_form_are_a_storage_error(
        self, durable_url: str, tmp_path: Path
    ) -> None:
        """A row edited by hand (an array of another length, an array without a form)."""
        with telcocore.connect(durable_url) as core:
            prepare(core)
        [first, *_] = _import(durable_url, tmp_path, first_id=0)
        for change in ("raw = '[\"1001\"]'", "raw_form = NULL"):
            raw.execute(durable_url, f"UPDATE call_records SET {change}")  # noqa: S608 - constant
            with pytest.raises(StorageError, match="do not fit its form"):
                _read_back(durable_url, [first])

    def test_a_wide_header_is_one_form(self, durable_url: str) -> None:
        """A header of many long column names (8 kB of them, unlike each other) is a form."""
        extra = [f"x_{hashlib.sha256(str(i).encode()).hexdigest()}" for i in range(120)]
        header = ["to", "started", "seconds", *extra]
        values = ["+14155550123", "2026-03-14 15:00:00", "60", *map(str, range(120))]
        text = ",".join(header) + "\n" + ",".join(values) + "\n"
        columns = {"destination": "to", "start": "started", "duration": "seconds"}
        with telcocore.connect(durable_url) as core:
            prepare(core)
            report = core.calls.import_file(
                "csv", io.StringIO(text), columns=columns, account="bench"
            )
        assert (1, 0) == (report.imported, report.rejected), report
        [(call_id,)] = raw.query(durable_url, "SELECT call_id FROM call_records")
        with telcocore.connect(durable_url) as core, core.storage.unit_of_work() as uow:
            posted = uow.get(CallRecordRepository).find(str(call_id))
        assert posted is not None
        assert dict(zip(header, values, strict=True)) == dict(posted.record.raw)
