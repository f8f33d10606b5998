"""What the audit log needs from storage."""

from __future__ import annotations

from typing import Protocol

from telcocore.audit.model.entry import AuditEntry, AuditQuery

__all__ = ["AuditRepository"]


class AuditRepository(Protocol):
    """The audit log: a hash chain of entries, numbered from 1 without gaps."""

    def lock_head(self) -> tuple[int, str]:
        """The newest entry's ``(seq, hash)``, locked until this unit ends.

        ``(0, GENESIS_HASH)`` when the log is empty. Holding the lock makes writers append
        one after the other, so the chain never forks.
        """
        ...

    def head(self) -> tuple[int, str]:
        """The newest entry's ``(seq, hash)``, without locking it."""
        ...

    def add(self, entry: AuditEntry) -> None:
        """Append ``entry``, which must follow the head locked by :meth:`lock_head`."""
        ...

    def get(self, entry_id: str) -> AuditEntry | None:
        """The entry with this id, if any."""
        ...

    def find(self, query: AuditQuery, *, limit: int, before_seq: int | None) -> list[AuditEntry]:
        """Entries matching ``query`` with ``seq < before_seq`` (if given), newest first."""
        ...

    def of_entity(self, entity_type: str, entity_key: str) -> list[AuditEntry]:
        """Every entry of one entity, oldest first."""
        ...

    def chain(self, *, after_seq: int, limit: int) -> list[AuditEntry]:
        """Up to ``limit`` entries with ``seq > after_seq``, in ``seq`` order."""
        ...
