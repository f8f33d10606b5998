"""Audit use cases: writing entries inside a unit of work, and reading them back.

Services call :meth:`AuditLog.record_change` in the same unit of work as the change, so a
change and its entry commit or roll back together; the entity names its own type and key
(:class:`Audited`). Readers list entries, view the difference an
entry made, rebuild an entity as it was after any entry, and verify the hash chain.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar, Final, Protocol, runtime_checkable

import attrs

from telcocore.audit.errors import AuditEntryNotFound
from telcocore.audit.model.diff import JSON, Patch, apply_patch, make_patch
from telcocore.audit.model.entry import (
    MAX_KEY_LENGTH,
    AuditAction,
    AuditEntry,
    AuditQuery,
    ChainBreak,
    redact,
    verify_chain,
)
from telcocore.audit.ports import AuditRepository
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import require_utc
from telcocore.kernel.serialization import converter
from telcocore.kernel.validation import (
    MAX_INT,
    coerce_enum,
    shown,
    storage_problem,
    validate_id,
    validate_int,
    validate_text,
)
from telcocore.platform.context import ServiceContext
from telcocore.platform.ports import UnitOfWork

__all__ = [
    "MAX_REASON_LENGTH",
    "AuditLog",
    "AuditPage",
    "Audited",
    "Difference",
    "Version",
    "checked_reason",
]

MAX_REASON_LENGTH: Final = 1000
"""The longest reason a change may give, in characters."""


def checked_reason(value: str | None) -> str | None:
    """A change's reason as given, checked (text of at most :data:`MAX_REASON_LENGTH`)."""
    return (
        None
        if value is None
        else validate_text(value, field="reason", max_length=MAX_REASON_LENGTH)
    )


@runtime_checkable
class Audited(Protocol):
    """An entity the audit log records: its class names its type, each object its key."""

    ENTITY: ClassVar[str]
    """The entity type of its entries (``"account"``, ``"did"``), also used in storage errors."""

    @property
    def entity_key(self) -> str:
        """The key of its entries: which one of its type it is."""
        ...


@attrs.frozen
class Difference:
    """What one entry changed: the entity before and after it, and the patch between."""

    entry: AuditEntry
    before: JSON
    after: JSON
    patch: Patch

    def as_json(self) -> dict[str, Any]:
        """``{"entry": ..., "before": ..., "after": ..., "patch": [...]}`` as JSON data."""
        return {
            "entry": self.entry.body() | {"hash": self.entry.hash},
            "before": self.before,
            "after": self.after,
            "patch": self.patch,
        }


@attrs.frozen
class Version:
    """An entity as it was right after ``entry`` (``None`` once it was deleted)."""

    entry: AuditEntry
    document: JSON


@attrs.frozen
class AuditPage:
    """One page of entries, newest first; pass ``next_before`` to get the next page."""

    entries: list[AuditEntry]
    next_before: int | None


def document(entity: object, *, field: str = "entity") -> JSON:
    """The entity as the audit log sees it: the converter's JSON data, secrets redacted.

    Anything that does not become JSON data (bytes, a NaN, an arbitrary object) is a
    :class:`~telcocore.ValidationError` naming ``field``.
    """
    if entity is None:
        return None
    data = redact(converter.unstructure(entity))
    if not _plain_json(data):
        msg = f"{field} {shown(entity)} cannot be recorded: it is not made of JSON data"
        raise ValidationError(msg, field=field, value=entity)
    return data


_ESCAPED_NUL: Final = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
"""A NUL character as JSON text writes it (``\\u0000`` after an even run of backslashes)."""


def _plain_json(data: object) -> bool:
    """Whether ``data`` is plain JSON data that every storage keeps exactly.

    Dicts with text keys, lists, text (no NUL, no lone surrogate), ints, bools, finite
    floats and ``None``: exactly what JSON text gives back as it was. Checked by the
    standard library's C encoder and decoder, not element by element in Python.
    """
    try:
        text = json.dumps(data, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):  # bytes, objects, NaN, too deep
        return False
    return (
        storage_problem(text) is None  # a lone surrogate
        and _ESCAPED_NUL.search(text) is None
        and json.loads(text) == data  # int keys or tuples would come back otherwise
    )


def _audited(entity: object) -> Audited:
    """``entity`` if it names its audit type and key, else a :class:`~telcocore.ValidationError`."""
    if entity is None:
        msg = "a change needs the entity before or after it: both are None"
        raise ValidationError(msg, field="after", value=entity)
    # What isinstance(entity, Audited) asks, without the protocol machinery's cost on
    # every audited change.
    if not isinstance(getattr(type(entity), "ENTITY", None), str) or not hasattr(
        entity, "entity_key"
    ):
        msg = f"{shown(entity)} is no audited entity: it names no ENTITY type and entity_key"
        raise ValidationError(msg, field="after", value=entity)
    return entity  # type: ignore[return-value]


def _text(value: object, field: str) -> str:
    return validate_text(value, field=field, max_length=MAX_KEY_LENGTH, required=True)


def _optional_text(value: object, field: str) -> str | None:
    return None if value is None else _text(value, field)


class AuditLog:
    """Writes and reads the audit log."""

    def __init__(self, context: ServiceContext) -> None:
        self._ctx = context

    def write(  # noqa: PLR0913 - each argument is one field of the entry
        self,
        uow: UnitOfWork,
        *,
        action: AuditAction,
        entity_type: str,
        entity_key: str,
        before: object,
        after: object,
        reason: str | None = None,
    ) -> AuditEntry:
        """Append the entry for a change made in ``uow``; it commits with the change.

        ``before`` and ``after`` are the entity objects, ``None`` for "did not exist".
        """
        action = coerce_enum(AuditAction, action, field="action")
        entity_type = _text(entity_type, "entity_type")
        entity_key = _text(entity_key, "entity_key")
        patch = make_patch(document(before, field="before"), document(after, field="after"))
        checked_reason(reason)
        if self._ctx.require_reason and not (reason and reason.strip()):
            msg = f"a reason is required to {action.value.lower()} {entity_type} {entity_key!r}"
            raise ValidationError(msg, field="reason", value=reason)
        seq, prev_hash = uow.get(AuditRepository).lock_head()
        actor = self._ctx.actor
        entry = AuditEntry(
            id=self._ctx.ids(),
            seq=seq + 1,
            at=self._ctx.clock.now(),
            actor=actor.id,
            action=action,
            entity_type=entity_type,
            entity_key=entity_key,
            patch=patch,
            reason=reason,
            source_ip=actor.ip,
            prev_hash=prev_hash,
        ).sealed()
        uow.get(AuditRepository).add(entry)
        return entry

    def record_change(
        self,
        uow: UnitOfWork,
        action: AuditAction,
        before: Audited | None,
        after: Audited | None,
        *,
        reason: str | None = None,
    ) -> AuditEntry:
        """Append the entry for a change of one entity made in ``uow``; it commits with it.

        ``before`` is ``None`` for a creation and ``after`` for a deletion; the entity type
        and key come from the entity itself (:class:`Audited`), so a change is always filed
        under the same name. With ``require_reason``, ``reason`` must be given.
        """
        entity = _audited(after if after is not None else before)
        if before is not None and type(_audited(before)) is not type(entity):
            msg = f"before {shown(before)} and after {shown(after)} are not the same entity type"
            raise ValidationError(msg, field="before", value=before)
        return self.write(
            uow,
            action=action,
            entity_type=type(entity).ENTITY,
            entity_key=entity.entity_key,
            before=before,
            after=after,
            reason=reason,
        )

    def get(self, entry_id: str) -> AuditEntry:
        """One entry, or :class:`~telcocore.NotFoundError`."""
        entry_id = validate_id(entry_id, field="entry_id", label="audit entry id")
        with self._ctx.uow(read_only=True) as uow:
            entry = uow.get(AuditRepository).get(entry_id)
        if entry is None:
            raise AuditEntryNotFound(entry_id)
        return entry

    def entries(  # noqa: PLR0913 - the filters, all optional and keyword-only
        self,
        *,
        entity_type: str | None = None,
        entity_key: str | None = None,
        actor: str | None = None,
        action: AuditAction | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 50,
        before: int | None = None,
    ) -> AuditPage:
        """Entries matching every filter given, newest first, ``limit`` per page.

        ``start`` is included and ``end`` excluded; ``before`` is the ``next_before`` of
        the previous page.
        """
        limit = validate_int(limit, field="limit", minimum=1, maximum=MAX_INT - 1)
        before = None if before is None else validate_int(before, field="before")
        query = AuditQuery(
            entity_type=_optional_text(entity_type, "entity_type"),
            entity_key=_optional_text(entity_key, "entity_key"),
            actor=_optional_text(actor, "actor"),
            action=None if action is None else coerce_enum(AuditAction, action, field="action"),
            start=None if start is None else require_utc(start, field="start"),
            end=None if end is None else require_utc(end, field="end"),
        )
        with self._ctx.uow(read_only=True) as uow:
            found = uow.get(AuditRepository).find(query, limit=limit + 1, before_seq=before)
        page = found[:limit]
        return AuditPage(page, page[-1].seq if len(found) > limit else None)

    def history(self, entity_type: str, entity_key: str) -> list[Version]:
        """Every version of one entity, oldest first, rebuilt by replaying its patches."""
        entity_type, entity_key = _text(entity_type, "entity_type"), _text(entity_key, "entity_key")
        with self._ctx.uow(read_only=True) as uow:
            entries = uow.get(AuditRepository).of_entity(entity_type, entity_key)
        versions: list[Version] = []
        state: JSON = None
        for entry in entries:
            state = apply_patch(state, entry.patch)
            versions.append(Version(entry, state))
        return versions

    def state_after(self, entry_id: str) -> JSON:
        """The entity of ``entry_id`` as it was right after that entry."""
        return self.difference(entry_id).after

    def difference(self, entry_id: str) -> Difference:
        """The entity before and after the entry, and its patch ("view difference")."""
        entry = self.get(entry_id)
        before: JSON = None
        for version in self.history(entry.entity_type, entry.entity_key):
            if version.entry.seq == entry.seq:
                return Difference(entry, before, version.document, [dict(p) for p in entry.patch])
            before = version.document
        raise AuditEntryNotFound(entry_id)  # pragma: no cover - the entry is in its history

    def verify_chain(self) -> ChainBreak | None:
        """The first altered, inserted or removed entry, or ``None`` if the chain holds."""
        with self._ctx.uow(read_only=True) as uow:
            # A read-only unit reads one snapshot on every storage, so an entry committed
            # meanwhile is in neither the head nor the entries read; writers do not wait.
            return verify_chain(_iterate(uow), head=uow.get(AuditRepository).head())


_CHAIN_BATCH: Final = 1000
"""How many entries :meth:`AuditLog.verify_chain` reads at a time."""


def _iterate(uow: UnitOfWork) -> Iterator[AuditEntry]:
    after = 0
    while True:
        batch = uow.get(AuditRepository).chain(after_seq=after, limit=_CHAIN_BATCH)
        if not batch:
            return
        yield from batch
        if len(batch) < _CHAIN_BATCH:  # the last one: the unit reads one snapshot
            return
        after = batch[-1].seq
