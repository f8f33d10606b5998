"""CSV rate cards: :func:`load_rate_card` reads one into a :class:`RateDeck`.

The header row names the columns, in any order, case-insensitive (spaces and ``-`` read
as ``_``). Each column has synonyms; an unknown column is refused, naming it.

=========================  ==========================================================
column (synonyms)          value
=========================  ==========================================================
``prefix``                 1-20 digits, required (``destination``, ``code``,
                           ``dial_code``)
``description``            text (``name``, ``country``)
``rate``                   price per minute, required (``rate_per_minute``,
                           ``per_minute``, ``price``)
``connect_fee``            per answered call (``setup_fee``, ``connection_fee``)
``initial_increment``      A, seconds (``min_increment``, ``first_increment``)
``subsequent_increment``   B, seconds (``increment``, ``billing_increment``)
``free_seconds``           (``grace``, ``grace_seconds``, ``free``)
``minimum_charge``         (``min_charge``, ``minimum``)
``tiers``                  ``from_second:rate/increment`` separated by ``;``, e.g.
                           ``60:0.01/6;300:0.008/6``
``effective_from``         ISO 8601 date (midnight UTC) or aware datetime
                           (``start_date``, ``valid_from``)
``effective_to``           the same, exclusive (``end_date``, ``valid_to``)
=========================  ==========================================================

An empty cell takes the default (the card's ``default_effective_from`` for
``effective_from``). A row that cannot be read is a
:class:`~telcocore.billing.rating.errors.RateCardError` naming the line and the field: the
card is loaded whole or not at all.
"""

from __future__ import annotations

import csv
import decimal
import io
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, Final, TextIO

from telcocore.billing.rating.errors import RateCardError
from telcocore.billing.rating.model.deck import RateDeck
from telcocore.billing.rating.model.rates import Rate, Tier
from telcocore.kernel.errors import TelcoError, ValidationError
from telcocore.kernel.validation import shown

__all__ = ["COLUMNS", "load_rate_card", "parse_tiers"]

COLUMNS: Final[dict[str, str]] = {
    "prefix": "prefix",
    "destination": "prefix",
    "code": "prefix",
    "dial_code": "prefix",
    "description": "description",
    "name": "description",
    "country": "description",
    "rate": "rate_per_minute",
    "rate_per_minute": "rate_per_minute",
    "per_minute": "rate_per_minute",
    "price": "rate_per_minute",
    "connect_fee": "connect_fee",
    "setup_fee": "connect_fee",
    "connection_fee": "connect_fee",
    "initial_increment": "initial_increment",
    "min_increment": "initial_increment",
    "first_increment": "initial_increment",
    "subsequent_increment": "subsequent_increment",
    "increment": "subsequent_increment",
    "billing_increment": "subsequent_increment",
    "free_seconds": "free_seconds",
    "grace": "free_seconds",
    "grace_seconds": "free_seconds",
    "free": "free_seconds",
    "minimum_charge": "minimum_charge",
    "min_charge": "minimum_charge",
    "minimum": "minimum_charge",
    "tiers": "tiers",
    "effective_from": "effective_from",
    "start_date": "effective_from",
    "valid_from": "effective_from",
    "effective_to": "effective_to",
    "end_date": "effective_to",
    "valid_to": "effective_to",
}
"""Each accepted column name (normalized) and the :class:`Rate` field it fills."""

_REQUIRED: Final = ("prefix", "rate_per_minute")
_TIER: Final = re.compile(r"\s*([0-9]+)\s*:\s*([0-9.]+)\s*/\s*([0-9]+)\s*")
_INTS: Final = frozenset({"initial_increment", "subsequent_increment", "free_seconds"})
_MAX_CELL: Final = 10_000


def parse_tiers(text: str) -> tuple[Tier, ...]:
    """Tiers written ``from_second:rate/increment;...``: ``"60:0.01/6;300:0.008/6"``."""
    tiers = []
    for part in text.split(";"):
        if not part.strip():
            continue
        found = _TIER.fullmatch(part)
        if found is None:
            msg = f"tier {shown(part)} is not from_second:rate/increment, e.g. 60:0.01/6"
            raise ValidationError(msg, field="tiers", value=part)
        tiers.append(Tier(int(found[1]), found[2], int(found[3])))
    return tuple(tiers)


def _instant(text: str, field: str) -> datetime:
    try:
        if len(text) == len("2026-01-01"):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        msg = f"{shown(text)} is not an ISO 8601 date or datetime"
        raise ValidationError(msg, field=field, value=text) from None
    if value.tzinfo is None:
        msg = f"{shown(text)} has no time zone; add one (e.g. Z) or give a date"
        raise ValidationError(msg, field=field, value=text)
    return value


def _converter(field: str) -> Callable[[str], Any]:
    if field in _INTS:
        return lambda text: _whole(text, field)
    if field == "tiers":
        return parse_tiers
    if field in {"effective_from", "effective_to"}:
        return lambda text: _instant(text, field)
    return lambda text: text


def _whole(text: str, field: str) -> int:
    if not (text.isascii() and text.isdigit()):
        msg = f"{shown(text)} is not a whole number of seconds"
        raise ValidationError(msg, field=field, value=text)
    return int(text)


def _header(row: list[str]) -> list[str]:
    fields = []
    for name in row:
        key = re.sub(r"[\s-]+", "_", name.strip().lower())
        field = COLUMNS.get(key)
        if field is None:
            known = ", ".join(sorted(set(COLUMNS.values())))
            msg = f"unknown column {shown(name)}; the columns are {known} or their synonyms"
            raise RateCardError(msg, line=1, field=None, value=name)
        if field in fields:
            msg = f"column {shown(name)} fills {field}, which another column fills too"
            raise RateCardError(msg, line=1, field=field, value=name)
        fields.append(field)
    missing = [f for f in _REQUIRED if f not in fields]
    if missing:
        msg = f"missing column {missing[0]}"
        raise RateCardError(msg, line=1, field=missing[0])
    return fields


def _lines(source: str | TextIO | Iterable[str]) -> Iterable[str]:
    if isinstance(source, str):
        return io.StringIO(source, newline="")
    return source


def load_rate_card(  # noqa: PLR0913 - the deck's settings, keyword-only
    source: str | TextIO | Iterable[str],
    *,
    name: str,
    currency: str,
    precision: int = 4,
    rounding: str = decimal.ROUND_HALF_UP,
    default_effective_from: datetime,
) -> RateDeck:
    """The deck a CSV rate card describes: its text, or an open text stream.

    See the module's table for the columns. Raises
    :class:`~telcocore.billing.rating.errors.RateCardError` (line, field) for a bad
    header or row; the deck's own settings are checked as :class:`RateDeck` does.
    """
    if not isinstance(source, str) and not hasattr(source, "__iter__"):
        msg = f"source must be CSV text or a text stream, got {shown(source)}"
        raise ValidationError(msg, field="source", value=source)
    reader = csv.reader(_lines(source))
    rates: list[Rate] = []
    try:
        header = next(reader, None)
        if header is None:
            msg = "the card is empty; a header row is required"
            raise RateCardError(msg, line=1, field=None)
        if header and header[0].startswith("\ufeff"):  # a byte order mark (spreadsheets)
            header[0] = header[0][1:]
        fields = _header(header)
        converters = [_converter(f) for f in fields]
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            rates.append(_rate(row, fields, converters, line, default_effective_from))
    except csv.Error as exc:
        raise RateCardError(str(exc), line=reader.line_num, field=None) from None
    except TypeError as exc:  # a stream of bytes, or of things that are not lines
        msg = f"source must yield text lines: {exc}"
        raise ValidationError(msg, field="source", value=source) from None
    return RateDeck(name, currency, rates, precision=precision, rounding=rounding)


def _rate(
    row: list[str],
    fields: list[str],
    converters: list[Callable[[str], Any]],
    line: int,
    default_from: datetime,
) -> Rate:
    if len(row) != len(fields):
        msg = f"has {len(row)} cells, the header {len(fields)}"
        raise RateCardError(msg, line=line, field=None)
    values: dict[str, Any] = {"description": "", "effective_from": default_from}
    field = None
    try:
        for field, convert, cell in zip(fields, converters, row, strict=True):
            text = cell.strip()
            if len(text) > _MAX_CELL:
                msg = f"cell of {len(text)} characters is too long"
                raise ValidationError(msg, field=field)
            if text:
                values[field] = convert(text)
        field = None
        prefix = values.pop("prefix", None)
        rate = values.pop("rate_per_minute", None)
        description = values.pop("description")
        return Rate(prefix, description, rate, **values)
    except TelcoError as exc:
        where = getattr(exc, "field", None) if field is None else field
        raise RateCardError(
            str(exc), line=line, field=where, value=getattr(exc, "value", None)
        ) from None
