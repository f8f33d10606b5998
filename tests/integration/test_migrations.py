"""Schema migrations per domain on SQLite files and PostgreSQL schemas."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from tests.integration import storage_workers as workers

import telcocore
from telcocore.adapters.sqlite import SqliteStorage
from telcocore.core import open_storage
from telcocore.domains import SQL_DOMAINS
from telcocore.kernel.errors import ConfigurationError, SchemaVersionError, StorageError
from telcocore.platform.sql.migrations import (
    LAYOUT_MARKER,
    expand_macros,
    load_migrations,
)
from telcocore.platform.sql.postgres import PostgresDialect
from telcocore.platform.sql.sqlite import SqliteDialect
from telcocore.platform.sql.unit_of_work import SqlDomain, SqlStorage

SQLITE = SqliteDialect(busy_timeout_ms=0)
POSTGRES = PostgresDialect(None)


def _expected(url: str) -> list[tuple[str, int, str]]:
    """(module, version, name) of every shipped migration, as schema_migrations sorts them."""
    return sorted(
        (module.module, m.version, m.name)
        for module in workers.shipped(url)
        for m in module.migrations
    )


def _versions(url: str) -> list[tuple[str, int, str]]:
    return [
        (module, version, name)
        for module, version, name in workers.query(
            url, "SELECT module, version, name FROM schema_migrations ORDER BY module, version"
        )
    ]


def _applied(url: str) -> list[tuple[str, int, str]]:
    return list(
        workers.query(
            url,
            "SELECT module, version, applied_at FROM schema_migrations ORDER BY module, version",
        )
    )


class TestShippedMigrations:
    """The migration files each domain ships."""

    @pytest.mark.parametrize("domain", SQL_DOMAINS, ids=lambda d: d.name)
    def test_both_databases_get_the_same_versions(self, domain: SqlDomain) -> None:
        """SQLite and PostgreSQL have the same numbered migrations, numbered from 1."""
        sqlite = domain.migrations(SQLITE).migrations
        postgres = domain.migrations(POSTGRES).migrations
        assert [(m.version, m.name) for m in sqlite] == [(m.version, m.name) for m in postgres]
        assert [m.version for m in sqlite] == list(range(1, len(sqlite) + 1))

    @pytest.mark.parametrize("domain", SQL_DOMAINS, ids=lambda d: d.name)
    def test_no_number_has_both_a_neutral_and_a_database_file(self, domain: SqlDomain) -> None:
        """A number is one neutral file, or one file per database: no SQL written twice."""
        folder = resources.files(domain.package).joinpath("migrations")
        kinds: dict[str, set[str]] = {}
        for entry in folder.iterdir():
            if entry.name.endswith(".sql"):
                number, _, rest = entry.name.partition("_")
                kinds.setdefault(number, set()).add(rest.split(".", 1)[1])
        assert all(k in ({"sql"}, {"sqlite.sql", "postgresql.sql"}) for k in kinds.values()), kinds

    def test_every_macro_is_expanded(self) -> None:
        """No ``{macro}`` is left in what runs, and both dialects know the same macros."""
        scripts = [
            m.script
            for dialect in (SQLITE, POSTGRES)
            for domain in SQL_DOMAINS
            for m in domain.migrations(dialect).migrations
        ]
        assert set(SQLITE.type_macros) == set(POSTGRES.type_macros)
        assert [] == [s for s in scripts if "{" in s]

    def test_an_unknown_macro_is_refused(self) -> None:
        """A misspelt macro is a ConfigurationError naming it and the known ones."""
        with pytest.raises(ConfigurationError, match=r"\{decimals\}.*\{decimal\}"):
            expand_macros("x {decimals}", SQLITE.type_macros, source="test")

    def test_ledger_tables_come_after_accounts(self) -> None:
        """The domains are registered accounts first: the others' tables refer to it."""
        assert "accounts" == SQL_DOMAINS[0].name


def _package(root: Path, name: str, files: dict[str, str]) -> str:
    """A package ``name`` under ``root`` whose migrations folder holds ``files``."""
    folder = root / name / "migrations"
    folder.mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    for file, text in files.items():
        (folder / file).write_text(text)
    return name


class TestLoading:
    """How a domain's migration files become the scripts one database runs."""

    def test_the_neutral_file_or_the_databases_own(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A neutral file has its macros expanded; a database file is taken for that database."""
        monkeypatch.syspath_prepend(str(tmp_path))
        package = _package(
            tmp_path,
            "pkg_both",
            {
                "0001_a.sql": "CREATE TABLE a (x {decimal});\n",
                "0002_b.sqlite.sql": "-- sqlite\n",
                "0002_b.postgresql.sql": "-- postgresql\n",
                "notes.txt": "not a migration",
            },
        )
        loaded = [
            [(m.version, m.name, m.script) for m in load_migrations(package, dialect)]
            for dialect in (SQLITE, POSTGRES)
        ]
        assert [
            [(1, "a", "CREATE TABLE a (x TEXT);\n"), (2, "b", "-- sqlite\n")],
            [(1, "a", "CREATE TABLE a (x NUMERIC);\n"), (2, "b", "-- postgresql\n")],
        ] == loaded

    def test_a_number_without_a_file_for_the_database_is_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A PostgreSQL-only number is a ConfigurationError on SQLite, naming the version."""
        monkeypatch.syspath_prepend(str(tmp_path))
        package = _package(tmp_path, "pkg_pg_only", {"0001_a.postgresql.sql": "SELECT 1;\n"})
        with pytest.raises(ConfigurationError, match=r"no SQLite file .*\[1\]"):
            load_migrations(package, SQLITE)

    def test_a_gap_in_the_numbers_is_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Numbers must run 1, 2, 3, ... without a gap."""
        monkeypatch.syspath_prepend(str(tmp_path))
        package = _package(
            tmp_path, "pkg_gap", {"0001_a.sql": "SELECT 1;\n", "0003_c.sql": "SELECT 1;\n"}
        )
        with pytest.raises(ConfigurationError, match=r"\[1, 3\]"):
            load_migrations(package, SQLITE)


class TestMigrate:
    """Opening a database brings every domain to its newest schema, once."""

    def test_a_fresh_database_gets_every_migration(self, durable_url: str) -> None:
        """A new database records each domain's migrations under its module."""
        storage = open_storage(durable_url)
        assert isinstance(storage, SqlStorage)
        versions = dict(storage.schema_versions)
        storage.close()
        assert _expected(durable_url) == _versions(durable_url)
        assert {m.module: m.newest for m in workers.shipped(durable_url)} == versions

    def test_reopening_applies_nothing_again(self, durable_url: str) -> None:
        """A second open keeps the records (and the data) of the first."""
        with telcocore.connect(durable_url) as core:
            core.accounts.open("Acme", "USD", account_id="acme")
        before = _applied(durable_url)
        with telcocore.connect(durable_url) as core:
            assert "Acme" == core.accounts.get("acme").name
        assert before == _applied(durable_url)

    def test_an_empty_earlier_table_is_a_new_database(self, durable_url: str) -> None:
        """An empty ``schema_version`` table of the earlier layout gets every migration."""
        workers.execute(
            durable_url,
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL)",
        )
        with telcocore.connect(durable_url) as core:
            core.accounts.open("Acme", "USD", account_id="acme")
        assert _expected(durable_url) == _versions(durable_url)
        assert [(LAYOUT_MARKER,)] == workers.query(
            durable_url, "SELECT version FROM schema_version"
        )

    def test_an_older_earlier_layout_is_refused(self, durable_url: str) -> None:
        """A flat-layout database before schema 5 must pass through that release first."""
        workers.execute(
            durable_url,
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL);\nINSERT INTO schema_version VALUES (3, 'numbering', 'x')",
        )
        with pytest.raises(StorageError, match=r"schema version 3 .* schema version 5"):
            telcocore.connect(durable_url)
        assert [(3,)] == workers.query(durable_url, "SELECT version FROM schema_version")

    def test_a_new_migration_of_one_domain_is_applied(self, durable_url: str) -> None:
        """A database of the previous release gets the new migration only, data kept."""
        with telcocore.connect(durable_url) as core:
            core.accounts.open("Acme", "USD", account_id="acme")
        before = _applied(durable_url)
        newer = workers.open_with(
            durable_url,
            workers.with_later_accounts(durable_url, "CREATE TABLE extra (x INTEGER NOT NULL);\n"),
        )
        try:
            core = telcocore.TelcoCore(storage=newer)
            assert "Acme" == core.accounts.get("acme").name
        finally:
            newer.close()
        after = _applied(durable_url)
        later = workers.shipped_version(durable_url, "accounts") + 1
        assert before == [row for row in after if row[:2] != ("accounts", later)]
        assert ("accounts", later, "later") in _versions(durable_url)
        assert [] == workers.query(durable_url, "SELECT x FROM extra")

    def test_a_newer_database_is_refused(self, durable_url: str) -> None:
        """A module newer than this release raises SchemaVersionError naming it."""
        workers.open_with(
            durable_url, workers.with_later_accounts(durable_url, "SELECT 1;\n")
        ).close()
        with pytest.raises(SchemaVersionError, match="'accounts'") as raised:
            telcocore.connect(durable_url)
        shipped = workers.shipped_version(durable_url, "accounts")
        assert ("accounts", shipped + 1, shipped) == (
            raised.value.module,
            raised.value.found,
            raised.value.supported,
        )

    def test_a_module_this_release_lacks_is_refused(self, durable_url: str) -> None:
        """A domain only a later release has makes the database newer than this one."""
        telcocore.connect(durable_url).close()
        workers.execute(
            durable_url, "INSERT INTO schema_migrations VALUES ('billing.later', 1, 'x', 'y')"
        )
        with pytest.raises(SchemaVersionError) as raised:
            telcocore.connect(durable_url)
        assert ("billing.later", 1, 0) == (
            raised.value.module,
            raised.value.found,
            raised.value.supported,
        )

    @pytest.mark.parametrize("version", ["1.1", "abc"])
    def test_a_foreign_schema_version_table_is_refused(
        self, durable_url: str, version: str
    ) -> None:
        """An earlier-layout table whose versions are not whole numbers is a StorageError.

        Nothing is created next to the foreign table.
        """
        workers.execute(
            durable_url,
            "CREATE TABLE schema_version (version TEXT PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL);\n"
            f"INSERT INTO schema_version VALUES ('{version}', 'x', 'y')",
        )
        with pytest.raises(StorageError, match="schema_version table holds the version"):
            telcocore.connect(durable_url)
        with pytest.raises(Exception, match="accounts"):
            workers.query(durable_url, "SELECT id FROM accounts")

    def test_a_foreign_schema_migrations_table_is_refused(self, durable_url: str) -> None:
        """A ``schema_migrations`` table of another tool is a StorageError; nothing is made."""
        workers.execute(
            durable_url, "CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied TEXT)"
        )
        with pytest.raises(StorageError, match="schema_migrations table is not telcocore's"):
            telcocore.connect(durable_url)
        with pytest.raises(Exception, match="accounts"):
            workers.query(durable_url, "SELECT id FROM accounts")

    def test_a_failing_migration_changes_nothing(self, durable_url: str) -> None:
        """A migration that fails half-way is rolled back whole, its version not recorded."""
        telcocore.connect(durable_url).close()
        broken = workers.with_later_accounts(
            durable_url, "CREATE TABLE half (x INTEGER);\nCREATE TABLE (;\n"
        )
        with pytest.raises(StorageError):
            workers.open_with(durable_url, broken)
        assert _expected(durable_url) == _versions(durable_url)
        with pytest.raises(Exception, match="half"):
            workers.query(durable_url, "SELECT x FROM half")


@pytest.mark.slow
class TestConcurrentMigrate:
    """Processes opening a fresh database at once."""

    def test_eight_processes_migrate_once(self, durable_url: str) -> None:
        """Eight processes opening a new database at once succeed, migrating it once."""
        results = workers.SPAWN.Queue()
        processes = [
            workers.SPAWN.Process(target=workers.open_storage_once, args=(durable_url, results))
            for _ in range(8)
        ]
        for process in processes:
            process.start()
        reports = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=60)
        newest = {m.module: m.newest for m in workers.shipped(durable_url)}
        assert [newest] * 8 == reports
        assert _expected(durable_url) == _versions(durable_url)


class TestForeignKeysDuringMigrations:
    """SQLite migrations run with foreign keys unenforced, so a table can be rebuilt."""

    def test_a_dangling_foreign_key_is_refused_and_changes_nothing(self, durable_url: str) -> None:
        """A migration leaving a row that refers to nothing fails whole, on both databases."""
        telcocore.connect(durable_url).close()
        dangling = workers.with_later_accounts(
            durable_url,
            "CREATE TABLE notes (account_id TEXT NOT NULL REFERENCES accounts (id));\n"
            "INSERT INTO notes (account_id) VALUES ('nobody');\n",
        )
        with pytest.raises(StorageError, match="notes"):
            workers.open_with(durable_url, dangling)
        assert _expected(durable_url) == _versions(durable_url)
        with pytest.raises(Exception, match="notes"):
            workers.query(durable_url, "SELECT account_id FROM notes")

    def test_foreign_keys_are_enforced_after_migrating(self, tmp_path: Path) -> None:
        """The SQLite connection that migrated enforces foreign keys again afterwards."""
        storage = SqliteStorage(tmp_path / "fk.db")
        try:
            conn = storage.acquire()
            try:
                assert (1,) == conn.execute("PRAGMA foreign_keys").fetchone()
            finally:
                storage.release(conn)
        finally:
            storage.close()
