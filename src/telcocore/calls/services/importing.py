"""Importing a switch's CDR file: read it, post it a batch at a time, report.

The importer (:mod:`telcocore.calls.importers`) streams the file one row at a time; every
``batch_size`` records are posted as one batch (:meth:`Posting.post_many`, one unit of work
each). Memory does not grow with the file: one batch is held at a time, and at most
:data:`~telcocore.calls.model.posting.MAX_REJECTED_KEPT` rejected rows and refusals.

An import stopped half way (a crash, a kill) has posted whole batches only; run it again on
the same file and the batches posted are found as duplicates (call ids are stable for the
same row), the rest is posted: the ledger ends as after one clean import.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Final, NoReturn

from telcocore.calls.errors import InvalidImportOptions
from telcocore.calls.importers import (
    AccountRule,
    ImportProgress,
    RejectedRow,
    Source,
    read_asterisk,
    read_csv,
    read_freeswitch,
)
from telcocore.calls.importers import ImportResult as RowResult
from telcocore.calls.model.posting import MAX_REJECTED_KEPT, ImportReport, RecordRefusal
from telcocore.calls.model.records import CallRecord
from telcocore.calls.services.posting import Posting
from telcocore.kernel.validation import shown, validate_int

__all__ = ["IMPORT_KINDS", "MAX_BATCH_SIZE", "Importing"]

IMPORT_KINDS: Final = ("asterisk", "csv", "freeswitch")
"""The kinds of file :meth:`Importing.import_file` reads."""

MAX_BATCH_SIZE: Final = 100_000
"""The most records one batch (one unit of work) of an import posts."""


def _refuse(field: str, value: object, problem: str) -> NoReturn:
    msg = f"{field} {shown(value)} {problem}"
    raise InvalidImportOptions(msg, field=field, value=value)


_LONGEST_ZONE_NAME: Final = 255
"""No IANA time zone name is longer (the file system's limit on a name)."""


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reader(  # noqa: C901, PLR0913 - each option checked in turn, by keyword
    kind: object,
    source: Source,
    *,
    account: AccountRule,
    tz: object,
    template: str | Sequence[str] | None,
    columns: Mapping[str, str] | None,
    progress: Callable[[ImportProgress], object] | None,
) -> Iterator[RowResult]:
    """The importer of ``kind``, with its options checked."""
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if not isinstance(path, str) or "\x00" in path or not _encodable(path):
            _refuse("source", source, "is not a path the system can open")
    if isinstance(tz, str) and len(tz) > _LONGEST_ZONE_NAME:
        _refuse("tz", tz, "is not a time zone name")
    if progress is not None and not callable(progress):
        _refuse("progress", progress, "must be a callable (or None)")
    if kind not in IMPORT_KINDS:
        _refuse("kind", kind, f"is not one of {', '.join(IMPORT_KINDS)}")
    if template is not None and kind != "freeswitch":
        _refuse("template", template, "is for freeswitch files only")
    if kind == "csv":
        if columns is None:
            _refuse("columns", columns, "must map the record's fields to the CSV's columns")
        return read_csv(source, columns=columns, tz=tz, account=account, progress=progress)
    if columns is not None:
        _refuse("columns", columns, "is for csv files only")
    if kind == "freeswitch":
        return read_freeswitch(
            source,
            template="default" if template is None else template,
            tz=tz,
            account=account,
            progress=progress,
        )
    return read_asterisk(source, tz=tz, account=account, progress=progress)


class _Rejects:
    """Where rejected rows go: counted, the first kept, each written to a stream if given."""

    def __init__(self, target: object) -> None:
        self.count = 0
        self.kept: list[RejectedRow] = []
        self._close: IO[str] | None = None
        self._writer = None
        if target is None:
            return
        if isinstance(target, os.PathLike):
            try:
                stream: IO[str] = Path(target).open("a", encoding="utf-8", newline="")  # noqa: SIM115 - closed in close()
            except OSError as failed:
                _refuse("rejected", target, f"cannot be opened: {failed.strerror}")
            self._close = stream
        elif callable(getattr(target, "write", None)):
            stream = target  # type: ignore[assignment]
        else:
            _refuse("rejected", target, "must be a path (os.PathLike) or a text stream")
        self._writer = csv.writer(stream)

    def add(self, row: RejectedRow) -> None:
        self.count += 1
        if len(self.kept) < MAX_REJECTED_KEPT:
            self.kept.append(row)
        if self._writer is not None:
            self._writer.writerow((row.line, row.reason, row.raw))

    def close(self) -> None:
        if self._close is not None:
            self._close.close()


class Importing(Posting):
    """Import a switch's CDR file into posted call records."""

    def import_file(  # noqa: PLR0913 - the import's options, by keyword
        self,
        kind: str,
        source: Source,
        *,
        account: AccountRule = None,
        tz: object = "UTC",
        template: str | Sequence[str] | None = None,
        columns: Mapping[str, str] | None = None,
        batch_size: int = 1000,
        progress: Callable[[ImportProgress], object] | None = None,
        rejected: os.PathLike[str] | IO[str] | None = None,
    ) -> ImportReport:
        """Read ``source`` with the importer of ``kind`` and post its records in batches.

        ``kind`` is ``"asterisk"`` (``Master.csv``), ``"freeswitch"`` (``template``
        names the ``mod_cdr_csv`` template, ``"default"`` if not given) or ``"csv"``
        (``columns`` maps the record's fields to the header's columns). ``account``,
        ``tz`` and ``progress`` go to the importer. Every ``batch_size`` records
        (1 to :data:`MAX_BATCH_SIZE`) are posted in one unit of work.

        Rejected rows are counted; the first
        :data:`~telcocore.calls.model.posting.MAX_REJECTED_KEPT` are kept in the report,
        and with ``rejected`` (an :class:`os.PathLike` path, appended to, or a text stream:
        a plain string is refused, so a value meant for another option never creates a
        file) every one is written
        there as a CSV row ``line,reason,raw``. Options are checked before anything is read
        (:class:`~telcocore.calls.errors.InvalidImportOptions`).
        """
        batch_size = validate_int(batch_size, field="batch_size", minimum=1, maximum=MAX_BATCH_SIZE)
        rows = _reader(
            kind,
            source,
            account=account,
            tz=tz,
            template=template,
            columns=columns,
            progress=progress,
        )
        rejects = _Rejects(rejected)
        try:
            return self._import(rows, batch_size, rejects)
        finally:
            rejects.close()

    def _import(
        self, rows: Iterator[RowResult], batch_size: int, rejects: _Rejects
    ) -> ImportReport:
        read = imported = duplicates = unrated = refused = 0
        refusals: list[RecordRefusal] = []
        batch: list[CallRecord] = []
        add = rejects.add

        def flush() -> None:
            nonlocal imported, duplicates, unrated, refused
            result = self.post_many(batch)
            imported += result.posted
            duplicates += result.duplicates
            unrated += result.unrated
            refused += result.refused
            room = MAX_REJECTED_KEPT - len(refusals)
            if room > 0:
                refusals.extend(result.refusals[:room])
            batch.clear()

        append = batch.append
        for row in rows:
            read += 1
            if type(row) is CallRecord:
                append(row)
                if len(batch) >= batch_size:
                    flush()
            else:
                add(row)  # type: ignore[arg-type]
        if batch:
            flush()
        return ImportReport(
            read=read,
            imported=imported,
            duplicates=duplicates,
            unrated=unrated,
            refused=refused,
            rejected=rejects.count,
            rejected_rows=tuple(rejects.kept),
            refusals=tuple(refusals),
        )
