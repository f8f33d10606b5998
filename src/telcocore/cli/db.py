"""``telcocore db``: the storage's schema: bring it up to date, or see where it stands."""

from __future__ import annotations

import click

from telcocore.cli.app import (
    db_option,
    json_option,
    open_core,
    print_json,
    show_table,
    storage_url,
)
from telcocore.core import schema_status
from telcocore.kernel.validation import without_passwords
from telcocore.platform.sql.migrations import SchemaStatus

__all__ = ["COMMANDS"]


@click.group(name="db")
def db_group() -> None:
    """The storage's schema: bring it up to date, or see where it stands."""


@db_group.command(name="migrate")
@db_option
@json_option
def migrate(db: str, *, as_json: bool) -> None:
    """Create the storage, or upgrade it, to this release's newest schema.

    Safe to run again and from several processes at once: each migration is applied once.
    """
    with open_core(db, create=True) as core:
        versions = dict(sorted(getattr(core.storage, "schema_versions", {}).items()))
    if as_json:
        print_json({"schema_versions": versions})
        return
    show_table("Schema", ("module", "version"), versions.items(), right=(1,))


def _migrations(count: int) -> str:
    return f"{count} migration{'' if count == 1 else 's'}"


def _verdict(status: SchemaStatus, where: str) -> str:
    """One line saying what the status means for the next open of the storage."""
    if status.ahead:
        modules = ", ".join(
            f"{m.module} (version {m.current}; this release knows {m.newest})" for m in status.ahead
        )
        return (
            f"the storage is newer than this release in {modules}: this release refuses to "
            "open it; upgrade telcocore"
        )
    if not status.exists:
        return (
            f"no database at {where}: {_migrations(status.pending)} to apply; "
            "telcocore db migrate creates it"
        )
    if status.pending:
        return f"{_migrations(status.pending)} pending: telcocore db migrate applies them"
    return "up to date: no migrations pending"


@db_group.command(name="status")
@db_option
@json_option
def status(db: str, *, as_json: bool) -> None:
    """Show each module's schema version in the storage and in this release, migrating nothing.

    Run it before an upgrade: it creates nothing (not even a missing SQLite file), applies
    nothing and takes no lock. It says how many migrations opening the storage would apply,
    and whether the storage is newer than this release.
    """
    url = storage_url(db)
    found = schema_status(url)
    if as_json:
        print_json(
            {
                "exists": found.exists,
                "pending": found.pending,
                "ahead": [m.module for m in found.ahead],
                "modules": [
                    {
                        "module": m.module,
                        "storage": m.current,
                        "release": m.newest,
                        "pending": m.pending,
                    }
                    for m in found.modules
                ],
            }
        )
        return
    show_table(
        "Schema",
        ("module", "storage", "release", "pending"),
        ((m.module, m.current, m.newest, m.pending) for m in found.modules),
        right=(1, 2, 3),
    )
    click.echo(_verdict(found, without_passwords(url)))


COMMANDS = (db_group,)
