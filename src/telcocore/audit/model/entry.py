"""Audit entries and their hash chain.

Every create, update and delete made through the library writes one :class:`AuditEntry`
in the same unit of work as the change: when, who, from where, what action on which
entity, why, and the RFC 6902 patch from the entity before to the entity after.

Entries form a chain: each stores the hash of the one before it (``prev_hash``) and its
own ``hash``, a SHA-256 over its canonical JSON. Changing, inserting or removing an entry
breaks the chain at that point, and :func:`verify_chain` names the first broken entry.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar, Final

import attrs

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import validate_text

__all__ = [
    "GENESIS_HASH",
    "MAX_KEY_LENGTH",
    "REDACTED",
    "SECRET_FIELDS",
    "AuditAction",
    "AuditEntry",
    "AuditQuery",
    "ChainBreak",
    "entry_hash",
    "redact",
    "verify_chain",
]


GENESIS_HASH: Final = "0" * 64


"""The ``prev_hash`` of the first entry."""


REDACTED: Final = "[redacted]"


"""What a secret's value becomes in an audited document."""


SECRET_FIELDS: Final = frozenset(
    {"password", "password_hash", "secret", "token", "code", "code_hash", "api_key"}
)


"""Document keys whose values never reach an audit entry."""


class AuditAction(enum.StrEnum):
    """What was done."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    GENERATE = "GENERATE"
    LOGIN = "LOGIN"
    ASSIGN = "ASSIGN"
    RELEASE = "RELEASE"
    ISSUE = "ISSUE"
    PAY = "PAY"
    VOID = "VOID"


MAX_KEY_LENGTH: Final = 255


"""The longest entity type or entity key an entry names."""


def _check_key(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    validate_text(value, field=attribute.name, max_length=MAX_KEY_LENGTH, required=True)


def _utc(value: object) -> datetime:
    return require_utc(value, field="at")


def _operations(value: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    """The patch as the JSON data it is stored as, so the hash covers exactly that."""
    try:
        text = json.dumps(list(value), sort_keys=True, ensure_ascii=False)
        text.encode()
    except (TypeError, ValueError) as exc:  # not JSON, or a lone surrogate
        msg = f"an audit patch must be JSON data with valid Unicode text: {exc}"
        raise ValidationError(msg, field="patch") from None
    return tuple(json.loads(text))


@attrs.frozen
class AuditEntry:
    """One recorded change. ``seq`` numbers the entries from 1 without gaps.

    Every field holds what the storages keep, so the hash is over exactly what is
    stored: ids and keys are non-blank ``str`` (an ``int`` key would be hashed as a number
    and read back as text), ``at`` is in UTC, the patch is plain JSON data.
    """

    ENTITY: ClassVar[str] = "audit entry"
    """What storage errors call it."""

    id: str = attrs.field(validator=_check_key)
    seq: int
    at: datetime = attrs.field(converter=_utc)
    actor: str
    action: AuditAction
    entity_type: str = attrs.field(validator=_check_key)
    entity_key: str = attrs.field(validator=_check_key)
    patch: tuple[Mapping[str, Any], ...] = attrs.field(converter=_operations)
    reason: str | None = None
    source_ip: str | None = None
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """The hashed content: every field except ``hash``, as plain JSON data."""
        return {
            "id": self.id,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action.value,
            "entity_type": self.entity_type,
            "entity_key": self.entity_key,
            "patch": [dict(op) for op in self.patch],
            "reason": self.reason,
            "source_ip": self.source_ip,
            "prev_hash": self.prev_hash,
        }

    def sealed(self) -> AuditEntry:
        """A copy of the entry with its ``hash`` computed."""
        return attrs.evolve(self, hash=entry_hash(self))


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 of the entry's canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(entry.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def redact(document: Any) -> Any:  # noqa: ANN401 - any JSON value
    """A copy of ``document`` with the values of :data:`SECRET_FIELDS` keys replaced."""
    if isinstance(document, dict):
        return {
            k: (REDACTED if k in SECRET_FIELDS and v is not None else redact(v))
            for k, v in document.items()
        }
    if isinstance(document, list):
        return [redact(v) for v in document]
    return document


@attrs.frozen
class AuditQuery:
    """Filters for listing entries; ``None`` means "any". ``[start, end)`` in UTC."""

    entity_type: str | None = None
    entity_key: str | None = None
    actor: str | None = None
    action: AuditAction | None = None
    start: datetime | None = None
    end: datetime | None = None

    def matches(self, entry: AuditEntry) -> bool:
        """Whether ``entry`` passes every filter."""
        return (
            (self.entity_type is None or entry.entity_type == self.entity_type)
            and (self.entity_key is None or entry.entity_key == self.entity_key)
            and (self.actor is None or entry.actor == self.actor)
            and (self.action is None or entry.action is self.action)
            and (self.start is None or entry.at >= self.start)
            and (self.end is None or entry.at < self.end)
        )


@attrs.frozen
class ChainBreak:
    """Where the chain is broken, and how."""

    seq: int
    entry_id: str | None
    problem: str

    def __str__(self) -> str:
        return f"audit entry #{self.seq} ({self.entry_id}): {self.problem}"


def _check_head(last: int, last_hash: str, head: tuple[int, str]) -> ChainBreak | None:
    head_seq = head[0]
    if head == (last, last_hash):
        return None
    if head_seq > last:
        missing = f"#{head_seq}" if head_seq == last + 1 else f"#{last + 1} to #{head_seq}"
        return ChainBreak(last + 1, None, f"the newest entries, {missing}, are missing")
    if head_seq < last:
        problem = f"entries after #{head_seq} were added outside the log"
        return ChainBreak(head_seq + 1, None, problem)
    return ChainBreak(last, None, "the newest entry does not match the recorded head")


def verify_chain(
    entries: Iterable[AuditEntry], *, head: tuple[int, str] | None = None
) -> ChainBreak | None:
    """Check entries given in ``seq`` order; the first break found, or ``None`` if intact.

    Finds an altered entry (its hash no longer matches its content, or it was rewritten to
    something no entry can hold, such as a patch that is no longer JSON), an inserted or removed
    entry (``seq`` is not the next number, or ``prev_hash`` is not the previous hash). With
    ``head``, the ``(seq, hash)`` the storage recorded for the newest entry, it also finds
    entries removed from the end.
    """
    expected_seq, prev_hash = 1, GENESIS_HASH
    for entry in entries:
        if entry.seq != expected_seq:
            what = "missing" if entry.seq > expected_seq else "out of order or inserted"
            return ChainBreak(expected_seq, entry.id, f"entry #{expected_seq} is {what}")
        if entry.prev_hash != prev_hash:
            return ChainBreak(entry.seq, entry.id, "does not follow the previous entry's hash")
        try:
            intact = entry.hash == entry_hash(entry)
        except (TypeError, ValueError):  # its stored patch no longer reads as JSON
            intact = False
        if not intact:
            return ChainBreak(entry.seq, entry.id, "was altered after it was written")
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    return None if head is None else _check_head(expected_seq - 1, prev_hash, head)
