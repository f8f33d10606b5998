"""What the invoices domain needs: its repository, and a source of daily usage rows."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from telcocore.billing.invoices.model.invoice import (
    Invoice,
    InvoiceStatus,
    Issuer,
    UsageKey,
    UsageRow,
)
from telcocore.billing.invoices.model.payment import Payment, PaymentState
from telcocore.billing.invoices.model.schedule import InvoiceSchedule
from telcocore.platform.ports import UnitOfWork

__all__ = ["InvoiceRepository", "UsageSource"]


class UsageSource(Protocol):
    """Daily usage rows, keyed by account, UTC day, destination prefix and classification.

    Read in the unit of work that generates the invoice. The core wires one in
    (``TelcoCore._wire``); any object with these two methods will do.
    """

    def daily(
        self, uow: UnitOfWork, account_id: str, start: datetime, end: datetime
    ) -> list[UsageRow]:
        """The account's rows of the UTC days in ``[start, end)`` (midnights), by key."""
        ...

    def rows(self, uow: UnitOfWork, keys: Collection[UsageKey]) -> list[UsageRow]:
        """The rows of ``keys`` that exist, by key."""
        ...


class InvoiceRepository(Protocol):
    """Stores invoices, the claims on what they bill, issuers, payments and schedules."""

    def issuer(self, name: str) -> Issuer | None:
        """The issuer's settings, if it was ever set or used."""
        ...

    def save_issuer(self, issuer: Issuer) -> None:
        """Store the issuer's settings; its sequence is kept."""
        ...

    def next_seq(self, issuer: Issuer) -> tuple[int, Issuer]:
        """Count one more invoice of ``issuer`` (made with these settings if it is new).

        The issuer's counter row stays locked until the unit of work ends, so numbers
        are handed out one at a time and a rollback hands the number out again.
        """
        ...

    def claimed(self, claims: Collection[str]) -> dict[str, str]:
        """Which of ``claims`` an invoice holds: claim to that invoice's number."""
        ...

    def claim(self, invoice_id: str, claims: Sequence[tuple[str, Decimal]]) -> None:
        """Claim each ``(claim, amount)`` for the invoice, with what it bills for it.

        A claim held already fails the unit of work (:class:`~telcocore.AlreadyExists`;
        the unit of work must then be rolled back).
        """
        ...

    def billed(self, invoice_id: str) -> dict[str, Decimal | None]:
        """The invoice's claims and what it billed for each when it was generated.

        ``None`` for a claim made before the amounts were kept (invoices migration 3).
        A void invoice has no claims.
        """
        ...

    def release(self, invoice_id: str) -> None:
        """Drop every claim of the invoice."""
        ...

    def add(self, invoice: Invoice) -> None:
        """Store a new invoice."""
        ...

    def update(self, invoice: Invoice) -> None:
        """Store ``invoice`` over its previous version (``invoice.version - 1``).

        :class:`~telcocore.ConcurrencyError` if the stored one is at another version.
        """
        ...

    def by_number(self, number: str, *, lock: bool = False) -> Invoice | None:
        """The invoice with this number, or ``None``; ``lock`` holds its row."""
        ...

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
        """Invoices by generation time, issuer and sequence, filtered, after the number ``after``.

        ``start`` and ``end`` keep invoices whose period lies inside ``[start, end)``.
        """
        ...

    def schedule(self, account_id: str) -> InvoiceSchedule | None:
        """The account's schedule, if any."""
        ...

    def schedules(self) -> list[InvoiceSchedule]:
        """Every schedule, by account."""
        ...

    def save_schedule(self, schedule: InvoiceSchedule) -> None:
        """Store the account's schedule, replacing an earlier one."""
        ...

    def delete_schedule(self, account_id: str) -> None:
        """Drop the account's schedule (its runs are kept)."""
        ...

    def start_run(self, account_id: str, start: datetime, end: datetime) -> bool:
        """Record that the period's scheduled invoice is made; ``False`` if it was already.

        On PostgreSQL a concurrent run of the same period waits for this unit of work to
        end, then gets ``False`` if it committed.
        """
        ...

    def ran(self, account_id: str) -> set[datetime]:
        """The starts of the account's periods a scheduled run made."""
        ...

    def add_payment(self, payment: Payment) -> None:
        """Store a new payment; an id taken already fails (:class:`~telcocore.AlreadyExists`)."""
        ...

    def update_payment(self, payment: Payment) -> None:
        """Store ``payment`` over its previous version, or :class:`~telcocore.ConcurrencyError`."""
        ...

    def payment(self, payment_id: str, *, lock: bool = False) -> Payment | None:
        """The payment with this id, or ``None``; ``lock`` holds its row."""
        ...

    def payments(self, account_id: str, status: PaymentState | None) -> list[Payment]:
        """The account's payments (of ``status``, if given) by the time received, then id."""
        ...
