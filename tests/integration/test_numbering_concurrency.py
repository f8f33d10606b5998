"""Several OS processes assigning number blocks from one SQLite file or PostgreSQL schema."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.integration import numbering_workers
from tests.integration.storage_workers import SPAWN

import telcocore

pytestmark = pytest.mark.slow

PROCESSES = 8
ASSIGNMENTS = 50
START = 1000
SIZE = 1000


class TestAssignmentUnderContention:
    """Eight processes assigning 50 blocks each get distinct blocks and leave no gap."""

    def test_no_duplicate_and_no_gap(self, durable_url: str) -> None:
        """The 400 blocks assigned are exactly the first 400 of the range, each once."""
        with telcocore.connect(durable_url) as core:
            core.numbering.set_range(START, SIZE)
            for worker in range(PROCESSES):
                core.accounts.open(f"Worker {worker}", "USD", account_id=f"w{worker}")
        start = SPAWN.Barrier(PROCESSES)
        results = SPAWN.Queue()
        processes = [
            SPAWN.Process(
                target=numbering_workers.assign_blocks,
                args=(durable_url, f"w{worker}", ASSIGNMENTS, start, results),
            )
            for worker in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        reports = [results.get(timeout=180) for _ in processes]
        for process in processes:
            process.join(timeout=60)

        errors = [error for _, errs in reports for error in errs]
        handed_out = [first for firsts, _ in reports for first in firsts]
        duplicates = [first for first, n in Counter(handed_out).items() if n > 1]
        expected = [START + i * SIZE for i in range(PROCESSES * ASSIGNMENTS)]
        assert ([0] * PROCESSES, [], []) == (
            [p.exitcode for p in processes],
            errors,
            duplicates,
        )
        assert expected == sorted(handed_out)
        with telcocore.connect(durable_url) as core:
            stored = core.numbering.blocks()
            per_account = Counter(b.account_id for b in stored)
            assert expected == [b.first for b in stored]
            assert {f"w{w}": ASSIGNMENTS for w in range(PROCESSES)} == dict(per_account)
            assert core.audit.verify_chain() is None
