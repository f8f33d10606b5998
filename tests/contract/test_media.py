"""Media files and recordings on every storage: stored, listed, played, deleted, purged."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Self, TypeVar

import attrs
import pytest
from tests.conftest import START

from telcocore import (
    AccountNotFound,
    ConfigurationError,
    MediaKind,
    MediaNotFound,
    MediaTooLarge,
    NotAudio,
    RangeNotSatisfiable,
    TelcoCore,
    ValidationError,
)
from telcocore.adapters.blobs import FileBlobStore, MemoryBlobStore
from telcocore.audit.model.entry import AuditAction
from telcocore.media import services
from telcocore.media.services import MediaService
from telcocore.platform.ports import Storage, UnitOfWork
from telcocore.testing import FixedClock, sequential_ids

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 300
"""WAV audio of 76,812 bytes: more than one chunk of the stores' reads."""
OGG = b"OggS\x00\x02" + bytes(20) + b"\x01\x1e\x01vorbis" + bytes(100)
"""The start of an Ogg Vorbis stream: its first page, one segment."""
DAY = timedelta(days=1)
R = TypeVar("R")


class Blobs(MemoryBlobStore):
    """A memory store that can be told to fail its deletes, as a crash between steps."""

    failing = False

    def delete(self, key: str) -> None:
        """Fail while ``failing``, else delete."""
        if self.failing:
            msg = "the blob store went away"
            raise OSError(msg)
        super().delete(key)


@pytest.fixture
def blobs(storage_url: str, tmp_path: Path) -> MemoryBlobStore | FileBlobStore:
    """In memory for ``memory://``, else a folder of the test's own."""
    return MemoryBlobStore() if storage_url == "memory://" else FileBlobStore(tmp_path / "m")


@pytest.fixture
def media_core(storage: Storage, blobs: MemoryBlobStore | FileBlobStore) -> TelcoCore:
    """A core with an account ``acme`` and the blob store."""
    core = TelcoCore(storage=storage, clock=FixedClock(START), ids=sequential_ids("m"), blobs=blobs)
    core.accounts.open("Acme", "USD", account_id="acme")
    return core


class _InterruptedAfterCommit:
    """A unit of work interrupted (Ctrl-C) just after its commit went through."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __enter__(self) -> Self:
        self._uow.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._uow.__exit__(*exc)  # type: ignore[arg-type]

    def commit(self) -> None:
        """Commit, then be interrupted."""
        self._uow.commit()
        raise KeyboardInterrupt

    def get(self, port: type[R]) -> R:
        """The unit's repository for ``port``."""
        return self._uow.get(port)


class _Stream(io.RawIOBase):
    """A caller's stream: the first bytes of a WAV, then what ``after`` gives or raises."""

    def __init__(self, after: Callable[[], bytes | None]) -> None:
        self._after = after
        self._started = False

    def readable(self) -> bool:
        """It is read."""
        return True

    def read(self, size: int = -1) -> bytes | None:
        """The first bytes, then ``after()``."""
        del size
        if self._started:
            return self._after()
        self._started = True
        return WAV[:100]


def _nothing_yet() -> None:
    """A non-blocking stream with no bytes ready."""


def _device_failed() -> bytes:
    msg = "the caller's device failed"
    raise OSError(5, msg)


def _keys(blobs: MemoryBlobStore | FileBlobStore) -> set[str]:
    return set(blobs.stale(timedelta(0)))


def _read(chunks: Iterable[bytes]) -> bytes:
    return b"".join(chunks)


class TestFiles:
    """Upload, list, download, delete."""

    def test_upload_round_trip(
        self, media_core: TelcoCore, blobs: MemoryBlobStore | FileBlobStore
    ) -> None:
        """The bytes come back whole, with their size, type, checksum and an audit entry."""
        stored = media_core.media.upload("acme", "Welcome.wav", io.BytesIO(WAV), reason="ivr")
        assert (stored.kind, stored.name, stored.content_type) == (
            MediaKind.FILE,
            "Welcome.wav",
            "audio/wav",
        )
        assert (stored.size, stored.sha256) == (len(WAV), hashlib.sha256(WAV).hexdigest())
        assert media_core.media.get(stored.id) == stored
        assert _read(media_core.media.download(stored.id)) == WAV
        assert media_core.media.files("acme").items == [stored]
        assert _keys(blobs) == {stored.id}
        created = media_core.audit.history("media", stored.id)[0]
        assert (created.entry.action, created.entry.reason) == (AuditAction.CREATE, "ivr")
        assert created.document["sha256"] == stored.sha256

    @pytest.mark.parametrize(
        "name", ["../../etc/passwd", "/etc/passwd", "..", "C:\\Windows\\x.wav", "a" * 255]
    )
    def test_hostile_names_stay_names(
        self,
        media_core: TelcoCore,
        blobs: MemoryBlobStore | FileBlobStore,
        tmp_path: Path,
        name: str,
    ) -> None:
        """A name is metadata only: the blob is under the library's id, inside the store."""
        stored = media_core.media.upload("acme", name, OGG)
        assert media_core.media.get(stored.id).name == name
        assert _keys(blobs) == {stored.id}
        if isinstance(blobs, FileBlobStore):
            inside = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
            assert {p for p in inside if p.parts[0] == "m"} == {
                Path("m/blobs", stored.id.encode().hex())
            }

    @pytest.mark.parametrize("name", ["", "a\x00b", "a" * 256, 7, None])
    def test_bad_names_are_refused(
        self, media_core: TelcoCore, blobs: MemoryBlobStore | FileBlobStore, name: object
    ) -> None:
        """NUL, empty and over-long names are refused before anything is written."""
        with pytest.raises(ValidationError, match="name"):
            media_core.media.upload("acme", name, WAV)  # type: ignore[arg-type]
        assert _keys(blobs) == set()

    @pytest.mark.parametrize(
        "media_id", ["../m-1", "/etc/passwd", "m-1\x00", "x" * 10_000, "m-1/../../x"]
    )
    def test_hostile_ids_never_reach_a_path(self, media_core: TelcoCore, media_id: str) -> None:
        """A look-up by a hostile id is a ValidationError, not a read outside the store."""
        media_core.media.upload("acme", "a.wav", WAV)
        with pytest.raises(ValidationError):
            media_core.media.play(media_id)
        with pytest.raises(ValidationError):
            media_core.media.delete(media_id)

    @pytest.mark.parametrize("data", [b"", b"%PDF-1.7 not audio", "RIFF text", [b"RIFF"]])
    def test_not_audio_leaves_nothing(
        self, media_core: TelcoCore, blobs: MemoryBlobStore | FileBlobStore, data: object
    ) -> None:
        """Bytes that are not audio are refused; no blob, no metadata, no audit entry."""
        with pytest.raises((NotAudio, ValidationError)):
            media_core.media.upload("acme", "x.wav", data)
        assert (_keys(blobs), media_core.media.files("acme").items) == (set(), [])
        assert media_core.audit.history("media", "m-1") == []

    def test_size_limit(
        self, media_core: TelcoCore, blobs: MemoryBlobStore | FileBlobStore
    ) -> None:
        """An upload over the limit is MediaTooLarge, and nothing is kept."""
        small = MediaService(media_core.context, media_core.audit, blobs, max_size=len(OGG))
        assert small.upload("acme", "fits.ogg", OGG).size == len(OGG)
        with pytest.raises(MediaTooLarge) as raised:
            small.upload("acme", "big.wav", io.BytesIO(WAV))
        assert raised.value.limit == len(OGG)
        assert len(_keys(blobs)) == len(small.files("acme").items) == 1

    def test_unknown_account_writes_no_blob(
        self, media_core: TelcoCore, blobs: MemoryBlobStore | FileBlobStore
    ) -> None:
        """The account is checked before the bytes are stored."""
        with pytest.raises(AccountNotFound):
            media_core.media.upload("nobody", "x.wav", WAV)
        assert _keys(blobs) == set()

    def test_refused_metadata_removes_its_blob(
        self, storage: Storage, blobs: MemoryBlobStore | FileBlobStore
    ) -> None:
        """A change refused after the bytes were stored (no reason given) takes them away."""
        core = TelcoCore(storage=storage, clock=FixedClock(START), blobs=blobs)
        core.accounts.open("Acme", "USD", account_id="acme", reason="new")
        strict = TelcoCore(storage=storage, require_reason=True, blobs=blobs)
        with pytest.raises(ValidationError, match="reason"):
            strict.media.upload("acme", "x.wav", WAV)
        assert (_keys(blobs), core.media.files("acme").items) == (set(), [])

    def test_interrupt_after_the_commit_keeps_the_blob(
        self, media_core: TelcoCore, storage: Storage, blobs: MemoryBlobStore | FileBlobStore
    ) -> None:
        """Once the commit was asked for, the blob stays: the metadata may name it."""

        def interrupted(*, read_only: bool = False, snapshot: bool = True) -> UnitOfWork:
            return _InterruptedAfterCommit(
                storage.unit_of_work(read_only=read_only, snapshot=snapshot)
            )

        context = attrs.evolve(media_core.context, uow=interrupted)
        with pytest.raises(KeyboardInterrupt):
            MediaService(context, media_core.audit, blobs).upload("acme", "c.wav", WAV)
        (stored,) = media_core.media.files("acme").items
        assert _read(media_core.media.download(stored.id)) == WAV
        assert media_core.media.sweep(older_than=timedelta(0)) == 0

    def test_failed_cleanup_keeps_the_first_error(self, storage: Storage) -> None:
        """A blob that cannot be taken away is noted on the upload's own error."""
        blobs = Blobs()
        core = TelcoCore(storage=storage, blobs=blobs)
        core.accounts.open("Acme", "USD", account_id="acme", reason="new")
        strict = TelcoCore(storage=storage, require_reason=True, blobs=blobs)
        blobs.failing = True
        with pytest.raises(ValidationError, match="reason") as raised:
            strict.media.upload("acme", "x.wav", WAV)
        assert any("sweep()" in note for note in raised.value.__notes__)
        blobs.failing = False
        assert core.media.sweep(older_than=timedelta(0)) == 1

    @pytest.mark.parametrize(
        ("after", "error"), [(_nothing_yet, "gave None"), (_device_failed, "device failed")]
    )
    def test_streams_that_fail(
        self,
        media_core: TelcoCore,
        blobs: MemoryBlobStore | FileBlobStore,
        after: Callable[[], bytes | None],
        error: str,
    ) -> None:
        """No bytes ready (None) or the caller's own OSError: a ValidationError, nothing kept."""
        with pytest.raises(ValidationError, match=error) as raised:
            media_core.media.upload("acme", "x.wav", _Stream(after))
        assert raised.value.field == "data"
        assert (_keys(blobs), media_core.media.files("acme").items) == (set(), [])

    def test_a_closed_file(
        self, media_core: TelcoCore, blobs: MemoryBlobStore | FileBlobStore
    ) -> None:
        """A file closed before or while it is read: a ValidationError naming data, nothing kept."""
        closed = io.BytesIO(WAV)
        closed.close()
        closing = io.BytesIO(WAV)

        def _closed_meanwhile() -> bytes:
            closing.close()
            return closing.read()

        for data in (closed, _Stream(_closed_meanwhile)):
            with pytest.raises(ValidationError, match="closed") as raised:
                media_core.media.upload("acme", "x.wav", data)
            assert raised.value.field == "data"
        assert (_keys(blobs), media_core.media.files("acme").items) == (set(), [])

    @pytest.mark.usefixtures("media_core")  # its account
    def test_ids_with_dots_and_colons(
        self, storage: Storage, blobs: MemoryBlobStore | FileBlobStore
    ) -> None:
        """Any id the id check accepts keys a blob; ids differing in case are two blobs."""
        given = iter(["id.1", "audit.1", "urn:m:A", "audit.2", "urn:m:a", "audit.3"])
        core = TelcoCore(storage=storage, blobs=blobs, ids=lambda: next(given))
        stored = [core.media.upload("acme", f"{n}.wav", WAV + bytes([n])) for n in range(3)]
        assert [m.id for m in stored] == ["id.1", "urn:m:A", "urn:m:a"]
        assert [_read(core.media.download(m.id))[-1] for m in stored] == [0, 1, 2]

    def test_delete(self, media_core: TelcoCore, blobs: MemoryBlobStore | FileBlobStore) -> None:
        """The blob and the metadata go together; the audit entry keeps what was deleted."""
        stored = media_core.media.upload("acme", "a.wav", WAV)
        media_core.media.delete(stored.id, reason="old")
        assert _keys(blobs) == set()
        with pytest.raises(MediaNotFound):
            media_core.media.get(stored.id)
        with pytest.raises(MediaNotFound):
            media_core.media.delete(stored.id)
        deleted = media_core.audit.history("media", stored.id)[-1]
        assert (deleted.entry.action, deleted.document) == (AuditAction.DELETE, None)
        difference = media_core.audit.difference(deleted.entry.id)
        assert difference.before["sha256"] == stored.sha256
        assert media_core.audit.verify_chain() is None

    def test_files_are_paged(self, media_core: TelcoCore) -> None:
        """Pages follow each other by ``next_after`` and end with ``None``."""
        made = [media_core.media.upload("acme", f"{n}.wav", WAV).id for n in range(5)]
        seen: list[str] = []
        after = None
        while True:
            page = media_core.media.files("acme", limit=2, after=after)
            seen += [m.id for m in page.items]
            if page.next_after is None:
                break
            after = page.next_after
        assert seen == sorted(made)  # uploaded at one instant (a fixed clock): by id


class TestRecordings:
    """Named by the rule, listed by date, played by ranges."""

    def test_names_and_clashes(self, media_core: TelcoCore) -> None:
        """The second and third of a name get ``_2`` and ``_3``; another type keeps its own."""
        names = [
            media_core.media.store_recording(
                "acme", data, caller="1001", callee="+1 415 555 0123", started_at=START
            ).name
            for data in (WAV, WAV, OGG, WAV)
        ]
        assert names == [
            "1001_+14155550123_2026-03-14_15-09-26.wav",
            "1001_+14155550123_2026-03-14_15-09-26_2.wav",
            "1001_+14155550123_2026-03-14_15-09-26_3.ogg",
            "1001_+14155550123_2026-03-14_15-09-26_4.wav",
        ]

    def test_anonymous_caller(self, media_core: TelcoCore) -> None:
        """A caller without digits is ``anonymous``; the parties are kept as named."""
        stored = media_core.media.store_recording(
            "acme", WAV, caller="Anonymous", callee="1001", started_at=START, call_id="c-1"
        )
        assert stored.name == "anonymous_1001_2026-03-14_15-09-26.wav"
        assert (stored.caller, stored.callee, stored.call_id) == ("anonymous", "1001", "c-1")

    def test_listed_by_date_range_and_paged(self, media_core: TelcoCore) -> None:
        """Start included, end excluded, in order of the call's start, page by page."""
        made = [
            media_core.media.store_recording(
                "acme", WAV, caller="1001", callee="1002", started_at=START - n * DAY
            )
            for n in range(5)
        ]
        window = media_core.media.recordings("acme", start=START - 3 * DAY, end=START)
        assert [m.id for m in window.items] == [made[3].id, made[2].id, made[1].id]
        first = media_core.media.recordings("acme", limit=2)
        second = media_core.media.recordings("acme", limit=2, after=first.next_after)
        assert [m.id for m in first.items + second.items] == [m.id for m in made[::-1][:4]]
        assert media_core.media.files("acme").items == []

    def test_paged_in_any_year(self, media_core: TelcoCore) -> None:
        """Calls of the year 5 page as well as any: the cursor's year has four digits."""
        made = [
            media_core.media.store_recording(
                "acme", WAV, caller="1", callee="2", started_at=datetime(year, 1, 1, tzinfo=UTC)
            ).id
            for year in (5, 999, 2026)
        ]
        seen, after = [], None
        for _ in made:
            page = media_core.media.recordings("acme", limit=1, after=after)
            seen += [m.id for m in page.items]
            after = page.next_after
        assert (seen, after) == (made, None)

    def test_ranges(self, media_core: TelcoCore) -> None:
        """First byte, last byte, a suffix, an open end; out of range is a 416 with the size."""
        stored = media_core.media.store_recording(
            "acme", WAV, caller="1", callee="2", started_at=START
        )
        size = len(WAV)
        first = media_core.media.play(stored.id, byte_range="bytes=0-0")
        assert (_read(first.chunks), first.content_range) == (WAV[:1], f"bytes 0-0/{size}")
        last = media_core.media.play(stored.id, byte_range=f"bytes={size - 1}-{size - 1}")
        assert _read(last.chunks) == WAV[-1:]
        suffix = media_core.media.play(stored.id, byte_range="bytes=-500")
        assert (_read(suffix.chunks), suffix.start, suffix.length) == (WAV[-500:], size - 500, 500)
        middle = media_core.media.play(stored.id, byte_range="bytes=70000-")
        assert _read(middle.chunks) == WAV[70000:]
        whole = media_core.media.play(stored.id)
        assert (_read(whole.chunks), whole.content_type) == (WAV, "audio/wav")
        with pytest.raises(RangeNotSatisfiable) as raised:
            media_core.media.play(stored.id, byte_range=f"bytes={size}-")
        assert raised.value.size == size


def _recording(core: TelcoCore, days_ago: int) -> str:
    return core.media.store_recording(
        "acme", WAV, caller="1001", callee="1002", started_at=START - days_ago * DAY
    ).id


class TestRetention:
    """Purged after the account's retention days, metadata and blobs together, re-runnable."""

    def test_default_and_set(self, media_core: TelcoCore) -> None:
        """None (kept forever) until set; setting and clearing it are audited."""
        assert media_core.media.settings("acme").retention_days is None
        assert media_core.media.set_retention("acme", None).retention_days is None
        assert media_core.audit.history("media_settings", "acme") == []
        media_core.media.set_retention("acme", 30, reason="policy")
        assert media_core.media.settings("acme").retention_days == 30
        version = media_core.audit.history("media_settings", "acme")[0]
        assert version.document == {"account_id": "acme", "retention_days": 30}
        with pytest.raises(ValidationError, match="retention_days"):
            media_core.media.set_retention("acme", 0)
        with pytest.raises(AccountNotFound):
            media_core.media.settings("nobody")
        media_core.media.set_retention("acme", None, reason="legal hold")
        assert media_core.media.settings("acme").retention_days is None
        cleared = media_core.audit.history("media_settings", "acme")[-1]
        assert (cleared.entry.action, cleared.entry.reason) == (AuditAction.DELETE, "legal hold")

    def test_no_retention_keeps_everything(
        self, media_core: TelcoCore, blobs: MemoryBlobStore | FileBlobStore
    ) -> None:
        """An account with no retention set keeps even very old recordings; cleared, too."""
        ancient = _recording(media_core, 36_600)
        assert media_core.media.purge() == 0
        media_core.media.set_retention("acme", 30)
        media_core.media.set_retention("acme", None)
        assert media_core.media.purge() == 0
        assert [m.id for m in media_core.media.recordings("acme").items] == [ancient]
        assert _keys(blobs) == {ancient}

    def test_purged_a_batch_at_a_time(
        self, media_core: TelcoCore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Each batch is marked, audited and committed on its own, then its blobs go.

        A failure in the second batch leaves the first gone, the second marked, and the
        rest untouched (still listed); a re-run purges the rest.
        """
        monkeypatch.setattr(services, "_BATCH", 2)
        blobs = Blobs()
        core = TelcoCore(
            storage=media_core.storage,
            clock=FixedClock(START),
            ids=sequential_ids("b"),
            blobs=blobs,
        )
        core.media.set_retention("acme", 10)
        made = [_recording(core, 20 + n) for n in range(5)]
        deleted: list[str] = []
        real_delete = blobs.delete

        def delete(key: str) -> None:
            if len(deleted) == 3:
                msg = "the blob store went away"
                raise OSError(msg)
            deleted.append(key)
            real_delete(key)

        monkeypatch.setattr(blobs, "delete", delete)
        with pytest.raises(OSError, match="went away"):
            core.media.purge()
        assert [m.id for m in core.media.recordings("acme").items] == [made[0]]
        monkeypatch.setattr(blobs, "delete", real_delete)
        assert core.media.purge() == 1
        assert (core.media.recordings("acme").items, _keys(blobs)) == ([], set())

    def test_purge(self, media_core: TelcoCore, blobs: MemoryBlobStore | FileBlobStore) -> None:
        """Only recordings older than the retention go, audited as ``system``; files stay.

        A call that started exactly the retention days ago is not older: it stays.
        """
        media_core.media.set_retention("acme", 10)
        old, older = _recording(media_core, 11), _recording(media_core, 12)
        edge, young = _recording(media_core, 10), _recording(media_core, 9)
        kept_file = media_core.media.upload("acme", "greeting.wav", WAV).id
        assert media_core.acting_as("alice").media.purge() == 2
        assert [m.id for m in media_core.media.recordings("acme").items] == [edge, young]
        assert _keys(blobs) == {edge, young, kept_file}
        for gone in (old, older):
            entry = media_core.audit.history("media", gone)[-1].entry
            assert (entry.action, entry.actor) == (AuditAction.DELETE, "system")
        assert media_core.media.purge() == 0

    def test_crash_between_metadata_and_blobs(self, storage: Storage) -> None:
        """Deletes that fail after the commit leave rows no read sees; a re-run removes all."""
        blobs = Blobs()
        core = TelcoCore(storage=storage, clock=FixedClock(START), blobs=blobs)
        core.accounts.open("Acme", "USD", account_id="acme")
        core.media.set_retention("acme", 90)
        expired = _recording(core, 100)
        deleted = core.media.upload("acme", "a.wav", WAV).id
        blobs.failing = True
        with pytest.raises(OSError, match="went away"):
            core.media.purge()
        with pytest.raises(OSError, match="went away"):
            core.media.delete(deleted)
        for media_id in (expired, deleted):
            with pytest.raises(MediaNotFound):
                core.media.get(media_id)
        assert core.media.recordings("acme").items == []
        blobs.failing = False
        assert core.media.purge() == 0  # nothing new expired: the earlier run is finished
        assert _keys(blobs) == set()
        assert core.media.sweep(older_than=timedelta(0)) == 0


class TestSweep:
    """Blobs no metadata names are removed, once old enough."""

    def test_orphans(self, media_core: TelcoCore, blobs: MemoryBlobStore | FileBlobStore) -> None:
        """A blob left by a write that never committed goes; stored media keep theirs."""
        kept = media_core.media.upload("acme", "a.wav", WAV).id
        blobs.put("orphan-1", iter([WAV]))
        assert media_core.media.sweep() == 0  # younger than an hour: maybe an upload on its way
        assert media_core.media.sweep(older_than=timedelta(0)) == 1
        assert _keys(blobs) == {kept}
        assert _read(media_core.media.download(kept)) == WAV

    def test_without_a_blob_store(self, storage: Storage) -> None:
        """A core without a blob store says how to give one."""
        core = TelcoCore(storage=storage)
        with pytest.raises(ConfigurationError, match="media="):
            core.media.sweep()


def test_refused_times(media_core: TelcoCore) -> None:
    """Naive datetimes are refused at the API."""
    naive = START.replace(tzinfo=None)
    with pytest.raises(ValidationError):
        media_core.media.store_recording("acme", WAV, caller="1", callee="2", started_at=naive)
    with pytest.raises(ValidationError):
        media_core.media.recordings("acme", start=naive)
