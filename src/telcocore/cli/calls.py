"""``telcocore import``: a switch's CDR file into posted, rated call records.

The module lists the commands of calls, their rates and their sums: ``rates load`` and
``rate`` (:mod:`telcocore.cli.rating`) and ``summary`` (:mod:`telcocore.cli.reports`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Final, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from telcocore.calls.model.posting import ImportReport
from telcocore.cli.app import (
    STORAGE_FILE,
    CommandFailed,
    db_option,
    json_option,
    open_core,
    print_json,
    progress,
    storage_file,
    warn,
)
from telcocore.cli.files import readable_file, writable_file
from telcocore.cli.rating import rate, rates_group
from telcocore.cli.reports import summary
from telcocore.core import TelcoCore
from telcocore.kernel.serialization import converter

__all__ = ["ASTERISK_LAYOUT", "COMMANDS", "REJECTED_SUFFIX", "ZONE", "Zone"]

ASTERISK_LAYOUT: Final = ("uniqueid", "userfield", "newcdrcolumns")
"""The flags saying which of ``cdr.conf``'s options wrote a Master.csv (the library's names)."""

REJECTED_SUFFIX: Final = ".rejected.csv"
"""Where ``import`` writes rejected rows by default: the input's path with this added."""


class Zone(click.ParamType[str]):
    """An IANA time zone name (``Europe/Berlin``, ``UTC``), checked against the zone database."""

    name = "ZONE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        """The zone's name, or a usage error when no zone has it."""
        text = str(value).strip()
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            self.fail(f"{value!r} is not a time zone name (IANA, e.g. Europe/Berlin)", param, ctx)
        return text


ZONE = Zone()


def _column(value: str) -> tuple[str, str]:
    field, equals, header = value.partition("=")
    if not equals or not field.strip() or not header:
        msg = f"{value!r} is not FIELD=HEADER (e.g. destination=To)"
        raise click.BadParameter(msg, param_hint="'--column'")
    return field.strip(), header


class _LazyRejects:
    """A text stream that creates its file at its first write: no rows rejected, no file.

    The file is replaced, not appended to: it holds the rejected rows of this import.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def write(self, text: str) -> int:
        """Write ``text``, creating (or replacing) the file first if this is the first write."""
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8", newline="")
        return self._file.write(text)

    @property
    def written(self) -> bool:
        """Whether anything was written (so the file was made)."""
        return self._file is not None

    def close(self) -> None:
        """Close the file, if it was made."""
        if self._file is not None:
            self._file.close()

    def finish(self) -> None:
        """After an import read to the end: with no row rejected, remove an earlier run's file.

        So the file, when there is one, always holds the last run's rejected rows. Only a
        plain file is removed: a link is kept and its file emptied, as a first write would
        replace it; a device or a pipe (``/dev/null``, a reader's FIFO) is left alone.
        """
        if self._file is not None or not self.path.is_file():
            return
        if self.path.is_symlink():
            self.path.open("w", encoding="utf-8").close()
        else:
            self.path.unlink(missing_ok=True)


def _rejects_path(source: Path, given: str | None, db: str) -> Path:
    """Where rejected rows go; checked now, so a bad path fails before anything is posted."""
    path = str(source.with_name(source.name + REJECTED_SUFFIX)) if given is None else given
    keep = ((source, "the file being imported"), (storage_file(db), STORAGE_FILE))
    return writable_file(path, "--rejected", keep=keep)


def _options(  # noqa: PLR0913 - each option of the command line in turn
    kind: str,
    *,
    account: str | None,
    by_extension: bool,
    template: str | None,
    columns: Sequence[tuple[str, str]],
    direction: str | None,
    layout: Sequence[str] = (),
    time_format: str | None = None,
) -> dict[str, Any]:
    """The options of ``import_file`` the command line gives.

    ``layout`` names the ``cdr.conf`` options that wrote an Asterisk file (``uniqueid``,
    ``userfield``, ``newcdrcolumns``): given any, those not given are off.
    """
    if account is not None and by_extension:
        msg = "give --account or --by-extension, not both"
        raise click.UsageError(msg)
    specific = [
        ("--template", "freeswitch", template is not None),
        ("--column", "csv", bool(columns)),
        ("--time-format", "csv", time_format is not None),
        *((f"--{name}", "asterisk", True) for name in layout),
    ]
    for option, owner, given in specific:
        if given and kind != owner:
            msg = f"{option} is for {owner} files only"
            raise click.UsageError(msg)
    if kind == "csv" and not columns:
        msg = "a csv file needs --column FIELD=HEADER: destination, start, and end or duration"
        raise click.UsageError(msg)
    options: dict[str, Any] = {"account": account, "by_extension": by_extension}
    if layout:
        options.update({name: name in layout for name in ASTERISK_LAYOUT})
    if template is not None:
        names = [name.strip() for name in template.split(",")]
        options["template"] = names if len(names) > 1 else template.strip()
    if columns:
        options["columns"] = dict(columns)
    if time_format is not None:
        options["time_format"] = time_format
    if direction is not None:
        options["direction"] = direction
    return options


def _summary_line(report: ImportReport, rejects: _LazyRejects) -> str:
    where = f" (rows in {rejects.path})" if rejects.written else ""
    return (
        f"imported {report.imported}, duplicates {report.duplicates}, unrated {report.unrated}, "
        f"refused {report.refused}, rejected {report.rejected}{where}"
    )


@click.command(name="import")
@click.argument("kind", metavar="KIND", type=click.Choice(("asterisk", "freeswitch", "csv")))
@click.argument("file", metavar="FILE")
@click.option(
    "--account",
    metavar="ID",
    help="Bill every row to this account (default: each row's account code).",
)
@click.option(
    "--by-extension",
    is_flag=True,
    help="Bill each call to the account its source extension is registered to.",
)
@click.option(
    "--tz", type=ZONE, default="UTC", show_default=True, help="The time zone of the file's times."
)
@click.option(
    "--template",
    metavar="NAME",
    help="FreeSWITCH: the template's name (default, asterisk) or its columns, comma-separated.",
)
@click.option(
    "--column",
    "columns",
    metavar="FIELD=HEADER",
    multiple=True,
    callback=lambda _c, _p, v: [_column(x) for x in v],
    help="CSV: the header's column of a record field (repeat).",
)
@click.option(
    "--time-format",
    metavar="FORMAT",
    help="CSV: how its times are written: a strptime format, iso or epoch.",
)
@click.option("--uniqueid", is_flag=True, help="Asterisk: the file has loguniqueid's column.")
@click.option("--userfield", is_flag=True, help="Asterisk: the file has loguserfield's column.")
@click.option(
    "--newcdrcolumns", is_flag=True, help="Asterisk: the file has newcdrcolumns' three columns."
)
@click.option(
    "--direction",
    type=click.Choice(("inbound", "outbound")),
    help="The direction of every call (default outbound).",
)
@click.option(
    "--rejected",
    "rejected",
    metavar="FILE",
    help="Where rejected rows go as CSV line,reason,raw (default: FILE.rejected.csv).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=1000,
    show_default=True,
    help="Records posted per transaction.",
)
@db_option
@json_option
def import_file(  # noqa: PLR0913 - the command line's options
    kind: str,
    file: str,
    *,
    account: str | None,
    by_extension: bool,
    tz: str,
    template: str | None,
    columns: Sequence[tuple[str, str]],
    time_format: str | None,
    uniqueid: bool,
    userfield: bool,
    newcdrcolumns: bool,
    direction: str | None,
    rejected: str | None,
    batch_size: int,
    db: str,
    as_json: bool,
) -> None:
    """Import a switch's CDR file: rate and post its calls, report what was not.

    KIND is asterisk (Master.csv), freeswitch (mod_cdr_csv) or csv (any CSV with a
    header, mapped with --column). Importing a file again posts only what is new.
    """
    source = readable_file(file)
    options = _options(
        kind,
        account=account,
        by_extension=by_extension,
        template=template,
        columns=columns,
        direction=direction,
        time_format=time_format,
        layout=[
            name
            for name, given in zip(
                ASTERISK_LAYOUT, (uniqueid, userfield, newcdrcolumns), strict=True
            )
            if given
        ],
    )
    rejects = _LazyRejects(_rejects_path(source, rejected, db))
    with open_core(db) as core:
        if account is not None:
            core.accounts.get(account)  # an unknown account: one line, nothing read
        try:
            report = _run_import(
                core, kind, source, rejects, tz=tz, batch_size=batch_size, **options
            )
        finally:
            rejects.close()
    rejects.finish()
    _report(kind, file, report, rejects, as_json=as_json)


def _run_import(  # noqa: PLR0913 - passed through to import_file
    core: TelcoCore,
    kind: str,
    source: Path,
    rejects: _LazyRejects,
    *,
    tz: str,
    batch_size: int,
    **options: Any,  # noqa: ANN401 - the import's options, checked by the library
) -> ImportReport:
    with progress(f"importing {source.name}") as update:
        return core.calls.import_file(
            kind,
            source,
            tz=tz,
            batch_size=batch_size,
            progress=update,
            rejected=cast("IO[str]", rejects),  # a text stream as far as it is used: write()
            **options,
        )


def _report(
    kind: str, file: str, report: ImportReport, rejects: _LazyRejects, *, as_json: bool
) -> None:
    if as_json:
        data = converter.unstructure(report)
        data["rejected_rows"] = [converter.unstructure(row) for row in report.rejected_rows]
        data["rejected_file"] = str(rejects.path) if rejects.written else None
        print_json(data)
    else:
        click.echo(_summary_line(report, rejects))
    if report.read and report.rejected == report.read:
        first = report.rejected_rows[0]
        msg = (
            f"no row of {file} could be read as a {kind} file; "
            f"line {first.line}: {first.reason}"  # type: ignore[attr-defined]
        )
        raise CommandFailed(msg)
    if report.refusals:
        first_refusal = report.refusals[0]
        warn(
            f"{report.unrated + report.refused} record(s) not posted; the first, "
            f"{first_refusal.call_id} of {first_refusal.account_id}: {first_refusal.reason}"
        )


COMMANDS = (import_file, rates_group, rate, summary)
