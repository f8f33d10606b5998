"""The notes guard: credentials in the forms operators paste, and ordinary text kept."""

from __future__ import annotations

import pytest

from telcocore.contacts.model.notes import (
    MAX_NOTES_LENGTH,
    check_notes,
    holds_password,
    password_candidates,
)
from telcocore.kernel.errors import ValidationError

REFUSED = [
    # the keyword, then a colon, an equals sign, a tab or a dash
    "password: s3cr3t-value",
    "PASSWORD=s3cr3t-value",
    "login with pwd=x",
    "Pwd : x",
    "pass - x",
    "Pass -x",
    "PASS-  x",
    "pw: x",
    "passwd:x",
    "Passcode = x",
    "password\tx",
    '{"password": "x"}',
    "password => x",
    # the keyword at the end of a name
    "db_password=hunter2",
    "SIP_PASSWORD=hunter2",
    "sip_pass=x",
    "sip.secret: x",
    "api_key=x",
    "X-Api-Key: x",
    "access_token=x",
    "AUTH-TOKEN: x",
    "token: x",
    "PIN-Code: 1234",
    # said in words, or with a value that looks like one
    "password is x",
    "the password is: x",
    "Password hunter2",
    "PIN 1234",
    "sip secret Tr0ub4dor",
    "Authorization: Bearer abc123",
    # German, French, Spanish
    "Passwort: x",
    "Kennwort lautet geheim",
    "das Passwort ist x",
    "mot de passe : x",
    "le mot de passe est x",
    "mdp=x",
    "contraseña: x",
    "la contraseña es x",
    "clave: x",
    # look-alikes
    "password\uff1a x",  # full-width colon
    "\uff30\uff41\uff53\uff53\uff57\uff4f\uff52\uff44: x",  # full-width letters
    "p\u0430ssword: x",  # Cyrillic a
    "pass\u200bword: x",  # a zero-width space inside
    "password\u2236 x",  # ratio sign
    "password \u2014 x",  # em dash
    # a password inside a URL
    "sip:ann:hunter2@pbx.example",
    "https://ann:hunter2@portal.example/",
    # a bare pass or pw before a value, spelled apart or in leet, after an arrow
    "user admin pass admin123",
    "PW hunter2",
    "p@ssword: hunter2",
    "pa55word = hunter2",
    "pass word: hunter2",
    "password \u2192 hunter2",
    "password \u21d2 hunter2",
    # credentials, and ordinary words that go on to a value
    "creds: admin/admin123",
    "credentials: ...",
    "credentials: admin / Adm1n!",
    "password: changed to hunter2",
    "password is now hunter2",
    "password: none, token: hunter",
    "PIN: 1234",
    "PIN is 123",
    # secret tokens of well-known services
    "key sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    "aws AKIAIOSFODNN7EXAMPLE",
    "slack xoxb-1234567890-abcdefghijkl",
]

KEPT = [
    "",
    "call after 5pm",
    "password reset requested by phone",
    "customer forgot password, reset link sent",
    "the password is expired",
    "password was reset by phone",
    "password policy explained",
    "SIP pass-through is on",
    "pass-through",
    "passport copy received",
    "boarding pass is ready",
    "ping",
    "pin reset at 5pm",
    "new token sent by email",
    "API key rotated yesterday",
    "top secret project",
    "Passwort zurückgesetzt",
    "das Passwort ist abgelaufen",
    "mot de passe oublié",
    "le mot de passe est expiré",
    "contraseña restablecida",
    "la clave es incorrecta",
    "sip:ann@pbx.example",
    "mailto:ann@example.com",
    # an assignment, an "is" or a number that says something about the secret
    "password: N/A",
    "password: none",
    "pwd: in the vault",
    "PIN: ask customer",
    "PIN is 4 digits",
    "password 2FA enabled",
    "token 5 used",
    "password: see https://vault.example/acme",
    "Passwort: siehe Tresor",
    # the prefixes of tokens, named without a token
    "Stripe keys start with sk_live_",
    "akiak",
]


class TestCredentialShapes:
    """check_notes on its own."""

    @pytest.mark.parametrize("text", REFUSED)
    def test_refused(self, text: str) -> None:
        """Each form is a ValidationError naming the field, without the text."""
        with pytest.raises(ValidationError) as raised:
            check_notes("private_notes", text)
        assert ("private_notes", None, False) == (
            raised.value.field,
            raised.value.value,
            text in str(raised.value),
        )

    @pytest.mark.parametrize("text", KEPT)
    def test_kept(self, text: str) -> None:
        """Ordinary text, even about passwords, is kept as it is."""
        assert text == check_notes("public_notes", text)

    @pytest.mark.parametrize(
        "text", [None, 7, ["x"], "x" * (MAX_NOTES_LENGTH + 1), "a\x00b", "\ud800"]
    )
    def test_text_no_storage_keeps_is_refused(self, text: object) -> None:
        """Notes must be text of at most MAX_NOTES_LENGTH that every storage keeps."""
        with pytest.raises(ValidationError):
            check_notes("public_notes", text)


ORDINARY_NOTE = """\
Escalation: first the on-call engineer (ext. 4410), then the operations manager.
Portal: https://portal.acme-telecom.example/customers/acme?tab=trunks
Extensions 4410-4419 ring the support queue; 4420 is the switchboard.
Maintenance windows: Sundays 02:00-04:00 UTC, announced to noc@acme.example.
Password: in the vault, ask the account manager."""


def test_an_operators_note_is_kept() -> None:
    """A note of several lines with steps, a URL and extensions holds no credential."""
    assert ORDINARY_NOTE == check_notes("private_notes", ORDINARY_NOTE)


class TestPasswordCandidates:
    """What the own-password check compares with the contact's hash."""

    @pytest.mark.parametrize(
        "text",
        [
            "Tr0ub4dor&3-horse",
            "she uses 'Tr0ub4dor&3-horse' everywhere.",
            "login=Tr0ub4dor&3-horse",
            "sip:ann:Tr0ub4dor&3-horse@pbx.example",
            "user:Tr0ub4dor&3-horse",
            "ann@Tr0ub4dor&3-horse",
            "\uff34r0ub4dor&3-horse",  # a full-width T
        ],
    )
    def test_the_password_is_among_them(self, text: str) -> None:
        """In a word, quoted, after login= or inside a SIP URI."""
        assert "Tr0ub4dor&3-horse" in password_candidates(text, min_length=10, max_length=128)

    def test_a_whole_line_is_one(self) -> None:
        """A password with spaces is found as a line of its own."""
        text = "note\n  correct horse battery  \nend"
        assert "correct horse battery" in password_candidates(text, min_length=10, max_length=128)

    def test_only_plausible_lengths(self) -> None:
        """Parts shorter or longer than a password can be are left out."""
        found = password_candidates("short words " + "y" * 200, min_length=10, max_length=128)
        assert set() == found

    def test_the_plaintext_check_sees_nfkc_forms(self) -> None:
        """holds_password finds the password in full-width form too."""
        assert (True, False) == (
            holds_password("pw \uff34r0ub4dor&3-horse", "Tr0ub4dor&3-horse"),
            holds_password("nothing here", "Tr0ub4dor&3-horse"),
        )
