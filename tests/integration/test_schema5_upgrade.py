"""Databases written by the last release of the flat layout (schema 5) upgrade in place.

The fixtures were made by that release (commit 864b26a) with ``tests/fixtures/
make_schema5.py``: a SQLite file and a ``pg_dump`` of a PostgreSQL schema, each holding rows
of every domain. Opening one with this release takes it over: nothing is lost, and opening
it again changes nothing.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from tests.integration import storage_workers as workers

import telcocore
from telcocore.adapters.postgres import PostgresStorage
from telcocore.adapters.sqlite import SqliteStorage
from telcocore.domains import SQL_DOMAINS
from telcocore.kernel.errors import StorageError
from telcocore.kernel.money import Money
from telcocore.platform.sql.dialect import Dialect
from telcocore.platform.sql.migrations import EARLIER_LAYOUT_VERSION, LAYOUT_MARKER
from telcocore.platform.sql.postgres import PostgresDialect
from telcocore.platform.sql.sqlite import SqliteDialect

FIXTURES = Path(__file__).parent.parent / "fixtures"
PASSWORD = "correct horse battery staple 5"  # what make_schema5.py gave Ann
TABLES = (
    "accounts",
    "balances",
    "ledger_transactions",
    "ledger_entries",
    "system_postings",
    "outbox",
    "audit_head",
    "audit_entries",
    "number_range",
    "number_free",
    "number_blocks",
    "extensions",
    "block_list",
    "dids",
    "contacts",
)
EARLIER_COLUMNS = {
    "outbox": "position, id, message, attempts, sent_at, last_error, next_attempt_at",
    "balances": "account_id, currency, amount, seq",
}
"""The columns of the earlier layout, in tables that newer migrations gave more columns."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def schema5_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a copy of the schema-5 fixture of each database."""
    if request.param == "sqlite":
        path = tmp_path / "schema5.sqlite"
        shutil.copyfile(FIXTURES / "schema5.sqlite", path)
        return f"sqlite:///{path}"
    url = str(request.getfixturevalue("pg_url"))
    import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need the driver

    schema = dict(parse_qsl(urlsplit(url).query))["schema"]
    dump = (FIXTURES / "schema5.postgresql.sql").read_text(encoding="utf-8")
    with psycopg.connect(url.split("?", 1)[0], autocommit=True) as conn:
        conn.execute(dump.replace("{schema}", f'"{schema}"').encode())
    return url


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every domain table, sorted."""
    return {
        table: sorted(
            workers.query(url, f"SELECT {EARLIER_COLUMNS.get(table, '*')} FROM {table}"),  # noqa: S608
            key=repr,
        )
        for table in TABLES
    }


def _records(url: str) -> list[tuple[Any, ...]]:
    return list(
        workers.query(
            url, "SELECT module, version, applied_at FROM schema_migrations ORDER BY 1, 2"
        )
    )


class TestSchema5Upgrade:
    """A schema-5 database of each kind opens, upgraded, with every row readable."""

    def test_the_fixture_is_of_the_earlier_layout(self, schema5_url: str) -> None:
        """Before opening: the flat schema_version table at 5, and rows in every table."""
        assert [(5,)] == workers.query(schema5_url, "SELECT MAX(version) FROM schema_version")
        assert [] == [table for table, rows in _rows(schema5_url).items() if not rows]

    def test_rows_are_kept_and_the_baselines_recorded(self, schema5_url: str) -> None:
        """Taking over changes no row, records each domain's baseline, drops the old table.

        The migrations newer than the baselines are applied and recorded after it (the
        outbox's claim token: a new column, NULL in every row).
        """
        before = _rows(schema5_url)
        telcocore.connect(schema5_url).close()
        expected = sorted(
            (m.module, v.version, v.name)
            for m in workers.shipped(schema5_url)
            for v in m.migrations
        )
        recorded = workers.query(
            schema5_url, "SELECT module, version, name FROM schema_migrations ORDER BY 1, 2"
        )
        assert (before, expected) == (_rows(schema5_url), [tuple(r) for r in recorded])
        marked = workers.query(schema5_url, "SELECT MAX(version) FROM schema_version")
        assert [(LAYOUT_MARKER,)] == [tuple(r) for r in marked]
        assert [(None,)] == workers.query(schema5_url, "SELECT DISTINCT claim_token FROM outbox")
        held = workers.query(schema5_url, "SELECT DISTINCT held FROM balances")
        assert [Decimal(0)] == [Decimal(r[0]) for r in held]

    def test_balances_keep_their_accounts_versions(self, schema5_url: str) -> None:
        """Each balance is given its account's version (Acme was changed once, Bolt never)."""
        telcocore.connect(schema5_url).close()
        kept = workers.query(
            schema5_url,
            "SELECT b.account_id, b.account_version, a.version FROM balances AS b "
            "JOIN accounts AS a ON a.id = b.account_id ORDER BY 1",
        )
        assert [("acme", 1, 1), ("bolt", 0, 0)] == [tuple(r) for r in kept]

    def test_every_domain_reads_through_the_services(self, schema5_url: str) -> None:
        """Balances, history, contacts, outbox, audit chain and numbering all read back."""
        with telcocore.connect(schema5_url) as core:
            history = core.ledger.history("acme").entries
            ann = core.contacts.authenticate("ann@example.com", PASSWORD)
            blocks = core.numbering.blocks()
            assert (
                Money("9.99", "USD"),
                Money("1.23", "EUR"),
                [Decimal("10.00"), Decimal("-0.0100"), Decimal("-2.5"), Decimal("2.5")],
                ["Acme", "Bolt"],
                ("ann", ["ann", "bo"]),
                1,
                None,
                [("acme", 1000, 1099), ("bolt", 1100, 1199)],
                ["1001"],
                ["+12025550123"],
                ["+12025550199"],
            ) == (
                core.ledger.balance("acme"),
                core.ledger.balance("bolt"),
                [e.amount.amount for e in history],
                sorted(a.name for a in core.accounts.list()),
                (ann.id, [c.id for c in core.contacts.list("acme")]),
                core.outbox.counts().due,
                core.audit.verify_chain(),
                [(b.account_id, b.first, b.last) for b in blocks],
                [e.name for e in core.numbering.extensions("acme")],
                [e.pattern for e in core.numbering.block_list("acme")],
                [d.number for d in core.numbering.dids("acme")],
            )

    def test_writes_go_on_after_the_upgrade(self, schema5_url: str) -> None:
        """New postings, contacts and audit entries follow the old ones."""
        with telcocore.connect(schema5_url) as core:
            core.ledger.credit("acme", "0.01", idempotency_key="after-upgrade")
            core.contacts.add("bolt", "Cy", "cy@example.com", contact_id="cy")
            core.numbering.assign_block("acme")
            assert (Money("10.00", "USD"), 5, None) == (
                core.ledger.balance("acme"),
                len(core.ledger.history("acme").entries),
                core.audit.verify_chain(),
            )

    def test_opening_again_changes_nothing(self, schema5_url: str) -> None:
        """A second open finds nothing to do: same records, same rows."""
        telcocore.connect(schema5_url).close()
        before = (_records(schema5_url), _rows(schema5_url))
        telcocore.connect(schema5_url).close()
        assert before == (_records(schema5_url), _rows(schema5_url))


class TestPartialTakeover:
    """A schema-5 database holds every earlier domain's tables: it upgrades whole or not at all."""

    def test_opening_it_with_some_domains_is_refused_and_changes_nothing(
        self, schema5_url: str
    ) -> None:
        """A storage given only some domains would record only theirs: it is refused."""
        before = _rows(schema5_url)
        accounts_only = [d for d in SQL_DOMAINS if d.name == "accounts"]
        if schema5_url.startswith("sqlite"):
            dialect: Dialect[Any] = SqliteDialect(busy_timeout_ms=1000)
            storage_class: Any = SqliteStorage
        else:
            dialect = PostgresDialect(dict(parse_qsl(urlsplit(schema5_url).query))["schema"])
            storage_class = PostgresStorage
        only = [domain.migrations(dialect) for domain in accounts_only]
        with pytest.raises(StorageError, match=r"missing: audit, billing\.ledger, contacts"):
            storage_class.from_url(schema5_url, migrations=only)
        assert before == _rows(schema5_url)
        assert [(EARLIER_LAYOUT_VERSION,)] == [
            tuple(r) for r in workers.query(schema5_url, "SELECT MAX(version) FROM schema_version")
        ]
