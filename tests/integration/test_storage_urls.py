"""The storage URLs connect() understands."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import telcocore
from telcocore.core import open_storage
from telcocore.errors import ConfigurationError
from telcocore.money import Money


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

    @pytest.mark.parametrize(
        "url",
        [
            "sqlite://host/telco.db",
            "sqlite://",
            "sqlite:///telco.db?journal=off",
            "sqlite:///telco.db?synchronous=off",
            "sqlite:///telco.db?busy_timeout=soon",
        ],
    )
    def test_a_malformed_url_is_refused(self, url: str) -> None:
        """A host, no path, an unknown option or a bad value raises ConfigurationError."""
        with pytest.raises(ConfigurationError):
            open_storage(url)


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
