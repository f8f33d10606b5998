"""Reading a storage's schema versions without migrating it: SQLite files, PostgreSQL schemas."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from tests.integration import storage_workers as workers
from tests.integration.test_schema5_upgrade import schema5_url  # noqa: F401 - a fixture

import telcocore
from telcocore.adapters.postgres import PostgresStorage
from telcocore.adapters.sqlite import SqliteStorage
from telcocore.core import schema_status
from telcocore.kernel.errors import ConfigurationError, StorageError
from telcocore.platform.sql.migrations import ModuleStatus
from telcocore.platform.sql.unit_of_work import SqlStorage


def _newest(url: str) -> dict[str, int]:
    return {module.module: module.newest for module in workers.shipped(url)}


def _recorded(url: str) -> list[tuple[object, ...]]:
    return workers.query(url, "SELECT * FROM schema_migrations ORDER BY module, version")


def _schema_exists(url: str) -> bool:
    schema = dict(parse_qsl(urlsplit(url).query))["schema"]
    found = workers.query(
        url.split("?", 1)[0] + "?schema=public",
        f"SELECT 1 FROM information_schema.schemata WHERE schema_name = '{schema}'",  # noqa: S608
    )
    return bool(found)


class TestSchemaStatus:
    """``schema_status(url)`` reads each module's version and changes nothing."""

    def test_a_new_storage_has_every_migration_pending_and_is_not_created(
        self, durable_url: str, tmp_path: Path
    ) -> None:
        """A missing SQLite file or PostgreSQL schema is a new storage, and stays missing."""
        status = schema_status(durable_url)
        assert not status.exists
        newest = _newest(durable_url)
        assert {m.module: (m.current, m.newest) for m in status.modules} == {
            name: (0, version) for name, version in newest.items()
        }
        assert status.pending == sum(newest.values())
        assert status.ahead == ()
        if durable_url.startswith("sqlite:"):
            assert list(tmp_path.iterdir()) == []
        else:
            assert not _schema_exists(durable_url)

    def test_an_empty_sqlite_file_is_a_new_storage(self, tmp_path: Path) -> None:
        """A file of no bytes (as ``touch`` leaves) is a new storage, left empty."""
        path = tmp_path / "empty.db"
        path.touch()
        assert not schema_status(f"sqlite:///{path}").exists
        assert path.stat().st_size == 0

    def test_a_migrated_storage_has_nothing_pending(self, durable_url: str) -> None:
        """After ``connect``, every module is at this release's newest version."""
        telcocore.connect(durable_url).close()
        before = _recorded(durable_url)
        status = schema_status(durable_url)
        assert status.exists
        assert status.pending == 0
        assert {m.module: m.current for m in status.modules} == _newest(durable_url)
        assert _recorded(durable_url) == before

    def test_it_agrees_with_what_open_records(self, durable_url: str) -> None:
        """The versions read are those the opened storage reports."""
        storage = telcocore.core.open_storage(durable_url)
        assert isinstance(storage, SqlStorage)
        versions = dict(storage.schema_versions)
        storage.close()
        assert {m.module: m.current for m in schema_status(durable_url).modules} == versions

    def test_a_storage_of_the_previous_release_has_the_new_migration_pending(
        self, durable_url: str
    ) -> None:
        """Against a release with one more migration, that one is pending, and not applied."""
        telcocore.connect(durable_url).close()
        before = _recorded(durable_url)
        adapter = SqliteStorage if durable_url.startswith("sqlite:") else PostgresStorage
        status = adapter.schema_status(
            durable_url, migrations=workers.with_later_accounts(durable_url)
        )
        accounts = next(m for m in status.modules if m.module == "accounts")
        shipped = workers.shipped_version(durable_url, "accounts")
        assert (accounts.current, accounts.newest, accounts.pending) == (shipped, shipped + 1, 1)
        assert status.pending == 1
        assert _recorded(durable_url) == before

    def test_a_newer_storage_is_reported_not_refused(self, durable_url: str) -> None:
        """A module newer than this release is named in ``ahead``; no error is raised."""
        workers.open_with(durable_url, workers.with_later_accounts(durable_url)).close()
        status = schema_status(durable_url)
        shipped = workers.shipped_version(durable_url, "accounts")
        assert status.ahead == (ModuleStatus("accounts", shipped + 1, shipped),)
        assert status.pending == 0

    def test_a_module_this_release_lacks_is_listed_last(self, durable_url: str) -> None:
        """A module only a later release has comes after the known ones, with newest 0."""
        telcocore.connect(durable_url).close()
        workers.execute(
            durable_url, "INSERT INTO schema_migrations VALUES ('billing.later', 3, 'x', 'y')"
        )
        status = schema_status(durable_url)
        assert status.modules[-1] == ModuleStatus("billing.later", 3, 0)
        assert status.ahead == (ModuleStatus("billing.later", 3, 0),)

    def test_a_foreign_schema_migrations_table_is_refused(self, durable_url: str) -> None:
        """A ``schema_migrations`` table of another tool is a StorageError, as on open."""
        workers.execute(
            durable_url, "CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied TEXT)"
        )
        with pytest.raises(StorageError, match="schema_migrations table is not telcocore's"):
            schema_status(durable_url)

    def test_a_file_that_is_no_database_is_refused(self, tmp_path: Path) -> None:
        """A file SQLite cannot read is a StorageError, and it is left as it was."""
        path = tmp_path / "notes.db"
        path.write_text("not a database\n" * 100)
        with pytest.raises(StorageError, match="not a database"):
            schema_status(f"sqlite:///{path}")
        assert path.read_text() == "not a database\n" * 100

    def test_the_write_ahead_log_is_not_left_behind(self, tmp_path: Path) -> None:
        """Reading a closed database leaves only the file, as closing the storage did."""
        url = f"sqlite:///{tmp_path / 'x.db'}"
        telcocore.connect(url).close()
        schema_status(url)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]

    @pytest.mark.parametrize(
        ("url", "says"),
        [
            ("mysql://x@y/z", "unknown storage URL"),
            ("memory://x", "memory URL"),
            ("sqlite://host/x.db", "must look like"),
            ("sqlite:///x.db?journal=off", "unknown SQLite URL option"),
            ("sqlite:///x.db?synchronous=off", "synchronous"),
            ("postgresql://nobody@127.0.0.1:1/x?pool_max_size=many", "pool_max_size"),
            ("postgresql://nobody@127.0.0.1:1/x?pool_timeout=-1", "pool_timeout"),
        ],
    )
    def test_a_bad_url_is_refused(self, url: str, says: str) -> None:
        """URLs are checked as :func:`telcocore.connect` checks them."""
        with pytest.raises(ConfigurationError, match=says):
            schema_status(url)

    def test_memory_is_always_new(self) -> None:
        """``memory://`` holds nothing until it is opened: every migration is pending."""
        status = schema_status("memory://")
        assert not status.exists
        assert status.pending > 0


class TestEarlierLayout:
    """A database of the flat layout (schema 5) shows what opening it would record."""

    def test_the_baselines_count_as_applied(self, schema5_url: str) -> None:  # noqa: F811
        """Flat-layout modules are at their baseline, the rest pending; nothing is recorded.

        Opening the storage records the baselines and applies the rest: then nothing is
        pending.
        """
        shipped = workers.shipped(schema5_url)
        status = schema_status(schema5_url)
        assert status.exists
        assert {m.module: m.current for m in status.modules} == {
            m.module: m.baseline for m in shipped
        }
        assert status.pending == sum(m.newest - m.baseline for m in shipped)
        with pytest.raises(Exception, match="schema_migrations"):
            workers.query(schema5_url, "SELECT module FROM schema_migrations")
        telcocore.connect(schema5_url).close()
        assert schema_status(schema5_url).pending == 0
