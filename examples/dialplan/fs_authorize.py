#!/usr/bin/env python3
"""Authorize calls for FreeSWITCH: the script ``freeswitch_authorize.lua`` runs per call.

``fs_authorize.py start UUID ACCOUNT SOURCE DESTINATION`` authorizes the call and starts
it in one step (:meth:`~telcocore.calls.services.CallService.authorize_and_start`) and
prints one line for the Lua script to read:

- ``ALLOWED <max_duration>``: the longest call in seconds the credit pays for;
- ``REFUSED <refusal> <hangup cause>``: why (a
  :class:`~telcocore.calls.model.authorization.Refusal` value) and the FreeSWITCH hangup
  cause to end the call with;
- ``ERROR <message>``: telcocore could not be asked (the storage is down, the account code
  is not an account id); exit status 1.

``fs_authorize.py end UUID`` ends the call from the hangup hook: its channel is freed and
its hold released, without waiting for the call record's import.

The call id is ``fs:`` and the call's UUID, the id the FreeSWITCH importer gives its
record, so posting the record also ends the call if the hangup hook never ran. The storage
is ``TELCOCORE_DB`` from the environment (FreeSWITCH's own, passed on to the scripts it
starts), else :data:`DEFAULT_DB`. See docs/howto/dialplan-authorize.md.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

import telcocore
from telcocore import TelcoError
from telcocore.calls.model.authorization import Refusal

DEFAULT_DB = "sqlite:////var/lib/telcocore/telcocore.db"
"""The storage when ``TELCOCORE_DB`` is not set."""

CAUSES = {Refusal.CHANNEL_LIMIT: "NORMAL_CIRCUIT_CONGESTION"}
"""The hangup cause of each refusal, when not ``CALL_REJECTED``."""

ARITY = {(("start",), 5), (("end",), 2)}
"""The command lines the script takes: the action and the number of words with it."""

USAGE = "usage: fs_authorize.py start UUID ACCOUNT SOURCE DESTINATION | end UUID"


def answer_line(core: telcocore.TelcoCore, uuid: str, account: str, source: str, to: str) -> str:
    """Authorize and start the call ``fs:<uuid>``; the line the Lua script reads."""
    answer = core.calls.authorize_and_start(f"fs:{uuid}", account, source=source, destination=to)
    if answer.reason is None:
        return f"ALLOWED {answer.max_duration}"
    return f"REFUSED {answer.reason.value} {CAUSES.get(answer.reason, 'CALL_REJECTED')}"


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO = sys.stdout,
    environ: Mapping[str, str] = os.environ,
) -> int:
    """Run ``start`` or ``end`` as the command line says; the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if (tuple(args[:1]), len(args)) not in ARITY:
        print(f"ERROR {USAGE}", file=stdout)
        return 2
    try:
        with telcocore.connect(environ.get("TELCOCORE_DB", DEFAULT_DB)) as core:
            if args[0] == "end":
                core.calls.end_call(f"fs:{args[1]}")
                return 0
            line = answer_line(core, *args[1:])
    except TelcoError as failed:
        print("ERROR", " ".join(str(failed).split()), file=stdout)
        return 1
    print(line, file=stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
