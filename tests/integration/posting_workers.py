"""What the import crash test's child process runs (imported by name under "spawn")."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import telcocore
from telcocore.calls.model.posting import PostedCall
from telcocore.platform.ports import UnitOfWork

BATCH = 200
"""Records per batch (one unit of work each) in the crash test."""


COMMITTED = 3
"""Batches the child commits before it stops, mid-batch, until it is killed."""

_batches = 0
_stalled: Any = None
"""The event the child sets when it stalls (a spawn context's ``Event``)."""


def _stalling(_uow: UnitOfWork, _posted: Sequence[PostedCall]) -> None:
    """A summary hook that lets :data:`COMMITTED` batches through, then stalls the next.

    The stalled batch is inside its unit of work (on SQLite, holding the write lock): the
    kill that ends it is a crash mid-transaction, and whatever the machine's speed the
    database then holds exactly :data:`COMMITTED` batches.
    """
    global _batches  # noqa: PLW0603 - one child process, one import
    _batches += 1
    if _batches > COMMITTED:
        _stalled.set()  # the test kills now, without waiting for a lock this batch holds
        time.sleep(3600)


def import_slowly(url: str, path: str, stalled: Any) -> None:  # noqa: ANN401 - an Event
    """Import the Master.csv at ``path`` a batch at a time; stall mid-batch until killed."""
    global _stalled  # noqa: PLW0603 - one child process, one import
    _stalled = stalled
    with telcocore.connect(url) as core:
        core.calls.summary_hooks.append(_stalling)
        core.calls.import_file("asterisk", Path(path), batch_size=BATCH)
