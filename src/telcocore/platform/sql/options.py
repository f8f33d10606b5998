"""Storage settings, given as keywords or as options of a storage URL.

Each check raises :class:`~telcocore.ConfigurationError` naming the setting, and a
URL is only ever quoted without its password (:func:`~telcocore.kernel.validation.shown_url`).
"""

from __future__ import annotations

import contextlib
from urllib.parse import SplitResult, parse_qsl, urlsplit

from telcocore.kernel.errors import ConfigurationError
from telcocore.kernel.validation import shown_url, validate_seconds, validate_setting

__all__ = ["seconds_setting", "split_url", "whole_setting"]


def split_url(url: object, *, kind: str) -> tuple[SplitResult, dict[str, str]]:
    """The parts of a storage URL and its query options (the last of a repeated one wins).

    A URL that is not a string or cannot be parsed (e.g. an unclosed ``[`` of an IPv6
    host) is a ConfigurationError saying ``kind`` (``"SQLite"``, ``"PostgreSQL"``).
    """
    parts = None
    if isinstance(url, str):
        with contextlib.suppress(ValueError):  # e.g. "Invalid IPv6 URL"
            parts = urlsplit(url)
    if parts is None:
        msg = f"{kind} URL {shown_url(url)} is not a URL that can be parsed"
        raise ConfigurationError(msg)
    return parts, dict(parse_qsl(parts.query, keep_blank_values=True))


def whole_setting(value: object, *, name: str, minimum: int, maximum: int) -> int:
    """A whole-number setting: an ``int``, or a URL option's ASCII digits.

    >>> whole_setting("25", name="pool_max_size", minimum=1, maximum=1000)
    25
    """
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    return validate_setting(value, name=name, minimum=minimum, maximum=maximum)


def seconds_setting(value: object, *, name: str, maximum: float) -> float:
    """A duration in seconds, more than 0 and at most ``maximum``: a number or a URL option.

    >>> seconds_setting("2.5", name="pool_timeout", maximum=3600)
    2.5
    """
    number: object = value
    if isinstance(value, str) and value.isascii():
        with contextlib.suppress(ValueError):
            number = float(value)
    return validate_seconds(number, name=name, maximum=maximum)
