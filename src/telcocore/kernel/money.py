r"""Money: an exact ``Decimal`` amount with its ISO 4217 currency.

Amounts are never floats: a float such as ``0.1`` already carries a binary rounding error,
so the public API refuses it. Arithmetic is exact (a local decimal context that raises
rather than rounds), and rounding happens only where a caller names the mode and the
precision. The precision of a currency comes from CLDR through babel: USD has 2 digits,
JPY and CLP none, KWD and BHD three.

>>> from decimal import Decimal
>>> price = Money("10.00", "USD")
>>> price + Money("0.005", "USD")
Money('10.005', 'USD')
>>> (price * Decimal("0.3333")).round(Rounding.HALF_UP)
Money('3.33', 'USD')
>>> Money("1234.5", "EUR").format(locale="de_DE")
'1.234,50\xa0€'
"""

from __future__ import annotations

import decimal
import enum
import functools
import re
from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar, Final

import attrs
import babel.core
import babel.numbers

from telcocore.kernel.errors import CurrencyMismatch, InvalidAmount, InvalidCurrency
from telcocore.kernel.trusted import trusted_constructor
from telcocore.kernel.validation import coerce_enum, shown, validate_int, validate_locale

__all__ = [
    "AMOUNT_LIMIT",
    "LEDGER_BOUNDS",
    "MAX_PLACES",
    "AmountLike",
    "Money",
    "Rounding",
    "as_money",
    "currency_precision",
    "exact",
    "fixed_point",
    "ledger_amount",
    "round_decimal",
    "to_decimal",
    "validate_currency",
]

#: Arithmetic context: wide enough for any real amount, and it raises instead of rounding,
#: so a sum can never be rounded silently by the ambient context.
EXACT: Final = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Overflow, decimal.DivisionByZero],
)

#: Context for sums of stored amounts (balances, system totals): exact however many digits
#: they have, so whatever a storage holds can always be read, added to and summed.
UNBOUNDED: Final = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Overflow, decimal.DivisionByZero],
)

MAX_DIGITS: Final = 60
"""The most significant digits an amount may have (the precision of :data:`EXACT`)."""
MAX_EXPONENT: Final = 100
"""Amounts lie between ``10**-MAX_EXPONENT`` and ``10**MAX_EXPONENT`` (or are zero)."""

#: Context for deliberate rounding: the mode is passed explicitly each time. Wide enough to
#: round any accepted amount to any precision up to :data:`MAX_EXPONENT` places.
_ROUNDING: Final = decimal.Context(prec=400, traps=[decimal.InvalidOperation, decimal.Overflow])


def _currencies_in_use() -> frozenset[str]:
    # CLDR's territory data dates every currency's use; codes still in use somewhere are
    # the live ISO 4217 ones (withdrawn codes such as DEM or HRK are left out).
    territories = babel.core.get_global("territory_currencies")
    return frozenset(
        code for uses in territories.values() for code, _start, end, _tender in uses if end is None
    )


_ISO_4217: Final = _currencies_in_use()


class Rounding(enum.StrEnum):
    """A rounding mode, always named where an amount is rounded.

    ``UP`` rounds away from zero and ``DOWN`` towards zero (as in :mod:`decimal`);
    ``HALF_UP`` rounds ties away from zero, ``HALF_EVEN`` to the even neighbour.
    """

    UP = "up"
    DOWN = "down"
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"

    @property
    def decimal_mode(self) -> str:
        """The :mod:`decimal` rounding constant for this mode."""
        return _DECIMAL_MODES[self]


_DECIMAL_MODES: Final = {
    Rounding.UP: decimal.ROUND_UP,
    Rounding.DOWN: decimal.ROUND_DOWN,
    Rounding.HALF_UP: decimal.ROUND_HALF_UP,
    Rounding.HALF_EVEN: decimal.ROUND_HALF_EVEN,
}


_NUMBER: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""Plain ASCII decimal notation: ``12.50``, ``-3``, ``.5``, ``1E+3``; no spaces or ``_``."""

_ONE: Final = Decimal(1)


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Return ``value`` as a finite Decimal, refusing floats, bools and non-numbers.

    Accepts a ``Decimal``, an ``int`` or a string in plain ASCII decimal notation such as
    ``"12.50"`` or ``"1E+3"`` (no spaces, no ``_``, no other digits than ``0``-``9``). The
    result keeps the places given (``"5.00"`` stays ``5.00``) in canonical form: no
    positive exponent (``"1E+3"`` becomes ``1000``) and no negative zero.
    """
    if isinstance(value, float):
        msg = (
            f"{field} {value!r} is a float, which cannot hold money exactly; "
            f"pass a Decimal or a string such as '{value}'"
        )
        raise InvalidAmount(msg, field=field, value=value)
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        msg = f"{field} must be a Decimal, an int or a numeric string, got {shown(value)}"
        raise InvalidAmount(msg, field=field, value=value)
    if isinstance(value, str) and not _NUMBER.fullmatch(value):
        msg = (
            f"{field} {shown(value)} is not a number in plain decimal notation "
            "(ASCII digits, an optional sign, point and exponent, such as '12.50')"
        )
        raise InvalidAmount(msg, field=field, value=value)
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        # Converting a huge int takes long (and repr refuses one of over 4,300 digits).
        msg = f"{field} (an int of {value.bit_length()} bits) is out of bounds: {_BOUNDS}"
        raise InvalidAmount(msg, field=field, value=value)
    try:
        result = Decimal(value)
    except decimal.InvalidOperation:  # an exponent beyond what Decimal holds
        msg = f"{field} {shown(value)} is out of bounds: {_BOUNDS}"
        raise InvalidAmount(msg, field=field, value=value) from None
    return _canonical(_in_bounds(result, field, value))


_BOUNDS: Final = (
    f"at most {MAX_DIGITS} significant digits, between 1E-{MAX_EXPONENT} and 1E+{MAX_EXPONENT}"
)

_MAX_INT_BITS: Final = 4 * (MAX_EXPONENT + 1)
"""An int with more bits than this is above ``10**(MAX_EXPONENT + 1)``."""


def _in_bounds(value: Decimal, field: str, given: object) -> Decimal:
    if not value.is_finite():
        shown_value = given if isinstance(given, Decimal) else shown(given)
        msg = f"{field} must be a finite number, got {shown_value}"
        raise InvalidAmount(msg, field=field, value=given)
    if (
        abs(int(value.as_tuple().exponent)) > MAX_EXPONENT  # a zero's places, too: 0E-99999
        if value.is_zero()
        else _significant_digits(value) > MAX_DIGITS or abs(value.adjusted()) > MAX_EXPONENT
    ):
        msg = f"{field} {shown(given)} is out of bounds: {_BOUNDS}"
        raise InvalidAmount(msg, field=field, value=value)
    return value


def _significant_digits(value: Decimal) -> int:
    """The digits of ``value``, not counting zeros that end a whole number.

    So ``1E+3`` and its canonical form ``1000`` both have one; ``1.000`` has four (places
    given are kept).
    """
    _sign, digits, exponent = value.as_tuple()
    count = len(digits)
    if int(exponent) >= 0:
        while count > 1 and digits[count - 1] == 0:
            count -= 1
    return count


def _canonical(value: Decimal) -> Decimal:
    """``value`` without a positive exponent or a negative zero (``1E+3`` is ``1000``)."""
    if value.is_zero():
        value = value.copy_abs()
    if int(value.as_tuple().exponent) > 0:
        value = value.quantize(_ONE, context=_ROUNDING)
    return value


def fixed_point(value: Decimal, places: int = 0) -> str:
    """``value`` as fixed-point text with at least ``places`` decimal places, never an exponent.

    NaN and infinities have no such text: :class:`~telcocore.InvalidAmount`.

    >>> fixed_point(Decimal("1E-9")), fixed_point(Decimal("1E+3"), 2)
    ('0.000000001', '1000.00')
    """
    if not value.is_finite():
        msg = f"amount must be a finite number, got {value}"
        raise InvalidAmount(msg, field="amount", value=value)
    if int(value.as_tuple().exponent) > -places:
        value = value.quantize(_exponent(places), context=_ROUNDING)
    return format(value, "f")


MAX_PLACES: Final = 12
"""The most decimal places a posted amount has (sub-cent rates need 4 to 10)."""

AMOUNT_LIMIT: Final = Decimal(10) ** 15
"""Every posted amount and every customer balance is below this in absolute value."""

LEDGER_BOUNDS: Final = (
    f"the ledger takes at most {MAX_PLACES} decimal places and amounts and balances "
    f"below {AMOUNT_LIMIT:,f} in absolute value"
)


def ledger_amount(value: Money, *, field: str = "amount") -> Money:
    """``value`` as the ledger posts it, or :class:`~telcocore.InvalidAmount`.

    At most :data:`MAX_PLACES` decimal places (zeros beyond them are dropped) and below
    :data:`AMOUNT_LIMIT` in absolute value.
    """
    amount = value.amount
    if int(amount.as_tuple().exponent) < -MAX_PLACES:
        amount = round_decimal(amount, MAX_PLACES, Rounding.DOWN)
        if amount != value.amount:
            msg = f"{field} {value} has more than {MAX_PLACES} decimal places: {LEDGER_BOUNDS}"
            raise InvalidAmount(msg, field=field, value=value)
    if amount.copy_abs() >= AMOUNT_LIMIT:
        msg = f"{field} {value} is too large: {LEDGER_BOUNDS}"
        raise InvalidAmount(msg, field=field, value=value)
    return Money._trusted(amount, value.currency)  # noqa: SLF001 - checked above


def exact(
    operation: Callable[[Decimal, Decimal], Decimal], left: Decimal, right: Decimal
) -> Decimal:
    """``operation(left, right)`` computed exactly.

    Raises InvalidAmount when the exact result needs more than 60 digits.
    """
    try:
        return operation(left, right)
    except (decimal.Inexact, decimal.Overflow):
        msg = f"{left} and {right} cannot be combined exactly within 60 digits"
        raise InvalidAmount(msg, field="amount", value=right) from None


def validate_currency(code: object) -> str:
    """Return ``code`` as an upper-case ISO 4217 currency code, or raise InvalidCurrency."""
    if not isinstance(code, str):
        msg = f"currency must be an ISO 4217 code such as 'USD', got {shown(code)}"
        raise InvalidCurrency(msg, field="currency", value=code)
    upper = code.upper()
    if upper not in _ISO_4217:
        msg = f"currency {shown(code)} is not an ISO 4217 code in use"
        raise InvalidCurrency(msg, field="currency", value=code)
    return upper


@functools.cache
def currency_precision(currency: str) -> int:
    """The number of decimal digits of ``currency`` according to CLDR (USD 2, JPY 0, KWD 3)."""
    return int(babel.numbers.get_currency_precision(validate_currency(currency)))


@functools.cache
def _exponent(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def round_decimal(value: Decimal, places: int, mode: Rounding) -> Decimal:
    """Round ``value`` to ``places`` decimal digits with ``mode``; nothing else rounds."""
    return value.quantize(_exponent(places), rounding=_DECIMAL_MODES[mode], context=_ROUNDING)


def _currency_converter(code: object) -> str:
    return validate_currency(code)


@attrs.frozen(repr=False, order=False, weakref_slot=False)  # see kernel.trusted
class Money:
    """An exact amount of one currency.

    ``amount`` accepts a ``Decimal``, an ``int`` or a numeric string; floats are refused.
    Adding, subtracting or ordering two currencies raises
    :class:`~telcocore.CurrencyMismatch`; ``==`` between currencies is simply false.
    Like a number, zero is false and ``sum()`` adds amounts (``sum([])`` is ``0``, so pass
    ``start=Money.zero(currency)`` when the list may be empty); adding a plain number is a
    ``TypeError``. Amounts show in fixed-point notation with at least the currency's
    precision, and every digit they have:

    >>> Money("1E+3", "USD"), str(Money("0.000000001", "USD")), str(Money("7.4580", "USD"))
    (Money('1000.00', 'USD'), '0.000000001 USD', '7.4580 USD')
    >>> sum([Money("1.50", "USD"), Money("2", "USD")]), bool(Money("0.00", "USD"))
    (Money('3.50', 'USD'), False)
    """

    amount: Decimal = attrs.field(converter=to_decimal)
    currency: str = attrs.field(converter=_currency_converter)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero of ``currency``."""
        return cls(Decimal(0), currency)

    _trusted: ClassVar[Callable[[Decimal, str], Money]]
    """Money of an amount and currency already checked (results of arithmetic on checked
    values, amounts stored as written): the converters skipped. Set below the class."""

    def _same(self, other: Money, operation: str) -> None:
        if not isinstance(other, Money):
            msg = f"cannot {operation} Money and {type(other).__name__} {shown(other)}"
            raise TypeError(msg)
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency, operation=operation)

    def __add__(self, other: Money) -> Money:
        self._same(other, "add")
        return Money._trusted(
            _canonical(exact(EXACT.add, self.amount, other.amount)), self.currency
        )

    def __radd__(self, other: int) -> Money:
        # ``sum()`` starts from the int 0; any other left operand is refused as in ``+``.
        if type(other) is int and other == 0:
            return self
        msg = f"cannot add {type(other).__name__} {shown(other)} and Money"
        raise TypeError(msg)

    def __sub__(self, other: Money) -> Money:
        self._same(other, "subtract")
        return Money._trusted(
            _canonical(exact(EXACT.subtract, self.amount, other.amount)), self.currency
        )

    def __neg__(self) -> Money:
        return Money._trusted(EXACT.minus(self.amount), self.currency)

    def __abs__(self) -> Money:
        return Money._trusted(self.amount.copy_abs(), self.currency)

    def __bool__(self) -> bool:
        return not self.amount.is_zero()

    def __mul__(self, factor: Decimal | int) -> Money:
        value = to_decimal(factor, field="factor")
        return Money._trusted(_canonical(exact(EXACT.multiply, self.amount, value)), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other, "compare")
        return self.amount >= other.amount

    @property
    def precision(self) -> int:
        """The currency's CLDR number of decimal digits."""
        return currency_precision(self.currency)

    def is_zero(self) -> bool:
        """True for zero of any sign."""
        return self.amount.is_zero()

    def is_negative(self) -> bool:
        """True when strictly below zero."""
        return self.amount < 0

    def is_positive(self) -> bool:
        """True when strictly above zero."""
        return self.amount > 0

    def round(self, mode: Rounding, places: int | None = None) -> Money:
        """Round to ``places`` digits (the currency's precision by default) with ``mode``."""
        rounding = coerce_enum(Rounding, mode, field="mode")
        digits = (
            self.precision
            if places is None
            else validate_int(places, field="places", minimum=-MAX_EXPONENT, maximum=MAX_EXPONENT)
        )
        # Negative places round to tens, hundreds, ...: still shown without an exponent.
        rounded = _canonical(round_decimal(self.amount, digits, rounding))
        return Money._trusted(rounded, self.currency)

    def format(self, locale: str = "en_US") -> str:
        """Display the amount in ``locale`` through babel, with every digit it has.

        At least the currency's precision is shown (``$100.00``); more digits are kept
        (``$7.458``), so round first (:meth:`round`) to show an amount in whole cents.
        """
        known = validate_locale(locale)
        # babel computes in the ambient context, whose 28 digits a large amount exceeds.
        with decimal.localcontext(_ROUNDING):
            return str(
                babel.numbers.format_currency(
                    self.amount, self.currency, locale=known, decimal_quantization=False
                )
            )

    def __str__(self) -> str:
        return f"{fixed_point(self.amount, self.precision)} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{fixed_point(self.amount, self.precision)}', '{self.currency}')"


Money._trusted = trusted_constructor(Money)  # noqa: SLF001 - the class's own fast path

AmountLike = Money | Decimal | int | str


"""An amount: ``Money``, or a number taken in the account's currency (never a float)."""


def as_money(value: object, currency: str, *, field: str) -> Money:
    """``value`` as Money of ``currency``, within the ledger's bounds.

    Money must already be in that currency; a number is taken in it; a float is refused.
    Amounts, debit limits and alert thresholds all meet balances, so all obey
    :func:`~telcocore.kernel.money.ledger_amount`.
    """
    if isinstance(value, Money):
        if value.currency != currency:
            msg = f"{field} {value} must be in the account's currency {currency}"
            raise CurrencyMismatch(
                currency, value.currency, operation="use", message=msg, field=field
            )
        return ledger_amount(value, field=field)
    return ledger_amount(Money(to_decimal(value, field=field), currency), field=field)
