"""Blob stores for media: a folder on the filesystem, or memory.

:class:`FileBlobStore` writes each blob to a temporary file under ``<root>/tmp/``, flushes it
to disk (``fsync``), renames it into ``<root>/blobs/`` and flushes the folder, so a blob is
seen whole or not at all, even if the process is killed mid-write. Keys are the media ids
the library makes (what :func:`~telcocore.kernel.validation.validate_id` accepts); a blob's
file is named by the hex digits of its key's bytes, so no key is a path and no two keys
share a file, even where the filesystem ignores case. Nothing a caller names reaches a path.
:func:`open_blob_store` picks the store :func:`telcocore.connect` uses.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Final
from urllib.parse import unquote

from telcocore.kernel.errors import ConfigurationError, StorageError, ValidationError
from telcocore.kernel.validation import shown, shown_url, validate_id
from telcocore.media.errors import BlobNotFound
from telcocore.media.ports import BlobStore
from telcocore.platform.sql.options import split_url

__all__ = ["CHUNK", "FileBlobStore", "MemoryBlobStore", "open_blob_store"]

CHUNK: Final = 64 * 1024
"""The size of the chunks blobs are read in."""
_FILE_NAME: Final = re.compile(r"(?:[0-9a-f]{2}){1,64}")
_MAX_PATH: Final = 4096
_BLOB_METHODS: Final = ("put", "read", "delete", "stale")


def _checked(key: object) -> str:
    return validate_id(key, field="key", label="blob key")


def _key_of(file_name: str) -> str | None:
    """The key whose blob file is named ``file_name``; ``None`` for another file."""
    if not _FILE_NAME.fullmatch(file_name):
        return None
    try:
        return _checked(bytes.fromhex(file_name).decode("ascii"))
    except (UnicodeDecodeError, ValidationError):
        return None


def _slices(data: bytes, start: int, length: int | None) -> Iterator[bytes]:
    end = len(data) if length is None else min(len(data), start + length)
    for at in range(start, end, CHUNK):
        yield data[at : min(at + CHUNK, end)]


class MemoryBlobStore:
    """Blobs in a dict, for ``memory://`` storages and tests; gone with the process."""

    def __init__(self) -> None:
        self._blobs: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def put(self, key: str, chunks: Iterable[bytes]) -> None:
        """Store the bytes whole, or nothing if ``chunks`` raises."""
        key = _checked(key)
        data = b"".join(chunks)
        with self._lock:
            self._blobs[key] = (data, time.monotonic())

    def read(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The bytes from ``start``, ``length`` of them or to the end."""
        found = self._blobs.get(_checked(key))
        if found is None:
            raise BlobNotFound(key)
        return _slices(found[0], start, length)

    def delete(self, key: str) -> None:
        """Remove the blob, if there is one."""
        with self._lock:
            self._blobs.pop(_checked(key), None)

    def stale(self, older_than: timedelta) -> Iterator[str]:
        """The keys of blobs stored at least ``older_than`` ago."""
        cutoff = time.monotonic() - older_than.total_seconds()
        with self._lock:
            keys = [k for k, (_, at) in self._blobs.items() if at <= cutoff]
        return iter(keys)


class FileBlobStore:
    """Blobs as files under ``root`` (made on the first write): atomic, durable, ranged.

    ``root`` is made absolute when the store is made, so a later change of the working
    folder does not move it. One folder belongs to one storage: :meth:`stale` (and so
    ``sweep()``) takes every blob no metadata of its own storage names for an orphan.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        text = os.fspath(root) if isinstance(root, str | os.PathLike) else None
        if not isinstance(text, str) or not text.strip() or "\x00" in text:
            msg = f"media location {shown(root)} must be a folder's path"
            raise ConfigurationError(msg)
        if len(text) > _MAX_PATH:
            msg = f"media location {shown(root)} is longer than {_MAX_PATH} characters"
            raise ConfigurationError(msg)
        self.root = Path(text).absolute()
        self._blobs = self.root / "blobs"
        self._tmp = self.root / "tmp"
        self._made = False

    def _path(self, key: str) -> Path:
        return self._blobs / _checked(key).encode("ascii").hex()

    def _make_folders(self) -> None:
        """Make the store's folders, and flush each new one's entry in its parent to disk."""
        if self._made:
            return
        wanted = (*reversed(self.root.parents), self.root, self._blobs, self._tmp)
        missing = [folder for folder in wanted if not folder.is_dir()]
        for folder in missing:
            folder.mkdir(exist_ok=True)
        for parent in dict.fromkeys(folder.parent for folder in missing):
            _sync_folder(parent)
        self._made = True

    def put(self, key: str, chunks: Iterable[bytes]) -> None:
        """Write to a temporary file, fsync it, rename it into place, fsync the folder."""
        final = self._path(key)
        try:
            self._make_folders()
        except OSError as exc:
            msg = f"cannot make the media folder {shown(str(self.root))}: {exc.strerror or exc}"
            raise StorageError(msg) from exc
        temporary = self._tmp / f"{final.name}.{secrets.token_hex(8)}.part"
        try:
            with temporary.open("xb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            temporary.replace(final)
            _sync_folder(self._blobs)
        except BaseException as exc:
            temporary.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                msg = f"cannot write blob {key!r} under {shown(str(self.root))}: "
                msg += str(exc.strerror or exc)
                raise StorageError(msg) from exc
            raise

    def read(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The bytes from ``start``, ``length`` of them or to the end, read as they are used.

        The file is opened when the first chunk is asked for, and closed after the last
        (or when the iterator is closed or dropped).
        """
        path = self._path(key)
        if not path.is_file():
            raise BlobNotFound(key)
        return _stream(path, key, start, length)

    def delete(self, key: str) -> None:
        """Remove the blob's file, if there is one, and flush the folder."""
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
            _sync_folder(self._blobs)
        except FileNotFoundError:
            return
        except OSError as exc:
            msg = f"cannot delete blob {key!r}: {exc.strerror or exc}"
            raise StorageError(msg) from exc

    def stale(self, older_than: timedelta) -> Iterator[str]:
        """Blobs whose files are at least ``older_than`` old; old unfinished writes are removed.

        Only this store's own files count: anything else in its folders (a folder, a
        link) is left alone. A folder that cannot be read, or a leftover that cannot be
        removed, is a :class:`~telcocore.StorageError`.
        """
        cutoff = time.time() - older_than.total_seconds()
        try:
            if self._tmp.is_dir():
                for leftover in self._tmp.iterdir():
                    if _is_file(leftover) and _mtime(leftover) <= cutoff:
                        leftover.unlink(missing_ok=True)
            if not self._blobs.is_dir():
                return iter(())
            keys = [(_key_of(p.name), p) for p in self._blobs.iterdir()]
            return iter(
                [k for k, p in keys if k is not None and _is_file(p) and _mtime(p) <= cutoff]
            )
        except OSError as exc:
            msg = f"cannot look for stale blobs under {shown(str(self.root))}: "
            raise StorageError(msg + str(exc.strerror or exc)) from exc


def _is_file(path: Path) -> bool:
    """A regular file itself, not a link to one (the store writes none)."""
    return path.is_file() and not path.is_symlink()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")


def _stream(path: Path, key: str, start: int, length: int | None) -> Iterator[bytes]:
    try:
        file = path.open("rb")
    except FileNotFoundError:
        raise BlobNotFound(key) from None
    except OSError as exc:
        msg = f"cannot read blob {key!r}: {exc.strerror or exc}"
        raise StorageError(msg) from exc
    with file:
        file.seek(start)
        left = length
        while left is None or left > 0:
            chunk = file.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename or an unlink) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_blob_store(url: str, media: object = None) -> BlobStore | None:
    """The blob store for the storage at ``url``: ``media`` if given, else its default.

    ``media`` is a folder's path (a :class:`FileBlobStore` there) or a blob store object.
    Without it: ``memory://`` and ``sqlite:///:memory:`` keep blobs in memory; a SQLite
    file ``x.db`` keeps them in the folder ``x.db.media`` beside it; PostgreSQL has no
    default (``None``): media use raises :class:`~telcocore.ConfigurationError` until a
    location is given.
    """
    if media is not None:
        if isinstance(media, str | os.PathLike):
            return FileBlobStore(media)
        missing = [m for m in _BLOB_METHODS if not callable(getattr(media, m, None))]
        if missing:
            msg = f"media {shown(media)} must be a folder's path or a blob store (lacks {missing})"
            raise ConfigurationError(msg)
        return media  # type: ignore[return-value]
    parts, _ = split_url(url, kind="storage")
    if parts.scheme == "memory":
        return MemoryBlobStore()
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:])
        if path == ":memory:":
            return MemoryBlobStore()
        if not path:
            msg = f"SQLite URL {shown_url(url)} names no file"
            raise ConfigurationError(msg)
        return FileBlobStore(f"{path}.media")
    return None
