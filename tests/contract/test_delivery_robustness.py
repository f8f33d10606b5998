"""Delivery when workers race, sends stall and notifiers misbehave, on every storage.

Every wait here is on an event, a barrier or a condition, with a generous timeout; nothing
is timed. Where a test needs a claim race lost at a precise point, a clock read by the
worker just before it claims lets a rival claim first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tests.conftest import START
from tests.contract.test_delivery_worker import (
    NEVER,
    PATIENCE,
    BlockingNotifier,
    _core,
    _wait_until,
)

import telcocore
from telcocore import ConfigurationError, TelcoCore, TelcoError
from telcocore.notifications.model.message import Message, MessageKind, OutboxCounts
from telcocore.notifications.ports import OutboxRepository
from telcocore.notifications.services import CLAIM_LEASE, DeliveryReport
from telcocore.platform.ports import Storage
from telcocore.testing import CapturingNotifier, FailingNotifier, FixedClock, sequential_ids

SERVICES_LOGGER = "telcocore.notifications.services"


def _rival_claims_oldest(storage: Storage, now: datetime) -> None:
    """Another worker claims the oldest due message, with a token of its own."""
    with storage.unit_of_work() as uow:
        outbox = uow.get(OutboxRepository)
        (item,) = outbox.pending(limit=1, now=now)
        assert outbox.claim(item.message.id, token="rival", now=now, until=now + CLAIM_LEASE)
        uow.commit()


class RivalClock(FixedClock):
    """A fixed clock that, read by the delivery thread a second time, lets a rival claim.

    A run reads the clock once to find the due messages, then once before claiming the
    first: a rival's claim at that point makes the run lose the race for that message.
    """

    def __init__(self, now: datetime, storage: Storage) -> None:
        super().__init__(now)
        self.storage = storage
        self.armed = False
        self._reads = 0

    def now(self) -> datetime:
        """The time; on the delivery thread's second read while armed, a rival claims first."""
        now = super().now()
        if self.armed and threading.current_thread().name == "telcocore-delivery":
            self._reads += 1
            if self._reads == 2:
                self.armed = False
                _rival_claims_oldest(self.storage, now)
        return now


class StallingNotifier(CapturingNotifier):
    """A send that outlives its claim: meanwhile the lease runs out and a rival delivers."""

    def __init__(self, clock: FixedClock, rival: TelcoCore, *, refuse: bool) -> None:
        super().__init__()
        self.clock = clock
        self.rival = rival
        self.refuse = refuse
        self.rival_reports: list[DeliveryReport] = []

    def send(self, message: Message) -> None:
        """Let the lease lapse and the rival run, then accept or refuse ``message``."""
        self.clock.advance(CLAIM_LEASE + timedelta(seconds=1))
        self.rival_reports.append(self.rival.outbox.deliver_pending())
        if self.refuse:
            msg = "the mail server stalled"
            raise TimeoutError(msg)
        super().send(message)


class Fatal(BaseException):
    """What a notifier might raise that is not an ``Exception``."""


class FatalNotifier(CapturingNotifier):
    """Raises :class:`Fatal` on every send."""

    def send(self, message: Message) -> None:
        """Raise, not an Exception."""
        msg = f"the notifier gave up on {message.id}"
        raise Fatal(msg)


def _stalled(
    storage: Storage, clock: FixedClock, *, refuse: bool
) -> tuple[TelcoCore, StallingNotifier, CapturingNotifier]:
    """A core whose one due alert is sent by a stalled notifier, and its rival's notifier."""
    honest = CapturingNotifier()
    rival = TelcoCore(storage=storage, clock=clock, notifier=honest, ids=sequential_ids("r"))
    slow = StallingNotifier(clock, rival, refuse=refuse)
    core = _core(storage, clock, slow)
    core.ledger.debit("acme", "12.00", idempotency_key="d-1")
    return core, slow, honest


class TestASendThatOutlivesItsClaim:
    """The rival that claimed the message next owns its outcome; the late one is reported."""

    def test_a_late_success_is_counted_late_and_not_recorded_again(
        self, storage: Storage, clock: FixedClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Both sent it (at-least-once); the row is the rival's; a warning says so."""
        caplog.set_level(logging.WARNING, logger=SERVICES_LOGGER)
        core, slow, honest = _stalled(storage, clock, refuse=False)
        report = core.outbox.deliver_pending()
        assert (
            DeliveryReport(sent=0, failed=0, late=1),
            [DeliveryReport(sent=1, failed=0)],
            [MessageKind.LOW_BALANCE],
            [MessageKind.LOW_BALANCE],
            OutboxCounts(due=0, deferred=0),
        ) == (
            report,
            slow.rival_reports,
            [m.kind for m in slow.messages],
            [m.kind for m in honest.messages],
            core.outbox.counts(),
        )
        (record,) = caplog.records
        assert "after its claim of 0:05:00 ran out" in record.getMessage()
        assert "sent twice" in record.getMessage()

    def test_a_late_refusal_is_not_written_onto_the_sent_message(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """The rival sent it; the stalled worker's failure leaves it sent, not pending."""
        core, slow, honest = _stalled(storage, clock, refuse=True)
        report = core.outbox.deliver_pending()
        assert (DeliveryReport(sent=0, failed=0, late=1), 1, [], OutboxCounts(0, 0)) == (
            report,
            len(honest.messages),
            core.outbox.pending(),
            core.outbox.counts(),
        )
        assert [DeliveryReport(sent=1, failed=0)] == slow.rival_reports


class TestAttempts:
    """Each claim counts as an attempt, so a worker that died still used one."""

    def test_a_claim_whose_worker_died_counts_and_lengthens_the_next_delay(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """Once the dead claim lapsed, a refusal is attempt 2 and waits 60 s, not 30 s."""
        core = _core(storage, clock, FailingNotifier())
        core.ledger.debit("acme", "12.00", idempotency_key="d-1")
        _rival_claims_oldest(storage, clock.now())  # then that worker dies mid-send
        assert DeliveryReport(sent=0, failed=0) == core.outbox.deliver_pending()
        clock.advance(CLAIM_LEASE)
        assert DeliveryReport(sent=0, failed=1) == core.outbox.deliver_pending()
        (item,) = core.outbox.pending()
        assert (2, clock.now() + timedelta(seconds=60)) == (item.attempts, item.next_attempt_at)


class TestSharingTheWork:
    """A lost claim race skips that message and the run goes on."""

    def test_a_run_that_loses_a_race_reports_it_skipped(self, storage: Storage) -> None:
        """deliver_pending() counts the message a rival claimed between reading and claiming."""
        clock = RivalClock(START, storage)
        notifier = CapturingNotifier()
        core = _core(storage, clock, notifier)
        core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
        clock.armed = True
        reports: list[DeliveryReport] = []
        worker = threading.Thread(
            target=lambda: reports.append(core.outbox.deliver_pending(limit=1)),
            name="telcocore-delivery",
        )
        worker.start()
        worker.join(PATIENCE)
        assert ([DeliveryReport(sent=0, failed=0, skipped=1)], []) == (reports, notifier.messages)

    def test_the_worker_goes_on_after_losing_a_race(
        self, storage: Storage, stopping: list[TelcoCore]
    ) -> None:
        """In one run, the worker loses the first message to a rival and sends the second."""
        clock = RivalClock(START, storage)
        notifier = CapturingNotifier()
        core = _core(storage, clock, notifier)
        stopping.append(core)
        core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
        core.contacts.add("acme", "Di", "di@example.com", generate_password=True)
        clock.armed = True
        core.start_delivery(NEVER)  # one run, at once; nothing wakes it again
        _wait_until(  # only the rival's claim left: the second mail was sent and marked
            lambda: OutboxCounts(due=0, deferred=1) == core.outbox.counts(),
            "the second password mail to be marked sent",
        )
        assert ["di@example.com"] == [m.to for m in notifier.messages]

    def test_two_workers_on_one_database_both_deliver(self, tmp_path: Path) -> None:
        """Two cores on one SQLite file send at the same time; each message goes out once."""
        url = f"sqlite:///{tmp_path / 'telco.db'}"
        with telcocore.connect(url) as setup:
            setup.accounts.open("Acme", "USD", account_id="acme")
            for n in range(6):
                setup.contacts.add("acme", f"C{n}", f"c{n}@example.com", generate_password=True)
        notifier = MeetingNotifier()
        first = telcocore.connect(url, notifier=notifier)
        second = telcocore.connect(url, notifier=notifier)
        try:
            first.start_delivery(NEVER)
            second.start_delivery(NEVER)
            _wait_until(lambda: len(notifier.messages) == 6, "all six mails")
        finally:
            notifier.meeting.abort()
            first.close()
            second.close()
        assert [f"c{n}@example.com" for n in range(6)] == sorted(
            str(m.to) for m in notifier.messages
        )
        assert 2 == len(set(notifier.senders))


class MeetingNotifier(CapturingNotifier):
    """Each thread's first send waits until two threads are sending at once."""

    def __init__(self) -> None:
        super().__init__()
        self.meeting = threading.Barrier(2, timeout=PATIENCE)
        self.senders: list[int] = []
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        """Meet the other worker on this thread's first send, then capture ``message``."""
        me = threading.get_ident()
        with self._lock:
            first = me not in self.senders
            self.senders.append(me)
        if first:
            self.meeting.wait()
        with self._lock:
            super().send(message)


@pytest.fixture
def stopping() -> Iterator[list[TelcoCore]]:
    """Cores to close after the test, so no worker outlives it even when it fails."""
    cores: list[TelcoCore] = []
    yield cores
    for core in cores:
        core.close()


class TestStoppingBoundedly:
    """close() waits for the worker at most stop_timeout, then leaves the storage to it."""

    def test_close_gives_up_on_a_notifier_that_does_not_return(
        self, storage: Storage, clock: FixedClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """close() returns, warns, keeps the storage open; the worker closes it once done."""
        caplog.set_level(logging.WARNING, logger="telcocore.core")
        notifier = BlockingNotifier()
        core = _core(storage, clock, notifier)
        core.start_delivery(NEVER, stop_timeout=0.01)
        core.ledger.debit("acme", "12.00", idempotency_key="d-1")
        assert notifier.entered.wait(PATIENCE), "the worker never started sending"
        try:
            core.close()
            still = (core.delivery.running, core.delivery.stopping, core.outbox.counts())
        finally:
            notifier.release.set()
        assert (True, True, OutboxCounts(due=0, deferred=1)) == still
        (record,) = caplog.records
        assert "the storage stays open until that send ends" in record.getMessage()
        _wait_until(lambda: not core.delivery.running, "the worker to end")
        assert 1 == len(notifier.messages)
        with pytest.raises(TelcoError, match="closed"):
            core.outbox.counts()

    def test_a_stop_timeout_that_is_not_a_positive_number_is_refused(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """start_delivery() refuses it with a ConfigurationError naming it, and starts nothing."""
        core = _core(storage, clock, CapturingNotifier())
        with pytest.raises(ConfigurationError, match="stop_timeout"):
            core.start_delivery(NEVER, stop_timeout=0)
        assert not core.delivery.running


class TestAFatalNotifier:
    """A BaseException from the notifier ends the worker, loudly."""

    def test_it_is_logged_at_critical_and_shown_by_the_worker(
        self, storage: Storage, clock: FixedClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The thread ends; failure holds the error; the message is retried after the lease."""
        caplog.set_level(logging.CRITICAL, logger=SERVICES_LOGGER)
        core = _core(storage, clock, FatalNotifier())
        try:
            core.start_delivery(NEVER)
            core.ledger.debit("acme", "12.00", idempotency_key="d-1")
            _wait_until(lambda: not core.delivery.running, "the worker's thread to end")
            status = (core.delivery.stopping, type(core.delivery.failure))
            (item,) = core.outbox.pending()
        finally:
            core.close()
        assert ((False, Fatal), 1, clock.now() + CLAIM_LEASE) == (
            status,
            item.attempts,
            item.next_attempt_at,
        )
        (record,) = caplog.records
        assert (logging.CRITICAL, Fatal) == (
            record.levelno,
            None if record.exc_info is None else record.exc_info[0],
        )
