"""E.164 helpers: parse, normalize, classify and format telephone numbers.

**The one rule for numbers that are stored** (a contact's mobile, a blocked number, a DID)
is :func:`to_e164`. A number written in international form, ``+`` and its country code,
is read as it is. A number written in national form is read with the account's home
country (and so is one dialled with that country's international prefix, ``011`` from the
US, ``00`` from Germany); without a home country it is refused, since no country is
guessed. The number must then be valid for its country (:func:`phonenumbers.is_valid_number`,
which knows each country's number ranges), not merely of a possible length:

>>> to_e164("+49 30 1234567", None), to_e164("030 1234567", "DE")
('+49301234567', '+49301234567')
>>> to_e164("030 1234567", None)
Traceback (most recent call last):
...
telcocore.kernel.errors.ValidationError: number '030 1234567' is in national form and the account
has
no home country: set the account's home country, or write the number with '+' ...
>>> to_e164("030 1234567", "US")
Traceback (most recent call last):
...
telcocore.kernel.errors.ValidationError: number '030 1234567' is not a valid telephone number in US
(the home country); write a number of another country with '+' and its country code

Block list prefixes follow the same rule through :func:`normalize_prefix`.

For looking numbers up, :func:`normalize` reads a number with a home country the same way
but takes any text (it raises only for a number in national form without a home country,
and :func:`readable` says beforehand whether it would): the national forms a customer types
become the one international form,

>>> normalize("+1 (415) 555-0123", "US"), normalize("14155550123", "US")
('+14155550123', '+14155550123')
>>> normalize("4155550123", "US")
'+14155550123'

and a number phonenumbers cannot make sense of (an extension, a short code, garbage) is
kept as its digits, with a leading ``+`` if it had one:

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

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.validation import shown

__all__ = [
    "NumberClass",
    "NumberFormat",
    "classify",
    "classify_read",
    "digits_of",
    "format_number",
    "normalize",
    "normalize_prefix",
    "readable",
    "to_e164",
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


def _region(home_country: str | None) -> str | None:
    return None if home_country is None else home_country.upper()


def _parse(number: str, home_country: str | None) -> phonenumbers.PhoneNumber | None:
    """The parsed number if phonenumbers finds it a possible number, else ``None``."""
    try:
        parsed = phonenumbers.parse(number, _region(home_country))
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def _no_country(value: object, *, field: str) -> ValidationError:
    """The refusal of ``value`` in national form when there is no home country to read it."""
    msg = (
        f"{field} {shown(value)} is in national form and the account has no home country: "
        "set the account's home country, or write the number with '+' and its country code"
    )
    return ValidationError(msg, field=field, value=value)


def to_e164(number: object, home_country: str | None, *, field: str = "number") -> str:
    """``number`` in E.164, read with ``home_country``; a number that is not valid is refused.

    ``+`` and a country code is read as it is; anything else needs ``home_country`` and is
    read as a number of that country. A :class:`~telcocore.ValidationError` naming
    ``field`` refuses a number in national form without a home country, and a number
    :func:`phonenumbers.is_valid_number` does not accept: a possible length is not enough,
    since ``030 1234567`` has the length of a US number but no US number starts with 0.
    """
    text = number.strip() if isinstance(number, str) else ""
    if not text:
        msg = f"{field} {shown(number)} must be a telephone number such as '+14155550123'"
        raise ValidationError(msg, field=field, value=number)
    if not readable(text, home_country):
        raise _no_country(number, field=field)
    try:
        parsed = phonenumbers.parse(text, _region(home_country))
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        where = (
            ""
            if text.startswith("+") or home_country is None
            else f" in {_region(home_country)} (the home country); write a number of another "
            "country with '+' and its country code"
        )
        msg = f"{field} {shown(number)} is not a valid telephone number{where}"
        raise ValidationError(msg, field=field, value=number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def readable(number: str, home_country: str | None) -> bool:
    """Whether :func:`normalize` can read ``number``: it has a home country, or a ``+``.

    Without either no country is guessed, so no stored number (all are in E.164) can be it.
    """
    return home_country is not None or digits_of(number).startswith("+")


def normalize(number: str, home_country: str | None, *, field: str = "number") -> str:
    """``number`` in E.164 (``+14155550123``), parsed with ``home_country``, for a lookup.

    A number that is not a possible telephone number is kept as its digits (see
    :func:`digits_of`). Only two things raise a :class:`~telcocore.ValidationError`
    naming ``field``: a ``number`` that is not text, and one in national form without a
    home country, which no country is guessed for.
    """
    if not isinstance(number, str):
        msg = f"{field} {shown(number)} must be text such as '+14155550123'"
        raise ValidationError(msg, field=field, value=number)
    if not readable(number, home_country):
        raise _no_country(number, field=field)
    return _normalize(number, home_country)


@functools.lru_cache(maxsize=4096)
def _normalize(number: str, home_country: str | None) -> str:
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


def normalize_prefix(prefix: str, home_country: str | None, *, field: str = "prefix") -> str:
    """A number prefix in international form, for the block list.

    A prefix with ``+`` is kept as ``+`` and its digits. With a home country, so is one
    with that country's international prefix (``011`` from ``US``, ``010`` from ``JP``, as
    phonenumbers parses numbers) or with ``00``; and a national prefix loses the home
    country's national (trunk) prefix and gains its calling code: with home ``US``,
    ``1900`` and ``900`` are both ``+1900``; with ``DE``, ``0900`` is ``+49900``. Without a
    home country, a prefix without ``+`` is refused with a
    :class:`~telcocore.ValidationError` naming ``field``, as :func:`to_e164` refuses
    a number. Without digits, the result is ``""``.
    """
    text = digits_of(prefix) if isinstance(prefix, str) else ""
    if not text or text.startswith("+"):
        return text
    if home_country is None:
        raise _no_country(prefix, field=field)
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
    return _class_of(_parse(number, home_country), home_country)


def classify_read(country_code: int, national: str, home_country: str) -> NumberClass:
    """:func:`classify` of a number already read: ``country_code`` and ``national`` digits.

    For a text phonenumbers reads as exactly that number (``+``, the code and a national
    number that needs no prefix stripped and does not start with ``0``), the answer is
    :func:`classify`'s without parsing the text again.
    """
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    return _class_of(number if phonenumbers.is_possible_number(number) else None, home_country)


def _class_of(parsed: phonenumbers.PhoneNumber | None, home_country: str) -> NumberClass:
    """The class of a number phonenumbers parsed (``None``: not a possible number)."""
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
    number: str,
    style: NumberFormat = NumberFormat.INTERNATIONAL,
    *,
    home_country: str | None = None,
) -> str:
    """``number`` written for display in ``style``.

    A number in national form is read with ``home_country``; without one, and for any
    number phonenumbers cannot parse, the number is shown as its digits.

    >>> format_number("+14155550123", NumberFormat.NATIONAL)
    '(415) 555-0123'
    """
    parsed = _parse(number, home_country)
    if parsed is None:
        return digits_of(number)
    return phonenumbers.format_number(parsed, _PHONENUMBERS_FORMAT[NumberFormat(style)])
