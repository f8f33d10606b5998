#!/usr/bin/env python3
"""Authorize calls from Asterisk's dialplan: an AGI script that asks telcocore.

Before ``Dial``, ``AGI(agi_authorize.py,start)`` authorizes the call and starts it in one
step (:meth:`~telcocore.calls.services.CallService.authorize_and_start`): the account's
status, its block list, its rate for the number, its credit and its channel limit are
judged, and an allowed call's first billing block is held. The script answers in channel
variables:

- ``TELCOCORE_RESULT``: ``ALLOWED``, ``REFUSED``, or ``ERROR`` when telcocore could not be
  asked (the storage is down, the account code is not an account id);
- ``TELCOCORE_MAX_DURATION``: when allowed, the longest call in seconds the credit pays for
  (for ``Dial``'s ``S()`` option);
- ``TELCOCORE_REFUSAL`` and ``TELCOCORE_CAUSE``: when refused, why (a
  :class:`~telcocore.calls.model.authorization.Refusal` value) and the Q.850 cause to hang up
  with.

In a hangup handler, ``AGI(agi_authorize.py,end)`` ends the call: its channel is freed and
its hold released at once, without waiting for the call record's import.

The call id is ``ast:`` and the channel's ``UNIQUEID``: the id the Asterisk importer gives
the call's record when ``cdr.conf`` has ``loguniqueid=yes``, so posting the record also ends
the call if the hangup handler never ran. The storage is ``TELCOCORE_DB`` from the
environment (Asterisk passes its own to AGI scripts), else :data:`DEFAULT_DB`. See
docs/howto/dialplan-authorize.md.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

import telcocore
from telcocore import TelcoError
from telcocore.calls.model.authorization import Refusal

DEFAULT_DB = "sqlite:////var/lib/telcocore/telcocore.db"
"""The storage when ``TELCOCORE_DB`` is not set."""

CALL_REJECTED = 21
"""Q.850 cause 21, call rejected: the account may not make this call."""

CAUSES = {Refusal.CHANNEL_LIMIT: 34}
"""The Q.850 cause of each refusal, when not :data:`CALL_REJECTED`: 34, no circuit available."""


class AgiError(Exception):
    """Asterisk did not accept a command, or went away."""


class Agi:
    """The script's side of the AGI protocol, on its standard input and output."""

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self._in = stdin
        self._out = stdout

    def environment(self) -> dict[str, str]:
        """The ``agi_*`` lines Asterisk sends first, up to the blank line, by name."""
        found = {}
        for line in iter(self._in.readline, ""):
            if not line.strip():
                break
            name, _, value = line.partition(":")
            found[name.strip()] = value.strip()
        return found

    def command(self, text: str) -> str:
        """Send one command and return Asterisk's answer (``200 result=...``)."""
        self._out.write(text + "\n")
        self._out.flush()
        answer = self._in.readline()
        while answer.startswith("HANGUP"):  # FastAGI's notice of a hangup: the answer follows
            answer = self._in.readline()
        if not answer.startswith("200"):
            msg = f"Asterisk refused {text!r}: {answer.strip() or 'no answer'}"
            raise AgiError(msg)
        return answer.strip()

    def set_variable(self, name: str, value: object) -> None:
        """Set the channel variable ``name``."""
        self.command(f'SET VARIABLE {name} "{_quoted(value)}"')

    def verbose(self, message: str, level: int = 1) -> None:
        """Write ``message`` to Asterisk's console and log."""
        self.command(f'VERBOSE "{_quoted(message)}" {level}')


def _quoted(value: object) -> str:
    return " ".join(str(value).replace('"', "'").replace("\\", "/").split())


def call_id(env: Mapping[str, str]) -> str:
    """The call's id: ``ast:`` and the channel's unique id, as the importer names records."""
    return f"ast:{env['agi_uniqueid']}"


def start(agi: Agi, env: Mapping[str, str], core: telcocore.TelcoCore) -> None:
    """Authorize and start the call; say the answer in channel variables."""
    answer = core.calls.authorize_and_start(
        call_id(env),
        env.get("agi_accountcode", ""),
        source=env.get("agi_callerid", ""),
        destination=env.get("agi_extension", ""),
    )
    if answer.reason is None:
        agi.set_variable("TELCOCORE_RESULT", "ALLOWED")
        agi.set_variable("TELCOCORE_MAX_DURATION", answer.max_duration)
        return
    agi.set_variable("TELCOCORE_RESULT", "REFUSED")
    agi.set_variable("TELCOCORE_REFUSAL", answer.reason.value)
    agi.set_variable("TELCOCORE_CAUSE", CAUSES.get(answer.reason, CALL_REJECTED))
    agi.verbose(f"telcocore: {answer.message}", 3)


def end(env: Mapping[str, str], core: telcocore.TelcoCore) -> None:
    """End the call: free its channel and release its hold (nothing if it never started)."""
    core.calls.end_call(call_id(env))


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    environ: Mapping[str, str] = os.environ,
) -> int:
    """Run the script: ``start`` (the default) or ``end``; the exit status."""
    action = (sys.argv[1:] if argv is None else list(argv)) or ["start"]
    agi = Agi(stdin, stdout)
    env = agi.environment()
    try:
        with telcocore.connect(environ.get("TELCOCORE_DB", DEFAULT_DB)) as core:
            if action[0] == "end":
                end(env, core)
            else:
                start(agi, env, core)
    except TelcoError as failed:
        try:
            if action[0] != "end":
                agi.set_variable("TELCOCORE_RESULT", "ERROR")
            agi.verbose(f"telcocore: {failed}")
        except AgiError:
            pass  # the channel is gone: nobody to tell
        return 1
    except AgiError:
        return 1  # the caller hung up meanwhile; the hangup handler ends the call
    return 0


if __name__ == "__main__":
    # Asterisk sends SIGHUP when the channel hangs up, which would stop the script wherever
    # it is; in a hangup handler the channel is down from the start. The script finishes
    # its one unit of work instead, and stops at the next command Asterisk refuses.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    sys.exit(main())
