"""The ledger's bounds on amounts and balances, and its one form of amounts, on every storage."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.integration import storage_workers as raw

from telcocore import TelcoCore
from telcocore.billing.ledger.errors import DebitLimitExceeded
from telcocore.billing.ledger.model import SystemAccount
from telcocore.billing.ledger.services import LedgerRequest, Movement
from telcocore.kernel.errors import CurrencyMismatch, InvalidAmount
from telcocore.kernel.money import AMOUNT_LIMIT, MAX_PLACES, UNBOUNDED, Money

LARGEST = AMOUNT_LIMIT - Decimal(1).scaleb(-MAX_PLACES)
"""The largest amount and balance the ledger takes: 999999999999999.999999999999."""
SMALLEST = Decimal(1).scaleb(-MAX_PLACES)
"""The smallest positive amount the ledger takes: 0.000000000001."""


def _usd(amount: Decimal | str) -> Money:
    return Money(amount, "USD")


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """A USD account holding 100.00."""
    core.accounts.open("Acme", "USD", account_id="acme")
    core.ledger.credit("acme", "100.00", idempotency_key="seed")
    return "acme"


def _untouched(core: TelcoCore, account_id: str, balance: str, lines: int) -> None:
    """The account still reads back whole: its balance, history and the ledger's totals."""
    history = core.ledger.history(account_id).entries
    assert (_usd(balance), lines, {"USD": Decimal(0)}, None) == (
        core.ledger.balance(account_id),
        len(history),
        core.ledger.totals(),
        core.audit.verify_chain(),
    )
    assert core.ledger.balance(account_id) == history[-1].balance


class TestAmountBounds:
    """An amount has at most 12 decimal places and is below 10**15."""

    @pytest.mark.parametrize(
        ("method", "amount", "words"),
        [
            ("charge_usage", "1e-60", "more than 12 decimal places"),
            ("charge_usage", "0.0000000000001", "more than 12 decimal places"),
            ("credit", "1e99", "too large"),
            ("credit", str(AMOUNT_LIMIT), "too large"),
            ("debit", "1e15", "too large"),
        ],
    )
    def test_refused_before_anything_is_written(
        self, core: TelcoCore, acme: str, method: str, amount: str, words: str
    ) -> None:
        """The posting is an InvalidAmount naming the limit; the account stays usable."""
        with pytest.raises(InvalidAmount, match=words) as info:
            getattr(core.ledger, method)(acme, amount, idempotency_key="k")
        assert "at most 12 decimal places" in str(info.value)
        assert "below 1,000,000,000,000,000" in str(info.value)
        _untouched(core, acme, "100.00", 1)
        core.ledger.charge_usage(acme, "0.01", idempotency_key="k")
        _untouched(core, acme, "99.99", 2)

    def test_the_extremes_are_taken(self, core: TelcoCore, acme: str) -> None:
        """The smallest and the largest amount post, and sums of them stay exact."""
        core.accounts.open("Globex", "USD", account_id="globex")
        core.ledger.credit("globex", LARGEST, idempotency_key="big")
        core.ledger.credit(acme, SMALLEST, idempotency_key="small")
        assert (_usd(LARGEST), _usd(Decimal("100.000000000001"))) == (
            core.ledger.balance("globex"),
            core.ledger.balance(acme),
        )
        cash = -(LARGEST + Decimal("100.000000000001"))
        assert (_usd(cash), {"USD": Decimal(0)}) == (
            core.ledger.system_balance(SystemAccount.CASH, "USD"),
            core.ledger.totals(),
        )

    def test_zeros_beyond_12_places_are_dropped(self, core: TelcoCore, acme: str) -> None:
        """An amount written with more places, all zeros, is the same amount."""
        posted = core.ledger.credit(acme, "1.50000000000000000", idempotency_key="k")
        assert ("1.500000000000", _usd("101.50")) == (
            str(posted.amount.amount),
            core.ledger.balance(acme),
        )


class TestBalanceBounds:
    """No posting takes a balance to 10**15 or beyond, on any storage."""

    def test_a_credit_past_the_limit(self, core: TelcoCore, acme: str) -> None:
        """A credit that would take the balance to 10**15 is refused, naming both balances."""
        core.ledger.credit(acme, LARGEST - 100, idempotency_key="big")
        with pytest.raises(InvalidAmount, match=r"from 999999999999999\.999999999999 USD") as info:
            core.ledger.credit(acme, SMALLEST, idempotency_key="k")
        assert "to 1000000000000000.000000000000 USD" in str(info.value)
        _untouched(core, acme, str(LARGEST), 2)

    def test_usage_past_the_negative_limit(self, core: TelcoCore) -> None:
        """Usage is posted past the debit limit, but not past -10**15."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.ledger.charge_usage("acme", LARGEST, idempotency_key="u-1")
        with pytest.raises(InvalidAmount, match="would take the balance"):
            core.ledger.charge_usage("acme", "1", idempotency_key="u-2")
        _untouched(core, "acme", str(-LARGEST), 1)

    def test_a_debit_within_the_largest_limit(self, core: TelcoCore) -> None:
        """The largest debit limit lets a debit reach the lowest balance, and no further."""
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit=str(LARGEST))
        core.ledger.debit("acme", str(LARGEST), idempotency_key="d-1")
        with pytest.raises(DebitLimitExceeded):
            core.ledger.debit("acme", str(SMALLEST), idempotency_key="d-2")
        _untouched(core, "acme", str(-LARGEST), 1)

    def test_a_reversal_past_the_limit(self, core: TelcoCore) -> None:
        """A reversal that would take the balance out of bounds is refused too."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.ledger.credit("acme", "900000000000000", idempotency_key="t-1")
        usage = core.ledger.charge_usage("acme", "500000000000000", idempotency_key="u-1")
        core.ledger.credit("acme", "500000000000000", idempotency_key="t-2")
        with pytest.raises(InvalidAmount, match="would take the balance"):
            core.ledger.reverse(usage.id, idempotency_key="r-1")
        _untouched(core, "acme", "900000000000000", 3)

    def test_one_request_of_a_batch(self, core: TelcoCore, acme: str) -> None:
        """In a batch, the posting out of bounds is refused alone; the others post."""
        result = core.ledger.post_many(
            [
                LedgerRequest(Movement.CREDIT, acme, "1.00", "b-1"),
                LedgerRequest(Movement.CREDIT, acme, LARGEST, "b-2"),
                LedgerRequest(Movement.USAGE, acme, "1e-60", "b-3"),
                LedgerRequest(Movement.USAGE, acme, "0.01", "b-4"),
            ]
        )
        assert ([1, 2], [InvalidAmount, InvalidAmount]) == (
            [i for i, _ in result.refused],
            [type(e) for _, e in result.refused],
        )
        _untouched(core, acme, "100.99", 3)

    def test_customers_do_not_break_each_others_sums(self, core: TelcoCore, acme: str) -> None:
        """One customer's large amounts and another's tiny ones sum exactly, on every storage."""
        core.accounts.open("Globex", "USD", account_id="globex")
        with pytest.raises(InvalidAmount):
            core.ledger.credit("globex", "1e40", idempotency_key="huge")
        core.ledger.credit("globex", LARGEST, idempotency_key="big")
        core.ledger.credit(acme, "1e-12", idempotency_key="tiny")
        core.ledger.charge_usage(acme, "0.000000000003", idempotency_key="tinier")
        revenue = core.ledger.system_balance(SystemAccount.REVENUE, "USD")
        assert (_usd("0.000000000003"), {"USD": Decimal(0)}) == (revenue, core.ledger.totals())


class TestWhateverIsStoredStaysReadable:
    """A balance stored out of bounds (by an older release) reads back and refuses calmly."""

    @pytest.mark.parametrize("adapter", ["sqlite", "postgres"])
    def test_a_stored_balance_out_of_bounds(
        self, adapter: str, request: pytest.FixtureRequest
    ) -> None:
        """Reading works; a posting keeping it out of bounds is an InvalidAmount; none raw."""
        if adapter == "postgres":
            request.applymarker(pytest.mark.postgres)
        url = str(request.getfixturevalue(f"{adapter}_url" if adapter == "sqlite" else "pg_url"))
        import telcocore  # noqa: PLC0415 - the one test that connects by URL itself

        with telcocore.connect(url) as core:
            core.accounts.open("Acme", "USD", account_id="acme")
            core.ledger.credit("acme", "100.00", idempotency_key="seed")
        stored = Decimal("100." + "0" * 69 + "1")  # 73 digits, as an older release could store
        raw.execute(url, f"UPDATE balances SET amount = '{stored}'")  # noqa: S608 - a constant
        raw.execute(url, "UPDATE system_postings SET amount = '-1E+40'")
        with telcocore.connect(url) as core:
            total = UNBOUNDED.add(Decimal("-1E+40"), stored)  # exact, not the ambient context's
            assert (stored, Decimal("-1E+40"), {"USD": total}) == (
                core.ledger.balance("acme").amount,
                core.ledger.system_balance(SystemAccount.CASH, "USD").amount,
                core.ledger.totals(),
            )
            core.ledger.charge_usage("acme", "1.00", idempotency_key="u-1")
            with pytest.raises(InvalidAmount, match="would take the balance"):
                core.ledger.credit("acme", LARGEST, idempotency_key="t-1")
            assert (UNBOUNDED.subtract(stored, 1),) * 2 == (
                core.ledger.balance("acme").amount,
                core.ledger.history("acme").entries[-1].balance.amount,
            )


class TestOneFormOfAmounts:
    """Amounts are stored and shown in one fixed-point form on every storage."""

    def test_an_exponent_is_stored_as_digits(self, core: TelcoCore, acme: str) -> None:
        """1E+1 posts as 10 and -10 on every storage, and reads back so."""
        posted = core.ledger.credit(acme, "1E+1", idempotency_key="k")
        stored = core.ledger.get(posted.id)
        entry = core.ledger.history(acme).entries[-1]
        assert (["10", "-10"], "10", "110.00") == (
            [str(p.amount.amount) for p in stored.postings],
            str(entry.amount.amount),
            str(entry.balance.amount),
        )

    def test_sqlite_stores_fixed_point_text(self, sqlite_url: str) -> None:
        """SQLite keeps decimals as text: fixed-point, never an exponent."""
        import telcocore  # noqa: PLC0415 - the one test that connects by URL itself

        with telcocore.connect(sqlite_url) as core:
            core.accounts.open("Acme", "USD", account_id="acme")
            core.ledger.credit("acme", "1E+1", idempotency_key="a")
            core.ledger.charge_usage("acme", "1E-9", idempotency_key="b")
        stored = raw.query(
            sqlite_url,
            "SELECT amount FROM system_postings UNION ALL SELECT amount FROM balances "
            "UNION ALL SELECT amount || ' ' || balance_after FROM ledger_entries",
        )
        assert {"-10", "0.000000001", "9.999999999", "10 10", "-0.000000001 9.999999999"} == {
            r[0] for r in stored
        }

    def test_a_wrong_currency_is_a_currency_mismatch(self, core: TelcoCore, acme: str) -> None:
        """Money in another currency than the account's is a CurrencyMismatch, alone or batched."""
        with pytest.raises(CurrencyMismatch, match="EUR") as info:
            core.ledger.credit(acme, Money("5", "EUR"), idempotency_key="k")
        batch = core.ledger.post_many([LedgerRequest(Movement.DEBIT, acme, Money("5", "EUR"), "k")])
        assert (("USD", "EUR"), [CurrencyMismatch]) == (
            (info.value.left, info.value.right),
            [type(e) for _, e in batch.refused],
        )
        _untouched(core, acme, "100.00", 1)


class TestAccountSettingsBounds:
    """A debit limit and an alert threshold obey the ledger's bounds: they meet balances."""

    @pytest.mark.parametrize("setting", ["debit_limit", "low_balance_threshold"])
    @pytest.mark.parametrize(
        ("amount", "words"), [("1e99", "too large"), ("1e-13", "more than 12 decimal places")]
    )
    def test_refused_at_opening_and_update(
        self, core: TelcoCore, acme: str, setting: str, amount: str, words: str
    ) -> None:
        """Refused naming the setting; nothing is opened or changed."""
        settings: dict[str, Any] = {setting: amount}
        with pytest.raises(InvalidAmount, match=words) as opening:
            core.accounts.open("Big", "USD", account_id="big", **settings)
        with pytest.raises(InvalidAmount, match=words) as updating:
            core.accounts.update(acme, **settings)
        assert (setting, setting, ["acme"], 0) == (
            opening.value.field,
            updating.value.field,
            [a.id for a in core.accounts.list()],
            core.accounts.get(acme).version,
        )

    def test_the_largest_debit_limit_still_answers(self, core: TelcoCore, acme: str) -> None:
        """With the largest limit, available and a refused debit still compute exactly."""
        core.accounts.update(acme, debit_limit=str(LARGEST))
        assert _usd(LARGEST + 100) == core.ledger.available(acme)
