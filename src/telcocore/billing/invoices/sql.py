"""The invoices' repository in SQL: invoices, claims, issuers' counters and schedules.

An invoice is a JSON document made by the library's converter, next to the columns its
queries need. ``invoice_claims`` holds one row per usage row or ledger transaction an
invoice that is not void bills, keyed by it, so the same usage cannot be claimed twice, and
what the invoice billed for it (a rendered invoice's usage by day is summed from these).
``invoice_issuers`` holds each issuer's last sequence number: a new invoice updates it in
its own transaction (the row stays locked until the commit), so numbers have no gaps.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from telcocore.billing.invoices.model.invoice import Invoice, InvoiceStatus, Issuer
from telcocore.billing.invoices.model.payment import Payment, PaymentState
from telcocore.billing.invoices.model.schedule import InvoiceSchedule
from telcocore.billing.invoices.ports import InvoiceRepository
from telcocore.kernel.errors import ConcurrencyError
from telcocore.kernel.serialization import converter
from telcocore.kernel.trusted import trusted_constructor
from telcocore.platform.sql.dialect import Session
from telcocore.platform.sql.rows import from_document, to_document
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlInvoiceRepository"]

_KEYS_PER_QUERY: Final = 500
"""How many claims one ``IN (...)`` look-up names."""
_stored_issuer: Final = trusted_constructor(Issuer)
"""An issuer as stored: its format was checked when it was set, by the rules of its release
(a later release's stricter check must not make a stored issuer unreadable)."""


class SqlInvoiceRepository:
    """Invoices, claims, issuers, payments and schedules in one session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def issuer(self, name: str) -> Issuer | None:
        """The issuer's settings, if it was ever set or used."""
        row = self._s.one(
            "SELECT name, number_format, payment_terms_days FROM invoice_issuers WHERE name = ?",
            (name,),
        )
        return None if row is None else _stored_issuer(row[0], row[1], int(row[2]))

    def save_issuer(self, issuer: Issuer) -> None:
        """Store the issuer's settings; its sequence is kept."""
        self._s.run(
            "INSERT INTO invoice_issuers (name, number_format, payment_terms_days, last_seq) "
            "VALUES (?, ?, ?, 0) ON CONFLICT (name) DO UPDATE SET "
            "number_format = excluded.number_format, "
            "payment_terms_days = excluded.payment_terms_days",
            (issuer.name, issuer.number_format, issuer.payment_terms_days),
        )

    def next_seq(self, issuer: Issuer) -> tuple[int, Issuer]:
        """Count one more invoice of ``issuer``; its row stays locked to the unit's end."""
        row = self._s.one(
            "INSERT INTO invoice_issuers (name, number_format, payment_terms_days, last_seq) "
            "VALUES (?, ?, ?, 1) ON CONFLICT (name) DO UPDATE SET "
            "last_seq = invoice_issuers.last_seq + 1 "
            "RETURNING last_seq, number_format, payment_terms_days",
            (issuer.name, issuer.number_format, issuer.payment_terms_days),
        )
        assert row is not None  # noqa: S101 - an upsert returns its row
        return int(row[0]), _stored_issuer(issuer.name, row[1], int(row[2]))

    def claimed(self, claims: Collection[str]) -> dict[str, str]:
        """Which of ``claims`` an invoice holds: claim to that invoice's number."""
        found: dict[str, str] = {}
        keys = list(claims)
        for start in range(0, len(keys), _KEYS_PER_QUERY):
            chunk = keys[start : start + _KEYS_PER_QUERY]
            marks = ", ".join("?" * len(chunk))
            rows = self._s.all(
                "SELECT c.claim, i.number FROM invoice_claims c "  # noqa: S608 - placeholders
                f"JOIN invoices i ON i.id = c.invoice_id WHERE c.claim IN ({marks})",
                chunk,
            )
            found.update((claim, number) for claim, number in rows)
        return found

    def claim(self, invoice_id: str, claims: Sequence[tuple[str, Decimal]]) -> None:
        """Claim each ``(claim, amount)`` for the invoice; one held already fails the unit."""
        to_db = self._s.dialect.decimal_to_db
        rows = [(claim, invoice_id, to_db(amount)) for claim, amount in claims]
        self._s.run_batches(
            [("INSERT INTO invoice_claims (claim, invoice_id, amount) VALUES (?, ?, ?)", rows)]
        )

    def billed(self, invoice_id: str) -> dict[str, Decimal | None]:
        """The invoice's claims and what it billed for each (``None``: claimed before kept)."""
        rows = self._s.all(
            "SELECT claim, amount FROM invoice_claims WHERE invoice_id = ?", (invoice_id,)
        )
        return {row[0]: row[1] for row in self._s.dialect.finite_decimals_in_rows(rows, [1])}

    def release(self, invoice_id: str) -> None:
        """Drop every claim of the invoice."""
        self._s.run("DELETE FROM invoice_claims WHERE invoice_id = ?", (invoice_id,))

    def add(self, invoice: Invoice) -> None:
        """Store a new invoice."""
        d = self._s.dialect
        self._s.run(
            "INSERT INTO invoices (id, number, issuer, seq, account_id, status, period_start, "
            "period_end, generated_at, version, document) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                invoice.id,
                invoice.number,
                invoice.issuer,
                invoice.seq,
                invoice.account_id,
                invoice.status.value,
                d.time_to_db(invoice.period.start),
                d.time_to_db(invoice.period.end),
                d.time_to_db(invoice.generated_at),
                invoice.version,
                to_document(d, invoice, invoice.version),
            ),
        )

    def update(self, invoice: Invoice) -> None:
        """Store ``invoice`` over its previous version, or :class:`~telcocore.ConcurrencyError`."""
        self._update("invoices", invoice, invoice.number, invoice.status.value, invoice.version)

    def _update(
        self, table: str, value: Invoice | Payment, key: str, status: str, version: int
    ) -> None:
        """Store ``value`` (its row by id) over version ``version - 1``, or a ConcurrencyError."""
        expected = version - 1
        changed = self._s.run(
            f"UPDATE {table} SET status = ?, version = ?, document = ? "  # noqa: S608 - ours
            "WHERE id = ? AND version = ?",
            (status, version, to_document(self._s.dialect, value, version), value.id, expected),
        )
        if not changed:
            raise ConcurrencyError(value.ENTITY, key, expected)

    def by_number(self, number: str, *, lock: bool = False) -> Invoice | None:
        """The invoice with this number, or ``None``; ``lock`` holds its row."""
        row = self._document("invoices", "number", number, lock=lock)
        return None if row is None else self._invoice(row)

    def _document(self, table: str, column: str, key: str, *, lock: bool) -> object | None:
        """The stored document of the row whose ``column`` is ``key``; ``lock`` holds it."""
        if lock:  # an update takes the row lock on PostgreSQL; SQLite holds the write lock
            row = self._s.one(
                f"UPDATE {table} SET version = version "  # noqa: S608 - our names
                f"WHERE {column} = ? RETURNING document",
                (key,),
            )
        else:
            row = self._s.one(
                f"SELECT document FROM {table} WHERE {column} = ?",  # noqa: S608 - our names
                (key,),
            )
        return None if row is None else row[0]

    def _invoice(self, stored: object) -> Invoice:
        return from_document(self._s.dialect.json_from_db(stored), Invoice)

    def search(  # noqa: PLR0913 - the filters and the page, keyword-only
        self,
        *,
        account_id: str | None,
        status: InvoiceStatus | None,
        issuer: str | None,
        start: datetime | None,
        end: datetime | None,
        after: str | None,
        limit: int,
    ) -> list[Invoice]:
        """Invoices by generation time, issuer and sequence, filtered, after number ``after``."""
        d = self._s.dialect
        order = d.code_point_order
        conditions: list[str] = []
        params: list[object] = []
        for column, value in (("account_id", account_id), ("issuer", issuer)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        if status is not None:
            conditions.append("status = ?")
            params.append(status.value)
        if start is not None:
            conditions.append("period_start >= ?")
            params.append(d.time_to_db(start))
        if end is not None:
            conditions.append("period_end <= ?")
            params.append(d.time_to_db(end))
        if after is not None:
            conditions.append(
                "(generated_at, issuer, seq) > "
                "(SELECT generated_at, issuer, seq FROM invoices WHERE number = ?)"
            )
            params.append(after)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        rows = self._s.all(
            f"SELECT document FROM invoices {where}"  # noqa: S608 - placeholders only
            f"ORDER BY generated_at, issuer{order}, seq LIMIT ?",
            [*params, limit],
        )
        return [self._invoice(row[0]) for row in rows]

    def schedule(self, account_id: str) -> InvoiceSchedule | None:
        """The account's schedule, if any."""
        row = self._s.one(
            "SELECT document FROM invoice_schedules WHERE account_id = ?", (account_id,)
        )
        return None if row is None else self._schedule(row[0])

    def _schedule(self, stored: object) -> InvoiceSchedule:
        return from_document(self._s.dialect.json_from_db(stored), InvoiceSchedule)

    def schedules(self) -> list[InvoiceSchedule]:
        """Every schedule, by account."""
        rows = self._s.all(
            "SELECT document FROM invoice_schedules "  # noqa: S608 - constant
            f"ORDER BY account_id{self._s.dialect.code_point_order}"
        )
        return [self._schedule(row[0]) for row in rows]

    def save_schedule(self, schedule: InvoiceSchedule) -> None:
        """Store the account's schedule, replacing an earlier one."""
        self._s.run(
            "INSERT INTO invoice_schedules (account_id, document) VALUES (?, ?) "
            "ON CONFLICT (account_id) DO UPDATE SET document = excluded.document",
            (schedule.account_id, self._s.dialect.json_to_db(converter.unstructure(schedule))),
        )

    def delete_schedule(self, account_id: str) -> None:
        """Drop the account's schedule (its runs are kept)."""
        self._s.run("DELETE FROM invoice_schedules WHERE account_id = ?", (account_id,))

    def start_run(self, account_id: str, start: datetime, end: datetime) -> bool:
        """Record that the period's scheduled invoice is made; ``False`` if it was already."""
        d = self._s.dialect
        return bool(
            self._s.run(
                "INSERT INTO invoice_schedule_runs (account_id, period_start, period_end) "
                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (account_id, d.time_to_db(start), d.time_to_db(end)),
            )
        )

    def ran(self, account_id: str) -> set[datetime]:
        """The starts of the account's periods a scheduled run made."""
        d = self._s.dialect
        rows = self._s.all(
            "SELECT period_start FROM invoice_schedule_runs WHERE account_id = ?", (account_id,)
        )
        return {d.time_from_db(row[0]) for row in rows}

    def add_payment(self, payment: Payment) -> None:
        """Store a new payment; an id taken already fails the unit of work."""
        d = self._s.dialect
        self._s.run(
            "INSERT INTO invoice_payments (id, account_id, status, received_at, version, document) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                payment.id,
                payment.account_id,
                payment.status.value,
                d.time_to_db(payment.received_at),
                payment.version,
                to_document(d, payment, payment.version),
            ),
        )

    def update_payment(self, payment: Payment) -> None:
        """Store ``payment`` over its previous version, or :class:`~telcocore.ConcurrencyError`."""
        self._update("invoice_payments", payment, payment.id, payment.status.value, payment.version)

    def payment(self, payment_id: str, *, lock: bool = False) -> Payment | None:
        """The payment with this id, or ``None``; ``lock`` holds its row."""
        row = self._document("invoice_payments", "id", payment_id, lock=lock)
        return None if row is None else self._payment(row)

    def _payment(self, stored: object) -> Payment:
        return from_document(self._s.dialect.json_from_db(stored), Payment)

    def payments(self, account_id: str, status: PaymentState | None) -> list[Payment]:
        """The account's payments (of ``status``, if given) by the time received, then id."""
        where, params = "account_id = ?", [account_id]
        if status is not None:
            where += " AND status = ?"
            params.append(status.value)
        rows = self._s.all(
            f"SELECT document FROM invoice_payments WHERE {where} "  # noqa: S608 - constant
            f"ORDER BY received_at, id{self._s.dialect.code_point_order}",
            params,
        )
        return [self._payment(row[0]) for row in rows]


STORAGE = SqlDomain(
    "billing.invoices", {InvoiceRepository: SqlInvoiceRepository}, after=("accounts",)
)
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
