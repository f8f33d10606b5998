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
from typing import IO, Any, Final, NoReturn

from telcocore.calls.errors import InvalidImportOptions
from telcocore.calls.importers import (
    AccountRule,
    ImportProgress,
    NoAccount,
    RejectedRow,
    Source,
    read_asterisk,
    read_csv,
    read_freeswitch,
)
from telcocore.calls.importers import ImportResult as RowResult
from telcocore.calls.model.posting import MAX_REJECTED_KEPT, ImportReport, RecordRefusal
from telcocore.calls.model.records import CallRecord, Direction
from telcocore.calls.services.posting import Posting
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.validation import shown, validate_int
from telcocore.numbering.model.blocks import validate_extension
from telcocore.numbering.ports import ExtensionRepository
from telcocore.platform.context import ServiceContext

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


_SOURCE_COLUMNS: Final = {"asterisk": "src", "freeswitch": "caller_id_number"}
"""The column each kind of file writes a call's source in (csv: the one ``columns`` names)."""


_OPTION_KINDS: Final = {
    "template": "freeswitch",
    "uniqueid": "asterisk",
    "userfield": "asterisk",
    "newcdrcolumns": "asterisk",
    "columns": "csv",
    "time_format": "csv",
}
"""The options of one kind of file only, and that kind."""


class _Options:
    """The options of one import, checked before anything is read."""

    def __init__(self, kind: object, given: Mapping[str, object]) -> None:
        if kind not in IMPORT_KINDS:
            _refuse("kind", kind, f"is not one of {', '.join(IMPORT_KINDS)}")
        self.kind: str = kind
        for name, owner in _OPTION_KINDS.items():
            if given[name] is not None and kind != owner:
                _refuse(name, given[name], f"is for {owner} files only")
        columns = given["columns"]
        if kind == "csv" and columns is None:
            _refuse("columns", columns, "must map the record's fields to the CSV's columns")
        by_extension = given["by_extension"]
        if not isinstance(by_extension, bool):
            _refuse("by_extension", by_extension, "must be True or False")
        self.source_column: str | None = None
        if by_extension:
            if given["account"] is not None:
                _refuse("account", given["account"], "cannot be given with by_extension=True")
            self.source_column = _SOURCE_COLUMNS.get(kind) or _mapped_source(columns)


def _mapped_source(columns: object) -> str:
    """The CSV column of the call's source, which ``by_extension`` reads."""
    column = columns.get("source") if isinstance(columns, Mapping) else None
    if not isinstance(column, str):
        _refuse("columns", columns, "must map source to a column to find accounts by extension")
    return column


def _reader(  # noqa: PLR0913 - each option checked in turn, by keyword
    options: _Options,
    source: Source,
    *,
    account: AccountRule,
    tz: object,
    progress: Callable[[ImportProgress], object] | None,
    given: Mapping[str, Any],
) -> Iterator[RowResult]:
    """The importer of the kind of file, given its options."""
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        if not isinstance(path, str) or "\x00" in path or not _encodable(path):
            _refuse("source", source, "is not a path the system can open")
    if isinstance(tz, str) and len(tz) > _LONGEST_ZONE_NAME:
        _refuse("tz", tz, "is not a time zone name")
    if progress is not None and not callable(progress):
        _refuse("progress", progress, "must be a callable (or None)")
    common = {"tz": tz, "account": account, "direction": given["direction"], "progress": progress}
    if options.kind == "csv":
        time_format = given["time_format"]
        if time_format is not None:
            common["time_format"] = time_format
        return read_csv(source, columns=given["columns"], **common)
    if options.kind == "freeswitch":
        template = given["template"]
        return read_freeswitch(
            source, template="default" if template is None else template, **common
        )
    return read_asterisk(
        source,
        uniqueid=given["uniqueid"],
        userfield=given["userfield"],
        newcdrcolumns=given["newcdrcolumns"],
        **common,
    )


class _Owners:
    """Each row's account: the one its source is registered to as an extension.

    Each source is looked up once (in numbering's extensions, a read-only unit of work);
    at most :data:`_OWNERS_KEPT` answers are kept at a time.
    """

    def __init__(self, context: ServiceContext, column: str) -> None:
        self._ctx = context
        self._column = column
        self._found: dict[str, str | None] = {}

    def __call__(self, raw: Mapping[str, str]) -> str | NoAccount:
        source = raw.get(self._column, "")
        found = self._found
        if source in found:
            owner = found[source]
        else:
            owner = self._owner(source)
            if len(found) >= _OWNERS_KEPT:
                found.clear()
            found[source] = owner
        if owner is None:
            return NoAccount(f"the source {shown(source)} is no registered extension")
        return owner

    def _owner(self, source: str) -> str | None:
        try:
            name = validate_extension(source)
        except ValidationError:
            return None
        with self._ctx.uow(read_only=True) as uow:
            extension = uow.get(ExtensionRepository).get_extension(name)
        return None if extension is None else extension.account_id


_OWNERS_KEPT: Final = 100_000
"""How many sources' accounts an import by extension remembers."""


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
        by_extension: bool = False,
        tz: object = "UTC",
        direction: Direction | str | Callable[[Mapping[str, str]], object] = Direction.OUTBOUND,
        template: str | Sequence[str] | None = None,
        columns: Mapping[str, str] | None = None,
        time_format: str | None = None,
        uniqueid: bool | None = None,
        userfield: bool | None = None,
        newcdrcolumns: bool | None = None,
        batch_size: int = 1000,
        progress: Callable[[ImportProgress], object] | None = None,
        rejected: os.PathLike[str] | IO[str] | None = None,
    ) -> ImportReport:
        """Read ``source`` with the importer of ``kind`` and post its records in batches.

        ``kind`` is ``"asterisk"`` (``Master.csv``; ``uniqueid``, ``userfield`` and
        ``newcdrcolumns`` say which of ``cdr.conf``'s options wrote it, see
        :func:`~telcocore.calls.importers.asterisk.read_asterisk`), ``"freeswitch"`` (``template``
        names the ``mod_cdr_csv`` template, ``"default"`` if not given, or lists its
        columns) or ``"csv"`` (``columns`` maps the record's fields to the header's
        columns; ``time_format`` says how its times are written, as
        :func:`~telcocore.calls.importers.generic.read_csv` takes it). ``account``, ``tz``,
        ``direction`` and ``progress`` go to the importer.
        Every ``batch_size`` records (1 to :data:`MAX_BATCH_SIZE`) are posted in one unit
        of work.

        Each record's account is the row's account code, or as ``account`` says (an
        account id for every row, or a callable given the row's fields). With
        ``by_extension=True`` it is the account the call's source is registered to as an
        extension (:meth:`~telcocore.numbering.services.NumberingService.register_extension`;
        for ``csv``, ``columns`` must map ``source``): a row whose source is no registered
        extension is rejected, saying so, and the import goes on.

        Rejected rows are counted; the first
        :data:`~telcocore.calls.model.posting.MAX_REJECTED_KEPT` are kept in the report,
        and with ``rejected`` (an :class:`os.PathLike` path, appended to, or a text stream:
        a plain string is refused, so a value meant for another option never creates a
        file) every one is written
        there as a CSV row ``line,reason,raw``. Options are checked before anything is read
        (:class:`~telcocore.calls.errors.InvalidImportOptions`).
        """
        batch_size = validate_int(batch_size, field="batch_size", minimum=1, maximum=MAX_BATCH_SIZE)
        given = {
            "account": account,
            "by_extension": by_extension,
            "direction": direction,
            "template": template,
            "columns": columns,
            "time_format": time_format,
            "uniqueid": uniqueid,
            "userfield": userfield,
            "newcdrcolumns": newcdrcolumns,
        }
        options = _Options(kind, given)
        if options.source_column is not None:
            account = _Owners(self._ctx, options.source_column)
        rows = _reader(options, source, account=account, tz=tz, progress=progress, given=given)
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
            result = self._post_batch(batch, own=True)
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
