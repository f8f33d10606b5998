"""Holds (reservations) in the ledger, on every storage."""

from __future__ import annotations

from decimal import Decimal

import pytest

from telcocore import (
    AccountNotActive,
    AccountStatus,
    DebitLimitExceeded,
    HoldConflict,
    LedgerRequest,
    Money,
    Movement,
    TelcoCore,
    ValidationError,
)


def _usd(amount: str) -> Money:
    return Money(amount, "USD")


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """A USD account holding 10.00, with a debit limit of 5.00 (15.00 available)."""
    core.accounts.open("Acme", "USD", account_id="acme", debit_limit="5")
    core.ledger.credit("acme", "10.00", idempotency_key="seed")
    return "acme"


class TestPlacing:
    """A hold fits when balance - held - amount >= -debit_limit."""

    def test_a_hold_lowers_what_is_available(self, core: TelcoCore, acme: str) -> None:
        """The balance stays; available and held show the hold."""
        hold = core.ledger.place_hold(acme, "4.00", hold_id="h1", reason="call c1")
        assert (_usd("4.00"), "call c1") == (hold.amount, hold.reason)
        assert (_usd("10.00"), _usd("4.00"), _usd("11.00")) == (
            core.ledger.balance(acme),
            core.ledger.held(acme),
            core.ledger.available(acme),
        )
        assert [hold] == core.ledger.holds(acme)

    def test_up_to_the_limit_fits_and_no_further(self, core: TelcoCore, acme: str) -> None:
        """Exactly the available credit fits; a cent more is refused, naming what is left."""
        core.ledger.place_hold(acme, "10.00", hold_id="h1")
        core.ledger.place_hold(acme, "5.00", hold_id="h2")
        with pytest.raises(DebitLimitExceeded) as refused:
            core.ledger.place_hold(acme, "0.01", hold_id="h3")
        assert (_usd("0"), _usd("0.01")) == (refused.value.available, refused.value.shortfall)
        assert _usd("15.00") == core.ledger.held(acme)

    def test_a_refused_hold_keeps_nothing(self, core: TelcoCore, acme: str) -> None:
        """Its id stays free: once credit is topped up, the same id holds."""
        with pytest.raises(DebitLimitExceeded):
            core.ledger.place_hold(acme, "20.00", hold_id="h1")
        assert ([], _usd("0")) == (core.ledger.holds(acme), core.ledger.held(acme))
        core.ledger.credit(acme, "5.00", idempotency_key="more")
        assert _usd("20.00") == core.ledger.place_hold(acme, "20.00", hold_id="h1").amount

    def test_the_same_hold_twice_holds_once(self, core: TelcoCore, acme: str) -> None:
        """Placing it again returns the first, as it was stored."""
        first = core.ledger.place_hold(acme, "4.00", hold_id="h1")
        assert first == core.ledger.place_hold(acme, "4.00", hold_id="h1")
        assert _usd("4.00") == core.ledger.held(acme)

    def test_the_same_id_for_another_amount_conflicts(self, core: TelcoCore, acme: str) -> None:
        """A different amount or account under one id is a HoldConflict."""
        core.accounts.open("Bolt", "USD", account_id="bolt")
        core.ledger.place_hold(acme, "4.00", hold_id="h1")
        with pytest.raises(HoldConflict, match="amount"):
            core.ledger.place_hold(acme, "4.01", hold_id="h1")
        with pytest.raises(HoldConflict, match="account"):
            core.ledger.place_hold("bolt", "4.00", hold_id="h1")
        assert _usd("4.00") == core.ledger.held(acme)

    def test_only_an_active_account_holds(self, core: TelcoCore, acme: str) -> None:
        """Holding is new usage: an inactive account is refused."""
        core.accounts.set_status(acme, AccountStatus.INACTIVE)
        with pytest.raises(AccountNotActive):
            core.ledger.place_hold(acme, "1.00", hold_id="h1")

    @pytest.mark.parametrize("amount", ["0", "-1", Money("1", "EUR")])
    def test_an_amount_must_be_positive_in_the_currency(
        self, core: TelcoCore, acme: str, amount: object
    ) -> None:
        """Zero, negative or another currency is bad input."""
        with pytest.raises(ValidationError):
            core.ledger.place_hold(acme, amount, hold_id="h1")  # type: ignore[arg-type]

    def test_a_zero_decimal_currency(self, core: TelcoCore) -> None:
        """A JPY hold is whole yen, and a fraction of one is refused by the ledger's rules."""
        core.accounts.open("Yen", "JPY", account_id="yen")
        core.ledger.credit("yen", "1000", idempotency_key="seed")
        core.ledger.place_hold("yen", "999", hold_id="h1")
        assert Money("1", "JPY") == core.ledger.available("yen")


class TestReleasing:
    """Releasing gives the credit back; it is idempotent."""

    def test_release_returns_the_hold(self, core: TelcoCore, acme: str) -> None:
        """The released hold comes back, and its credit is available again."""
        hold = core.ledger.place_hold(acme, "15.00", hold_id="h1")
        assert hold == core.ledger.release_hold("h1")
        assert (_usd("0"), _usd("15.00"), []) == (
            core.ledger.held(acme),
            core.ledger.available(acme),
            core.ledger.holds(acme),
        )

    def test_releasing_twice_or_an_unknown_hold_is_none(self, core: TelcoCore, acme: str) -> None:
        """Nothing to release: None, and nothing changes."""
        core.ledger.place_hold(acme, "1.00", hold_id="h1")
        core.ledger.release_hold("h1")
        assert (None, None) == (core.ledger.release_hold("h1"), core.ledger.release_hold("zz"))
        assert _usd("0") == core.ledger.held(acme)


class TestDebitsLeaveHolds:
    """New usage must leave held credit; consumed usage always posts."""

    def test_debit_respects_holds(self, core: TelcoCore, acme: str) -> None:
        """With 12.00 held, 3.00 fits and 3.01 does not."""
        core.ledger.place_hold(acme, "12.00", hold_id="h1")
        with pytest.raises(DebitLimitExceeded) as refused:
            core.ledger.debit(acme, "3.01", idempotency_key="d1")
        assert _usd("3.00") == refused.value.available
        core.ledger.debit(acme, "3.00", idempotency_key="d2")
        assert (_usd("7.00"), _usd("0")) == (
            core.ledger.balance(acme),
            core.ledger.available(acme),
        )

    def test_post_many_debits_respect_holds(self, core: TelcoCore, acme: str) -> None:
        """A batch's debits see the holds; its credits and usage do not care."""
        core.ledger.place_hold(acme, "12.00", hold_id="h1")
        result = core.ledger.post_many(
            [
                LedgerRequest(Movement.DEBIT, acme, "2.00", "b1"),
                LedgerRequest(Movement.DEBIT, acme, "1.01", "b2"),
                LedgerRequest(Movement.USAGE, acme, "20.00", "b3"),
                LedgerRequest(Movement.CREDIT, acme, "1.00", "b4"),
            ]
        )
        assert [1] == [position for position, _ in result.refused]
        refused = result.refused[0][1]
        assert isinstance(refused, DebitLimitExceeded)
        assert _usd("1.00") == refused.available
        assert _usd("-11.00") == core.ledger.balance(acme)

    def test_usage_posts_past_holds_and_releases_one(self, core: TelcoCore, acme: str) -> None:
        """charge_usage always posts; with release_hold it frees the call's hold with it."""
        core.ledger.place_hold(acme, "15.00", hold_id="call-1")
        core.ledger.charge_usage(acme, "16.00", idempotency_key="u1", release_hold="call-1")
        assert (_usd("-6.00"), _usd("0"), _usd("-1.00")) == (
            core.ledger.balance(acme),
            core.ledger.held(acme),
            core.ledger.available(acme),
        )
        again = core.ledger.charge_usage(acme, "16.00", idempotency_key="u1", release_hold="call-1")
        assert (_usd("-16.00"), _usd("-6.00")) == (again.amount, core.ledger.balance(acme))

    def test_post_many_releases_holds_of_what_posts(self, core: TelcoCore, acme: str) -> None:
        """A batch's usage releases its call's hold; a refused request releases none."""
        core.ledger.place_hold(acme, "5.00", hold_id="call-1")
        core.ledger.place_hold(acme, "5.00", hold_id="call-2")
        result = core.ledger.post_many(
            [
                LedgerRequest(Movement.USAGE, acme, "1.00", "u1", release_hold="call-1"),
                LedgerRequest(Movement.DEBIT, acme, "9.00", "d1", release_hold="call-2"),
                LedgerRequest(Movement.USAGE, acme, "1.00", "u2", release_hold="bad id"),
                LedgerRequest(Movement.USAGE, acme, "1.00", "u3", release_hold="unknown"),
            ]
        )
        assert [1, 2] == [position for position, _ in result.refused]
        assert isinstance(result.refused[1][1], ValidationError)
        assert (["call-2"], _usd("8.00"), _usd("5.00")) == (
            [h.id for h in core.ledger.holds(acme)],
            core.ledger.balance(acme),
            core.ledger.held(acme),
        )

    def test_usage_never_releases_another_accounts_hold(self, core: TelcoCore, acme: str) -> None:
        """Usage of one account naming another's hold posts, and the other keeps its hold."""
        core.accounts.open("Bolt", "USD", account_id="bolt")
        core.ledger.credit("bolt", "1.00", idempotency_key="bolt-seed")
        core.ledger.place_hold("bolt", "0.90", hold_id="call-b")
        core.ledger.charge_usage(acme, "0.10", idempotency_key="u1", release_hold="call-b")
        core.ledger.post_many(
            [LedgerRequest(Movement.USAGE, acme, "0.10", "u2", release_hold="call-b")]
        )
        assert (_usd("0.90"), _usd("9.80")) == (
            core.ledger.held("bolt"),
            core.ledger.balance(acme),
        )

    @pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
    def test_a_retry_does_not_release_a_hold_placed_since(
        self, core: TelcoCore, acme: str, batched: bool
    ) -> None:
        """A retried usage returns the first posting and leaves a new hold of that id."""

        def charge() -> None:
            if batched:
                core.ledger.post_many(
                    [LedgerRequest(Movement.USAGE, acme, "1.00", "u1", release_hold="call-1")]
                )
            else:
                core.ledger.charge_usage(acme, "1.00", idempotency_key="u1", release_hold="call-1")

        core.ledger.place_hold(acme, "2.00", hold_id="call-1")
        charge()
        core.ledger.place_hold(acme, "3.00", hold_id="call-1")  # the id, used again
        charge()
        assert (_usd("3.00"), _usd("9.00")) == (
            core.ledger.held(acme),
            core.ledger.balance(acme),
        )

    def test_totals_stay_zero(self, core: TelcoCore, acme: str) -> None:
        """Holds move no money: the ledger still sums to zero."""
        core.ledger.place_hold(acme, "5.00", hold_id="h1")
        assert {"USD": Decimal(0)} == core.ledger.totals()
