"""``telcocore db``: the storage's schema."""

from __future__ import annotations

import click

from telcocore.cli.app import db_option, json_option, open_core, print_json, show_table

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
    with open_core(db) as core:
        versions = dict(sorted(getattr(core.storage, "schema_versions", {}).items()))
    if as_json:
        print_json({"schema_versions": versions})
        return
    show_table("Schema", ("module", "version"), versions.items(), right=(1,))


COMMANDS = (db_group,)
