"""The media domain's errors."""

from __future__ import annotations

from telcocore.kernel.errors import NotFoundError, ValidationError
from telcocore.kernel.validation import shown

__all__ = [
    "BlobNotFound",
    "InvalidRecordingName",
    "MediaNotFound",
    "MediaTooLarge",
    "NotAudio",
    "RangeNotSatisfiable",
]


class MediaNotFound(NotFoundError):
    """No media file or recording has this id (or it is being deleted)."""

    entity = "media"


class BlobNotFound(NotFoundError):
    """The blob store holds no blob under this key."""

    entity = "blob"


class NotAudio(ValidationError):
    """The bytes are not WAV, MP3 or Ogg audio (judged by their header, not their name)."""


class MediaTooLarge(ValidationError):
    """The upload is larger than the limit; ``limit`` is the most bytes allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the media is larger than the limit of {limit} bytes", field="data")
        self.limit = limit


class RangeNotSatisfiable(ValidationError):
    """A byte range outside the media; ``size`` is its length, for ``Content-Range: */size``."""

    def __init__(self, byte_range: object, size: int) -> None:
        super().__init__(
            f"byte range {shown(byte_range)} is not satisfiable: the media has {size} bytes",
            field="byte_range",
            value=byte_range,
        )
        self.size = size


class InvalidRecordingName(ValidationError):
    """A text that is not a recording name made by :func:`~telcocore.recording_name`."""
