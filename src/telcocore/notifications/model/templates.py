"""The text of each kind of message, in the account's locale.

Dates and amounts are formatted with babel for the message's ``locale`` (its data, added
at delivery from the account). The sentences are written in English, German, French and
Spanish; an account in any other language gets the English text with its own formats.

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

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs
from babel.dates import format_datetime
from babel.numbers import format_currency

from telcocore.notifications.model.message import Message, MessageKind

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


_TEXTS: Final[dict[str, dict[MessageKind, tuple[str, str]]]] = {
    "en": {
        MessageKind.PASSWORD: (
            "Your new password",
            (
                "Hello {name},\n\nyour password for the login {email} is:\n\n    {password}\n\n"
                "Please change it after your first login."
            ),
        ),
        MessageKind.VERIFICATION: (
            "Verify your {what}",
            "Your code to verify your {what} is {code}. It works once, until {expires} UTC.",
        ),
        MessageKind.LOW_BALANCE: (
            "Your balance is low",
            "Your balance is {balance}, below your alert threshold of {threshold}.",
        ),
    },
    "de": {
        MessageKind.PASSWORD: (
            "Ihr neues Passwort",
            (
                "Hallo {name},\n\nIhr Passwort für die Anmeldung {email} lautet:\n\n"
                "    {password}\n\nBitte ändern Sie es nach der ersten Anmeldung."
            ),
        ),
        MessageKind.VERIFICATION: (
            "Bestätigen Sie Ihre {what}",
            "Ihr Code zur Bestätigung Ihrer {what} ist {code}. Er gilt einmal, bis {expires} UTC.",
        ),
        MessageKind.LOW_BALANCE: (
            "Ihr Guthaben ist niedrig",
            "Ihr Guthaben beträgt {balance} und liegt unter Ihrer Warnschwelle von {threshold}.",
        ),
    },
    "fr": {
        MessageKind.PASSWORD: (
            "Votre nouveau mot de passe",
            (
                "Bonjour {name},\n\nvotre mot de passe pour l'identifiant {email} est :\n\n"
                "    {password}\n\nVeuillez le changer après votre première connexion."
            ),
        ),
        MessageKind.VERIFICATION: (
            "Vérifiez votre {what}",
            (
                "Votre code pour vérifier votre {what} est {code}. "
                "Il est valable une fois, jusqu'au {expires} UTC."
            ),
        ),
        MessageKind.LOW_BALANCE: (
            "Votre solde est bas",
            "Votre solde est de {balance}, sous votre seuil d'alerte de {threshold}.",
        ),
    },
    "es": {
        MessageKind.PASSWORD: (
            "Su nueva contraseña",
            (
                "Hola {name}:\n\nsu contraseña para el usuario {email} es:\n\n    {password}\n\n"
                "Cámbiela después de su primer inicio de sesión."
            ),
        ),
        MessageKind.VERIFICATION: (
            "Verifique su {what}",
            "Su código para verificar su {what} es {code}. Sirve una vez, hasta el {expires} UTC.",
        ),
        MessageKind.LOW_BALANCE: (
            "Su saldo es bajo",
            "Su saldo es de {balance}, por debajo de su umbral de alerta de {threshold}.",
        ),
    },
}
"""Subject and body of each kind of message, by language; other languages get English."""

_WORDS: Final[dict[str, dict[str, str]]] = {
    "en": {"mobile": "mobile number", "email": "email address"},
    "de": {"mobile": "Mobilnummer", "email": "E-Mail-Adresse"},
    "fr": {"mobile": "numéro de mobile", "email": "adresse e-mail"},
    "es": {"mobile": "número de móvil", "email": "dirección de correo"},
}


def _values(
    kind: MessageKind, data: Mapping[str, str], locale: str, words: Mapping[str, str]
) -> dict[str, str]:
    if kind is MessageKind.PASSWORD:
        return {
            "name": data.get("name", ""),
            "email": data.get("email", ""),
            "password": data["password"],
        }
    if kind is MessageKind.VERIFICATION:
        what = words["mobile" if data.get("target") == "mobile" else "email"]
        return {"what": what, "code": data["code"], "expires": _when(data, "expires_at", locale)}
    return {
        "balance": _amount(data, "balance", locale),
        "threshold": _amount(data, "threshold", locale),
    }


def render(message: Message) -> Rendered:
    """The subject and body of ``message``, in the locale its data names.

    A message missing a value its template needs raises :class:`KeyError`.
    """
    locale = message.data.get("locale", DEFAULT_LOCALE)
    language = locale.split("_")[0]
    texts = _TEXTS.get(language, _TEXTS["en"])
    words = _WORDS.get(language, _WORDS["en"])
    subject, body = texts[message.kind]
    values = _values(message.kind, message.data, locale, words)
    return Rendered(subject.format_map(values), body.format_map(values))
