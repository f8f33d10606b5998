"""The rating service on every storage: decks saved whole, read compiled, assigned, audited."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from telcocore import (
    AccountNotFound,
    CurrencyMismatch,
    DeckInUse,
    DeckNotFound,
    Money,
    Rate,
    RateAssignment,
    RateAssignmentNotFound,
    RatedCall,
    RateDeck,
    TelcoCore,
    Tier,
    Unrated,
    ValidationError,
)
from telcocore.billing.rating.model.stored import DeckSummary, rates_digest

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
AT = datetime(2026, 3, 14, tzinfo=UTC)


def a_deck(name: str = "retail", currency: str = "USD", per_minute: str = "0.06") -> RateDeck:
    """A deck with every kind of setting: tiers, free seconds, minimum, an end date."""
    return RateDeck(
        name,
        currency,
        [
            Rate("1", "North America", Decimal("0.01"), effective_from=SINCE),
            Rate(
                "44",
                "United Kingdom",
                Decimal(per_minute),
                connect_fee=Decimal("0.0125"),
                initial_increment=60,
                subsequent_increment=6,
                free_seconds=3,
                minimum_charge=Decimal("0.02"),
                tiers=(Tier(600, "0.03", 60),),
                effective_from=SINCE,
                effective_to=datetime(2027, 1, 1, tzinfo=UTC),
            ),
            Rate(
                "44",
                "United Kingdom, 2027",
                Decimal("0.05"),
                effective_from=datetime(2027, 1, 1, tzinfo=UTC),
            ),
        ],
        precision=5,
        rounding="ROUND_HALF_EVEN",
    )


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """An account in USD."""
    return core.accounts.open("Acme", "USD", account_id="acme").id


class TestDecks:
    """Saving replaces a deck whole; reading gives it back equal and compiled."""

    def test_round_trip(self, core: TelcoCore) -> None:
        """Every field of every rate survives the storage, decimals and instants exactly."""
        deck = a_deck()
        core.rating.save_deck(deck)
        core.rating._compiled.forget("retail")
        stored = core.rating.deck("retail")
        assert deck == stored
        assert Money("0.06950", "USD") == stored.first_block("44", at=AT)  # 3 s free

    def test_versions_and_summaries(self, core: TelcoCore) -> None:
        """Each save adds one to the version; decks() lists summaries by name."""
        first = core.rating.save_deck(a_deck())
        second = core.rating.save_deck(a_deck(per_minute="0.07"))
        core.rating.save_deck(a_deck("alpha"))
        assert (1, 2) == (first.version, second.version)
        assert first.digest != second.digest
        assert ["alpha", "retail"] == [s.name for s in core.rating.decks()]
        assert 3 == core.rating.decks()[1].rate_count

    def test_replacing_drops_old_rates(self, core: TelcoCore) -> None:
        """A saved deck has exactly the new rates."""
        core.rating.save_deck(a_deck())
        smaller = RateDeck(
            "retail", "USD", [Rate("33", "France", Decimal("0.02"), effective_from=SINCE)]
        )
        core.rating.save_deck(smaller)
        assert smaller == core.rating.deck("retail")
        assert isinstance(core.rating.deck("retail").rate("44", 60, at=AT), Unrated)

    def test_compiled_deck_is_cached_per_version(self, core: TelcoCore) -> None:
        """The same version gives the same compiled object; a new version a new one."""
        core.rating.save_deck(a_deck())
        core.rating._compiled.forget("retail")
        first = core.rating.deck("retail")
        assert first is core.rating.deck("retail")
        core.rating.save_deck(a_deck(per_minute="0.07"))
        assert first is not core.rating.deck("retail")

    def test_another_service_sees_a_new_version(self, core: TelcoCore) -> None:
        """A view with its own service reads the deck saved through the core."""
        view = core.acting_as("bob")
        core.rating.save_deck(a_deck())
        assert a_deck() == view.rating.deck("retail")
        core.rating.save_deck(a_deck(per_minute="0.09"))
        assert a_deck(per_minute="0.09") == view.rating.deck("retail")

    def test_a_deck_deleted_and_saved_again_elsewhere_is_not_served_stale(
        self, core: TelcoCore
    ) -> None:
        """Deleted and saved again through another service, a deck is at version 1 again.

        The service that compiled the first version 1 still rates with the new rates.
        """
        view = core.acting_as("bob")
        core.rating.save_deck(a_deck())
        assert a_deck() == core.rating.deck("retail")  # compiled and kept
        view.rating.delete_deck("retail")
        assert 1 == view.rating.save_deck(a_deck(per_minute="0.50")).version
        assert a_deck(per_minute="0.50") == core.rating.deck("retail")

    def test_unknown_deck(self, core: TelcoCore) -> None:
        """DeckNotFound names it."""
        with pytest.raises(DeckNotFound, match="nope"):
            core.rating.deck("nope")

    def test_audit_entry_is_small(self, core: TelcoCore) -> None:
        """The audit records the summary and digest, not the rates; actor is recorded."""
        deck = a_deck()
        core.rating.save_deck(deck, actor="alice")
        entry = core.audit.entries(entity_type="rate_deck", entity_key="retail").entries[0]
        assert "alice" == entry.actor
        assert rates_digest(deck.rates) in str(entry.patch)
        assert "United Kingdom" not in str(entry.patch)
        assert core.audit.verify_chain() is None

    def test_not_a_deck(self, core: TelcoCore) -> None:
        """Only a RateDeck is saved."""
        with pytest.raises(ValidationError, match="RateDeck"):
            core.rating.save_deck("retail")  # type: ignore[arg-type]


class TestAssignments:
    """Decks are assigned to accounts in their currency."""

    def test_assign_and_rate(self, core: TelcoCore, acme: str) -> None:
        """The customer deck rates the account's calls."""
        core.rating.save_deck(a_deck())
        core.rating.save_deck(a_deck("carrier", "EUR"))
        assigned = core.rating.assign(acme, "retail", "carrier")
        assert RateAssignment(acme, "retail", "carrier") == assigned == core.rating.assignment(acme)
        call = core.rating.rate(acme, "+442071234567", 61, at=AT)
        assert isinstance(call, RatedCall)
        assert (66, Money("0.07550", "USD")) == (call.billed_seconds, call.cost)

    def test_customer_deck_in_another_currency_is_refused(self, core: TelcoCore, acme: str) -> None:
        """The account pays in its own currency."""
        core.rating.save_deck(a_deck("euro", "EUR"))
        with pytest.raises(CurrencyMismatch):
            core.rating.assign(acme, "euro")

    def test_missing_things(self, core: TelcoCore, acme: str) -> None:
        """Unknown account, deck or assignment."""
        core.rating.save_deck(a_deck())
        with pytest.raises(AccountNotFound):
            core.rating.assign("ghost", "retail")
        with pytest.raises(DeckNotFound):
            core.rating.assign(acme, "nope")
        with pytest.raises(DeckNotFound):
            core.rating.assign(acme, "retail", "nope")
        with pytest.raises(RateAssignmentNotFound):
            core.rating.assignment(acme)
        with pytest.raises(RateAssignmentNotFound):
            core.rating.rate(acme, "44", 60, at=AT)

    def test_delete_is_refused_while_assigned(self, core: TelcoCore, acme: str) -> None:
        """DeckInUse names the account; after reassigning, the deck goes."""
        core.rating.save_deck(a_deck())
        core.rating.save_deck(a_deck("other"))
        core.rating.assign(acme, "retail", "other")
        with pytest.raises(DeckInUse, match="acme"):
            core.rating.delete_deck("other")
        core.rating.assign(acme, "retail")
        core.rating.delete_deck("other")
        assert ["retail"] == [s.name for s in core.rating.decks()]
        with pytest.raises(DeckNotFound):
            core.rating.deck("other")
        assert core.audit.verify_chain() is None

    def test_currency_of_an_assigned_deck_cannot_change(self, core: TelcoCore, acme: str) -> None:
        """Saving an assigned deck in another currency is refused, and nothing changes."""
        core.rating.save_deck(a_deck())
        core.rating.assign(acme, "retail")
        with pytest.raises(CurrencyMismatch):
            core.rating.save_deck(a_deck(currency="EUR"))
        assert DeckSummary.of(a_deck(), 1) == core.rating.decks()[0]
