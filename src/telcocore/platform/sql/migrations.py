"""Schema migrations: numbered SQL files shipped in each adapter's ``migrations`` folder.

A migration is a file ``NNNN_name.sql`` (``0001_core.sql``, ``0002_...``). On connect,
:func:`migrate` applies those newer than the database, all in one transaction, and records
each in the ``schema_version`` table. The transaction holds a lock (SQLite: the write lock
of ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), so processes connecting at once
migrate one after the other and the later ones find nothing left to do. A database whose
version is newer than the newest file raises :class:`~telcocore.SchemaVersionError`;
one whose ``schema_version`` table holds something other than whole version numbers (a
table of another tool, or a damaged one) a :class:`~telcocore.StorageError`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources

import attrs

from telcocore.kernel.errors import (
    ConfigurationError,
    SchemaVersionError,
    StorageError,
    TelcoError,
    ValidationError,
)
from telcocore.kernel.validation import shown, validate_int

from .dialect import C, Dialect, Session

__all__ = ["Migration", "load_migrations", "migrate"]

_FILE_NAME = re.compile(r"(\d{4})_(\w+)\.sql")


@attrs.frozen
class Migration:
    """One schema change: its version number, its name and its SQL script."""

    version: int
    name: str
    script: str


def load_migrations(package: str) -> tuple[Migration, ...]:
    """The migrations in ``package``'s ``migrations`` folder, by version.

    They must be numbered from 1 without gaps.
    """
    folder = resources.files(package).joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _FILE_NAME.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    numbers = [m.version for m in found]
    if numbers != list(range(1, len(found) + 1)):
        msg = f"the migrations of {package} must be numbered 1, 2, 3, ... but are {numbers}"
        raise ConfigurationError(msg)
    return tuple(found)


def _current_version(found: object, newest: int) -> int:
    """The version ``MAX(version)`` of ``schema_version`` read, if this release can use it."""
    if found is None:
        return 0
    try:
        current = validate_int(found, field="schema version")
    except ValidationError as exc:
        msg = (
            f"the database's schema_version table holds the version {shown(found)}, not a "
            "whole number >= 0: the table belongs to another tool or is damaged; use another "
            "database (or PostgreSQL schema)"
        )
        raise StorageError(msg) from exc
    if current > newest:
        raise SchemaVersionError(current, newest)
    return current


def migrate(dialect: Dialect[C], conn: C, migrations: Sequence[Migration]) -> int:
    """Bring the database on ``conn`` up to the newest of ``migrations``.

    Returns the version the database is at afterwards.
    """
    session = Session(dialect)
    session.bind(conn)
    try:
        session.begin(migration=True)
        session.run(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        row = session.one("SELECT MAX(version) FROM schema_version")
        newest = migrations[-1].version if migrations else 0
        current = _current_version(None if row is None else row[0], newest)
        for migration in migrations:
            if migration.version > current:
                session.run_script(migration.script)
                session.run(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, datetime.now(UTC).isoformat()),
                )
        session.commit()
    except BaseException:
        with contextlib.suppress(TelcoError):  # the error on its way out says more
            session.rollback()
        raise
    finally:
        session.unbind()
    return max(current, newest)
