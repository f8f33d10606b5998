"""A new SQLite database and a new PostgreSQL schema get the same tables, read from catalogs.

The migrations are written once where the databases agree and twice only where they
differ; this test checks the result: tables, columns (name, type family, nullability,
default), indexes (columns, unique, partial), primary keys, unique constraints, foreign
keys, the number of checks of each table, and triggers (table and name). Types are
compared by family, as SQLite stores them: a PostgreSQL ``NUMERIC``, ``TIMESTAMPTZ`` or
``JSONB`` column is TEXT in SQLite, a ``BIGINT`` or ``BOOLEAN`` one INTEGER.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

import telcocore

Catalog = dict[str, set[tuple[Any, ...]]]

FAMILY = {
    "text": "text",
    "numeric": "text",
    "timestamp with time zone": "text",
    "jsonb": "text",
    "integer": "integer",
    "bigint": "integer",
    "boolean": "integer",
}
"""The SQLite type a PostgreSQL type of the migrations becomes."""

PARTS = ("columns", "indexes", "keys", "foreign", "checks", "triggers")
"""The parts of a schema compared."""


def sqlite_catalog(path: Path) -> Catalog:
    """The schema of a SQLite file, through ``sqlite_master`` and the table pragmas."""
    conn = sqlite3.connect(path)
    try:
        found: Catalog = {k: set() for k in PARTS}
        found["triggers"] = set(
            conn.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        )
        tables = [
            (name, sql)
            for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            )
        ]
        for table, sql in tables:
            info = list(conn.execute("SELECT * FROM pragma_table_info(?)", (table,)))
            for _, name, type_, notnull, default, pk in info:
                nullable = not (notnull or pk)
                found["columns"].add((table, name, type_.lower(), nullable, default is not None))
            primary = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
            found["keys"].add((table, "primary", primary))
            for _, index, unique, origin, partial in conn.execute(
                "SELECT * FROM pragma_index_list(?)", (table,)
            ):
                columns = tuple(
                    r[0]
                    for r in conn.execute(
                        "SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index,)
                    )
                )
                if origin == "c":
                    found["indexes"].add((table, index, columns, bool(unique), bool(partial)))
                elif origin == "u":
                    found["keys"].add((table, "unique", columns))
            for row in conn.execute("SELECT * FROM pragma_foreign_key_list(?)", (table,)):
                found["foreign"].add((table, row[3], row[2], row[4]))
            found["checks"].add((table, sql.upper().count("CHECK (")))
    finally:
        conn.close()
    return found


def postgres_catalog(url: str) -> Catalog:
    """The schema of a PostgreSQL schema, through ``information_schema`` and ``pg_catalog``."""
    import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need the driver

    schema = dict(parse_qsl(urlsplit(url).query))["schema"]
    found: Catalog = {k: set() for k in PARTS}
    with psycopg.connect(url.split("?", 1)[0], autocommit=True) as conn:
        found["triggers"] = set(
            conn.execute(
                "SELECT t.relname, g.tgname FROM pg_trigger AS g "
                "JOIN pg_class AS t ON t.oid = g.tgrelid "
                "JOIN pg_namespace AS n ON n.oid = t.relnamespace "
                "WHERE n.nspname = %s AND NOT g.tgisinternal",
                (schema,),
            ).fetchall()
        )
        for table, name, type_, nullable, default in conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = %s",
            (schema,),
        ):
            found["columns"].add(
                (table, name, FAMILY.get(type_, type_), nullable == "YES", default is not None)
            )
        columns_of = (
            "ARRAY(SELECT a.attname FROM unnest({keys}) WITH ORDINALITY AS k (num, pos) "
            "JOIN pg_attribute AS a ON a.attrelid = {rel} AND a.attnum = k.num ORDER BY k.pos)"
        )
        for table, index, columns, unique, partial in conn.execute(
            "SELECT t.relname, i.relname, "  # noqa: S608 - catalog SQL of the test's own
            + columns_of.format(keys="x.indkey::int2[]", rel="x.indrelid")
            + ", x.indisunique, x.indpred IS NOT NULL "
            "FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid "
            "JOIN pg_class AS t ON t.oid = x.indrelid "
            "JOIN pg_namespace AS n ON n.oid = t.relnamespace "
            "WHERE n.nspname = %s AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint AS c WHERE c.conindid = x.indexrelid)",
            (schema,),
        ):
            found["indexes"].add((table, index, tuple(columns), unique, partial))
        kinds = {"p": "primary", "u": "unique"}
        for table, kind, columns, target, target_columns in conn.execute(
            "SELECT t.relname, c.contype, "  # noqa: S608 - catalog SQL of the test's own
            + columns_of.format(keys="c.conkey", rel="c.conrelid")
            + ", f.relname, "
            + columns_of.format(keys="c.confkey", rel="c.confrelid")
            + " FROM pg_constraint AS c JOIN pg_class AS t ON t.oid = c.conrelid "
            "LEFT JOIN pg_class AS f ON f.oid = c.confrelid "
            "JOIN pg_namespace AS n ON n.oid = t.relnamespace WHERE n.nspname = %s",
            (schema,),
        ):
            if kind in kinds:
                found["keys"].add((table, kinds[kind], tuple(columns)))
            elif kind == "f":
                found["foreign"].add((table, columns[0], target, target_columns[0]))
        checks: list[tuple[str, int]] = list(
            conn.execute(
                "SELECT t.relname, count(c.oid) FROM pg_class AS t "
                "JOIN pg_namespace AS n ON n.oid = t.relnamespace "
                "LEFT JOIN pg_constraint AS c ON c.conrelid = t.oid AND c.contype = 'c' "
                "WHERE n.nspname = %s AND t.relkind = 'r' GROUP BY t.relname",
                (schema,),
            ).fetchall()
        )
        found["checks"] = set(checks)
    return found


@pytest.mark.postgres
class TestSchemaParity:
    """SQLite and PostgreSQL are migrated to one schema."""

    @pytest.fixture
    def catalogs(self, tmp_path: Path, pg_url: str) -> tuple[Catalog, Catalog]:
        """The catalogs of a new SQLite file and a new PostgreSQL schema."""
        path = tmp_path / "fresh.db"
        telcocore.connect(f"sqlite:///{path}").close()
        telcocore.connect(pg_url).close()
        return sqlite_catalog(path), postgres_catalog(pg_url)

    @pytest.mark.parametrize("part", PARTS)
    def test_the_same(self, catalogs: tuple[Catalog, Catalog], part: str) -> None:
        """The same part of the schema, item for item (what only one has is shown)."""
        sqlite, postgres = catalogs
        assert (set(), set()) == (
            sqlite[part] - postgres[part],
            postgres[part] - sqlite[part],
        )

    def test_every_domain_table_is_compared(self, catalogs: tuple[Catalog, Catalog]) -> None:
        """The catalogs are read in full: every table of every domain is there."""
        tables = {row[0] for row in catalogs[0]["columns"]}
        assert {"accounts", "balances", "outbox", "audit_entries", "dids", "contacts"} <= tables
        assert tables == {row[0] for row in catalogs[1]["columns"]}
        assert ("accounts", "accounts_version_to_balance") in catalogs[1]["triggers"]

    def test_an_index_on_one_side_only_is_seen(
        self, tmp_path: Path, catalogs: tuple[Catalog, Catalog]
    ) -> None:
        """The comparison is not blind: an extra SQLite index, column or trigger shows up."""
        path = tmp_path / "fresh.db"
        conn = sqlite3.connect(path)
        conn.execute("CREATE INDEX extra_index ON dids (did_class)")
        conn.execute("ALTER TABLE dids ADD COLUMN extra TEXT")
        conn.execute("CREATE TRIGGER extra_trigger AFTER DELETE ON dids BEGIN SELECT 1; END")
        conn.commit()
        conn.close()
        changed = sqlite_catalog(path)
        assert (
            {("dids", "extra_index", ("did_class",), False, False)},
            {("dids", "extra", "text", True, False)},
            {("dids", "extra_trigger")},
        ) == (
            changed["indexes"] - catalogs[1]["indexes"],
            changed["columns"] - catalogs[1]["columns"],
            changed["triggers"] - catalogs[1]["triggers"],
        )
