"""What the media domain needs: a repository for metadata, and a blob store for the bytes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Protocol

from telcocore.media.model import MediaFile, MediaKind, MediaSettings

__all__ = ["BlobStore", "MediaRepository"]


class BlobStore(Protocol):
    """Bytes under keys the library makes: media ids (1-64 letters, digits or ``_.:-``).

    A store maps a key to its own name for the bytes (a file's name, an object key) so
    that no key is a path and two keys differing only in case never share one. One store
    (one folder, one bucket prefix) belongs to one storage: ``stale`` lists every blob, and
    ``sweep()`` removes those its own storage's metadata does not name.

    :class:`~telcocore.adapters.blobs.FileBlobStore` keeps them in a folder,
    :class:`~telcocore.adapters.blobs.MemoryBlobStore` in memory. Another store (object
    storage, S3-style) needs only these methods: ``put`` an object whole (a multipart upload
    completed at the end is atomic too), ``read`` with a ranged GET, ``delete`` that ignores
    a missing key, and ``stale`` from a listing with each object's last-modified time.
    """

    def put(self, key: str, chunks: Iterable[bytes]) -> None:
        """Store the bytes of ``chunks`` under ``key``, atomically: whole, or not at all.

        If ``chunks`` raises, nothing is stored and the error goes on.
        """
        ...

    def read(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The bytes from ``start`` (``length`` of them, or to the end), in chunks.

        :class:`~telcocore.media.errors.BlobNotFound` if there is no such blob.
        """
        ...

    def delete(self, key: str) -> None:
        """Remove the blob; a missing one is no error (so a re-run does not fail)."""
        ...

    def stale(self, older_than: timedelta) -> Iterator[str]:
        """The keys of blobs stored at least ``older_than`` ago, by the store's own clock.

        A store may also drop its own leftovers as old (a write that never finished).
        """
        ...


class MediaRepository(Protocol):
    """Stores media metadata and each account's media settings."""

    def add(self, media: MediaFile, *, stem: str | None = None, seq: int = 1) -> None:
        """Store new media; a recording's ``stem`` (its name before ``_seq`` and extension).

        :class:`~telcocore.AlreadyExists` if a recording of the account has this stem and
        ``seq`` already.
        """
        ...

    def get(self, media_id: str) -> MediaFile | None:
        """The media, or ``None`` (also while it is being deleted)."""
        ...

    def take_seq(self, account_id: str, stem: str) -> int:
        """The next number of the account's recording name ``stem``: 1, then 2, 3, ...

        Taken atomically: recordings stored at once never get the same number, and a number
        is never given again, even after its recording was deleted.
        """
        ...

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
        """The account's media of ``kind`` by time (recordings: start) then id.

        From ``start`` (included) to ``end`` (excluded), after the (time, id) ``after``.
        """
        ...

    def mark_deleting(self, media_id: str) -> MediaFile | None:
        """Mark the media as being deleted (it is read no more); ``None`` if there is none."""
        ...

    def mark_expired(self, account_id: str, before: datetime, limit: int) -> list[MediaFile]:
        """Mark at most ``limit`` of the account's recordings started before ``before``.

        The earliest first; they are being deleted, and read no more.
        """
        ...

    def deleting(self, limit: int) -> list[str]:
        """The ids of at most ``limit`` media marked as being deleted."""
        ...

    def remove(self, media_ids: Iterable[str]) -> None:
        """Delete the metadata of these media."""
        ...

    def unknown(self, media_ids: Iterable[str]) -> set[str]:
        """Those of the ids that no stored media has (in any state)."""
        ...

    def recording_accounts(self) -> list[str]:
        """The accounts that have recordings, ordered."""
        ...

    def settings(self, account_id: str) -> MediaSettings | None:
        """The account's media settings, or ``None`` if none were set."""
        ...

    def save_settings(self, settings: MediaSettings) -> None:
        """Store the account's media settings, replacing earlier ones.

        Settings without a retention are not kept: :meth:`settings` gives ``None`` again.
        """
        ...
