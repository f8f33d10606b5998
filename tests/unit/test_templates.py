"""Message texts in the account's language, with amounts and dates in its locale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telcocore.notifications.model.message import Message, MessageKind
from telcocore.notifications.model.templates import render

DATA = {
    MessageKind.PASSWORD: {"name": "Cy", "email": "cy@example.com", "password": "Tr0ub4dor&3"},
    MessageKind.VERIFICATION: {
        "code": "482913",
        "target": "mobile",
        "expires_at": "2026-03-14T15:24:26+00:00",
    },
    MessageKind.LOW_BALANCE: {"balance": "1234.5", "threshold": "2000", "currency": "EUR"},
}


def _render(kind: MessageKind, locale: str) -> tuple[str, str]:
    message = Message(
        id="m-1",
        kind=kind,
        account_id="acme",
        created_at=datetime(2026, 3, 14, tzinfo=UTC),
        data={**DATA[kind], "locale": locale},
    )
    rendered = render(message)
    return rendered.subject, rendered.body


class TestLanguages:
    """Each kind of message is written in English, German, French and Spanish."""

    @pytest.mark.parametrize(
        ("locale", "subject"),
        [
            ("en_US", "Your balance is low"),
            ("de_DE", "Ihr Guthaben ist niedrig"),
            ("fr_FR", "Votre solde est bas"),
            ("es_ES", "Su saldo es bajo"),
            ("de_AT", "Ihr Guthaben ist niedrig"),
        ],
    )
    def test_subject_in_the_accounts_language(self, locale: str, subject: str) -> None:
        """The language part of the locale picks the text."""
        assert subject == _render(MessageKind.LOW_BALANCE, locale)[0]

    def test_other_languages_get_english(self) -> None:
        """A language without texts gets English, with its own number formats."""
        assert ("Your balance is low", "€1,234.50") == (
            _render(MessageKind.LOW_BALANCE, "ja_JP")[0],
            _render(MessageKind.LOW_BALANCE, "ja_JP")[1].split()[3].rstrip(","),
        )

    @pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR", "es_ES"])
    @pytest.mark.parametrize("kind", list(MessageKind))
    def test_every_kind_renders_in_every_language(self, kind: MessageKind, locale: str) -> None:
        """No placeholder is left unfilled, and the values reach the text."""
        subject, body = _render(kind, locale)
        assert ("{" not in subject + body, "}" not in subject + body) == (True, True)


class TestFormats:
    """Amounts and dates follow the locale."""

    @pytest.mark.parametrize(
        ("locale", "amount"),
        [("en_US", "€1,234.50"), ("de_DE", "1.234,50\xa0€"), ("fr_FR", "1\u202f234,50\xa0€")],
    )
    def test_the_balance(self, locale: str, amount: str) -> None:
        """The balance of a low-balance alert is formatted for the account's locale."""
        assert amount in _render(MessageKind.LOW_BALANCE, locale)[1]

    def test_the_password_reaches_the_body_unchanged(self) -> None:
        """A password with braces is not read as a placeholder."""
        message = Message(
            id="m-1",
            kind=MessageKind.PASSWORD,
            account_id="acme",
            created_at=datetime(2026, 3, 14, tzinfo=UTC),
            data={"name": "Cy", "email": "cy@example.com", "password": "a{b}c", "locale": "de_DE"},
        )
        assert "    a{b}c\n" in render(message).body

    def test_the_mobile_is_named_in_german(self) -> None:
        """A verification for the mobile says so, in the account's language."""
        assert "Bestätigen Sie Ihre Mobilnummer" == _render(MessageKind.VERIFICATION, "de_DE")[0]
