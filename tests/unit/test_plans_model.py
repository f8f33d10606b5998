"""The service plan rules: prorating, DID prices, month periods, what a run charges."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime

import pytest

from telcocore import ChargeStatus, Money, Period, ValidationError
from telcocore.billing.plans.model import (
    PlanAssignment,
    PlanView,
    RecurringCharge,
    ServicePlan,
    month_of,
    prorate,
    recurring_key,
)
from telcocore.numbering.model.dids import Did, DidClass

MONTHS = {28: (2026, 2), 29: (2028, 2), 30: (2026, 4), 31: (2026, 3)}
"""A month of each length: February 2026, February 2028 (a leap year), April, March."""


@pytest.mark.parametrize("days", sorted(MONTHS))
@pytest.mark.parametrize("which", ["first", "15th", "last"])
def test_prorating_charges_the_remaining_days_of_the_month(days: int, which: str) -> None:
    """On day d of a month of D days: amount x (D - d + 1) / D, rounded half-up once."""
    year, month = MONTHS[days]
    day = {"first": 1, "15th": 15, "last": days}[which]
    at = datetime(year, month, day, 23, 59, 59, tzinfo=UTC)
    charged, remaining, in_month = prorate(Money("100.00", "USD"), at)
    assert (in_month, remaining) == (days, days - day + 1)
    expected = {
        # first: the whole month; last: one day's worth; 15th: the days from the 15th on
        (28, "first"): "100.00",
        (28, "15th"): "50.00",  # 14/28
        (28, "last"): "3.57",  # 100/28 = 3.571...
        (29, "first"): "100.00",
        (29, "15th"): "51.72",  # 15/29 = 51.724...
        (29, "last"): "3.45",  # 100/29 = 3.448...
        (30, "first"): "100.00",
        (30, "15th"): "53.33",  # 16/30
        (30, "last"): "3.33",
        (31, "first"): "100.00",
        (31, "15th"): "54.84",  # 17/31 = 54.838...
        (31, "last"): "3.23",  # 100/31 = 3.225...
    }[days, which]
    assert Money(expected, "USD") == charged


def test_prorating_rounds_half_up() -> None:
    """0.05 for 15 of 30 days is 0.025: half-up makes 0.03 (half-even would make 0.02)."""
    at = datetime(2026, 4, 16, tzinfo=UTC)
    assert Money("0.03", "USD") == prorate(Money("0.05", "USD"), at)[0]


def test_prorating_in_a_currency_without_cents() -> None:
    """JPY has no decimals: 1000 for 15 of 30 days is 500, for 1 of 31 is 32 (32.25...)."""
    assert (
        Money("500", "JPY") == prorate(Money("1000", "JPY"), datetime(2026, 4, 16, tzinfo=UTC))[0]
    )
    assert Money("32", "JPY") == prorate(Money("1000", "JPY"), datetime(2026, 3, 31, tzinfo=UTC))[0]


@pytest.mark.parametrize(
    "ambient",
    [decimal.Context(prec=3), decimal.Context(traps=[decimal.Inexact])],
    ids=["three digits", "inexact trapped"],
)
def test_prorating_ignores_the_callers_decimal_context(ambient: decimal.Context) -> None:
    """100.00 for 17 of 31 days is 54.84 whatever decimal context the caller has set."""
    at = datetime(2026, 3, 15, tzinfo=UTC)
    with decimal.localcontext(ambient):
        charged = prorate(Money("100.00", "USD"), at)[0]
    assert Money("54.84", "USD") == charged


def test_prorating_refuses_a_naive_time() -> None:
    """``at`` must be aware."""
    with pytest.raises(ValidationError, match="at"):
        prorate(Money("1", "USD"), datetime(2026, 3, 1))  # noqa: DTZ001 - the refused value


class TestPlans:
    """A plan from the caller's values."""

    def test_did_prices_by_class(self) -> None:
        """A class named in one table is free in the other; an unnamed class is free."""
        plan = ServicePlan.build(
            "pbx", "USD", "10", {"local": "2"}, {DidClass.TOLL_FREE: "20.00"}, 1
        )
        assert [DidClass.LOCAL, DidClass.TOLL_FREE] == [p.did_class for p in plan.did_prices]
        local = plan.did_price(DidClass.LOCAL)
        assert (Money("2", "USD"), Money("0", "USD")) == (local.monthly, local.setup)
        assert Money("20", "USD") == plan.did_price(DidClass.TOLL_FREE).setup
        assert Money("0", "USD") == plan.did_price(DidClass.MOBILE).monthly

    @pytest.mark.parametrize(
        ("cost", "monthly", "field"),
        [
            ("-1", {}, "cost_per_user"),
            ("0.001", {}, "cost_per_user"),
            (0.5, {}, "cost_per_user"),
            ("1", {"cosmic": "1"}, "did_monthly"),
            ("1", {"local": "-0.01"}, "did_monthly"),
            ("1", ["local"], "did_monthly"),
        ],
    )
    def test_bad_prices_are_refused(self, cost: object, monthly: object, field: str) -> None:
        """Negative, too precise, float, unknown class, not a mapping: named in the error."""
        with pytest.raises(ValidationError) as refused:
            ServicePlan.build("pbx", "USD", cost, monthly, None, 1)  # type: ignore[arg-type]
        assert field == refused.value.field


class TestRecurring:
    """What a run charges, and for which period."""

    def _view(self) -> PlanView:
        plan = ServicePlan.build("pbx", "USD", "10", {"local": "2"}, {"local": "5"}, 1)
        created = datetime(2026, 1, 1, tzinfo=UTC)
        dids = [
            Did("+14155550100", "acme", DidClass.LOCAL, created, active=True, activated_at=created),
            Did("+14155550101", "acme", DidClass.LOCAL, created),  # inactive: not charged
            Did("+14155550102", "acme", DidClass.LOCAL, created, active=True, activated_at=created),
        ]
        return PlanView.of(plan, PlanAssignment("acme", "pbx", 3), 1, dids)

    def test_the_monthly_charge(self) -> None:
        """3 users x 10 + two active DIDs x 2 = 34 a month."""
        view = self._view()
        assert ["+14155550100", "+14155550102"] == [line.number for line in view.dids]
        assert (Money("30", "USD"), Money("4", "USD")) == (view.users_monthly, view.dids_monthly)
        assert Money("34", "USD") == view.total_monthly

    def test_setup_is_charged_for_dids_not_charged_before(self) -> None:
        """The first run adds both setups (10); a run after one was charged adds the other."""
        first = RecurringCharge.due(self._view(), set())
        assert (ChargeStatus.WOULD_CHARGE, Money("44", "USD")) == (first.status, first.total)
        later = RecurringCharge.due(self._view(), {"+14155550100"})
        assert ["+14155550102"] == [line.number for line in later.setups]
        assert Money("39", "USD") == later.total

    def test_a_zero_total_is_nothing_to_charge(self) -> None:
        """A plan of no users and no DIDs charges nothing."""
        plan = ServicePlan.build("free", "USD", "10", None, None, 1)
        view = PlanView.of(plan, PlanAssignment("acme", "free", 0), 0, [])
        assert ChargeStatus.NOTHING_TO_CHARGE == RecurringCharge.due(view, ()).status

    def test_periods_are_calendar_months(self) -> None:
        """A month period names its key; a day or a 9999-12 period is refused."""
        assert "plans:recurring:acme:2026-03" == recurring_key("acme", Period.month(2026, 3))
        with pytest.raises(ValidationError, match="calendar month"):
            month_of(Period.day(datetime(2026, 3, 1, tzinfo=UTC).date()))
        with pytest.raises(ValidationError, match="Period"):
            month_of("2026-03")
