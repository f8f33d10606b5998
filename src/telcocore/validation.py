"""Small checks shared by the domain modules.

Each raises a ValidationError that names the field and the value.
"""

from __future__ import annotations

import enum
import functools
from typing import TypeVar

import babel

from telcocore.errors import ValidationError

__all__ = ["coerce_enum", "validate_locale"]

E = TypeVar("E", bound=enum.Enum)


def coerce_enum(cls: type[E], value: object, *, field: str) -> E:
    """``value`` (a member or its value) as a member of ``cls``.

    Anything else is a ValidationError listing the choices.
    """
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(str(member.value) for member in cls)
        msg = f"{field} {value!r} is not one of {choices}"
        raise ValidationError(msg, field=field, value=value) from None


@functools.cache
def _parse_locale(value: str) -> str:
    return str(babel.Locale.parse(value))


def validate_locale(value: object) -> str:
    """A locale babel knows, normalized (``"de-DE"`` becomes ``"de_DE"``)."""
    if isinstance(value, str):
        try:
            return _parse_locale(value.replace("-", "_"))
        except (ValueError, babel.UnknownLocaleError):
            pass
    msg = f"locale {value!r} is not a known locale such as 'en_US'"
    raise ValidationError(msg, field="locale", value=value)
