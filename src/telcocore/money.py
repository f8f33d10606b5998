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
from collections.abc import Callable
from decimal import Decimal
from typing import Final

import attrs
import babel.core
import babel.numbers

from telcocore.errors import CurrencyMismatch, InvalidAmount, InvalidCurrency
from telcocore.validation import validate_locale

__all__ = [
    "Money",
    "Rounding",
    "currency_precision",
    "exact",
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


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Return ``value`` as a finite Decimal, refusing floats, bools and non-numbers.

    Accepts a ``Decimal``, an ``int`` or a string such as ``"12.50"``.
    """
    if type(value) is Decimal:
        return _in_bounds(value, field, value)
    if isinstance(value, float):
        msg = (
            f"{field} {value!r} is a float, which cannot hold money exactly; "
            f"pass a Decimal or a string such as '{value}'"
        )
        raise InvalidAmount(msg, field=field, value=value)
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        msg = f"{field} must be a Decimal, an int or a numeric string, got {value!r}"
        raise InvalidAmount(msg, field=field, value=value)
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except decimal.InvalidOperation:
        msg = f"{field} {value!r} is not a number"
        raise InvalidAmount(msg, field=field, value=value) from None
    return _in_bounds(result, field, value)


def _in_bounds(value: Decimal, field: str, given: object) -> Decimal:
    if not value.is_finite():
        shown = given if isinstance(given, Decimal) else repr(given)
        msg = f"{field} must be a finite number, got {shown}"
        raise InvalidAmount(msg, field=field, value=given)
    if not value.is_zero() and (
        len(value.as_tuple().digits) > MAX_DIGITS or abs(value.adjusted()) > MAX_EXPONENT
    ):
        msg = (
            f"{field} {value} is out of bounds: at most {MAX_DIGITS} significant digits, "
            f"between 1E-{MAX_EXPONENT} and 1E+{MAX_EXPONENT}"
        )
        raise InvalidAmount(msg, field=field, value=value)
    return value


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
        msg = f"currency must be an ISO 4217 code such as 'USD', got {code!r}"
        raise InvalidCurrency(msg, field="currency", value=code)
    upper = code.upper()
    if upper not in _ISO_4217:
        msg = f"currency {code!r} is not an ISO 4217 code in use"
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


@attrs.frozen(repr=False, order=False)
class Money:
    """An exact amount of one currency.

    ``amount`` accepts a ``Decimal``, an ``int`` or a numeric string; floats are refused.
    Adding, subtracting or ordering two currencies raises
    :class:`~telcocore.errors.CurrencyMismatch`; ``==`` between currencies is simply false.
    """

    amount: Decimal = attrs.field(converter=to_decimal)
    currency: str = attrs.field(converter=_currency_converter)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero of ``currency``."""
        return cls(Decimal(0), currency)

    @classmethod
    def _trusted(cls, amount: Decimal, currency: str) -> Money:
        # Results of arithmetic on already validated values skip the converters.
        obj = object.__new__(cls)
        object.__setattr__(obj, "amount", amount)
        object.__setattr__(obj, "currency", currency)
        return obj

    def _same(self, other: Money, operation: str) -> None:
        if not isinstance(other, Money):
            msg = f"cannot {operation} Money and {type(other).__name__} {other!r}"
            raise TypeError(msg)
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency, operation=operation)

    def __add__(self, other: Money) -> Money:
        self._same(other, "add")
        return Money._trusted(exact(EXACT.add, self.amount, other.amount), self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other, "subtract")
        return Money._trusted(exact(EXACT.subtract, self.amount, other.amount), self.currency)

    def __neg__(self) -> Money:
        return Money._trusted(self.amount.copy_negate(), self.currency)

    def __abs__(self) -> Money:
        return Money._trusted(self.amount.copy_abs(), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        value = to_decimal(factor, field="factor")
        return Money._trusted(exact(EXACT.multiply, self.amount, value), self.currency)

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
        digits = self.precision if places is None else places
        return Money._trusted(round_decimal(self.amount, digits, Rounding(mode)), self.currency)

    def format(self, locale: str = "en_US") -> str:
        """Display the amount in ``locale`` through babel.

        Display rounds half-even to the currency's precision, so format a rounded amount
        when the digits matter.
        """
        known = validate_locale(locale)
        return str(babel.numbers.format_currency(self.amount, self.currency, locale=known))

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"
