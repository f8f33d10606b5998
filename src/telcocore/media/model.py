"""Media files and recordings: what is stored about them, and the pure rules.

A media file is an uploaded announcement; a recording is the audio of one call. Both are
audio whose type is judged by its first bytes (:func:`sniff_audio`: WAV, MP3 or Ogg), never
by its name. The bytes live in a blob store under the media's id, which the library
generates: a name given by a caller never becomes a path.

A recording is named ``[From]_[To]_[Date]_[Time].ext`` (:func:`recording_name`): each party
keeps only its digits and a leading ``+``; a party without a digit (empty, ``None``,
``"Anonymous"``, ``"unknown"``) is ``anonymous``. The date ``YYYY-MM-DD`` and time
``HH-MM-SS`` are the call's start in UTC, to the second. The second recording of an
account with the same name before its extension gets ``_2``, then ``_3``, ...; every name
parses back (:func:`parse_recording_name`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from datetime import datetime
from typing import ClassVar, Final

import attrs

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import UTC, require_utc
from telcocore.kernel.validation import shown, validate_int, validate_text
from telcocore.media.errors import InvalidRecordingName, NotAudio, RangeNotSatisfiable

__all__ = [
    "ANONYMOUS",
    "MAX_NAME_LENGTH",
    "MAX_PARTY_DIGITS",
    "MAX_RETENTION_DAYS",
    "MediaFile",
    "MediaKind",
    "MediaPage",
    "MediaSettings",
    "Playback",
    "RecordingName",
    "byte_range",
    "parse_recording_name",
    "party",
    "recording_name",
    "sniff_audio",
    "validate_media_name",
    "validate_retention_days",
]

ANONYMOUS: Final = "anonymous"
"""What a party without a digit becomes in a recording name."""
MAX_PARTY_DIGITS: Final = 32
"""The most digits a party may keep (E.164 numbers have at most 15)."""
MAX_NAME_LENGTH: Final = 255
"""The longest name of a media file, in characters."""
MAX_RETENTION_DAYS: Final = 36_500
"""The longest retention that may be set: a hundred years."""
SNIFF_BYTES: Final = 64
"""How many leading bytes :func:`sniff_audio` needs."""


class MediaKind(enum.StrEnum):
    """An uploaded file or a call's recording."""

    FILE = "file"
    RECORDING = "recording"


_OGG_CODECS: Final = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ")
"""How the first packet of an Ogg audio stream starts: Vorbis, Opus, FLAC, Speex."""


def _wav(head: bytes) -> bool:
    return head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE"


def _ogg(head: bytes) -> bool:
    """An Ogg page of version 0 that begins a stream, whose first packet is audio."""
    if head[:4] != b"OggS" or len(head) < 27 or head[4] != 0 or not head[5] & 0x02:  # noqa: PLR2004
        return False
    packet = 27 + head[26]  # after the page header and its segment table
    return head[packet : packet + 8].startswith(_OGG_CODECS)


def _id3(head: bytes) -> bool:
    """An ID3v2 tag header: version 2 to 4, and a size in four 7-bit bytes."""
    return (
        head[:3] == b"ID3"
        and len(head) >= 10  # noqa: PLR2004
        and head[3] in (2, 3, 4)
        and head[4] != 0xFF  # noqa: PLR2004
        and all(b < 0x80 for b in head[6:10])  # noqa: PLR2004
    )


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG layer III audio frame header: sync, and no reserved or bad field."""
    if len(head) < 4 or head[0] != 0xFF:  # noqa: PLR2004
        return False
    b1, b2 = head[1], head[2]
    return (
        b1 & 0xE0 == 0xE0  # noqa: PLR2004 - the rest of the frame sync
        and (b1 >> 3) & 3 != 1  # the MPEG version is not the reserved one
        and (b1 >> 1) & 3 == 1  # layer III (ADTS AAC has 0 here)
        and b2 >> 4 not in (0, 15)  # a bitrate: neither "free" nor bad
        and (b2 >> 2) & 3 != 3  # noqa: PLR2004 - a sample rate, not the reserved one
    )


_AUDIO: Final = (
    (_wav, "audio/wav", "wav"),
    (_ogg, "audio/ogg", "ogg"),
    (_id3, "audio/mpeg", "mp3"),
    (_mpeg_frame, "audio/mpeg", "mp3"),
)


def sniff_audio(head: bytes) -> tuple[str, str]:
    r"""The content type and extension of audio starting with ``head``, else :class:`NotAudio`.

    WAV is ``RIFF`` (or ``RF64``) ``....WAVE``; Ogg is a first page (version 0, beginning
    of stream) whose first packet is Vorbis, Opus, FLAC or Speex; MP3 is an ID3v2 tag
    (version 2 to 4, a valid size) or an MPEG layer III frame header whose fields are not
    reserved. ``head`` is the first :data:`SNIFF_BYTES` bytes (or all, if fewer).

    >>> sniff_audio(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    ('audio/wav', 'wav')
    >>> sniff_audio(b"\xff\xfb\x90\x64")
    ('audio/mpeg', 'mp3')
    """
    for accepts, content_type, extension in _AUDIO:
        if accepts(head):
            return content_type, extension
    msg = "the data is not WAV, MP3 or Ogg audio (judged by its first bytes)"
    raise NotAudio(msg, field="data")


def validate_media_name(value: object) -> str:
    """A media file's name: text of 1 to :data:`MAX_NAME_LENGTH` characters, kept as given."""
    return validate_text(value, field="name", max_length=MAX_NAME_LENGTH, required=True)


def validate_retention_days(value: object) -> int:
    """Retention in whole days, from 1 to :data:`MAX_RETENTION_DAYS`."""
    return validate_int(value, field="retention_days", minimum=1, maximum=MAX_RETENTION_DAYS)


# -- recording names ----------------------------------------------------------------------

_PARTY: Final = rf"\+?[0-9]{{1,{MAX_PARTY_DIGITS}}}|{ANONYMOUS}"
_NAME: Final = re.compile(
    rf"(?P<caller>{_PARTY})_(?P<callee>{_PARTY})"
    r"_(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})_(?P<time>[0-9]{2}-[0-9]{2}-[0-9]{2})"
    r"(?:_(?P<seq>[2-9]|[1-9][0-9]{1,8}))?\.(?P<extension>[a-z0-9]{1,8})"
)
_EXTENSION: Final = re.compile(r"[a-z0-9]{1,8}")
MAX_SEQ: Final = 999_999_999
_MAX_PARTY_TEXT: Final = 128


def party(value: object, *, field: str = "party") -> str:
    """A party as a recording name shows it: its digits, with a leading ``+`` if it had one.

    ``None`` or text without a digit is :data:`ANONYMOUS`.

    >>> party("+1 (415) 555-0123"), party("1001"), party(""), party("Anonymous")
    ('+14155550123', '1001', 'anonymous', 'anonymous')
    """
    if value is None:
        return ANONYMOUS
    text = validate_text(value, field=field, max_length=_MAX_PARTY_TEXT)
    digits = "".join(c for c in text if "0" <= c <= "9")
    if not digits:
        return ANONYMOUS
    if len(digits) > MAX_PARTY_DIGITS:
        msg = f"{field} {shown(value)} has more than {MAX_PARTY_DIGITS} digits"
        raise ValidationError(msg, field=field, value=value)
    return f"+{digits}" if text.lstrip().startswith("+") else digits


@attrs.frozen
class RecordingName:
    """The parts of a recording name: the parties, the start (UTC, to the second), and more.

    ``seq`` is 1 for the first recording of its name, 2 for the one named ``..._2``, ...
    """

    caller: str
    callee: str
    started_at: datetime
    extension: str
    seq: int = 1


def recording_name(
    caller: str | None,
    callee: str | None,
    started_at: datetime,
    extension: str = "wav",
    *,
    seq: int = 1,
) -> str:
    """The name of a recording: ``[From]_[To]_[Date]_[Time]`` (``_seq`` from 2) and extension.

    >>> from datetime import UTC, datetime
    >>> recording_name("1001", "+1 415 555 0123", datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC))
    '1001_+14155550123_2026-03-14_15-09-26.wav'
    """
    start = require_utc(started_at, field="started_at")
    ext = extension.lower() if isinstance(extension, str) else extension
    if not isinstance(ext, str) or not _EXTENSION.fullmatch(ext):
        msg = f"extension {shown(extension)} must be 1-8 letters or digits"
        raise ValidationError(msg, field="extension", value=extension)
    n = validate_int(seq, field="seq", minimum=1, maximum=MAX_SEQ)
    when = (
        f"{start.year:04d}-{start.month:02d}-{start.day:02d}"
        f"_{start.hour:02d}-{start.minute:02d}-{start.second:02d}"
    )
    suffix = "" if n == 1 else f"_{n}"
    return f"{party(caller, field='caller')}_{party(callee, field='callee')}_{when}{suffix}.{ext}"


def parse_recording_name(name: str) -> RecordingName:
    """The parts of a name made by :func:`recording_name`; :class:`InvalidRecordingName` else.

    >>> parse_recording_name("1001_+14155550123_2026-03-14_15-09-26_2.wav").seq
    2
    """
    found = _NAME.fullmatch(name) if isinstance(name, str) else None
    if found is None:
        msg = f"{shown(name)} is not a recording name ([From]_[To]_[Date]_[Time].ext)"
        raise InvalidRecordingName(msg, field="name", value=name)
    try:
        started = datetime.strptime(  # noqa: DTZ007 - the name's time is UTC, set below
            f"{found['date']} {found['time']}", "%Y-%m-%d %H-%M-%S"
        )
    except ValueError:
        msg = f"{shown(name)} has no valid date and time"
        raise InvalidRecordingName(msg, field="name", value=name) from None
    return RecordingName(
        found["caller"],
        found["callee"],
        started.replace(tzinfo=UTC),
        found["extension"],
        int(found["seq"] or 1),
    )


# -- what is stored -----------------------------------------------------------------------


@attrs.frozen
class MediaFile:
    """An uploaded file or a recording: its metadata; the bytes are in the blob store.

    ``size`` is in bytes and ``sha256`` the hex digest of the bytes. A recording also has
    the call's id (if given), its parties as its name shows them (:func:`party`: digits and
    a leading ``+``, or ``anonymous``) and its start.
    """

    ENTITY: ClassVar[str] = "media"
    """Its name in the audit log and in storage errors."""

    id: str
    account_id: str
    kind: MediaKind
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    call_id: str | None = None
    caller: str | None = None
    callee: str | None = None
    started_at: datetime | None = None

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the media's id."""
        return self.id


@attrs.frozen
class MediaPage:
    """One page of media; ``next_after`` is the cursor of the next page, if any."""

    items: list[MediaFile]
    next_after: str | None = None


@attrs.frozen
class MediaSettings:
    """An account's media settings: how many days its recordings are kept.

    ``retention_days`` is ``None`` when none was set: the recordings are kept until deleted.
    """

    ENTITY: ClassVar[str] = "media_settings"
    """Its name in the audit log."""

    account_id: str
    retention_days: int | None = None

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the account's id."""
        return self.account_id


@attrs.frozen
class Playback:
    """Bytes ``start`` to ``end`` (both included) of media of ``size`` bytes, streamed.

    ``chunks`` yields the bytes; ``content_range`` is the value of an HTTP
    ``Content-Range`` header for them.
    """

    chunks: Iterator[bytes]
    start: int
    end: int
    size: int
    content_type: str

    @property
    def length(self) -> int:
        """How many bytes ``chunks`` yields."""
        return self.end - self.start + 1 if self.size else 0

    @property
    def content_range(self) -> str:
        """``bytes start-end/size``, as HTTP writes it."""
        return f"bytes {self.start}-{self.end}/{self.size}"


_RANGE: Final = re.compile(r"bytes=(?P<first>[0-9]*)-(?P<last>[0-9]*)", re.IGNORECASE)


def byte_range(value: object, size: int) -> tuple[int, int]:
    """The first and last byte (included) an HTTP ``Range`` value asks of ``size`` bytes.

    ``None`` is the whole; ``"bytes=0-99"``, ``"bytes=100-"`` (to the end) and
    ``"bytes=-100"`` (the last 100) are one range each (the unit in any case). As RFC 9110
    says, a value that is not one valid byte range (another unit, several ranges, a last
    byte before the first, no digits) is ignored: the whole. A range that starts past the
    end, or asks for nothing (``bytes=-0``), is :class:`RangeNotSatisfiable` (HTTP 416);
    one that ends past the end stops at the last byte. A value that is not text is a
    :class:`~telcocore.ValidationError`.

    >>> byte_range("bytes=90-", 100), byte_range("Bytes=0-1,5-6", 100)
    ((90, 99), (0, 99))
    """
    whole = 0, max(size - 1, 0)
    if value is None:
        return whole
    if not isinstance(value, str):
        msg = f"byte_range {shown(value)} must be the text of an HTTP Range header"
        raise ValidationError(msg, field="byte_range", value=value)
    found = _RANGE.fullmatch(value.strip())
    if found is None or not (found["first"] or found["last"]):
        return whole
    if not found["first"]:  # a suffix: the last n bytes
        n = int(found["last"])
        if n == 0 or size == 0:
            raise RangeNotSatisfiable(value, size)
        return max(size - n, 0), size - 1
    first = int(found["first"])
    last = int(found["last"]) if found["last"] else None
    if last is not None and last < first:
        return whole
    if first >= size:
        raise RangeNotSatisfiable(value, size)
    return first, size - 1 if last is None else min(last, size - 1)
