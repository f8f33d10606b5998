"""The storage URLs connect() understands."""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.conftest import pg_dsn

import telcocore
from telcocore.accounts.errors import AccountNotFound
from telcocore.adapters.postgres import PostgresStorage
from telcocore.adapters.sqlite import SqliteStorage
from telcocore.core import open_storage
from telcocore.kernel.errors import ConfigurationError, StorageError
from telcocore.kernel.money import Money
from telcocore.platform.sql.unit_of_work import SqlUnitOfWork


def _round_trip(url: str) -> Money:
    with telcocore.connect(url) as core:
        core.accounts.open("Acme", "USD", account_id="acme")
        core.ledger.credit("acme", "1.25", idempotency_key="k")
        return core.ledger.balance("acme")


class TestSqliteUrls:
    """sqlite:///relative, sqlite:////absolute and sqlite:///:memory:."""

    def test_three_slashes_name_a_file_relative_to_the_working_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """sqlite:///telco.db is telco.db in the current directory."""
        monkeypatch.chdir(tmp_path)
        _round_trip("sqlite:///telco.db")
        assert (tmp_path / "telco.db").is_file()

    def test_four_slashes_name_an_absolute_path(self, tmp_path: Path) -> None:
        """sqlite:////abs/path.db is /abs/path.db, and the data is there on reopening."""
        url = f"sqlite:///{tmp_path / 'abs.db'}"
        assert url.startswith("sqlite:////")
        _round_trip(url)
        with telcocore.connect(url) as core:
            assert Money("1.25", "USD") == core.ledger.balance("acme")

    def test_memory_is_one_private_database(self) -> None:
        """sqlite:///:memory: works, and every thread sees the same database."""
        with telcocore.connect("sqlite:///:memory:") as core:
            core.accounts.open("Acme", "USD", account_id="acme")
            seen: list[str] = []
            reader = threading.Thread(target=lambda: seen.append(core.accounts.get("acme").name))
            reader.start()
            reader.join()
            assert ["Acme"] == seen

    def test_memory_scheme_is_a_private_sqlite_database(self) -> None:
        """memory:// is an in-memory SQLite database, each one private to its storage."""
        with telcocore.connect("memory://") as first, telcocore.connect("memory://") as second:
            first.accounts.open("Acme", "USD", account_id="acme")
            with pytest.raises(AccountNotFound):
                second.accounts.get("acme")
            with first.storage.unit_of_work(read_only=True) as uow:
                assert isinstance(uow, SqlUnitOfWork)
                rows = uow._session.all("SELECT id FROM accounts")
        assert [("acme",)] == [tuple(row) for row in rows]

    @pytest.mark.parametrize(
        "url",
        [
            "sqlite://host/telco.db",
            "sqlite://",
            "sqlite:///telco.db?journal=off",
            "sqlite:///telco.db?synchronous=off",
            "sqlite:///telco.db?busy_timeout=soon",
            "memory://?journal=off",
            "memory://host",
        ],
    )
    def test_a_malformed_url_is_refused(self, url: str) -> None:
        """A host, no path, an unknown option or a bad value raises ConfigurationError."""
        with pytest.raises(ConfigurationError):
            open_storage(url)

    def test_a_long_path_that_cannot_be_opened_is_named_whole(self, tmp_path: Path) -> None:
        """A file in a deep folder that does not exist: the message shows its whole path."""
        path = tmp_path / ("folder-" * 20) / "missing" / "telco.db"
        with pytest.raises(StorageError, match="cannot open SQLite database") as refused:
            open_storage(f"sqlite:///{path}")
        assert str(path) in str(refused.value)

    def test_a_path_no_file_system_takes_is_a_storage_error(self) -> None:
        """A NUL in the path (``%00``) is a StorageError naming the database, not a raw one."""
        with pytest.raises(StorageError, match="cannot open SQLite database"):
            open_storage("sqlite:///%00telco.db")


class TestPostgresUrls:
    """postgresql:// and postgres://, with an optional schema."""

    @pytest.mark.postgres
    def test_both_schemes_open_postgresql(self, pg_url: str) -> None:
        """postgres:// is accepted as well as postgresql://."""
        alias = pg_url.replace("postgresql://", "postgres://", 1)
        assert alias.startswith("postgres://")
        assert Money("1.25", "USD") == _round_trip(alias)

    @pytest.mark.postgres
    def test_the_schema_holds_the_tables(self, pg_url: str) -> None:
        """The tables are created in the URL's schema, which is created if missing."""
        import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need the driver

        _round_trip(pg_url)
        schema = urlsplit(pg_url).query.split("schema=")[1]
        with psycopg.connect(pg_url.split("?", maxsplit=1)[0]) as conn:
            rows = conn.execute(
                b"SELECT count(*) FROM information_schema.tables "
                b"WHERE table_schema = %s AND table_name = 'accounts'",
                (schema,),
            ).fetchall()
        assert [(1,)] == rows

    @pytest.mark.parametrize(
        "url",
        [
            "postgresql://localhost/test?schema=Bad-Name",
            "postgresql://localhost/test?schema=1st",
            "postgresql://localhost/test?pool_max_size=many",
        ],
    )
    def test_a_bad_option_is_refused(self, url: str) -> None:
        """An invalid schema name or pool size raises ConfigurationError before connecting."""
        with pytest.raises(ConfigurationError):
            open_storage(url)

    def test_a_missing_driver_says_how_to_install_it(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without psycopg, a PostgreSQL URL raises ConfigurationError naming the extra."""
        monkeypatch.setitem(sys.modules, "psycopg", None)
        with pytest.raises(ConfigurationError, match=r"telcocore\[postgres\]"):
            open_storage("postgresql://localhost/test")


class TestSchemes:
    """The schemes connect() knows."""

    def test_an_unknown_scheme_is_refused(self) -> None:
        """mysql:// raises ConfigurationError listing the known schemes."""
        with pytest.raises(ConfigurationError, match="memory, postgres, postgresql, sqlite"):
            open_storage("mysql://localhost/telco")


PASSWORD = "S3cretPW"
"""The password of the URLs below; no error about them may show it."""


def _everything_shown(error: BaseException) -> str:
    """The error's message, repr, whole printed traceback, and every error it holds."""
    held = [error.__cause__, error.__context__]
    return "\n".join(
        [
            str(error),
            repr(error),
            *traceback.format_exception(error),
            *(f"{e!s} {e!r}" for e in held if e is not None),
        ]
    )


class TestPasswordsStayHidden:
    """A URL's password is never in an error message, its repr or its causes."""

    @pytest.mark.parametrize(
        "url",
        [
            f"postgresql://alice:{PASSWORD}@db.example/telco?pool_min_size=abc",
            f"postgresql://alice:{PASSWORD}@db.example/telco?pool_max_size=0",
            f"postgresql://alice:{PASSWORD}@db.example/telco?pool_timeout=soon",
            f"postgresql://alice:{PASSWORD}@db.example/telco?schema=Bad-Name",
            f"postgresql://alice:{PASSWORD}@[::1/telco",
            f"postgres://alice:{PASSWORD}@db.example/telco?pool_max_size=2&pool_min_size=3",
            f"mysql://alice:{PASSWORD}@db.example/telco",
            f"sqlite://alice:{PASSWORD}@host/telco.db",
            f"postgresql://alice@db.example/telco?password={PASSWORD}&pool_timeout=-1",
            f"alice:{PASSWORD}@db.example/telco",  # no scheme at all
        ],
    )
    def test_a_refused_url(self, url: str) -> None:
        """Bad options, hosts and schemes are a ConfigurationError without the password."""
        with pytest.raises(ConfigurationError) as raised:
            open_storage(url)
        assert PASSWORD not in _everything_shown(raised.value)

    @pytest.mark.postgres
    @pytest.mark.parametrize(
        "where",
        [
            "127.0.0.1:1/test",  # nothing listens there
            "[::1]x/test",  # libpq quotes the whole URL it cannot parse
            "no-such-host.invalid/test",
        ],
    )
    @pytest.mark.parametrize("password", [PASSWORD, "Pq3Wv@Zr8Kt", "Pq3Wv:Zr8@Kt9"])
    def test_a_failed_connection(self, where: str, password: str) -> None:
        """A connection libpq refuses is a StorageError without the password or its pieces."""
        pg_dsn()
        with pytest.raises(StorageError) as raised:
            open_storage(f"postgresql://alice:{password}@{where}")
        shown = _everything_shown(raised.value)
        pieces = {password, *password.replace(":", "@").split("@")}
        assert [] == [piece for piece in pieces if piece in shown]

    @pytest.mark.postgres
    def test_an_open_storage(self, pg_url: str) -> None:
        """The storage's repr does not hold the password (the test server trusts anyone)."""
        url = pg_url.replace("://postgres@", f"://postgres:{PASSWORD}@", 1)
        assert PASSWORD in url
        storage = open_storage(url)
        try:
            assert PASSWORD not in repr(storage)
        finally:
            storage.close()


class TestOptionValues:
    """Out-of-range and non-integer storage options."""

    @pytest.mark.parametrize(
        ("url", "option"),
        [
            ("postgresql://localhost/test?pool_max_size=0", "pool_max_size"),
            ("postgresql://localhost/test?pool_max_size=-3", "pool_max_size"),
            ("postgresql://localhost/test?pool_max_size=1.5", "pool_max_size"),
            ("postgresql://localhost/test?pool_min_size=0", "pool_min_size"),
            ("postgresql://localhost/test?pool_min_size=%C2%B2", "pool_min_size"),
            ("postgresql://localhost/test?pool_min_size=11", "pool_max_size"),
            ("postgresql://localhost/test?pool_max_size=99999999999999999999", "pool_max_size"),
            ("postgresql://localhost/test?pool_timeout=0", "pool_timeout"),
            ("postgresql://localhost/test?pool_timeout=nan", "pool_timeout"),
            ("postgresql://localhost/test?pool_timeout=inf", "pool_timeout"),
            ("postgresql://localhost/test?pool_timeout=", "pool_timeout"),
            ("sqlite:///telco.db?busy_timeout=-1", "busy_timeout"),
            ("sqlite:///telco.db?busy_timeout=%C2%B2", "busy_timeout"),
            ("sqlite:///telco.db?busy_timeout=99999999999", "busy_timeout"),
        ],
    )
    def test_a_bad_value_names_its_option(self, url: str, option: str) -> None:
        """Each is a ConfigurationError naming the option, raised before connecting."""
        with pytest.raises(ConfigurationError, match=option):
            open_storage(url)

    @pytest.mark.parametrize(
        ("settings", "name"),
        [
            ({"min_size": 0}, "min_size"),
            ({"max_size": True}, "max_size"),
            ({"min_size": 4, "max_size": 2}, "max_size"),
            ({"timeout": float("nan")}, "timeout"),
            ({"schema": 5}, "schema"),
        ],
    )
    def test_the_postgres_constructor_checks_them_too(
        self, settings: dict[str, Any], name: str
    ) -> None:
        """PostgresStorage(...) refuses the same values by their keyword names."""
        with pytest.raises(ConfigurationError, match=name):
            PostgresStorage("postgresql://localhost/test", **settings)

    def test_the_postgres_constructor_takes_text_only(self) -> None:
        """A conninfo that is not text is a ConfigurationError, before any driver call."""
        with pytest.raises(ConfigurationError, match="conninfo"):
            PostgresStorage(5)  # type: ignore[arg-type]

    @pytest.mark.parametrize("timeout", [-1, True, 2.5, None])
    def test_the_sqlite_constructor_checks_them_too(self, tmp_path: Path, timeout: object) -> None:
        """SqliteStorage(...) refuses a busy timeout that is not a whole number >= 0."""
        with pytest.raises(ConfigurationError, match="busy_timeout_ms"):
            SqliteStorage(tmp_path / "telco.db", busy_timeout_ms=timeout)  # type: ignore[arg-type]

    @pytest.mark.parametrize("url", [None, 42, b"memory://"])
    def test_a_url_that_is_no_string(self, url: object) -> None:
        """connect() with a non-string URL is a ConfigurationError."""
        with pytest.raises(ConfigurationError):
            open_storage(url)  # type: ignore[arg-type]
