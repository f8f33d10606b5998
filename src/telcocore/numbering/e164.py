"""E.164 helpers: normalize, classify and format telephone numbers with a home country.

Numbers are parsed with :mod:`phonenumbers` in the account's home country, so the national
forms a customer types become the one international form:

>>> normalize("+1 (415) 555-0123", "US"), normalize("14155550123", "US")
('+14155550123', '+14155550123')
>>> normalize("4155550123", "US")
'+14155550123'

A number phonenumbers cannot make sense of (an extension, a short code, garbage) is kept as
its digits, with a leading ``+`` if it had one; it never raises:

>>> normalize("1001", "US"), normalize("+1-900", "US"), normalize("n/a", "US")
('1001', '+1900', '')

A call is international when the destination's region differs from the home region, so
the United States to Canada is international although both are ``+1``; numbers of the
non-geographic country codes (``+800``, ``+881``, ...) are their own class:

>>> classify("+16135550123", "US"), classify("+80012345678", "US")
(<NumberClass.INTERNATIONAL: 'international'>, <NumberClass.NON_GEOGRAPHIC: 'non_geographic'>)
"""

from __future__ import annotations

import enum
import functools
import re
from typing import Final

import phonenumbers

__all__ = [
    "NumberClass",
    "NumberFormat",
    "classify",
    "digits_of",
    "format_number",
    "normalize",
    "normalize_prefix",
]

_NON_GEOGRAPHIC_REGION: Final = "001"
"""What phonenumbers calls the region of ``+800``, ``+881``, ..."""


class NumberClass(enum.StrEnum):
    """Where a number leads, seen from the home country."""

    DOMESTIC = "domestic"
    INTERNATIONAL = "international"
    NON_GEOGRAPHIC = "non_geographic"
    """A global service number: ``+800``, ``+808``, ``+870``, ``+881``, ``+882``, ..."""
    UNKNOWN = "unknown"
    """phonenumbers cannot tell (an unparseable or impossible number)."""


class NumberFormat(enum.StrEnum):
    """How :func:`format_number` writes a number."""

    E164 = "e164"
    """``+14155550123``"""
    INTERNATIONAL = "international"
    """``+1 415-555-0123``"""
    NATIONAL = "national"
    """``(415) 555-0123``"""
    RFC3966 = "rfc3966"
    """``tel:+1-415-555-0123``"""


_PHONENUMBERS_FORMAT: Final = {
    NumberFormat.E164: phonenumbers.PhoneNumberFormat.E164,
    NumberFormat.INTERNATIONAL: phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    NumberFormat.NATIONAL: phonenumbers.PhoneNumberFormat.NATIONAL,
    NumberFormat.RFC3966: phonenumbers.PhoneNumberFormat.RFC3966,
}


def digits_of(number: str) -> str:
    """Only the digits of ``number``, with a leading ``+`` if it starts with one."""
    text = number.strip()
    digits = "".join(c for c in text if c.isascii() and c.isdigit())
    return f"+{digits}" if text.startswith("+") and digits else digits


def _parse(number: str, home_country: str) -> phonenumbers.PhoneNumber | None:
    """The parsed number if phonenumbers finds it a possible number, else ``None``."""
    try:
        parsed = phonenumbers.parse(number, home_country.upper())
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


@functools.lru_cache(maxsize=4096)
def normalize(number: str, home_country: str) -> str:
    """``number`` in E.164 (``+14155550123``), parsed with ``home_country``.

    A number that is not a possible telephone number is kept as its digits (see
    :func:`digits_of`); this function never raises on its content.
    """
    parsed = _parse(number, home_country)
    if parsed is None:
        return digits_of(number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_ZERO_ZERO = re.compile("00")
"""The international prefix of most of the world, taken as one wherever a prefix is typed."""


@functools.cache
def _country_prefix(home_country: str) -> tuple[str, str, re.Pattern[str]]:
    """``(calling code, national prefix, international prefix)`` of a region.

    E.g. ``("1", "1", 011)`` for ``US`` and ``("49", "0", 00)`` for ``DE``; the
    international prefix is phonenumbers' pattern for the region (``00`` without one).
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(home_country.upper(), None)
    if metadata is None:
        return "", "", re.compile("00")
    international = re.compile(metadata.international_prefix or "00")
    return str(metadata.country_code), metadata.national_prefix or "", international


def normalize_prefix(prefix: str, home_country: str) -> str:
    """A number prefix in international form, for the block list.

    A prefix with ``+``, with the home country's international prefix (``011`` from
    ``US``, ``010`` from ``JP``, as phonenumbers parses numbers) or with ``00``, is kept as
    ``+`` and its digits. A national prefix loses the home country's national (trunk)
    prefix and gains its calling code: with home ``US``, ``1900`` and ``900`` are both
    ``+1900``; with ``DE``, ``0900`` is ``+49900``. Without digits, the result is ``""``.
    """
    text = digits_of(prefix)
    if not text or text.startswith("+"):
        return text
    code, national, international = _country_prefix(home_country)
    dialled = international.match(text) or _ZERO_ZERO.match(text)
    if dialled:
        rest = text[dialled.end() :]
        return f"+{rest}" if rest else ""
    if not code:
        return text
    if national and text.startswith(national):
        text = text[len(national) :]
    return f"+{code}{text}"


def classify(number: str, home_country: str) -> NumberClass:
    """Whether ``number`` is domestic, international or non-geographic from ``home_country``.

    ``UNKNOWN`` when phonenumbers cannot parse it or cannot place it in a region; this
    function never raises on the number's content.
    """
    parsed = _parse(number, home_country)
    if parsed is None:
        return NumberClass.UNKNOWN
    if parsed.country_code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        return NumberClass.NON_GEOGRAPHIC
    region = phonenumbers.region_code_for_number(parsed)
    if region is None:
        return NumberClass.UNKNOWN
    if region == _NON_GEOGRAPHIC_REGION:  # pragma: no cover - caught by the country code
        return NumberClass.NON_GEOGRAPHIC
    return NumberClass.DOMESTIC if region == home_country.upper() else NumberClass.INTERNATIONAL


def format_number(
    number: str, style: NumberFormat = NumberFormat.INTERNATIONAL, *, home_country: str = "US"
) -> str:
    """``number`` written for display in ``style``.

    A number phonenumbers cannot parse is shown as its digits.

    >>> format_number("+14155550123", NumberFormat.NATIONAL)
    '(415) 555-0123'
    """
    parsed = _parse(number, home_country)
    if parsed is None:
        return digits_of(number)
    return phonenumbers.format_number(parsed, _PHONENUMBERS_FORMAT[NumberFormat(style)])
