"""The media repository in SQL: media metadata and each account's media settings.

Each media file or recording is one ``media_items`` row; ``state`` is ``ready``, or
``deleting`` once a delete or a purge has committed (the row is then read no more, and goes
once its blob is gone). ``sort_at`` is the upload time of a file, the start of a recording.
``media_names`` counts the recordings of each name (the ``_n``), ``media_settings`` holds
the accounts' retention days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from telcocore.media.model import MediaFile, MediaKind, MediaSettings
from telcocore.media.ports import MediaRepository
from telcocore.platform.sql.dialect import Row, Session
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlMediaRepository"]

_COLUMNS: Final = (
    "id, account_id, kind, name, content_type, size, sha256, created_at, call_id, caller, "
    "callee, started_at"
)
_IDS_AT_ONCE: Final = 500
"""How many ids one ``IN (...)`` look-up names."""


class SqlMediaRepository:
    """Media metadata and settings in one session."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def _media(self, row: Row) -> MediaFile:
        d = self._s.dialect
        media_id, account_id, kind, name, content_type, size, sha256, created, *call = row
        call_id, caller, callee, started = call
        return MediaFile(
            media_id,
            account_id,
            MediaKind(kind),
            name,
            content_type,
            int(size),
            sha256,
            d.time_from_db(created),
            call_id,
            caller,
            callee,
            None if started is None else d.time_from_db(started),
        )

    def add(self, media: MediaFile, *, stem: str | None = None, seq: int = 1) -> None:
        """Store new media, ready; a recording with its name's stem and ``seq``."""
        d = self._s.dialect
        started = media.started_at
        self._s.run(
            f"INSERT INTO media_items ({_COLUMNS}, stem, seq, sort_at, state) "  # noqa: S608 - constant
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ready')",
            (
                media.id,
                media.account_id,
                media.kind.value,
                media.name,
                media.content_type,
                media.size,
                media.sha256,
                d.time_to_db(media.created_at),
                media.call_id,
                media.caller,
                media.callee,
                None if started is None else d.time_to_db(started),
                stem,
                None if stem is None else seq,
                d.time_to_db(media.created_at if started is None else started),
            ),
        )

    def get(self, media_id: str) -> MediaFile | None:
        """The media, or ``None`` (also while it is being deleted)."""
        row = self._s.one(
            f"SELECT {_COLUMNS} FROM media_items WHERE id = ? AND state = 'ready'",  # noqa: S608 - constant
            (media_id,),
        )
        return None if row is None else self._media(row)

    def take_seq(self, account_id: str, stem: str) -> int:
        """The next number of the account's recording name ``stem``, taken atomically."""
        row = self._s.one(
            "INSERT INTO media_names (account_id, stem, seq) VALUES (?, ?, 1) "
            "ON CONFLICT (account_id, stem) DO UPDATE SET seq = media_names.seq + 1 "
            "RETURNING seq",
            (account_id, stem),
        )
        return 1 if row is None else int(row[0])

    def page(  # noqa: PLR0913 - the filters and the page
        self,
        account_id: str,
        kind: MediaKind,
        *,
        start: datetime | None,
        end: datetime | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[MediaFile]:
        """The account's ready media of ``kind``, by time then id, one page."""
        d = self._s.dialect
        where = ["account_id = ?", "kind = ?", "state = 'ready'"]
        params: list[object] = [account_id, kind.value]
        if start is not None:
            where.append("sort_at >= ?")
            params.append(d.time_to_db(start))
        if end is not None:
            where.append("sort_at < ?")
            params.append(d.time_to_db(end))
        if after is not None:
            where.append("(sort_at > ? OR (sort_at = ? AND id > ?))")
            at = d.time_to_db(after[0])
            params += [at, at, after[1]]
        rows = self._s.all(
            f"SELECT {_COLUMNS} FROM media_items WHERE {' AND '.join(where)} "  # noqa: S608 - constant parts
            "ORDER BY sort_at, id LIMIT ?",
            (*params, limit),
        )
        return [self._media(row) for row in rows]

    def mark_deleting(self, media_id: str) -> MediaFile | None:
        """Mark the media as being deleted; ``None`` if there is none (ready)."""
        row = self._s.one(
            "UPDATE media_items SET state = 'deleting' WHERE id = ? AND state = 'ready' "  # noqa: S608 - constant
            f"RETURNING {_COLUMNS}",
            (media_id,),
        )
        return None if row is None else self._media(row)

    def mark_expired(self, account_id: str, before: datetime, limit: int) -> list[MediaFile]:
        """Mark at most ``limit`` of the account's recordings started before ``before``."""
        rows = self._s.all(
            "UPDATE media_items SET state = 'deleting' WHERE id IN (SELECT id FROM media_items "  # noqa: S608 - constant
            "WHERE account_id = ? AND kind = ? AND sort_at < ? AND state = 'ready' "
            f"ORDER BY sort_at, id LIMIT ?) RETURNING {_COLUMNS}",
            (account_id, MediaKind.RECORDING.value, self._s.dialect.time_to_db(before), limit),
        )
        return sorted((self._media(row) for row in rows), key=lambda m: m.id)

    def deleting(self, limit: int) -> list[str]:
        """The ids of at most ``limit`` media marked as being deleted."""
        rows = self._s.all(
            "SELECT id FROM media_items WHERE state = 'deleting' ORDER BY id LIMIT ?", (limit,)
        )
        return [row[0] for row in rows]

    def remove(self, media_ids: Iterable[str]) -> None:
        """Delete the metadata of these media."""
        rows = [(media_id,) for media_id in media_ids]
        self._s.run_batches([("DELETE FROM media_items WHERE id = ?", rows)])

    def unknown(self, media_ids: Iterable[str]) -> set[str]:
        """Those of the ids that no stored media has (in any state)."""
        wanted = sorted(set(media_ids))
        known: set[str] = set()
        for at in range(0, len(wanted), _IDS_AT_ONCE):
            part = wanted[at : at + _IDS_AT_ONCE]
            marks = ", ".join("?" * len(part))
            rows = self._s.all(f"SELECT id FROM media_items WHERE id IN ({marks})", part)  # noqa: S608 - placeholders
            known |= {row[0] for row in rows}
        return set(wanted) - known

    def recording_accounts(self) -> list[str]:
        """The accounts that have ready recordings, ordered."""
        rows = self._s.all(
            "SELECT DISTINCT account_id FROM media_items WHERE kind = ? AND state = 'ready' "
            "ORDER BY account_id",
            (MediaKind.RECORDING.value,),
        )
        return [row[0] for row in rows]

    def settings(self, account_id: str) -> MediaSettings | None:
        """The account's media settings, or ``None`` if none were set."""
        row = self._s.one(
            "SELECT account_id, retention_days FROM media_settings WHERE account_id = ?",
            (account_id,),
        )
        return None if row is None else MediaSettings(row[0], int(row[1]))

    def save_settings(self, settings: MediaSettings) -> None:
        """Store the account's media settings, replacing earlier ones (none kept: removed)."""
        if settings.retention_days is None:
            self._s.run("DELETE FROM media_settings WHERE account_id = ?", (settings.account_id,))
            return
        self._s.run(
            "INSERT INTO media_settings (account_id, retention_days) VALUES (?, ?) "
            "ON CONFLICT (account_id) DO UPDATE SET retention_days = excluded.retention_days",
            (settings.account_id, settings.retention_days),
        )


STORAGE = SqlDomain("media", {MediaRepository: SqlMediaRepository}, after=("accounts",))
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
