"""What contacts' notes must not hold: credentials, and the contact's own password.

:func:`check_notes` refuses text shaped like a credential, in the forms operators paste and
in the languages the library writes (English, German, French, Spanish). It compares the
text after NFKC normalization, without case, accents, invisible characters or the Cyrillic
and Greek letters that look Latin, so full-width letters and colons count as plain ones:

- a keyword followed by ``:``, ``=``, ``=>``, ``->`` (or an arrow), a tab or a dash:
  ``password: x``, ``db_password=x``, ``SIP_PASS=x``, ``"api_key": "x"``, ``token - x``;
- a keyword, then *is* (*ist*, *lautet*, *est*, *es*, ...): ``password is x``,
  ``la clave es x``;
- a keyword followed by a word holding a digit or a symbol: ``Password hunter2``,
  ``PIN 1234``, ``Authorization: Bearer abc123``, ``pass admin123``;
- a password inside a URL: ``sip:ann:x@pbx.example``, ``https://ann:x@host``;
- a secret token of a well-known service: ``sk_live_...``, ``ghp_...``, ``AKIA...``,
  ``xoxb-...``.

What follows a keyword, to the end of its line, is no credential when it only says something
about the secret: it starts with an ordinary word (*none*, *N/A*, *in*, *ask*, *expired*,
...) or a number of one or two digits, and no later word holds a digit or a symbol
(``password: in the vault``, ``PIN is 4 digits``, ``token 5 used``).

Keywords: *password* (also *pass word*, *p@ssword*, *pa55word*), *passwd*, *passphrase*,
*passcode*, *pwd*, *pin*, *secret*, *token*, *bearer*, *creds*, *credentials*, *api key*,
*access key*, *secret key*, *private key*, *auth token*; *Passwort*, *Kennwort*,
*PIN-Code*; *mot de passe*, *mdp*; *contraseña*, *clave*. A bare *pass* or *pw* counts only
before an assignment or a word with a digit or symbol (*boarding pass is ready* is fine,
and so is *pass-through*).

>>> check_notes("public_notes", "password reset requested by phone")
'password reset requested by phone'
>>> check_notes("private_notes", "SIP_PASSWORD=hunter2")
Traceback (most recent call last):
...
telcocore.kernel.errors.ValidationError: private_notes must not hold a password or credential ...

The contact's own password is known only as a slow hash, so the service checks the words
of the notes against it: :func:`password_candidates` lists what may be the password (lines,
words, and the parts of ``login=<pw>`` or ``sip:ann:<pw>@host``), and :func:`holds_password`
checks the plaintext where it is known, when a password is set.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from telcocore.contacts.model.credentials import TRIMMED
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.validation import validate_text

__all__ = ["MAX_NOTES_LENGTH", "check_notes", "folded", "holds_password", "password_candidates"]

MAX_NOTES_LENGTH: Final = 4000
"""The longest public or private notes."""

_LOOKALIKES: Final = str.maketrans(
    {
        # colons, equals signs and dashes that NFKC leaves as they are
        **dict.fromkeys("\u2236\ua789\u02f8\u0589\u05c3\u16ec\u205a\ufe55", ":"),
        **dict.fromkeys("\ua78a\u30a0\u2261", "="),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b", "-"),
        # arrows: ``password \u2192 x`` is ``password -> x``
        **dict.fromkeys("\u2192\u21d2\u27f6\u27f9\u2794\u279c\u279d\u279e\u21e8", "->"),
        # Cyrillic and Greek lower-case letters drawn like Latin ones (after casefold)
        **dict(zip("аеорсухѕіјԁԝкмтνοαρτκιυ", "aeopcyxsijdwkmtvoaptkiu", strict=True)),
    }
)


def folded(text: str) -> str:
    """``text`` as the guard reads it: NFKC, look-alikes mapped, no case or accents.

    Invisible characters are dropped, and ``Contraseña`` is ``contrasena``.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf").casefold()
    text = unicodedata.normalize("NFKD", text.translate(_LOOKALIKES))
    return "".join(c for c in text if not unicodedata.combining(c))


_SEP: Final = r"[\s_.-]?"
_PASS: Final = r"p[a@4][s5$][s5$]"  # noqa: S105 - a pattern of the keyword, no password
"""*pass*, and *p@ss*, *pa55*, *pa$$*."""
_STRONG: Final = (
    rf"{_PASS}{_SEP}(?:w[o0]rd|wd|wort|phrase|code)|pwd|kennwort|mdp|contrasena|clave|secret"
    rf"|token|bearer|creds?|credentials?|mot{_SEP}de{_SEP}passe|pin(?:{_SEP}(?:code|nummer|number))?"
    rf"|(?:api|access|secret|private|auth){_SEP}(?:key|token)|apikey"
)
"""Keywords that name a secret whatever follows them."""
_WEAK: Final = rf"{_PASS}|pw"
"""Keywords that name a secret only before an assignment or a value (``pass: x``, ``pw x1``)."""
_AROUND: Final = r"(?<![^\W_])(?:{})(?![^\W_])[\"'`]?"
"""A keyword, alone or at the end of a name (``db_password``, ``x-api-key``), maybe quoted."""
_VALUE: Final = r"(?=(?P<value>\S[^\n]*))"
"""What follows, to the end of its line (looked at, not taken, so later keywords count too)."""

_ASSIGNED: Final = re.compile(
    _AROUND.format(f"{_STRONG}|{_WEAK}")
    + r"(?:\s*(?:[:=]|=>|->)\s*|[ ]*\t\s*|\s+-+\s*|\s*-+\s+)"
    + _VALUE
)
"""``password: x``, ``pwd=x``, ``"token" => x``, ``password<TAB>x``, ``pass - x``."""
_TOLD: Final = re.compile(
    _AROUND.format(_STRONG)
    + r"\s+(?:is|was|ist|war|lautet|est|etait|es|era)(?:\s*[:=])?\s+"
    + _VALUE
)
"""``password is x``, ``das Passwort ist x``."""
_SECRET_CHAR: Final = r"[0-9#$%&*+/=@^_~|\\<>]"  # noqa: S105 - a character class
"""A digit or symbol, which makes a word look like a secret."""
_SECRET_LIKE: Final = re.compile(_SECRET_CHAR)
_SHAPED: Final = re.compile(
    _AROUND.format(f"{_STRONG}|{_WEAK}") + rf"\s+(?=\S*{_SECRET_CHAR})" + _VALUE
)
"""``Password hunter2``, ``PIN 1234``, ``pass admin123``: a word with a digit or symbol."""
_URL_PASSWORD: Final = re.compile(r"(?<![^\W_])[a-z][a-z0-9+.-]*:(?://)?[^\s:@/]+:[^\s@/]+@\w")
"""``sip:ann:secret@pbx.example``, ``https://ann:secret@host``."""
_KNOWN_TOKEN: Final = re.compile(
    r"(?<![a-z0-9])(?:[sr]k_(?:live|test)_[a-z0-9]{10,}|gh[pousr]_[a-z0-9]{20,}"
    r"|github_pat_[a-z0-9_]{20,}|akia[a-z0-9]{16}|xox[abposr]-[a-z0-9-]{10,})(?![a-z0-9])"
)
"""Secret tokens of well-known services, in any case: Stripe ``sk_live_``, ``sk_test_``,
``rk_live_``; GitHub ``ghp_``, ``gho_``, ... and ``github_pat_``; AWS ``AKIA`` and 16
letters or digits; Slack ``xoxb-``, ``xoxp-``, ...."""

_ORDINARY_WORDS: Final = {
    "en": "a an the not never no none n/a na nil tbd now still also already being been too very "
    "same different new old to in on at of for by with via see ask expired reset changed "
    "required needed missing wrong incorrect correct invalid valid weak strong short long set "
    "sent emailed mailed shared stored saved kept held hidden redacted removed revoked rotated "
    "locked blocked unknown empty blank known forgotten lost due ok fine ready pending managed "
    "case enabled disabled used unused digits characters chars letters 2fa mfa",
    "de": "nicht kein keine noch jetzt schon bereits zu sehr neu alt abgelaufen falsch richtig "
    "gultig ungultig geandert zuruckgesetzt gesperrt leer unbekannt vergessen verschickt "
    "gesendet der die das ein eine im siehe stellen ziffern",
    "fr": "pas plus ne deja encore trop tres le la les un une nouveau nouvelle ancien expire "
    "expiree invalide valide change modifie reinitialise bloque vide inconnu oublie perdu envoye "
    "aucun dans voir chiffres",
    "es": "ya aun todavia muy demasiado el los nueva nuevo vieja viejo vencida caducada "
    "incorrecta incorrecto correcta correcto invalida valida cambiada restablecida bloqueada "
    "vacia desconocida olvidada enviada ninguna en ver digitos",
}
_ORDINARY: Final = frozenset(word for words in _ORDINARY_WORDS.values() for word in words.split())
"""Words that say something about a secret, not what it is: *expired*, *none*, *in the vault*."""
_COUNT: Final = re.compile(r"[0-9]{1,2}")
"""A number too short for a secret: ``PIN is 4 digits``, ``token 5 used``."""
_PLAIN_URL: Final = re.compile(r"[a-z][a-z0-9+.-]*://[^\s@]+")
"""A web address without a user or password in it."""


def _describes(value: str) -> bool:
    """Whether ``value``, what follows a keyword, only says something about the secret.

    Its first word is an ordinary one or a short number, and no later word on its line looks
    like a secret: ``password: in the vault`` and ``password is expired`` do,
    ``password: changed to hunter2`` and ``password: hunter`` do not.
    """
    first, *rest = (word.strip(TRIMMED) for word in value.split())
    return _ordinary(first) and not any(
        _SECRET_LIKE.search(word) and not _ordinary(word) and not _PLAIN_URL.fullmatch(word)
        for word in rest
    )


def _ordinary(word: str) -> bool:
    return word in _ORDINARY or _COUNT.fullmatch(word) is not None


def _holds_credential(text: str) -> bool:
    text = folded(text)
    if _URL_PASSWORD.search(text) or _KNOWN_TOKEN.search(text):
        return True
    return any(
        not _describes(match["value"])
        for pattern in (_ASSIGNED, _TOLD, _SHAPED)
        for match in pattern.finditer(text)
    )


def check_notes(field: str, text: object) -> str:
    """``text`` if it is fit for notes: a string without anything shaped like a credential.

    The error names ``field`` and never repeats the text.
    """
    text = validate_text(text, field=field, max_length=MAX_NOTES_LENGTH, show=False)
    if _holds_credential(text):
        msg = (
            f"{field} must not hold a password or credential "
            "(text like 'password: ...', 'api_key=...', 'PIN ...'); keep credentials out of notes"
        )
        raise ValidationError(msg, field=field)
    return text


_PARTS: Final = re.compile(r"[=:@]")
"""Where ``login=<pw>`` and ``sip:ann:<pw>@host`` split."""


def password_candidates(text: str, *, min_length: int, max_length: int) -> set[str]:
    """The parts of ``text`` that may be a password of ``min_length`` to ``max_length``.

    Each line and each word (as it is and trimmed of quotes and punctuation), the parts
    of a word split at ``=``, ``:`` and ``@`` and what follows its first such sign, and
    the NFKC form of each. A password with spaces is found when it is a whole line.

    >>> sorted(password_candidates("sip:ann:Secret-Pass-7@pbx", min_length=10, max_length=128))
    ['Secret-Pass-7', 'ann:Secret-Pass-7@pbx', 'sip:ann:Secret-Pass-7@pbx']
    """
    found: set[str] = set()
    for line in text.splitlines():
        found.add(line.strip())
        for word in line.split():
            found.update((word, word.strip(TRIMMED)))
            parts = _PARTS.split(word)
            if len(parts) > 1:
                found.update(part.strip(TRIMMED) for part in parts)
                found.add(word[len(parts[0]) + 1 :].strip(TRIMMED))
    found |= {unicodedata.normalize("NFKC", candidate) for candidate in found}
    return {c for c in found if min_length <= len(c) <= max_length}


def holds_password(text: str, password: str) -> bool:
    """Whether ``text`` contains ``password``, as it is or in NFKC form."""
    nfkc = unicodedata.normalize
    return password in text or nfkc("NFKC", password) in nfkc("NFKC", text)
