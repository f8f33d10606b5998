"""E.164 helpers: normalizing, classifying and formatting numbers with a home country."""

from __future__ import annotations

import pytest

from telcocore.numbering.blocklist import candidate_patterns
from telcocore.numbering.e164 import (
    NumberClass,
    NumberFormat,
    classify,
    digits_of,
    format_number,
    normalize,
    normalize_prefix,
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
