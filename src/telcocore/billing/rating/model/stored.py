"""What the rating domain stores besides rates: a deck's summary and an account's decks."""

from __future__ import annotations

import hashlib
import json
from typing import ClassVar

import attrs

from telcocore.billing.rating.model.deck import RateDeck
from telcocore.billing.rating.model.rates import Rate
from telcocore.kernel.validation import validate_id

__all__ = ["DeckSummary", "RateAssignment", "rates_digest"]


def _iso(value: object) -> str | None:
    return None if value is None else value.isoformat()  # type: ignore[attr-defined]


def _rate_row(rate: Rate) -> list[object]:
    return [
        rate.prefix,
        rate.description,
        str(rate.rate_per_minute),
        str(rate.connect_fee),
        rate.initial_increment,
        rate.subsequent_increment,
        rate.free_seconds,
        None if rate.minimum_charge is None else str(rate.minimum_charge),
        [[t.from_second, str(t.rate_per_minute), t.increment] for t in rate.tiers],
        _iso(rate.effective_from),
        _iso(rate.effective_to),
    ]


def rates_digest(rates: tuple[Rate, ...]) -> str:
    """A SHA-256 of the rates, in prefix and date order: equal for equal rate sets."""
    rows = sorted((_rate_row(r) for r in rates), key=lambda row: (row[0], row[9]))
    text = json.dumps(rows, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@attrs.frozen
class DeckSummary:
    """A stored deck without its rates: what the audit log records of a deck, and listings.

    ``digest`` is :func:`rates_digest` of its rates, so an audit entry says whether the
    rates changed without holding thousands of them.
    """

    ENTITY: ClassVar[str] = "rate_deck"
    """Its name in the audit log and in storage errors."""

    name: str
    currency: str
    precision: int
    rounding: str
    rate_count: int
    digest: str
    version: int = 0

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the deck's name."""
        return self.name

    @classmethod
    def of(cls, deck: RateDeck, version: int) -> DeckSummary:
        """The summary of ``deck`` stored as ``version``."""
        return cls(
            deck.name,
            deck.currency,
            deck.precision,
            deck.rounding,
            len(deck.rates),
            rates_digest(deck.rates),
            version,
        )


def _account_id(value: object) -> str:
    return validate_id(value, field="account_id", label="account id")


@attrs.frozen
class RateAssignment:
    """The decks that price an account's calls.

    ``customer`` prices what the account pays; the optional ``provider`` what the calls
    cost the operator.
    """

    ENTITY: ClassVar[str] = "rate_assignment"
    """Its name in the audit log and in storage errors."""

    account_id: str = attrs.field(converter=_account_id)
    customer: str
    provider: str | None = None

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the account's id."""
        return self.account_id
