"""The text of each kind of message, in the account's locale.

Dates and amounts are formatted with babel for the message's ``locale`` (its data, added
at delivery from the account); the sentences themselves are English for every locale.

>>> from datetime import UTC, datetime
>>> message = Message(
...     id="m1",
...     kind=MessageKind.LOW_BALANCE,
...     account_id="acme",
...     created_at=datetime(2026, 3, 14, tzinfo=UTC),
...     data={"balance": "1.5", "currency": "GBP", "threshold": "2", "locale": "en_GB"},
... )
>>> print(render(message).body)
Your balance is £1.50, below your alert threshold of £2.00.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs
from babel.dates import format_datetime
from babel.numbers import format_currency

from telcocore.notifications.message import Message, MessageKind

__all__ = ["DEFAULT_LOCALE", "Rendered", "render"]

DEFAULT_LOCALE: Final = "en_US"
"""The locale of a message whose data names none."""


@attrs.frozen
class Rendered:
    """A message's subject (for email) and body text."""

    subject: str
    body: str = attrs.field(repr=False)


def _amount(data: Mapping[str, str], key: str, locale: str) -> str:
    return format_currency(Decimal(data[key]), data["currency"], locale=locale)


def _when(data: Mapping[str, str], key: str, locale: str) -> str:
    return format_datetime(datetime.fromisoformat(data[key]), "medium", tzinfo=None, locale=locale)


def _password(data: Mapping[str, str], locale: str) -> Rendered:
    del locale
    return Rendered(
        "Your new password",
        f"Hello {data.get('name', '')},\n\n"
        f"your password for the login {data.get('email', '')} is:\n\n"
        f"    {data['password']}\n\n"
        "Please change it after your first login.",
    )


def _verification(data: Mapping[str, str], locale: str) -> Rendered:
    what = "mobile number" if data.get("target") == "mobile" else "email address"
    return Rendered(
        f"Verify your {what}",
        f"Your code to verify your {what} is {data['code']}. "
        f"It works once, until {_when(data, 'expires_at', locale)} UTC.",
    )


def _low_balance(data: Mapping[str, str], locale: str) -> Rendered:
    return Rendered(
        "Your balance is low",
        f"Your balance is {_amount(data, 'balance', locale)}, "
        f"below your alert threshold of {_amount(data, 'threshold', locale)}.",
    )


def _invoice_issued(data: Mapping[str, str], locale: str) -> Rendered:
    number = data.get("invoice", "")
    return Rendered(
        f"Invoice {number}",
        f"Invoice {number} for {_amount(data, 'total', locale)} was issued"
        + (f"; it is due on {_when(data, 'due_at', locale)}." if "due_at" in data else "."),
    )


_TEMPLATES: Final[dict[MessageKind, Callable[[Mapping[str, str], str], Rendered]]] = {
    MessageKind.PASSWORD: _password,
    MessageKind.VERIFICATION: _verification,
    MessageKind.LOW_BALANCE: _low_balance,
    MessageKind.INVOICE_ISSUED: _invoice_issued,
}


def render(message: Message) -> Rendered:
    """The subject and body of ``message``, in the locale its data names.

    A message missing a value its template needs raises :class:`KeyError`.
    """
    locale = message.data.get("locale", DEFAULT_LOCALE)
    return _TEMPLATES[message.kind](message.data, locale)
