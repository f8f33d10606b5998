"""Bills on every storage: the three-month window, any date range, statuses and totals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from telcocore import BillStatus, Money, Period, TelcoCore, ValidationError
from telcocore.billing.invoices.model.bill import bill_window
from telcocore.testing import FixedClock


def _issued(core: TelcoCore, clock: FixedClock, at: datetime, amount: str = "10.00") -> str:
    """An invoice of a purchase on the day before ``at``, issued at ``at``."""
    day = (at - timedelta(days=1)).date()
    clock.set(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    core.ledger.debit("acme", amount, idempotency_key=f"buy-{day}")
    clock.set(at)
    number = core.invoices.generate("acme", Period.day(day)).number
    return core.invoices.issue(number).number


@pytest.fixture
def acme(core: TelcoCore, clock: FixedClock) -> TelcoCore:
    """Account ``acme`` in USD with credit to buy with, opened before every bill."""
    clock.set(datetime(2020, 1, 1, tzinfo=UTC))
    core.accounts.open("Acme", "USD", account_id="acme")
    core.ledger.credit("acme", "1000", idempotency_key="seed")
    return core


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class TestWindow:
    """The default window: the days after ``day`` minus three months, up to ``day``."""

    @pytest.mark.parametrize(
        ("day", "first"),
        [
            (date(2026, 5, 31), date(2026, 3, 1)),  # 31 May - 3 months = 28 Feb
            (date(2024, 5, 31), date(2024, 3, 1)),  # 29 Feb in a leap year
            (date(2026, 11, 30), date(2026, 8, 31)),  # 30 Aug
            (date(2028, 2, 29), date(2027, 11, 30)),  # 29 Nov
        ],
    )
    def test_bill_window(self, day: date, first: date) -> None:
        """Three calendar months by relativedelta, ending with ``day`` included."""
        assert Period.days(first, day) == bill_window(day)

    @pytest.mark.parametrize(
        ("day", "outside_before", "inside"),
        [
            (date(2026, 5, 31), _at(2026, 2, 28, 23, 59), _at(2026, 3, 1)),
            (date(2026, 11, 30), _at(2026, 8, 30, 23, 59), _at(2026, 8, 31)),
            (date(2028, 2, 29), _at(2027, 11, 29, 23, 59), _at(2027, 11, 30)),
        ],
    )
    def test_bills_at_the_edges(
        self,
        acme: TelcoCore,
        clock: FixedClock,
        day: date,
        outside_before: datetime,
        inside: datetime,
    ) -> None:
        """Issued on the first and the last day: in; the minute before and after: out."""
        last = datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC)
        numbers = [
            _issued(acme, clock, at)
            for at in (outside_before, inside, last, last + timedelta(minutes=1))
        ]
        bills = acme.invoices.bills("acme", day=day)
        assert numbers[1:3] == [bill.number for bill in bills.bills]
        assert Money("20.00", "USD") == bills.total

    def test_default_day_is_today(self, acme: TelcoCore, clock: FixedClock) -> None:
        """Without a day, the window ends today (UTC)."""
        number = _issued(acme, clock, _at(2026, 5, 2))
        clock.set(_at(2026, 8, 1, 9))
        assert [number] == [b.number for b in acme.invoices.bills("acme").bills]
        clock.set(_at(2026, 8, 2, 9))
        assert [] == list(acme.invoices.bills("acme").bills)

    @pytest.mark.parametrize("day", [date(1, 1, 1), date(1, 3, 31), date(9999, 12, 31)])
    def test_a_day_whose_window_the_calendar_cannot_hold_is_refused(
        self, acme: TelcoCore, day: date
    ) -> None:
        """Three months before the first days of year 1, or a last day past 9999-12-30."""
        with pytest.raises(ValidationError, match=r"^day ") as caught:
            acme.invoices.bills("acme", day=day)
        assert caught.value.field == "day"

    def test_the_first_and_last_days_a_window_can_have(self, acme: TelcoCore) -> None:
        """1 April of year 1 starts its window on 2 January; 30 December 9999 ends one."""
        first = acme.invoices.bills("acme", day=date(1, 4, 1)).window
        last = acme.invoices.bills("acme", day=date(9999, 12, 30)).window
        assert (date(1, 1, 2), date(9999, 12, 31)) == (first.start.date(), last.end.date())


class TestStatuses:
    """Each bill's status and the totals, in any date range."""

    def test_every_status(self, acme: TelcoCore, clock: FixedClock) -> None:
        """Paid, partially paid, unpaid, overdue and void; drafts are not bills."""
        paid, part, unpaid, late, void = (
            _issued(acme, clock, _at(2026, 4, day), amount)
            for day, amount in (
                (20, "10.00"),
                (21, "20.00"),
                (22, "30.00"),
                (2, "40.00"),
                (23, "50.00"),
            )
        )
        clock.set(_at(2026, 4, 25))
        acme.invoices.record_payment(
            "acme", "15", method="card", allocations={paid: "10", part: "5"}
        )
        acme.invoices.void(void)
        acme.ledger.debit("acme", "1", idempotency_key="draft")
        clock.set(_at(2026, 4, 26))
        acme.invoices.generate("acme", Period.day(date(2026, 4, 25)))  # a draft
        clock.set(_at(2026, 5, 10))  # 30 days after 2 April: only that one is overdue
        bills = acme.invoices.bills("acme", period=Period.month(2026, 4))
        statuses = {bill.number: bill.status for bill in bills.bills}
        assert {
            paid: BillStatus.PAID,
            part: BillStatus.PARTIALLY_PAID,
            unpaid: BillStatus.UNPAID,
            late: BillStatus.OVERDUE,
            void: BillStatus.VOID,
        } == statuses
        assert (Money("100.00", "USD"), Money("15.00", "USD"), Money("85.00", "USD")) == (
            bills.total,
            bills.paid,
            bills.outstanding,
        )
        assert [late, paid, part, unpaid, void] == [b.number for b in bills.bills]

    def test_day_and_period_together_refused(self, acme: TelcoCore) -> None:
        """One window only."""
        with pytest.raises(ValidationError, match="not both"):
            acme.invoices.bills("acme", day=date(2026, 5, 31), period=Period.month(2026, 5))
