"""The accounts' repository on every SQL database.

An account is stored as a JSON document made by
:data:`telcocore.kernel.serialization.converter`, next to the columns queries need (``id``,
``version``, ``status``, the lower-cased ``realm``, unique).
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from typing import Any, Final

from telcocore.accounts.errors import AccountNotFound
from telcocore.accounts.model import Account, AccountStatus
from telcocore.accounts.ports import AccountRepository
from telcocore.kernel.errors import AlreadyExists, ConcurrencyError
from telcocore.platform.sql.dialect import Row, Session
from telcocore.platform.sql.rows import from_document, json_key, to_document
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlAccountRepository"]

_REALM: Final = f"{Account.ENTITY} with realm"
_SELECT_DOCUMENT: Final = "SELECT document FROM accounts WHERE id = ?"


@functools.lru_cache(maxsize=1024)
def _structured_account(document: str) -> Account:
    """The account a stored JSON document holds; the same text always gives an equal account.

    Structuring an account runs every converter and validator on every field, and the
    ledger reads the account on each posting while the document rarely changes, so the
    result is kept per document text. Callers get a shallow copy (:func:`copy.copy`) to
    change as they like: every field of an account is an immutable value. The document is
    still read from the database in the caller's own transaction each time; only turning
    the same text into an object again is saved.
    """
    return from_document(json.loads(document), Account)


def _realm_key(account: Account) -> str | None:
    return None if account.realm is None else account.realm.lower()


class SqlAccountRepository:
    """Accounts as JSON documents with their id, version and status as columns."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def _account(self, row: Row) -> Account:
        stored = row[0]
        # The key is the stored document itself, exactly (as text, whatever the driver
        # hands back), so a cached account is one structured from the very same document.
        key = stored if isinstance(stored, str) else json_key(self._s.dialect, stored)
        return copy.copy(_structured_account(key))

    def add(self, account: Account) -> None:
        """Store a new account; :class:`~telcocore.AlreadyExists` if its id or realm is."""
        inserted = self._s.run(
            "INSERT INTO accounts (id, version, status, realm, document) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (
                account.id,
                account.version,
                account.status.value,
                _realm_key(account),
                to_document(self._s.dialect, account, account.version),
            ),
        )
        if not inserted:
            if self._s.one("SELECT 1 FROM accounts WHERE id = ?", (account.id,)) is None:
                raise AlreadyExists(_REALM, account.realm)
            raise AlreadyExists(Account.ENTITY, account.id)

    def get(self, account_id: str) -> Account:
        """The account, or :class:`~telcocore.AccountNotFound`."""
        return self._read(account_id, "")

    def hold(self, account_id: str) -> Account:
        """The account, share-locked until the transaction ends (see the dialect)."""
        return self._read(account_id, self._s.dialect.share_lock)

    def get_later(self, account_id: str) -> Callable[[], Account]:
        """:meth:`get`, its query sent with the next statement the unit runs.

        On PostgreSQL both go in one round trip.
        """
        pending = self._s.read_later(_SELECT_DOCUMENT, (account_id,))
        return lambda: self._found(account_id, pending.one())

    def _read(self, account_id: str, lock: str) -> Account:
        return self._found(account_id, self._s.one(_SELECT_DOCUMENT + lock, (account_id,)))

    def _found(self, account_id: str, row: Row | None) -> Account:
        if row is None:
            raise AccountNotFound(account_id)
        return self._account(row)

    def list(self, *, status: AccountStatus | None = None) -> list[Account]:
        """All accounts (with ``status``, if given), ordered by id."""
        if status is None:
            rows = self._s.all("SELECT document FROM accounts ORDER BY id")
        else:
            rows = self._s.all(
                "SELECT document FROM accounts WHERE status = ? ORDER BY id", (status.value,)
            )
        return [self._account(row) for row in rows]

    def update(self, account: Account) -> None:
        """Store ``account`` if its version is still the stored one, and bump the version.

        Else :class:`~telcocore.ConcurrencyError` (or
        :class:`~telcocore.AccountNotFound`). The database writes the new version on the
        account's balance too, in the same statement (the ledger's trigger).
        """
        version = account.version + 1
        try:
            updated = self._s.run(
                "UPDATE accounts SET version = ?, status = ?, realm = ?, document = ? "
                "WHERE id = ? AND version = ?",
                (
                    version,
                    account.status.value,
                    _realm_key(account),
                    to_document(self._s.dialect, account, version),
                    account.id,
                    account.version,
                ),
            )
        except AlreadyExists:
            raise AlreadyExists(_REALM, account.realm) from None
        if not updated:
            if self._s.one("SELECT 1 FROM accounts WHERE id = ?", (account.id,)) is None:
                raise AccountNotFound(account.id)
            raise ConcurrencyError(Account.ENTITY, account.id, account.version)
        # The database's trigger wrote the new version on the account's balance row: what
        # the transaction remembers of rows (the ledger's last move) is read again.
        self._s.memo.clear()
        account.version = version


STORAGE = SqlDomain("accounts", {AccountRepository: SqlAccountRepository}, baseline=1)
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
