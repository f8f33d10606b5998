"""The rating repository in SQL: decks, rates and assignments.

A deck is one ``rating_decks`` row (its settings, version and a digest of its rates) and one
``rating_rates`` row per prefix and start date, tiers as JSON; saving a deck replaces its
rates in one batch. ``rating_assignments`` holds each account's decks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from telcocore.billing.rating.model.deck import RateDeck
from telcocore.billing.rating.model.rates import Rate, Tier
from telcocore.billing.rating.model.stored import DeckSummary, RateAssignment
from telcocore.billing.rating.ports import RatingRepository
from telcocore.platform.sql.dialect import Row, Session
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlRatingRepository"]

_SUMMARY: Final = (
    "SELECT name, currency, places, rounding, rate_count, digest, version FROM rating_decks "
)
_RATES: Final = (
    "SELECT prefix, description, rate_per_minute, connect_fee, initial_increment, "
    "subsequent_increment, free_seconds, minimum_charge, tiers, effective_from, effective_to "
    "FROM rating_rates WHERE deck = ? ORDER BY prefix, effective_from"
)
_INSERT_RATE: Final = (
    "INSERT INTO rating_rates (deck, prefix, effective_from, effective_to, description, "
    "rate_per_minute, connect_fee, initial_increment, subsequent_increment, free_seconds, "
    "minimum_charge, tiers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _summary(row: Row) -> DeckSummary:
    name, currency, places, rounding, count, digest, version = row
    return DeckSummary(name, currency, int(places), rounding, int(count), digest, int(version))


class SqlRatingRepository:
    """Decks, rates and assignments in one session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def summary(self, name: str, *, lock: bool = False) -> DeckSummary | None:
        """The deck's summary, or ``None``; ``lock`` holds the row to the end."""
        if lock:  # an update takes the row lock on PostgreSQL; SQLite holds the write lock
            columns = _SUMMARY.removeprefix("SELECT ").removesuffix(" FROM rating_decks ")
            row = self._s.one(
                f"UPDATE rating_decks SET version = version WHERE name = ? RETURNING {columns}",  # noqa: S608 - constant
                (name,),
            )
        else:
            row = self._s.one(f"{_SUMMARY}WHERE name = ?", (name,))
        return None if row is None else _summary(row)

    def summaries(self) -> list[DeckSummary]:
        """Every deck's summary, ordered by name."""
        return [_summary(row) for row in self._s.all(f"{_SUMMARY}ORDER BY name")]

    def load(self, name: str) -> RateDeck | None:
        """The deck with all its rates, or ``None``."""
        summary = self.summary(name)
        if summary is None:
            return None
        d = self._s.dialect
        rates = []
        for row in self._s.all(_RATES, (name,)):
            (prefix, description, rate, connect, initial, subsequent, free) = row[:7]
            minimum, tiers, effective_from, effective_to = row[7:]
            rates.append(
                Rate(
                    prefix,
                    description,
                    d.decimal_from_db(rate),
                    connect_fee=d.decimal_from_db(connect),
                    initial_increment=int(initial),
                    subsequent_increment=int(subsequent),
                    free_seconds=int(free),
                    minimum_charge=None if minimum is None else d.decimal_from_db(minimum),
                    tiers=tuple(
                        Tier(int(start), t_rate, int(step))
                        for start, t_rate, step in d.json_from_db(tiers)
                    ),
                    effective_from=d.time_from_db(effective_from),
                    effective_to=None if effective_to is None else d.time_from_db(effective_to),
                )
            )
        return RateDeck(
            summary.name,
            summary.currency,
            rates,
            precision=summary.precision,
            rounding=summary.rounding,
        )

    def save(self, deck: RateDeck, summary: DeckSummary, *, updated_at: datetime) -> None:
        """Store ``deck`` as ``summary.version``, replacing its earlier rates."""
        d = self._s.dialect
        self._s.run("DELETE FROM rating_rates WHERE deck = ?", (deck.name,))
        self._s.run(
            "INSERT INTO rating_decks (name, currency, places, rounding, rate_count, digest, "
            "version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE "
            "SET currency = excluded.currency, places = excluded.places, "
            "rounding = excluded.rounding, rate_count = excluded.rate_count, "
            "digest = excluded.digest, version = excluded.version, "
            "updated_at = excluded.updated_at",
            (
                summary.name,
                summary.currency,
                summary.precision,
                summary.rounding,
                summary.rate_count,
                summary.digest,
                summary.version,
                d.time_to_db(updated_at),
            ),
        )
        rows = [
            (
                deck.name,
                r.prefix,
                d.time_to_db(r.effective_from),
                None if r.effective_to is None else d.time_to_db(r.effective_to),
                r.description,
                d.decimal_to_db(r.rate_per_minute),
                d.decimal_to_db(r.connect_fee),
                r.initial_increment,
                r.subsequent_increment,
                r.free_seconds,
                None if r.minimum_charge is None else d.decimal_to_db(r.minimum_charge),
                d.json_to_db(
                    [[t.from_second, str(t.rate_per_minute), t.increment] for t in r.tiers]
                ),
            )
            for r in deck.rates
        ]
        self._s.run_batches([(_INSERT_RATE, rows)])

    def delete(self, name: str) -> None:
        """Delete the deck and its rates."""
        self._s.run("DELETE FROM rating_rates WHERE deck = ?", (name,))
        self._s.run("DELETE FROM rating_decks WHERE name = ?", (name,))

    def accounts_using(self, name: str) -> list[str]:
        """The ids of accounts the deck is assigned to, ordered."""
        rows = self._s.all(
            "SELECT account_id FROM rating_assignments WHERE customer_deck = ? "
            "OR provider_deck = ? ORDER BY account_id",
            (name, name),
        )
        return [row[0] for row in rows]

    def assignment(self, account_id: str) -> RateAssignment | None:
        """The account's decks, or ``None``."""
        row = self._s.one(
            "SELECT account_id, customer_deck, provider_deck FROM rating_assignments "
            "WHERE account_id = ?",
            (account_id,),
        )
        return None if row is None else RateAssignment(row[0], row[1], row[2])

    def assign(self, assignment: RateAssignment) -> None:
        """Store the account's decks, replacing earlier ones."""
        self._s.run(
            "INSERT INTO rating_assignments (account_id, customer_deck, provider_deck) "
            "VALUES (?, ?, ?) ON CONFLICT (account_id) DO UPDATE "
            "SET customer_deck = excluded.customer_deck, provider_deck = excluded.provider_deck",
            (assignment.account_id, assignment.customer, assignment.provider),
        )


STORAGE = SqlDomain("billing.rating", {RatingRepository: SqlRatingRepository}, after=("accounts",))
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
