"""Service plans and seats: what a plan prices, what an account has, and the pure rules.

A plan has a currency, a cost per user per month, and per DID class (local, national,
toll-free, ...) a monthly and a setup charge. An account on a plan has a number of users
(seats). Its monthly charge is users x cost per user plus each of its active DIDs' monthly
charge of its class; a DID's setup charge is charged once, by the first recurring run
that sees the DID on the account.

Prorating (:func:`prorate`): buying users on day ``d`` of a UTC calendar month of ``D``
days charges the full monthly price times ``(D - d + 1) / D`` (the remaining days, the
day of purchase included), rounded half-up once to the currency's precision. On the 1st
that is the full price; on the last day, one day's worth.

These are the pure rules; :mod:`telcocore.billing.plans.services` stores plans and seats
and charges them through the ledger.
"""

from __future__ import annotations

import calendar
import decimal
import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Final

import attrs

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.money import (
    Money,
    Rounding,
    as_money,
    currency_precision,
    round_decimal,
    validate_currency,
)
from telcocore.kernel.periods import Period, require_utc
from telcocore.kernel.validation import coerce_enum, shown, validate_id, validate_int
from telcocore.numbering.model.dids import Did, DidClass

__all__ = [
    "MAX_USERS",
    "ChargeStatus",
    "DidLine",
    "DidPrice",
    "PlanAssignment",
    "PlanView",
    "RecurringCharge",
    "RecurringRun",
    "SeatChange",
    "SeatQuote",
    "ServicePlan",
    "did_lines",
    "did_prices",
    "month_of",
    "prorate",
    "recurring_key",
    "validate_plan_name",
    "validate_users",
]

MAX_USERS: Final = 1_000_000
"""The most users an account may have, and the most bought or removed at once."""
_PRORATING: Final = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)
"""Where the prorated share is computed before its one rounding, whatever the ambient context."""


def validate_plan_name(value: object, field: str = "name") -> str:
    """A plan's name: an id (letters, digits, ``-``, ``_``, ``.``)."""
    return validate_id(value, field=field, label="service plan name")


def validate_users(value: object, *, field: str = "n", minimum: int = 1) -> int:
    """A number of users, from ``minimum`` to :data:`MAX_USERS`."""
    return validate_int(value, field=field, minimum=minimum, maximum=MAX_USERS)


def _price(value: object, currency: str, field: str) -> Money:
    money = as_money(value, currency, field=field)
    if money.is_negative():
        msg = f"{field} {money} must not be negative"
        raise ValidationError(msg, field=field, value=value)
    if money != money.round(Rounding.HALF_UP):
        msg = f"{field} {money} has more digits than {currency} has"
        raise ValidationError(msg, field=field, value=value)
    return money


@attrs.frozen
class DidPrice:
    """What a plan charges for a DID of ``did_class``: each month, and once when set up."""

    did_class: DidClass
    monthly: Money
    setup: Money


def did_prices(
    currency: str, monthly: Mapping[object, object] | None, setup: Mapping[object, object] | None
) -> tuple[DidPrice, ...]:
    """The DID prices of a plan from two mappings of class to amount, in class order.

    A class named in only one mapping is free in the other; a class named in neither is
    free. Amounts are in ``currency``, not negative, at its precision.
    """
    tables: dict[str, dict[DidClass, Money]] = {}
    for field, given in (("did_monthly", monthly), ("did_setup", setup)):
        table = {} if given is None else given
        if not isinstance(table, Mapping):
            msg = f"{field} must map DID classes to amounts, got {shown(table)}"
            raise ValidationError(msg, field=field, value=table)
        tables[field] = {
            coerce_enum(DidClass, key, field=field): _price(value, currency, field)
            for key, value in table.items()
        }
    zero = Money.zero(currency)
    classes = sorted(
        set(tables["did_monthly"]) | set(tables["did_setup"]), key=list(DidClass).index
    )
    return tuple(
        DidPrice(c, tables["did_monthly"].get(c, zero), tables["did_setup"].get(c, zero))
        for c in classes
    )


@attrs.frozen
class ServicePlan:
    """A service plan: the price of a user per month and of DIDs by class."""

    ENTITY: ClassVar[str] = "service_plan"
    """Its name in the audit log and in storage errors."""

    name: str
    currency: str
    cost_per_user: Money
    did_prices: tuple[DidPrice, ...] = ()
    version: int = 0

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the plan's name."""
        return self.name

    @classmethod
    def build(  # noqa: PLR0913, PLR0917 - a plan's parts, as the service takes them
        cls,
        name: object,
        currency: object,
        cost_per_user: object,
        did_monthly: Mapping[object, object] | None,
        did_setup: Mapping[object, object] | None,
        version: int,
    ) -> ServicePlan:
        """A plan from the caller's values, each checked (:class:`~telcocore.ValidationError`)."""
        code = validate_currency(currency)
        return cls(
            validate_plan_name(name),
            code,
            _price(cost_per_user, code, "cost_per_user"),
            did_prices(code, did_monthly, did_setup),
            version,
        )

    def did_price(self, did_class: DidClass) -> DidPrice:
        """The prices of a DID of ``did_class``; free if the plan does not name the class."""
        for price in self.did_prices:
            if price.did_class is did_class:
                return price
        zero = Money.zero(self.currency)
        return DidPrice(did_class, zero, zero)


@attrs.frozen
class PlanAssignment:
    """The plan an account is on, and the users (seats) it has bought."""

    ENTITY: ClassVar[str] = "plan_assignment"
    """Its name in the audit log and in storage errors."""

    account_id: str
    plan: str
    users: int = 0

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the account's id."""
        return self.account_id


@attrs.frozen
class DidLine:
    """One DID of an account, with what its plan charges for it."""

    number: str
    did_class: DidClass
    monthly: Money
    setup: Money


def did_lines(plan: ServicePlan, dids: Iterable[Did]) -> tuple[DidLine, ...]:
    """The active DIDs among ``dids``, by number, each with the plan's prices of its class."""
    lines = []
    for did in sorted(dids, key=lambda d: d.number):
        if did.active:
            price = plan.did_price(did.did_class)
            lines.append(DidLine(did.number, did.did_class, price.monthly, price.setup))
    return tuple(lines)


def _sum(amounts: Iterable[Money], currency: str) -> Money:
    return sum(amounts, Money.zero(currency))


@attrs.frozen
class PlanView:
    """An account's plan as the customer sees it, with the monthly charge it makes."""

    account_id: str
    plan: str
    currency: str
    users: int
    users_in_use: int
    """The account's registered extensions and SIP usernames."""
    cost_per_user: Money
    users_monthly: Money
    """``users x cost_per_user``."""
    dids: tuple[DidLine, ...]
    """The account's active DIDs, by number."""
    dids_monthly: Money
    total_monthly: Money
    """``users_monthly + dids_monthly``: what the recurring run charges each month."""

    @classmethod
    def of(
        cls, plan: ServicePlan, assignment: PlanAssignment, in_use: int, dids: Iterable[Did]
    ) -> PlanView:
        """The view of ``assignment`` on ``plan``, with ``in_use`` users in use and its DIDs."""
        lines = did_lines(plan, dids)
        users_monthly = plan.cost_per_user * assignment.users
        dids_monthly = _sum((line.monthly for line in lines), plan.currency)
        return cls(
            assignment.account_id,
            plan.name,
            plan.currency,
            assignment.users,
            in_use,
            plan.cost_per_user,
            users_monthly,
            lines,
            dids_monthly,
            users_monthly + dids_monthly,
        )


@attrs.frozen
class SeatQuote:
    """What buying ``users`` users would charge now, and whether it fits the debit limit."""

    account_id: str
    users: int
    cost_per_user: Money
    full_charge: Money
    """``users x cost_per_user``: a whole month."""
    charge: Money
    """What would be charged: ``full_charge``, prorated if asked (:func:`prorate`)."""
    days_charged: int
    days_in_month: int
    available: Money
    """What the account may still spend: balance + debit limit - held credit."""
    fits: bool
    shortfall: Money
    """How much credit is missing (zero when it fits)."""


@attrs.frozen
class SeatChange:
    """Users bought (``change`` > 0) or removed (< 0) under one idempotency key."""

    ENTITY: ClassVar[str] = "seat_change"
    """Its name in storage errors (its key: the idempotency key)."""

    idempotency_key: str
    account_id: str
    change: int
    users: int
    """The account's users after the change."""
    charge: Money
    """What was charged (zero for a removal: no refund is made)."""
    transaction_id: str | None
    """The ledger's purchase transaction; ``None`` when nothing was charged."""
    created_at: datetime


class ChargeStatus(enum.StrEnum):
    """What the recurring run did with one account."""

    CHARGED = "charged"
    ALREADY_CHARGED = "already_charged"
    WOULD_CHARGE = "would_charge"
    """A dry run: nothing was written."""
    NOTHING_TO_CHARGE = "nothing_to_charge"
    REFUSED = "refused"
    """The ledger refused the charge (inactive account, or over the debit limit)."""


@attrs.frozen
class RecurringCharge:
    """One account's charge of a period: users, DIDs' monthly charges, new DIDs' setup."""

    account_id: str
    plan: str
    status: ChargeStatus
    users: int
    """The users charged: the account's users less those bought since the period began."""
    users_charge: Money
    dids: tuple[DidLine, ...]
    """The DIDs charged their monthly charge."""
    setups: tuple[DidLine, ...]
    """The DIDs charged their setup charge (first seen by a run)."""
    total: Money
    transaction_id: str | None = None
    refusal: str | None = None
    """Why the ledger refused it (status ``refused``)."""

    @classmethod
    def due(
        cls, view: PlanView, setups_charged: Iterable[str], bought_in_period: int = 0
    ) -> RecurringCharge:
        """What a run charges for ``view``: its monthly total and the setup of new DIDs.

        ``bought_in_period`` users were bought during the period, so paid for it by their
        purchase: they are not charged again (``users`` is what is charged). Status
        :attr:`ChargeStatus.WOULD_CHARGE`, or ``NOTHING_TO_CHARGE`` for a zero total.
        """
        charged = set(setups_charged)
        setups = tuple(line for line in view.dids if line.number not in charged)
        users = max(view.users - bought_in_period, 0)
        users_charge = view.cost_per_user * users
        setup_charge = _sum((line.setup for line in setups), view.currency)
        total = users_charge + view.dids_monthly + setup_charge
        status = (
            ChargeStatus.WOULD_CHARGE if total.is_positive() else ChargeStatus.NOTHING_TO_CHARGE
        )
        return cls(
            view.account_id,
            view.plan,
            status,
            users,
            users_charge,
            view.dids,
            setups,
            total,
        )


@attrs.frozen
class RecurringRun:
    """What a recurring run of ``period`` did (or would do, ``dry_run``), by account."""

    period: Period
    dry_run: bool
    charges: tuple[RecurringCharge, ...]

    @property
    def total(self) -> dict[str, Money]:
        """The sum charged (or to charge) now, per currency."""
        sums: dict[str, Money] = {}
        for c in self.charges:
            if c.status in {ChargeStatus.CHARGED, ChargeStatus.WOULD_CHARGE}:
                sums[c.total.currency] = sums.get(c.total.currency, Money.zero(c.total.currency))
                sums[c.total.currency] += c.total
        return sums


def prorate(amount: Money, at: datetime) -> tuple[Money, int, int]:
    """``amount`` for the rest of ``at``'s UTC calendar month, the day of ``at`` included.

    The charged amount (``amount x remaining / days``, rounded half-up once to the
    currency's precision), the days charged and the days in the month.
    """
    at = require_utc(at, field="at")
    days = calendar.monthrange(at.year, at.month)[1]
    remaining = days - at.day + 1
    exact = _PRORATING.divide(_PRORATING.multiply(amount.amount, remaining), Decimal(days))
    places = currency_precision(amount.currency)
    charged = round_decimal(exact, places, Rounding.HALF_UP)
    return Money(charged, amount.currency), remaining, days


def month_of(period: object) -> str:
    """``YYYY-MM`` of a calendar month period; :class:`~telcocore.ValidationError` otherwise."""
    if not isinstance(period, Period):
        msg = f"period must be a Period, got {shown(period)}"
        raise ValidationError(msg, field="period", value=period)
    start = period.start
    last = (start.year, start.month) == (9999, 12)  # its end is past what a Period holds
    if last or period != Period.month(start.year, start.month):
        msg = f"period {period} must be one UTC calendar month (Period.month(year, month))"
        raise ValidationError(msg, field="period", value=period)
    return f"{start.year:04d}-{start.month:02d}"


def recurring_key(account_id: str, period: Period) -> str:
    """The ledger idempotency key of the account's recurring charge of ``period``."""
    return f"plans:recurring:{account_id}:{month_of(period)}"
