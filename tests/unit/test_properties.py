"""Ledger invariants over random sequences of operations and retries (hypothesis)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests.conftest import whole_history

from telcocore import (
    AccountNotActive,
    AccountStatus,
    AlreadyReversed,
    DebitLimitExceeded,
    IdempotencyConflict,
    Money,
    TelcoCore,
    TransactionKind,
)
from telcocore.core import open_storage
from telcocore.kernel.money import currency_precision
from telcocore.testing import CapturingNotifier, FixedClock, sequential_ids

CURRENCIES = ["USD", "JPY", "KWD"]
CREDIT_KINDS = [
    TransactionKind.TOP_UP,
    TransactionKind.PAYMENT,
    TransactionKind.REFUND,
    TransactionKind.ADJUSTMENT,
]
DEBIT_KINDS = [TransactionKind.PURCHASE, TransactionKind.RECURRING, TransactionKind.ADJUSTMENT]

MACHINE_SETTINGS = settings(
    max_examples=150,
    stateful_step_count=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

units = st.integers(min_value=1, max_value=5000)
"""Amounts in the currency's smallest unit (cents, yen, fils)."""


@attrs.define
class ModelAccount:
    """What the model knows of an account: plain Decimals."""

    currency: str
    limit: Decimal
    balance: Decimal = Decimal(0)
    active: bool = True


@attrs.define
class Request:
    """A successful request, kept so it can be replayed."""

    method: str
    account_id: str
    amount: Decimal
    kind: TransactionKind | None
    transaction_id: str
    target: str | None = None
    """For a reversal: the id of the transaction it reverses."""


@attrs.define
class ModelTransaction:
    """A posted transaction as the model sees it."""

    account_id: str
    signed: Decimal
    is_reversal: bool
    reversed_by: str | None = None


def _amount(units: int, currency: str, extra_digits: int = 0) -> Decimal:
    return Decimal(units).scaleb(-(currency_precision(currency) + extra_digits))


class LedgerMachine(RuleBasedStateMachine):
    """Random opens, credits, debits, usage, reversals and replays, checked against a model."""

    accounts = Bundle("accounts")
    keys = Bundle("keys")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        self.core = TelcoCore(
            storage=open_storage("memory://"),
            clock=self.clock,
            notifier=CapturingNotifier(),
            ids=sequential_ids(),
        )
        self.model: dict[str, ModelAccount] = {}
        self.requests: dict[str, Request] = {}
        self.transactions: dict[str, ModelTransaction] = {}
        self.refused: list[tuple[str, str, Decimal, TransactionKind]] = []
        self.serial = itertools.count(1)

    def teardown(self) -> None:
        """Close this run's storage."""
        self.core.close()

    def _key(self) -> str:
        return f"key-{next(self.serial)}"

    def _money(self, account_id: str, amount: Decimal) -> Money:
        return Money(amount, self.model[account_id].currency)

    def _posted(
        self, key: str, request: Request, signed: Decimal, *, is_reversal: bool = False
    ) -> str:
        self.requests[key] = request
        self.transactions[request.transaction_id] = ModelTransaction(
            request.account_id, signed, is_reversal
        )
        self.model[request.account_id].balance += signed
        self.clock.advance(timedelta(minutes=1))
        return key

    # -- rules ------------------------------------------------------------------------

    @rule(
        target=accounts,
        currency=st.sampled_from(CURRENCIES),
        limit=st.integers(min_value=-1000, max_value=3000),
        threshold=st.none() | st.integers(min_value=0, max_value=2000),
    )
    def open_account(self, currency: str, limit: int, threshold: int | None) -> str:
        """Open an account with a prepaid, postpaid or buffered limit."""
        account_id = f"acct-{next(self.serial)}"
        self.core.accounts.open(
            account_id,
            currency,
            account_id=account_id,
            debit_limit=_amount(limit, currency),
            low_balance_threshold=None if threshold is None else _amount(threshold, currency),
        )
        self.model[account_id] = ModelAccount(currency, _amount(limit, currency))
        return account_id

    @rule(target=keys, account_id=accounts, units=units, kind=st.sampled_from(CREDIT_KINDS))
    def credit(self, account_id: str, units: int, kind: TransactionKind) -> str:
        """A credit is always posted."""
        key, amount = self._key(), _amount(units, self.model[account_id].currency)
        transaction = self.core.ledger.credit(account_id, amount, idempotency_key=key, kind=kind)
        return self._posted(
            key, Request("credit", account_id, amount, kind, transaction.id), amount
        )

    @rule(target=keys, account_id=accounts, units=units, kind=st.sampled_from(DEBIT_KINDS))
    def debit(self, account_id: str, units: int, kind: TransactionKind) -> object:
        """A debit is posted only for an active account and only while it fits."""
        key, amount = self._key(), _amount(units, self.model[account_id].currency)
        return self._try_debit(key, account_id, amount, kind)

    def _try_debit(
        self, key: str, account_id: str, amount: Decimal, kind: TransactionKind
    ) -> object:
        account = self.model[account_id]
        available = account.balance + account.limit
        if not account.active:
            event("debit refused: account not active")
            with pytest.raises(AccountNotActive):
                self.core.ledger.debit(account_id, amount, idempotency_key=key, kind=kind)
        elif amount > available:
            event("debit refused: over the limit")
            with pytest.raises(DebitLimitExceeded) as info:
                self.core.ledger.debit(account_id, amount, idempotency_key=key, kind=kind)
            assert (
                self._money(account_id, available),
                self._money(account_id, amount - available),
            ) == (
                info.value.available,
                info.value.shortfall,
            )
        else:
            transaction = self.core.ledger.debit(account_id, amount, idempotency_key=key, kind=kind)
            posted = self._posted(
                key, Request("debit", account_id, amount, kind, transaction.id), -amount
            )
            assert self.core.ledger.balance(account_id).amount >= -account.limit
            return posted
        self.refused.append((key, account_id, amount, kind))
        return multiple()

    @rule(target=keys, account_id=accounts, units=st.integers(min_value=1, max_value=500000))
    def charge_usage(self, account_id: str, units: int) -> str:
        """Usage (finer than the currency's unit) is always posted, even past the limit."""
        key, amount = self._key(), _amount(units, self.model[account_id].currency, extra_digits=2)
        transaction = self.core.ledger.charge_usage(account_id, amount, idempotency_key=key)
        return self._posted(
            key, Request("charge_usage", account_id, amount, None, transaction.id), -amount
        )

    @rule(target=keys, original_key=keys)
    def reverse(self, original_key: str) -> object:
        """A transaction is reversed once; a reversal is never reversed."""
        original_id = self.requests[original_key].transaction_id
        original = self.transactions[original_id]
        key = self._key()
        if original.is_reversal or original.reversed_by is not None:
            event("reversal refused")
            with pytest.raises(AlreadyReversed):
                self.core.ledger.reverse(original_id, idempotency_key=key)
            return multiple()
        event("reversal posted")
        reversal = self.core.ledger.reverse(original_id, idempotency_key=key)
        original.reversed_by = reversal.id
        request = Request(
            "reverse", original.account_id, -original.signed, None, reversal.id, original_id
        )
        return self._posted(key, request, -original.signed, is_reversal=True)

    @rule(account_id=accounts, active=st.booleans())
    def set_active(self, account_id: str, *, active: bool) -> None:
        """Accounts move between active and inactive."""
        status = AccountStatus.ACTIVE if active else AccountStatus.INACTIVE
        self.core.accounts.set_status(account_id, status)
        self.model[account_id].active = active

    @rule(key=keys)
    def replay(self, key: str) -> None:
        """The same request again returns the first transaction and posts nothing."""
        request = self.requests[key]
        event(f"replay of {request.method}")
        ledger = self.core.ledger
        if request.method == "reverse":
            assert request.target is not None
            again = ledger.reverse(request.target, idempotency_key=key)
        elif request.method == "charge_usage":
            again = ledger.charge_usage(request.account_id, request.amount, idempotency_key=key)
        else:
            assert request.kind is not None
            post = ledger.credit if request.method == "credit" else ledger.debit
            again = post(request.account_id, request.amount, idempotency_key=key, kind=request.kind)
        assert request.transaction_id == again.id

    @rule(key=keys, extra=units, as_debit=st.booleans())
    def conflicting_replay(self, key: str, extra: int, *, as_debit: bool) -> None:
        """The same key for another amount is refused and posts nothing."""
        request = self.requests[key]
        amount = abs(request.amount) + _amount(extra, self.model[request.account_id].currency)
        post = self.core.ledger.debit if as_debit else self.core.ledger.credit
        with pytest.raises(IdempotencyConflict) as info:
            post(request.account_id, amount, idempotency_key=key)
        assert key == info.value.key

    @precondition(lambda self: bool(self.refused))
    @rule(target=keys, data=st.data())
    def retry_refused(self, data: st.DataObject) -> object:
        """A refused request left its key free: a retry is decided afresh."""
        index = data.draw(st.integers(min_value=0, max_value=len(self.refused) - 1))
        key, account_id, amount, kind = self.refused.pop(index)
        return self._try_debit(key, account_id, amount, kind)

    # -- invariants -------------------------------------------------------------------

    @invariant()
    def totals_are_zero(self) -> None:
        """The sum of all balances is zero in every currency."""
        totals = self.core.ledger.totals()
        assert {c: Decimal(0) for c in totals} == totals

    @invariant()
    def model_agrees(self) -> None:
        """Every balance is the model's, and available is balance + limit."""
        ledger = self.core.ledger
        expected = {a: (m.balance, m.balance + m.limit) for a, m in self.model.items()}
        actual = {a: (ledger.balance(a).amount, ledger.available(a).amount) for a in self.model}
        assert expected == actual

    @invariant()
    def balance_is_sum_of_history(self) -> None:
        """Each balance is the sum of its history and the last running balance."""
        for account_id, account in self.model.items():
            history = whole_history(self.core, account_id)
            running, steps_ok = Decimal(0), True
            for entry in history:
                running += entry.amount.amount
                steps_ok = steps_ok and entry.balance.amount == running
            last = history[-1].balance.amount if history else Decimal(0)
            assert (account.balance, account.balance, True) == (running, last, steps_ok)

    @invariant()
    def one_posting_per_key(self) -> None:
        """The history holds one line per distinct successful key, never more."""
        lines = sum(len(whole_history(self.core, a)) for a in self.model)
        ids = {e.transaction_id for a in self.model for e in whole_history(self.core, a)}
        assert (len(self.requests), len(self.requests)) == (lines, len(ids))


class TestLedgerInvariants:
    """The ledger's invariants hold over random sequences of operations and retries."""

    def test_random_sequences(self) -> None:
        """Balances sum to zero, debits respect the limit, retries post once, the model agrees."""
        run_state_machine_as_test(LedgerMachine, settings=MACHINE_SETTINGS)
