"""The LedgerRepository contract, on every storage adapter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from telcocore.accounts.errors import AccountNotFound
from telcocore.accounts.model import Account
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.ledger.errors import TransactionNotFound
from telcocore.billing.ledger.model import (
    BalanceChange,
    Posting,
    SystemAccount,
    Transaction,
    TransactionKind,
)
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.kernel.errors import AlreadyExists
from telcocore.kernel.money import Money
from telcocore.platform.ports import Storage, UnitOfWork
from telcocore.platform.sql.unit_of_work import SqlUnitOfWork

Opened = Callable[..., Account]
Post = Callable[..., tuple[Transaction, BalanceChange | None]]

T0 = datetime(2026, 3, 14, 15, 9, 26, 123456, tzinfo=UTC)


def _balance(storage: Storage, account_id: str = "acme") -> Money:
    with storage.unit_of_work() as uow:
        return uow.get(LedgerRepository).balance(account_id)


class TestOpenBalance:
    """Opening the balance of a new account."""

    def test_a_new_balance_is_zero_in_the_account_currency(
        self, storage: Storage, opened: Opened
    ) -> None:
        """open_balance() creates a zero balance in the given currency."""
        opened("acme", "JPY")
        assert Money("0", "JPY") == _balance(storage)

    def test_a_second_balance_is_refused(self, storage: Storage, opened: Opened) -> None:
        """open_balance() twice for one account raises AlreadyExists."""
        opened("acme")
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.get(LedgerRepository).open_balance("acme", "USD")

    def test_an_unknown_account_has_no_balance(self, storage: Storage) -> None:
        """open_balance() for an account not stored raises AccountNotFound."""
        with pytest.raises(AccountNotFound), storage.unit_of_work() as uow:
            uow.get(LedgerRepository).open_balance("ghost", "USD")

    def test_reading_an_unknown_balance_raises(self, storage: Storage) -> None:
        """balance() of an account without a balance raises AccountNotFound."""
        with pytest.raises(AccountNotFound):
            _balance(storage, "ghost")


class TestMoveBalance:
    """Moving a balance, with and without a floor."""

    def test_a_move_reports_before_after_and_seq(self, storage: Storage, opened: Opened) -> None:
        """Each move returns the balance before and after it and the next sequence number."""
        opened("acme")
        with storage.unit_of_work() as uow:
            first = uow.get(LedgerRepository).move_balance("acme", Decimal("10.00"), floor=None)
            second = uow.get(LedgerRepository).move_balance("acme", Decimal("-0.005"), floor=None)
            uow.commit()
        assert BalanceChange(Money("0", "USD"), Money("10.00", "USD"), 1) == first
        assert BalanceChange(Money("10.00", "USD"), Money("9.995", "USD"), 2) == second
        assert Money("9.995", "USD") == _balance(storage)

    def test_decimals_stay_exact(self, storage: Storage, opened: Opened) -> None:
        """Many small moves add up exactly, digits a float would lose included."""
        opened("acme")
        with storage.unit_of_work() as uow:
            for _ in range(10):
                uow.get(LedgerRepository).move_balance("acme", Decimal("0.1"), floor=None)
            uow.get(LedgerRepository).move_balance(
                "acme", Decimal("0.000000000000000000001"), floor=None
            )
            uow.commit()
        assert Decimal("1.000000000000000000001") == _balance(storage).amount

    def test_a_move_below_the_floor_is_refused(self, storage: Storage, opened: Opened) -> None:
        """With a floor, a move that would end below it returns None and changes nothing."""
        opened("acme")
        with storage.unit_of_work() as uow:
            uow.get(LedgerRepository).move_balance("acme", Decimal("5.00"), floor=None)
            refused = uow.get(LedgerRepository).move_balance(
                "acme", Decimal("-5.01"), floor=Decimal(0)
            )
            uow.commit()
        assert refused is None
        assert Money("5.00", "USD") == _balance(storage)

    def test_a_move_onto_the_floor_is_allowed(self, storage: Storage, opened: Opened) -> None:
        """A move that ends exactly on the floor goes through."""
        opened("acme")
        with storage.unit_of_work() as uow:
            change = uow.get(LedgerRepository).move_balance(
                "acme", Decimal("-5.00"), floor=Decimal("-5.00")
            )
            uow.commit()
        assert change is not None
        assert Money("-5.00", "USD") == change.after

    def test_a_refused_move_does_not_count_in_seq(self, storage: Storage, opened: Opened) -> None:
        """The sequence number counts only the moves that happened."""
        opened("acme")
        with storage.unit_of_work() as uow:
            uow.get(LedgerRepository).move_balance("acme", Decimal(-1), floor=Decimal(0))
            change = uow.get(LedgerRepository).move_balance("acme", Decimal(1), floor=None)
        assert change is not None
        assert 1 == change.seq

    def test_moving_an_unknown_balance_raises(self, storage: Storage) -> None:
        """move_balance() of an account without a balance raises AccountNotFound."""
        with pytest.raises(AccountNotFound), storage.unit_of_work() as uow:
            uow.get(LedgerRepository).move_balance("ghost", Decimal(1), floor=Decimal(0))


class TestAccountVersion:
    """The account's version a balance keeps, and the moves that ask for it."""

    def test_a_move_with_the_kept_version_happens(self, storage: Storage, opened: Opened) -> None:
        """A new balance keeps its account's version: a move given it goes through."""
        opened("acme")
        with storage.unit_of_work() as uow:
            change = uow.get(LedgerRepository).move_balance(
                "acme", Decimal(1), floor=None, account_version=0
            )
            uow.commit()
        assert change is not None
        assert Money("1.00", "USD") == _balance(storage)

    def test_a_move_with_another_version_is_refused(self, storage: Storage, opened: Opened) -> None:
        """After the account changed, a move given its old version returns None.

        In the same unit as a move before the change: the move after it reads the balance
        as the change left it.
        """
        account = opened("acme")
        with storage.unit_of_work() as uow:
            ledger = uow.get(LedgerRepository)
            ledger.move_balance("acme", Decimal(5), floor=None, account_version=0)
            uow.get(AccountRepository).update(account)
            stale = ledger.move_balance("acme", Decimal(-1), floor=None, account_version=0)
            fresh = ledger.move_balance("acme", Decimal(-2), floor=None, account_version=1)
            uow.commit()
        assert stale is None
        assert fresh is not None
        assert (Money("3.00", "USD"), 2) == (_balance(storage), fresh.seq)

    def test_held_balances_carry_it(self, storage: Storage, opened: Opened) -> None:
        """hold_balances() gives each balance the version its account has."""
        opened("acme")
        bravo = opened("bravo")
        for _ in range(2):
            with storage.unit_of_work() as uow:
                uow.get(AccountRepository).update(bravo)
                uow.commit()
        with storage.unit_of_work() as uow:
            held = uow.get(LedgerRepository).hold_balances(["acme", "bravo"])
        assert {"acme": 0, "bravo": 2} == {a: h.account_version for a, h in held.items()}

    def test_the_database_keeps_it_for_plain_sql(self, storage: Storage, opened: Opened) -> None:
        """A change of the version by SQL of its own, as any other writer's, reaches the balance.

        Only a change of the version: an UPDATE that leaves it as it is writes no balance.
        """
        opened("acme")
        opened("bravo")
        with storage.unit_of_work() as uow:
            assert isinstance(uow, SqlUnitOfWork)
            uow._session.run("UPDATE accounts SET version = version + 6 WHERE id = 'bravo'")
            uow._session.run("UPDATE balances SET account_version = 3 WHERE account_id = 'acme'")
            uow._session.run("UPDATE accounts SET status = status, version = version")
            uow.commit()
        with storage.unit_of_work() as uow:
            held = uow.get(LedgerRepository).hold_balances(["acme", "bravo"])
        assert {"acme": 3, "bravo": 6} == {a: h.account_version for a, h in held.items()}


class TestRecord:
    """Recording transactions and finding them again."""

    def test_a_recorded_transaction_reads_back_equal(
        self, storage: Storage, opened: Opened, post: Post
    ) -> None:
        """get() and by_idempotency_key() return the transaction as recorded."""
        opened("acme")
        with storage.unit_of_work() as uow:
            transaction, _ = post(uow, "10.00", "k1", at=T0)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert transaction == uow.get(LedgerRepository).get(transaction.id)
            assert transaction == uow.get(LedgerRepository).by_idempotency_key("k1")

    def test_many_keys_are_looked_up_at_once(
        self, storage: Storage, opened: Opened, post: Post
    ) -> None:
        """by_idempotency_keys() returns the posted keys' transactions and skips the others."""
        opened("acme")
        with storage.unit_of_work() as uow:
            first, _ = post(uow, "1.00", "k1", at=T0)
            second, _ = post(uow, "2.00", "k2", at=T0)
            uow.commit()
        with storage.unit_of_work() as uow:
            found = uow.get(LedgerRepository).by_idempotency_keys(["k2", "missing", "k1", "k2"])
            none = uow.get(LedgerRepository).by_idempotency_keys([])
        assert ({"k1": first, "k2": second}, {}) == (found, none)

    def test_a_transaction_with_many_postings_reads_back_equal(
        self, storage: Storage, opened: Opened
    ) -> None:
        """Postings to several system accounts and currencies keep their order and values."""
        opened("acme")
        usd, eur = Money("3.00", "USD"), Money("1.50", "EUR")
        transaction = Transaction(
            id="multi",
            kind=TransactionKind.ADJUSTMENT,
            account_id="acme",
            postings=(
                Posting("acme", usd),
                Posting("@adjustments", -usd),
                Posting("@fx", eur),
                Posting("@fx-2", -eur),
            ),
            idempotency_key="multi",
            created_at=T0,
        )
        with storage.unit_of_work() as uow:
            change = uow.get(LedgerRepository).move_balance("acme", usd.amount, floor=None)
            assert change is not None
            uow.get(LedgerRepository).record(transaction, change)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert transaction == uow.get(LedgerRepository).get("multi")
            assert Decimal("1.50") == uow.get(LedgerRepository).system_balance("@fx", "EUR")

    def test_unknown_transactions_are_not_found(self, storage: Storage) -> None:
        """get() raises TransactionNotFound; the lookups by key and reversal return None."""
        with storage.unit_of_work() as uow:
            with pytest.raises(TransactionNotFound):
                uow.get(LedgerRepository).get("nothing")
            assert uow.get(LedgerRepository).by_idempotency_key("nothing") is None
            assert uow.get(LedgerRepository).reversal_of("nothing") is None

    def test_a_taken_idempotency_key_is_refused(
        self, storage: Storage, opened: Opened, post: Post
    ) -> None:
        """A second transaction with the same key raises AlreadyExists."""
        opened("acme")
        with storage.unit_of_work() as uow:
            post(uow, "1.00", "same")
            uow.commit()
        with storage.unit_of_work() as uow:
            change = uow.get(LedgerRepository).move_balance("acme", Decimal(1), floor=None)
            assert change is not None
            other = Transaction.between(
                id="other",
                kind=TransactionKind.TOP_UP,
                account_id="acme",
                amount=Money("1.00", "USD"),
                idempotency_key="same",
                created_at=T0,
            )
            with pytest.raises(AlreadyExists) as raised:
                uow.get(LedgerRepository).record(other, change)
        assert "same" == raised.value.key
        assert Money("1.00", "USD") == _balance(storage)

    def test_a_transaction_is_reversed_once(
        self, storage: Storage, opened: Opened, post: Post
    ) -> None:
        """reversal_of() finds the reversal; a second reversal raises AlreadyExists."""
        opened("acme")
        with storage.unit_of_work() as uow:
            original, _ = post(uow, "4.00", "k1")
            reversal = original.reversal(
                id="rev-1", idempotency_key="rev-1", created_at=T0, description="oops"
            )
            change = uow.get(LedgerRepository).move_balance("acme", Decimal("-4.00"), floor=None)
            assert change is not None
            uow.get(LedgerRepository).record(reversal, change)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert reversal == uow.get(LedgerRepository).reversal_of(original.id)
            again = original.reversal(
                id="rev-2", idempotency_key="rev-2", created_at=T0, description="twice"
            )
            change = uow.get(LedgerRepository).move_balance("acme", Decimal("-4.00"), floor=None)
            assert change is not None
            with pytest.raises(AlreadyExists):
                uow.get(LedgerRepository).record(again, change)


class TestEntries:
    """The account's history: order, running balance and filters."""

    @pytest.fixture
    def history(self, storage: Storage, opened: Opened, post: Post) -> None:
        """Four postings an hour apart: top-up 10, usage -1.5, purchase -2, top-up 0.25."""
        opened("acme")
        with storage.unit_of_work() as uow:
            post(uow, "10.00", "a", at=T0)
            post(uow, "-1.5", "b", kind=TransactionKind.USAGE, at=T0 + timedelta(hours=1))
            post(uow, "-2.00", "c", kind=TransactionKind.PURCHASE, at=T0 + timedelta(hours=2))
            post(uow, "0.25", "d", at=T0 + timedelta(hours=3))
            uow.commit()

    @pytest.mark.usefixtures("history")
    def test_entries_carry_the_running_balance_in_order(self, storage: Storage) -> None:
        """Entries come by seq, each with its amount and the balance after it."""
        with storage.unit_of_work() as uow:
            entries = uow.get(LedgerRepository).entries("acme")
        actual = [(e.seq, e.transaction_id, e.amount.amount, e.balance.amount) for e in entries]
        expected = [
            (1, "tx-a", Decimal("10.00"), Decimal("10.00")),
            (2, "tx-b", Decimal("-1.5"), Decimal("8.50")),
            (3, "tx-c", Decimal("-2.00"), Decimal("6.50")),
            (4, "tx-d", Decimal("0.25"), Decimal("6.75")),
        ]
        assert expected == actual

    @pytest.mark.usefixtures("history")
    def test_an_entry_keeps_every_field(self, storage: Storage) -> None:
        """An entry's kind, instant (to the microsecond), description and currency read back."""
        with storage.unit_of_work() as uow:
            entry = uow.get(LedgerRepository).entries("acme")[1]
        assert (TransactionKind.USAGE, T0 + timedelta(hours=1), "posting b", None) == (
            entry.kind,
            entry.created_at,
            entry.description,
            entry.reverses,
        )
        assert Money("8.50", "USD") == entry.balance

    @pytest.mark.usefixtures("history")
    def test_a_time_range_includes_start_and_excludes_end(self, storage: Storage) -> None:
        """entries(start, end) keeps what was created in [start, end)."""
        with storage.unit_of_work() as uow:
            entries = uow.get(LedgerRepository).entries(
                "acme", start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=3)
            )
        assert [2, 3] == [e.seq for e in entries]

    @pytest.mark.usefixtures("history")
    def test_kinds_select_without_changing_balances(self, storage: Storage) -> None:
        """entries(kinds=...) keeps those kinds; balances still count every posting."""
        with storage.unit_of_work() as uow:
            entries = uow.get(LedgerRepository).entries(
                "acme", kinds=frozenset({TransactionKind.TOP_UP})
            )
        assert [(1, Decimal("10.00")), (4, Decimal("6.75"))] == [
            (e.seq, e.balance.amount) for e in entries
        ]

    @pytest.mark.usefixtures("history")
    def test_no_kinds_select_nothing(self, storage: Storage) -> None:
        """entries(kinds=frozenset()) is empty."""
        with storage.unit_of_work() as uow:
            assert [] == uow.get(LedgerRepository).entries("acme", kinds=frozenset())

    def test_an_account_without_postings_has_no_entries(
        self, storage: Storage, opened: Opened
    ) -> None:
        """A new account's history is empty."""
        opened("acme")
        with storage.unit_of_work() as uow:
            assert [] == uow.get(LedgerRepository).entries("acme")


class TestSums:
    """System balances and totals are sums of postings."""

    def test_system_balances_sum_their_postings(
        self, storage: Storage, opened: Opened, post: Post
    ) -> None:
        """Each system account sums its own postings, per currency; unknown ones are zero."""
        opened("acme")
        opened("yen", "JPY")
        with storage.unit_of_work() as uow:
            post(uow, "10.00", "a")
            post(uow, "2.50", "b")
            post(uow, "-0.75", "c", kind=TransactionKind.USAGE)
            post(uow, "500", "d", account_id="yen")
            uow.commit()
        with storage.unit_of_work() as uow:
            actual = (
                uow.get(LedgerRepository).system_balance(SystemAccount.CASH.value, "USD"),
                uow.get(LedgerRepository).system_balance(SystemAccount.REVENUE.value, "USD"),
                uow.get(LedgerRepository).system_balance(SystemAccount.CASH.value, "JPY"),
                uow.get(LedgerRepository).system_balance("@nothing", "USD"),
            )
        assert (Decimal("-12.50"), Decimal("0.75"), Decimal(-500), Decimal(0)) == actual

    def test_totals_are_zero_in_every_currency(
        self, storage: Storage, opened: Opened, post: Post
    ) -> None:
        """The sum of all balances is zero per currency, however money moved."""
        opened("acme")
        opened("globex")
        opened("yen", "JPY")
        with storage.unit_of_work() as uow:
            post(uow, "10.001", "a")
            post(uow, "-3.3", "b", kind=TransactionKind.USAGE, account_id="globex")
            post(uow, "7", "c", account_id="yen")
            uow.commit()
        with storage.unit_of_work() as uow:
            assert {"USD": 0, "JPY": 0} == uow.get(LedgerRepository).totals()

    def test_an_empty_ledger_has_no_totals(self, storage: Storage) -> None:
        """totals() of an empty storage is empty."""
        with storage.unit_of_work() as uow:
            assert {} == uow.get(LedgerRepository).totals()


def _added(uow: UnitOfWork, key: str, amount: str = "10.00") -> Transaction:
    """Move acme's balance by ``amount`` and store ``tx-<key>`` with add()."""
    transaction = Transaction.between(
        id=f"tx-{key}",
        kind=TransactionKind.TOP_UP,
        account_id="acme",
        amount=Money(amount, "USD"),
        idempotency_key=key,
        created_at=T0,
        description=f"posting {key}",
    )
    ledger = uow.get(LedgerRepository)
    change = ledger.move_balance("acme", Decimal(amount), floor=None)
    assert change is not None
    ledger.add(transaction, change)
    return transaction


def _add_and_commit(storage: Storage, *, key: str, id_: str) -> None:
    """One unit: move acme's balance by 5.00, add() transaction ``id_`` with ``key``, commit."""
    transaction = Transaction.between(
        id=id_,
        kind=TransactionKind.TOP_UP,
        account_id="acme",
        amount=Money("5.00", "USD"),
        idempotency_key=key,
        created_at=T0,
    )
    with storage.unit_of_work() as uow:
        ledger = uow.get(LedgerRepository)
        change = ledger.move_balance("acme", Decimal("5.00"), floor=None)
        assert change is not None
        ledger.add(transaction, change)
        uow.commit()


class TestAdd:
    """Storing a transaction whose key is taken to be new, its rows sent with the commit."""

    def test_an_added_transaction_is_stored_by_the_commit(
        self, storage: Storage, opened: Opened
    ) -> None:
        """add() then commit() stores the transaction, its entry and its system posting."""
        opened("acme")
        with storage.unit_of_work() as uow:
            added = _added(uow, "k1")
            uow.commit()
        with storage.unit_of_work() as uow:
            ledger = uow.get(LedgerRepository)
            assert added == ledger.get("tx-k1")
            assert added == ledger.by_idempotency_key("k1")
            assert [Decimal("10.00")] == [e.amount.amount for e in ledger.entries("acme")]
            assert Decimal("-10.00") == ledger.system_balance("@cash", "USD")

    def test_the_unit_reads_what_it_added(self, storage: Storage, opened: Opened) -> None:
        """A statement after add() in the same unit sees the added rows."""
        opened("acme")
        with storage.unit_of_work() as uow:
            added = _added(uow, "k1")
            assert added == uow.get(LedgerRepository).by_idempotency_key("k1")

    def test_without_a_commit_nothing_is_stored(self, storage: Storage, opened: Opened) -> None:
        """A unit that adds and is not committed leaves no row and the balance as it was."""
        opened("acme")
        with storage.unit_of_work() as uow:
            _added(uow, "k1")
        with storage.unit_of_work() as uow:
            ledger = uow.get(LedgerRepository)
            assert ledger.by_idempotency_key("k1") is None
            assert [] == ledger.entries("acme")
        assert Money("0", "USD") == _balance(storage)

    def test_a_taken_key_raises_already_exists_and_stores_nothing(
        self, storage: Storage, opened: Opened
    ) -> None:
        """add() with a key already stored fails by the commit at the latest; nothing moves."""
        opened("acme")
        with storage.unit_of_work() as uow:
            first = _added(uow, "k1")
            uow.commit()
        with pytest.raises(AlreadyExists):
            _add_and_commit(storage, key="k1", id_="tx-other")
        assert Money("10.00", "USD") == _balance(storage)
        with storage.unit_of_work() as uow:
            assert first == uow.get(LedgerRepository).by_idempotency_key("k1")
            assert 1 == len(uow.get(LedgerRepository).entries("acme"))
