"""E.164 helpers: normalizing, classifying and formatting numbers with a home country."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from telcocore.kernel.errors import ValidationError
from telcocore.numbering.model.blocklist import candidate_patterns
from telcocore.numbering.model.e164 import (
    NumberClass,
    NumberFormat,
    classify,
    digits_of,
    format_number,
    normalize,
    normalize_prefix,
    to_e164,
)


class TestNormalize:
    """Numbers become E.164 with the home country."""

    @pytest.mark.parametrize("typed", ["+1 (415) 555-0123", "14155550123", "4155550123"])
    def test_us_forms_are_one_number(self, typed: str) -> None:
        """The international, the 1-prefixed and the national US forms give one number."""
        assert "+14155550123" == normalize(typed, "US")

    def test_national_form_of_another_home(self) -> None:
        """A German national number with its trunk 0 becomes +49..."""
        assert "+4930123456" == normalize("030 123456", "DE")

    def test_home_country_in_lower_case(self) -> None:
        """The home country is taken in any case."""
        assert "+14155550123" == normalize("4155550123", "us")

    @pytest.mark.parametrize(
        ("typed", "kept"),
        [("1001", "1001"), ("+1-900", "+1900"), ("ext. 12", "12"), ("n/a", ""), ("", "")],
    )
    def test_unparseable_is_kept_as_digits(self, typed: str, kept: str) -> None:
        """What phonenumbers cannot parse keeps its digits and leading +, never raising."""
        assert kept == normalize(typed, "US")


class TestToE164:
    """The one rule for stored numbers: no guessed country, valid numbers only."""

    @pytest.mark.parametrize(
        ("typed", "home", "expected"),
        [
            ("+49 30 1234567", None, "+49301234567"),
            ("+49 30 1234567", "US", "+49301234567"),
            ("030 1234567", "DE", "+49301234567"),
            ("(415) 555-0123", "US", "+14155550123"),
            ("1 415 555 0123", "us", "+14155550123"),
            ("011 49 30 1234567", "US", "+49301234567"),
            ("00 1 415 555 0123", "DE", "+14155550123"),
        ],
    )
    def test_accepted(self, typed: str, home: str | None, expected: str) -> None:
        """+ numbers anywhere; national ones and the home's international prefix with a home."""
        assert expected == to_e164(typed, home)

    @pytest.mark.parametrize("typed", ["030 1234567", "0049 30 1234567", "4155550123"])
    def test_national_form_without_a_home_country(self, typed: str) -> None:
        """No country is guessed, not even for 00: the error says what to do."""
        with pytest.raises(ValidationError, match="set the account's home country") as raised:
            to_e164(typed, None, field="mobile")
        assert ("mobile", typed) == (raised.value.field, raised.value.value)

    @pytest.mark.parametrize(
        ("typed", "home"),
        [
            ("030 1234567", "US"),  # possible length for the US, but no area code starts with 0
            ("+10301234567", None),
            ("+1 415 555", None),
            ("*1001#", "US"),
            ("+999 1234567", None),
        ],
    )
    def test_numbers_that_are_not_valid(self, typed: str, home: str | None) -> None:
        """A number phonenumbers does not find valid for its country is refused."""
        with pytest.raises(ValidationError, match="not a valid telephone number"):
            to_e164(typed, home)

    @pytest.mark.parametrize("value", [None, 4155550123, "", "   "])
    def test_not_a_number_at_all(self, value: object) -> None:
        """Anything but non-blank text is refused, naming the field."""
        with pytest.raises(ValidationError, match="must be a telephone number") as raised:
            to_e164(value, "US", field="number")
        assert "number" == raised.value.field


class TestWithoutAHomeCountry:
    """Prefixes and lookups need the home country for national forms too."""

    def test_an_international_prefix_and_number_are_read(self) -> None:
        """With +, no home country is needed."""
        assert ("+49900", "+49301234567") == (
            normalize_prefix("+49 900", None),
            normalize("+49 30 1234567", None),
        )

    @pytest.mark.parametrize("function", [normalize_prefix, normalize])
    def test_a_national_form_is_refused(self, function: Callable[..., str]) -> None:
        """0900 or 030 1234567 without a home country is a ValidationError, not a guess."""
        with pytest.raises(ValidationError, match="no home country"):
            function("0900", None)

    def test_format_number_guesses_no_country(self) -> None:
        """Without a home country, a national number is shown as its digits."""
        assert ("4155550123", "(415) 555-0123") == (
            format_number("(415) 555-0123"),
            format_number("(415) 555-0123", NumberFormat.NATIONAL, home_country="US"),
        )


class TestNormalizePrefix:
    """Prefixes for the block list."""

    @pytest.mark.parametrize(
        ("prefix", "home", "expected"),
        [
            ("+1900", "US", "+1900"),
            ("1900", "US", "+1900"),
            ("900", "US", "+1900"),
            ("0900", "DE", "+49900"),
            ("0044", "US", "+44"),
            ("01144", "US", "+44"),
            ("01044", "JP", "+44"),
            ("001144", "AU", "+44"),
            ("011", "US", ""),
            ("+44 20", "US", "+4420"),
            ("--", "US", ""),
        ],
    )
    def test_prefixes(self, prefix: str, home: str, expected: str) -> None:
        """International prefixes stay, national ones gain the home calling code."""
        assert expected == normalize_prefix(prefix, home)


class TestClassify:
    """Domestic, international, non-geographic, unknown."""

    @pytest.mark.parametrize(
        ("number", "home", "expected"),
        [
            ("4155550123", "US", NumberClass.DOMESTIC),
            ("+16135550123", "US", NumberClass.INTERNATIONAL),
            ("+14155550123", "CA", NumberClass.INTERNATIONAL),
            ("+442079460000", "US", NumberClass.INTERNATIONAL),
            ("+442079460000", "GB", NumberClass.DOMESTIC),
            ("+80012345678", "US", NumberClass.NON_GEOGRAPHIC),
            ("+881612345678", "DE", NumberClass.NON_GEOGRAPHIC),
            ("garbage", "US", NumberClass.UNKNOWN),
            ("1001", "US", NumberClass.UNKNOWN),
        ],
    )
    def test_classes(self, number: str, home: str, expected: NumberClass) -> None:
        """US to Canada is international although both are +1; +800 is non-geographic."""
        assert expected == classify(number, home)


class TestFormat:
    """Numbers written for display."""

    @pytest.mark.parametrize(
        ("style", "expected"),
        [
            (NumberFormat.E164, "+14155550123"),
            (NumberFormat.INTERNATIONAL, "+1 415-555-0123"),
            (NumberFormat.NATIONAL, "(415) 555-0123"),
            (NumberFormat.RFC3966, "tel:+1-415-555-0123"),
        ],
    )
    def test_styles(self, style: NumberFormat, expected: str) -> None:
        """Each style of a valid number."""
        assert expected == format_number("4155550123", style, home_country="US")

    def test_unparseable_shows_digits(self) -> None:
        """A number phonenumbers cannot parse is shown as its digits."""
        assert "1001" == format_number("10-01")


class TestHelpers:
    """Digits and block-list candidates."""

    def test_digits_keep_a_leading_plus(self) -> None:
        """Only digits survive, and the + in front."""
        assert "+4930" == digits_of(" +49 (30) ")

    def test_candidates_are_the_prefixes(self) -> None:
        """Every prefix of the number after its +, the number itself last."""
        assert ["+1", "+14", "+141", "+1415"] == candidate_patterns("+1415")

    def test_candidates_without_plus(self) -> None:
        """A number kept as digits gives its digit prefixes."""
        assert ["1", "10", "100"] == candidate_patterns("100")
