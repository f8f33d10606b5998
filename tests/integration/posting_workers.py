"""What the import crash test's child process runs (imported by name under "spawn")."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import telcocore
from telcocore.calls.model.posting import PostedCall
from telcocore.platform.ports import UnitOfWork

BATCH = 200
"""Records per batch (one unit of work each) in the crash test."""


def _slowly(_uow: UnitOfWork, _posted: Sequence[PostedCall]) -> None:
    """A summary hook that makes each batch last long enough to be killed between them."""
    time.sleep(0.02)


def import_slowly(url: str, path: str) -> None:
    """Import the Master.csv at ``path`` a batch at a time until killed."""
    with telcocore.connect(url) as core:
        core.calls.summary_hooks.append(_slowly)
        core.calls.import_file("asterisk", Path(path), batch_size=BATCH)
