"""Rules every storage's units of work keep alike.

One unit of work at a time per thread: a unit opened inside another one, on the same
thread, would hang (memory), fail deep in the driver (SQLite) or commit on a second
connection behind the outer unit's back (PostgreSQL). Every storage refuses it up front,
the same way. And a read-only unit never commits (:data:`READ_ONLY_COMMIT`).
"""

from __future__ import annotations

import threading

from telcocore.errors import StorageError

__all__ = ["READ_ONLY_COMMIT", "OneUnitPerThread"]

READ_ONLY_COMMIT = "a read-only unit of work cannot commit; open one without read_only to write"
"""The message of the StorageError a read-only unit's ``commit()`` raises, on every storage."""


class OneUnitPerThread:
    """Tracks, per thread, whether a unit of work of one storage is open."""

    def __init__(self) -> None:
        self._open = threading.local()

    def enter(self) -> None:
        """Mark a unit open on this thread, or raise StorageError if one already is."""
        if getattr(self._open, "unit", False):
            msg = "a unit of work is already open on this thread; units of work do not nest"
            raise StorageError(msg)
        self._open.unit = True

    def leave(self) -> None:
        """Mark this thread's unit closed."""
        self._open.unit = False
