"""The outbox's repository on every SQL database."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from telcocore.kernel.errors import AlreadyExists, NotFoundError, ValidationError
from telcocore.kernel.serialization import converter
from telcocore.notifications.model.message import (
    CONTACT_DATA,
    Message,
    MessageKind,
    OutboxCounts,
    OutboxItem,
)
from telcocore.notifications.ports import OutboxRepository
from telcocore.platform.sql.dialect import Session
from telcocore.platform.sql.rows import from_document
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlOutboxRepository"]

_UNSENT: Final = "sent_at IS NULL AND withdrawn_at IS NULL"
"""A message still to deliver: neither sent nor withdrawn (the ``outbox_pending`` index's
condition, written the same so the index serves every query that names it)."""


class SqlOutboxRepository:
    """The outbox, in the order messages were added."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def add(self, message: Message) -> None:
        """Queue ``message``; :class:`~telcocore.AlreadyExists` if its id is taken."""
        inserted = self._s.run(
            "INSERT INTO outbox (id, message, attempts) VALUES (?, ?, 0) ON CONFLICT DO NOTHING",
            (message.id, self._s.dialect.json_to_db(converter.unstructure(message))),
        )
        if not inserted:
            raise AlreadyExists(Message.ENTITY, message.id)

    def pending(self, *, limit: int, now: datetime | None = None) -> Sequence[OutboxItem]:
        """Messages not yet sent (nor withdrawn), oldest first; with ``now``, those due by then."""
        d = self._s.dialect
        columns = "SELECT message, attempts, last_error, next_attempt_at FROM outbox "
        if now is None:
            rows = self._s.all(
                f"{columns}WHERE {_UNSENT} ORDER BY position LIMIT ?",
                (limit,),
            )
        else:
            rows = self._s.all(
                f"{columns}WHERE {_UNSENT} "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY position LIMIT ?",
                (d.time_to_db(now), limit),
            )
        return [
            OutboxItem(
                from_document(d.json_from_db(message), Message),
                attempts=attempts,
                last_error=last_error,
                next_attempt_at=None if due is None else d.time_from_db(due),
            )
            for message, attempts, last_error, due in rows
        ]

    def counts(self, *, now: datetime) -> OutboxCounts:
        """How many messages not yet sent are due at ``now``, and how many are deferred."""
        row = self._s.one(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN next_attempt_at IS NULL "  # noqa: S608 - constant
            f"OR next_attempt_at <= ? THEN 1 ELSE 0 END), 0) FROM outbox WHERE {_UNSENT}",
            (self._s.dialect.time_to_db(now),),
        )
        unsent, due = (0, 0) if row is None else (int(row[0]), int(row[1]))
        return OutboxCounts(due=due, deferred=unsent - due)

    def _exists(self, message_id: str) -> bool:
        return self._s.one("SELECT 1 FROM outbox WHERE id = ?", (message_id,)) is not None

    def claim(self, message_id: str, *, token: str, now: datetime, until: datetime) -> bool:
        """Take a message still due at ``now`` with ``token`` until ``until``; ``False`` if lost.

        The claim counts as an attempt. One conditional update: on SQLite the unit holds the
        write lock; on PostgreSQL a second worker's update waits for the first one's row
        lock, then finds the row no longer due and changes nothing.
        """
        d = self._s.dialect
        return bool(
            self._s.run(
                "UPDATE outbox SET next_attempt_at = ?, claim_token = ?, attempts = attempts + 1 "  # noqa: S608 - constant
                f"WHERE id = ? AND {_UNSENT} "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
                (d.time_to_db(until), token, message_id, d.time_to_db(now)),
            )
        )

    def mark_sent(self, message_id: str, *, token: str, at: datetime) -> bool:
        """Record the delivery and erase the secrets, if ``token`` still holds the claim.

        ``False`` (and nothing changed) if the claim was lost; an unknown id is a
        :class:`~telcocore.NotFoundError`.
        """
        d = self._s.dialect
        row = self._s.one("SELECT message FROM outbox WHERE id = ?", (message_id,))
        if row is None:
            raise NotFoundError(message_id)
        erased = from_document(d.json_from_db(row[0]), Message).erased()
        return bool(
            self._s.run(
                "UPDATE outbox SET sent_at = ?, last_error = NULL, next_attempt_at = NULL, "  # noqa: S608 - constant
                "claim_token = NULL, message = ? "
                f"WHERE id = ? AND claim_token = ? AND {_UNSENT}",
                (
                    d.time_to_db(at),
                    d.json_to_db(converter.unstructure(erased)),
                    message_id,
                    token,
                ),
            )
        )

    def mark_failed(
        self, message_id: str, *, token: str, error: str, retry_at: datetime | None = None
    ) -> bool:
        """Record why the claimed attempt failed, due again at ``retry_at``, if ``token`` holds.

        The attempt was counted by :meth:`claim`. ``False`` (and nothing changed) if the
        claim was lost; an unknown id is a :class:`~telcocore.NotFoundError`.
        """
        d = self._s.dialect
        changed = self._s.run(
            "UPDATE outbox SET last_error = ?, next_attempt_at = ?, claim_token = NULL "  # noqa: S608 - constant
            f"WHERE id = ? AND claim_token = ? AND {_UNSENT}",
            (error, None if retry_at is None else d.time_to_db(retry_at), message_id, token),
        )
        if not changed and not self._exists(message_id):
            raise NotFoundError(message_id)
        return bool(changed)

    def withdraw(
        self,
        kinds: Collection[MessageKind],
        addresses: Mapping[str, str],
        *,
        contact_id: str,
        at: datetime,
    ) -> Mapping[MessageKind, int]:
        """Withdraw the unsent messages of ``kinds`` about ``contact_id`` to ``addresses``.

        How many of each kind. Each keeps its row, erased like a sent one, with
        ``withdrawn_at`` = ``at``, ``last_error`` = its address's reason, no claim and
        ``sent_at`` NULL. The addresses are in the stored documents, so the unsent ones are
        read once and matched here; each row is then withdrawn only if it is still unsent, so
        a message a racing worker marked sent first is left as it is (and not counted).
        """
        d = self._s.dialect
        wanted = set(kinds)
        reasons = _reasons_by_address(addresses)
        withdrawn = dict.fromkeys(wanted, 0)
        stored_at = d.time_to_db(at)
        for message_id, document in self._s.all(
            f"SELECT id, message FROM outbox WHERE {_UNSENT} ORDER BY position"  # noqa: S608 - constant
        ):
            message = from_document(d.json_from_db(document), Message)
            if message.kind not in wanted or message.to is None:
                continue
            reason = reasons.get(message.to.lower())
            if reason is None or message.data.get(CONTACT_DATA, contact_id) != contact_id:
                continue
            withdrawn[message.kind] += self._s.run(
                "UPDATE outbox SET withdrawn_at = ?, last_error = ?, next_attempt_at = NULL, "  # noqa: S608 - constant
                "claim_token = NULL, message = ? "
                f"WHERE id = ? AND {_UNSENT}",
                (
                    stored_at,
                    reason,
                    d.json_to_db(converter.unstructure(message.erased())),
                    message_id,
                ),
            )
        return withdrawn


def _reasons_by_address(addresses: Mapping[str, str]) -> dict[str, str]:
    """``addresses`` keyed by their lower case; two that differ only in case are refused."""
    reasons: dict[str, str] = {}
    for address, reason in addresses.items():
        key = address.lower()
        if key in reasons:
            msg = f"address {address!r} is given twice (in another case)"
            raise ValidationError(msg, field="addresses", value=address)
        reasons[key] = reason
    return reasons


STORAGE = SqlDomain("notifications", {OutboxRepository: SqlOutboxRepository}, baseline=1)
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
