"""The ledger: credits, debits, usage, reversals, idempotency, history and alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from telcocore import (
    AccountNotActive,
    AccountNotFound,
    AccountStatus,
    AlreadyReversed,
    DebitLimitExceeded,
    IdempotencyConflict,
    Message,
    MessageKind,
    Money,
    Posting,
    StorageError,
    SystemAccount,
    TelcoCore,
    Transaction,
    TransactionKind,
    ValidationError,
)
from telcocore.billing.ledger.model import posting_pair
from telcocore.kernel.validation import shown
from telcocore.notifications.services import DeliveryReport
from telcocore.platform.ports import Storage
from telcocore.testing import CapturingNotifier, FailingNotifier, FixedClock, sequential_ids


def _usd(amount: str) -> Money:
    return Money(amount, "USD")


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """An active prepaid USD account holding 20.00."""
    core.accounts.open("Acme", "USD", account_id="acme")
    core.ledger.credit("acme", "20.00", idempotency_key="seed")
    return "acme"


def _postings(transaction: Transaction) -> set[tuple[str, Money]]:
    return {(p.ledger_account, p.amount) for p in transaction.postings}


class TestCredit:
    """Credits add money and are always allowed."""

    def test_top_up(self, core: TelcoCore) -> None:
        """A top-up raises the balance by its amount."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.ledger.credit("acme", "12.50", idempotency_key="t-1")
        core.ledger.credit("acme", Money("0.25", "USD"), idempotency_key="t-2")
        assert _usd("12.75") == core.ledger.balance("acme")

    def test_postings(self, core: TelcoCore) -> None:
        """A top-up posts +X to the customer and -X to @cash."""
        core.accounts.open("Acme", "USD", account_id="acme")
        transaction = core.ledger.credit("acme", "12.50", idempotency_key="t-1")
        assert (
            {("acme", _usd("12.50")), ("@cash", _usd("-12.50"))},
            TransactionKind.TOP_UP,
            _usd("12.50"),
        ) == (_postings(transaction), transaction.kind, transaction.amount)

    @pytest.mark.parametrize(
        ("kind", "system"),
        [
            (TransactionKind.TOP_UP, SystemAccount.CASH),
            (TransactionKind.PAYMENT, SystemAccount.CASH),
            (TransactionKind.REFUND, SystemAccount.REVENUE),
            (TransactionKind.ADJUSTMENT, SystemAccount.ADJUSTMENTS),
        ],
    )
    def test_kinds(self, core: TelcoCore, kind: TransactionKind, system: SystemAccount) -> None:
        """Each credit kind is posted against its system account."""
        core.accounts.open("Acme", "USD", account_id="acme")
        transaction = core.ledger.credit("acme", "3", idempotency_key="k", kind=kind)
        assert ({("acme", _usd("3")), (system.value, _usd("-3"))}, kind, _usd("-3")) == (
            _postings(transaction),
            transaction.kind,
            core.ledger.system_balance(system, "USD"),
        )

    @pytest.mark.parametrize("kind", ["usage", "purchase", "recurring", "gift"])
    def test_refused_kinds(self, core: TelcoCore, kind: str) -> None:
        """A kind that does not add money is refused for a credit, naming it."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(ValidationError, match=repr(kind)):
            core.ledger.credit("acme", "3", idempotency_key="k", kind=kind)  # type: ignore[arg-type]

    @pytest.mark.parametrize("status", list(AccountStatus))
    def test_any_status(self, core: TelcoCore, status: AccountStatus) -> None:
        """Top-ups are allowed whatever the account's status."""
        core.accounts.open("Acme", "USD", account_id="acme", status=status)
        core.ledger.credit("acme", "5", idempotency_key="k")
        assert _usd("5") == core.ledger.balance("acme")

    @pytest.mark.parametrize("amount", ["0", "-1.00", "0.00"])
    def test_non_positive_amount(self, core: TelcoCore, amount: str) -> None:
        """A zero or negative amount is refused, naming it; the method sets the direction."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(ValidationError, match=f"{amount} USD"):
            core.ledger.credit("acme", amount, idempotency_key="k")

    def test_other_currency(self, core: TelcoCore) -> None:
        """Money in another currency than the account's is refused, naming both."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with pytest.raises(ValidationError, match=r"EUR.*USD"):
            core.ledger.credit("acme", Money("5", "EUR"), idempotency_key="k")
        assert [] == core.ledger.history("acme").entries

    def test_unknown_account(self, core: TelcoCore) -> None:
        """Crediting an unknown account is an AccountNotFound."""
        with pytest.raises(AccountNotFound, match="'ghost'"):
            core.ledger.credit("ghost", "5", idempotency_key="k")

    def test_created_at_from_clock(self, core: TelcoCore, clock: FixedClock) -> None:
        """A transaction is dated by the core's clock."""
        core.accounts.open("Acme", "USD", account_id="acme")
        assert clock.now() == core.ledger.credit("acme", "5", idempotency_key="k").created_at

    def test_get(self, core: TelcoCore) -> None:
        """A posted transaction can be read back by id."""
        core.accounts.open("Acme", "USD", account_id="acme")
        transaction = core.ledger.credit("acme", "5", idempotency_key="k", description="card")
        assert transaction == core.ledger.get(transaction.id)


class TestDebit:
    """Debits charge new usage only while it fits the debit limit."""

    def test_lowers_balance(self, core: TelcoCore, acme: str) -> None:
        """A debit lowers the balance by its amount."""
        core.ledger.debit(acme, "12.50", idempotency_key="d-1")
        assert _usd("7.50") == core.ledger.balance(acme)

    def test_postings(self, core: TelcoCore, acme: str) -> None:
        """A purchase posts -X to the customer and +X to @revenue."""
        transaction = core.ledger.debit(acme, "12.50", idempotency_key="d-1")
        assert (
            {("acme", _usd("-12.50")), ("@revenue", _usd("12.50"))},
            TransactionKind.PURCHASE,
            _usd("-12.50"),
        ) == (_postings(transaction), transaction.kind, transaction.amount)

    @pytest.mark.parametrize(
        ("kind", "system"),
        [
            (TransactionKind.PURCHASE, SystemAccount.REVENUE),
            (TransactionKind.RECURRING, SystemAccount.REVENUE),
            (TransactionKind.ADJUSTMENT, SystemAccount.ADJUSTMENTS),
        ],
    )
    def test_kinds(
        self, core: TelcoCore, acme: str, kind: TransactionKind, system: SystemAccount
    ) -> None:
        """Each debit kind is posted against its system account."""
        transaction = core.ledger.debit(acme, "3", idempotency_key="k", kind=kind)
        assert {("acme", _usd("-3")), (system.value, _usd("3"))} == _postings(transaction)

    @pytest.mark.parametrize("kind", ["usage", "top_up", "payment", "refund"])
    def test_refused_kinds(self, core: TelcoCore, acme: str, kind: str) -> None:
        """A kind that is not new usage is refused for a debit, naming it."""
        with pytest.raises(ValidationError, match=repr(kind)):
            core.ledger.debit(acme, "3", idempotency_key="k", kind=kind)  # type: ignore[arg-type]

    def test_exactly_to_the_limit(self, core: TelcoCore, acme: str) -> None:
        """A prepaid debit may take the balance exactly to zero."""
        core.ledger.debit(acme, "20.00", idempotency_key="d-1")
        assert _usd("0") == core.ledger.balance(acme)

    def test_refused_past_the_limit(self, core: TelcoCore, acme: str) -> None:
        """A debit past the limit names account, requested, available and shortfall."""
        with pytest.raises(DebitLimitExceeded) as info:
            core.ledger.debit(acme, "20.01", idempotency_key="d-1")
        error = info.value
        assert ("acme", _usd("20.01"), _usd("20.00"), _usd("0.01")) == (
            error.account_id,
            error.requested,
            error.available,
            error.shortfall,
        )
        assert [] == [
            v for v in ("'acme'", "20.01 USD", "20.00 USD", "0.01 USD") if v not in str(error)
        ]

    def test_refusal_posts_nothing(self, core: TelcoCore, acme: str) -> None:
        """A refused debit changes no balance and adds no history."""
        history = core.ledger.history(acme).entries
        with pytest.raises(DebitLimitExceeded):
            core.ledger.debit(acme, "25", idempotency_key="d-1")
        assert (_usd("20.00"), history, _usd("0"), {"USD": Decimal(0)}) == (
            core.ledger.balance(acme),
            core.ledger.history(acme).entries,
            core.ledger.system_balance(SystemAccount.REVENUE, "USD"),
            core.ledger.totals(),
        )

    def test_refused_key_stays_free(self, core: TelcoCore, acme: str) -> None:
        """After a refusal, the same key can be used once the money is there."""
        with pytest.raises(DebitLimitExceeded):
            core.ledger.debit(acme, "25", idempotency_key="d-1")
        core.ledger.credit(acme, "5", idempotency_key="t-2")
        core.ledger.debit(acme, "25", idempotency_key="d-1")
        assert _usd("0") == core.ledger.balance(acme)

    def test_postpaid(self, core: TelcoCore) -> None:
        """A postpaid account may owe up to its debit limit, not more."""
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit="10.00")
        core.ledger.debit("acme", "10.00", idempotency_key="d-1")
        with pytest.raises(DebitLimitExceeded) as info:
            core.ledger.debit("acme", "0.01", idempotency_key="d-2")
        assert (_usd("-10.00"), _usd("0.00"), _usd("0.01")) == (
            core.ledger.balance("acme"),
            info.value.available,
            info.value.shortfall,
        )

    def test_prepaid_with_buffer(self, core: TelcoCore) -> None:
        """A -5.00 limit stops new usage while 5.00 is still left."""
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit="-5.00")
        core.ledger.credit("acme", "10.00", idempotency_key="t-1")
        core.ledger.debit("acme", "5.00", idempotency_key="d-1")
        with pytest.raises(DebitLimitExceeded) as info:
            core.ledger.debit("acme", "0.01", idempotency_key="d-2")
        assert (_usd("5.00"), _usd("0.00"), _usd("0.01")) == (
            core.ledger.balance("acme"),
            info.value.available,
            info.value.shortfall,
        )

    def test_prepaid_with_buffer_below_buffer(self, core: TelcoCore) -> None:
        """With less than the buffer left, available is negative and the shortfall grows."""
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit="-5.00")
        core.ledger.credit("acme", "3.00", idempotency_key="t-1")
        with pytest.raises(DebitLimitExceeded) as info:
            core.ledger.debit("acme", "1.00", idempotency_key="d-1")
        assert (_usd("-2.00"), _usd("3.00")) == (info.value.available, info.value.shortfall)

    @pytest.mark.parametrize(
        "status", [AccountStatus.INACTIVE, AccountStatus.PENALTY, AccountStatus.PENDING_APPROVAL]
    )
    def test_refused_unless_active(self, core: TelcoCore, status: AccountStatus) -> None:
        """Only an active account may be debited; the error names the account and status."""
        core.accounts.open("Acme", "USD", account_id="acme", status=status, debit_limit="100")
        core.ledger.credit("acme", "50", idempotency_key="t-1")
        with pytest.raises(AccountNotActive) as info:
            core.ledger.debit("acme", "1", idempotency_key="d-1")
        assert ("acme", status.value, True, _usd("50")) == (
            info.value.account_id,
            info.value.status,
            status.value in str(info.value),
            core.ledger.balance("acme"),
        )

    def test_available(self, core: TelcoCore) -> None:
        """Available is balance + debit limit."""
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit="5.00")
        core.ledger.credit("acme", "2.50", idempotency_key="t-1")
        assert _usd("7.50") == core.ledger.available("acme")


class TestChargeUsage:
    """Usage already consumed is always posted."""

    def test_posts_usage(self, core: TelcoCore, acme: str) -> None:
        """A rated call posts -X to the customer and +X to @revenue, kind usage."""
        transaction = core.ledger.charge_usage(acme, "0.0420", idempotency_key="call-1")
        assert (
            {("acme", _usd("-0.0420")), ("@revenue", _usd("0.0420"))},
            TransactionKind.USAGE,
            _usd("19.9580"),
        ) == (_postings(transaction), transaction.kind, core.ledger.balance(acme))

    def test_posts_past_the_limit(self, core: TelcoCore, acme: str) -> None:
        """Usage takes the balance below the limit, and available shows it as negative."""
        core.ledger.charge_usage(acme, "25.00", idempotency_key="call-1")
        assert (_usd("-5.00"), _usd("-5.00")) == (
            core.ledger.balance(acme),
            core.ledger.available(acme),
        )

    @pytest.mark.parametrize("status", [s for s in AccountStatus if s is not AccountStatus.ACTIVE])
    def test_posts_on_inactive_accounts(self, core: TelcoCore, status: AccountStatus) -> None:
        """The call happened: usage is posted whatever the account's status."""
        core.accounts.open("Acme", "USD", account_id="acme", status=status)
        core.ledger.charge_usage("acme", "1.25", idempotency_key="call-1")
        assert _usd("-1.25") == core.ledger.balance("acme")

    def test_debit_refused_after_usage_past_limit(self, core: TelcoCore, acme: str) -> None:
        """Once usage took the balance past the limit, new usage is refused."""
        core.ledger.charge_usage(acme, "21.00", idempotency_key="call-1")
        with pytest.raises(DebitLimitExceeded) as info:
            core.ledger.debit(acme, "1.00", idempotency_key="d-1")
        assert (_usd("-1.00"), _usd("2.00")) == (info.value.available, info.value.shortfall)


class TestIdempotency:
    """The same key posts once; the same key for another request is an error."""

    @pytest.mark.parametrize("method", ["credit", "debit", "charge_usage"])
    def test_same_key_same_transaction(self, core: TelcoCore, acme: str, method: str) -> None:
        """A retry returns the first transaction and posts nothing more."""
        post = getattr(core.ledger, method)
        first = post(acme, "2.00", idempotency_key="k-1")
        balance, history = core.ledger.balance(acme), core.ledger.history(acme).entries
        again = post(acme, "2.00", idempotency_key="k-1")
        assert (first, balance, history) == (
            again,
            core.ledger.balance(acme),
            core.ledger.history(acme).entries,
        )

    def test_same_amount_written_differently(self, core: TelcoCore, acme: str) -> None:
        """'2', '2.00' and Money('2.0') are the same amount, hence the same request."""
        first = core.ledger.debit(acme, "2", idempotency_key="k-1")
        assert [first, first] == [
            core.ledger.debit(acme, "2.00", idempotency_key="k-1"),
            core.ledger.debit(acme, Money("2.0", "USD"), idempotency_key="k-1"),
        ]

    def test_other_amount(self, core: TelcoCore, acme: str) -> None:
        """The same key with another amount is an IdempotencyConflict naming the key."""
        core.ledger.debit(acme, "2.00", idempotency_key="k-1")
        with pytest.raises(IdempotencyConflict, match=r"'k-1'.*amount") as info:
            core.ledger.debit(acme, "3.00", idempotency_key="k-1")
        assert ("k-1", _usd("18.00")) == (info.value.key, core.ledger.balance(acme))

    def test_other_account(self, core: TelcoCore, acme: str) -> None:
        """The same key on another account is a conflict, and nothing is posted there."""
        core.accounts.open("Globex", "USD", account_id="globex")
        core.ledger.credit(acme, "2.00", idempotency_key="k-1")
        with pytest.raises(IdempotencyConflict, match=r"'k-1'.*account"):
            core.ledger.credit("globex", "2.00", idempotency_key="k-1")
        assert [] == core.ledger.history("globex").entries

    def test_other_method(self, core: TelcoCore, acme: str) -> None:
        """A debit's key reused for a credit of the same amount is a conflict."""
        core.ledger.debit(acme, "2.00", idempotency_key="k-1")
        with pytest.raises(IdempotencyConflict, match="'k-1'"):
            core.ledger.credit(acme, "2.00", idempotency_key="k-1")

    def test_other_kind(self, core: TelcoCore, acme: str) -> None:
        """A purchase's key reused for a recurring charge is a conflict."""
        core.ledger.debit(acme, "2.00", idempotency_key="k-1")
        with pytest.raises(IdempotencyConflict, match=r"'k-1'.*kind"):
            core.ledger.debit(acme, "2.00", idempotency_key="k-1", kind=TransactionKind.RECURRING)

    def test_usage_key_reused_for_purchase(self, core: TelcoCore, acme: str) -> None:
        """charge_usage and debit with one key and one amount are different requests."""
        core.ledger.charge_usage(acme, "2.00", idempotency_key="k-1")
        with pytest.raises(IdempotencyConflict, match="'k-1'"):
            core.ledger.debit(acme, "2.00", idempotency_key="k-1")

    def test_retry_after_limit_reached(self, core: TelcoCore, acme: str) -> None:
        """A retry returns the first debit even when a new one would no longer fit."""
        first = core.ledger.debit(acme, "15.00", idempotency_key="k-1")
        assert (first, _usd("5.00")) == (
            core.ledger.debit(acme, "15.00", idempotency_key="k-1"),
            core.ledger.balance(acme),
        )

    def test_retry_after_account_deactivated(self, core: TelcoCore, acme: str) -> None:
        """A retry returns the first debit even after the account stopped being active."""
        first = core.ledger.debit(acme, "2.00", idempotency_key="k-1")
        core.accounts.set_status(acme, AccountStatus.INACTIVE)
        assert (first, _usd("18.00")) == (
            core.ledger.debit(acme, "2.00", idempotency_key="k-1"),
            core.ledger.balance(acme),
        )

    def test_description_is_not_part_of_the_request(self, core: TelcoCore, acme: str) -> None:
        """A retry with another description returns the first transaction unchanged."""
        first = core.ledger.credit(acme, "1", idempotency_key="k-1", description="first")
        assert first == core.ledger.credit(acme, "1", idempotency_key="k-1", description="second")

    @pytest.mark.parametrize("key", ["", "   ", "x" * 201, None, 42], ids=repr)
    def test_invalid_key(self, core: TelcoCore, acme: str, key: object) -> None:
        """A blank, over-long or non-string key is refused, naming it."""
        with pytest.raises(ValidationError) as info:
            core.ledger.credit(acme, "1", idempotency_key=key)  # type: ignore[arg-type]
        assert ("idempotency_key", True) == (info.value.field, shown(key) in str(info.value))


class TestReverse:
    """A posted transaction is corrected by a reversing transaction, once."""

    def test_negates_postings(self, core: TelcoCore, acme: str) -> None:
        """The reversal has every posting negated, the same kind, and names the original."""
        original = core.ledger.debit(acme, "4.00", idempotency_key="d-1")
        reversal = core.ledger.reverse(
            original.id, idempotency_key="r-1", reason="wrong seat count"
        )
        assert (
            {(p.ledger_account, -p.amount) for p in original.postings},
            original.kind,
            original.id,
            "wrong seat count",
            _usd("20.00"),
        ) == (
            _postings(reversal),
            reversal.kind,
            reversal.reverses,
            reversal.description,
            core.ledger.balance(acme),
        )

    def test_default_description(self, core: TelcoCore, acme: str) -> None:
        """Without a reason, the description names the original."""
        original = core.ledger.debit(acme, "4.00", idempotency_key="d-1")
        assert (
            f"reversal of {original.id}"
            == core.ledger.reverse(original.id, idempotency_key="r-1").description
        )

    def test_original_unchanged(self, core: TelcoCore, acme: str) -> None:
        """The original transaction is not changed by its reversal."""
        original = core.ledger.debit(acme, "4.00", idempotency_key="d-1")
        core.ledger.reverse(original.id, idempotency_key="r-1")
        assert original == core.ledger.get(original.id)

    def test_once_only(self, core: TelcoCore, acme: str) -> None:
        """A second reversal (another key) is refused, naming the transaction and first reversal."""
        original = core.ledger.debit(acme, "4.00", idempotency_key="d-1")
        first = core.ledger.reverse(original.id, idempotency_key="r-1")
        with pytest.raises(AlreadyReversed) as info:
            core.ledger.reverse(original.id, idempotency_key="r-2")
        assert (original.id, True, _usd("20.00")) == (
            info.value.transaction_id,
            first.id in str(info.value),
            core.ledger.balance(acme),
        )

    def test_reversal_of_reversal_refused(self, core: TelcoCore, acme: str) -> None:
        """A reversal cannot itself be reversed."""
        original = core.ledger.debit(acme, "4.00", idempotency_key="d-1")
        reversal = core.ledger.reverse(original.id, idempotency_key="r-1")
        with pytest.raises(AlreadyReversed, match=repr(reversal.id)):
            core.ledger.reverse(reversal.id, idempotency_key="r-2")
        assert _usd("20.00") == core.ledger.balance(acme)

    def test_retry_returns_the_reversal(self, core: TelcoCore, acme: str) -> None:
        """Retrying a reversal with its key returns it and posts nothing more."""
        original = core.ledger.debit(acme, "4.00", idempotency_key="d-1")
        reversal = core.ledger.reverse(original.id, idempotency_key="r-1")
        assert (reversal, _usd("20.00"), 3) == (
            core.ledger.reverse(original.id, idempotency_key="r-1"),
            core.ledger.balance(acme),
            len(core.ledger.history(acme).entries),
        )

    def test_key_of_another_transaction(self, core: TelcoCore, acme: str) -> None:
        """A reversal under a key already used for something else is a conflict."""
        original = core.ledger.debit(acme, "4.00", idempotency_key="d-1")
        with pytest.raises(IdempotencyConflict, match="'d-1'"):
            core.ledger.reverse(original.id, idempotency_key="d-1")

    def test_reversing_a_top_up_may_pass_the_limit(self, core: TelcoCore, acme: str) -> None:
        """Correcting a mistaken top-up is allowed even when the balance goes below the limit."""
        core.ledger.debit(acme, "15.00", idempotency_key="d-1")
        top_up = core.ledger.get(core.ledger.history(acme).entries[0].transaction_id)
        core.ledger.reverse(top_up.id, idempotency_key="r-1")
        assert _usd("-15.00") == core.ledger.balance(acme)

    def test_reversal_on_inactive_account(self, core: TelcoCore, acme: str) -> None:
        """A charge of an account that is no longer active can still be reversed."""
        original = core.ledger.debit(acme, "4.00", idempotency_key="d-1")
        core.accounts.set_status(acme, AccountStatus.PENALTY)
        core.ledger.reverse(original.id, idempotency_key="r-1")
        assert _usd("20.00") == core.ledger.balance(acme)

    def test_unknown_transaction(self, core: TelcoCore) -> None:
        """Reversing an unknown transaction is a TransactionNotFound."""
        with pytest.raises(LookupError, match="'nope'"):
            core.ledger.reverse("nope", idempotency_key="r-1")

    def test_system_balances_restored(self, core: TelcoCore, acme: str) -> None:
        """After a reversal, the system account is back where it was."""
        original = core.ledger.charge_usage(acme, "4.00", idempotency_key="c-1")
        core.ledger.reverse(original.id, idempotency_key="r-1")
        assert _usd("0") == core.ledger.system_balance(SystemAccount.REVENUE, "USD")


class TestHistory:
    """History lists postings in order with the running balance."""

    def test_running_balance(self, core: TelcoCore, acme: str) -> None:
        """Each line has its signed amount and the balance after it."""
        core.ledger.debit(acme, "12.50", idempotency_key="d-1")
        core.ledger.charge_usage(acme, "0.042", idempotency_key="c-1")
        core.ledger.credit(acme, "5", idempotency_key="t-2")
        history = core.ledger.history(acme).entries
        assert (
            [1, 2, 3, 4],
            [
                TransactionKind.TOP_UP,
                TransactionKind.PURCHASE,
                TransactionKind.USAGE,
                TransactionKind.TOP_UP,
            ],
            [_usd("20.00"), _usd("-12.50"), _usd("-0.042"), _usd("5")],
            [_usd("20.00"), _usd("7.50"), _usd("7.458"), _usd("12.458")],
        ) == (
            [e.seq for e in history],
            [e.kind for e in history],
            [e.amount for e in history],
            [e.balance for e in history],
        )

    def test_lines_name_their_transactions(self, core: TelcoCore, acme: str) -> None:
        """Each line carries its transaction's id, date, description and reversal link."""
        debit = core.ledger.debit(acme, "1", idempotency_key="d-1", description="2 seats")
        reversal = core.ledger.reverse(debit.id, idempotency_key="r-1")
        lines = core.ledger.history(acme).entries[1:]
        assert [
            (debit.id, debit.created_at, "2 seats", None),
            (reversal.id, reversal.created_at, reversal.description, debit.id),
        ] == [(e.transaction_id, e.created_at, e.description, e.reverses) for e in lines]

    def test_date_range(self, core: TelcoCore, clock: FixedClock) -> None:
        """Start is included, end is excluded."""
        core.accounts.open("Acme", "USD", account_id="acme")
        days = [datetime(2026, 3, d, 12, tzinfo=UTC) for d in (1, 2, 3, 4)]
        for number, day in enumerate(days, start=1):
            clock.set(day)
            core.ledger.credit("acme", str(number), idempotency_key=f"t-{number}")
        history = core.ledger.history("acme", start=days[1], end=days[3]).entries
        assert ([_usd("2"), _usd("3")], [_usd("3"), _usd("6")]) == (
            [e.amount for e in history],
            [e.balance for e in history],
        )

    def test_only_start_or_end(self, core: TelcoCore, clock: FixedClock) -> None:
        """Either bound may be left open."""
        core.accounts.open("Acme", "USD", account_id="acme")
        start = clock.now()
        core.ledger.credit("acme", "1", idempotency_key="t-1")
        clock.advance(timedelta(hours=1))
        core.ledger.credit("acme", "2", idempotency_key="t-2")
        later = start + timedelta(hours=1)
        assert ([_usd("2")], [_usd("1")]) == (
            [e.amount for e in core.ledger.history("acme", start=later).entries],
            [e.amount for e in core.ledger.history("acme", end=later).entries],
        )

    def test_bounds_in_other_zone(self, core: TelcoCore, clock: FixedClock) -> None:
        """Bounds in another zone select the same instants as in UTC."""
        core.accounts.open("Acme", "USD", account_id="acme")
        clock.set(datetime(2026, 3, 14, 23, 30, tzinfo=UTC))
        core.ledger.credit("acme", "1", idempotency_key="t-1")
        plus_one = timezone(timedelta(hours=1))
        assert ([], [_usd("1")]) == (
            [
                e.amount
                for e in core.ledger.history(
                    "acme", start=datetime(2026, 3, 15, 0, 31, tzinfo=plus_one)
                ).entries
            ],
            [
                e.amount
                for e in core.ledger.history(
                    "acme", start=datetime(2026, 3, 15, 0, 30, tzinfo=plus_one)
                ).entries
            ],
        )

    def test_kinds_filter(self, core: TelcoCore, acme: str) -> None:
        """Kinds limits the lines; the running balance still counts every posting."""
        core.ledger.debit(acme, "2", idempotency_key="d-1")
        core.ledger.charge_usage(acme, "1", idempotency_key="c-1")
        core.ledger.charge_usage(acme, "3", idempotency_key="c-2")
        usage = core.ledger.history(acme, kinds=[TransactionKind.USAGE]).entries
        assert ([3, 4], [_usd("17.00"), _usd("14.00")]) == (
            [e.seq for e in usage],
            [e.balance for e in usage],
        )

    def test_kinds_by_value(self, core: TelcoCore, acme: str) -> None:
        """Kinds may be given by their string values."""
        core.ledger.debit(acme, "2", idempotency_key="d-1")
        kinds = ["top_up", "purchase"]
        assert [TransactionKind.TOP_UP, TransactionKind.PURCHASE] == [
            e.kind
            for e in core.ledger.history(acme, kinds=kinds).entries  # type: ignore[arg-type]
        ]

    def test_unknown_kind(self, core: TelcoCore, acme: str) -> None:
        """An unknown kind is a ValidationError naming it."""
        with pytest.raises(ValidationError, match="'gift'"):
            core.ledger.history(acme, kinds=["gift"])  # type: ignore[list-item]

    def test_empty_kinds(self, core: TelcoCore, acme: str) -> None:
        """An empty kinds filter shows nothing."""
        assert [] == core.ledger.history(acme, kinds=[]).entries

    def test_unknown_account(self, core: TelcoCore) -> None:
        """History of an unknown account is an AccountNotFound."""
        with pytest.raises(AccountNotFound):
            core.ledger.history("ghost")


class TestSystemAccounts:
    """The operator's side balances every customer movement."""

    def test_cash_and_revenue(self, core: TelcoCore, acme: str) -> None:
        """Top-ups come from @cash; purchases and usage go to @revenue."""
        core.ledger.debit(acme, "5.00", idempotency_key="d-1")
        core.ledger.charge_usage(acme, "0.25", idempotency_key="c-1")
        assert (_usd("-20.00"), _usd("5.25"), _usd("0")) == (
            core.ledger.system_balance(SystemAccount.CASH, "USD"),
            core.ledger.system_balance(SystemAccount.REVENUE, "USD"),
            core.ledger.system_balance(SystemAccount.ADJUSTMENTS, "USD"),
        )

    @pytest.mark.usefixtures("acme")
    def test_by_name(self, core: TelcoCore) -> None:
        """A system account may be named by its string."""
        assert _usd("-20.00") == core.ledger.system_balance("@cash", "USD")  # type: ignore[arg-type]

    def test_unknown_system_account(self, core: TelcoCore) -> None:
        """An unknown system account is a ValidationError naming it."""
        with pytest.raises(ValidationError, match="'@bank'"):
            core.ledger.system_balance("@bank", "USD")  # type: ignore[arg-type]

    def test_totals_zero_per_currency(self, core: TelcoCore) -> None:
        """The sum of all balances is zero in every currency."""
        for account_id, currency, amount in (
            ("us", "USD", "10.00"),
            ("jp", "JPY", "1500"),
            ("kw", "KWD", "1.250"),
        ):
            core.accounts.open(account_id, currency, account_id=account_id, debit_limit="100")
            core.ledger.credit(account_id, amount, idempotency_key=f"t-{account_id}")
            core.ledger.debit(account_id, "3", idempotency_key=f"d-{account_id}")
            core.ledger.charge_usage(account_id, "1", idempotency_key=f"c-{account_id}")
        totals = core.ledger.totals()
        assert ({"USD", "JPY", "KWD"}, set()) == (
            set(totals),
            {c for c, t in totals.items() if t != 0},
        )

    def test_unbalanced_transaction_refused(self) -> None:
        """A transaction whose postings do not sum to zero cannot be built."""
        with pytest.raises(ValidationError, match="sum to zero"):
            Transaction(
                id="t",
                kind=TransactionKind.TOP_UP,
                account_id="acme",
                postings=(Posting("acme", _usd("1")), Posting("@cash", _usd("-0.99"))),
                idempotency_key="k",
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )

    def test_single_posting_refused(self) -> None:
        """A transaction needs two postings."""
        with pytest.raises(ValidationError, match="two postings"):
            Transaction(
                id="t",
                kind=TransactionKind.TOP_UP,
                account_id="acme",
                postings=(Posting("acme", _usd("0")),),
                idempotency_key="k",
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )


class TestOneCustomerPerTransaction:
    """A transaction moves one customer balance; a transfer between customers is refused."""

    @staticmethod
    def _transaction(postings: object) -> Transaction:
        return Transaction(
            id="t",
            kind=TransactionKind.ADJUSTMENT,
            account_id="acme",
            postings=postings,  # type: ignore[arg-type]
            idempotency_key="k",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )

    @pytest.mark.parametrize(
        ("postings", "words"),
        [
            ((("acme", "-5"), ("globex", "5")), "not to 'globex'"),
            ((("acme", "-5"), ("globex", "4"), ("@revenue", "1")), "not to 'globex'"),
            ((("acme", "-5"), ("acme", "5")), "not 2 times to it"),
            ((("globex", "-5"), ("@cash", "5")), "not to 'globex'"),
        ],
        ids=["transfer", "transfer-with-fee", "twice", "another-customer"],
    )
    def test_refused(self, postings: tuple[tuple[str, str], ...], words: str) -> None:
        """Postings on a second customer account, or not once on its own, are refused."""
        with pytest.raises(ValidationError, match=words) as info:
            self._transaction([Posting(a, _usd(v)) for a, v in postings])
        assert "a debit of one and a credit of the other" in str(info.value)

    @pytest.mark.parametrize(
        "postings",
        [("acme", object()), (5, _usd("1")), (["@cash"], _usd("1"))],
        ids=["not-money", "int-account", "list-account"],
    )
    def test_malformed_posting(self, postings: tuple[object, object]) -> None:
        """A posting is a ledger account name and Money; anything else is a ValidationError."""
        with pytest.raises(ValidationError, match="a posting is"):
            Posting(*postings)  # type: ignore[arg-type]

    @pytest.mark.parametrize("postings", [None, 5, "ab", [1, 2]], ids=repr)
    def test_not_postings(self, postings: object) -> None:
        """Postings that are not Posting values are refused."""
        with pytest.raises(ValidationError, match="two postings"):
            self._transaction(postings)

    def test_system_accounts_in_several_currencies(self) -> None:
        """Other system accounts and currencies may take part, each currency balanced."""
        transaction = self._transaction(
            [
                Posting("acme", _usd("-5")),
                Posting("@revenue", _usd("5")),
                Posting("@fx", Money("3", "EUR")),
                Posting("@fx-2", Money("-3", "EUR")),
            ]
        )
        assert _usd("-5") == transaction.amount

    def test_a_transfer_through_the_service(self, core: TelcoCore, acme: str) -> None:
        """Between customers, money moves as a debit of one and a credit of the other."""
        core.accounts.open("Globex", "USD", account_id="globex")
        core.ledger.debit(acme, "5.00", idempotency_key="move-out", kind=TransactionKind.ADJUSTMENT)
        core.ledger.credit(
            "globex", "5.00", idempotency_key="move-in", kind=TransactionKind.ADJUSTMENT
        )
        assert (_usd("15.00"), _usd("5.00"), _usd("0"), {"USD": Decimal(0)}) == (
            core.ledger.balance(acme),
            core.ledger.balance("globex"),
            core.ledger.system_balance(SystemAccount.ADJUSTMENTS, "USD"),
            core.ledger.totals(),
        )


class TestZeroAndThreeDecimalCurrencies:
    """JPY has no decimals, KWD three; both work end to end."""

    def test_jpy(self, core: TelcoCore) -> None:
        """A JPY account posts whole yen, and the limit error is in yen."""
        core.accounts.open("Tokyo", "JPY", account_id="tokyo", debit_limit=500)
        core.ledger.credit("tokyo", 1000, idempotency_key="t-1")
        core.ledger.debit("tokyo", "1499", idempotency_key="d-1")
        with pytest.raises(DebitLimitExceeded) as info:
            core.ledger.debit("tokyo", "2", idempotency_key="d-2")
        assert (Money("-499", "JPY"), Money("1", "JPY"), Money("1", "JPY"), "-￥499") == (
            core.ledger.balance("tokyo"),
            info.value.available,
            info.value.shortfall,
            core.ledger.balance("tokyo").format(locale="ja_JP"),
        )

    def test_jpy_usage_rounded_before_posting(self, core: TelcoCore) -> None:
        """A JPY call cost rounded to the currency posts whole yen."""
        core.accounts.open("Tokyo", "JPY", account_id="tokyo")
        cost = (Money("3", "JPY") * Decimal("0.5")).round("half_even")  # type: ignore[arg-type]
        core.ledger.charge_usage("tokyo", cost, idempotency_key="c-1")
        assert Money("-2", "JPY") == core.ledger.balance("tokyo")

    def test_kwd(self, core: TelcoCore) -> None:
        """A KWD account keeps all three decimals."""
        core.accounts.open("Kuwait", "KWD", account_id="kw", debit_limit="1.500")
        core.ledger.credit("kw", "10.000", idempotency_key="t-1")
        core.ledger.debit("kw", "0.125", idempotency_key="d-1")
        core.ledger.charge_usage("kw", "0.001", idempotency_key="c-1")
        with pytest.raises(DebitLimitExceeded) as info:
            core.ledger.debit("kw", "11.375", idempotency_key="d-2")
        assert (Money("9.874", "KWD"), Money("11.374", "KWD"), Money("0.001", "KWD")) == (
            core.ledger.balance("kw"),
            info.value.available,
            info.value.shortfall,
        )


class ProbeNotifier(CapturingNotifier):
    """Records, for each message, the committed balance then (None: a unit was still open)."""

    def __init__(self, core_holder: list[TelcoCore]) -> None:
        super().__init__()
        self._core = core_holder
        self.seen: list[Money | None] = []

    def send(self, message: Message) -> None:
        """Capture the message and read the balance; units of work do not nest on a thread."""
        try:
            self.seen.append(self._core[0].ledger.balance(message.account_id))
        except StorageError:
            self.seen.append(None)
        super().send(message)


def _sent(core: TelcoCore, notifier: CapturingNotifier) -> list[Message]:
    """Every message the notifier got, once a delivery run sent what the outbox holds."""
    core.outbox.deliver_pending()
    return notifier.messages


class TestLowBalanceAlert:
    """One alert per downward crossing of the threshold, sent after commit."""

    @pytest.fixture
    def alerted(self, core: TelcoCore) -> str:
        """A USD account holding 20.00 with an alert below 10.00."""
        core.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="10.00")
        core.ledger.credit("acme", "20.00", idempotency_key="seed")
        return "acme"

    def test_one_per_crossing(
        self, core: TelcoCore, notifier: CapturingNotifier, alerted: str
    ) -> None:
        """Down across, down again below: one; up above and down across again: a second."""
        counts = []
        core.ledger.debit(alerted, "5.00", idempotency_key="d-1")  # 15: above
        counts.append(len(_sent(core, notifier)))
        core.ledger.debit(alerted, "6.00", idempotency_key="d-2")  # 9: crossed
        counts.append(len(_sent(core, notifier)))
        core.ledger.charge_usage(alerted, "1.00", idempotency_key="c-1")  # 8: still below
        core.ledger.debit(alerted, "3.00", idempotency_key="d-3")  # 5: still below
        counts.append(len(_sent(core, notifier)))
        core.ledger.credit(alerted, "10.00", idempotency_key="t-1")  # 15: back above
        counts.append(len(_sent(core, notifier)))
        core.ledger.charge_usage(alerted, "6.00", idempotency_key="c-2")  # 9: crossed again
        counts.append(len(_sent(core, notifier)))
        assert [0, 1, 1, 1, 2] == counts

    def test_message_content(
        self, core: TelcoCore, notifier: CapturingNotifier, clock: FixedClock, alerted: str
    ) -> None:
        """The alert names the account, its balance, the currency and the threshold."""
        core.ledger.debit(alerted, "10.01", idempotency_key="d-1")
        [message] = _sent(core, notifier)
        assert (
            MessageKind.LOW_BALANCE,
            "acme",
            clock.now(),
            {"account_name": "Acme", "balance": "9.99", "currency": "USD", "threshold": "10.00"},
        ) == (message.kind, message.account_id, message.created_at, dict(message.data))

    def test_landing_on_threshold_is_not_below(
        self, core: TelcoCore, notifier: CapturingNotifier, alerted: str
    ) -> None:
        """Reaching the threshold exactly sends nothing; going below it from there sends one."""
        core.ledger.debit(alerted, "10.00", idempotency_key="d-1")
        counts = [len(_sent(core, notifier))]
        core.ledger.debit(alerted, "0.01", idempotency_key="d-2")
        counts.append(len(_sent(core, notifier)))
        assert [0, 1] == counts

    def test_retry_sends_nothing_more(
        self, core: TelcoCore, notifier: CapturingNotifier, alerted: str
    ) -> None:
        """Retrying the crossing debit does not send a second alert."""
        core.ledger.debit(alerted, "11.00", idempotency_key="d-1")
        core.outbox.deliver_pending()
        core.ledger.debit(alerted, "11.00", idempotency_key="d-1")
        core.outbox.deliver_pending()
        assert 1 == len(notifier.of_kind(MessageKind.LOW_BALANCE))

    def test_refused_debit_sends_nothing(
        self, core: TelcoCore, notifier: CapturingNotifier, alerted: str
    ) -> None:
        """A debit refused at the limit sends no alert."""
        with pytest.raises(DebitLimitExceeded):
            core.ledger.debit(alerted, "25.00", idempotency_key="d-1")
        assert [] == _sent(core, notifier)

    def test_no_threshold_no_alert(
        self, core: TelcoCore, notifier: CapturingNotifier, acme: str
    ) -> None:
        """Without a threshold nothing is sent."""
        core.ledger.charge_usage(acme, "30.00", idempotency_key="c-1")
        assert [] == _sent(core, notifier)

    def test_sent_after_commit(self, storage: Storage, clock: FixedClock) -> None:
        """The notifier is called only by a delivery run, and sees the committed balance."""
        holder: list[TelcoCore] = []
        probe = ProbeNotifier(holder)
        core = TelcoCore(storage=storage, clock=clock, notifier=probe, ids=sequential_ids())
        holder.append(core)
        core.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="10.00")
        core.ledger.credit("acme", "20.00", idempotency_key="seed")
        core.ledger.debit("acme", "12.00", idempotency_key="d-1")
        seen_by_the_debit = list(probe.seen)
        core.outbox.deliver_pending()
        assert ([], [_usd("8.00")]) == (seen_by_the_debit, probe.seen)

    def test_no_notifier_keeps_message(self, storage: Storage, clock: FixedClock) -> None:
        """Without a notifier the alert waits in the outbox and goes out once one exists."""
        silent = TelcoCore(storage=storage, clock=clock, notifier=None, ids=sequential_ids("a"))
        silent.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="10.00")
        silent.ledger.credit("acme", "20.00", idempotency_key="seed")
        silent.ledger.debit("acme", "12.00", idempotency_key="d-1")
        nothing = silent.outbox.deliver_pending()
        capturing = CapturingNotifier()
        later = TelcoCore(storage=storage, clock=clock, notifier=capturing, ids=sequential_ids("b"))
        reports = [later.outbox.deliver_pending(), later.outbox.deliver_pending()]
        assert (
            DeliveryReport(sent=0, failed=0),
            [DeliveryReport(sent=1, failed=0), DeliveryReport(sent=0, failed=0)],
            [("acme", MessageKind.LOW_BALANCE, "8.00")],
        ) == (
            nothing,
            reports,
            [(m.account_id, m.kind, m.data["balance"]) for m in capturing.messages],
        )

    def test_failing_notifier_leaves_pending(self, storage: Storage, clock: FixedClock) -> None:
        """A refused delivery neither fails the debit nor loses the message.

        Each failure makes the message wait (30 s, then 60 s) before it is tried again.
        """
        failing = FailingNotifier()
        core = TelcoCore(storage=storage, clock=clock, notifier=failing, ids=sequential_ids("a"))
        core.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="10.00")
        core.ledger.credit("acme", "20.00", idempotency_key="seed")
        debit = core.ledger.debit("acme", "12.00", idempotency_key="d-1")
        core.outbox.deliver_pending()
        clock.advance(timedelta(seconds=30))
        retry = core.outbox.deliver_pending()
        clock.advance(timedelta(seconds=60))
        capturing = CapturingNotifier()
        later = TelcoCore(storage=storage, clock=clock, notifier=capturing, ids=sequential_ids("b"))
        assert (
            debit.id,
            2,
            DeliveryReport(sent=0, failed=1),
            DeliveryReport(sent=1, failed=0),
            ["acme"],
        ) == (
            core.ledger.get(debit.id).id,
            failing.attempts,
            retry,
            later.outbox.deliver_pending(),
            [m.account_id for m in capturing.messages],
        )


class TestBuiltBalanced:
    """The transaction the service builds for one request, without validating it again."""

    @pytest.mark.parametrize("kind", list(TransactionKind))
    @pytest.mark.parametrize("amount", ["2.50", "-0.001"])
    def test_it_equals_the_validated_one(self, kind: TransactionKind, amount: str) -> None:
        """A posting_pair built without checks is what Transaction.between builds."""
        parts = {
            "id": "t",
            "kind": kind,
            "account_id": "acme",
            "amount": _usd(amount),
            "idempotency_key": "k",
            "created_at": datetime(2026, 1, 1, tzinfo=UTC),
            "description": "why",
        }
        built = Transaction._with_postings(
            id="t",
            kind=kind,
            account_id="acme",
            postings=posting_pair("acme", kind, _usd(amount)),
            idempotency_key="k",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
            description="why",
        )
        assert Transaction.between(**parts) == built  # type: ignore[arg-type]
        assert _usd(amount) == built.amount
        assert built == Transaction(  # validated again, it passes
            id=built.id,
            kind=built.kind,
            account_id=built.account_id,
            postings=built.postings,
            idempotency_key=built.idempotency_key,
            created_at=built.created_at,
            description=built.description,
        )
