"""What the media crash tests' child processes run (imported by name under "spawn")."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import telcocore
from telcocore.adapters.blobs import FileBlobStore

WAV_HEAD = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4096)
"""The first bytes the child writes: WAV audio, before it stalls."""


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
