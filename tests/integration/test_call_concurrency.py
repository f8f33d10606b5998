"""Several OS processes starting and reaping calls on one SQLite file or PostgreSQL schema."""

from __future__ import annotations

import os
import signal
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from tests.integration import call_workers
from tests.integration.storage_workers import SPAWN

import telcocore
from telcocore import Rate, RateDeck, Refusal
from telcocore.kernel.money import Money

pytestmark = pytest.mark.slow

PROCESSES = 6


def _open(url: str, *, funds: str, channel_limit: int | None) -> None:
    with telcocore.connect(url) as core:
        core.accounts.open("Acme", "USD", account_id="acme", channel_limit=channel_limit)
        core.ledger.credit("acme", funds, idempotency_key="seed")


def _run(url: str, assignments: list[list[str]], hold: str | None) -> list[Any]:
    """Run one start_calls worker per assignment, all at once; their reports."""
    start = SPAWN.Barrier(len(assignments))
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(
            target=call_workers.start_calls,
            args=(url, "acme", call_ids, hold, start, results),
        )
        for call_ids in assignments
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert [0] * len(processes) == [p.exitcode for p in processes]
    return reports


def _usd(amount: str) -> Money:
    return Money(amount, "USD")


class TestStartsUnderContention:
    """Processes starting calls at once on one account never exceed its limits."""

    def test_the_channel_limit_holds(self, durable_url: str) -> None:
        """6 processes x 5 calls on 4 channels (credit for 6): exactly 4 start."""
        _open(durable_url, funds="3.00", channel_limit=4)
        assignments = [[f"w{w}-{n}" for n in range(5)] for w in range(PROCESSES)]
        reports = _run(durable_url, assignments, "0.50")
        started = [c for r in reports for c in r[0]]
        assert ([], 4, 26) == (
            [e for r in reports for e in r[3]],
            len(started),
            sum(r[2] for r in reports),
        )
        with telcocore.connect(durable_url) as core:
            overview = core.calls.overview("acme")
            assert (4, _usd("2.00"), _usd("1.00")) == (
                overview.channels_in_use,
                overview.held,
                overview.available,
            )

    def test_the_credit_holds(self, durable_url: str) -> None:
        """No channel limit, credit for 6 holds of 0.50: exactly 6 start, nothing over."""
        _open(durable_url, funds="3.00", channel_limit=None)
        assignments = [[f"w{w}-{n}" for n in range(5)] for w in range(PROCESSES)]
        reports = _run(durable_url, assignments, "0.50")
        started = [c for r in reports for c in r[0]]
        assert ([], 6) == ([e for r in reports for e in r[3]], len(started))
        with telcocore.connect(durable_url) as core:
            assert (_usd("3.00"), _usd("0.00"), 6) == (
                core.ledger.held("acme"),
                core.ledger.available("acme"),
                core.calls.channels_in_use("acme"),
            )
            assert sorted(started) == sorted(h.id for h in core.ledger.holds("acme"))

    def test_the_same_calls_count_once(self, durable_url: str) -> None:
        """Every process starts the same 10 calls: each starts once, the rest are replays."""
        _open(durable_url, funds="10.00", channel_limit=None)
        calls = [f"c{n}" for n in range(10)]
        reports = _run(durable_url, [calls] * PROCESSES, "0.10")
        started = Counter(c for r in reports for c in r[0])
        replayed = sum(len(r[1]) for r in reports)
        assert ([], dict.fromkeys(calls, 1), 10 * (PROCESSES - 1)) == (
            [e for r in reports for e in r[3]],
            dict(started),
            replayed,
        )
        with telcocore.connect(durable_url) as core:
            assert (10, _usd("1.00")) == (
                core.calls.channels_in_use("acme"),
                core.ledger.held("acme"),
            )


def _open_priced(url: str, *, funds: str, channel_limit: int | None) -> None:
    """Account ``acme`` priced at 0.06 a minute to +44 on 60/6: a first block of 0.06."""
    _open(url, funds=funds, channel_limit=channel_limit)
    since = call_workers.AT - timedelta(days=1)
    rate = Rate(
        "44",
        "UK",
        Decimal("0.06"),
        initial_increment=60,
        subsequent_increment=6,
        effective_from=since,
    )
    deck = RateDeck("retail", "USD", [rate])
    with telcocore.connect(url) as core:
        core.rating.save_deck(deck)
        core.rating.assign("acme", "retail")


def _run_authorized(url: str, assignments: list[list[str]]) -> list[Any]:
    """Run one authorize_and_start_calls worker per assignment, all at once; their reports."""
    start = SPAWN.Barrier(len(assignments))
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(
            target=call_workers.authorize_and_start_calls,
            args=(url, "acme", call_ids, "+442071234567", start, results),
        )
        for call_ids in assignments
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert [0] * len(processes) == [p.exitcode for p in processes]
    return reports


class TestAuthorizedStartsUnderContention:
    """Processes authorizing and starting calls at once never spend the same credit."""

    def test_the_last_credit_is_spent_once(self, durable_url: str) -> None:
        """0.30 pays 5 first blocks of 0.06: 6 processes x 3 calls, exactly 5 start."""
        _open_priced(durable_url, funds="0.30", channel_limit=None)
        assignments = [[f"w{w}-{n}" for n in range(3)] for w in range(PROCESSES)]
        reports = _run_authorized(durable_url, assignments)
        started = [c for r in reports for c in r[0]]
        refusals = Counter(reason for r in reports for reason in r[2])
        assert ([], 5, {Refusal.INSUFFICIENT_CREDIT.value: 13}) == (
            [e for r in reports for e in r[3]],
            len(started),
            dict(refusals),
        )
        with telcocore.connect(durable_url) as core:
            assert (_usd("0.30"), _usd("0.00"), 5) == (
                core.ledger.held("acme"),
                core.ledger.available("acme"),
                core.calls.channels_in_use("acme"),
            )
            assert sorted(started) == sorted(h.id for h in core.ledger.holds("acme"))

    def test_the_channel_limit_holds(self, durable_url: str) -> None:
        """Credit for 50 first blocks but 4 channels: exactly 4 start, never more held."""
        _open_priced(durable_url, funds="3.00", channel_limit=4)
        assignments = [[f"w{w}-{n}" for n in range(5)] for w in range(PROCESSES)]
        reports = _run_authorized(durable_url, assignments)
        started = [c for r in reports for c in r[0]]
        refusals = Counter(reason for r in reports for reason in r[2])
        assert ([], 4, {Refusal.CHANNEL_LIMIT.value: 26}) == (
            [e for r in reports for e in r[3]],
            len(started),
            dict(refusals),
        )
        with telcocore.connect(durable_url) as core:
            overview = core.calls.overview("acme")
            assert (4, _usd("0.24"), _usd("2.76")) == (
                overview.channels_in_use,
                overview.held,
                overview.available,
            )

    def test_the_same_calls_start_once(self, durable_url: str) -> None:
        """Every process starts the same 4 calls: each is held once, the rest replay."""
        _open_priced(durable_url, funds="1.00", channel_limit=None)
        calls = [f"c{n}" for n in range(4)]
        reports = _run_authorized(durable_url, [calls] * PROCESSES)
        started = Counter(c for r in reports for c in r[0])
        assert ([], dict.fromkeys(calls, 1), 4 * (PROCESSES - 1), []) == (
            [e for r in reports for e in r[3]],
            dict(started),
            sum(len(r[1]) for r in reports),
            [reason for r in reports for reason in r[2]],
        )
        with telcocore.connect(durable_url) as core:
            assert (4, _usd("0.24")) == (
                core.calls.channels_in_use("acme"),
                core.ledger.held("acme"),
            )


class TestLostCalls:
    """Calls of a crashed caller are released by the reaper, once, from any process."""

    def test_a_killed_callers_calls_are_reaped(self, durable_url: str) -> None:
        """SIGKILL after 20 starts: 4 reapers at once release the 20 calls, each once."""
        _open(durable_url, funds="5.00", channel_limit=None)
        progress = SPAWN.Queue()
        child = SPAWN.Process(
            target=call_workers.start_and_hang, args=(durable_url, "acme", 20, progress)
        )
        child.start()
        assert 20 == progress.get(timeout=120)
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=60)
        with telcocore.connect(durable_url) as core:
            assert (20, _usd("2.00")) == (
                core.calls.channels_in_use("acme"),
                core.ledger.held("acme"),
            )

        reapers = 4
        start = SPAWN.Barrier(reapers)
        results = SPAWN.Queue()
        processes = [
            SPAWN.Process(target=call_workers.reap, args=(durable_url, start, results))
            for _ in range(reapers)
        ]
        for process in processes:
            process.start()
        reports = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=60)
        reaped = Counter(c for r in reports for c in r[0])
        assert ([], {f"lost-{n}": 1 for n in range(20)}) == (
            [e for r in reports for e in r[1]],
            dict(reaped),
        )
        with telcocore.connect(durable_url) as core:
            assert (0, _usd("0"), _usd("5.00")) == (
                core.calls.channels_in_use("acme"),
                core.ledger.held("acme"),
                core.ledger.available("acme"),
            )


class TestReleasingWhileEnding:
    """A hold released through the ledger while its call ends: the same lock order."""

    def test_no_deadlock(self, durable_url: str) -> None:
        """Threads releasing a call's hold and ending the call at once never deadlock.

        Both lock the account's balance row before the hold; in the other order
        PostgreSQL broke a deadlock in about one round in four.
        """
        import threading  # noqa: PLC0415 - only this test runs threads

        _open(durable_url, funds="100", channel_limit=None)
        errors: list[BaseException] = []
        with telcocore.connect(durable_url) as core:
            for n in range(60):
                call_id = f"race-{n}"
                core.calls.start_call(call_id, "acme", hold="0.10")
                barrier = threading.Barrier(2)

                def run(action: Any, call_id: str = call_id, barrier: Any = barrier) -> None:  # noqa: ANN401
                    barrier.wait()
                    try:
                        action(call_id)
                    except Exception as error:  # noqa: BLE001 - collected and asserted below
                        errors.append(error)

                threads = [
                    threading.Thread(target=run, args=(core.ledger.release_hold,)),
                    threading.Thread(target=run, args=(core.calls.end_call,)),
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            assert [] == errors
            assert _usd("0.00") == core.ledger.held("acme")
            assert 0 == core.calls.channels_in_use("acme")
