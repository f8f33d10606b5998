"""The delivery worker: a background thread that delivers the outbox off the request path.

:meth:`telcocore.TelcoCore.start_delivery` starts one; :meth:`telcocore.TelcoCore.close`
stops it. The worker runs :meth:`OutboxService.deliver_pending
<telcocore.notifications.services.OutboxService.deliver_pending>` one message at a time,
every ``interval`` seconds and as soon as a service says it committed a message
(:meth:`DeliveryWorker.wake`). Asked to stop, it finishes the message it is sending and
sends no other.

An error in a run (the storage unreachable, a bug) never ends the worker silently: it is
logged (logger ``telcocore.notifications.worker``, level ERROR, with the traceback) and
the next run goes on. A notifier's refusal is not such an error: the outbox records it and
retries the message after its delay.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import TYPE_CHECKING, Final

from telcocore.kernel.errors import ConfigurationError
from telcocore.kernel.validation import shown

if TYPE_CHECKING:
    from telcocore.notifications.services import OutboxService

__all__ = ["MAX_INTERVAL", "DeliveryWorker", "validate_interval"]

log = logging.getLogger(__name__)

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
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{name} must be a number of seconds (an int or a float), got {shown(value)}"
        raise ConfigurationError(msg)
    seconds = float(value)
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_INTERVAL):
        msg = f"{name} {shown(value)} must be more than 0 and at most {MAX_INTERVAL:g} seconds"
        raise ConfigurationError(msg)
    return seconds


class DeliveryWorker:
    """Runs :meth:`OutboxService.deliver_pending` in a daemon thread until stopped.

    One worker belongs to one core and is shared with the core's views; only the core starts
    and stops it. :meth:`wake` may be called from any thread, whether the worker runs or not.
    """

    def __init__(self, *, name: str = "telcocore-delivery") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wakeup = threading.Event()
        self._stopping = threading.Event()

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called since the last :meth:`start`."""
        return self._stopping.is_set()

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
            self._wakeup.set()  # deliver what waits at once
            self._thread = threading.Thread(
                target=self._loop, args=(outbox, seconds), name=self._name, daemon=True
            )
            self._thread.start()

    def wake(self) -> None:
        """Ask for a run now (a message was committed); return at once."""
        self._wakeup.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the thread and wait for it: it finishes the message it is sending, if any.

        Waits at most ``timeout`` seconds (``None``: as long as it takes). Stopping a worker
        that does not run does nothing.
        """
        with self._lock:
            thread = self._thread
            self._stopping.set()
            self._wakeup.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _loop(self, outbox: OutboxService, interval: float) -> None:
        while not self._stopping.is_set():
            self._wakeup.wait(interval)
            self._wakeup.clear()
            if self._stopping.is_set():
                break
            self._run(outbox)

    def _run(self, outbox: OutboxService) -> None:
        """Deliver due messages one at a time until none is left or the worker is stopped."""
        for _ in range(_PER_RUN):
            if self._stopping.is_set():
                return
            try:
                report = outbox.deliver_pending(limit=1)
            except Exception:
                log.exception("outbox delivery run failed; the worker goes on")
                return
            if report.sent + report.failed == 0:
                return
