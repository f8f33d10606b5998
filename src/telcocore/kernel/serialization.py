"""The one cattrs converter: how telcocore turns its values into JSON-ready data and back.

Storage adapters and the audit log use this converter (never cattrs' global one):

- ``Decimal`` becomes a fixed-point string (``"12.50"``, ``"0.000000001"``, never an
  exponent) and is read back from a string or an int;
  a float is refused, because it may already have lost the exact value;
- ``datetime`` becomes ISO 8601 in UTC and must carry a time zone when read back;
- ``Money`` becomes ``{"amount": "12.50", "currency": "USD"}``;
- enums are stored by value; attrs classes as dicts of their fields.

>>> from decimal import Decimal
>>> from telcocore.kernel.money import Money
>>> converter = make_converter()
>>> converter.unstructure(Money("12.50", "USD"))
{'amount': '12.50', 'currency': 'USD'}
>>> converter.structure({"amount": "12.50", "currency": "USD"}, Money)
Money('12.50', 'USD')
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import cattrs

from telcocore.kernel.errors import InvalidAmount, ValidationError
from telcocore.kernel.money import Money, fixed_point, to_decimal
from telcocore.kernel.periods import require_utc

__all__ = ["configure_converter", "converter", "make_converter"]


def _structure_decimal(value: object, _type: object) -> Decimal:
    if isinstance(value, float):
        msg = f"refusing float {value!r} for a decimal value; store decimals as strings"
        raise InvalidAmount(msg, field="decimal", value=value)
    return to_decimal(value, field="decimal")


def _structure_datetime(value: object, _type: object) -> datetime:
    if isinstance(value, datetime):
        return require_utc(value, field="datetime")
    if not isinstance(value, str):
        msg = f"expected an ISO 8601 string for a datetime, got {value!r}"
        raise ValidationError(msg, field="datetime", value=value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not an ISO 8601 datetime"
        raise ValidationError(msg, field="datetime", value=value) from None
    return require_utc(parsed, field="datetime")


def _unstructure_datetime(value: datetime) -> str:
    return require_utc(value, field="datetime").isoformat()


def _structure_money(value: object, _type: object) -> Money:
    if not isinstance(value, Mapping):
        msg = f"expected {{'amount': ..., 'currency': ...}} for Money, got {value!r}"
        raise ValidationError(msg, field="money", value=value)
    return Money(_structure_decimal(value.get("amount"), Decimal), value.get("currency"))


def _unstructure_money(value: Money) -> dict[str, str]:
    return {"amount": fixed_point(value.amount), "currency": value.currency}


def _unstructure_enum(value: enum.Enum) -> object:
    return value.value


def configure_converter(conv: cattrs.Converter) -> None:
    """Register telcocore's hooks (Decimal, datetime, Money, enums) on ``conv``."""
    # StrEnum is also a str, which cattrs passes through unchanged: register it by class.
    conv.register_unstructure_hook(enum.StrEnum, _unstructure_enum)
    conv.register_unstructure_hook(enum.Enum, _unstructure_enum)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_unstructure_hook(Decimal, fixed_point)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    conv.register_structure_hook(Money, _structure_money)
    conv.register_unstructure_hook(Money, _unstructure_money)


def make_converter(**kwargs: Any) -> cattrs.Converter:  # noqa: ANN401 - passed through to cattrs
    """A new converter with telcocore's hooks; ``kwargs`` go to :class:`cattrs.Converter`."""
    conv = cattrs.Converter(**kwargs)
    configure_converter(conv)
    return conv


converter = make_converter()
"""The converter the library itself uses."""
