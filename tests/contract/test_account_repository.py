"""The AccountRepository contract, on every storage adapter."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest

from telcocore.accounts.errors import AccountNotFound
from telcocore.accounts.model import Account, AccountStatus
from telcocore.accounts.ports import AccountRepository
from telcocore.kernel.errors import AlreadyExists, ConcurrencyError
from telcocore.kernel.money import Money
from telcocore.platform.ports import Storage

NewAccount = Callable[..., Account]


def _stored(storage: Storage, *accounts: Account) -> None:
    with storage.unit_of_work() as uow:
        for account in accounts:
            uow.get(AccountRepository).add(account)
        uow.commit()


def _get(storage: Storage, account_id: str) -> Account:
    with storage.unit_of_work() as uow:
        return uow.get(AccountRepository).get(account_id)


def _updated(storage: Storage, account_id: str, *, name: str, status: AccountStatus) -> Account:
    with storage.unit_of_work() as uow:
        account = uow.get(AccountRepository).get(account_id)
        account.name = name
        account.change_status(status)
        uow.get(AccountRepository).update(account)
        uow.commit()
    return account


class TestAdd:
    """Adding accounts."""

    def test_every_setting_round_trips(self, storage: Storage, new_account: NewAccount) -> None:
        """An account read back equals the one stored, every setting included."""
        account = new_account(
            "acme",
            "EUR",
            status=AccountStatus.PENDING_APPROVAL,
            debit_limit=Money("12.345", "EUR"),
            channel_limit=4,
            home_country="DE",
            locale="de_DE",
            realm="acme.example",
            tax_rate=Decimal("0.19"),
            low_balance_threshold=Money("2.50", "EUR"),
        )
        _stored(storage, account)
        assert account == _get(storage, "acme")

    def test_a_taken_id_is_refused(self, storage: Storage, new_account: NewAccount) -> None:
        """A second account with the same id raises AlreadyExists and stores nothing."""
        _stored(storage, new_account("acme"))
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.get(AccountRepository).add(new_account("acme", "EUR"))
        assert "USD" == _get(storage, "acme").currency

    def test_a_refused_add_leaves_the_unit_usable(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """After AlreadyExists the same unit can still write and commit."""
        _stored(storage, new_account("acme"))
        with storage.unit_of_work() as uow:
            with pytest.raises(AlreadyExists):
                uow.get(AccountRepository).add(new_account("acme"))
            uow.get(AccountRepository).add(new_account("globex"))
            uow.commit()
        assert "globex" == _get(storage, "globex").id


class TestGet:
    """Reading one account."""

    def test_an_unknown_id_raises(self, storage: Storage) -> None:
        """get() of an id never stored raises AccountNotFound."""
        with pytest.raises(AccountNotFound), storage.unit_of_work() as uow:
            uow.get(AccountRepository).get("nobody")

    def test_changing_a_read_account_stores_nothing(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """Changing the object returned by get() changes nothing until update()."""
        _stored(storage, new_account("acme"))
        with storage.unit_of_work() as uow:
            uow.get(AccountRepository).get("acme").name = "Changed"
            uow.commit()
        assert "acme Ltd" == _get(storage, "acme").name


class TestHold:
    """Holding an account while its balance moves."""

    def test_a_held_account_is_the_stored_one(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """``hold`` reads what ``get`` reads; an unknown id raises the same error."""
        _stored(storage, new_account("acme", "EUR", debit_limit=Money("5", "EUR")))
        with storage.unit_of_work() as uow:
            assert uow.get(AccountRepository).get("acme") == uow.get(AccountRepository).hold("acme")
            with pytest.raises(AccountNotFound, match="'nobody'"):
                uow.get(AccountRepository).hold("nobody")

    def test_a_held_account_changes_only_after_the_holder_ends(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """An update from another thread waits for the unit holding the account.

        If ``hold`` took no lock, the updater would commit while the holder sleeps and its
        event would come first.
        """
        _stored(storage, new_account("acme"))
        events: list[str] = []

        def update() -> None:
            _updated(storage, "acme", name="Renamed", status=AccountStatus.INACTIVE)
            events.append("updated")

        updater = threading.Thread(target=update)
        with storage.unit_of_work() as uow:
            held = uow.get(AccountRepository).hold("acme")
            updater.start()
            updater.join(timeout=0.3)  # long enough for an unblocked update to commit
            events.append("holder done")
            uow.commit()
        updater.join()
        assert ["holder done", "updated"] == events
        assert held.name != _get(storage, "acme").name


class TestList:
    """Listing accounts."""

    def test_accounts_come_ordered_by_id(self, storage: Storage, new_account: NewAccount) -> None:
        """list() orders by id, code point by code point (upper case first)."""
        _stored(storage, *(new_account(i) for i in ("beta", "Zeta", "alpha", "a-1", "a1")))
        with storage.unit_of_work() as uow:
            ids = [a.id for a in uow.get(AccountRepository).list()]
        assert ["Zeta", "a-1", "a1", "alpha", "beta"] == ids

    def test_a_status_selects(self, storage: Storage, new_account: NewAccount) -> None:
        """list(status=...) returns only the accounts with that status."""
        _stored(
            storage,
            new_account("a", status=AccountStatus.INACTIVE),
            new_account("b"),
            new_account("c", status=AccountStatus.INACTIVE),
        )
        with storage.unit_of_work() as uow:
            ids = [a.id for a in uow.get(AccountRepository).list(status=AccountStatus.INACTIVE)]
        assert ["a", "c"] == ids

    def test_an_empty_store_lists_nothing(self, storage: Storage) -> None:
        """list() of an empty storage is empty."""
        with storage.unit_of_work() as uow:
            assert [] == uow.get(AccountRepository).list()


class TestUpdate:
    """Optimistic versions on update."""

    def test_an_update_is_stored_with_the_next_version(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """update() stores the change and increments the version, in the object too."""
        _stored(storage, new_account("acme"))
        account = _updated(storage, "acme", name="Acme Ltd", status=AccountStatus.PENALTY)
        assert 1 == account.version
        assert account == _get(storage, "acme")

    def test_the_status_column_follows_the_update(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """After a status change, list(status=...) finds the account under its new status."""
        _stored(storage, new_account("acme"))
        _updated(storage, "acme", name="acme Ltd", status=AccountStatus.INACTIVE)
        with storage.unit_of_work() as uow:
            assert ["acme"] == [
                a.id for a in uow.get(AccountRepository).list(status=AccountStatus.INACTIVE)
            ]

    def test_a_stale_update_is_refused(self, storage: Storage, new_account: NewAccount) -> None:
        """Updating from an outdated read raises ConcurrencyError and overwrites nothing."""
        _stored(storage, new_account("acme"))
        stale = _get(storage, "acme")
        fresh = _get(storage, "acme")
        fresh.name = "First writer"
        with storage.unit_of_work() as uow:
            uow.get(AccountRepository).update(fresh)
            uow.commit()
        stale.name = "Second writer"
        with pytest.raises(ConcurrencyError) as raised, storage.unit_of_work() as uow:
            uow.get(AccountRepository).update(stale)
        assert 0 == raised.value.expected_version
        assert ("First writer", 1) == (_get(storage, "acme").name, _get(storage, "acme").version)

    def test_updating_an_unknown_account_raises(
        self, storage: Storage, new_account: NewAccount
    ) -> None:
        """update() of an account never stored raises AccountNotFound."""
        with pytest.raises(AccountNotFound), storage.unit_of_work() as uow:
            uow.get(AccountRepository).update(new_account("ghost"))
