"""An import killed mid-file, then run again, leaves the ledger of one clean import."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from benchmarks.bench_calls import prepare, write_master_csv
from tests.conftest import drop_schema, pg_dsn, with_schema
from tests.integration import posting_workers
from tests.integration.storage_workers import SPAWN

import telcocore
from telcocore.calls.importers import read_asterisk
from telcocore.calls.model.records import CallRecord
from telcocore.calls.ports import CallRecordRepository

pytestmark = pytest.mark.slow

LINES = 6000


def _stored(url: str, call_ids: list[str]) -> int:
    with telcocore.connect(url) as core, core.storage.unit_of_work(read_only=True) as uow:
        return len(uow.get(CallRecordRepository).existing(call_ids))


def _ledger(url: str) -> tuple[object, ...]:
    """The account's balance, its history (amount, description) and the ledger's totals."""
    with telcocore.connect(url) as core:
        entries = []
        after = None
        while True:
            page = core.ledger.history("bench", after=after, limit=1000)
            entries += [(e.amount, e.description) for e in page.entries]
            if page.next_after is None:
                break
            after = page.next_after
        return core.ledger.balance("bench"), sorted(entries, key=str), core.ledger.totals()


class TestKilledImport:
    """SIGKILL after some batches committed; the second run posts the rest, once."""

    def test_resumed_import_equals_a_clean_one(self, durable_url: str, tmp_path: Path) -> None:
        """Balances, transactions and stored calls match a clean import in a fresh database."""
        source = tmp_path / "Master.csv"
        write_master_csv(source, LINES)
        call_ids = [r.call_id for r in read_asterisk(source) if isinstance(r, CallRecord)]
        with telcocore.connect(durable_url) as core:
            prepare(core)
        stalled = SPAWN.Event()
        child = SPAWN.Process(
            target=posting_workers.import_slowly, args=(durable_url, str(source), stalled)
        )
        child.start()
        # Set inside the batch after the committed ones: that batch holds the write lock
        # (SQLite), so nothing here may wait for the database before the kill.
        assert stalled.wait(timeout=120), "the child never reached its stalled batch"
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=60)
        committed = posting_workers.COMMITTED * posting_workers.BATCH
        stored = _stored(durable_url, call_ids)
        assert committed == stored < len(call_ids)  # whole batches only, the stalled one lost

        with telcocore.connect(durable_url) as core:
            again = core.calls.import_file("asterisk", source, batch_size=posting_workers.BATCH)
        assert (stored, len(call_ids) - stored) == (again.duplicates, again.imported)

        clean_url, drop = _fresh_twin(durable_url, tmp_path)
        try:
            with telcocore.connect(clean_url) as core:
                prepare(core)
                once = core.calls.import_file("asterisk", source, batch_size=posting_workers.BATCH)
            assert len(call_ids) == once.imported
            assert _ledger(clean_url) == _ledger(durable_url)
            assert len(call_ids) == _stored(durable_url, call_ids) == _stored(clean_url, call_ids)
            balance = _ledger(durable_url)[0]
            assert balance.amount < Decimal(0)  # type: ignore[attr-defined]
        finally:
            drop()


def _fresh_twin(url: str, tmp_path: Path) -> tuple[str, Callable[[], None]]:
    """A fresh, empty storage of the same kind as ``url``, and how to remove it."""
    if url.startswith("sqlite:"):
        return f"sqlite:///{tmp_path / 'clean.db'}", lambda: None
    dsn = pg_dsn()
    schema = f"telco_test_{uuid.uuid4().hex[:12]}"
    return with_schema(dsn, schema), lambda: drop_schema(dsn, schema)
