"""Delivery off the request path: changes only queue, the worker or a scheduled run sends.

Every wait here is on an event or a condition, with a generous timeout; nothing is timed.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tests.conftest import START

import telcocore
from telcocore import ConfigurationError, TelcoCore
from telcocore.adapters.smtp import SmtpConfig, SmtpNotifier, SmtpSecurity
from telcocore.notifications.model.message import Message, MessageKind, OutboxCounts
from telcocore.notifications.ports import Notifier
from telcocore.notifications.services import DeliveryWorker
from telcocore.platform.ports import Storage
from telcocore.testing import CapturingNotifier, FixedClock, sequential_ids

PATIENCE = 30.0
"""Seconds to wait for another thread before the test fails (it never takes that long)."""

NEVER = 3600.0
"""An interval no test waits for: runs happen only when a change wakes the worker."""


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    """Wait, up to :data:`PATIENCE`, for ``condition`` to hold; fail naming ``what``."""
    pause = threading.Event()
    for _ in range(int(PATIENCE / 0.01)):
        if condition():
            return
        pause.wait(0.01)
    pytest.fail(f"gave up waiting for {what}")


class BlockingNotifier(CapturingNotifier):
    """Holds each send until ``release`` is set; says when a send started and on which thread."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.threads: list[threading.Thread] = []

    def send(self, message: Message) -> None:
        """Wait for ``release`` (at most :data:`PATIENCE`), then capture ``message``."""
        self.threads.append(threading.current_thread())
        self.entered.set()
        if not self.release.wait(PATIENCE):
            msg = "the test never released the notifier"
            raise TimeoutError(msg)
        super().send(message)


class FlakyNotifier(CapturingNotifier):
    """Refuses the first ``failures`` messages, then captures; counts every attempt."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.attempts = 0

    def send(self, message: Message) -> None:
        """Raise for the first attempts, then capture ``message``."""
        self.attempts += 1
        if self.attempts <= self.failures:
            msg = "server is down"
            raise ConnectionRefusedError(msg)
        super().send(message)


class BreakableClock(FixedClock):
    """A fixed clock that raises while ``broken`` and called from another thread than ours."""

    def __init__(self, now: datetime) -> None:
        super().__init__(now)
        self.broken = False
        self.owner = threading.current_thread()

    def now(self) -> datetime:
        """The time, or a RuntimeError in the delivery thread while broken."""
        if self.broken and threading.current_thread() is not self.owner:
            msg = "clock unplugged"
            raise RuntimeError(msg)
        return super().now()


def _core(storage: Storage, clock: FixedClock, notifier: Notifier | None) -> TelcoCore:
    """A core with an account ``acme`` holding 20.00 and an alert below 10.00."""
    core = TelcoCore(storage=storage, clock=clock, notifier=notifier, ids=sequential_ids("w"))
    core.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="10.00")
    core.ledger.credit("acme", "20.00", idempotency_key="seed")
    return core


@pytest.fixture
def stopping() -> Iterator[list[TelcoCore]]:
    """Cores to close after the test, so no worker outlives it even when it fails."""
    cores: list[TelcoCore] = []
    yield cores
    for core in cores:
        if isinstance(core.outbox.notifier, BlockingNotifier):
            core.outbox.notifier.release.set()
        core.close()  # stops the worker; closing the storage twice is harmless


class TestOffTheRequestPath:
    """A posting, a password reset or a code only writes the outbox row."""

    def test_a_debit_does_not_wait_for_a_blocked_notifier(
        self, storage: Storage, clock: FixedClock, stopping: list[TelcoCore]
    ) -> None:
        """The debit returns while the worker's send is still held; then it is delivered."""
        notifier = BlockingNotifier()
        core = _core(storage, clock, notifier)
        stopping.append(core)
        core.start_delivery(NEVER)
        core.ledger.debit("acme", "12.00", idempotency_key="d-1")  # crosses 10.00
        assert notifier.entered.wait(PATIENCE), "the worker never started sending"
        assert not notifier.release.is_set()  # the debit returned while the send was held
        assert threading.current_thread() not in notifier.threads
        notifier.release.set()
        _wait_until(lambda: core.outbox.counts().pending == 0, "the alert to be marked sent")
        assert [("acme", MessageKind.LOW_BALANCE)] == [
            (m.account_id, m.kind) for m in notifier.messages
        ]

    def test_without_delivery_the_message_waits_in_the_outbox(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """No worker, no run: the alert and the password wait, due; a run sends both."""
        notifier = CapturingNotifier()
        core = _core(storage, clock, notifier)
        core.ledger.debit("acme", "12.00", idempotency_key="d-1")
        core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
        waiting = (core.outbox.counts(), list(notifier.messages))
        report = core.outbox.deliver_pending()
        assert ((OutboxCounts(due=2, deferred=0), []), 2) == (waiting, report.sent)
        assert [MessageKind.LOW_BALANCE, MessageKind.PASSWORD] == [
            m.kind for m in notifier.messages
        ]

    def test_a_debit_never_connects_to_a_mail_server(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """With an SMTP server that accepts but never answers, the debit makes no connection."""
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(8)
            port = silent.getsockname()[1]
            config = SmtpConfig("127.0.0.1", port, security=SmtpSecurity.PLAIN, timeout=PATIENCE)
            core = _core(storage, clock, SmtpNotifier(config))
            core.accounts.open("Solo", "USD", account_id="solo", low_balance_threshold="10.00")
            core.ledger.credit("solo", "20.00", idempotency_key="seed-solo")
            debit = core.ledger.debit("solo", "12.00", idempotency_key="d-1")
            silent.setblocking(False)  # noqa: FBT003 - the socket API
            with pytest.raises(BlockingIOError):
                silent.accept()  # nobody knocked
        assert (debit.id, OutboxCounts(due=1, deferred=0)) == (
            core.ledger.get(debit.id).id,
            core.outbox.counts(),
        )


class TestWorker:
    """core.start_delivery(): a daemon thread delivering until the core closes."""

    def test_a_change_wakes_the_worker(
        self, storage: Storage, clock: FixedClock, stopping: list[TelcoCore]
    ) -> None:
        """With a day-long interval, a new password is still sent: the add woke the worker."""
        notifier = CapturingNotifier()
        core = _core(storage, clock, notifier)
        stopping.append(core)
        core.start_delivery(NEVER)
        core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
        _wait_until(lambda: len(notifier.messages) == 1, "the password mail")
        assert [MessageKind.PASSWORD] == [m.kind for m in notifier.messages]

    def test_the_interval_delivers_what_another_process_queued(
        self, storage: Storage, clock: FixedClock, stopping: list[TelcoCore]
    ) -> None:
        """Messages written by another core on the same storage go out on the next tick."""
        notifier = CapturingNotifier()
        core = _core(storage, clock, None)
        other = TelcoCore(storage=storage, clock=clock, notifier=notifier)
        stopping.append(other)
        other.start_delivery(0.05)
        core.ledger.debit("acme", "12.00", idempotency_key="d-1")  # wakes no one: no worker
        _wait_until(lambda: len(notifier.messages) == 1, "the alert")

    def test_close_stops_the_worker(self, storage: Storage, clock: FixedClock) -> None:
        """After close() the delivery thread is gone."""
        notifier = BlockingNotifier()
        notifier.release.set()
        core = _core(storage, clock, notifier)
        core.start_delivery(NEVER)
        core.ledger.debit("acme", "12.00", idempotency_key="d-1")
        assert notifier.entered.wait(PATIENCE)
        (thread,) = notifier.threads
        core.close()
        assert (False, True) == (thread.is_alive(), thread.daemon)

    def test_stop_finishes_the_message_in_flight_and_sends_no_other(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """Asked to stop while sending, the worker marks that message sent and stops."""
        notifier = BlockingNotifier()
        core = _core(storage, clock, notifier)
        core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
        core.contacts.add("acme", "Di", "di@example.com", generate_password=True)
        worker = DeliveryWorker()
        worker.start(core.outbox, interval=NEVER)
        assert notifier.entered.wait(PATIENCE)
        closer = threading.Thread(target=worker.stop)
        closer.start()
        _wait_until(lambda: worker.stopping, "stop() to be called")
        notifier.release.set()
        closer.join(PATIENCE)
        assert (False, False) == (closer.is_alive(), worker.running)
        assert ["cy@example.com"] == [m.to for m in notifier.messages]
        assert ["di@example.com"] == [i.message.to for i in core.outbox.pending()]

    def test_the_worker_retries_a_refused_message_after_its_delay(
        self, storage: Storage, clock: FixedClock, stopping: list[TelcoCore]
    ) -> None:
        """A refusal defers the message 30 s; once the clock passed that, it is sent."""
        notifier = FlakyNotifier(failures=1)
        core = _core(storage, clock, notifier)
        stopping.append(core)
        core.start_delivery(NEVER)
        core.ledger.debit("acme", "12.00", idempotency_key="d-1")
        _wait_until(lambda: core.outbox.counts().deferred == 1, "the refusal to be recorded")
        (item,) = core.outbox.pending()
        assert (1, clock.now() + timedelta(seconds=30)) == (item.attempts, item.next_attempt_at)
        clock.advance(timedelta(seconds=30))
        core.outbox.wake()
        _wait_until(lambda: len(notifier.messages) == 1, "the retried alert")
        assert 2 == notifier.attempts

    def test_an_error_in_a_run_is_logged_and_the_worker_goes_on(
        self, storage: Storage, caplog: pytest.LogCaptureFixture, stopping: list[TelcoCore]
    ) -> None:
        """A run that raises is logged with its traceback; the next run delivers."""
        caplog.set_level(logging.ERROR, logger="telcocore.notifications.services")
        clock = BreakableClock(START)
        notifier = CapturingNotifier()
        core = _core(storage, clock, notifier)
        stopping.append(core)
        clock.broken = True
        core.start_delivery(NEVER)
        _wait_until(lambda: bool(caplog.records), "the failed run to be logged")
        (record,) = caplog.records
        assert record.exc_info is not None
        assert "RuntimeError: clock unplugged" in caplog.text
        clock.broken = False
        core.ledger.debit("acme", "12.00", idempotency_key="d-1")
        _wait_until(lambda: len(notifier.messages) == 1, "the alert after the failed run")


class TestStartingAndStopping:
    """Only the core starts and stops its worker, with a sensible interval."""

    def test_a_view_neither_starts_nor_stops_the_worker(
        self, storage: Storage, clock: FixedClock, stopping: list[TelcoCore]
    ) -> None:
        """A view refuses start_delivery(); closing it leaves the worker delivering."""
        notifier = CapturingNotifier()
        core = _core(storage, clock, notifier)
        stopping.append(core)
        view = core.acting_as("alice")
        with pytest.raises(ConfigurationError, match="not on a view"):
            view.start_delivery(NEVER)
        core.start_delivery(NEVER)
        view.close()
        view.ledger.debit("acme", "12.00", idempotency_key="d-1")  # the view wakes it too
        _wait_until(lambda: len(notifier.messages) == 1, "the alert after the view closed")

    def test_a_second_start_is_refused(
        self, storage: Storage, clock: FixedClock, stopping: list[TelcoCore]
    ) -> None:
        """One worker per core."""
        core = _core(storage, clock, CapturingNotifier())
        stopping.append(core)
        core.start_delivery(NEVER)
        with pytest.raises(ConfigurationError, match="running already"):
            core.start_delivery(NEVER)

    @pytest.mark.parametrize("interval", [0, -1, float("inf"), float("nan"), True, "5", 86_401])
    def test_an_interval_that_is_not_a_positive_number_is_refused(
        self, storage: Storage, clock: FixedClock, interval: object
    ) -> None:
        """start_delivery() refuses it with a ConfigurationError naming it."""
        core = _core(storage, clock, CapturingNotifier())
        with pytest.raises(ConfigurationError, match="interval"):
            core.start_delivery(interval)  # type: ignore[arg-type]


class TestConnect:
    """connect(url, deliver_every=...) starts the worker; close() stops it."""

    def test_deliver_every_starts_the_worker(self, tmp_path: Path) -> None:
        """The alert goes out with no explicit run, and the thread ends with the core."""
        notifier = BlockingNotifier()
        notifier.release.set()
        url = f"sqlite:///{tmp_path / 'telco.db'}"
        with telcocore.connect(url, notifier=notifier, deliver_every=NEVER) as core:
            core.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="10.00")
            core.ledger.credit("acme", "20.00", idempotency_key="seed")
            core.ledger.debit("acme", "12.00", idempotency_key="d-1")
            _wait_until(lambda: core.outbox.counts().pending == 0, "the alert to be sent")
        (thread,) = notifier.threads
        assert not thread.is_alive()

    def test_a_bad_deliver_every_is_refused(self) -> None:
        """A ConfigurationError naming deliver_every, before any storage is opened."""
        with pytest.raises(ConfigurationError, match="deliver_every"):
            telcocore.connect("memory://", deliver_every=0)
