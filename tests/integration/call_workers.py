"""What the calls concurrency tests' child processes run.

Child processes are started with the "spawn" method, which imports this module by name in
a fresh interpreter: so everything they run lives here, at module level.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import telcocore
from telcocore import ChannelLimitReached, DebitLimitExceeded
from telcocore.testing import FixedClock

AT = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
"""When the calls of these tests start."""


def start_calls(  # noqa: PLR0913, PLR0917 - the worker's whole assignment, as Process args
    url: str,
    account_id: str,
    call_ids: Sequence[str],
    hold: str | None,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Start each call; report (started, replayed, refused, other errors)."""
    started: list[str] = []
    replayed: list[str] = []
    refused = 0
    other: list[str] = []
    with telcocore.connect(url, clock=FixedClock(AT)) as core:
        start.wait()
        for call_id in call_ids:
            try:
                answer = core.calls.start_call(call_id, account_id, hold=hold)
            except (ChannelLimitReached, DebitLimitExceeded):
                refused += 1
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
                other.append(repr(exc))
            else:
                (started if answer.started else replayed).append(call_id)
    results.put((started, replayed, refused, other))


def start_and_hang(url: str, account_id: str, count: int, progress: Any) -> None:  # noqa: ANN401
    """Start ``count`` calls holding 0.10 each, report it, then wait to be killed."""
    with telcocore.connect(url, clock=FixedClock(AT)) as core:
        for n in range(count):
            core.calls.start_call(f"lost-{n}", account_id, hold="0.10")
        progress.put(count)
        time.sleep(600)


def reap(url: str, start: Any, results: Any) -> None:  # noqa: ANN401 - Barrier, Queue
    """Reap calls older than 4 hours, five hours after :data:`AT`; report the call ids."""
    with telcocore.connect(url) as core:
        start.wait()
        try:
            ended = core.calls.reap(now=AT + timedelta(hours=5))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put(([], [repr(exc)]))
            return
    results.put(([e.channel.call_id for e in ended], []))


def authorize_and_start_calls(  # noqa: PLR0913, PLR0917 - the worker's whole assignment
    url: str,
    account_id: str,
    call_ids: Sequence[str],
    destination: str,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Authorize and start each call; report (started, replayed, refusal reasons, errors)."""
    started: list[str] = []
    replayed: list[str] = []
    refused: list[str] = []
    other: list[str] = []
    with telcocore.connect(url, clock=FixedClock(AT)) as core:
        start.wait()
        for call_id in call_ids:
            try:
                answer = core.calls.authorize_and_start(
                    call_id, account_id, source="+14155550100", destination=destination
                )
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
                other.append(repr(exc))
                continue
            if answer.start is None:
                refused.append(str(answer.reason))
            else:
                (started if answer.start.started else replayed).append(call_id)
    results.put((started, replayed, refused, other))
