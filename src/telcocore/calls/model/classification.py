"""Where a call went, seen from the account's home region.

:func:`classify` reads the destination with the home region, as a customer dialled it:

>>> classify("+14155550123", "US"), classify("+16135550123", "US")
(<Classification.DOMESTIC: 'domestic'>, <Classification.INTERNATIONAL: 'international'>)
>>> classify("011442071838750", "US"), classify("+80012345678", "US")
(<Classification.INTERNATIONAL: 'international'>, <Classification.NON_GEOGRAPHIC: 'non_geographic'>)
>>> classify("not a number", "US")
<Classification.UNKNOWN: 'unknown'>

The rule is :func:`telcocore.numbering.model.e164.classify`'s: a number is international
when its region differs from the home region (the United States to Canada is international
although both are ``+1``), the non-geographic country codes (``+800``, ``+870``, ``+881``,
``+882``, ``+883``, ... — phonenumbers' region ``001``) are their own class, and a number
phonenumbers cannot parse as a possible number is ``unknown``. The destination never makes
:func:`classify` raise.

**Caching.** Parsing a number with phonenumbers takes tens of microseconds, too slow for
millions of call records, so :func:`classify` keeps the answer for a *shape* of number
whenever every number of that shape is known to get the same answer, and asks
phonenumbers only for the first number of each shape:

- ``+`` and a country code used by one region only, then a national number of 4-15 digits
  that does not start with ``0`` or with the country's national prefix (phonenumbers'
  pattern for it, where it is one, matched as phonenumbers matches it): the answer depends
  only on the country code and the length (phonenumbers places such a code's numbers in its
  one region, and whether the number is possible depends on its length). The key is
  ``(country code, length)``.
- ``+1`` and ten digits not starting with ``0`` or ``1``: in the North American Numbering
  Plan a region is given a whole exchange, so the key is the area code and exchange, the
  first six digits (checked against phonenumbers for every exchange the tests generate).
- Digits without ``+`` are first brought to the ``+`` form where phonenumbers would read them
  the same way: after the home region's international prefix (``011`` in the US, ``00`` in
  most of the world), as the home country's national number when they start with neither
  the national prefix nor the country code, and as ``1`` and ten digits in the NANP.

A number written ``+``, a country code shared by several regions other than ``+1``
(``+44``, ``+7``, ...) and a national number as above has no shape: which region has it
depends on all its digits. phonenumbers places each such number, but from its country code
and national number as read above, without parsing the text (the parse is most of its
cost).

Anything else — a national number with its trunk prefix (``030 ...`` in Germany), a shared
country code after an international prefix, punctuation, extensions — is classified by
phonenumbers, through a bounded cache of whole numbers (:data:`CACHE_SIZE`), which serves
the numbers that repeat (extensions, popular destinations).
"""

from __future__ import annotations

import enum
import functools
import re
from typing import Final

import attrs
import phonenumbers
from phonenumbers import PhoneMetadata

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.validation import shown
from telcocore.numbering.model.e164 import NumberClass, classify_read
from telcocore.numbering.model.e164 import classify as classify_number

__all__ = ["CACHE_SIZE", "Classification", "classify"]

CACHE_SIZE: Final = 8192
"""How many whole numbers the slow path remembers (the repeated ones: extensions, popular
destinations); a bound that an import of any size reaches early, so its memory stays flat."""

_SHAPES_LIMIT: Final = 500_000
"""The number of shapes remembered before the shape cache starts again (memory bound)."""


class Classification(enum.StrEnum):
    """Where a call went, seen from the home region."""

    DOMESTIC = "domestic"
    """A number of the home region."""
    INTERNATIONAL = "international"
    """A number of another region, even one that shares the country code (US → CA)."""
    NON_GEOGRAPHIC = "non_geographic"
    """A number of a non-geographic country code: ``+800``, ``+870``, ``+881``, ..."""
    UNKNOWN = "unknown"
    """A text phonenumbers cannot read as a possible number."""


_FROM_NUMBER_CLASS: Final = {
    NumberClass.DOMESTIC: Classification.DOMESTIC,
    NumberClass.INTERNATIONAL: Classification.INTERNATIONAL,
    NumberClass.NON_GEOGRAPHIC: Classification.NON_GEOGRAPHIC,
    NumberClass.UNKNOWN: Classification.UNKNOWN,
}

_COMPLEX: Final = "complex"
"""A national prefix that is a pattern, not a plain string of digits."""

_DIGITS: Final = frozenset("0123456789")
_ANYTHING: Final = re.compile("")
"""Matches every number: a code without metadata is always left to phonenumbers."""


@attrs.frozen
class _Country:
    """What the shape cache needs to know of a country calling code."""

    single_region: bool
    prefix: str  # the national prefix for parsing: "", digits, or _COMPLEX
    stripped: re.Pattern[str] | None  # where phonenumbers looks for that prefix, if anywhere


@attrs.frozen
class _Home:
    """What the shape cache needs to know of a home region."""

    region: str
    code: str
    idd: re.Pattern[str] | None
    prefix: str


def _national_prefix(metadata: PhoneMetadata | None) -> str:
    if metadata is None:
        return _COMPLEX
    pattern = metadata.national_prefix_for_parsing
    if pattern is None:
        return ""
    if metadata.national_prefix_transform_rule is not None or not set(pattern) <= _DIGITS:
        return _COMPLEX
    return str(pattern)


@functools.cache
def _country(code: int) -> _Country | None:
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
    if regions is None:
        return None
    main = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, main)
    pattern = None if metadata is None else metadata.national_prefix_for_parsing
    return _Country(
        single_region=len(regions) == 1,
        prefix=_national_prefix(metadata),
        stripped=_ANYTHING if metadata is None else re.compile(pattern) if pattern else None,
    )


@functools.cache
def _home(region: str) -> _Home:
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        msg = f"home region {shown(region)} is not an ISO 3166-1 alpha-2 code such as 'US'"
        raise ValidationError(msg, field="home_region", value=region)
    idd = metadata.international_prefix
    return _Home(
        region=region,
        code=str(metadata.country_code),
        idd=None if idd is None else re.compile(idd),
        prefix=_national_prefix(metadata),
    )


def _code_of(prefix: str) -> int | None:
    if prefix[:1] in {"", "0"}:  # no country code starts with 0
        return None
    for length in (1, 2, 3):
        code = int(prefix[:length]) if len(prefix) >= length else 0
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None


_CODES: Final = {
    f"{prefix:03d}"[:length]: _code_of(f"{prefix:03d}"[:length])
    for prefix in range(1000)
    for length in (1, 2, 3)
}
"""The country code each one to three leading digits start with (country codes are a prefix
code: none is the start of another)."""


def _country_code(digits: str) -> int | None:
    return _CODES.get(digits[:3])


def _read(digits: str) -> tuple[int, str] | None:
    """``(country code, national number)`` of ``+digits``, if phonenumbers reads it as that.

    So it does when the national number has 4-15 digits, does not start with ``0`` and
    does not start as the country's national prefix for parsing (digits, or a pattern
    phonenumbers matches there: only then does it strip or transform anything);
    otherwise ``None``, and phonenumbers parses it.
    """
    code = _country_code(digits)
    if code is None:
        return None
    national = digits[len(str(code)) :]
    country = _country(code)
    if (
        country is None
        or not 4 <= len(national) <= 15  # noqa: PLR2004 - lengths every region's rules allow
        or national[0] == "0"
        or (country.stripped is not None and country.stripped.match(national))
    ):
        return None
    return code, national


def _shape_of(code: int, national: str) -> tuple[int, int | str] | None:
    """The shape key of a number read, if all numbers of its shape classify alike."""
    country = _country(code)
    if country is not None and country.single_region:
        return (code, len(national))
    if code == 1 and len(national) == 10:  # noqa: PLR2004 - NANP numbers
        return (code, national[:6])
    return None


def _plus_digits(text: str, home: _Home) -> str | None:  # noqa: PLR0911 - one per rule
    """The digits after ``+`` phonenumbers reads a destination as, or ``None`` if unsure."""
    if text[:1] == "+":
        digits = text[1:]
        return digits if digits.isascii() and digits.isdigit() else None
    if not (text.isascii() and text.isdigit()):
        return None
    if home.idd is not None:
        dialled = home.idd.match(text)
        if dialled is not None:
            rest = text[dialled.end() :]
            return rest if rest[:1] not in {"", "0"} else None
    if home.code == "1" and len(text) == 11 and text[0] == "1":  # noqa: PLR2004
        return text
    if text.startswith(home.code) or home.prefix == _COMPLEX:
        return None
    if home.prefix and text.startswith(home.prefix):
        return None
    country = _country(int(home.code))
    if country is None or country.prefix != home.prefix:
        return None
    return home.code + text


def _classify_exactly(destination: str, region: str) -> Classification:
    """What phonenumbers says, through the numbering rule."""
    try:
        return _FROM_NUMBER_CLASS[classify_number(destination, region)]
    except (ValueError, IndexError, TypeError):  # pragma: no cover - phonenumbers' own bugs
        return Classification.UNKNOWN


@functools.lru_cache(maxsize=CACHE_SIZE)
def _classify_number(destination: str, region: str) -> Classification:
    return _classify_exactly(destination, region)


_shapes: dict[tuple[str, int, int | str], Classification] = {}
_HOMES: dict[str, _Home] = {}


def classify(destination: str, home_region: str) -> Classification:
    """Whether ``destination`` is domestic, international, non-geographic or unknown.

    ``home_region`` is the account's ISO 3166-1 alpha-2 region (``"US"``); an unknown one
    is a :class:`~telcocore.ValidationError`. Any ``destination`` is classified, at worst
    as ``unknown``: this function never raises for it. See the module's documentation for
    the rule and the caching.
    """
    home = _HOMES.get(home_region)
    if home is None:
        home = _home(home_region.upper() if isinstance(home_region, str) else "")
        if isinstance(home_region, str):
            _HOMES[home_region] = home
    if not isinstance(destination, str):
        return Classification.UNKNOWN
    text = destination.strip()
    digits = _plus_digits(text, home)
    read = None if digits is None else _read(digits)
    if read is None:
        return _classify_number(text, home.region)
    shape = _shape_of(*read)
    if shape is None:
        if text[:1] != "+":
            return _classify_number(text, home.region)
        # A country code of several regions, written "+" and digits: the number is placed
        # as phonenumbers places it, without parsing its text (and without the cache).
        return _FROM_NUMBER_CLASS[classify_read(*read, home.region)]
    key = (home.region, *shape)
    known = _shapes.get(key)
    if known is None:
        known = _classify_exactly(text, home.region)
        if len(_shapes) >= _SHAPES_LIMIT:
            _shapes.clear()
        _shapes[key] = known
    return known
