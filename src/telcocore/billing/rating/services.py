"""Rating use cases: :class:`RatingService` stores rate decks, assigns them, rates calls.

A deck is saved whole, in one transaction, and read back compiled; the service keeps the
compiled decks by name and version, so a lookup reads one version number and rebuilds the
prefix index only after the deck changed.
"""

from __future__ import annotations

import threading
from datetime import datetime

import attrs

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.audit.services import AuditLog
from telcocore.billing.rating.errors import DeckInUse, DeckNotFound, RateAssignmentNotFound
from telcocore.billing.rating.model.deck import RatedCall, RateDeck, Unrated
from telcocore.billing.rating.model.stored import DeckSummary, RateAssignment
from telcocore.billing.rating.ports import RatingRepository
from telcocore.kernel.actor import Actor
from telcocore.kernel.errors import CurrencyMismatch, ValidationError
from telcocore.kernel.validation import shown, validate_id
from telcocore.platform.context import ServiceContext
from telcocore.platform.ports import UnitOfWork

__all__ = ["CompiledDecks", "RatingService"]


def _deck_name(value: object, field: str = "name") -> str:
    return validate_id(value, field=field, label="rate deck name")


class CompiledDecks:
    """Compiled rate decks kept between units of work, each with its stored summary.

    Compiling a deck (its prefix index) is done once per change of the deck: :meth:`get`
    reads only the deck's summary (version, settings and a digest of its rates) and
    compiles again when it differs from the one kept. The version alone would not do: a
    deck deleted and saved again (by another process, say) is at version 1 again. One
    instance may serve several services (the core shares one between rating and calls);
    it is safe to use from several threads.
    """

    def __init__(self) -> None:
        self._kept: dict[str, tuple[DeckSummary, RateDeck]] = {}
        self._lock = threading.Lock()

    def get(self, uow: UnitOfWork, name: str) -> RateDeck | None:
        """The deck ``name`` as ``uow`` sees it, compiled; ``None`` if there is none."""
        rating = uow.get(RatingRepository)
        summary = rating.summary(name)
        if summary is None:
            return None
        kept = self._kept.get(name)
        if kept is not None and kept[0] == summary:
            return kept[1]
        deck = rating.load(name)
        if deck is not None:
            self.keep(summary, deck)
        return deck

    def keep(self, summary: DeckSummary, deck: RateDeck) -> None:
        """Keep ``deck``, stored as ``summary``."""
        with self._lock:
            self._kept[summary.name] = (summary, deck)

    def forget(self, name: str) -> None:
        """Drop the deck ``name`` (deleted)."""
        with self._lock:
            self._kept.pop(name, None)


class RatingService:
    """Stores rate decks, assigns them to accounts, and rates calls with them."""

    def __init__(
        self, context: ServiceContext, audit: AuditLog, *, decks: CompiledDecks | None = None
    ) -> None:
        self._ctx = context
        self._audit = audit
        self._compiled = CompiledDecks() if decks is None else decks

    def save_deck(self, deck: RateDeck, *, actor: str | None = None) -> DeckSummary:
        """Create the deck, or replace the stored one of its name whole; its version goes up.

        One transaction and one small audit entry (the deck's settings, rate count and a
        SHA-256 of its rates, :class:`~telcocore.billing.rating.model.stored.DeckSummary`).
        ``actor`` records who made the change, if not the service's own actor. A deck
        assigned to accounts keeps its currency: changing it is a
        :class:`~telcocore.CurrencyMismatch`.
        """
        if not isinstance(deck, RateDeck):
            msg = f"deck must be a RateDeck, got {shown(deck)}"
            raise ValidationError(msg, field="deck", value=deck)
        audit = self._audit_as(actor)
        with self._ctx.uow() as uow:
            rating = uow.get(RatingRepository)
            before = rating.summary(deck.name, lock=True)
            version = 1 if before is None else before.version + 1
            if before is not None and before.currency != deck.currency:
                users = rating.accounts_using(deck.name)
                if users:
                    msg = (
                        f"rate deck {deck.name!r} is assigned to accounts in {before.currency}; "
                        f"it cannot change to {deck.currency}"
                    )
                    raise CurrencyMismatch(
                        before.currency, deck.currency, operation="use", message=msg
                    )
            after = DeckSummary.of(deck, version)
            rating.save(deck, after, updated_at=self._ctx.clock.now())
            action = AuditAction.CREATE if before is None else AuditAction.UPDATE
            audit.record_change(uow, action, before, after)
            uow.commit()
        self._compiled.keep(after, deck)
        return after

    def _audit_as(self, actor: str | None) -> AuditLog:
        if actor is None:
            return self._audit
        return AuditLog(attrs.evolve(self._ctx, actor=Actor(actor, self._ctx.actor.ip)))

    def deck(self, name: str) -> RateDeck:
        """The stored deck, compiled; :class:`~telcocore.billing.rating.errors.DeckNotFound`.

        A compiled deck is kept per name with its stored summary (version, settings and a
        digest of the rates): asking again reads only the summary. A deck deleted and saved
        again by another process starts at version 1 again, so the version alone could
        match an old compiled deck; the digest and the settings cannot.
        """
        name = _deck_name(name)
        with self._ctx.uow(read_only=True) as uow:
            return self._deck(uow, name)

    def _deck(self, uow: UnitOfWork, name: str) -> RateDeck:
        deck = self._compiled.get(uow, name)
        if deck is None:
            raise DeckNotFound(name)
        return deck

    def decks(self) -> list[DeckSummary]:
        """Every stored deck's summary (name, currency, version, rate count), by name."""
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(RatingRepository).summaries()

    def delete_deck(self, name: str, *, reason: str | None = None) -> None:
        """Delete a deck and its rates; audited.

        Refused with :class:`~telcocore.billing.rating.errors.DeckInUse` while the deck is
        assigned to an account.
        """
        name = _deck_name(name)
        with self._ctx.uow() as uow:
            rating = uow.get(RatingRepository)
            before = rating.summary(name, lock=True)
            if before is None:
                raise DeckNotFound(name)
            users = rating.accounts_using(name)
            if users:
                raise DeckInUse(name, users)
            rating.delete(name)
            self._audit.record_change(uow, AuditAction.DELETE, before, None, reason=reason)
            uow.commit()
        self._compiled.forget(name)

    def assign(
        self,
        account_id: str,
        customer: str,
        provider: str | None = None,
        *,
        reason: str | None = None,
    ) -> RateAssignment:
        """Price ``account_id``'s calls with deck ``customer`` (and cost them with ``provider``).

        The account and the decks must exist. The customer deck must be in the account's
        currency (:class:`~telcocore.CurrencyMismatch`); the provider deck may be in
        another (carriers bill in their own). Replaces an earlier assignment; audited.
        """
        account_id = validate_account_id(account_id)
        customer = _deck_name(customer, "customer")
        provider = None if provider is None else _deck_name(provider, "provider")
        with self._ctx.uow() as uow:
            account = uow.get(AccountRepository).get(account_id)
            rating = uow.get(RatingRepository)
            deck = rating.summary(customer, lock=True)
            if deck is None:
                raise DeckNotFound(customer)
            if provider is not None and rating.summary(provider, lock=True) is None:
                raise DeckNotFound(provider)
            if deck.currency != account.currency:
                msg = (
                    f"rate deck {customer!r} is in {deck.currency}, "
                    f"account {account_id!r} in {account.currency}"
                )
                raise CurrencyMismatch(
                    account.currency, deck.currency, operation="use", message=msg, field="customer"
                )
            before = rating.assignment(account_id)
            after = RateAssignment(account_id, customer, provider)
            if before == after:
                return after
            rating.assign(after)
            action = AuditAction.CREATE if before is None else AuditAction.UPDATE
            self._audit.record_change(uow, action, before, after, reason=reason)
            uow.commit()
        return after

    def assignment(self, account_id: str) -> RateAssignment:
        """The account's decks.

        :class:`~telcocore.billing.rating.errors.RateAssignmentNotFound` if it has none.
        """
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            found = uow.get(RatingRepository).assignment(account_id)
        if found is None:
            raise RateAssignmentNotFound(account_id)
        return found

    def rate(
        self, account_id: str, destination: str, seconds: object, *, at: datetime
    ) -> RatedCall | Unrated:
        """Rate a call of the account with its customer deck (see :meth:`RateDeck.rate`)."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            found = uow.get(RatingRepository).assignment(account_id)
            if found is None:
                raise RateAssignmentNotFound(account_id)
            deck = self._deck(uow, found.customer)
        return deck.rate(destination, seconds, at=at)
