"""What the numbering concurrency tests' child processes run.

Child processes are started with the "spawn" method, which imports this module by name in
a fresh interpreter: so everything they run lives here, at module level.
"""

from __future__ import annotations

from typing import Any

import telcocore


def assign_blocks(
    url: str,
    account_id: str,
    count: int,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Assign ``count`` blocks to ``account_id``; report (first numbers, errors)."""
    firsts: list[int] = []
    errors: list[str] = []
    with telcocore.connect(url) as core:
        start.wait()
        for _ in range(count):
            try:
                firsts.append(core.numbering.assign_block(account_id).first)
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
                errors.append(repr(exc))
    results.put((firsts, errors))
