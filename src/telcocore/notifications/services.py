"""Delivering the outbox: messages go to the notifier only after their change committed.

Nothing delivers on the request path: a posting, a new contact or a password reset only
writes its message to the outbox, in the same transaction as the change, and returns.
Delivery runs when the application asks for it, in one of two ways:

- call :meth:`OutboxService.deliver_pending` on a schedule (cron, a loop, a job queue);
  for example, a script run every minute by cron::

      with telcocore.connect(url, notifier=notifier) as core:
          core.outbox.deliver_pending()

- or start the core's worker (:class:`DeliveryWorker`), a background thread that delivers
  every few seconds and as soon as a change wrote a message:
  :meth:`telcocore.TelcoCore.start_delivery` (or ``connect(url, deliver_every=5.0)``);
  :meth:`~telcocore.TelcoCore.close` stops it, after the message it is sending, waiting at
  most :data:`STOP_TIMEOUT` seconds. An error in one of its runs (the storage unreachable,
  a bug) is logged (level ERROR, with the traceback) and the worker goes on; a
  ``BaseException`` raised in its thread is logged at CRITICAL and ends it
  (:attr:`DeliveryWorker.failure`).

While nothing delivers, messages wait in the outbox, in order, and none is lost.

Each run takes the messages that are due, oldest first, and claims each one before
sending it: a short transaction gives it a fresh claim token, makes it not due for
:data:`CLAIM_LEASE`, and counts the attempt. The outcome is recorded only while the
message still holds that token. So at most one worker sends a message at a time while
each send takes less than the lease; a send that outlives the lease may be repeated by
another worker (at-least-once), and its late outcome is logged (WARNING) and not recorded.
A message the notifier accepts is marked sent (and its secrets erased); one it refuses is
retried later, after a delay that doubles with each attempt up to a cap. No message is
ever given up: a worker that dies while sending leaves its message to be retried once the
claim lapses, with that attempt counted. A refusal is logged (logger
``telcocore.notifications.services``, level WARNING) with the message, where it was going
(for SMTP, the server's host and port) and when it is due again.

:meth:`OutboxService.pending` and :meth:`OutboxService.counts` show what waits: messages
that are due, and messages deferred while they wait out a retry delay (or are being sent).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Final

import attrs

from telcocore.kernel.errors import ConfigurationError
from telcocore.kernel.validation import validate_int, validate_seconds
from telcocore.notifications.model.message import Message, OutboxCounts, OutboxItem
from telcocore.notifications.ports import DescribedNotifier, Notifier, OutboxRepository
from telcocore.platform.context import ServiceContext

__all__ = [
    "CLAIM_LEASE",
    "MAX_INTERVAL",
    "RETRY_BASE",
    "RETRY_CAP",
    "STOP_TIMEOUT",
    "DeliveryReport",
    "DeliveryWorker",
    "OutboxService",
    "destination",
    "retry_delay",
    "validate_interval",
]

log = logging.getLogger(__name__)

RETRY_BASE: Final = timedelta(seconds=30)
"""The delay after the first failed attempt."""
RETRY_CAP: Final = timedelta(hours=1)
"""The longest delay between two attempts."""
CLAIM_LEASE: Final = timedelta(minutes=5)
"""How long a message being sent stays claimed. A send that takes longer may be repeated by
another worker: keep a notifier's timeouts (an SMTP server's, say) well below it."""


def retry_delay(
    attempts: int, *, base: timedelta = RETRY_BASE, cap: timedelta = RETRY_CAP
) -> timedelta:
    """The wait after attempt number ``attempts`` was refused: ``base * 2**(attempts - 1)``.

    At most ``cap``.

    >>> [str(retry_delay(n)) for n in (1, 2, 3, 10)]
    ['0:00:30', '0:01:00', '0:02:00', '1:00:00']
    """
    exponent = max(attempts - 1, 0)
    if exponent >= 32:  # noqa: PLR2004 - far beyond any cap
        return cap
    delay: timedelta = min(base * 2**exponent, cap)
    return delay


@attrs.frozen
class DeliveryReport:
    """What one delivery run did."""

    sent: int
    """Messages the notifier accepted, recorded as sent."""
    failed: int
    """Messages the notifier refused, due again after their retry delay."""
    skipped: int = 0
    """Due messages another run claimed first, between this run reading and claiming them."""
    late: int = 0
    """Messages whose send outlived the claim: this run handed them to the notifier, but
    another run had claimed them meanwhile (or they were withdrawn), so their outcome was not
    recorded here."""

    @property
    def progressed(self) -> bool:
        """Whether the run met any due message (sent, refused, skipped or late)."""
        return self.sent + self.failed + self.skipped + self.late > 0


class OutboxService:
    """Hands committed outbox messages to the notifier, at least once each.

    Services never deliver: they call :meth:`wake` after committing a message, which only
    tells the core's delivery worker, if one runs, that there is work. Delivery happens in
    :meth:`deliver_pending`, called by that worker or on the application's schedule.

    ``base`` and ``cap`` set the retry delays (:func:`retry_delay`), ``lease`` how long a
    message being sent stays claimed, and ``on_queued`` what :meth:`wake` calls (the core
    passes its worker's :meth:`DeliveryWorker.wake`).
    """

    def __init__(  # noqa: PLR0913 - the ports, then the retry and claim settings
        self,
        context: ServiceContext,
        notifier: Notifier | None,
        *,
        base: timedelta = RETRY_BASE,
        cap: timedelta = RETRY_CAP,
        lease: timedelta = CLAIM_LEASE,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._ctx = context
        self.notifier = notifier
        """Where messages go; ``None`` keeps them in the outbox until one is configured."""
        self._base = base
        self._cap = cap
        self._lease = lease
        self._on_queued = on_queued

    def wake(self) -> None:
        """Say that a committed change wrote messages; return at once, delivering nothing.

        If the core's delivery worker runs, it delivers them soon, off the caller's thread;
        otherwise they wait for the next :meth:`deliver_pending`.
        """
        if self._on_queued is not None:
            self._on_queued()

    def pending(self, *, limit: int = 100) -> list[OutboxItem]:
        """Up to ``limit`` messages not yet delivered, oldest first, due or deferred.

        Each :class:`~telcocore.notifications.model.message.OutboxItem` shows its
        ``attempts`` (claims so far), its ``last_error`` and, while it waits out a retry
        delay or is being sent, when it is due again (``next_attempt_at``). Secrets in the
        messages (a generated password, a verification code) stay hidden in their repr.
        """
        limit = validate_int(limit, field="limit", minimum=1)
        with self._ctx.uow(read_only=True) as uow:
            return list(uow.get(OutboxRepository).pending(limit=limit))

    def counts(self) -> OutboxCounts:
        """How many undelivered messages are due now, and how many are deferred."""
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(OutboxRepository).counts(now=self._ctx.clock.now())

    def deliver_pending(self, *, limit: int = 100) -> DeliveryReport:
        """Send up to ``limit`` messages that are due, oldest first; call it on a schedule.

        This is the only place messages are sent: run it from cron, a loop or a job queue,
        or let :meth:`telcocore.TelcoCore.start_delivery` run it in the background. Each
        message is claimed in its own transaction before it is sent (the claim counts as an
        attempt), so concurrent runs (threads or processes on one database) share the work:
        at most one run sends a message at a time, as long as each send takes less than
        the lease. A message another run claimed first is left to it and counted
        ``skipped``.

        A message is marked sent only after the notifier accepted it; one the notifier
        refused stays pending and is due again after :func:`retry_delay`. Delivery is
        at-least-once: a crash between sending and marking sends the message again once
        its claim lapses, and so does a send that outlives the lease (a stalled mail
        server). Such a late send is counted ``late`` and logged (WARNING), and its outcome
        is not recorded over what the worker that claimed the message next recorded.
        Without a notifier nothing is sent and every message stays in the outbox.
        """
        limit = validate_int(limit, field="limit", minimum=1)
        notifier = self.notifier
        if notifier is None:
            return DeliveryReport(sent=0, failed=0)
        with self._ctx.uow(read_only=True) as uow:
            items = list(uow.get(OutboxRepository).pending(limit=limit, now=self._ctx.clock.now()))
        outcomes = {"sent": 0, "failed": 0, "skipped": 0, "late": 0}
        for item in items:
            token = self._claim(item.message.id)
            outcome = "skipped" if token is None else self._send(notifier, item, token)
            outcomes[outcome] += 1
        return DeliveryReport(**outcomes)

    def _claim(self, message_id: str) -> str | None:
        """Claim the message with a fresh token; the token, or ``None`` if another run won."""
        now = self._ctx.clock.now()
        token = self._ctx.ids()
        with self._ctx.uow() as uow:
            claimed = uow.get(OutboxRepository).claim(
                message_id, token=token, now=now, until=now + self._lease
            )
            uow.commit()
        return token if claimed else None

    def _send(self, notifier: Notifier, item: OutboxItem, token: str) -> str:
        """Hand one claimed message to the notifier, record the outcome; say which it was."""
        message = item.message
        attempt = item.attempts + 1  # the claim counted it
        try:
            notifier.send(message)
        except Exception as exc:  # noqa: BLE001 - any notifier failure leaves it pending
            retry_at = self._ctx.clock.now() + retry_delay(attempt, base=self._base, cap=self._cap)
            log.warning(
                "message %s (%s, %s) not delivered via %s: %s; attempt %d, due again at %s",
                message.id,
                message.kind.value,
                message.channel.value,
                destination(notifier, message),
                type(exc).__name__,
                attempt,
                retry_at.isoformat(),
            )
            with self._ctx.uow() as uow:
                recorded = uow.get(OutboxRepository).mark_failed(
                    message.id, token=token, error=_describe(exc), retry_at=retry_at
                )
                uow.commit()
            return "failed" if recorded else self._late(notifier, message, "refused")
        with self._ctx.uow() as uow:
            recorded = uow.get(OutboxRepository).mark_sent(
                message.id, token=token, at=self._ctx.clock.now()
            )
            uow.commit()
        return "sent" if recorded else self._late(notifier, message, "sent")

    def _late(self, notifier: Notifier, message: Message, outcome: str) -> str:
        """Log a send that outlived its claim, or of a message withdrawn while it was sent."""
        log.warning(
            "message %s (%s, %s) was %s via %s after its claim of %s ran out or the message was "
            "withdrawn; another worker claimed it since and records its outcome, or it must not "
            "be delivered, so this one is not recorded%s",
            message.id,
            message.kind.value,
            message.channel.value,
            outcome,
            destination(notifier, message),
            self._lease,
            " (the message may be sent twice)" if outcome == "sent" else "",
        )
        return "late"


MAX_INTERVAL: Final = 86_400.0
"""The longest interval between two delivery runs, in seconds (a day)."""

_PER_RUN: Final = 1000
"""At most this many messages per run, so a notifier that fails at once cannot spin."""


def validate_interval(value: object, *, name: str = "interval") -> float:
    """Seconds between delivery runs: a positive int or float, at most :data:`MAX_INTERVAL`.

    Anything else is a :class:`~telcocore.ConfigurationError` naming ``name``.

    >>> validate_interval(5)
    5.0
    """
    return validate_seconds(value, name=name, maximum=MAX_INTERVAL)


STOP_TIMEOUT: Final = 30.0
"""How long, in seconds, closing a core waits for its delivery worker to stop, by default."""


class DeliveryWorker:
    """Runs :meth:`OutboxService.deliver_pending` in a daemon thread until stopped.

    One worker belongs to one core and is shared with the core's views; only the core starts
    and stops it. :meth:`wake` may be called from any thread, whether the worker runs or not.

    Its state shows in :attr:`running`, :attr:`stopping` and :attr:`failure`. An error in a
    run (an ``Exception``: the storage unreachable, a bug) is logged at ERROR and the worker
    goes on; anything else raised in its thread (a ``BaseException`` such as ``SystemExit``
    or ``KeyboardInterrupt`` from a notifier) is logged at CRITICAL, kept in
    :attr:`failure`, and ends the worker: :attr:`running` is then ``False``.
    """

    def __init__(self, *, name: str = "telcocore-delivery") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._failure: BaseException | None = None
        self._finished = True
        self._when_finished: list[Callable[[], None]] = []

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called since the last :meth:`start`."""
        return self._stopping.is_set()

    @property
    def failure(self) -> BaseException | None:
        """What ended the thread other than :meth:`stop` (logged at CRITICAL); else ``None``.

        Reset by :meth:`start`.
        """
        return self._failure

    def start(self, outbox: OutboxService, *, interval: float) -> None:
        """Start delivering ``outbox`` every ``interval`` seconds and whenever woken.

        A worker that runs already is a :class:`~telcocore.ConfigurationError`.
        """
        seconds = validate_interval(interval)
        with self._lock:
            if self.running:
                msg = "delivery is running already: stop it (close the core) first"
                raise ConfigurationError(msg)
            self._stopping.clear()
            self._failure = None
            self._finished = False
            self._wakeup.set()  # deliver what waits at once
            self._thread = threading.Thread(
                target=self._loop, args=(outbox, seconds), name=self._name, daemon=True
            )
            self._thread.start()

    def wake(self) -> None:
        """Ask for a run now (a message was committed); return at once."""
        self._wakeup.set()

    def stop(self, timeout: float | None = None) -> bool:
        """Stop the thread and wait for it: it finishes the message it is sending, if any.

        Waits at most ``timeout`` seconds (``None``: as long as it takes). ``True`` if the
        thread has ended (or never ran); ``False`` if it is still sending when the time is
        up (or if called from the worker's own thread): it sends no other message after
        that one. Stopping a worker that does not run does nothing.
        """
        with self._lock:
            thread = self._thread
            self._stopping.set()
            self._wakeup.set()
        if thread is None:
            return True
        if thread is not threading.current_thread():
            thread.join(timeout)
        return not thread.is_alive()

    def when_finished(self, action: Callable[[], None]) -> None:
        """Call ``action`` once the thread has ended: now if it does not run, else from it.

        The core uses it to close its storage after a worker that outlived ``close()``.
        """
        with self._lock:
            if not self._finished:
                self._when_finished.append(action)
                return
        action()

    def _loop(self, outbox: OutboxService, interval: float) -> None:
        try:
            while not self._stopping.is_set():
                self._wakeup.wait(interval)
                self._wakeup.clear()
                if self._stopping.is_set():
                    break
                self._run(outbox)
        except BaseException as exc:  # logged and kept; the thread ends
            self._failure = exc
            log.critical(
                "the outbox delivery worker stopped on %s: nothing is delivered until it is "
                "started again; the message it was sending is retried once its claim lapses",
                type(exc).__name__,
                exc_info=exc,
            )
        finally:
            with self._lock:
                self._finished = True
                actions, self._when_finished = self._when_finished, []
            for action in actions:
                try:
                    action()
                except Exception:
                    log.exception("closing after the outbox delivery worker ended failed")

    def _run(self, outbox: OutboxService) -> None:
        """Deliver due messages one at a time until none is left or the worker is stopped.

        A message another worker claimed first does not end the run: the next one due is
        taken, so workers sharing one database share the work instead of taking turns.
        """
        for _ in range(_PER_RUN):
            if self._stopping.is_set():
                return
            try:
                report = outbox.deliver_pending(limit=1)
            except Exception:
                log.exception("outbox delivery run failed; the worker goes on")
                return
            if not report.progressed:
                return


def destination(notifier: Notifier, message: Message) -> str:
    """Where ``notifier`` delivers ``message``, for a log line: its own words, or its type."""
    if isinstance(notifier, DescribedNotifier):
        return notifier.destination(message)
    return type(notifier).__name__


def _describe(exc: Exception) -> str:
    """The error's type and text, cut short: what the outbox keeps about a failure."""
    return f"{type(exc).__name__}: {exc}"[:500]
