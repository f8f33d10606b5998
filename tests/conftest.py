"""Fixtures shared by the contract and integration tests: storage over every adapter.

``storage`` and ``core`` are parametrized over memory, SQLite (a real file in the test's
temporary directory) and PostgreSQL. The PostgreSQL tests read the server's address from
``TELCOCORE_TEST_PG_DSN`` (e.g. ``postgresql://postgres@127.0.0.1:5432/test``) and are
skipped when it is unset; each test works in a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from telcocore import TelcoCore
from telcocore.accounts.model import Account
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.ledger.model import BalanceChange, LedgerEntry, Transaction, TransactionKind
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.billing.ledger.services import MAX_HISTORY_LIMIT
from telcocore.core import open_storage
from telcocore.kernel.money import Money
from telcocore.platform.ports import Storage, UnitOfWork
from telcocore.testing import CapturingNotifier, FixedClock, sequential_ids

collect_ignore = ["fixtures/make_schema5.py"]
"""Made the schema-5 fixtures with the earlier release; run by hand, not collected."""

# The integration tests' child processes are spawned: fresh interpreters that get this
# process's sys.path. With the project root on it, they import
# tests.integration.storage_workers by name, whatever pytest's import mode.
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# The `telcocore` command's fixtures (`cli`, `db_url`), in a module of their own: a second
# conftest.py would clash with tests/unit's under --doctest-modules.
pytest_plugins = ["tests.cli.harness"]

PG_DSN_VARIABLE = "TELCOCORE_TEST_PG_DSN"

START = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
"""The instant the contract tests' clocks start at."""

ADAPTERS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
"""The storage adapters every contract test runs on."""

DURABLE_ADAPTERS = ADAPTERS[1:]
"""The adapters that keep data in a database other processes can open."""


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers the storage tests use."""
    config.addinivalue_line(
        "markers",
        "postgres: needs a PostgreSQL server, reached through the DSN in TELCOCORE_TEST_PG_DSN",
    )
    config.addinivalue_line("markers", "slow: starts several processes")


def load_module(path: Path, name: str) -> ModuleType:
    """The Python file ``path`` (an example, a script, noxfile.py) loaded as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pg_dsn() -> str:
    """The PostgreSQL server of the tests, or skip the test with the reason."""
    dsn = os.environ.get(PG_DSN_VARIABLE)
    if not dsn:
        pytest.skip(
            f"{PG_DSN_VARIABLE} is not set; set it to run the PostgreSQL tests, e.g. "
            f"{PG_DSN_VARIABLE}=postgresql://postgres@127.0.0.1:5432/test"
        )
    return dsn


def with_schema(dsn: str, schema: str) -> str:
    """``dsn`` with ``?schema=`` added."""
    parts = urlsplit(dsn)
    query = [*parse_qsl(parts.query), ("schema", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def drop_schema(dsn: str, schema: str) -> None:
    """Drop a test schema and everything in it."""
    import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need the driver

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose schema is this test's own; the schema is dropped after it."""
    dsn = pg_dsn()
    schema = f"telco_test_{uuid.uuid4().hex[:12]}"
    yield with_schema(dsn, schema)
    drop_schema(dsn, schema)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite URL of a file in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'telco.db'}"


def url_for(adapter: str, request: pytest.FixtureRequest) -> str:
    """The storage URL of ``adapter`` for the requesting test."""
    if adapter == "memory":
        return "memory://"
    if adapter == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=ADAPTERS)
def storage_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh, empty storage of each adapter."""
    return url_for(str(request.param), request)


@pytest.fixture(params=DURABLE_ADAPTERS)
def durable_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh, empty SQLite file or PostgreSQL schema."""
    return url_for(str(request.param), request)


@pytest.fixture
def storage(storage_url: str) -> Iterator[Storage]:
    """An open storage of each adapter, closed after the test."""
    opened = open_storage(storage_url)
    yield opened
    opened.close()


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at :data:`START`."""
    return FixedClock(START)


@pytest.fixture
def notifier() -> CapturingNotifier:
    """A notifier that keeps what it is asked to send."""
    return CapturingNotifier()


@pytest.fixture
def core(storage: Storage, clock: FixedClock, notifier: CapturingNotifier) -> TelcoCore:
    """The services on each storage, with a fixed clock, a notifier and readable ids."""
    return TelcoCore(storage=storage, clock=clock, notifier=notifier, ids=sequential_ids("t"))


# -- builders for the contract tests ------------------------------------------------------


def make_account(account_id: str = "acme", currency: str = "USD", **settings: Any) -> Account:  # noqa: ANN401
    """An account opened at :data:`START`."""
    return Account(
        id=account_id, name=f"{account_id} Ltd", currency=currency, created_at=START, **settings
    )


@pytest.fixture
def new_account() -> Callable[..., Account]:
    """Builds accounts: ``new_account("acme", "USD", debit_limit=...)``."""
    return make_account


@pytest.fixture
def opened(storage: Storage) -> Callable[..., Account]:
    """Stores an account with its zero balance, committed: ``opened("acme", "JPY")``."""

    def open_one(account_id: str = "acme", currency: str = "USD", **settings: Any) -> Account:  # noqa: ANN401
        account = make_account(account_id, currency, **settings)
        with storage.unit_of_work() as uow:
            uow.get(AccountRepository).add(account)
            uow.get(LedgerRepository).open_balance(account.id, account.currency)
            uow.commit()
        return account

    return open_one


def post_one(  # noqa: PLR0913 - every part of the posting, with defaults
    uow: UnitOfWork,
    amount: str,
    key: str,
    *,
    account_id: str = "acme",
    kind: TransactionKind = TransactionKind.TOP_UP,
    at: datetime = START,
    floor: Decimal | None = None,
) -> tuple[Transaction, BalanceChange | None]:
    """Move the balance by ``amount`` and, unless refused, record transaction ``tx-<key>``."""
    currency = uow.get(LedgerRepository).balance(account_id).currency
    transaction = Transaction.between(
        id=f"tx-{key}",
        kind=kind,
        account_id=account_id,
        amount=Money(amount, currency),
        idempotency_key=key,
        created_at=at,
        description=f"posting {key}",
    )
    change = uow.get(LedgerRepository).move_balance(account_id, Decimal(amount), floor=floor)
    if change is not None:
        uow.get(LedgerRepository).record(transaction, change)
    return transaction, change


@pytest.fixture
def post() -> Callable[..., tuple[Transaction, BalanceChange | None]]:
    """Posts a transaction inside a unit of work: ``post(uow, "10.00", "key-1")``."""
    return post_one


def whole_history(core: TelcoCore, account_id: str) -> list[LedgerEntry]:
    """Every entry of the account's history, page after page."""
    entries: list[LedgerEntry] = []
    after: int | None = 0
    while after is not None:
        page = core.ledger.history(account_id, limit=MAX_HISTORY_LIMIT, after=after)
        entries += page.entries
        after = page.next_after
    return entries
