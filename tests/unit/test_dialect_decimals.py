"""Stored decimals read back by the dialects: exact and finite, or a StorageError."""

from __future__ import annotations

from decimal import Decimal

import pytest

from telcocore import StorageError
from telcocore.platform.sql.dialect import Dialect
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
