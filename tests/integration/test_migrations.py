"""Schema migrations on SQLite files and PostgreSQL schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from tests.integration import storage_workers as workers

import telcocore
from telcocore.billing.ledger.model import Transaction, TransactionKind
from telcocore.kernel.errors import SchemaVersionError, StorageError
from telcocore.kernel.money import Money
from telcocore.kernel.serialization import converter
from telcocore.platform.sql.migrations import Migration, load_migrations

SHIPPED = load_migrations("telcocore.adapters.sqlite")
PG_SHIPPED = load_migrations("telcocore.adapters.postgres")
NEWEST = SHIPPED[-1].version

EXTRA = Migration(NEWEST + 1, "extra", "CREATE TABLE extra (x INTEGER NOT NULL);\n")
BROKEN = Migration(NEWEST + 1, "broken", "CREATE TABLE half (x INTEGER);\nCREATE TABLE (;\n")


def _shipped(url: str) -> list[Migration]:
    """The migrations shipped for the database of ``url``."""
    return list(SHIPPED if url.startswith("sqlite:") else PG_SHIPPED)


def _old_transaction(
    id_: str, kind: TransactionKind, amount: str, key: str, minute: int
) -> Transaction:
    return Transaction.between(
        id=id_,
        kind=kind,
        account_id="acme",
        amount=Money(amount, "USD"),
        idempotency_key=key,
        created_at=datetime(2026, 3, 14, 15, minute, tzinfo=UTC),
        description=f"{kind.value} {key}",
    )


def _old_rows(
    url: str, transaction: Transaction, seq: int, *, entry_amount: str, balance: str
) -> list[str]:
    """The rows release 4 wrote for ``transaction``: its document, entry and system posting."""
    at = transaction.created_at.isoformat()
    if url.startswith("sqlite:"):
        at = transaction.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    document = json.dumps(converter.unstructure(transaction)).replace("'", "''")
    t, counter = transaction, transaction.postings[1]
    # Literal SQL built from the test's own constants: the helper runs statements as text.
    values = {
        "ledger_transactions (id, idempotency_key, reverses, account_id, kind, created_at, "
        "document)": f"'{t.id}', '{t.idempotency_key}', NULL, 'acme', '{t.kind.value}', "
        f"'{at}', '{document}'",
        "ledger_entries (account_id, seq, transaction_id, kind, created_at, currency, amount, "
        "balance_after, description, reverses)": f"'acme', {seq}, '{t.id}', '{t.kind.value}', "
        f"'{at}', 'USD', '{entry_amount}', '{balance}', '{t.description}', NULL",
        "system_postings (transaction_id, position, ledger_account, currency, amount)": (
            f"'{t.id}', 1, '{counter.ledger_account}', 'USD', '{counter.amount.amount}'"
        ),
    }
    return [f"INSERT INTO {table} VALUES ({row})" for table, row in values.items()]  # noqa: S608


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

    def test_transactions_move_from_documents_to_rows(self, durable_url: str) -> None:
        """Migration 5 rebuilds ledger transactions stored as documents by release 4.

        The entry's amount, written then as after - before with the balance's decimal
        places, comes back as given.
        """
        old = workers.open_with(durable_url, _shipped(durable_url)[:4])
        try:
            telcocore.TelcoCore(storage=old).accounts.open("Acme", "USD", account_id="acme")
        finally:
            old.close()
        top_up = _old_transaction("t1", TransactionKind.TOP_UP, "10.0000", "top-up", 1)
        purchase = _old_transaction("t2", TransactionKind.PURCHASE, "-0.01", "buy", 2)
        statements = [
            *_old_rows(durable_url, top_up, 1, entry_amount="10.0000", balance="10.0000"),
            *_old_rows(durable_url, purchase, 2, entry_amount="-0.0100", balance="9.9900"),
            "UPDATE balances SET amount = '9.9900', seq = 2 WHERE account_id = 'acme'",
        ]
        workers.execute(durable_url, ";\n".join(statements))
        with telcocore.connect(durable_url) as core:
            assert [top_up, purchase] == [core.ledger.get("t1"), core.ledger.get("t2")]
            assert "-0.01" == str(core.ledger.get("t2").amount.amount)
            again = core.ledger.debit(
                "acme", "0.01", idempotency_key="buy", kind=TransactionKind.PURCHASE
            )
            assert "t2" == again.id
            history = core.ledger.history("acme").entries
            assert [("10.0000", "10.0000"), ("-0.01", "9.9900")] == [
                (str(e.amount.amount), str(e.balance.amount)) for e in history
            ]
            assert Money("9.9900", "USD") == core.ledger.balance("acme")

    def test_a_newer_database_is_refused(self, durable_url: str) -> None:
        """A database of a later release raises SchemaVersionError with both versions."""
        workers.open_with(durable_url, [*_shipped(durable_url), EXTRA]).close()
        with pytest.raises(SchemaVersionError) as raised:
            telcocore.connect(durable_url)
        assert (NEWEST + 1, NEWEST) == (raised.value.found, raised.value.supported)

    @pytest.mark.parametrize("version", ["1.1", "abc"])
    def test_a_foreign_schema_version_table_is_refused(
        self, durable_url: str, version: str
    ) -> None:
        """Versions that are not whole numbers (another tool's table) are a StorageError.

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
