"""An account changed by SQL outside the library, as a process of an earlier release would.

Such a writer knows nothing of the balance's copy of the account's version; the database
keeps it (a trigger). A core that posted on the account before, and so judges the next
debit by the account as it read it then, finds the version changed and judges the debit
by the account as stored: a blocked account or a lowered debit limit refuses it. On SQLite
files and PostgreSQL the SQL runs on a connection of its own (on PostgreSQL naming the
table by its schema, the search_path left as the server's); in memory, on the storage's.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qsl, urlsplit

import pytest

from telcocore import AccountNotActive, DebitLimitExceeded, TelcoCore, TelcoError
from telcocore.kernel.money import Money
from telcocore.platform.sql.unit_of_work import SqlUnitOfWork

_CHANGES: dict[str, tuple[dict[str, str], str, str, type[TelcoError]]] = {
    # Document fields set (as JSON), the status column, the debit refused and its refusal.
    # 9.00 - 12.00 fits the old limit (5.00), not the new one (0.00).
    "limit lowered": ({"debit_limit.amount": '"0.00"'}, "active", "12.00", DebitLimitExceeded),
    "blocked": ({"status": '"penalty"'}, "penalty", "1.00", AccountNotActive),
}


def _update(url: str, fields: dict[str, str], status: str) -> str:
    """The UPDATE an earlier release's change amounts to: the document, status and version."""
    if url.startswith("postgres"):
        table = f'"{dict(parse_qsl(urlsplit(url).query))["schema"]}".accounts'
        document = "document"
        values = {f: f"'{value}'::jsonb" for f, value in fields.items()}
        for field, value in {**values, "version": "to_jsonb(version + 1)"}.items():
            document = f"jsonb_set({document}, '{{{field.replace('.', ',')}}}', {value})"
    else:
        table = "accounts"
        pairs = [f"'$.{field}', json('{value}')" for field, value in fields.items()]
        document = f"json_set(document, {', '.join(pairs)}, '$.version', version + 1)"
    return (
        f"UPDATE {table} SET version = version + 1, status = '{status}', "  # noqa: S608
        f"document = {document} WHERE id = 'acme'"
    )


def _run_elsewhere(core: TelcoCore, url: str, sql: str) -> None:
    """Run ``sql``, committed, on a connection of its own (in memory: the storage's)."""
    if url == "memory://":
        with core.storage.unit_of_work() as uow:
            assert isinstance(uow, SqlUnitOfWork)
            uow._session.run(sql)
            uow.commit()
    elif url.startswith("sqlite:"):
        conn = sqlite3.connect(urlsplit(url).path[1:], isolation_level=None)
        conn.execute(sql)
        conn.close()
    else:
        import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need the driver

        with psycopg.connect(url.split("?", 1)[0], autocommit=True) as pg:
            pg.execute(sql.encode())


def _versions(core: TelcoCore) -> tuple[int, int]:
    """The account's version and the one its balance holds."""
    with core.storage.unit_of_work(read_only=True) as uow:
        assert isinstance(uow, SqlUnitOfWork)
        row = uow._session.one(
            "SELECT a.version, b.account_version FROM accounts AS a "
            "JOIN balances AS b ON b.account_id = a.id WHERE a.id = 'acme'"
        )
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize("change", sorted(_CHANGES))
def test_a_debit_after_a_change_by_sql_obeys_it(
    core: TelcoCore, storage_url: str, change: str
) -> None:
    """The balance holds the account's new version, and the debit is refused by the change."""
    fields, status, amount, refusal = _CHANGES[change]
    core.accounts.open("Acme", "USD", account_id="acme", debit_limit="5.00")
    core.ledger.credit("acme", "10.00", idempotency_key="seed")
    core.ledger.debit("acme", "1.00", idempotency_key="first")  # the ledger has seen it
    _run_elsewhere(core, storage_url, _update(storage_url, fields, status))
    assert (1, 1) == _versions(core)
    with pytest.raises(refusal):
        core.ledger.debit("acme", amount, idempotency_key="after")
    assert Money("9.00", "USD") == core.ledger.balance("acme")
    assert 2 == len(core.ledger.history("acme").entries)


def test_the_changed_account_reads_back(core: TelcoCore, storage_url: str) -> None:
    """The SQL above changes the account as the library would have: it reads back so."""
    core.accounts.open("Acme", "USD", account_id="acme", debit_limit="5.00")
    for change in ("limit lowered", "blocked"):
        fields, status, _, _ = _CHANGES[change]
        _run_elsewhere(core, storage_url, _update(storage_url, fields, status))
    account = core.accounts.get("acme")
    assert (2, "penalty", Money("0.00", "USD")) == (
        account.version,
        account.status.value,
        account.debit_limit,
    )
