"""Schema migrations on SQLite files and PostgreSQL schemas."""

from __future__ import annotations

import pytest
from tests.integration import storage_workers as workers

import telcocore
from telcocore.adapters.sql import Migration, load_migrations
from telcocore.errors import SchemaVersionError, StorageError

SHIPPED = load_migrations("telcocore.adapters.sqlite")
PG_SHIPPED = load_migrations("telcocore.adapters.postgres")
NEWEST = SHIPPED[-1].version

EXTRA = Migration(NEWEST + 1, "extra", "CREATE TABLE extra (x INTEGER NOT NULL);\n")
BROKEN = Migration(NEWEST + 1, "broken", "CREATE TABLE half (x INTEGER);\nCREATE TABLE (;\n")


def _shipped(url: str) -> list[Migration]:
    """The migrations shipped for the database of ``url``."""
    return list(SHIPPED if url.startswith("sqlite:") else PG_SHIPPED)


def _versions(url: str) -> list[tuple[int, str]]:
    return [
        (v, n)
        for v, n in workers.query(url, "SELECT version, name FROM schema_version ORDER BY version")
    ]


def _applied(url: str) -> list[tuple[int, str]]:
    return list(
        workers.query(url, "SELECT version, applied_at FROM schema_version ORDER BY version")
    )


class TestShippedMigrations:
    """The migration files that ship with the package."""

    def test_both_databases_ship_the_same_versions(self) -> None:
        """SQLite and PostgreSQL have the same numbered migrations."""
        postgres = load_migrations("telcocore.adapters.postgres")
        assert [(m.version, m.name) for m in SHIPPED] == [(m.version, m.name) for m in postgres]


class TestMigrate:
    """Opening a database brings it to the newest schema, once."""

    def test_a_fresh_database_gets_every_migration(self, durable_url: str) -> None:
        """A new database is at the newest version, each migration recorded."""
        with telcocore.connect(durable_url):
            pass
        assert [(m.version, m.name) for m in SHIPPED] == _versions(durable_url)

    def test_reopening_applies_nothing_again(self, durable_url: str) -> None:
        """A second open keeps the records (and the data) of the first."""
        with telcocore.connect(durable_url) as core:
            core.accounts.open("Acme", "USD", account_id="acme")
        before = _applied(durable_url)
        with telcocore.connect(durable_url) as core:
            assert "Acme" == core.accounts.get("acme").name
        assert before == _applied(durable_url)

    def test_an_empty_database_is_upgraded(self, durable_url: str) -> None:
        """A database at version 0 (an empty schema_version table) gets every migration."""
        workers.execute(
            durable_url,
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL)",
        )
        with telcocore.connect(durable_url) as core:
            core.accounts.open("Acme", "USD", account_id="acme")
        assert NEWEST == max(v for v, _ in _versions(durable_url))

    def test_an_older_database_is_upgraded_keeping_its_data(self, durable_url: str) -> None:
        """A database of the previous release gets the new migration only, data kept."""
        with telcocore.connect(durable_url) as core:
            core.accounts.open("Acme", "USD", account_id="acme")
        before = _applied(durable_url)
        newer = workers.open_with(durable_url, [*_shipped(durable_url), EXTRA])
        try:
            core = telcocore.TelcoCore(storage=newer)
            assert "Acme" == core.accounts.get("acme").name
        finally:
            newer.close()
        assert before == _applied(durable_url)[:-1]
        assert (NEWEST + 1, "extra") == _versions(durable_url)[-1]
        assert [] == workers.query(durable_url, "SELECT x FROM extra")

    def test_a_newer_database_is_refused(self, durable_url: str) -> None:
        """A database of a later release raises SchemaVersionError with both versions."""
        workers.open_with(durable_url, [*_shipped(durable_url), EXTRA]).close()
        with pytest.raises(SchemaVersionError) as raised:
            telcocore.connect(durable_url)
        assert (NEWEST + 1, NEWEST) == (raised.value.found, raised.value.supported)

    def test_a_failing_migration_changes_nothing(self, durable_url: str) -> None:
        """A migration that fails half-way is rolled back whole, its version not recorded."""
        workers.open_with(durable_url, _shipped(durable_url)).close()
        with pytest.raises(StorageError):
            workers.open_with(durable_url, [*_shipped(durable_url), BROKEN])
        assert NEWEST == max(v for v, _ in _versions(durable_url))
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
        assert [NEWEST] * 8 == reports
        assert [(m.version, m.name) for m in SHIPPED] == _versions(durable_url)
