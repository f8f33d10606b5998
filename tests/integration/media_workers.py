"""What the media crash tests' child processes run (imported by name under "spawn")."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import telcocore
from telcocore.adapters.blobs import FileBlobStore

WAV_HEAD = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4096)
"""The first bytes the child writes: WAV audio, before it stalls."""
AT = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


def _stall(started: Any) -> None:  # noqa: ANN401 - a spawn context's Event
    started.set()
    while True:  # until killed
        time.sleep(1)


def put_slowly(root: str, key: str, started: Any) -> None:  # noqa: ANN401 - an Event
    """Write a blob's first chunk, signal ``started``, then stall until killed."""

    def chunks() -> Iterator[bytes]:
        yield WAV_HEAD
        _stall(started)

    FileBlobStore(root).put(key, chunks())


class _StallingFile:
    """A binary file whose second read never returns."""

    def __init__(self, started: Any) -> None:  # noqa: ANN401 - an Event
        self._started = started
        self._reads = 0

    def read(self, _size: int = -1) -> bytes:
        self._reads += 1
        if self._reads > 1:
            _stall(self._started)
        return WAV_HEAD


def upload_slowly(url: str, root: str, started: Any) -> None:  # noqa: ANN401 - an Event
    """Upload a file through the service that stalls mid-way, until killed."""
    with telcocore.connect(url, media=root) as core:
        core.media.upload("acme", "greeting.wav", _StallingFile(started))


def store_same_name(url: str, root: str, start: Any, results: Any) -> None:  # noqa: ANN401
    """Store three recordings of one call's name, with the other processes at once."""
    with telcocore.connect(url, media=root) as core:
        start.wait()
        names = [
            core.media.store_recording(
                "acme", WAV_HEAD, caller="1001", callee="1002", started_at=AT
            ).name
            for _ in range(3)
        ]
    results.put(names)
