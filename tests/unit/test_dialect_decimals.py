"""Stored decimals read back by the dialects: exact and finite, or a StorageError."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from telcocore import InvalidAmount, StorageError
from telcocore.adapters.sqlite.storage import SqliteStorage
from telcocore.platform.sql.dialect import Dialect, Row
from telcocore.platform.sql.postgres import PostgresDialect
from telcocore.platform.sql.sqlite import SqliteDialect

DIALECTS = [SqliteDialect(busy_timeout_ms=0), PostgresDialect(None)]


@pytest.mark.parametrize("dialect", DIALECTS, ids=["sqlite", "postgres"])
class TestDecimalFromDb:
    """What a driver returns for a decimal column: a Decimal, text or an integer."""

    def test_a_finite_decimal_is_read_as_it_is(self, dialect: Dialect[object]) -> None:
        """The driver's own Decimal, with its exponent."""
        stored = Decimal("1.2300")
        read = dialect.decimal_from_db(stored)
        assert (stored, "1.2300") == (read, str(read))

    @pytest.mark.parametrize(
        ("stored", "expected"), [("0.0001", "0.0001"), ("-12.50", "-12.50"), (7, "7")]
    )
    def test_text_and_integers(
        self, dialect: Dialect[object], stored: object, expected: str
    ) -> None:
        """Exactly, digits and exponent kept."""
        assert expected == str(dialect.decimal_from_db(stored))

    @pytest.mark.parametrize(
        "stored",
        [Decimal("NaN"), Decimal("Infinity"), "-Infinity", "abc", "", True, None, 1.5],
    )
    def test_anything_else_is_a_storage_error(
        self, dialect: Dialect[object], stored: object
    ) -> None:
        """Not a finite number, a bool, None or a float: the row is corrupt."""
        with pytest.raises(StorageError, match="is not a finite number"):
            dialect.decimal_from_db(stored)


class TestFiniteDecimalColumns:
    """Columns a CHECK keeps finite, read in one go."""

    def test_sqlite_reads_the_text_as_decimals(self) -> None:
        """Each value of the columns asked for as decimal_from_db reads it; NULL stays None."""
        read = SqliteDialect(busy_timeout_ms=0).finite_decimals_in_rows(
            [("a", "1.50", "2"), ("b", "-0.0001", None), ("c", 7, "3")], [1, 2]
        )
        assert [("a", "1.50", "2"), ("b", "-0.0001", None), ("c", "7", "3")] == [
            tuple(None if value is None else str(value) for value in row) for row in read
        ]
        assert {Decimal, type(None)} == {type(value) for row in read for value in row[1:]}

    def test_sqlite_still_refuses_what_is_not_a_number(self) -> None:
        """Its check allows text no Decimal reads (``1.2.3``): a StorageError, not a crash."""
        with pytest.raises(StorageError, match="is not a finite number"):
            SqliteDialect(busy_timeout_ms=0).finite_decimals_in_rows([("1",), ("1.2.3",)], [0])

    def test_postgres_takes_the_drivers_decimals_as_they_are(self) -> None:
        """The very objects psycopg made: nothing converted or checked again."""
        rows: list[Row] = [(Decimal("1.2300"), Decimal(-5))]
        assert rows is PostgresDialect(None).finite_decimals_in_rows(rows, [0, 1])


class TestSqliteDecimals:
    """SQLite writes decimals as fixed-point text and adds that text exactly."""

    @pytest.mark.parametrize(
        ("value", "text"),
        [("1E+3", "1000"), ("-0.00", "-0.00"), ("1E-9", "0.000000001"), ("12.3400", "12.3400")],
    )
    def test_written_as_fixed_point(self, value: str, text: str) -> None:
        """Never an exponent; the places as given."""
        assert text == SqliteDialect(busy_timeout_ms=0).decimal_to_db(Decimal(value))

    @pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
    def test_no_text_for_what_is_not_finite(self, value: str) -> None:
        """NaN and infinities are refused, naming the amount."""
        with pytest.raises(InvalidAmount, match="finite"):
            SqliteDialect(busy_timeout_ms=0).decimal_to_db(Decimal(value))

    @pytest.mark.parametrize(
        ("left", "right", "total"),
        [
            ("0.1", "0.2", "0.3"),  # as binary floats: 0.30000000000000004
            ("1.50", "0", "1.50"),
            ("0", "0.0001", "0.0001"),
            ("99999999999999.999999999999", "0.000000000001", "100000000000000.000000000000"),
            ("-2.5", "2.5", "0.0"),
            (None, "1", None),
            ("1", None, None),
        ],
    )
    def test_decimal_add_in_the_database(
        self, tmp_path: Path, left: str | None, right: str | None, total: str | None
    ) -> None:
        """``decimal_add`` on a connection as the SQLite storage opens it: exact text."""
        storage = SqliteStorage(tmp_path / "add.db")
        conn = storage._open()
        try:
            [(added,)] = conn.execute("SELECT decimal_add(?, ?)", (left, right)).fetchall()
        finally:
            conn.close()
            storage.close()
        assert total == added

    def test_decimal_add_refuses_what_is_not_finite(self, tmp_path: Path) -> None:
        """A stored NaN has no sum: the statement fails rather than store ``NaN``."""
        storage = SqliteStorage(tmp_path / "add.db")
        conn = storage._open()
        try:
            with pytest.raises(sqlite3.OperationalError, match="user-defined function"):
                conn.execute("SELECT decimal_add('NaN', '1')").fetchall()
        finally:
            conn.close()
            storage.close()
