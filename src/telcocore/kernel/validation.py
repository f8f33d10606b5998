"""Small checks shared by the domain modules.

Each raises a ValidationError that names the field and the value.
"""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Iterable, Sequence
from typing import Final, TypeVar
from urllib.parse import urlsplit

import babel

from telcocore.kernel.errors import ConfigurationError, TelcoError, ValidationError

__all__ = [
    "MAX_ID_LENGTH",
    "MAX_INT",
    "SHOWN_LENGTH",
    "coerce_enum",
    "passwords_in",
    "shown",
    "shown_url",
    "some_of",
    "storage_problem",
    "validate_flag",
    "validate_id",
    "validate_int",
    "validate_items",
    "validate_locale",
    "validate_seconds",
    "validate_setting",
    "validate_text",
    "validate_version",
    "without_passwords",
]

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")


def some_of(values: Sequence[object], *, most: int = 5) -> str:
    """The first ``most`` of ``values``, quoted and joined, and ``...`` if there are more.

    >>> some_of(["a", "b", "c"], most=2)
    "'a', 'b', ..."
    """
    more = ", ..." if len(values) > most else ""
    return ", ".join(repr(v) for v in values[:most]) + more


def coerce_enum(cls: type[E], value: object, *, field: str) -> E:
    """``value`` (a member or its value) as a member of ``cls``.

    Anything else is a ValidationError listing the choices.
    """
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(str(member.value) for member in cls)
        msg = f"{field} {shown(value)} is not one of {choices}"
        raise ValidationError(msg, field=field, value=value) from None


def storage_problem(text: str) -> str | None:
    """Why no storage keeps ``text`` exactly, or ``None`` if every storage does.

    PostgreSQL refuses the NUL character in text, and a lone surrogate is not UTF-8.
    """
    if "\x00" in text:
        return "must not contain a NUL character, which no storage keeps"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "must be valid Unicode (it holds a lone surrogate)"
    return None


SHOWN_LENGTH: Final = 80
"""How many characters of a value an error message quotes at most."""


def shown(value: object) -> str:
    """``repr(value)`` for an error message, cut to :data:`SHOWN_LENGTH` characters.

    A megabyte of bad input must not become a megabyte of error message or log line.
    """
    return _cut(repr(value))


def validate_items(
    value: object,
    cls: type[T],
    *,
    field: str,
    error: type[ValidationError] = ValidationError,
    text_refused: bool = False,
) -> list[T]:
    """``value``, an iterable of ``cls`` instances, as a list; anything else raises ``error``.

    A single ``cls`` instance, a value that is not iterable (and, with ``text_refused``, a
    ``str`` or ``bytes``) is refused as a whole; an item of another type is refused by its
    position, ``field[i]``.
    """
    refused = (cls, str, bytes) if text_refused else cls
    if isinstance(value, refused) or not isinstance(value, Iterable):
        msg = f"{field} must be an iterable of {cls.__name__}, got {shown(value)}"
        raise error(msg, field=field, value=value)
    items = list(value)
    for position, item in enumerate(items):
        if not isinstance(item, cls):
            msg = f"{field}[{position}] must be a {cls.__name__}, got {shown(item)}"
            raise error(msg, field=field, value=item)
    return items


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 3] + "..."


_URL_PASSWORD: Final = re.compile(r"(://|^|(?<=[\s'\"(<=]))([^:/@\s'\"]*:)(?!//)[^\s'\"]*@")
"""``user:password@``, after ``scheme://`` or on its own: up to the last ``@`` of the word,
however a parser would split it."""
_PASSWORD_OPTION: Final = re.compile(
    r"\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&#'\"]*)", re.IGNORECASE
)
"""``password=...`` in a URL's query or a ``key=value`` connection string."""


def passwords_in(url: str) -> list[str]:
    """The passwords a URL or ``key=value`` connection string carries, to hide them elsewhere.

    >>> passwords_in("postgresql://alice:S3cret@db/telco?sslpassword='k3y'")
    ['S3cret', 'k3y']
    """
    try:
        password = urlsplit(url).password
    except ValueError:  # e.g. an unclosed "[" of an IPv6 host
        password = None
    options = [match[2].strip("'") for match in _PASSWORD_OPTION.finditer(url)]
    return [p for p in (password, *options) if p]


_SHORTEST_PIECE: Final = 3
"""The shortest piece of a known password :func:`without_passwords` hides on its own."""


def without_passwords(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL password and ``password=`` option replaced by ``***``.

    ``secrets`` are passwords known to the caller (the one of the URL it connects with):
    they and their pieces between ``@``, ``:`` and ``/`` are hidden wherever they stand.

    For error messages and log lines that quote a storage URL or a driver's message about
    one. When in doubt it hides more than the password, never less.

    >>> without_passwords("postgresql://alice:S3cret@db.example/telco?sslpassword=x")
    'postgresql://alice:***@db.example/telco?sslpassword=***'
    >>> without_passwords("unknown storage URL 'alice:S3c@ret@host'")
    "unknown storage URL 'alice:***@host'"
    """
    hidden = _PASSWORD_OPTION.sub(r"\1***", _URL_PASSWORD.sub(r"\1\2***@", text))
    for secret in secrets:
        # A driver may quote a piece of it alone ("host 'ret@h'" of the password "S3c@ret").
        for piece in {secret, *re.split(r"[@:/]", secret)}:
            if len(piece) >= _SHORTEST_PIECE:
                hidden = hidden.replace(piece, "***")
    return hidden


def shown_url(value: object) -> str:
    """:func:`shown` for a URL: quoted and cut, without its password.

    >>> shown_url("postgresql://alice:S3cret@db.example/telco")
    "'postgresql://alice:***@db.example/telco'"
    """
    return _cut(without_passwords(repr(value)))


def _text_problem(value: object, *, max_length: int, required: bool) -> str | None:
    if not isinstance(value, str):
        return "must be text (a str)"
    if required and not value.strip():
        return "must not be blank"
    if len(value) > max_length:
        return f"must be at most {max_length} characters"
    return storage_problem(value)


def validate_text(  # noqa: PLR0913 - one check, described by keywords
    value: object,
    *,
    field: str,
    max_length: int,
    required: bool = False,
    label: str | None = None,
    show: bool = True,
) -> str:
    """Free text that every storage keeps exactly as given.

    A ``str`` of at most ``max_length`` characters, not blank if ``required``, with no NUL
    character and no lone surrogate (neither survives every database or UTF-8). The error
    names ``label`` (default: ``field``) and, with ``show``, the value; pass
    ``show=False`` for text that may hold something secret.
    """
    problem = _text_problem(value, max_length=max_length, required=required)
    if problem is None and isinstance(value, str):
        return value
    name = label or field
    msg = f"{name} {shown(value)} {problem}" if show else f"{name} {problem}"
    raise ValidationError(msg, field=field, value=value if show else None)


MAX_INT: Final = 2**63 - 1
"""The largest integer every storage keeps (a signed 64-bit column)."""


def validate_int(value: object, *, field: str, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """An ``int`` (not a ``bool``, float, Decimal or string) from ``minimum`` to ``maximum``.

    For limits, cursors, versions and counts: anything else is a
    :class:`~telcocore.ValidationError` naming ``field``.

    >>> validate_int(50, field="limit", minimum=1)
    50
    """
    if type(value) is not int:
        msg = f"{field} must be a whole number (an int), got {shown(value)}"
        raise ValidationError(msg, field=field, value=value)
    if not minimum <= value <= maximum:
        msg = f"{field} {value} must be from {minimum} to {maximum}"
        raise ValidationError(msg, field=field, value=value)
    return value


def validate_setting(value: object, *, name: str, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """:func:`validate_int` for a setting an application configures once, at start-up.

    The error is a :class:`~telcocore.ConfigurationError` naming ``name``.
    """
    try:
        return validate_int(value, field=name, minimum=minimum, maximum=maximum)
    except ValidationError as exc:
        raise ConfigurationError(str(exc)) from None


def validate_seconds(
    value: object,
    *,
    name: str,
    maximum: float,
    error: type[TelcoError] = ConfigurationError,
    kind: str = "a number of seconds",
) -> float:
    """A duration: an int or float of seconds, more than 0, at most ``maximum``.

    Anything else is an ``error`` naming ``name``: a :class:`~telcocore.ConfigurationError`
    for a setting, unless another class is given (a :class:`~telcocore.ValidationError`, or
    a subclass, for an argument: it carries ``field`` and ``value``). ``kind`` says what
    the message asks for.

    >>> validate_seconds(5, name="interval", maximum=60)
    5.0
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= maximum
    ):
        msg = f"{name} {shown(value)} must be {kind}, more than 0 and at most {maximum:g}"
        if issubclass(error, ValidationError):
            raise error(msg, field=name, value=value)
        raise error(msg)
    return float(value)


def validate_version(value: object) -> int | None:
    """An ``expected_version``: ``None`` (do not check) or a version number from 0.

    >>> validate_version(3), validate_version(None)
    (3, None)
    """
    return None if value is None else validate_int(value, field="expected_version")


def validate_flag(value: object, *, field: str) -> bool:
    """``True`` or ``False`` exactly: ``1``, ``"yes"`` or ``None`` is a ValidationError."""
    if type(value) is not bool:
        msg = f"{field} must be True or False, got {shown(value)}"
        raise ValidationError(msg, field=field, value=value)
    return value


MAX_ID_LENGTH: Final = 64
"""The longest id (of an account, contact, transaction, ...) in characters."""

_ID: Final = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.:-]{{0,{MAX_ID_LENGTH - 1}}}")


def validate_id(value: object, *, field: str, label: str) -> str:
    """An id given by a caller, to create an entity or to look one up.

    1-64 ASCII letters, digits or ``_ . : -``, starting with a letter or digit: exactly what
    every storage keeps, compares and hashes alike (never an ``int``, blank, control or
    NUL character). Generated ids (32 hex digits) fit. Anything else is a
    :class:`~telcocore.ValidationError` naming ``label``, on every storage.
    """
    if isinstance(value, str) and _ID.fullmatch(value):
        return value
    msg = (
        f"{label} {shown(value)} must be 1-{MAX_ID_LENGTH} letters, digits or '_.:-', "
        "starting with a letter or digit"
    )
    raise ValidationError(msg, field=field, value=value)


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
    msg = f"locale {shown(value)} is not a known locale such as 'en_US'"
    raise ValidationError(msg, field="locale", value=value)
