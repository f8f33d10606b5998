"""An invoice: its lines, totals and tax, its number, its status and its payments.

The tax rule: every line's amount is rounded half-up to the currency's precision; the
subtotal is the sum of the lines; the tax is the subtotal times the account's tax rate,
rounded once, half-up, to the currency's precision; the total is subtotal plus tax.

>>> from decimal import Decimal
>>> lines = [usage_line("United Kingdom", "44", "international", 3, 200, Money("1.005", "USD"))]
>>> totals(lines, Decimal("0.2"), "USD")
(Money('1.01', 'USD'), Money('0.20', 'USD'), Money('1.21', 'USD'))
>>> invoice_number("INV-{year}-{seq:06d}", issuer="default", seq=123, year=2026, month=4)
'INV-2026-000123'
"""

from __future__ import annotations

import decimal
import enum
import functools
import importlib.resources
import json
import re
import string
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Final

import attrs

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.money import Money, Rounding
from telcocore.kernel.periods import Period, require_utc
from telcocore.kernel.serialization import converter
from telcocore.kernel.validation import shown, validate_id, validate_int, validate_text

__all__ = [
    "DEFAULT_ISSUER",
    "DEFAULT_NUMBER_FORMAT",
    "DEFAULT_PAYMENT_TERMS",
    "ISSUER_NUMBER_FORMAT",
    "Invoice",
    "InvoiceLine",
    "InvoicePage",
    "InvoicePayment",
    "InvoiceStatus",
    "Issuer",
    "LineKind",
    "PaymentStatus",
    "UsageKey",
    "UsageRow",
    "claim_day",
    "default_number_format",
    "invoice_number",
    "invoice_schema",
    "totals",
    "usage_line",
    "validate_issuer",
    "validate_number_format",
    "whole_days",
]

DEFAULT_ISSUER: Final = "default"
"""The issuer of invoices generated without naming one."""
DEFAULT_NUMBER_FORMAT: Final = "INV-{year}-{seq:06d}"
"""How the default issuer's numbers are written unless it is given another format."""
ISSUER_NUMBER_FORMAT: Final = "INV-{issuer}-{year}-{seq:06d}"
"""How another issuer's numbers are written unless it is given another format: with its
name, so that no two issuers left at their defaults write the same numbers."""


def default_number_format(issuer: str) -> str:
    """The number format of ``issuer`` until one is set.

    >>> default_number_format("default"), default_number_format("eu")
    ('INV-{year}-{seq:06d}', 'INV-{issuer}-{year}-{seq:06d}')
    """
    return DEFAULT_NUMBER_FORMAT if issuer == DEFAULT_ISSUER else ISSUER_NUMBER_FORMAT


DEFAULT_PAYMENT_TERMS: Final = 30
"""Days from issue to the due date unless the issuer says otherwise."""
MAX_PAYMENT_TERMS: Final = 3660
"""The longest payment terms, in days (ten years)."""
_FORMAT_FIELDS: Final = frozenset({"year", "month", "seq", "issuer"})
_MAX_NUMBER_LENGTH: Final = 64
_MAX_KEY_PART: Final = 64
_MAX_FORMAT_LENGTH: Final = 200
_SEQ_SPEC: Final = re.compile(
    r"(?:(?P<fill>.)?(?P<align>[<>=^]))?[-+ ]?(?P<zero>0)?[0-9]*[,_]?d?", re.DOTALL
)
"""How ``{seq}`` may be written: a decimal integer, padded, signed or grouped (``06d``)."""
_SIXTY: Final = Decimal(60)
_HUNDREDTH: Final = Decimal("0.01")
_MINUTES: Final = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_UP)
"""Billed minutes: seconds / 60 rounded half-up to hundredths, whatever the ambient context."""
_MINUTE_PLACES: Final = 2


class InvoiceStatus(enum.StrEnum):
    """Where an invoice is: draft → issued → paid, or void (from draft or issued)."""

    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    VOID = "void"


class PaymentStatus(enum.StrEnum):
    """How much of an invoice's total the payments recorded against it cover."""

    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"


class LineKind(enum.StrEnum):
    """What a line bills: usage by destination, or one of the ledger's other charges."""

    USAGE = "usage"
    PURCHASE = "purchase"
    RECURRING = "recurring"
    ADJUSTMENT = "adjustment"


def validate_issuer(value: object) -> str:
    """An issuer's name: an id as ``validate_id`` takes (``default``, ``acme-telecom``)."""
    return validate_id(value, field="issuer", label="issuer")


def validate_number_format(value: object) -> str:
    """A number format: ``str.format`` text with ``{seq}`` and only the fields it knows.

    The fields are ``seq`` (the issuer's sequence, from 1), ``year`` and ``month`` (of the
    moment the invoice is generated, UTC) and ``issuer``: ``INV-{year}-{seq:06d}``.
    """
    value = validate_text(
        value, field="number_format", max_length=_MAX_FORMAT_LENGTH, required=True
    )
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        sample = invoice_number(value, issuer="x", seq=1, year=2026, month=1, checked=False)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
        msg = f"number_format {value!r} cannot be used: {error}"
        raise ValidationError(msg, field="number_format", value=value) from None
    for _, name, spec, conversion in string.Formatter().parse(value):
        if name == "seq" and not _distinct_seq(spec or "", conversion):
            msg = (
                f"number_format {value!r} may write two sequence numbers alike: write {{seq}} "
                "as a decimal integer, padded with zeros on the left or with a fill that is "
                "not a digit (06d, 0>6, *<8)"
            )
            raise ValidationError(msg, field="number_format", value=value)
    unknown = names - _FORMAT_FIELDS
    if "seq" not in names or unknown:
        msg = (
            f"number_format {value!r} must contain {{seq}} and only the fields "
            f"{', '.join(sorted(_FORMAT_FIELDS))}"
        )
        raise ValidationError(msg, field="number_format", value=value)
    if len(sample) > _MAX_NUMBER_LENGTH:
        msg = f"number_format {value!r} makes numbers over {_MAX_NUMBER_LENGTH} characters"
        raise ValidationError(msg, field="number_format", value=value)
    return value


def _distinct_seq(spec: str, conversion: str | None) -> bool:
    """Whether ``{seq:spec}`` writes every sequence number differently."""
    found = _SEQ_SPEC.fullmatch(spec)
    if conversion is not None or found is None:
        return False
    # Without a fill, the 0 flag pads with zeros on the side ``align`` says (right: left).
    fill = found.group("fill") or ("0" if found.group("zero") else " ")
    # A digit padding the number is read as part of it, but for zeros on its left.
    return not fill.isdigit() or (fill == "0" and found.group("align") in {None, ">", "="})


def invoice_number(  # noqa: PLR0913 - the format and its fields, keyword-only
    number_format: str, *, issuer: str, seq: int, year: int, month: int, checked: bool = True
) -> str:
    """The number ``number_format`` writes for the ``seq``-th invoice of ``issuer``."""
    if checked:
        validate_number_format(number_format)
    return number_format.format(issuer=issuer, seq=seq, year=year, month=month)


def _payment_terms(value: object) -> int:
    return validate_int(value, field="payment_terms_days", maximum=MAX_PAYMENT_TERMS)


@attrs.frozen
class Issuer:
    """Who issues invoices: its number format, payment terms and last sequence number."""

    ENTITY: ClassVar[str] = "invoice_issuer"
    """Its name in the audit log and in storage errors."""

    name: str = attrs.field(converter=validate_issuer)
    number_format: str = attrs.field(
        default=attrs.Factory(lambda self: default_number_format(self.name), takes_self=True),
        converter=validate_number_format,
    )
    """How its numbers are written: :func:`default_number_format` unless given."""
    payment_terms_days: int = attrs.field(default=DEFAULT_PAYMENT_TERMS, converter=_payment_terms)
    """Days from issue to the due date."""

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the issuer's name."""
        return self.name


def whole_days(period: object, *, field: str = "period") -> Period:
    """``period`` if it is a :class:`~telcocore.kernel.periods.Period` of whole UTC days.

    Usage rows are daily, so an invoice's period starts and ends at midnight UTC.
    """
    if not isinstance(period, Period):
        msg = f"{field} must be a Period, got {shown(period)}"
        raise ValidationError(msg, field=field, value=period)
    for instant in (period.start, period.end):
        if instant.timetz() != time(tzinfo=UTC):
            msg = (
                f"{field} {instant.isoformat()} is not midnight UTC: invoices cover whole "
                "UTC days (Period.day, Period.days, Period.month)"
            )
            raise ValidationError(msg, field=field, value=period)
    return period


def _key_account(value: object) -> str:
    return validate_id(value, field="account_id", label="account id")


def _day(value: object) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        msg = f"day must be a date (a UTC day), got {shown(value)}"
        raise ValidationError(msg, field="day", value=value)
    return value


def _prefix(value: object) -> str:
    return validate_text(value, field="prefix", max_length=_MAX_KEY_PART, required=True)


def _classification(value: object) -> str:
    return validate_text(value, field="classification", max_length=_MAX_KEY_PART, required=True)


_USAGE_CLAIM: Final = "usage|"
"""How a usage row's claim starts (a ledger transaction's starts ``transaction|``)."""


@attrs.frozen(order=True)
class UsageKey:
    """Which usage row: an account's calls of one UTC day, destination prefix and class."""

    account_id: str = attrs.field(converter=_key_account)
    day: date = attrs.field(converter=_day)
    prefix: str = attrs.field(converter=_prefix)
    classification: str = attrs.field(converter=_classification)

    @property
    def claim(self) -> str:
        """The row's unique key in the invoices' claims."""
        parts = [self.account_id, self.day.isoformat(), self.prefix, self.classification]
        return f"{_USAGE_CLAIM}{json.dumps(parts, separators=(',', ':'), ensure_ascii=False)}"

    def __str__(self) -> str:
        return (
            f"usage of {self.account_id!r} on {self.day.isoformat()} to prefix "
            f"{self.prefix!r} ({self.classification})"
        )


def claim_day(claim: str) -> date | None:
    """The UTC day of a usage row's claim (:attr:`UsageKey.claim`); ``None`` for another claim.

    >>> claim_day(UsageKey("acme", date(2026, 3, 9), "44", "international").claim)
    datetime.date(2026, 3, 9)
    >>> claim_day("transaction|tx-1") is None
    True
    """
    if not claim.startswith(_USAGE_CLAIM):
        return None
    return date.fromisoformat(json.loads(claim[len(_USAGE_CLAIM) :])[1])


@attrs.frozen
class UsageRow:
    """One day of an account's calls to one destination prefix and classification."""

    key: UsageKey
    description: str
    calls: int
    """Attempts: every posted call, answered or not."""
    billed_seconds: int
    charge: Money


def _rounded(value: Money) -> Money:
    return value.round(Rounding.HALF_UP)


@attrs.frozen
class InvoiceLine:
    """One line: usage to a destination, or a charge from the ledger.

    ``amount`` is rounded half-up to the currency's precision; a credit (a refund
    adjustment) is negative.
    """

    kind: LineKind
    description: str
    amount: Money = attrs.field(converter=_rounded)
    prefix: str | None = None
    classification: str | None = None
    calls: int = 0
    billed_seconds: int = 0
    billed_minutes: Decimal = Decimal(0)
    """``billed_seconds`` / 60, rounded half-up to two places (for reading only)."""
    transaction_id: str | None = None
    """The ledger transaction of a charge line."""


def usage_line(  # noqa: PLR0913, PLR0917 - a line's parts, in the order it shows them
    description: str,
    prefix: str,
    classification: str,
    calls: int,
    billed_seconds: int,
    charge: Money,
) -> InvoiceLine:
    """The usage line of a destination: its calls, billed time and charge."""
    minutes = _MINUTES.divide(Decimal(billed_seconds), _SIXTY).quantize(
        _HUNDREDTH, context=_MINUTES
    )
    return InvoiceLine(
        LineKind.USAGE,
        description,
        charge,
        prefix=prefix,
        classification=classification,
        calls=calls,
        billed_seconds=billed_seconds,
        billed_minutes=minutes,
    )


def usage_lines(rows: Iterable[UsageRow], currency: str) -> list[InvoiceLine]:
    """One line per destination (prefix and classification) of ``rows``, by prefix."""
    grouped: dict[tuple[str, str], list[UsageRow]] = {}
    for row in rows:
        grouped.setdefault((row.key.prefix, row.key.classification), []).append(row)
    lines = []
    for (prefix, classification), group in sorted(grouped.items()):
        charge = sum((row.charge for row in group), Money.zero(currency))
        lines.append(
            usage_line(
                min(row.description for row in group),
                prefix,
                classification,
                sum(row.calls for row in group),
                sum(row.billed_seconds for row in group),
                charge,
            )
        )
    return lines


def totals(
    lines: Sequence[InvoiceLine], tax_rate: Decimal, currency: str
) -> tuple[Money, Money, Money]:
    """Subtotal, tax and total of ``lines`` by the tax rule (see the module)."""
    subtotal = sum((line.amount for line in lines), Money.zero(currency))
    tax = _rounded(subtotal * tax_rate)
    return subtotal, tax, subtotal + tax


@attrs.frozen
class InvoicePayment:
    """A payment's allocation recorded on an invoice: how much, when, which payment."""

    amount: Money
    paid_at: datetime
    reference: str = ""
    payment_id: str = ""
    """The :class:`~telcocore.billing.invoices.model.payment.Payment` it comes from."""


@attrs.frozen
class Invoice:
    """An invoice of one account for one period, in the account's currency.

    ``number`` is its issuer's ``seq``-th number. ``due_at`` is set when it is issued
    (issue time plus the issuer's payment terms); whether it is overdue is derived
    (:meth:`overdue`), never stored.
    """

    ENTITY: ClassVar[str] = "invoice"
    """Its name in the audit log and in storage errors (its key: its number)."""

    id: str
    number: str
    issuer: str
    seq: int
    account_id: str
    currency: str
    period: Period
    lines: tuple[InvoiceLine, ...]
    tax_rate: Decimal
    subtotal: Money
    tax: Money
    total: Money
    generated_at: datetime
    status: InvoiceStatus = InvoiceStatus.DRAFT
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS
    issued_at: datetime | None = None
    due_at: datetime | None = None
    voided_at: datetime | None = None
    payments: tuple[InvoicePayment, ...] = ()
    version: int = 1

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: its number."""
        return self.number

    @property
    def paid(self) -> Money:
        """The sum of the payments recorded against it."""
        return sum((p.amount for p in self.payments), Money.zero(self.currency))

    @property
    def outstanding(self) -> Money:
        """What is still owed: total minus payments."""
        return self.total - self.paid

    @property
    def payment_status(self) -> PaymentStatus:
        """Unpaid, partially paid or paid, from the payments and the total."""
        if self.payments and not self.outstanding.is_positive():
            return PaymentStatus.PAID
        if self.status is InvoiceStatus.PAID:
            return PaymentStatus.PAID
        return PaymentStatus.PARTIALLY_PAID if self.payments else PaymentStatus.UNPAID

    def overdue(self, now: datetime) -> bool:
        """Whether it is issued, not fully paid, and its due date has passed at ``now``."""
        now = require_utc(now, field="now")
        return (
            self.status is InvoiceStatus.ISSUED
            and self.due_at is not None
            and now >= self.due_at
            and self.outstanding.is_positive()
        )

    def issued(self, at: datetime) -> Invoice:
        """The invoice issued at ``at``, due its payment terms later; paid if it is zero."""
        due = at + timedelta(days=self.payment_terms_days)
        status = InvoiceStatus.ISSUED if self.total.is_positive() else InvoiceStatus.PAID
        return attrs.evolve(self, status=status, issued_at=at, due_at=due, version=self.version + 1)

    def with_payment(self, payment: InvoicePayment) -> Invoice:
        """The invoice with ``payment`` recorded; paid once nothing is outstanding."""
        after = attrs.evolve(self, payments=(*self.payments, payment), version=self.version + 1)
        if not after.outstanding.is_positive():
            after = attrs.evolve(after, status=InvoiceStatus.PAID)
        return after

    def voided(self, at: datetime) -> Invoice:
        """The invoice void since ``at``."""
        return attrs.evolve(self, status=InvoiceStatus.VOID, voided_at=at, version=self.version + 1)

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        """The invoice as JSON-ready data, through the library's one converter.

        Its fields, plus ``paid``, ``outstanding`` and ``payment_status``; with ``now``,
        ``overdue`` at that moment too. The shape is the package's ``invoice.schema.json``.
        """
        document: dict[str, Any] = converter.unstructure(self)
        document["paid"] = converter.unstructure(self.paid)
        document["outstanding"] = converter.unstructure(self.outstanding)
        document["payment_status"] = self.payment_status.value
        if now is not None:
            document["overdue"] = self.overdue(now)
        return document


@functools.cache
def _schema_text() -> str:
    files = importlib.resources.files("telcocore.billing.invoices.model")
    return files.joinpath("invoice.schema.json").read_text(encoding="utf-8")


def invoice_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :meth:`Invoice.to_json`, shipped in the package."""
    loaded: dict[str, Any] = json.loads(_schema_text())
    return loaded


@attrs.frozen
class InvoicePage:
    """One page of invoices; ``next_after`` is the cursor of the next page, if any."""

    invoices: list[Invoice]
    next_after: str | None = None
