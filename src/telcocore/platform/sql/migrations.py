"""Schema migrations: numbered SQL files in each domain's ``migrations`` folder.

Each domain with tables numbers its own migrations from 1: ``0001_accounts.sql``,
``0002_...``. A file written once for every database uses the type macros of
:attr:`.Dialect.type_macros` (``{decimal}``, ``{instant}``, ...), which each dialect expands;
where the databases really differ, a number has one file per database instead
(``0002_name.sqlite.sql`` and ``0002_name.postgresql.sql``).

On connect, :func:`migrate` applies, domain by domain in the order of
:data:`telcocore.domains.SQL_DOMAINS`, the migrations newer than the database, all in one
transaction, and records each in the ``schema_migrations`` table (module, version). The
transaction holds a lock (SQLite: the write lock of ``BEGIN IMMEDIATE``; PostgreSQL: an
advisory lock), so processes connecting at once migrate one after the other and the later
ones find nothing left to do. A database newer than this release in any module raises
:class:`~telcocore.SchemaVersionError`; a ``schema_migrations`` table that is not
telcocore's (a table of another tool, or a damaged one) a :class:`~telcocore.StorageError`.

A database of the earlier, flat layout (a ``schema_version`` table at version
:data:`EARLIER_LAYOUT_VERSION`) is taken over in place: its tables are exactly those of
each domain's first :attr:`.SqlDomain.baseline` migrations, which are recorded as applied.
Every database of this layout keeps a ``schema_version`` table holding
:data:`LAYOUT_MARKER`, so a release of the earlier layout refuses it with its own
:class:`~telcocore.SchemaVersionError` instead of running its first migration again.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

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

__all__ = [
    "EARLIER_LAYOUT_MODULES",
    "EARLIER_LAYOUT_VERSION",
    "LAYOUT_MARKER",
    "Migration",
    "ModuleMigrations",
    "ModuleStatus",
    "SchemaStatus",
    "expand_macros",
    "load_migrations",
    "migrate",
    "schema_status",
]

EARLIER_LAYOUT_VERSION = 5
"""The version of the flat ``schema_version`` table a database is taken over from."""

EARLIER_LAYOUT_MODULES = frozenset(
    {"accounts", "audit", "billing.ledger", "contacts", "notifications", "numbering"}
)
"""The modules whose baselines together make the tables of the earlier layout."""

LAYOUT_MARKER = EARLIER_LAYOUT_VERSION + 1
"""The version this layout writes in ``schema_version``: newer than any earlier release."""

_FILE_NAME = re.compile(r"(\d{4})_(\w+)(?:\.(\w+))?\.sql")
_MACRO = re.compile(r"\{(\w+)\}")
_TABLE = "schema_migrations"
_EARLIER_TABLE = "schema_version"


@attrs.frozen
class Migration:
    """One schema change of a module: its version number, its name and its SQL script."""

    version: int
    name: str
    script: str


@attrs.frozen
class ModuleMigrations:
    """A module's migrations, by version, ready to run on one database."""

    module: str
    """The module recorded in ``schema_migrations``: ``accounts``, ``billing.ledger``."""
    migrations: tuple[Migration, ...]
    baseline: int = 0
    """How many of them a database of the earlier flat layout already holds."""

    @property
    def newest(self) -> int:
        """The newest version (0 without migrations)."""
        return self.migrations[-1].version if self.migrations else 0


@attrs.frozen
class ModuleStatus:
    """Where one module's schema stands: the version a database records, and this release's."""

    module: str
    """The module, as ``schema_migrations`` names it: ``accounts``, ``billing.ledger``."""
    current: int
    """The newest version the database records (0: none of the module's tables yet)."""
    newest: int
    """The newest version this release ships (0: a module only a later release has)."""

    @property
    def pending(self) -> int:
        """How many of this release's migrations the database has not had."""
        return max(self.newest - self.current, 0)

    @property
    def ahead(self) -> bool:
        """Whether the database is newer than this release in this module."""
        return self.current > self.newest


@attrs.frozen
class SchemaStatus:
    """Where a database's schema stands against this release, read without changing it."""

    exists: bool
    """Whether the database holds telcocore's tables at all (``False``: a new database)."""
    modules: tuple[ModuleStatus, ...]
    """Each module of this release, in the order its migrations run, then any module
    the database records that this release does not know."""

    @classmethod
    def new(cls, modules: Sequence[ModuleMigrations]) -> SchemaStatus:
        """The status of a database with nothing in it yet: every migration pending."""
        return cls(
            exists=False, modules=tuple(ModuleStatus(m.module, 0, m.newest) for m in modules)
        )

    @property
    def pending(self) -> int:
        """How many migrations opening the database with this release would apply."""
        return sum(module.pending for module in self.modules)

    @property
    def ahead(self) -> tuple[ModuleStatus, ...]:
        """The modules in which the database is newer than this release (it refuses them)."""
        return tuple(module for module in self.modules if module.ahead)


def expand_macros(script: str, macros: Mapping[str, str], *, source: str) -> str:
    """``script`` with each ``{macro}`` replaced by its type; an unknown one is refused."""

    def expand(match: re.Match[str]) -> str:
        try:
            return macros[match[1]]
        except KeyError:
            known = ", ".join(f"{{{name}}}" for name in sorted(macros))
            msg = f"{source} uses the unknown type macro {match[0]}; known: {known}"
            raise ConfigurationError(msg) from None

    return _MACRO.sub(expand, script)


def load_migrations(package: str, dialect: Dialect[Any]) -> tuple[Migration, ...]:
    """The migrations in ``package``'s ``migrations`` folder for ``dialect``, by version.

    For each number, the dialect's own file (``NNNN_name.<suffix>.sql``) if there is one,
    else the dialect-neutral ``NNNN_name.sql``, its type macros expanded. They must be
    numbered from 1 without gaps; no package or folder means no migrations.
    """
    try:
        folder = resources.files(package).joinpath("migrations")
        entries = list(folder.iterdir()) if folder.is_dir() else []
    except ModuleNotFoundError:
        entries = []
    neutral: dict[int, tuple[str, str]] = {}
    own: dict[int, tuple[str, str]] = {}
    others: set[int] = set()
    for entry in entries:
        match = _FILE_NAME.fullmatch(entry.name)
        if not match:
            continue
        version, name, suffix = int(match[1]), match[2], match[3]
        if suffix is None:
            script = expand_macros(
                entry.read_text(encoding="utf-8"),
                dialect.type_macros,
                source=f"migration {package}/{entry.name}",
            )
            neutral[version] = (name, script)
        elif suffix == dialect.migration_suffix:
            own[version] = (name, entry.read_text(encoding="utf-8"))
        else:
            others.add(version)
    chosen = neutral | own
    missing = others - set(chosen)
    if missing:
        msg = (
            f"the migrations of {package} have no {dialect.name} file (nor a neutral one) "
            f"for version(s) {sorted(missing)}"
        )
        raise ConfigurationError(msg)
    found = [Migration(v, *chosen[v]) for v in sorted(chosen)]
    numbers = [m.version for m in found]
    if numbers != list(range(1, len(found) + 1)):
        msg = f"the migrations of {package} must be numbered 1, 2, 3, ... but are {numbers}"
        raise ConfigurationError(msg)
    return tuple(found)


def _whole(found: object, table: str) -> int:
    """A version read from ``table``, if it is a whole number >= 0; else a StorageError."""
    try:
        return validate_int(found, field="schema version")
    except ValidationError as exc:
        msg = (
            f"the database's {table} table holds the version {shown(found)}, not a whole "
            "number >= 0: the table belongs to another tool or is damaged; use another "
            "database (or PostgreSQL schema)"
        )
        raise StorageError(msg) from exc


def _exists(session: Session[C], table: str) -> bool:
    return session.one(session.dialect.table_exists_query, (table,)) is not None


def _read_versions(session: Session[C]) -> dict[str, int]:
    """The newest version recorded for each module."""
    try:
        rows = session.all(f"SELECT module, version FROM {_TABLE}")  # noqa: S608 - a constant
    except StorageError as exc:
        msg = (
            f"the database's {_TABLE} table is not telcocore's (it has no module and version "
            f"columns): it belongs to another tool or is damaged; use another database (or "
            f"PostgreSQL schema). {exc}"
        )
        raise StorageError(msg) from exc
    versions: dict[str, int] = {}
    for module, version in rows:
        if not isinstance(module, str):
            msg = f"the database's {_TABLE} table holds the module {shown(module)}, not a name"
            raise StorageError(msg)
        versions[module] = max(versions.get(module, 0), _whole(version, _TABLE))
    return versions


def _refuse_newer(current: Mapping[str, int], supported: Mapping[str, int]) -> None:
    """SchemaVersionError for the first module the database holds newer than this release."""
    for name, found in current.items():
        if found > supported.get(name, 0):
            raise SchemaVersionError(found, supported.get(name, 0), module=name)


def _record(session: Session[C], module: str, migration: Migration, at: str) -> None:
    session.run(
        f"INSERT INTO {_TABLE} (module, version, name, applied_at) VALUES (?, ?, ?, ?)",  # noqa: S608
        (module, migration.version, migration.name, at),
    )


def _earlier_layout(
    session: Session[C], modules: Sequence[ModuleMigrations]
) -> dict[str, tuple[Migration, ...]]:
    """The baseline migrations a flat-layout database holds, by module (none if it is empty).

    A layout this release cannot take over is refused as :func:`migrate` refuses it.
    """
    row = session.one(f"SELECT MAX(version) FROM {_EARLIER_TABLE}")  # noqa: S608 - a constant
    found = None if row is None else row[0]
    version = 0 if found is None else _whole(found, _EARLIER_TABLE)
    if version > EARLIER_LAYOUT_VERSION:
        raise SchemaVersionError(version, EARLIER_LAYOUT_VERSION, module=_EARLIER_TABLE)
    if 0 < version < EARLIER_LAYOUT_VERSION:
        msg = (
            f"the database is at schema version {version} of the earlier layout; open it "
            f"once with a release at schema version {EARLIER_LAYOUT_VERSION} (telcocore "
            "before migrations per domain) to upgrade it, then with this one"
        )
        raise StorageError(msg)
    if version == 0:
        return {}
    missing = EARLIER_LAYOUT_MODULES - {m.module for m in modules if m.baseline}
    if missing:
        msg = (
            f"the database is at schema version {version} of the earlier layout, which "
            f"holds the tables of {', '.join(sorted(EARLIER_LAYOUT_MODULES))}; open it "
            f"with every one of those domains to upgrade it (missing: "
            f"{', '.join(sorted(missing))})"
        )
        raise StorageError(msg)
    return {m.module: m.migrations[: m.baseline] for m in modules if m.baseline}


def _take_over_earlier_layout(
    session: Session[C], modules: Sequence[ModuleMigrations], at: str
) -> None:
    """Record the baseline migrations of a flat-layout database (its table stays)."""
    for module, migrations in _earlier_layout(session, modules).items():
        for migration in migrations:
            _record(session, module, migration, at)


@contextlib.contextmanager
def _one_transaction(session: Session[C], conn: C, *, migration: bool = False) -> Iterator[None]:
    """``session`` bound to ``conn`` in one transaction, committed when the block ends.

    If the block (or the commit) raises, the transaction is rolled back and the error goes
    on; a failing rollback is not raised over it, since the error on its way out says more.
    The session is unbound either way.
    """
    session.bind(conn)
    try:
        session.begin(migration=migration)
        yield
        session.commit()
    except BaseException:
        with contextlib.suppress(TelcoError):
            session.rollback()
        raise
    finally:
        session.unbind()


def migrate(dialect: Dialect[C], conn: C, modules: Sequence[ModuleMigrations]) -> dict[str, int]:
    """Bring the database on ``conn`` up to the newest migration of each of ``modules``.

    ``modules`` are applied in their order (a module after those its tables refer to).
    Returns the version each module is at afterwards.
    """
    session = Session(dialect)
    at = datetime.now(UTC).isoformat()
    try:
        with _one_transaction(session, conn, migration=True):
            if not _exists(session, _TABLE):
                session.run(
                    f"CREATE TABLE {_TABLE} (module TEXT NOT NULL, version INTEGER NOT NULL, "
                    "name TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (module, version))"
                )
                if _exists(session, _EARLIER_TABLE):
                    _take_over_earlier_layout(session, modules, at)
                else:
                    session.run(
                        f"CREATE TABLE {_EARLIER_TABLE} (version INTEGER PRIMARY KEY, "
                        "name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                    )
                session.run(
                    f"INSERT INTO {_EARLIER_TABLE} (version, name, applied_at) VALUES (?, ?, ?)",  # noqa: S608
                    (LAYOUT_MARKER, "migrations_per_domain", at),
                )
            current = _read_versions(session)
            supported = {module.module: module.newest for module in modules}
            _refuse_newer(current, supported)
            for module in modules:
                for migration in module.migrations:
                    if migration.version > current.get(module.module, 0):
                        session.run_script(migration.script)
                        _record(session, module.module, migration, at)
            with session.translated:
                dialect.check_migrated(conn)
    finally:
        with session.translated:
            dialect.end_migration(conn)
    return current | {name: version for name, version in supported.items() if version}


def schema_status(
    dialect: Dialect[C], conn: C, modules: Sequence[ModuleMigrations]
) -> SchemaStatus:
    """Where the database on ``conn`` stands against ``modules``, changing nothing.

    Reads ``schema_migrations`` (or, for a database of the earlier flat layout, the
    baselines :func:`migrate` would record) in one read-only transaction, taking no lock,
    so it can run before an upgrade and beside running processes. A database newer than
    this release is reported (:attr:`SchemaStatus.ahead`), not refused; a
    ``schema_migrations`` table that is not telcocore's is a
    :class:`~telcocore.StorageError`, as for :func:`migrate`.
    """
    session = Session(dialect, read_only=True)
    with _one_transaction(session, conn):
        if _exists(session, _TABLE):
            exists, current = True, _read_versions(session)
        elif _exists(session, _EARLIER_TABLE):
            baselines = _earlier_layout(session, modules)
            exists = bool(baselines)
            current = {name: found[-1].version for name, found in baselines.items() if found}
        else:
            exists, current = False, {}
    known = [ModuleStatus(m.module, current.get(m.module, 0), m.newest) for m in modules]
    names = {m.module for m in modules}
    others = [ModuleStatus(name, current[name], 0) for name in sorted(set(current) - names)]
    return SchemaStatus(exists=exists, modules=(*known, *others))
