"""The plan service on every storage: plans, seats bought through the ledger, the run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from tests.conftest import START

from telcocore import (
    AccountNotActive,
    AccountStatus,
    ChargeStatus,
    CurrencyMismatch,
    DebitLimitExceeded,
    IdempotencyConflict,
    Money,
    Period,
    PlanInUse,
    PlanNotAssigned,
    PlanNotFound,
    TelcoCore,
    TransactionKind,
    UsersInUse,
    ValidationError,
)
from telcocore.numbering.model.dids import DidClass
from telcocore.testing import FixedClock

APRIL = Period.month(2026, 4)
MAY = Period.month(2026, 5)


def _on_plan(core: TelcoCore, account_id: str = "acme", credit: str | None = "1000") -> None:
    """The account open in USD on plan ``pbx`` (31.00 a user, local DIDs 2.00 + 5.00 setup)."""
    core.accounts.open("Acme", "USD", account_id=account_id, home_country="US")
    if credit is not None:
        core.ledger.credit(account_id, credit, idempotency_key=f"top-up {account_id}")
    if not core.plans.plans():
        core.plans.save_plan(
            "pbx", "USD", "31.00", did_monthly={"local": "2.00"}, did_setup={"local": "5.00"}
        )
    core.plans.assign_plan(account_id, "pbx")


def _state(core: TelcoCore, account_id: str = "acme") -> tuple[object, ...]:
    """What a refused purchase must leave as it was: ledger, users, audit, seat changes."""
    history = core.ledger.history(account_id, limit=1000).entries
    audit = core.audit.entries(limit=1000).entries
    return (
        core.ledger.balance(account_id),
        [e.transaction_id for e in history],
        core.plans.assignment(account_id),
        [e.id for e in audit],
    )


class TestPlans:
    """Plans stored, replaced, deleted and assigned; every change audited."""

    def test_saved_replaced_and_read(self, core: TelcoCore) -> None:
        """Saving again replaces the plan and raises its version; both are audited."""
        first = core.plans.save_plan("pbx", "USD", "10", did_monthly={"local": "1"})
        second = core.plans.save_plan("pbx", "USD", "12.50", did_setup={"toll_free": "9"})
        assert (1, 2) == (first.version, second.version)
        assert second == core.plans.plan("pbx")
        assert [second] == core.plans.plans()
        assert Money("9", "USD") == second.did_price(DidClass.TOLL_FREE).setup
        assert Money("0", "USD") == second.did_price(DidClass.LOCAL).monthly
        history = core.audit.history("service_plan", "pbx")
        assert ["CREATE", "UPDATE"] == [v.entry.action for v in history]

    def test_assigned_in_the_account_currency(self, core: TelcoCore) -> None:
        """A plan in another currency is refused; an assigned plan keeps its currency."""
        core.accounts.open("Acme", "EUR", account_id="acme")
        core.plans.save_plan("pbx", "USD", "10")
        with pytest.raises(CurrencyMismatch):
            core.plans.assign_plan("acme", "pbx")
        core.plans.save_plan("pbx", "EUR", "10")
        assert 0 == core.plans.assign_plan("acme", "pbx").users
        with pytest.raises(CurrencyMismatch):
            core.plans.save_plan("pbx", "USD", "10")

    def test_deleted_only_when_unassigned(self, core: TelcoCore) -> None:
        """A plan in use is refused deletion, naming the accounts; an unused one goes."""
        _on_plan(core)
        with pytest.raises(PlanInUse, match="acme"):
            core.plans.delete_plan("pbx")
        core.plans.save_plan("other", "USD", "1")
        core.plans.delete_plan("other", reason="unused")
        with pytest.raises(PlanNotFound):
            core.plans.plan("other")

    def test_an_account_without_a_plan(self, core: TelcoCore) -> None:
        """Asking for its plan, view or seats says it has none."""
        core.accounts.open("Acme", "USD", account_id="acme")
        for call in (core.plans.assignment, core.plans.plan_view):
            with pytest.raises(PlanNotAssigned):
                call("acme")
        with pytest.raises(PlanNotAssigned):
            core.plans.buy_users("acme", 1, idempotency_key="b")

    def test_the_plan_view(self, core: TelcoCore) -> None:
        """Users, users in use, the active DIDs and the total per month."""
        _on_plan(core)
        core.plans.buy_users("acme", 3, idempotency_key="b", prorate=False)
        core.numbering.register_extension("acme", "1001")
        core.numbering.add_did("acme", "+14155550100", DidClass.LOCAL, active=True)
        core.numbering.add_did("acme", "+14155550101", DidClass.TOLL_FREE)  # inactive
        view = core.plans.plan_view("acme")
        assert (3, 1) == (view.users, view.users_in_use)
        assert Money("93.00", "USD") == view.users_monthly
        assert ["+14155550100"] == [line.number for line in view.dids]
        assert Money("95.00", "USD") == view.total_monthly


class TestBuyingUsers:
    """Seats are bought only with enough credit, charged once, atomically."""

    def test_the_quote(self, core: TelcoCore) -> None:
        """On 14 March, 18 of 31 days remain: 3 users of 31.00 cost 54.00."""
        _on_plan(core, credit="50")
        quote = core.plans.quote_users("acme", 3)
        assert (Money("93.00", "USD"), Money("54.00", "USD")) == (quote.full_charge, quote.charge)
        assert (18, 31) == (quote.days_charged, quote.days_in_month)
        assert (False, Money("4.00", "USD")) == (quote.fits, quote.shortfall)
        whole = core.plans.quote_users("acme", 1, at=datetime(2026, 2, 28, tzinfo=UTC))
        assert (True, Money("1.11", "USD")) == (whole.fits, whole.charge)  # 31 x 1/28
        full = core.plans.quote_users("acme", 1, prorate=False)
        assert (Money("31.00", "USD"), 31) == (full.charge, full.days_charged)

    def test_exactly_enough_credit_succeeds(self, core: TelcoCore) -> None:
        """54.00 of credit buys 3 users for 54.00: a purchase debit, the users added."""
        _on_plan(core, credit="54.00")
        change = core.plans.buy_users("acme", 3, idempotency_key="buy-1", reason="growth")
        assert (3, Money("54.00", "USD")) == (change.users, change.charge)
        assert Money("0.00", "USD") == core.ledger.balance("acme")
        transaction = core.ledger.get(str(change.transaction_id))
        assert (TransactionKind.PURCHASE, Money("-54.00", "USD")) == (
            transaction.kind,
            transaction.amount,
        )
        assert 3 == core.plans.assignment("acme").users
        entry = core.audit.history("plan_assignment", "acme")[-1].entry
        assert ("UPDATE", "growth") == (entry.action, entry.reason)

    def test_one_cent_less_changes_nothing(self, core: TelcoCore) -> None:
        """53.99 is refused with 0.01 missing; ledger, users and audit are as before."""
        _on_plan(core, credit="53.99")
        before = _state(core)
        with pytest.raises(DebitLimitExceeded, match=r"0\.01 USD is missing") as refused:
            core.plans.buy_users("acme", 3, idempotency_key="buy-1")
        assert Money("0.01", "USD") == refused.value.shortfall
        assert before == _state(core)
        core.ledger.credit("acme", "0.01", idempotency_key="cent")
        assert 3 == core.plans.buy_users("acme", 3, idempotency_key="buy-1").users  # key free

    def test_the_debit_limit_counts(self, core: TelcoCore) -> None:
        """With no credit and a debit limit of 54.00, the same 3 users fit."""
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit="54")
        core.plans.save_plan("pbx", "USD", "31.00")
        core.plans.assign_plan("acme", "pbx")
        assert core.plans.quote_users("acme", 3).fits
        core.plans.buy_users("acme", 3, idempotency_key="b")
        assert Money("-54.00", "USD") == core.ledger.balance("acme")

    def test_a_retried_purchase_charges_once(self, core: TelcoCore, clock: FixedClock) -> None:
        """The same key again (even on another day) returns the first change."""
        _on_plan(core)
        first = core.plans.buy_users("acme", 2, idempotency_key="buy-1")
        clock.set(datetime(2026, 3, 30, tzinfo=UTC))
        assert first == core.plans.buy_users("acme", 2, idempotency_key="buy-1")
        assert 2 == core.plans.assignment("acme").users
        assert Money("1000", "USD") - first.charge == core.ledger.balance("acme")
        with pytest.raises(IdempotencyConflict):
            core.plans.buy_users("acme", 5, idempotency_key="buy-1")

    def test_only_an_active_account_buys(self, core: TelcoCore) -> None:
        """An inactive account is refused, and nothing changes."""
        _on_plan(core)
        core.accounts.set_status("acme", AccountStatus.INACTIVE)
        before = _state(core)
        with pytest.raises(AccountNotActive):
            core.plans.buy_users("acme", 1, idempotency_key="b")
        assert before == _state(core)

    def test_a_free_plan_adds_users_without_a_transaction(self, core: TelcoCore) -> None:
        """Nothing to charge: the users are added, no ledger transaction."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.plans.save_plan("free", "USD", "0")
        core.plans.assign_plan("acme", "free")
        change = core.plans.buy_users("acme", 4, idempotency_key="b")
        assert (4, None) == (change.users, change.transaction_id)

    def test_bad_counts(self, core: TelcoCore) -> None:
        """Zero, negative or fractional users are refused."""
        _on_plan(core)
        for n in (0, -1, Decimal("1.5")):
            with pytest.raises(ValidationError):
                core.plans.buy_users("acme", n, idempotency_key="b")  # type: ignore[arg-type]


class TestRemovingUsers:
    """Never below the users in use; nothing refunded."""

    def test_not_below_the_users_in_use(self, core: TelcoCore) -> None:
        """3 users and 2 extensions: removing 2 is refused, 1 is allowed, no refund."""
        _on_plan(core)
        core.plans.buy_users("acme", 3, idempotency_key="b")
        for extension in ("1001", "1002"):
            core.numbering.register_extension("acme", extension)
        balance = core.ledger.balance("acme")
        with pytest.raises(UsersInUse, match="at most 1"):
            core.plans.remove_users("acme", 2, idempotency_key="r")
        change = core.plans.remove_users("acme", 1, idempotency_key="r")
        assert (2, -1, None) == (change.users, change.change, change.transaction_id)
        assert balance == core.ledger.balance("acme")
        assert change == core.plans.remove_users("acme", 1, idempotency_key="r")
        assert 2 == core.plans.assignment("acme").users

    def test_not_below_zero(self, core: TelcoCore) -> None:
        """An account of 1 user cannot remove 2."""
        _on_plan(core)
        core.plans.buy_users("acme", 1, idempotency_key="b")
        with pytest.raises(UsersInUse):
            core.plans.remove_users("acme", 2, idempotency_key="r")


class TestRecurringRun:
    """Each account charged its plan once per month."""

    def test_charged_once_however_often_run(self, core: TelcoCore, clock: FixedClock) -> None:
        """April: users, DIDs and the setup; re-runs charge nothing; May: no setup again."""
        _on_plan(core)
        core.plans.buy_users("acme", 2, idempotency_key="b", prorate=False)
        core.numbering.add_did("acme", "+14155550100", DidClass.LOCAL, active=True)
        clock.set(MAY.start)
        first = core.plans.run_recurring(APRIL)
        (charge,) = first.charges
        assert (ChargeStatus.CHARGED, Money("69.00", "USD")) == (charge.status, charge.total)
        assert ["+14155550100"] == [line.number for line in charge.setups]
        again = core.plans.run_recurring(APRIL).charges[0]
        assert (ChargeStatus.ALREADY_CHARGED, charge.transaction_id, charge.total) == (
            again.status,
            again.transaction_id,
            again.total,
        )
        may = core.plans.run_recurring(MAY).charges[0]
        assert (Money("64.00", "USD"), ()) == (may.total, may.setups)
        recurring = core.ledger.history("acme", kinds=[TransactionKind.RECURRING]).entries
        assert [Money("-69.00", "USD"), Money("-64.00", "USD")] == [e.amount for e in recurring]

    def test_users_bought_in_the_period_are_not_charged_again(
        self, core: TelcoCore, clock: FixedClock
    ) -> None:
        """1 user bought in February, 2 on 14 March: March charges 1 user, April all 3."""
        _on_plan(core)
        clock.set(datetime(2026, 2, 10, tzinfo=UTC))
        core.plans.buy_users("acme", 1, idempotency_key="february")
        clock.set(START)
        core.plans.buy_users("acme", 2, idempotency_key="march")
        (march,) = core.plans.run_recurring(Period.month(2026, 3)).charges
        assert (1, Money("31.00", "USD")) == (march.users, march.total)
        clock.set(APRIL.start)
        (april,) = core.plans.run_recurring(APRIL).charges
        assert (3, Money("93.00", "USD")) == (april.users, april.total)

    def test_a_late_run_does_not_charge_users_bought_after_the_period(
        self, core: TelcoCore, clock: FixedClock
    ) -> None:
        """March, refused, then run on 1 April: not for the 2 users bought that day."""
        _on_plan(core, credit="31.00")
        clock.set(datetime(2026, 2, 10, tzinfo=UTC))
        core.plans.buy_users("acme", 1, idempotency_key="february", prorate=False)
        clock.set(datetime(2026, 3, 1, tzinfo=UTC))
        (refused,) = core.plans.run_recurring(Period.month(2026, 3)).charges
        assert ChargeStatus.REFUSED == refused.status
        clock.set(datetime(2026, 4, 1, tzinfo=UTC))
        core.ledger.credit("acme", "200", idempotency_key="top-up")
        core.plans.buy_users("acme", 2, idempotency_key="april")  # the whole of April
        (march,) = core.plans.run_recurring(Period.month(2026, 3)).charges
        assert (ChargeStatus.CHARGED, 1, Money("31.00", "USD")) == (
            march.status,
            march.users,
            march.total,
        )
        (april,) = core.plans.run_recurring(APRIL).charges
        assert (1, Money("31.00", "USD")) == (april.users, april.total)

    def test_a_dry_run_writes_nothing(self, core: TelcoCore, clock: FixedClock) -> None:
        """It lists what it would charge, ahead of the month; the real run then charges that."""
        _on_plan(core)
        core.plans.buy_users("acme", 1, idempotency_key="b", prorate=False)
        balance = core.ledger.balance("acme")
        dry = core.plans.run_recurring(APRIL, dry_run=True)
        assert (ChargeStatus.WOULD_CHARGE, Money("31.00", "USD")) == (
            dry.charges[0].status,
            dry.charges[0].total,
        )
        assert {"USD": Money("31.00", "USD")} == dry.total
        assert balance == core.ledger.balance("acme")
        clock.set(APRIL.start)
        assert ChargeStatus.CHARGED == core.plans.run_recurring(APRIL).charges[0].status

    def test_a_refused_account_is_charged_by_a_later_run(
        self, core: TelcoCore, clock: FixedClock
    ) -> None:
        """Over its debit limit: refused, nothing written; after a top-up, charged once."""
        _on_plan(core, account_id="acme", credit="31.00")
        _on_plan(core, account_id="beta", credit=None)
        core.plans.buy_users("acme", 1, idempotency_key="a", prorate=False)
        core.ledger.credit("beta", "31.00", idempotency_key="beta seats")
        core.plans.buy_users("beta", 1, idempotency_key="b", prorate=False)
        clock.set(APRIL.start)
        run = core.plans.run_recurring(APRIL)
        assert [ChargeStatus.REFUSED, ChargeStatus.REFUSED] == [c.status for c in run.charges]
        assert "31.00 USD is missing" in str(run.charges[0].refusal)
        core.ledger.credit("beta", "31", idempotency_key="more")
        statuses = {c.account_id: c.status for c in core.plans.run_recurring(APRIL).charges}
        assert {"acme": ChargeStatus.REFUSED, "beta": ChargeStatus.CHARGED} == statuses
        assert Money("0.00", "USD") == core.ledger.balance("beta")

    def test_nothing_to_charge(self, core: TelcoCore, clock: FixedClock) -> None:
        """An account of no users and no DIDs is listed, not charged."""
        _on_plan(core)
        clock.set(APRIL.start)
        (charge,) = core.plans.run_recurring(APRIL).charges
        assert (ChargeStatus.NOTHING_TO_CHARGE, None) == (charge.status, charge.transaction_id)

    def test_a_month_is_charged_once_it_has_begun(self, core: TelcoCore, clock: FixedClock) -> None:
        """Before April, its run is refused and writes nothing.

        A user bought in between is then charged by the run on 1 April.
        """
        _on_plan(core)
        core.plans.buy_users("acme", 1, idempotency_key="b", prorate=False)
        before = _state(core)
        clock.set(APRIL.start - timedelta(microseconds=1))
        with pytest.raises(ValidationError, match="charged once it has begun") as refused:
            core.plans.run_recurring(APRIL)
        assert ("period", before) == (refused.value.field, _state(core))
        core.plans.buy_users("acme", 1, idempotency_key="late", prorate=False)
        clock.set(APRIL.start)
        (charge,) = core.plans.run_recurring(APRIL).charges
        assert (ChargeStatus.CHARGED, 2, Money("62.00", "USD")) == (
            charge.status,
            charge.users,
            charge.total,
        )

    def test_the_period_is_a_month(self, core: TelcoCore) -> None:
        """A day is refused."""
        with pytest.raises(ValidationError, match="calendar month"):
            core.plans.run_recurring(Period.day(START.date()))
