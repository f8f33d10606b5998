"""The blob stores: atomic writes, ranged reads, keys that never become paths, crashes."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from tests.integration import media_workers
from tests.integration.storage_workers import SPAWN, run_at_once

import telcocore
from telcocore import ConfigurationError, StorageError, ValidationError
from telcocore.adapters import blobs as blobs_module
from telcocore.adapters.blobs import CHUNK, FileBlobStore, MemoryBlobStore, open_blob_store
from telcocore.media.errors import BlobNotFound

DATA = bytes(range(256)) * 1000
"""256,000 bytes: several chunks."""


@pytest.fixture(params=["file", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FileBlobStore | MemoryBlobStore:
    """Each blob store, empty."""
    return FileBlobStore(tmp_path / "store") if request.param == "file" else MemoryBlobStore()


def _read(store: FileBlobStore | MemoryBlobStore, key: str, *args: int) -> bytes:
    return b"".join(store.read(key, *args))


class TestStores:
    """What every blob store does."""

    def test_put_and_read(self, store: FileBlobStore | MemoryBlobStore) -> None:
        """The bytes come back whole, in chunks no larger than CHUNK; a put replaces."""
        store.put("k-1", iter([DATA[:1000], DATA[1000:]]))
        assert _read(store, "k-1") == DATA
        assert max(len(c) for c in store.read("k-1")) <= CHUNK
        store.put("k-1", iter([b"new"]))
        assert _read(store, "k-1") == b"new"

    @pytest.mark.parametrize(
        ("start", "length"), [(0, 1), (len(DATA) - 1, 1), (len(DATA) - 10, 100), (70_000, 70_000)]
    )
    def test_ranges(self, store: FileBlobStore | MemoryBlobStore, start: int, length: int) -> None:
        """A range reads only its bytes, cut at the end."""
        store.put("k", iter([DATA]))
        assert _read(store, "k", start, length) == DATA[start : start + length]

    def test_missing_and_delete(self, store: FileBlobStore | MemoryBlobStore) -> None:
        """A missing blob is BlobNotFound; deleting one twice is no error."""
        with pytest.raises(BlobNotFound):
            store.read("nothing")
        store.put("k", iter([DATA]))
        store.delete("k")
        store.delete("k")
        with pytest.raises(BlobNotFound):
            store.read("k")

    @pytest.mark.parametrize(
        "key", ["../x", "/etc/passwd", "a/b", "..", ".hidden", "a\x00b", "", "k" * 65, "a b", 7]
    )
    def test_hostile_keys(self, store: FileBlobStore | MemoryBlobStore, key: object) -> None:
        """A key that could name a path is refused by every method."""
        for call in (
            lambda: store.put(key, iter([b"x"])),  # type: ignore[arg-type]
            lambda: store.read(key),  # type: ignore[arg-type]
            lambda: store.delete(key),  # type: ignore[arg-type]
        ):
            with pytest.raises(ValidationError, match="key"):
                call()

    def test_every_id_is_a_key(self, store: FileBlobStore | MemoryBlobStore) -> None:
        """Ids with dots and colons are keys; keys that differ in case are two blobs."""
        keys = ["id.1", "urn:x:1", "A1", "a1", "k" * 64]
        for n, key in enumerate(keys):
            store.put(key, iter([bytes([n])]))
        assert [_read(store, key) for key in keys] == [bytes([n]) for n in range(len(keys))]
        assert sorted(store.stale(timedelta(0))) == sorted(keys)

    def test_failed_put_keeps_nothing(self, store: FileBlobStore | MemoryBlobStore) -> None:
        """Chunks that raise leave no blob, and the old one under the key stays."""
        store.put("k", iter([b"old"]))

        def failing() -> Iterator[bytes]:
            yield DATA
            msg = "the caller's stream broke"
            raise RuntimeError(msg)

        with pytest.raises(RuntimeError, match="broke"):
            store.put("k", failing())
        with pytest.raises(RuntimeError, match="broke"):
            store.put("new", failing())
        assert _read(store, "k") == b"old"
        assert set(store.stale(timedelta(0))) == {"k"}

    def test_stale(self, store: FileBlobStore | MemoryBlobStore) -> None:
        """Fresh blobs are not stale for an hour; every blob is for no time at all."""
        store.put("k", iter([DATA]))
        assert (list(store.stale(timedelta(hours=1))), list(store.stale(timedelta(0)))) == (
            [],
            ["k"],
        )


class TestFileStore:
    """The folder's layout, and what it refuses."""

    def test_nothing_outside_its_folders(self, tmp_path: Path) -> None:
        """Blobs are files under ``blobs/``; the temporary folder is left empty."""
        store = FileBlobStore(tmp_path / "s")
        store.put("k-1", iter([DATA]))
        files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
        assert files == ["s", "s/blobs", "s/blobs/6b2d31", "s/tmp"]

    def test_other_files_are_not_blobs(self, tmp_path: Path) -> None:
        """Files in ``blobs/`` not named as the store names blobs are not listed as stale."""
        store = FileBlobStore(tmp_path)
        store.put("k", iter([DATA]))
        for name in ("notes.txt", "6b2", "2e2e", "ff"):
            (tmp_path / "blobs" / name).write_bytes(b"")
        assert list(store.stale(timedelta(0))) == ["k"]

    def test_what_the_store_did_not_write_is_left_alone(self, tmp_path: Path) -> None:
        """A folder or a link in its folders is no blob nor leftover; a sweep goes on past it."""
        store = FileBlobStore(tmp_path / "s")
        store.put("k", iter([DATA]))
        (tmp_path / "s" / "tmp" / "folder.part").mkdir()
        (tmp_path / "s" / "blobs" / "6c").mkdir()  # named as the blob "l" would be
        outside = tmp_path / "outside"
        outside.write_bytes(b"keep")
        (tmp_path / "s" / "tmp" / "link.part").symlink_to(outside)
        (tmp_path / "s" / "blobs" / "6d").symlink_to(outside)  # named as the blob "m"
        assert ["k"] == list(store.stale(timedelta(0)))
        assert (tmp_path / "s" / "tmp" / "folder.part").is_dir()
        assert (tmp_path / "s" / "tmp" / "link.part").is_symlink()
        assert b"keep" == outside.read_bytes()

    def test_an_unreadable_folder_is_a_storage_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Listing the blobs fails (permissions, I/O): StorageError naming the folder."""
        store = FileBlobStore(tmp_path / "s")
        store.put("k", iter([DATA]))

        def refuse(self: Path) -> Iterator[Path]:
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(Path, "iterdir", refuse)
        with pytest.raises(StorageError, match=r"cannot look for stale blobs .*Permission denied"):
            list(store.stale(timedelta(0)))

    def test_root_is_absolute(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A relative root is taken from the working folder once: a later chdir keeps it."""
        monkeypatch.chdir(tmp_path)
        store = FileBlobStore("rel")
        (tmp_path / "elsewhere").mkdir()
        monkeypatch.chdir(tmp_path / "elsewhere")
        store.put("k", iter([DATA]))
        assert (store.root, _read(store, "k")) == (tmp_path / "rel", DATA)
        assert not (tmp_path / "elsewhere" / "rel").exists()

    def test_new_folders_are_flushed(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each folder the store makes has its entry flushed in its parent, once."""
        synced: list[Path] = []
        real = blobs_module._sync_folder

        def sync(folder: Path) -> None:
            synced.append(folder)
            real(folder)

        monkeypatch.setattr(blobs_module, "_sync_folder", sync)
        store = FileBlobStore(tmp_path / "a" / "s")
        store.put("k", iter([DATA]))
        root = tmp_path / "a" / "s"
        assert synced == [tmp_path, tmp_path / "a", root, root / "blobs"]
        synced.clear()
        store.put("j", iter([DATA]))
        assert synced == [root / "blobs"]

    @pytest.mark.parametrize("root", ["", "  ", "a\x00b", "x" * 5000, b"bytes", 7])
    def test_bad_locations(self, root: object) -> None:
        """A location that is not a usable path is a ConfigurationError."""
        with pytest.raises(ConfigurationError, match="media location"):
            FileBlobStore(root)  # type: ignore[arg-type]

    def test_unwritable_location(self, tmp_path: Path) -> None:
        """A folder that cannot be made is a StorageError naming it."""
        blocker = tmp_path / "file"
        blocker.write_bytes(b"")
        with pytest.raises(StorageError, match="media folder"):
            FileBlobStore(blocker / "store").put("k", iter([b"x"]))

    def test_defaults(self, tmp_path: Path) -> None:
        """Memory beside memory, ``<db>.media`` beside a SQLite file, none for PostgreSQL."""
        assert isinstance(open_blob_store("memory://"), MemoryBlobStore)
        assert isinstance(open_blob_store("sqlite:///:memory:"), MemoryBlobStore)
        beside = open_blob_store(f"sqlite:///{tmp_path}/x.db")
        assert isinstance(beside, FileBlobStore)
        assert beside.root == tmp_path / "x.db.media"
        assert open_blob_store("postgresql://u@h/db") is None
        given = open_blob_store("postgresql://u@h/db", tmp_path / "m")
        assert isinstance(given, FileBlobStore)
        with pytest.raises(ConfigurationError, match="blob store"):
            open_blob_store("memory://", object())


@pytest.mark.slow
class TestKilledWrites:
    """A process killed mid-write leaves no partial blob, and the store opens as before."""

    def _kill_when_started(self, target: Callable[..., None], args: tuple[object, ...]) -> None:
        started = SPAWN.Event()
        child = SPAWN.Process(target=target, args=(*args, started))
        child.start()
        assert started.wait(timeout=120), "the child never started writing"
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=60)
        assert child.exitcode == -signal.SIGKILL

    def test_killed_put(self, tmp_path: Path) -> None:
        """Only an unfinished temporary file is left; ``stale`` removes it once old."""
        root = tmp_path / "store"
        FileBlobStore(root).put("before", iter([b"kept"]))
        self._kill_when_started(media_workers.put_slowly, (str(root), "k"))
        store = FileBlobStore(root)
        with pytest.raises(BlobNotFound):
            store.read("k")
        assert len(list((root / "tmp").iterdir())) == 1
        assert list(store.stale(timedelta(hours=1))) == []
        assert list(store.stale(timedelta(0))) == ["before"]
        assert list((root / "tmp").iterdir()) == []
        assert _read(store, "before") == b"kept"

    def test_killed_upload(self, durable_url: str, tmp_path: Path) -> None:
        """An upload killed mid-way leaves no media and no blob after a sweep."""
        root = tmp_path / "media"
        with telcocore.connect(durable_url, media=root) as core:
            core.accounts.open("Acme", "USD", account_id="acme")
        self._kill_when_started(media_workers.upload_slowly, (durable_url, str(root)))
        with telcocore.connect(durable_url, media=root) as core:
            assert core.media.files("acme").items == []
            assert core.media.sweep(older_than=timedelta(0)) == 0
            assert list((root / "tmp").iterdir()) == []
            stored = core.media.upload("acme", "greeting.wav", media_workers.WAV_HEAD)
            assert b"".join(core.media.download(stored.id)) == media_workers.WAV_HEAD


@pytest.mark.slow
def test_processes_storing_one_name_at_once(durable_url: str, tmp_path: Path) -> None:
    """Four processes storing recordings of one name get 12 names, _2 to _12, no error."""
    root = str(tmp_path / "media")
    with telcocore.connect(durable_url, media=root) as core:
        core.accounts.open("Acme", "USD", account_id="acme")
    reports = run_at_once(media_workers.store_same_name, [(durable_url, root)] * 4)
    stem = "1001_1002_2026-03-14_15-09-26"
    expected = {f"{stem}.wav"} | {f"{stem}_{n}.wav" for n in range(2, 13)}
    assert {name for names in reports for name in names} == expected
    with telcocore.connect(durable_url, media=root) as core:
        assert core.media.sweep(older_than=timedelta(0)) == 0
