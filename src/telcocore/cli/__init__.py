"""The ``telcocore`` command: the library's services from a shell, cron or a dialplan script.

Installed as the ``telcocore`` console script and runnable as ``python -m telcocore``;
it needs the ``cli`` extra (``pip install 'telcocore[cli]'``: click and rich). Each
command opens the storage named by ``--db`` (or ``TELCOCORE_DB``; by default the SQLite
file ``telcocore.db`` in the current folder), does its work, and closes it. Errors a
user can make print one line on standard error and exit non-zero; see docs/cli.md.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

MISSING_EXTRA = (
    "telcocore: error: the command needs the cli extra, which is not installed: "
    "pip install 'telcocore[cli]'"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``telcocore`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status: 0 on success, 1 when the library refused the request or a
    file could not be used, 2 for a command line that cannot be parsed, 130 on Ctrl-C.
    """
    try:
        from telcocore.cli.app import run  # noqa: PLC0415 - click and rich are optional
    except ModuleNotFoundError as missing:
        if (missing.name or "").partition(".")[0] not in {"click", "rich"}:
            raise
        print(MISSING_EXTRA, file=sys.stderr)  # noqa: T201 - no console without rich
        return 1
    return run(argv)
