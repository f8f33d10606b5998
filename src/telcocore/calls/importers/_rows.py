"""What the importers yield and report, and how they read a source into CSV rows."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Final, TypeAlias

import attrs

from telcocore.calls.errors import InvalidImportOptions
from telcocore.calls.model.records import CallRecord
from telcocore.kernel.validation import shown

__all__ = [
    "PROGRESS_EVERY",
    "AccountRule",
    "ImportProgress",
    "ImportResult",
    "NoAccount",
    "RejectedRow",
    "RowFields",
    "Source",
    "column_index",
]

PROGRESS_EVERY: Final = 10_000
"""The importers report progress after every this many rows, and once at the end."""


@attrs.frozen
class RejectedRow:
    """A row that could not become a call record; the import goes on without it.

    ``line`` is the physical line (from 1) where the row starts, ``reason`` says what was
    wrong, ``raw`` is the row's text as read (bytes that are not UTF-8 shown as ``�``).
    """

    line: int
    reason: str
    raw: str


@attrs.frozen
class ImportProgress:
    """How far an import has got: rows read (good and rejected) and bytes read.

    ``bytes_total`` is the size of the file when it is known (a path or a real file),
    else ``None``. For a text stream both count characters, not bytes.
    """

    rows: int
    bytes_read: int
    bytes_total: int | None


ImportResult: TypeAlias = CallRecord | RejectedRow
"""What an importer yields for each row."""

Source: TypeAlias = "str | os.PathLike[str] | IO[bytes] | IO[str]"
"""A path, or an open binary or text stream."""


@attrs.frozen
class NoAccount:
    """What an account rule returns to reject a row, saying why (``reason``)."""

    reason: str


AccountRule: TypeAlias = "str | Callable[[Mapping[str, str]], str | NoAccount | None] | None"
"""``None``: the row's account code; a string: that account; a callable: its answer (an
account id; ``None`` or a :class:`NoAccount` rejects the row)."""


def column_index(names: Sequence[str]) -> dict[str, int]:
    """Each column name and its position; a name given twice means its last position."""
    return {name: position for position, name in enumerate(names)}


class RowFields(Mapping[str, str]):
    """A row's fields by column name: the ``raw`` of the records the importers make.

    A read-only view over the row as the CSV reader split it and the header's positions
    (:func:`column_index`, shared by every row): no dict is built per row. It compares
    equal to a dict of the same names and values; ``dict(record.raw)`` makes a copy.
    """

    __slots__ = ("_fields", "_index")

    def __init__(self, index: Mapping[str, int], fields: Sequence[str]) -> None:
        self._index = index
        self._fields = fields

    @property
    def columns(self) -> Mapping[str, int]:
        """The column names and their positions in :attr:`fields`, shared by the rows."""
        return self._index

    @property
    def fields(self) -> Sequence[str]:
        """The row's fields as the CSV reader split it, in the file's order."""
        return self._fields

    def __getitem__(self, name: str) -> str:
        return self._fields[self._index[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __repr__(self) -> str:
        return f"RowFields({dict(self)!r})"

    def __reduce__(self) -> tuple[type[dict[str, str]], tuple[dict[str, str]]]:
        """Pickled and copied as the plain dict it shows."""
        return dict, (dict(self),)


class _Reader:
    """The rows of a CSV source, with the physical line each starts on and its text.

    Bytes are read line by line and decoded as UTF-8 with ``surrogateescape``, so a row
    with bytes that are not UTF-8 is found (:attr:`not_utf8`) and rejected alone; so is a
    row holding a NUL character (:attr:`nul`), which PostgreSQL keeps in no text or JSON.
    """

    def __init__(self, source: object) -> None:
        self.bytes_read = 0
        self.bytes_total: int | None = None
        self.pending: list[str] = []
        self.not_utf8 = False
        self.nul = False
        self._close: IO[bytes] | None = None
        if isinstance(source, str | os.PathLike):
            try:
                stream: IO[bytes] | IO[str] = Path(source).open("rb")  # noqa: SIM115 - closed in close()
            except OSError as failed:
                msg = f"cannot open {shown(os.fspath(source))}: {failed.strerror}"
                raise InvalidImportOptions(msg, field="source", value=source) from None
            self._close = stream  # type: ignore[assignment]
        elif hasattr(source, "read"):
            stream = source  # type: ignore[assignment]
        else:
            msg = f"source must be a path or an open file, got {shown(source)}"
            raise InvalidImportOptions(msg, field="source", value=source)
        self._stream = stream
        try:
            self.bytes_total = os.fstat(stream.fileno()).st_size
        except (OSError, AttributeError, ValueError):
            self.bytes_total = None

    def close(self) -> None:
        """Close the file if this reader opened it."""
        if self._close is not None:
            self._close.close()

    def lines(self) -> Iterator[str]:
        """The source's physical lines, decoded; each is kept in :attr:`pending` too."""
        pending = self.pending
        lines: Iterator[bytes | str] = iter(self._stream)
        first = next(lines, None)
        if first is None:
            return
        text = self._decoded(first).removeprefix("\ufeff")
        pending.append(text)
        yield text
        if isinstance(first, bytes):  # one loop per kind of stream: no test per line
            for line in lines:
                self.bytes_read += len(line)
                try:
                    text = line.decode()  # type: ignore[union-attr]
                except UnicodeDecodeError:
                    text = line.decode("utf-8", "surrogateescape")  # type: ignore[union-attr]
                    self.not_utf8 = True
                if "\x00" in text:
                    self.nul = True
                pending.append(text)
                yield text
        else:
            for line in lines:
                text = self._decoded(line)
                pending.append(text)
                yield text

    def _decoded(self, line: bytes | str) -> str:
        """``line`` as text, counted, with :attr:`not_utf8` set if it is not UTF-8.

        And :attr:`nul` if it holds a NUL character.
        """
        self.bytes_read += len(line)
        if isinstance(line, bytes):
            try:
                text = line.decode()
            except UnicodeDecodeError:
                self.not_utf8 = True
                text = line.decode("utf-8", "surrogateescape")
            if "\x00" in text:
                self.nul = True
            return text
        if "\x00" in line:
            self.nul = True
        if not line.isascii():
            try:
                line.encode("utf-8")
            except UnicodeEncodeError:
                self.not_utf8 = True
        return line

    def rows(self) -> Iterator[tuple[int, list[str] | None]]:
        """``(line, fields)`` per row; ``fields`` is ``None`` when csv could not split it.

        Blank lines are skipped; the file is closed when the rows end or are dropped.
        While a row is being handled, :attr:`not_utf8` says
        whether one of its lines had bytes that are not UTF-8, :attr:`nul` whether one
        held a NUL character, and :meth:`text` gives its text.
        """
        reader = csv.reader(self.lines(), strict=False)
        done = 0
        pending = self.pending
        try:
            while True:
                try:
                    for fields in reader:
                        if fields:
                            yield done + 1, fields
                        done = reader.line_num
                        pending.clear()
                        if self.not_utf8 or self.nul:
                            self.not_utf8 = self.nul = False
                    return  # noqa: TRY300 - the loop ends with the source
                except csv.Error:
                    yield done + 1, None
                done = reader.line_num
                pending.clear()
                self.not_utf8 = self.nul = False
        finally:
            self.close()

    def flaw(self) -> str | None:
        """Why the row just read is rejected whatever its fields, or ``None``.

        Its bytes are not UTF-8, or it holds a NUL character (which PostgreSQL keeps in no
        text or JSON).
        """
        if self.not_utf8:
            return "the row is not valid UTF-8"
        if self.nul:
            return "the row holds a NUL character, which no storage keeps"
        return None

    def text(self) -> str:
        """The text of the row just read, as it was in the file."""
        raw = "".join(self.pending).rstrip("\r\n")
        return raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
