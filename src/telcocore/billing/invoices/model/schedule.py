"""An account's invoice schedule: a recurrence rule whose occurrences bound its periods.

The rule is an RFC 5545 ``RRULE`` read by :mod:`dateutil.rrule`, starting at ``start``
(midnight UTC): ``FREQ=MONTHLY;BYMONTHDAY=1`` bills calendar months, ``FREQ=WEEKLY;BYDAY=MO``
weeks from Monday, ``FREQ=DAILY`` days. Each period runs from one occurrence to the next; it
is due once its end has passed.

>>> from datetime import UTC, datetime
>>> schedule = InvoiceSchedule(
...     "acme", "FREQ=MONTHLY;BYMONTHDAY=1", datetime(2026, 1, 1, tzinfo=UTC)
... )
>>> [p.start.date().isoformat() for p in schedule.due_periods(datetime(2026, 3, 2, tzinfo=UTC))]
['2026-01-01', '2026-02-01']
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime, time
from typing import ClassVar, Final

import attrs
from dateutil import rrule

from telcocore.billing.invoices.model.invoice import DEFAULT_ISSUER, validate_issuer
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import Period, require_utc
from telcocore.kernel.validation import shown, validate_id, validate_text

__all__ = ["MAX_DUE_PERIODS", "InvoiceSchedule", "validate_rule"]

MAX_DUE_PERIODS: Final = 1000
"""The most periods one schedule invoices per run (a daily schedule of almost three years):
the next run goes on with the rest."""
_MAX_RULE_LENGTH: Final = 500
_DAILY_OR_LONGER: Final = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
_TIME_PARTS: Final = ("BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART", "UNTIL")
_LATE_START: Final = datetime(9970, 1, 1, tzinfo=UTC)


def _parse(rule: str, start: datetime) -> rrule.rrule:
    try:
        parsed = rrule.rrulestr(rule, dtstart=start)
    except (ValueError, TypeError) as error:
        msg = f"rule {rule!r} is not an RRULE dateutil can read: {error}"
        raise ValidationError(msg, field="rule", value=rule) from None
    if not isinstance(parsed, rrule.rrule):
        msg = f"rule {rule!r} must be one RRULE, not a set of rules"
        raise ValidationError(msg, field="rule", value=rule)
    return parsed


def validate_rule(value: object) -> str:
    """An RRULE of days, weeks, months or years, without times of day (those are UTC 00:00)."""
    rule = validate_text(value, field="rule", max_length=_MAX_RULE_LENGTH, required=True)
    upper = rule.upper()
    if any(part in upper for part in _TIME_PARTS):
        msg = f"rule {rule!r} may not set a time of day, start or end: periods are whole days"
        raise ValidationError(msg, field="rule", value=rule)
    # A rule no day satisfies (February 30th) would send dateutil searching up to the year
    # 9999 on every run: refuse it, searching the last 30 years dateutil reaches, which hold
    # an occurrence of every rule that has one (the calendar's days of the week repeat every
    # 28 years at most within them).
    if next(iter(_parse(rule, _LATE_START)), None) is None:
        msg = f"rule {rule!r} matches no day: it would never make a period"
        raise ValidationError(msg, field="rule", value=rule)
    frequency = re.search(r"FREQ=([A-Z]+)", upper)
    if frequency is None or frequency.group(1) not in _DAILY_OR_LONGER:
        msg = f"rule {rule!r} must repeat daily, weekly, monthly or yearly"
        raise ValidationError(msg, field="rule", value=rule)
    return rule


def _midnight(value: object) -> datetime:
    start = require_utc(value, field="start")
    if start.timetz() != time(tzinfo=UTC):
        msg = f"start {start.isoformat()} must be midnight UTC: periods are whole UTC days"
        raise ValidationError(msg, field="start", value=value)
    return start


def _account_id(value: object) -> str:
    return validate_id(value, field="account_id", label="account id")


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        msg = f"issue must be True or False, got {shown(value)}"
        raise ValidationError(msg, field="issue", value=value)
    return value


@attrs.frozen
class InvoiceSchedule:
    """When an account's invoices are generated: ``rule`` from ``start``, by ``issuer``.

    With ``issue``, each invoice the schedule generates is issued at once; otherwise it
    stays a draft.
    """

    ENTITY: ClassVar[str] = "invoice_schedule"
    """Its name in the audit log and in storage errors (its key: the account's id)."""

    account_id: str = attrs.field(converter=_account_id)
    rule: str = attrs.field(converter=validate_rule)
    start: datetime = attrs.field(converter=_midnight)
    issuer: str = attrs.field(default=DEFAULT_ISSUER, converter=validate_issuer)
    issue: bool = attrs.field(default=False, converter=_flag)

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the account's id."""
        return self.account_id

    def due_periods(
        self, now: datetime, *, done: Collection[datetime] = frozenset()
    ) -> list[Period]:
        """The periods that ended by ``now`` and whose start is not in ``done``, oldest first.

        At most :data:`MAX_DUE_PERIODS` of them: the next call, with these in ``done``,
        goes on with the rest.
        """
        now = require_utc(now, field="now")
        periods: list[Period] = []
        previous: datetime | None = None
        for occurrence in _parse(self.rule, self.start):
            if occurrence > now or len(periods) >= MAX_DUE_PERIODS:
                break
            if previous is not None and previous not in done:
                periods.append(Period(previous, occurrence))
            previous = occurrence
        return periods
