"""Call recordings: store them, list a day's, play a byte range, purge the old ones.

Run it with ``python examples/media.py [STORAGE_URL] [MEDIA_FOLDER]``; the default storage
is in memory (and so are the recordings' bytes), so each run starts afresh. With a SQLite
file ``x.db`` and no folder, the bytes go to ``x.db.media`` beside it.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import telcocore
from telcocore import RangeNotSatisfiable
from telcocore.testing import FixedClock


def wav(seconds: int) -> bytes:
    """A silent 8 kHz, 8-bit mono WAV file of ``seconds``."""
    samples = 8000 * seconds
    header = (
        b"RIFF"
        + (36 + samples).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")  # PCM
        + (1).to_bytes(2, "little")  # mono
        + (8000).to_bytes(4, "little")
        + (8000).to_bytes(4, "little")
        + (1).to_bytes(2, "little")
        + (8).to_bytes(2, "little")
        + b"data"
        + samples.to_bytes(4, "little")
    )
    return header + b"\x80" * samples


def main(url: str, media: str | None = None) -> None:
    """Store three recordings, list a day, play the last second, purge after 30 days."""
    clock = FixedClock(datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC))
    with telcocore.connect(url, clock=clock, media=media) as core:
        core.accounts.open("Acme Dental", "USD", account_id="acme")
        core.media.set_retention("acme", 30)  # without one, its recordings are kept
        today = clock.now()
        calls = [
            ("1001", "+1 (415) 555-0123", today - timedelta(minutes=5)),
            ("Anonymous", "1002", today - timedelta(minutes=1)),
            ("1001", "+1 (415) 555-0123", today - timedelta(days=40)),
        ]
        for caller, callee, start in calls:
            stored = core.media.store_recording(
                "acme", wav(2), caller=caller, callee=callee, started_at=start
            )
            print(f"stored {stored.name} ({stored.size} bytes, sha256 {stored.sha256[:12]}...)")

        midnight = today.replace(hour=0, minute=0, second=0)
        page = core.media.recordings("acme", start=midnight, end=midnight + timedelta(days=1))
        print("today:", ", ".join(r.name for r in page.items))

        first = page.items[0]
        playback = core.media.play(first.id, byte_range="bytes=-8000")  # the last second
        played = sum(len(chunk) for chunk in playback.chunks)
        print(f"Content-Range: {playback.content_range} ({played} bytes, {playback.content_type})")
        try:
            core.media.play(first.id, byte_range=f"bytes={first.size}-")
        except RangeNotSatisfiable as refused:
            print(f"416: Content-Range: bytes */{refused.size}")

        purged = core.media.purge()
        left = [r.name for r in core.media.recordings("acme").items]
        print(f"purged {purged} recording older than 30 days; left: {len(left)}")


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "memory://",
        sys.argv[2] if len(sys.argv) > 2 else None,  # noqa: PLR2004 - the second argument
    )
