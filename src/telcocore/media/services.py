"""Media use cases: upload, list, play, download and delete files and recordings; retention.

The bytes go to the blob store first, under a new id; the metadata and its audit entry are
committed after, in one unit of work. A crash between the two leaves at worst a blob no
metadata names, which :meth:`MediaService.sweep` removes. A delete (and a purge) goes the
other way: the metadata is marked as being deleted and the audit entry written, committed;
then the blob goes; then the metadata row. A crash in between leaves a marked row that is
read no more, whose blob and row the next :meth:`~MediaService.purge` or
:meth:`~MediaService.sweep` removes. Nothing is left pointing to a missing blob.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.audit.services import AuditLog
from telcocore.kernel.actor import SYSTEM
from telcocore.kernel.errors import ConfigurationError, ValidationError
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import shown, validate_id, validate_int, validate_text
from telcocore.media.errors import MediaNotFound, MediaTooLarge
from telcocore.media.model import (
    SNIFF_BYTES,
    MediaFile,
    MediaKind,
    MediaPage,
    MediaSettings,
    Playback,
    party,
    recording_name,
    sniff_audio,
    validate_media_name,
    validate_retention_days,
)
from telcocore.media.model import byte_range as requested
from telcocore.media.ports import BlobStore, MediaRepository
from telcocore.platform.context import ServiceContext
from telcocore.platform.ports import UnitOfWork

__all__ = ["MAX_MEDIA_LIMIT", "MAX_MEDIA_SIZE", "SWEEP_AFTER", "MediaService"]

MAX_MEDIA_SIZE: Final = 100 * 1024 * 1024
"""The largest upload by default, in bytes (100 MiB)."""
MAX_MEDIA_LIMIT: Final = 1000
"""The most media one page lists."""
SWEEP_AFTER: Final = timedelta(hours=1)
"""How old a blob no metadata names must be before :meth:`MediaService.sweep` removes it."""
_READ: Final = 64 * 1024
_BATCH: Final = 500


class _Intake:
    """The caller's bytes as they go to the blob store: sniffed, counted, hashed, limited."""

    def __init__(self, data: object, limit: int) -> None:
        if not isinstance(data, bytes | bytearray | memoryview) and not callable(
            getattr(data, "read", None)
        ):
            msg = f"data must be bytes or a binary file opened for reading, got {shown(data)}"
            raise ValidationError(msg, field="data", value=data)
        self._data = data
        self._limit = limit
        self.size = 0
        self.content_type = ""
        self.extension = ""
        self._hash = hashlib.sha256()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def _raw(self) -> Iterator[bytes]:
        data = self._data
        if isinstance(data, bytes | bytearray | memoryview):
            yield bytes(data)
            return
        while True:
            try:
                chunk = data.read(_READ)  # type: ignore[attr-defined]
            except OSError as exc:
                msg = f"cannot read data {shown(data)}: {exc.strerror or exc}"
                raise ValidationError(msg, field="data", value=None) from exc
            except ValueError as exc:  # a closed file: "I/O operation on closed file"
                msg = f"cannot read data {shown(data)}: {exc}"
                raise ValidationError(msg, field="data", value=None) from exc
            if chunk is None:
                msg = (
                    f"data {shown(data)} had no bytes ready (read() gave None): "
                    "give bytes or a blocking binary file"
                )
                raise ValidationError(msg, field="data", value=None)
            if not chunk:
                return
            if not isinstance(chunk, bytes | bytearray):
                msg = f"data must be read as bytes, got {shown(chunk)}"
                raise ValidationError(msg, field="data", value=None)
            yield bytes(chunk)

    def __iter__(self) -> Iterator[bytes]:
        head = b""  # the first bytes, kept until there are enough to judge the type
        for chunk in self._raw():
            self.size += len(chunk)
            if self.size > self._limit:
                raise MediaTooLarge(self._limit)
            self._hash.update(chunk)
            if self.content_type:
                yield chunk
                continue
            head += chunk
            if len(head) >= SNIFF_BYTES:
                self.content_type, self.extension = sniff_audio(head)
                yield head
        if not self.content_type:
            self.content_type, self.extension = sniff_audio(head)
            yield head


def _drop_new_blob(blobs: BlobStore, media_id: str, error: BaseException) -> None:
    """Delete the blob of an upload that failed; a failing delete is noted on ``error``."""
    try:
        blobs.delete(media_id)
    except Exception as exc:  # noqa: BLE001 - the upload's own error is the one to raise
        error.add_note(f"its blob {media_id!r} stays, for sweep() to remove: {exc!r}")


def _cursor(media: MediaFile) -> str:
    at = media.created_at if media.started_at is None else media.started_at
    return f"{at.year:04d}{at:%m%dT%H%M%S%f}Z_{media.id}"


def _after(cursor: object) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    text = validate_text(cursor, field="after", max_length=128, required=True)
    at, _, media_id = text.partition("_")
    try:
        when = datetime.strptime(at, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
        return when, validate_id(media_id, field="after", label="cursor id")
    except ValueError:
        msg = f"after {shown(cursor)} is not the next_after of a page"
        raise ValidationError(msg, field="after", value=cursor) from None


class MediaService:
    """Media files and call recordings of accounts, their bytes in a blob store.

    Built as ``MediaService(context, audit, blobs)``; without a blob store (``None``) every
    use of the bytes is a :class:`~telcocore.ConfigurationError`. ``max_size`` is the
    largest upload in bytes.
    """

    def __init__(
        self,
        context: ServiceContext,
        audit: AuditLog,
        blobs: BlobStore | None,
        *,
        max_size: int = MAX_MEDIA_SIZE,
    ) -> None:
        self._ctx = context
        self._audit = audit
        self._system = AuditLog(attrs.evolve(context, actor=SYSTEM))
        self._store = blobs
        self._max_size = max_size

    @property
    def _blobs(self) -> BlobStore:
        if self._store is None:
            msg = (
                "no blob store for media: pass connect(url, media=<folder or blob store>), "
                "or TelcoCore(blobs=...); PostgreSQL storages have no default location"
            )
            raise ConfigurationError(msg)
        return self._store

    # -- writing ---------------------------------------------------------------------------

    def upload(
        self, account_id: str, name: str, data: object, *, reason: str | None = None
    ) -> MediaFile:
        """Store an audio file of the account under ``name`` (any text; never a path).

        ``data`` is bytes or a binary file opened for reading; its type is judged by its
        first bytes (WAV, MP3 or Ogg, else :class:`~telcocore.NotAudio`) and it may hold at
        most the service's size limit (:class:`~telcocore.MediaTooLarge`). Audited.
        """
        account_id = validate_account_id(account_id)
        name = validate_media_name(name)
        return self._store_new(account_id, data, lambda _intake, _uow: (name, None, 1), {}, reason)

    def store_recording(  # noqa: PLR0913 - the call's parts, keyword-only
        self,
        account_id: str,
        data: object,
        *,
        caller: str | None,
        callee: str | None,
        started_at: datetime,
        call_id: str | None = None,
        reason: str | None = None,
    ) -> MediaFile:
        """Store the recording of a call, named by :func:`~telcocore.recording_name`.

        ``caller`` and ``callee`` are the parties as the switch wrote them (numbers,
        extensions; ``None`` or no digit is ``anonymous``); ``started_at`` is the call's
        start (aware). A name the account already has gets ``_2``, ``_3``, .... Audited.
        """
        account_id = validate_account_id(account_id)
        start = require_utc(started_at, field="started_at")
        source, target = party(caller, field="caller"), party(callee, field="callee")
        stem = recording_name(source, target, start, "x").removesuffix(".x")
        call = None if call_id is None else validate_id(call_id, field="call_id", label="call id")

        def naming(intake: _Intake, uow: UnitOfWork) -> tuple[str, str | None, int]:
            seq = uow.get(MediaRepository).take_seq(account_id, stem)
            return recording_name(source, target, start, intake.extension, seq=seq), stem, seq

        extra = {"call_id": call, "caller": source, "callee": target}
        return self._store_new(account_id, data, naming, {**extra, "started_at": start}, reason)

    def _store_new(
        self,
        account_id: str,
        data: object,
        naming: Callable[[_Intake, UnitOfWork], tuple[str, str | None, int]],
        extra: dict[str, object],
        reason: str | None,
    ) -> MediaFile:
        blobs = self._blobs
        intake = _Intake(data, self._max_size)
        with self._ctx.uow(read_only=True) as uow:
            uow.get(AccountRepository).get(account_id)
        media_id = validate_id(self._ctx.ids(), field="id", label="generated id")
        blobs.put(media_id, intake)
        committing = False

        def record() -> MediaFile:
            nonlocal committing
            with self._ctx.uow() as uow:
                name, stem, seq = naming(intake, uow)
                media = MediaFile(
                    media_id,
                    account_id,
                    MediaKind.FILE if stem is None else MediaKind.RECORDING,
                    name,
                    intake.content_type,
                    intake.size,
                    intake.sha256,
                    self._ctx.clock.now(),
                    **extra,  # type: ignore[arg-type]
                )
                uow.get(MediaRepository).add(media, stem=stem, seq=seq)
                self._audit.record_change(uow, AuditAction.CREATE, None, media, reason=reason)
                committing = True
                uow.commit()
            return media

        try:
            return record()
        except BaseException as exc:
            # Once the commit was asked for, it may have happened (an interrupt after it, a
            # lost answer): the blob stays, and sweep() removes it if no metadata names it.
            if not committing:
                _drop_new_blob(blobs, media_id, exc)
            raise

    def delete(self, media_id: str, *, reason: str | None = None) -> None:
        """Delete a media file or recording: its metadata and its bytes. Audited."""
        media_id = validate_id(media_id, field="media_id", label="media id")
        blobs = self._blobs
        with self._ctx.uow() as uow:
            before = uow.get(MediaRepository).mark_deleting(media_id)
            if before is None:
                raise MediaNotFound(media_id)
            self._audit.record_change(uow, AuditAction.DELETE, before, None, reason=reason)
            uow.commit()
        self._finish(blobs, [media_id])

    def _finish(self, blobs: BlobStore, media_ids: Iterable[str]) -> None:
        """Delete the blobs of media marked as being deleted, then their rows."""
        ids = list(media_ids)
        for media_id in ids:
            blobs.delete(media_id)
        with self._ctx.uow() as uow:
            uow.get(MediaRepository).remove(ids)
            uow.commit()

    # -- reading ---------------------------------------------------------------------------

    def get(self, media_id: str) -> MediaFile:
        """A media file or recording; :class:`~telcocore.MediaNotFound` if none."""
        media_id = validate_id(media_id, field="media_id", label="media id")
        with self._ctx.uow(read_only=True) as uow:
            found = uow.get(MediaRepository).get(media_id)
        if found is None:
            raise MediaNotFound(media_id)
        return found

    def files(self, account_id: str, *, limit: int = 50, after: str | None = None) -> MediaPage:
        """The account's uploaded files, oldest first, at most ``limit`` a page.

        ``after`` is the ``next_after`` of the previous page.
        """
        return self._page(
            account_id, MediaKind.FILE, start=None, end=None, limit=limit, after=after
        )

    def recordings(
        self,
        account_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> MediaPage:
        """The account's recordings by call start, from ``start`` (included) to ``end``.

        At most ``limit`` (1 to :data:`MAX_MEDIA_LIMIT`) a page; ``after`` is the
        ``next_after`` of the previous page.
        """
        first = None if start is None else require_utc(start, field="start")
        last = None if end is None else require_utc(end, field="end")
        if first is not None and last is not None and last < first:
            msg = f"end {last.isoformat()} is before start {first.isoformat()}"
            raise ValidationError(msg, field="end", value=end)
        return self._page(
            account_id, MediaKind.RECORDING, start=first, end=last, limit=limit, after=after
        )

    def _page(  # noqa: PLR0913 - what both lists share
        self,
        account_id: str,
        kind: MediaKind,
        *,
        start: datetime | None,
        end: datetime | None,
        limit: int,
        after: object,
    ) -> MediaPage:
        account_id = validate_account_id(account_id)
        limit = validate_int(limit, field="limit", minimum=1, maximum=MAX_MEDIA_LIMIT)
        cursor = _after(after)
        with self._ctx.uow(read_only=True) as uow:
            found = uow.get(MediaRepository).page(
                account_id, kind, start=start, end=end, after=cursor, limit=limit + 1
            )
        items = found[:limit]
        return MediaPage(items, _cursor(items[-1]) if len(found) > limit else None)

    def play(self, media_id: str, *, byte_range: str | None = None) -> Playback:
        """The media's bytes, whole or the HTTP ``Range`` asked (``"bytes=0-99"``), streamed.

        The answer carries the total size and the ``Content-Range`` value; a range past the
        end is :class:`~telcocore.RangeNotSatisfiable`, whose ``size`` is the total.
        """
        media = self.get(media_id)
        first, last = requested(byte_range, media.size)
        chunks = self._blobs.read(media.id, first, last - first + 1)
        return Playback(chunks, first, last, media.size, media.content_type)

    def download(self, media_id: str) -> Iterator[bytes]:
        """All the media's bytes, in chunks (its name and type: :meth:`get`)."""
        return self.play(media_id).chunks

    # -- retention -------------------------------------------------------------------------

    def set_retention(
        self, account_id: str, retention_days: int | None, *, reason: str | None = None
    ) -> MediaSettings:
        """Keep the account's recordings ``retention_days`` days (1 to 36500). Audited.

        ``None`` clears it: the account's recordings are kept until deleted.
        """
        account_id = validate_account_id(account_id)
        days = None if retention_days is None else validate_retention_days(retention_days)
        after = MediaSettings(account_id, days)
        with self._ctx.uow() as uow:
            uow.get(AccountRepository).get(account_id)
            repository = uow.get(MediaRepository)
            before = repository.settings(account_id)
            if (before or MediaSettings(account_id)) == after:
                return after
            repository.save_settings(after)
            if before is None:
                self._audit.record_change(uow, AuditAction.CREATE, None, after, reason=reason)
            elif days is None:
                self._audit.record_change(uow, AuditAction.DELETE, before, None, reason=reason)
            else:
                self._audit.record_change(uow, AuditAction.UPDATE, before, after, reason=reason)
            uow.commit()
        return after

    def settings(self, account_id: str) -> MediaSettings:
        """The account's media settings (no retention, ``None``, if none was set)."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            uow.get(AccountRepository).get(account_id)
            found = uow.get(MediaRepository).settings(account_id)
        return MediaSettings(account_id) if found is None else found

    def purge(self) -> int:
        """Delete the recordings older than their account's retention; how many went.

        A recording goes when its call started more than the account's retention days
        before now (:meth:`set_retention`); an account with no retention set keeps its
        recordings. Expired recordings are marked and their deletions audited (as
        ``system``) a batch at a time, each batch in one unit of work, then their blobs and
        rows go. Safe to run again at any time: it also finishes deletions an earlier run
        left marked.
        """
        blobs = self._blobs
        now = self._ctx.clock.now()
        purged = 0
        with self._ctx.uow(read_only=True) as uow:
            accounts = uow.get(MediaRepository).recording_accounts()
        for account_id in accounts:
            while True:
                count = self._purge_batch(blobs, account_id, now)
                purged += count
                if count < _BATCH:
                    break
        self._finish_marked(blobs)
        return purged

    def _purge_batch(self, blobs: BlobStore, account_id: str, now: datetime) -> int:
        """Purge at most a batch of the account's expired recordings; how many went.

        Marked and audited in one unit of work, then their blobs and rows go. None go if
        the account has no retention.
        """
        with self._ctx.uow() as uow:
            repository = uow.get(MediaRepository)
            settings = repository.settings(account_id)
            if settings is None or settings.retention_days is None:
                return 0
            days = settings.retention_days
            marked = repository.mark_expired(account_id, now - timedelta(days=days), _BATCH)
            for media in marked:
                self._system.record_change(
                    uow, AuditAction.DELETE, media, None, reason=f"retention {days} days"
                )
            uow.commit()
        if marked:
            self._finish(blobs, [media.id for media in marked])
        return len(marked)

    def _finish_marked(self, blobs: BlobStore) -> None:
        while True:
            with self._ctx.uow(read_only=True) as uow:
                marked = uow.get(MediaRepository).deleting(_BATCH)
            if not marked:
                return
            self._finish(blobs, marked)

    def sweep(self, *, older_than: timedelta = SWEEP_AFTER) -> int:
        """Finish interrupted deletions, and remove blobs no metadata names; how many.

        Only blobs stored at least ``older_than`` ago (by the blob store's clock) go, so an
        upload still on its way to the storage keeps its blob. A shorter time than
        :data:`SWEEP_AFTER` (down to ``timedelta(0)``) is for a store no one is writing to
        (maintenance, tests): in a live system it would remove the blobs of uploads not yet
        committed, and temporary files still being written. The blob store must belong to
        this storage alone: blobs another storage's metadata names would look orphaned.
        """
        if not isinstance(older_than, timedelta) or older_than < timedelta(0):
            msg = f"older_than must be a timedelta, not negative, got {shown(older_than)}"
            raise ValidationError(msg, field="older_than", value=older_than)
        blobs = self._blobs
        self._finish_marked(blobs)
        keys = list(blobs.stale(older_than))
        removed = 0
        for at in range(0, len(keys), _BATCH):
            with self._ctx.uow(read_only=True) as uow:
                orphans = uow.get(MediaRepository).unknown(keys[at : at + _BATCH])
            for key in sorted(orphans):
                blobs.delete(key)
            removed += len(orphans)
        return removed
