"""The audit log in SQL: ``audit_entries`` and the one-row ``audit_head``.

Appending locks the head row first (``UPDATE audit_head SET seq = seq``): on PostgreSQL that
is a row lock held to the end of the transaction, on SQLite the write lock is held already.
So writers append one after the other and the chain never forks. The patch is stored as
JSON text in both databases, exactly as it was hashed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

from telcocore.audit.model.entry import AuditAction, AuditEntry, AuditQuery
from telcocore.audit.ports import AuditRepository
from telcocore.kernel.errors import AlreadyExists, ConcurrencyError, StorageError, TelcoError
from telcocore.platform.sql.dialect import Row, Session
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlAuditRepository"]

_AUDIT_LOG: Final = "audit log"
"""The chain as a whole, in errors: an entry that does not follow the current head."""
_UNREADABLE: Final = "unreadable"
"""What a damaged row's unreadable parts become when the chain is verified."""
_NO_TIME: Final = datetime.min.replace(tzinfo=UTC)
"""The time of a damaged row when the chain is verified."""

_COLUMNS = (
    "seq, id, at, actor, action, entity_type, entity_key, patch, reason, source_ip, prev_hash, hash"
)
_SELECT = f"SELECT {_COLUMNS} FROM audit_entries"  # noqa: S608 - constant


class SqlAuditRepository:
    """Audit entries in ``seq`` order, with the chain head in its own row."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def _entry(self, row: Row, *, damaged: bool = False) -> AuditEntry:
        """The entry a row holds.

        A row no entry could hold was altered in the database: a patch that is not the text
        of a JSON list (or holds text that is not valid Unicode), an unknown action, a blank
        id or key, a time that does not read. Reading it is a
        :class:`~telcocore.StorageError` naming the entry, unless ``damaged`` entries are
        wanted (to verify the chain): those keep what was read inside a patch no hash
        matches, with the stored ``seq``, ``prev_hash`` and ``hash``.
        """
        seq, id_, at, actor, action, etype, key, patch, reason, ip, prev_hash, hash_ = row
        try:
            operations = json.loads(patch)
        except ValueError:
            operations = None
        if not isinstance(operations, list):
            if not damaged:
                msg = f"audit entry #{seq} ({id_}) holds a patch that is not a JSON list"
                raise StorageError(msg)
            # Plain JSON, so the entry can be built; it is not what was hashed.
            operations = [{"op": _UNREADABLE, "text": str(patch)}]
        try:
            return AuditEntry(
                id=id_,
                seq=seq,
                at=self._s.dialect.time_from_db(at),
                actor=actor,
                action=AuditAction(action),
                entity_type=etype,
                entity_key=key,
                patch=operations,
                reason=reason,
                source_ip=ip,
                prev_hash=prev_hash,
                hash=hash_,
            )
        except (TelcoError, ValueError, TypeError) as exc:
            if not damaged:
                msg = f"audit entry #{seq} ({id_}) holds what no entry can: {exc}"
                raise StorageError(msg) from None
        # Built from placeholders and the row's text, so no hash matches it.
        return AuditEntry(
            id=id_ if isinstance(id_, str) and id_.strip() else _UNREADABLE,
            seq=seq,
            at=_NO_TIME,
            actor=_UNREADABLE,
            action=AuditAction.UPDATE,
            entity_type=_UNREADABLE,
            entity_key=_UNREADABLE,
            patch=[{"op": _UNREADABLE, "text": ascii(tuple(row))}],
            prev_hash=str(prev_hash),
            hash=str(hash_),
        )

    def head(self) -> tuple[int, str]:
        """The newest entry's ``(seq, hash)``."""
        row = self._s.one("SELECT seq, hash FROM audit_head WHERE id = 1")
        assert row is not None  # noqa: S101 - created by the migration
        return int(row[0]), str(row[1])

    def lock_head(self) -> tuple[int, str]:
        """The head, locked until this unit of work ends."""
        self._s.run("UPDATE audit_head SET seq = seq WHERE id = 1")
        return self.head()

    def add(self, entry: AuditEntry) -> None:
        """Append ``entry`` after the head and move the head to it."""
        moved = self._s.run(
            "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ? AND hash = ?",
            (entry.seq, entry.hash, entry.seq - 1, entry.prev_hash),
        )
        if not moved:
            raise ConcurrencyError(_AUDIT_LOG, entry.seq, entry.seq - 1)
        inserted = self._s.run(
            f"INSERT INTO audit_entries ({_COLUMNS}) "  # noqa: S608 - constant
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                entry.seq,
                entry.id,
                self._s.dialect.time_to_db(entry.at),
                entry.actor,
                entry.action.value,
                entry.entity_type,
                entry.entity_key,
                json.dumps(entry.body()["patch"], sort_keys=True, ensure_ascii=False),
                entry.reason,
                entry.source_ip,
                entry.prev_hash,
                entry.hash,
            ),
        )
        if not inserted:
            raise AlreadyExists(AuditEntry.ENTITY, entry.id)

    def get(self, entry_id: str) -> AuditEntry | None:
        """The entry with this id, if any."""
        row = self._s.one(f"{_SELECT} WHERE id = ?", (entry_id,))
        return None if row is None else self._entry(row)

    def find(self, query: AuditQuery, *, limit: int, before_seq: int | None) -> list[AuditEntry]:
        """Matching entries, newest first."""
        d = self._s.dialect
        where: list[str] = []
        params: list[object] = []
        for column, value in (
            ("entity_type", query.entity_type),
            ("entity_key", query.entity_key),
            ("actor", query.actor),
            ("action", None if query.action is None else query.action.value),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if query.start is not None:
            where.append("at >= ?")
            params.append(d.time_to_db(query.start))
        if query.end is not None:
            where.append("at < ?")
            params.append(d.time_to_db(query.end))
        if before_seq is not None:
            where.append("seq < ?")
            params.append(before_seq)
        condition = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._s.all(f"{_SELECT}{condition} ORDER BY seq DESC LIMIT ?", [*params, limit])
        return [self._entry(row) for row in rows]

    def of_entity(self, entity_type: str, entity_key: str) -> list[AuditEntry]:
        """Every entry of one entity, oldest first."""
        rows = self._s.all(
            f"{_SELECT} WHERE entity_type = ? AND entity_key = ? ORDER BY seq",
            (entity_type, entity_key),
        )
        return [self._entry(row) for row in rows]

    def chain(self, *, after_seq: int, limit: int) -> list[AuditEntry]:
        """Entries after ``after_seq``, in ``seq`` order."""
        rows = self._s.all(f"{_SELECT} WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit))
        return [self._entry(row, damaged=True) for row in rows]


STORAGE = SqlDomain("audit", {AuditRepository: SqlAuditRepository}, baseline=1)
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
