"""Pure rules of contacts and credentials: hashes, policy, notes, secrets in messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from telcocore.audit.model.entry import REDACTED
from telcocore.contacts.errors import WeakPassword
from telcocore.contacts.model.contact import email_key, parse_mobile
from telcocore.contacts.model.credentials import (
    GENERATED_LENGTH,
    PasswordPolicy,
    ScryptHasher,
    generate_password,
)
from telcocore.kernel.errors import ConfigurationError, ValidationError
from telcocore.notifications.model.message import Message, MessageKind
from telcocore.notifications.services import RETRY_CAP, retry_delay

HASHER = ScryptHasher(n=2**10, r=8, p=1)


class TestScryptHasher:
    """Salted scrypt hashes carrying their parameters."""

    def test_the_stored_string_names_its_parameters(self) -> None:
        """``scrypt$n$r$p$salt$hash``."""
        assert ["scrypt", "1024", "8", "1"] == HASHER.hash("some-password").split("$")[:4]

    def test_each_hash_has_its_own_salt(self) -> None:
        """Hashing the same password twice gives two different strings, both matching."""
        first, second = HASHER.hash("some-password"), HASHER.hash("some-password")
        assert (False, True, True) == (
            first == second,
            HASHER.verify("some-password", first),
            HASHER.verify("some-password", second),
        )

    @pytest.mark.parametrize(
        "stored",
        [
            "",
            "md5$abc",
            "scrypt$x$8$1$aa$bb",
            "scrypt$1024$8$1",
            "scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",  # more memory than scrypt takes
            "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",  # n not a power of two
            "scrypt$1024$0$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
            "scrypt$1024$8$-1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
            "scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$",  # no digest
        ],
    )
    def test_a_malformed_hash_matches_nothing(self, stored: str) -> None:
        """A stored string that is not a scrypt hash never verifies and needs a rehash."""
        assert (False, True) == (HASHER.verify("x", stored), HASHER.needs_rehash(stored))

    @pytest.mark.parametrize(
        "settings",
        [
            {"n": 1000},
            {"n": 2**30},
            {"n": 1},
            {"r": 0},
            {"p": -1},
            {"n": "1024"},
            {"hash_bytes": 0},
        ],
    )
    def test_unusable_settings_are_refused(self, settings: dict[str, object]) -> None:
        """A hasher scrypt cannot run is a ConfigurationError when it is built."""
        with pytest.raises(ConfigurationError, match=r"scrypt|ScryptHasher"):
            ScryptHasher(**settings)  # type: ignore[arg-type]

    def test_weaker_parameters_need_a_rehash(self) -> None:
        """A hash with a lower n than the hasher's needs a rehash; an equal one does not."""
        stored = HASHER.hash("some-password")
        assert (True, False) == (
            ScryptHasher(n=2**11).needs_rehash(stored),
            HASHER.needs_rehash(stored),
        )

    def test_no_secret_in_the_repr_of_a_config(self) -> None:
        """A hasher's repr shows its parameters only."""
        assert "ScryptHasher(n=1024, r=8, p=1, salt_bytes=16, hash_bytes=32)" == repr(HASHER)


class TestGenerated:
    """Generated passwords."""

    def test_length_and_alphabet(self) -> None:
        """16 letters and digits, none of the easily misread ones."""
        password = generate_password()
        assert (GENERATED_LENGTH, True) == (
            len(password),
            all(c.isalnum() and c not in "0O1lI" for c in password),
        )

    def test_they_pass_the_policy(self) -> None:
        """A generated password meets the hand-set policy too."""
        password = generate_password()
        assert password == PasswordPolicy().check(password, email="a@example.com")


class TestPolicy:
    """The policy in isolation."""

    def test_a_custom_minimum(self) -> None:
        """min_length is configurable."""
        with pytest.raises(WeakPassword) as raised:
            PasswordPolicy(min_length=20).check("nineteen-characters", email="a@example.com")
        assert "min_length" == raised.value.rule


class TestAddresses:
    """Emails and mobiles."""

    def test_email_key_is_lower_case(self) -> None:
        """Emails compare lower-cased."""
        assert "ann@example.com" == email_key("Ann@Example.COM")

    def test_mobile_in_another_country(self) -> None:
        """A German national number with home country DE."""
        assert "+4915123456789" == parse_mobile("0151 23456789", "DE")

    def test_mobile_without_a_home_country(self) -> None:
        """Without a home country only + numbers are read; a national one names the field."""
        assert "+4915123456789" == parse_mobile("+49 151 23456789", None)
        with pytest.raises(ValidationError, match="no home country") as raised:
            parse_mobile("0151 23456789", None)
        assert "mobile" == raised.value.field


class TestMessages:
    """Secrets in messages."""

    def _message(self) -> Message:
        return Message(
            id="m1",
            kind=MessageKind.PASSWORD,
            account_id="acme",
            created_at=datetime(2026, 3, 14, tzinfo=UTC),
            to="ann@example.com",
            data={"password": "Sup3r-secret-pw", "name": "Ann"},
        )

    def test_the_repr_hides_the_password(self) -> None:
        """repr() shows the data with the password redacted."""
        assert ("Sup3r-secret-pw" in repr(self._message()), REDACTED in repr(self._message())) == (
            False,
            True,
        )

    def test_erased_keeps_everything_else(self) -> None:
        """erased() replaces only the secret values."""
        assert {"password": REDACTED, "name": "Ann"} == dict(self._message().erased().data)


class TestRetryDelay:
    """The outbox's backoff."""

    @pytest.mark.parametrize(
        ("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (1000, 3600)]
    )
    def test_doubling_up_to_the_cap(self, attempts: int, seconds: int) -> None:
        """30 s, 60 s, 120 s, ... never more than the cap."""
        assert min(timedelta(seconds=seconds), RETRY_CAP) == retry_delay(attempts)
