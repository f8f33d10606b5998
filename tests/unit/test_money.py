"""Money: exact Decimal amounts with an ISO 4217 currency, explicit rounding, display."""

from __future__ import annotations

import decimal
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telcocore import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidCurrency,
    Money,
    Rounding,
    TelcoCore,
    ValidationError,
)
from telcocore.kernel.money import currency_precision, round_decimal, to_decimal, validate_currency

CURRENCIES = ["USD", "EUR", "JPY", "CLP", "KWD", "BHD"]


def amounts(places: int = 4) -> st.SearchStrategy[Decimal]:
    """Finite decimals of at most ``places`` digits, in the range real money lives in."""
    return st.decimals(
        min_value=Decimal(-1000000000),
        max_value=Decimal(1000000000),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


def monies(currency: str = "USD") -> st.SearchStrategy[Money]:
    """Money of ``currency`` with a realistic amount."""
    return amounts().map(lambda a: Money(a, currency))


class TestConstruction:
    """Money accepts exact numbers only."""

    def test_from_decimal(self) -> None:
        """A Decimal amount is kept as it is."""
        assert Decimal("12.50") == Money(Decimal("12.50"), "USD").amount

    def test_from_int(self) -> None:
        """An int becomes the same Decimal."""
        assert Decimal(12) == Money(12, "USD").amount

    def test_from_string(self) -> None:
        """A numeric string becomes its exact Decimal, keeping its exponent."""
        money = Money("12.50", "USD")
        assert (Decimal("12.50"), -2) == (money.amount, money.amount.as_tuple().exponent)

    @pytest.mark.parametrize("value", ["0E-101", "0E-50000000", "0E+999999999999", "-0E-9999"])
    def test_a_zero_with_a_huge_exponent_is_out_of_bounds(self, value: str) -> None:
        """A zero's places obey the exponent bound: ``0E-50000000`` is no 50 MB of zeros."""
        with pytest.raises(InvalidAmount, match="out of bounds"):
            Money(value, "USD")

    @pytest.mark.parametrize(
        "value",
        ["1_000", "\u0663", "\uff11\uff12", "  5.00  ", " 3.10", "3.10\n", "1 000", "\u00b2"],
        ids=repr,
    )
    def test_only_plain_ascii_notation(self, value: str) -> None:
        """Underscores, spaces and digits of other scripts are refused, naming the value."""
        with pytest.raises(InvalidAmount, match="plain decimal notation") as info:
            Money(value, "USD")
        assert value == info.value.value

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("+.5", "0.5"), ("5.", "5"), ("-12.50", "-12.50"), ("1e-3", "0.001")],
    )
    def test_plain_notation_forms(self, value: str, expected: str) -> None:
        """A sign, a leading or trailing point and an exponent are plain notation."""
        assert Decimal(expected) == Money(value, "USD").amount

    def test_amount_is_decimal(self) -> None:
        """Whatever exact input is given, the amount is a Decimal."""
        assert {Decimal} == {type(Money(v, "USD").amount) for v in (1, "1", Decimal(1))}

    def test_zero(self) -> None:
        """Money.zero is zero of the currency."""
        assert Money("0", "KWD") == Money.zero("KWD")

    def test_frozen(self) -> None:
        """A Money value cannot be changed."""
        money = Money("1", "USD")
        with pytest.raises(AttributeError):
            money.amount = Decimal(2)  # type: ignore[misc]

    def test_repr_and_str(self) -> None:
        """Repr and str show the amount and the currency."""
        money = Money("10.005", "USD")
        assert ("Money('10.005', 'USD')", "10.005 USD") == (repr(money), str(money))

    def test_hashable_and_equal_by_value(self) -> None:
        """Equal amounts of one currency are equal and hash alike."""
        assert 1 == len({Money("1.0", "USD"), Money("1.00", "USD"), Money(1, "USD")})


class TestFloatsRefused:
    """A float is refused wherever an amount enters the public API."""

    def test_money_constructor(self) -> None:
        """Money(0.1, ...) is refused, naming the float."""
        with pytest.raises(InvalidAmount, match=r"0\.1") as info:
            Money(0.1, "USD")
        assert (0.1, "amount") == (info.value.value, info.value.field)

    def test_multiply(self) -> None:
        """Money * 0.5 is refused, naming the float."""
        with pytest.raises(InvalidAmount, match=r"0\.5"):
            Money("1", "USD") * 0.5  # type: ignore[operator]

    def test_reflected_multiply(self) -> None:
        """0.5 * Money is refused too."""
        with pytest.raises(InvalidAmount, match=r"0\.5"):
            0.5 * Money("1", "USD")  # type: ignore[operator]

    def test_to_decimal(self) -> None:
        """to_decimal refuses a float and names the field."""
        with pytest.raises(InvalidAmount, match=r"price 2\.25"):
            to_decimal(2.25, field="price")

    @pytest.mark.parametrize(
        ("setting", "value"),
        [
            ("debit_limit", 0.5),
            ("low_balance_threshold", 1.5),
            ("tax_rate", 0.2),
        ],
    )
    def test_account_open(self, core: TelcoCore, setting: str, value: float) -> None:
        """Opening an account with a float setting is refused and stores nothing."""
        kwargs: dict[str, Any] = {setting: value}
        with pytest.raises(InvalidAmount, match=str(value)):
            core.accounts.open("Acme", "USD", **kwargs)
        assert [] == core.accounts.list()

    @pytest.mark.parametrize(
        ("setting", "value"),
        [
            ("debit_limit", 0.5),
            ("low_balance_threshold", 1.5),
            ("tax_rate", 0.2),
        ],
    )
    def test_account_update(self, core: TelcoCore, setting: str, value: float) -> None:
        """Changing an account setting to a float is refused and changes nothing."""
        before = core.accounts.open("Acme", "USD", account_id="acme")
        kwargs: dict[str, Any] = {setting: value}
        with pytest.raises(InvalidAmount, match=str(value)):
            core.accounts.update("acme", **kwargs)
        assert before == core.accounts.get("acme")

    @pytest.mark.parametrize("method", ["credit", "debit", "charge_usage"])
    def test_ledger(self, core: TelcoCore, method: str) -> None:
        """ledger.credit/debit/charge_usage(amount=1.5) is refused; nothing is posted."""
        core.accounts.open("Acme", "USD", account_id="acme", debit_limit="100")
        with pytest.raises(InvalidAmount, match=r"1\.5"):
            getattr(core.ledger, method)("acme", 1.5, idempotency_key="k-1")
        assert (Money.zero("USD"), []) == (
            core.ledger.balance("acme"),
            core.ledger.history("acme").entries,
        )


class TestOtherNonNumbersRefused:
    """Bools, NaN, infinities and strings that are not numbers are refused."""

    @pytest.mark.parametrize(
        "value",
        [
            True,
            False,
            "NaN",
            "nan",
            "sNaN",
            "Infinity",
            "-Infinity",
            "inf",
            Decimal("NaN"),
            Decimal("Infinity"),
            Decimal("-Infinity"),
            Decimal("sNaN"),
        ],
        ids=repr,
    )
    def test_refused(self, value: object) -> None:
        """The value is refused with InvalidAmount naming it."""
        with pytest.raises(InvalidAmount) as info:
            Money(value, "USD")
        assert str(value) in str(info.value)

    @pytest.mark.parametrize(
        "value", ["", "abc", "1,5", "12 USD", "1.2.3", "$5", None, [], b"1", 1j], ids=repr
    )
    def test_garbage(self, value: object) -> None:
        """A string that is not a number, or a value of another type, is refused, naming it."""
        with pytest.raises(InvalidAmount) as info:
            Money(value, "USD")
        assert repr(value) in str(info.value)

    def test_invalid_amount_is_a_type_and_value_error(self) -> None:
        """InvalidAmount can be caught as TypeError and as ValueError."""
        with pytest.raises(TypeError):
            Money(amount=True, currency="USD")
        with pytest.raises(ValueError, match="True"):
            Money(amount=True, currency="USD")


class TestCurrency:
    """Currencies are ISO 4217 codes, checked with CLDR through babel."""

    @pytest.mark.parametrize("code", ["USD", "EUR", "JPY", "CLP", "KWD", "BHD", "GBP", "CHF"])
    def test_known(self, code: str) -> None:
        """A known ISO 4217 code is accepted unchanged."""
        assert code == Money("1", code).currency

    @pytest.mark.parametrize(
        ("given", "expected"), [("usd", "USD"), ("Eur", "EUR"), ("jpY", "JPY")]
    )
    def test_lower_case_normalized(self, given: str, expected: str) -> None:
        """A code in lower or mixed case is accepted and normalized to upper case."""
        assert expected == Money("1", given).currency

    @pytest.mark.parametrize("code", ["ABC", "US", "USDX", "", "€", "usd "])
    def test_unknown_refused(self, code: str) -> None:
        """A code that is not in ISO 4217 is refused, naming it."""
        with pytest.raises(InvalidCurrency) as info:
            Money("1", code)
        assert (code, True) == (info.value.value, repr(code) in str(info.value))

    @pytest.mark.parametrize("code", [None, 840, b"USD"], ids=repr)
    def test_not_a_string_refused(self, code: object) -> None:
        """A currency that is not a string is refused, naming it."""
        with pytest.raises(InvalidCurrency, match=re.escape(repr(code))):
            validate_currency(code)

    def test_abc_message(self) -> None:
        """'ABC' is refused with an InvalidCurrency naming it."""
        with pytest.raises(InvalidCurrency, match="'ABC'"):
            Money("1", "ABC")


class TestArithmetic:
    """Arithmetic within one currency is exact."""

    def test_addition_exact(self) -> None:
        """0.1 + 0.2 is exactly 0.3."""
        assert Money("0.3", "USD") == Money("0.1", "USD") + Money("0.2", "USD")

    def test_ten_dimes(self) -> None:
        """Ten times 0.1 added up is exactly 1."""
        total = Money.zero("USD")
        for _ in range(10):
            total += Money("0.1", "USD")
        assert Money("1", "USD") == total

    def test_subtraction_exact(self) -> None:
        """1 - 0.999 is exactly 0.001."""
        assert Money("0.001", "USD") == Money("1", "USD") - Money("0.999", "USD")

    def test_sub_cent_precision_kept(self) -> None:
        """Amounts finer than the currency's precision are kept, not rounded."""
        assert Money("10.005", "USD") == Money("10.00", "USD") + Money("0.005", "USD")

    def test_multiply_by_decimal(self) -> None:
        """Multiplying by a Decimal is exact."""
        assert Money("3.333", "USD") == Money("10.00", "USD") * Decimal("0.3333")

    def test_multiply_by_int(self) -> None:
        """Multiplying by an int, from either side, is exact."""
        assert (Money("37.5", "USD"), Money("37.5", "USD")) == (
            Money("12.5", "USD") * 3,
            3 * Money("12.5", "USD"),
        )

    def test_negation_and_abs(self) -> None:
        """Negation flips the sign, abs drops it."""
        money = Money("-2.50", "USD")
        assert (Money("2.50", "USD"), Money("2.50", "USD")) == (-money, abs(money))

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("-1", (False, True, False)),
            ("0", (True, False, False)),
            ("-0", (True, False, False)),
            ("0.001", (False, False, True)),
        ],
    )
    def test_sign_predicates(self, amount: str, expected: tuple[bool, bool, bool]) -> None:
        """is_zero, is_negative and is_positive follow the sign."""
        money = Money(amount, "USD")
        assert expected == (money.is_zero(), money.is_negative(), money.is_positive())

    def test_result_keeps_currency(self) -> None:
        """Arithmetic results stay in the operands' currency."""
        jpy = Money("100", "JPY")
        assert {"JPY"} == {
            (jpy + jpy).currency,
            (jpy - jpy).currency,
            (jpy * 2).currency,
            (-jpy).currency,
        }

    def test_add_non_money(self) -> None:
        """Adding a plain number to Money is a TypeError."""
        with pytest.raises(TypeError):
            Money("1", "USD") + 1  # type: ignore[operator]

    def test_ambient_context_not_used(self) -> None:
        """A coarse ambient decimal context does not round Money arithmetic."""
        with decimal.localcontext() as ctx:
            ctx.prec = 2
            ctx.rounding = decimal.ROUND_DOWN
            total = Money("1.2345", "USD") + Money("1.1111", "USD")
            product = Money("1.2345", "USD") * Decimal("1.5")
        assert (Decimal("2.3456"), Decimal("1.85175")) == (total.amount, product.amount)

    @pytest.mark.parametrize("value", ["1" * 61, "1E+101", "1E-101", "1e1000000"])
    def test_amounts_out_of_bounds_are_refused(self, value: str) -> None:
        """More than 60 digits, or an exponent beyond 100, is an InvalidAmount naming it."""
        with pytest.raises(InvalidAmount, match="out of bounds") as info:
            Money(value, "USD")
        assert Decimal(value) == info.value.value

    def test_the_largest_amounts_negate_and_round(self) -> None:
        """A 60-digit amount negates, takes its absolute value and rounds exactly."""
        big = Money("9" * 60, "USD")
        expected = (Decimal("-" + "9" * 60), Decimal("9" * 60), Decimal("9" * 60 + ".00"))
        assert expected == ((-big).amount, abs(-big).amount, big.round(Rounding.HALF_UP).amount)

    def test_too_many_digits_is_a_telco_error(self) -> None:
        """A sum that cannot be held exactly is refused with InvalidAmount."""
        with pytest.raises(InvalidAmount):
            Money("1E+40", "USD") + Money("1E-40", "USD")


class TestCurrencyMismatch:
    """Two currencies cannot be added, subtracted or ordered."""

    @pytest.mark.parametrize(
        ("operation", "name"),
        [
            (operator.add, "add"),
            (operator.sub, "subtract"),
            (operator.lt, "compare"),
            (operator.le, "compare"),
            (operator.gt, "compare"),
            (operator.ge, "compare"),
        ],
        ids=["+", "-", "<", "<=", ">", ">="],
    )
    def test_refused(self, operation: Callable[[Money, Money], object], name: str) -> None:
        """The operation raises CurrencyMismatch naming both currencies."""
        with pytest.raises(CurrencyMismatch) as info:
            operation(Money("1", "USD"), Money("1", "EUR"))
        error = info.value
        assert (("USD", "EUR"), True, True, True) == (
            (error.left, error.right),
            "USD" in str(error),
            "EUR" in str(error),
            name in str(error),
        )

    def test_equality_across_currencies_is_false(self) -> None:
        """1 USD == 1 EUR is simply False (and != is True)."""
        usd, eur = Money("1", "USD"), Money("1", "EUR")
        assert (False, True) == (usd == eur, usd != eur)

    def test_is_a_validation_error(self) -> None:
        """CurrencyMismatch is a ValidationError (and so a ValueError)."""
        with pytest.raises(ValidationError):
            Money("1", "USD") - Money("1", "JPY")

    def test_comparisons_within_currency(self) -> None:
        """Ordering within one currency follows the amounts."""
        small, large = Money("1.00", "USD"), Money("1.01", "USD")
        assert (True, True, False, False, True) == (
            small < large,
            small <= large,
            small > large,
            small >= large,
            small <= Money("1", "USD"),
        )


# (value, places, up, down, half_up, half_even): worked out by hand from the mode definitions.
ROUNDING_TABLE = [
    ("1.005", 2, "1.01", "1.00", "1.01", "1.00"),
    ("1.015", 2, "1.02", "1.01", "1.02", "1.02"),
    ("1.025", 2, "1.03", "1.02", "1.03", "1.02"),
    ("-1.005", 2, "-1.01", "-1.00", "-1.01", "-1.00"),
    ("-1.015", 2, "-1.02", "-1.01", "-1.02", "-1.02"),
    ("1.0001", 2, "1.01", "1.00", "1.00", "1.00"),
    ("-1.0001", 2, "-1.01", "-1.00", "-1.00", "-1.00"),
    ("1.999", 2, "2.00", "1.99", "2.00", "2.00"),
    ("-1.999", 2, "-2.00", "-1.99", "-2.00", "-2.00"),
    ("0.004", 2, "0.01", "0.00", "0.00", "0.00"),
    ("2.5", 0, "3", "2", "3", "2"),
    ("3.5", 0, "4", "3", "4", "4"),
    ("-2.5", 0, "-3", "-2", "-3", "-2"),
    ("-3.5", 0, "-4", "-3", "-4", "-4"),
    ("7", 2, "7.00", "7.00", "7.00", "7.00"),
    ("1.0005", 3, "1.001", "1.000", "1.001", "1.000"),
    ("1.0015", 3, "1.002", "1.001", "1.002", "1.002"),
    ("1250", -2, "1300", "1200", "1300", "1200"),  # to hundreds, in the one fixed-point form
]
MODES = [Rounding.UP, Rounding.DOWN, Rounding.HALF_UP, Rounding.HALF_EVEN]


def _rounding_cases() -> list[tuple[str, int, Rounding, str]]:
    return [
        (value, places, mode, expected)
        for value, places, *results in ROUNDING_TABLE
        for mode, expected in zip(MODES, results, strict=True)
    ]


class TestRounding:
    """Rounding names its mode and precision; nothing else rounds."""

    @pytest.mark.parametrize(("value", "places", "mode", "expected"), _rounding_cases())
    def test_table(self, value: str, places: int, mode: Rounding, expected: str) -> None:
        """Each mode rounds ties and negative amounts as defined."""
        result = Money(value, "USD").round(mode, places)
        assert (Decimal(expected), Decimal(expected).as_tuple().exponent) == (
            result.amount,
            result.amount.as_tuple().exponent,
        )

    @pytest.mark.parametrize(("value", "places", "mode", "expected"), _rounding_cases())
    def test_round_decimal_agrees(
        self, value: str, places: int, mode: Rounding, expected: str
    ) -> None:
        """round_decimal gives the same result as Money.round."""
        assert Decimal(expected) == round_decimal(Decimal(value), places, mode)

    @pytest.mark.parametrize("mode", ["up", "down", "half_up", "half_even"])
    def test_mode_by_name(self, mode: str) -> None:
        """A mode may be named by its string value."""
        assert Money("1.00", "USD") == Money("1", "USD").round(mode)  # type: ignore[arg-type]

    def test_unknown_mode(self) -> None:
        """An unknown mode name is refused."""
        with pytest.raises(ValueError, match="ceiling"):
            Money("1", "USD").round("ceiling")  # type: ignore[arg-type]

    def test_rounding_ignores_ambient_context(self) -> None:
        """The ambient context's rounding does not leak into an explicit mode."""
        with decimal.localcontext() as ctx:
            ctx.rounding = decimal.ROUND_CEILING
            result = Money("1.005", "USD").round(Rounding.HALF_EVEN)
        assert Money("1.00", "USD") == result

    def test_rounding_a_copy(self) -> None:
        """Rounding returns a new value and leaves the original exact."""
        money = Money("1.005", "USD")
        money.round(Rounding.UP)
        assert Decimal("1.005") == money.amount

    def test_values_are_the_decimal_modes(self) -> None:
        """Each mode maps to the decimal module's constant of the same meaning."""
        assert [
            decimal.ROUND_UP,
            decimal.ROUND_DOWN,
            decimal.ROUND_HALF_UP,
            decimal.ROUND_HALF_EVEN,
        ] == [m.decimal_mode for m in MODES]


class TestPrecision:
    """A currency's precision comes from CLDR."""

    @pytest.mark.parametrize(
        ("currency", "digits"),
        [("USD", 2), ("EUR", 2), ("JPY", 0), ("CLP", 0), ("KWD", 3), ("BHD", 3)],
    )
    def test_precision(self, currency: str, digits: int) -> None:
        """USD 2, JPY 0, CLP 0, KWD 3, BHD 3."""
        assert (digits, digits) == (currency_precision(currency), Money("1", currency).precision)

    def test_precision_of_lower_case_code(self) -> None:
        """The precision lookup accepts a lower-case code."""
        assert 3 == currency_precision("kwd")

    def test_precision_of_unknown_code(self) -> None:
        """The precision of an unknown code is an InvalidCurrency."""
        with pytest.raises(InvalidCurrency, match="ABC"):
            currency_precision("ABC")

    @pytest.mark.parametrize(
        ("currency", "value", "mode", "expected"),
        [
            ("USD", "1.005", Rounding.HALF_UP, "1.01"),
            ("USD", "1.005", Rounding.HALF_EVEN, "1.00"),
            ("JPY", "1234.5", Rounding.HALF_UP, "1235"),
            ("JPY", "1234.5", Rounding.HALF_EVEN, "1234"),
            ("JPY", "1234.01", Rounding.UP, "1235"),
            ("JPY", "-1234.99", Rounding.DOWN, "-1234"),
            ("CLP", "999.5", Rounding.HALF_UP, "1000"),
            ("KWD", "1.0005", Rounding.HALF_UP, "1.001"),
            ("KWD", "1.0005", Rounding.HALF_EVEN, "1.000"),
            ("BHD", "-0.0015", Rounding.HALF_EVEN, "-0.002"),
            ("BHD", "2.3456", Rounding.DOWN, "2.345"),
        ],
    )
    def test_round_to_currency_precision(
        self, currency: str, value: str, mode: Rounding, expected: str
    ) -> None:
        """Without places, round() uses the currency's precision."""
        result = Money(value, currency).round(mode)
        assert (Money(expected, currency), -currency_precision(currency)) == (
            result,
            result.amount.as_tuple().exponent,
        )


class TestFormat:
    """Display goes through babel with a locale."""

    def test_de_de(self) -> None:
        """German: dot for thousands, comma for decimals, the sign after a no-break space."""
        assert "1.234,50\xa0€" == Money("1234.5", "EUR").format(locale="de_DE")

    def test_en_us(self) -> None:
        """US English: the $ sign first, comma for thousands, dot for decimals."""
        assert "$1,234.50" == Money("1234.5", "USD").format(locale="en_US")

    def test_en_us_default(self) -> None:
        """en_US is the default locale."""
        money = Money("1234.5", "USD")
        assert money.format(locale="en_US") == money.format()

    def test_ja_jp(self) -> None:
        """Japanese yen: the full-width yen sign and no decimals."""
        assert "￥1,234" == Money("1234", "JPY").format(locale="ja_JP")

    def test_negative(self) -> None:
        """A negative amount is shown with a minus sign."""
        assert "-$5.00" == Money("-5", "USD").format(locale="en_US")

    def test_kwd_three_digits(self) -> None:
        """KWD is shown with its three decimal digits."""
        assert "1,234.500" in Money("1234.5", "KWD").format(locale="en_US")

    def test_unknown_locale(self) -> None:
        """An unknown locale is a ValidationError naming it."""
        with pytest.raises(ValidationError, match="'xx'"):
            Money("1", "USD").format(locale="xx")

    def test_display_keeps_every_digit(self) -> None:
        """Display pads to the currency's precision and never drops a digit."""
        assert ("$1.005", "$7.458", "$100.00", "$0.000000001", "1.000,000001\xa0€") == (
            Money("1.005", "USD").format(),
            Money("7.4580", "USD").format(),
            Money("100", "USD").format(),
            Money("1E-9", "USD").format(),
            Money("1000.000001", "EUR").format(locale="de_DE"),
        )

    def test_display_of_a_rounded_amount(self) -> None:
        """Rounding first shows whole cents."""
        assert "$7.46" == Money("7.4580", "USD").round(Rounding.HALF_EVEN).format()


class TestCanonicalForm:
    """One fixed-point form for every amount: no exponent, no negative zero."""

    @pytest.mark.parametrize(
        ("value", "amount", "shown"),
        [
            ("1E+3", "1000", "Money('1000.00', 'USD')"),
            ("1E+1", "10", "Money('10.00', 'USD')"),
            (Decimal("-0.00"), "0.00", "Money('0.00', 'USD')"),
            ("-0", "0", "Money('0.00', 'USD')"),
            ("1E-3", "0.001", "Money('0.001', 'USD')"),
            ("100", "100", "Money('100.00', 'USD')"),
            ("7.4580", "7.4580", "Money('7.4580', 'USD')"),
        ],
    )
    def test_amount_and_repr(self, value: str, amount: str, shown: str) -> None:
        """The amount keeps its places but no exponent; repr is fixed-point, padded."""
        money = Money(value, "USD")
        assert (amount, shown) == (str(money.amount), repr(money))

    @pytest.mark.parametrize(
        ("money", "expected"),
        [
            (Money("1E-9", "USD"), "0.000000001 USD"),
            (Money("100", "USD"), "100.00 USD"),
            (Money("20.00", "USD"), "20.00 USD"),
            (Money("5", "JPY"), "5 JPY"),
            (Money("1.5", "KWD"), "1.500 KWD"),
            (-Money("0", "USD"), "0.00 USD"),
            (Money("-1", "USD") * 0, "0.00 USD"),
        ],
        ids=str,
    )
    def test_str(self, money: Money, expected: str) -> None:
        """Str shows fixed-point with at least the currency's precision."""
        assert expected == str(money)

    def test_to_decimal_is_canonical(self) -> None:
        """to_decimal turns an exponent into fixed-point digits."""
        assert ("1000", "0.0000001") == (
            str(to_decimal("1E+3")),
            format(to_decimal(Decimal("1E-7")), "f"),
        )

    @pytest.mark.parametrize("value", ["1E+99", "1" + "0" * 100, "9" * 60 + "E+40"], ids=len)
    def test_a_large_amount_reads_back(self, value: str) -> None:
        """A canonical amount is taken back as it is: zeros ending a whole number do not count."""
        money = Money(value, "USD")
        assert (money, money) == (Money(money.amount, "USD"), money + Money.zero("USD"))

    def test_huge_int_refused_before_converting(self) -> None:
        """An int of 100,000 digits is refused without converting it (or quoting it)."""
        with pytest.raises(InvalidAmount, match="bits") as info:
            Money(10**100_000, "USD")
        assert len(str(info.value)) < 200


class TestNumberProtocol:
    """Money behaves like a number where Python users expect it to."""

    @pytest.mark.parametrize(
        ("money", "expected"),
        [
            (Money("0", "USD"), False),
            (Money("0.00", "USD"), False),
            (Money("-0.00", "USD"), False),
            (Money("0.01", "USD"), True),
            (Money("-5", "JPY"), True),
        ],
        ids=repr,
    )
    def test_bool(self, money: Money, expected: bool) -> None:
        """Zero is false, anything else true, as Decimal("0") is."""
        assert (expected, expected) == (bool(money), bool(money.amount))

    def test_sum(self) -> None:
        """sum() adds amounts, starting from the int 0."""
        assert Money("3.75", "USD") == sum([Money("1.25", "USD"), Money("2.50", "USD")])

    def test_sum_with_start(self) -> None:
        """sum() of nothing is its start: pass Money.zero for an empty list."""
        assert (Money.zero("USD"), 0) == (sum([], Money.zero("USD")), sum([]))

    def test_sum_of_two_currencies(self) -> None:
        """sum() of two currencies is a CurrencyMismatch."""
        with pytest.raises(CurrencyMismatch):
            sum([Money("1", "USD"), Money("1", "EUR")])

    @pytest.mark.parametrize("number", [1, -1, True, Decimal(0), Decimal(1)], ids=repr)
    def test_a_number_on_the_left_is_refused(self, number: object) -> None:
        """Only the int 0 (sum's start) may be added to Money; other numbers are refused."""
        with pytest.raises(TypeError, match="cannot add"):
            number + Money("1", "USD")  # type: ignore[operator]


class TestProperties:
    """Algebraic properties of Money, checked with hypothesis."""

    @given(monies(), monies(), monies())
    def test_addition_associative(self, a: Money, b: Money, c: Money) -> None:
        """(a + b) + c == a + (b + c)."""
        assert (a + b) + c == a + (b + c)

    @given(monies("KWD"), monies("KWD"))
    def test_addition_commutative(self, a: Money, b: Money) -> None:
        """A + b == b + a."""
        assert a + b == b + a

    @given(st.sampled_from(CURRENCIES).flatmap(monies))
    def test_self_subtraction_is_zero(self, a: Money) -> None:
        """A - a is zero of a's currency."""
        assert Money.zero(a.currency) == a - a

    @given(monies(), monies())
    def test_subtraction_undoes_addition(self, a: Money, b: Money) -> None:
        """(a + b) - b == a."""
        assert a == (a + b) - b

    @given(monies(), st.sampled_from(MODES), st.integers(min_value=0, max_value=4))
    def test_round_idempotent(self, a: Money, mode: Rounding, places: int) -> None:
        """Rounding a rounded amount again changes nothing."""
        once = a.round(mode, places)
        assert once == once.round(mode, places)

    @given(
        st.sampled_from(CURRENCIES).flatmap(lambda c: amounts(6).map(lambda a: Money(a, c))),
        st.sampled_from(MODES),
    )
    def test_round_to_precision_digits(self, a: Money, mode: Rounding) -> None:
        """Rounded to its currency, an amount has at most the currency's digits."""
        digits = -int(a.round(mode).amount.as_tuple().exponent)
        assert digits <= currency_precision(a.currency)

    @given(monies(), st.sampled_from(MODES))
    def test_round_moves_less_than_one_unit(self, a: Money, mode: Rounding) -> None:
        """Rounding to 2 places moves the amount by less than 0.01."""
        assert abs(a.round(mode, 2) - a) < Money("0.01", a.currency)

    @given(monies())
    def test_half_modes_agree_off_ties(self, a: Money) -> None:
        """Half-up and half-even differ only on exact ties."""
        tie = (abs(a.amount) * 100) % 1 == Decimal("0.5")
        same = a.round(Rounding.HALF_UP, 2) == a.round(Rounding.HALF_EVEN, 2)
        assert same or tie

    @given(monies(), monies())
    def test_ordering_consistent_with_subtraction(self, a: Money, b: Money) -> None:
        """A < b exactly when b - a is positive."""
        assert (b - a).is_positive() == (a < b)
