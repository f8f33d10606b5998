"""What the recurring run concurrency tests' child processes run.

Child processes are started with the "spawn" method, which imports this module by name in
a fresh interpreter: so everything they run lives here, at module level.
"""

from __future__ import annotations

from typing import Any

import telcocore
from telcocore import Period


def run_recurring(
    url: str,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Run April's recurring charges once; report ({account: status}, error)."""
    with telcocore.connect(url) as core:
        start.wait()
        try:
            run = core.plans.run_recurring(Period.month(2026, 4))
            results.put(({c.account_id: c.status.value for c in run.charges}, None))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put(({}, repr(exc)))


def buy_users(
    url: str,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Buy 3 users of ``a0`` under the key every worker uses; report (change, error)."""
    with telcocore.connect(url) as core:
        start.wait()
        try:
            change = core.plans.buy_users("a0", 3, idempotency_key="order 1")
            results.put(((change.users, change.transaction_id), None))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put((None, repr(exc)))
