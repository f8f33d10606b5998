"""Passwords: slow salted hashes, the policy for hand-set passwords, generated passwords.

A password is stored only as a string made by :class:`ScryptHasher`, which carries its own
parameters, so they can be raised later; a stored hash made with weaker parameters is
replaced at the next successful login:

>>> hasher = ScryptHasher(n=2**10, p=1)
>>> stored = hasher.hash("correct horse battery")
>>> stored.split("$")[:4]
['scrypt', '1024', '8', '1']
>>> hasher.verify("correct horse battery", stored), hasher.verify("wrong", stored)
(True, False)

Nothing in this module puts a password in a message, a repr or a log line.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
from typing import Final

import attrs

from telcocore.contacts.errors import WeakPassword
from telcocore.kernel.errors import ConfigurationError
from telcocore.kernel.validation import shown, validate_setting

__all__ = [
    "COMMON_PASSWORDS",
    "GENERATED_LENGTH",
    "LONGEST_WORD",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "PREVIOUS_DEFAULT_HASH",
    "TRIMMED",
    "PasswordPolicy",
    "ScryptHasher",
    "generate_password",
    "looks_generated",
]

MIN_PASSWORD_LENGTH: Final = 10
"""The default shortest hand-set password."""
MAX_PASSWORD_LENGTH: Final = 128
"""The longest password accepted (a bound on the hashing work one request can cause)."""
GENERATED_LENGTH: Final = 16
"""The length of generated passwords."""

_ALPHABET: Final = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
"""Letters and digits, without the ones easily misread (``0 O 1 l I``)."""

COMMON_PASSWORDS: Final = frozenset(
    {
        "123456",
        "123456789",
        "1234567890",
        "12345678",
        "0123456789",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "abc123456789",
        "abcdefghij",
        "administrator",
        "baseball123",
        "basketball",
        "changeme123",
        "charlie123",
        "dragon1234",
        "football123",
        "iloveyou123",
        "letmein123",
        "letmeinplease",
        "master1234",
        "michael123",
        "monkey1234",
        "password",
        "password1",
        "password12",
        "password123",
        "password1234",
        "passw0rd123",
        "princess123",
        "qazwsxedc",
        "qazwsxedcrfv",
        "qwerty123",
        "qwerty1234",
        "qwertyuiop",
        "qwertyuiop123",
        "shadow1234",
        "starwars123",
        "sunshine123",
        "superman123",
        "trustno1234",
        "welcome123",
        "welcome1234",
        "whatever123",
        "zaq12wsxcde",
        "1111111111",
        "0000000000",
        "aaaaaaaaaa",
        "asdfghjkl",
        "asdfghjkl123",
        "zxcvbnm123",
    }
)
"""A small list of passwords that are refused whatever their length (compared lower-cased)."""


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password of ``length`` letters and digits, from :mod:`secrets`."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def looks_generated(text: str) -> bool:
    """Whether ``text`` has the form of a generated password (its length and alphabet)."""
    return len(text) == GENERATED_LENGTH and all(c in _ALPHABET for c in text)


TRIMMED: Final = "\"'`.,;:!?()[]{}<>\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u00bb"
"""Punctuation and quotes around a word, typographic ones (“…”, «…», „…“) too."""
LONGEST_WORD: Final = 15
"""The most letters of what :class:`PasswordPolicy` takes for a single dictionary word."""

_EMAIL_SHAPE: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_WEB_SHAPE: Final = re.compile(r"(?:[a-z][a-z0-9+.-]*:)?//|www\.", re.IGNORECASE)
_NUMBER_SHAPE: Final = re.compile(r"[0-9\s+\-./:()]*[0-9][0-9\s+\-./:()]*")


def _shape(password: str) -> str | None:
    """What ``password`` is shaped like, if it is a word, an address or a number."""
    text = password.strip()
    if _EMAIL_SHAPE.fullmatch(text):
        return "an e-mail address"
    if _WEB_SHAPE.match(text):
        return "a web address"
    if _NUMBER_SHAPE.fullmatch(text):
        return "only digits and separators (a number, a date, a time, a phone number)"
    word = text.strip(TRIMMED)
    parts = word.split("-")
    if (
        all(part.isalpha() for part in parts)
        and len(word) - len(parts) + 1 <= LONGEST_WORD
        and (word.islower() or word.isupper() or word[1:].islower())
    ):
        return "a single word of letters"
    return None


def _length(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    validate_setting(
        value, name=f"PasswordPolicy {attribute.name}", minimum=1, maximum=MAX_PASSWORD_LENGTH
    )


def _common(value: object) -> frozenset[str]:
    words = frozenset(value) if isinstance(value, set | frozenset | list | tuple) else None
    if words is None or not all(isinstance(w, str) for w in words):
        msg = f"PasswordPolicy common must be a set of passwords (str), got {shown(value)}"
        raise ConfigurationError(msg)
    return frozenset(w.casefold() for w in words)


@attrs.frozen
class PasswordPolicy:
    """The rules a hand-set password must meet: length, not the email, not a common one.

    Nor may it be shaped like what notes are full of (rule ``shape``): a single word of at
    most :data:`LONGEST_WORD` letters in one case or capitalized, maybe hyphenated or with
    punctuation around it (``Escalation:``), an e-mail or web address, or only digits and
    separators (a number, a date, a phone number). Those are the first guesses of any
    attack, and the notes guard need not compare them with a contact's password hash.
    """

    min_length: int = attrs.field(default=MIN_PASSWORD_LENGTH, validator=_length)
    max_length: int = attrs.field(default=MAX_PASSWORD_LENGTH, validator=_length)
    common: frozenset[str] = attrs.field(default=COMMON_PASSWORDS, converter=_common, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.min_length > self.max_length:
            msg = f"min_length {self.min_length} is above max_length {self.max_length}"
            raise ConfigurationError(msg)

    def check(self, password: object, *, email: str) -> str:
        """``password`` if it meets every rule, else :class:`~telcocore.WeakPassword`.

        The error names the rule, never the password.
        """
        if not isinstance(password, str):
            msg = "the password must be a string"
            raise WeakPassword(msg, rule="type")
        broken = self._broken(password, email)
        if broken is not None:
            raise broken
        return password

    def allows(self, password: str, *, email: str | None = None) -> bool:
        """Whether :meth:`check` takes ``password``; with no ``email``, whatever the email."""
        return self._broken(password, email) is None

    def _broken(self, password: str, email: str | None) -> WeakPassword | None:
        """The refusal of the first rule ``password`` breaks, if any."""
        if len(password) < self.min_length:
            msg = f"the password must be at least {self.min_length} characters long"
            return WeakPassword(msg, rule="min_length")
        if len(password) > self.max_length:
            msg = f"the password must be at most {self.max_length} characters long"
            return WeakPassword(msg, rule="max_length")
        folded = password.strip().casefold()
        if email is not None and folded in {
            email.casefold(),
            email.partition("@")[0].casefold(),
        }:
            msg = "the password must not be the login email or its name part"
            return WeakPassword(msg, rule="email")
        if folded in self.common:
            msg = "the password is among the most common passwords; choose another"
            return WeakPassword(msg, rule="common")
        shape = _shape(password)
        if shape is not None:
            msg = (
                f"the password must not be {shape}; use several words, or mix in digits or symbols"
            )
            return WeakPassword(msg, rule="shape")
        return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


PREVIOUS_DEFAULT_HASH: Final = (
    "scrypt$16384$8$1$0vbnAtnIrr1KdEIXfQNo7w$3xJjFz12t3OfKcmmg3giPOoNw8SslEW2pzvtNDU8FwM"
)
"""A stored hash with the previous default's parameters (n=2**14, r=8, p=1) of no password.

Until each contact logs in again, its hash has those parameters and a login checks it
besides making a current one; a login that finds no such hash checks this one instead, so
that every login costs the same. It is written out, not made at start, so that no first
login costs more than the others.
"""

_MAX_MEMORY: Final = 2**31 - 1
"""scrypt's memory bound in bytes, which :func:`hashlib.scrypt` takes at most."""


def _usable_cost(n: int, r: int, p: int) -> bool:
    """Whether scrypt runs with ``n``, ``r``, ``p`` within :data:`_MAX_MEMORY`."""
    return n > 1 and n & (n - 1) == 0 and r > 0 and p > 0 and 256 * n * r * p < _MAX_MEMORY


def _cost_parameter(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    validate_setting(value, name=f"ScryptHasher {attribute.name}", minimum=1)


@attrs.frozen
class ScryptHasher:
    """Salted scrypt hashes as ``scrypt$n$r$p$salt$hash`` (salt and hash urlsafe base64).

    ``n``, ``r`` and ``p`` are the scrypt cost parameters of new hashes; a stored hash with
    any of them lower :meth:`needs_rehash`. The default, n=2**15, r=8, p=3, is one of the
    equivalent settings OWASP's password storage guidance lists beside n=2**17, r=8, p=1:
    as much work per hash (about a quarter of a second on a current server core) with a
    quarter of the memory, 32 MiB instead of 128 MiB, per login in progress.
    """

    n: int = attrs.field(default=2**15, validator=_cost_parameter)
    r: int = attrs.field(default=8, validator=_cost_parameter)
    p: int = attrs.field(default=3, validator=_cost_parameter)
    salt_bytes: int = attrs.field(default=16, validator=_cost_parameter)
    hash_bytes: int = attrs.field(default=32, validator=_cost_parameter)

    def __attrs_post_init__(self) -> None:
        if not _usable_cost(self.n, self.r, self.p):
            msg = (
                f"scrypt cost n={self.n}, r={self.r}, p={self.p} is not usable: n must be a "
                f"power of two from 2, and 256*n*r*p below {_MAX_MEMORY} bytes"
            )
            raise ConfigurationError(msg)

    @staticmethod
    def _derive(password: str, salt: bytes, cost: tuple[int, int, int], size: int) -> bytes:
        n, r, p = cost
        # Any str hashes, a lone surrogate too: only the hash is stored, never the text.
        secret = password.encode("utf-8", "surrogatepass")
        return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, dklen=size, maxmem=256 * n * r * p)

    def hash(self, password: str) -> str:
        """A new stored hash of ``password``, with a fresh random salt."""
        salt = secrets.token_bytes(self.salt_bytes)
        digest = self._derive(password, salt, (self.n, self.r, self.p), self.hash_bytes)
        return f"scrypt${self.n}${self.r}${self.p}${_b64(salt)}${_b64(digest)}"

    @staticmethod
    def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
        parts = stored.split("$")
        if len(parts) != 6 or parts[0] != "scrypt":  # noqa: PLR2004 - the six fields
            return None
        try:
            n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
            salt, digest = _unb64(parts[4]), _unb64(parts[5])
        except ValueError:
            return None
        # A stored hash altered to absurd parameters matches nothing; it never reaches scrypt.
        return (n, r, p, salt, digest) if _usable_cost(n, r, p) and digest else None

    def verify(self, password: str, stored: str) -> bool:
        """Whether ``password`` matches ``stored`` (compared in constant time)."""
        parsed = self._parse(stored)
        if parsed is None or len(password) > MAX_PASSWORD_LENGTH:
            return False
        n, r, p, salt, expected = parsed
        actual = self._derive(password, salt, (n, r, p), len(expected))
        return hmac.compare_digest(actual, expected)

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made with weaker parameters than this hasher's."""
        parsed = self._parse(stored)
        if parsed is None:
            return True
        n, r, p, _, digest = parsed
        return n < self.n or r < self.r or p < self.p or len(digest) < self.hash_bytes
