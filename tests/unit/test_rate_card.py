"""CSV rate cards: columns and synonyms, quoting, and refusals naming line and field."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from telcocore import Money, RateCardError, RatedCall, Tier, ValidationError, load_rate_card

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
AT = datetime(2026, 3, 14, tzinfo=UTC)


def load(text: str, **settings: object) -> object:
    """The card loaded as deck ``card`` in USD."""
    settings.setdefault("default_effective_from", SINCE)
    return load_rate_card(text, name="card", currency="USD", **settings)  # type: ignore[arg-type]


class TestColumns:
    """The canonical columns and their synonyms fill the same fields."""

    def test_canonical_columns(self) -> None:
        """Every canonical column is read."""
        deck = load(
            "prefix,description,rate,connect_fee,initial_increment,subsequent_increment,"
            "effective_from,effective_to,free_seconds,minimum_charge,tiers\n"
            "44,UK,0.02,0.01,60,6,2026-02-01,2027-01-01T00:00:00Z,5,0.03,120:0.01/1;600:0/60\n"
        )
        (rate,) = deck.rates  # type: ignore[attr-defined]
        assert (
            "44",
            "UK",
            Decimal("0.02"),
            Decimal("0.01"),
            60,
            6,
            datetime(2026, 2, 1, tzinfo=UTC),
            datetime(2027, 1, 1, tzinfo=UTC),
            5,
            Decimal("0.03"),
            (Tier(120, "0.01", 1), Tier(600, "0", 60)),
        ) == (
            rate.prefix,
            rate.description,
            rate.rate_per_minute,
            rate.connect_fee,
            rate.initial_increment,
            rate.subsequent_increment,
            rate.effective_from,
            rate.effective_to,
            rate.free_seconds,
            rate.minimum_charge,
            rate.tiers,
        )

    def test_synonyms_any_order_and_case(self) -> None:
        """Destination, Per Minute, setup-fee, min_increment, increment, grace, ..."""
        deck = load(
            "Increment,Destination,Per Minute,setup-fee,min_increment,Grace,Min Charge,Name\n"
            "6,44,0.02,0.01,60,0,,United Kingdom\n"
        )
        (rate,) = deck.rates  # type: ignore[attr-defined]
        assert ("44", Decimal("0.02"), Decimal("0.01"), 60, 6, "United Kingdom", SINCE) == (
            rate.prefix,
            rate.rate_per_minute,
            rate.connect_fee,
            rate.initial_increment,
            rate.subsequent_increment,
            rate.description,
            rate.effective_from,
        )

    def test_quoted_description_with_a_comma(self) -> None:
        """CSV quoting keeps a comma inside a description."""
        deck = load('prefix,description,rate\n447,"United Kingdom, mobile",0.10\n')
        assert "United Kingdom, mobile" == deck.rates[0].description  # type: ignore[attr-defined]

    def test_a_byte_order_mark_before_the_header(self) -> None:
        """A card saved by a spreadsheet as UTF-8 with a BOM reads as without it."""
        deck = load("\ufeffprefix,description,rate\n44,UK,0.10\n")
        assert "44" == deck.rates[0].prefix  # type: ignore[attr-defined]

    def test_a_stream_and_blank_lines(self) -> None:
        """An open text stream is read; blank lines are skipped."""
        deck = load_rate_card(
            io.StringIO("prefix,rate\n\n1,0.01\n44,0.02\n"),
            name="card",
            currency="USD",
            default_effective_from=SINCE,
        )
        call = deck.rate("+4420", 60, at=AT)
        assert isinstance(call, RatedCall)
        assert Money("0.0200", "USD") == call.cost


class TestRefusals:
    """A bad card is refused whole, naming the line and the field."""

    def test_unknown_column_is_named(self) -> None:
        """An unknown column is refused on line 1 with its name."""
        with pytest.raises(RateCardError, match="unknown column 'colour'") as refused:
            load("prefix,rate,colour\n44,0.01,red\n")
        assert 1 == refused.value.line

    def test_two_columns_for_one_field(self) -> None:
        """Rate and per_minute together are ambiguous."""
        with pytest.raises(RateCardError, match="rate_per_minute"):
            load("prefix,rate,per_minute\n44,0.01,0.02\n")

    def test_missing_required_column(self) -> None:
        """A card without rates is refused."""
        with pytest.raises(RateCardError, match="missing column rate_per_minute"):
            load("prefix,description\n44,UK\n")

    @pytest.mark.parametrize(
        ("row", "field"),
        [
            ("44,abc,6", "rate_per_minute"),
            ("44,-0.01,6", "rate_per_minute"),
            ("4a,0.01,6", "prefix"),
            (",0.01,6", "prefix"),
            ("44,0.01,six", "subsequent_increment"),
            ("44,0.01,0", "subsequent_increment"),
        ],
    )
    def test_bad_row_names_line_and_field(self, row: str, field: str) -> None:
        """The third line is bad: line 3 and its field are named."""
        with pytest.raises(RateCardError) as refused:
            load(f"prefix,rate,increment\n1,0.01,1\n{row}\n")
        assert (3, field) == (refused.value.line, refused.value.field)
        assert f"line 3, {field}" in str(refused.value)

    @pytest.mark.parametrize(
        ("cell", "message"),
        [
            ("2026-13-01", "ISO 8601"),
            ("2026-02-01T00:00:00", "time zone"),
        ],
    )
    def test_bad_dates(self, cell: str, message: str) -> None:
        """A date that is not ISO 8601, or a datetime without a zone."""
        with pytest.raises(RateCardError, match=message) as refused:
            load(f"prefix,rate,effective_from\n44,0.01,{cell}\n")
        assert "effective_from" == refused.value.field

    def test_bad_tiers(self) -> None:
        """Tiers in another form are refused, naming the column."""
        with pytest.raises(RateCardError, match="from_second:rate/increment") as refused:
            load("prefix,rate,tiers\n44,0.01,60-0.01-6\n")
        assert "tiers" == refused.value.field

    def test_wrong_cell_count(self) -> None:
        """A row with more cells than the header."""
        with pytest.raises(RateCardError, match="line 2"):
            load("prefix,rate\n44,0.01,extra\n")

    def test_duplicate_prefix_and_date(self) -> None:
        """Two rates of a prefix from the same instant cannot be told apart."""
        with pytest.raises(ValidationError, match="two rates"):
            load("prefix,rate\n44,0.01\n44,0.02\n")

    def test_empty_card(self) -> None:
        """A header row is required."""
        with pytest.raises(RateCardError, match="header"):
            load("")

    def test_deck_settings_are_checked(self) -> None:
        """A deck's settings are checked too."""
        with pytest.raises(ValidationError, match="precision"):
            load("prefix,rate\n44,0.01\n", precision=-1)
