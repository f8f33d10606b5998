"""Driver errors become telcocore errors at the adapter boundary."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import telcocore
from telcocore.accounts.ports import AccountRepository
from telcocore.core import open_storage
from telcocore.kernel.errors import AlreadyExists, StorageError
from telcocore.platform.ports import Storage
from telcocore.platform.sql.unit_of_work import SqlUnitOfWork


def _sql_unit(storage: Storage) -> SqlUnitOfWork[object]:
    unit = storage.unit_of_work()
    assert isinstance(unit, SqlUnitOfWork)
    return unit


class TestSqliteErrors:
    """sqlite3 errors."""

    def test_a_file_that_is_no_database_is_a_storage_error(self, tmp_path: Path) -> None:
        """Opening a file that is not SQLite raises StorageError caused by sqlite3's error."""
        path = tmp_path / "notes.txt"
        path.write_text("not a database, just some text that is long enough " * 40)
        with pytest.raises(StorageError) as raised:
            open_storage(f"sqlite:///{path}")
        assert isinstance(raised.value.__cause__, sqlite3.DatabaseError)

    def test_a_missing_directory_is_a_storage_error(self, tmp_path: Path) -> None:
        """A file in a directory that does not exist raises StorageError naming the path."""
        with pytest.raises(StorageError, match="missing"):
            open_storage(f"sqlite:///{tmp_path / 'missing' / 'telco.db'}")

    def test_a_locked_database_is_a_storage_error(self, sqlite_url: str) -> None:
        """A writer that cannot get the lock in its busy timeout raises StorageError."""
        holder = open_storage(sqlite_url)
        waiter = open_storage(f"{sqlite_url}?busy_timeout=0")
        try:
            with (
                holder.unit_of_work(),
                pytest.raises(StorageError, match="locked") as raised,
                waiter.unit_of_work(),
            ):
                pass
            assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
        finally:
            waiter.close()
            holder.close()

    @pytest.mark.parametrize("in_memory", [False, True], ids=["file", "memory"])
    def test_units_do_not_nest_in_one_thread(self, sqlite_url: str, in_memory: bool) -> None:
        """A second unit opened inside the first, in the same thread, raises StorageError."""
        with telcocore.connect("sqlite:///:memory:" if in_memory else sqlite_url) as core:
            with (
                core.storage.unit_of_work(),
                pytest.raises(StorageError, match="nest"),
                core.storage.unit_of_work(),
            ):
                pass
            with core.storage.unit_of_work() as uow:  # the first unit ended cleanly
                assert [] == uow.get(AccountRepository).list()


class TestPostgresErrors:
    """psycopg errors."""

    def test_an_unreachable_server_is_a_storage_error(self) -> None:
        """Nothing listening at the address raises StorageError caused by psycopg's error."""
        import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need the driver

        with pytest.raises(StorageError, match="cannot connect") as raised:
            open_storage("postgresql://postgres@127.0.0.1:1/test?connect_timeout=2")
        assert isinstance(raised.value.__cause__, psycopg.OperationalError)

    @pytest.mark.postgres
    def test_an_unknown_database_is_a_storage_error(self, pg_url: str) -> None:
        """A database that does not exist raises StorageError."""
        url = pg_url.replace("/test?", "/no_such_database_here?", 1)
        assert url != pg_url
        with pytest.raises(StorageError, match="no_such_database_here"):
            open_storage(url)

    @pytest.mark.postgres
    def test_a_limit_the_server_refuses_says_what_it_said(self, pg_url: str) -> None:
        """A server's limit (SQLSTATE 54000, an OperationalError in psycopg) is no lost link."""
        import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need the driver

        with telcocore.connect(pg_url) as core:
            unit = _sql_unit(core.storage)
            with unit:
                unit._session.run("CREATE TEMPORARY TABLE wide_keys (key TEXT PRIMARY KEY)")
                with pytest.raises(StorageError, match="PostgreSQL failed") as raised:
                    unit._session.run(
                        "INSERT INTO wide_keys SELECT string_agg(md5(i::text), '') "
                        "FROM generate_series(1, 1000) AS i"
                    )
            cause = raised.value.__cause__
            assert isinstance(cause, psycopg.OperationalError)
            assert cause.sqlstate == "54000"
            assert "unreachable" not in str(raised.value)


class TestPostgresTranslation:
    """Which psycopg errors say the connection failed: none of them needs a server."""

    @pytest.mark.parametrize(
        ("name", "lost"),
        [
            ("OperationalError", True),  # the client's own: no SQLSTATE
            ("AdminShutdown", True),  # 57P01
            ("CannotConnectNow", True),  # 57P03
            ("ConnectionFailure", True),  # 08006
            ("ProgramLimitExceeded", False),  # 54000
            ("DiskFull", False),  # 53100
            ("QueryCanceled", False),  # 57014
        ],
    )
    def test_only_a_connection_state_says_the_connection_failed(
        self, name: str, *, lost: bool
    ) -> None:
        """The message names a failed connection for those errors alone."""
        psycopg = pytest.importorskip("psycopg")
        from telcocore.platform.sql.postgres import PostgresDialect  # noqa: PLC0415

        error_type = getattr(psycopg.errors, name, None) or getattr(psycopg, name)
        translated = PostgresDialect(None).translate(error_type("the server said so"))
        assert isinstance(translated, StorageError)
        assert ("connection failed" in str(translated)) is lost
        assert "the server said so" in str(translated)


class TestEveryDatabase:
    """Errors every storage (memory included) translates alike."""

    def test_a_unique_violation_is_already_exists(self, storage_url: str) -> None:
        """A unique violation raises AlreadyExists caused by the driver's error."""
        with telcocore.connect(storage_url) as core:
            unit = _sql_unit(core.storage)
            with unit, pytest.raises(AlreadyExists) as raised:
                unit._session.run(
                    "INSERT INTO schema_migrations VALUES ('accounts', 1, 'again', 'now')"
                )
        assert (
            "sqlite3" in type(raised.value.__cause__).__module__
            or "psycopg" in type(raised.value.__cause__).__module__
        )

    def test_a_unit_outside_its_with_block_is_refused(self, storage_url: str) -> None:
        """Using a unit's repositories before entering it raises StorageError."""
        with telcocore.connect(storage_url) as core:
            unit = core.storage.unit_of_work()
            with pytest.raises(StorageError, match="not open"):
                unit.get(AccountRepository).list()

    def test_a_closed_storage_is_refused(self, storage_url: str) -> None:
        """A unit of work on a closed storage raises StorageError."""
        storage = open_storage(storage_url)
        storage.close()
        with pytest.raises(StorageError, match="closed"), storage.unit_of_work():
            pass
