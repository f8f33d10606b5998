"""What the contact tests' child processes run (spawned: module level, imported by name)."""

from __future__ import annotations

import os
import signal
from typing import Any

import telcocore
from telcocore.contacts.model.credentials import ScryptHasher
from telcocore.kernel.errors import AlreadyExists

FAST = ScryptHasher(n=2**10)


def add_then_die(url: str) -> None:
    """Add a contact with a generated password, commit, and be killed before delivering."""
    core = telcocore.connect(url, password_hasher=FAST)  # no notifier: nothing is sent here
    core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
    os.kill(os.getpid(), signal.SIGKILL)


def add_email(url: str, email: str, start: Any, results: Any) -> None:  # noqa: ANN401 - Barrier, Queue
    """Add a contact with ``email`` once ``start`` opens; report "added" or "taken"."""
    with telcocore.connect(url, password_hasher=FAST) as core:
        start.wait()
        try:
            core.contacts.add("acme", "Twin", email)
        except AlreadyExists:
            results.put("taken")
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put(repr(exc))
        else:
            results.put("added")


class _Recorder:
    """A notifier that keeps the id of each message it sends."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, message: Any) -> None:  # noqa: ANN401 - a Message
        """Keep the message's id."""
        self.sent.append(message.id)


def deliver_all(url: str, start: Any, results: Any) -> None:  # noqa: ANN401 - Barrier, Queue
    """Once ``start`` opens, deliver until nothing is due; report the ids this process sent."""
    recorder = _Recorder()
    with telcocore.connect(url, notifier=recorder) as core:
        start.wait()
        try:
            while core.outbox.deliver_pending(limit=5).sent or core.outbox.counts().due:
                pass
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results.put(repr(exc))
        else:
            results.put(recorder.sent)
