"""Recording names, audio sniffing and byte ranges: the media domain's pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telcocore import (
    InvalidRecordingName,
    NaiveDatetime,
    NotAudio,
    RangeNotSatisfiable,
    RecordingName,
    ValidationError,
    parse_recording_name,
    recording_name,
)
from telcocore.media.model import MAX_PARTY_DIGITS, byte_range, party, sniff_audio

START = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
MIDNIGHT = datetime(2026, 3, 15, tzinfo=UTC)
LAST_SECOND = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
NEW_YEAR = datetime(2027, 1, 1, tzinfo=UTC)
EAST = datetime(2027, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=2)))
"""01:30 in UTC+2: the day before in UTC, and names are in UTC."""
AT = "2026-03-14_15-09-26.wav"


class TestRecordingNames:
    """``[From]_[To]_[Date]_[Time]`` + extension, every name parsing back."""

    @pytest.mark.parametrize(
        ("caller", "callee", "at", "expected"),
        [
            ("1001", "+14155550123", START, f"1001_+14155550123_{AT}"),
            ("1001", "1002", START, f"1001_1002_{AT}"),
            ("+1 (415) 555-0123", "+44 20 7123 4567", START, f"+14155550123_+442071234567_{AT}"),
            ("", "1001", START, f"anonymous_1001_{AT}"),
            (None, "1001", START, f"anonymous_1001_{AT}"),
            ("Anonymous", "1001", START, f"anonymous_1001_{AT}"),
            ("  +", "1001", START, f"anonymous_1001_{AT}"),
            ("12+34", "1001", START, f"1234_1001_{AT}"),
            ("1001", "1002", MIDNIGHT, "1001_1002_2026-03-15_00-00-00.wav"),
            ("1001", "1002", LAST_SECOND, "1001_1002_2026-12-31_23-59-59.wav"),
            ("1001", "1002", NEW_YEAR, "1001_1002_2027-01-01_00-00-00.wav"),
            ("1001", "1002", EAST, "1001_1002_2026-12-31_23-30-00.wav"),
        ],
    )
    def test_names(self, caller: str | None, callee: str, at: datetime, expected: str) -> None:
        """Digits and a leading ``+`` are kept; a party without digits is anonymous."""
        assert recording_name(caller, callee, at) == expected
        parsed = parse_recording_name(expected)
        assert recording_name(parsed.caller, parsed.callee, parsed.started_at) == expected

    def test_clash_suffix_and_extension(self) -> None:
        """The second of a name is ``_2``; the extension is kept lower-case."""
        name = recording_name("1001", "1002", START, "MP3", seq=2)
        assert name == "1001_1002_2026-03-14_15-09-26_2.mp3"
        assert parse_recording_name(name) == RecordingName("1001", "1002", START, "mp3", 2)

    @pytest.mark.parametrize(
        "name",
        [
            "",
            "1001_1002_2026-03-14_15-09-26",
            "1001_1002_2026-03-14_15-09-26_1.wav",
            "1001_1002_2026-03-14_15-09-26_02.wav",
            "1001_1002_2026-02-30_15-09-26.wav",
            "1001_1002_2026-03-14_25-09-26.wav",
            "../1001_1002_2026-03-14_15-09-26.wav",
            "1001_1002_2026-03-14_15-09-26.wav\x00",
            "a" * 10_000,
        ],
    )
    def test_what_is_not_a_name(self, name: str) -> None:
        """Anything else is refused with InvalidRecordingName."""
        with pytest.raises(InvalidRecordingName):
            parse_recording_name(name)

    def test_refused_parts(self) -> None:
        """Naive times, bad extensions and huge parties are refused by the library's errors."""
        with pytest.raises(NaiveDatetime):
            recording_name("1", "2", datetime(2026, 3, 14))  # noqa: DTZ001 - the point
        with pytest.raises(ValidationError, match="extension"):
            recording_name("1", "2", START, "../wav")
        with pytest.raises(ValidationError, match="digits"):
            party("1" * (MAX_PARTY_DIGITS + 1))
        with pytest.raises(ValidationError):
            party("1\x00")

    @settings(max_examples=200, derandomize=True, deadline=None)
    @given(
        st.one_of(st.just("anonymous"), st.from_regex(r"\A\+?[0-9]{1,32}\Z")),
        st.one_of(st.just("anonymous"), st.from_regex(r"\A\+?[0-9]{1,32}\Z")),
        st.datetimes(timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0)),
        st.from_regex(r"\A[a-z0-9]{1,8}\Z"),
        st.integers(min_value=1, max_value=999_999_999),
    )
    def test_every_name_parses_back(
        self, caller: str, callee: str, at: datetime, extension: str, seq: int
    ) -> None:
        """``parse_recording_name(recording_name(x)) == x`` for any valid parts."""
        parts = RecordingName(caller, callee, at, extension, seq)
        name = recording_name(caller, callee, at, extension, seq=seq)
        assert parse_recording_name(name) == parts


def _ogg(packet: bytes, *, version: int = 0, flags: int = 2) -> bytes:
    """The start of an Ogg stream's first page, one segment, holding ``packet``."""
    return b"OggS" + bytes([version, flags]) + bytes(20) + b"\x01\x1e" + packet + bytes(30)


class TestAudio:
    """The type is judged by the first bytes."""

    @pytest.mark.parametrize(
        ("head", "expected"),
        [
            (b"RIFF\x24\x00\x00\x00WAVEfmt ", ("audio/wav", "wav")),
            (b"RF64\xff\xff\xff\xffWAVEds64", ("audio/wav", "wav")),
            (_ogg(b"\x01vorbis"), ("audio/ogg", "ogg")),
            (_ogg(b"OpusHead"), ("audio/ogg", "ogg")),
            (_ogg(b"\x7fFLAC\x01\x00"), ("audio/ogg", "ogg")),
            (_ogg(b"Speex   "), ("audio/ogg", "ogg")),
            (b"ID3\x04\x00\x00\x00\x00\x01\x7f", ("audio/mpeg", "mp3")),
            (b"ID3\x03\x00\x00\x00\x00\x00\x00", ("audio/mpeg", "mp3")),
            (b"\xff\xfb\x90\x64", ("audio/mpeg", "mp3")),  # MPEG-1 layer III, 128 kbit/s
            (b"\xff\xf3\x48\xc4", ("audio/mpeg", "mp3")),  # MPEG-2 layer III
            (b"\xff\xe3\x18\xc4", ("audio/mpeg", "mp3")),  # MPEG-2.5 layer III
        ],
    )
    def test_audio(self, head: bytes, expected: tuple[str, str]) -> None:
        """WAV, Ogg and MP3 (with or without an ID3 tag) are audio."""
        assert sniff_audio(head) == expected

    @pytest.mark.parametrize(
        "head",
        [
            b"",
            b"RIFF\x24\x00\x00\x00AVI ",
            b"%PDF-1.7",
            b"<?xml",
            b"\xff\x00",
            "hello world".encode("utf-16"),  # FF FE: UTF-16 text
            "hello world".encode("utf-16-le"),
            b"\xff\xff\xff\xff" + bytes(8),  # padding
            b"\xff\xf1\x50\x80" + bytes(8),  # ADTS AAC: layer 0
            b"\xff\xfd\x90\x64",  # MPEG-1 layer II
            b"\xff\xeb\x90\x64",  # reserved version
            b"\xff\xfb\x00\x64",  # free bitrate
            b"\xff\xfb\xf0\x64",  # bad bitrate
            b"\xff\xfb\x9c\x64",  # reserved sample rate
            b"ID3 is my favourite tag, not audio",
            b"ID3\x05\x00\x00\x00\x00\x00\x00",  # no such version
            b"ID3\x04\xff\x00\x00\x00\x00\x00",
            b"ID3\x04\x00\x00\x80\x00\x00\x00",  # not a syncsafe size
            b"ID3\x04\x00\x00",  # too short for the size
            b"OggS\x00\x02" + bytes(100),  # no codec
            _ogg(b"\x80theora"),  # video
            _ogg(b"OpusHead", version=1),
            _ogg(b"OpusHead", flags=0),  # not the first page of a stream
            _ogg(b"OpusHead")[:30],
        ],
    )
    def test_not_audio(self, head: bytes) -> None:
        """Anything else is NotAudio: text, padding, AAC, other MPEG layers, video."""
        with pytest.raises(NotAudio):
            sniff_audio(head)


class TestByteRange:
    """HTTP ranges: first byte, last byte, suffix, open end; out of range is 416."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (None, (0, 99)),
            ("bytes=0-0", (0, 0)),
            ("bytes=99-99", (99, 99)),
            ("bytes=10-", (10, 99)),
            ("bytes=-1", (99, 99)),
            ("bytes=-500", (0, 99)),
            ("bytes=90-1000", (90, 99)),
            ("BYTES=5-6", (5, 6)),
            ("bytes=0-99999999999999999999", (0, 99)),
            ("bytes=-99999999999999999999", (0, 99)),
            ("bytes=5-4", (0, 99)),  # invalid: ignored, as RFC 9110 says
            ("bytes=0-1,5-6", (0, 99)),  # several ranges: the whole
            ("items=0-1", (0, 99)),
            ("0-10", (0, 99)),
            ("bytes=a-b", (0, 99)),
            ("bytes=-", (0, 99)),
        ],
    )
    def test_ranges(self, value: str | None, expected: tuple[int, int]) -> None:
        """Each form is the bytes HTTP means, the end cut at the last byte."""
        assert byte_range(value, 100) == expected

    @pytest.mark.parametrize("value", ["bytes=100-", "bytes=100-200", "bytes=-0", "Bytes=100-"])
    def test_unsatisfiable(self, value: str) -> None:
        """A range past the end carries the size, for ``Content-Range: bytes */100``."""
        with pytest.raises(RangeNotSatisfiable) as raised:
            byte_range(value, 100)
        assert raised.value.size == 100

    @pytest.mark.parametrize("value", [7, b"bytes=0-1", ["bytes=0-1"]])
    def test_malformed(self, value: object) -> None:
        """What is not text is a ValidationError naming byte_range."""
        with pytest.raises(ValidationError, match="byte_range") as raised:
            byte_range(value, 100)
        assert not isinstance(raised.value, RangeNotSatisfiable)
