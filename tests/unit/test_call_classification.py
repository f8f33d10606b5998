"""Classification of destinations: the rule, and the cache agreeing with phonenumbers."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telcocore import ValidationError
from telcocore.calls.model.classification import (
    Classification,
    _classify_exactly,
    classify,
)

HOMES = ["US", "CA", "JM", "DE", "GB", "FR", "IT", "RU", "KZ", "AU", "JP", "IN", "BR", "AR", "CN"]


class TestRule:
    """Domestic, international, non-geographic, unknown."""

    @pytest.mark.parametrize(
        ("destination", "home", "expected"),
        [
            ("+14155550123", "US", Classification.DOMESTIC),
            ("14155550123", "US", Classification.DOMESTIC),
            ("4155550123", "US", Classification.DOMESTIC),
            ("+16135550123", "US", Classification.INTERNATIONAL),
            ("+14155550123", "CA", Classification.INTERNATIONAL),
            ("011442071838750", "US", Classification.INTERNATIONAL),
            ("+442071838750", "GB", Classification.DOMESTIC),
            ("02071838750", "GB", Classification.DOMESTIC),
            ("0049301234567", "GB", Classification.INTERNATIONAL),
            ("030 1234567", "DE", Classification.DOMESTIC),
            ("+80012345678", "US", Classification.NON_GEOGRAPHIC),
            ("+870773111632", "DE", Classification.NON_GEOGRAPHIC),
            ("+881612345678", "DE", Classification.NON_GEOGRAPHIC),
            ("+88213400000", "US", Classification.NON_GEOGRAPHIC),
            ("1001", "US", Classification.UNKNOWN),
            ("s", "US", Classification.UNKNOWN),
            ("", "US", Classification.UNKNOWN),
            ("+", "US", Classification.UNKNOWN),
        ],
    )
    def test_examples(self, destination: str, home: str, expected: Classification) -> None:
        """US to Canada is international although both are +1."""
        assert expected == classify(destination, home)

    def test_the_home_region_is_case_blind(self) -> None:
        """'us' is 'US'."""
        assert Classification.DOMESTIC == classify("+14155550123", "us")

    def test_an_unknown_home_region_is_refused(self) -> None:
        """The home region is configuration, not data: a bad one is an error."""
        with pytest.raises(ValidationError, match="home region 'XX'"):
            classify("+14155550123", "XX")


class TestNeverRaises:
    """No destination makes classify raise."""

    @given(st.text(), st.sampled_from(HOMES))
    def test_any_text(self, destination: str, home: str) -> None:
        """Any text at all is classified."""
        assert classify(destination, home) in set(Classification)


_DIGITS = st.text("0123456789", min_size=1, max_size=18)


class TestTheCacheIsSound:
    """The answers by shape are the ones phonenumbers gives for each number."""

    @settings(max_examples=1000)
    @given(
        st.sampled_from(["", "+", "+0", "1", "+1", "00", "011", "0", "8", "810"]),
        _DIGITS,
        st.sampled_from(HOMES),
    )
    def test_digit_strings(self, prefix: str, digits: str, home: str) -> None:
        """Random numbers in every form agree with phonenumbers, whatever came first."""
        number = prefix + digits
        assert _classify_exactly(number, home) == classify(number, home)

    def test_a_leading_zero_is_no_country_code(self) -> None:
        """'+092...' is not Pakistan's +92, and does not stand for its numbers' shape."""
        assert Classification.INTERNATIONAL == classify("+923001234567", "CN")
        assert Classification.UNKNOWN == classify("+0923001234567", "CN")
        assert Classification.INTERNATIONAL == classify("+923001234568", "CN")

    @pytest.mark.parametrize("home", ["US", "CA", "JM"])
    def test_north_american_exchanges(self, home: str) -> None:
        """Two numbers of one exchange (area code and exchange) agree in every case tried."""
        rng = random.Random(7)  # noqa: S311 - sample numbers, not secrets
        for _ in range(3000):
            exchange = f"{rng.randint(200, 999)}{rng.randint(200, 999)}"
            for suffix in (f"{rng.randint(0, 9999):04d}", f"{rng.randint(0, 9999):04d}"):
                number = f"+1{exchange}{suffix}"
                assert _classify_exactly(number, home) == classify(number, home), number

    @pytest.mark.parametrize("home", ["US", "GB", "JE", "RU", "KZ", "IT", "FI", "NO", "AU"])
    def test_shared_country_codes(self, home: str) -> None:
        """Numbers of a code several regions share, placed without a parse, agree."""
        rng = random.Random(11)  # noqa: S311 - sample numbers, not secrets
        for code in ("44", "7", "39", "47", "61", "212", "358", "262", "590", "599", "290"):
            for _ in range(400):
                national = str(rng.randint(1, 9)) + "".join(
                    rng.choices("0123456789", k=rng.randint(3, 13))
                )
                number = f"+{code}{national}"
                assert _classify_exactly(number, home) == classify(number, home), number
