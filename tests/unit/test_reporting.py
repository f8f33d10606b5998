"""Summary rows, selection aggregation, copy and export: the pure rules."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telcocore import (
    Column,
    CurrencyMismatch,
    Grain,
    InvalidSelection,
    Money,
    Split,
    SummaryRow,
    select_cells,
    to_csv,
    to_tsv,
)
from telcocore.calls.model.classification import Classification
from telcocore.reporting.model.summaries import combine, divide, live_window

DAY = datetime(2026, 3, 14, tzinfo=UTC)


def _row(  # noqa: PLR0913 - a row's parts, with defaults
    day: int = 14,
    attempts: int = 2,
    connected: int = 1,
    *,
    duration: str = "60",
    charge: str = "0.10",
    cost: str | None = None,
    costed: int | None = None,
    currency: str = "USD",
    prefix: str | None = "44",
    description: str | None = "United Kingdom",
    classification: Classification | None = Classification.INTERNATIONAL,
) -> SummaryRow:
    costed_calls = (attempts if cost is not None else 0) if costed is None else costed
    return SummaryRow(
        account_id="acme",
        grain=Grain.DAY,
        period_start=datetime(2026, 3, day, tzinfo=UTC),
        prefix=prefix,
        description=description,
        classification=classification,
        attempts=attempts,
        connected=connected,
        duration=Decimal(duration),
        billed_seconds=int(Decimal(duration)),
        charge=Money(charge, currency),
        costed_calls=costed_calls,
        cost=None if cost is None else Money(cost, currency),
        costed_charge=Money(charge if cost is not None else "0", currency),
    )


class TestGrains:
    """Periods fall on UTC boundaries."""

    def test_the_last_second_and_the_first(self) -> None:
        """23:59:59 is in its day and month; 00:00:00 starts the next ones."""
        last = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
        assert (datetime(2026, 12, 31, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)) == (
            Grain.DAY.start_of(last),
            Grain.MONTH.start_of(last),
        )
        first = last + timedelta(seconds=1)
        assert (first, first, first) == (
            Grain.HOUR.start_of(first),
            Grain.DAY.start_of(first),
            Grain.MONTH.start_of(first),
        )

    def test_other_zones_count_in_utc(self) -> None:
        """00:30 in UTC+2 is 22:30 UTC the day before."""
        plus_two = timezone(timedelta(hours=2))
        assert datetime(2026, 3, 13, tzinfo=UTC) == Grain.DAY.start_of(
            datetime(2026, 3, 14, 0, 30, tzinfo=plus_two)
        )

    def test_starts_overlapping_a_range(self) -> None:
        """The months touched by 31 January to 1 March: three."""
        starts = Grain.MONTH.starts(
            datetime(2026, 1, 31, tzinfo=UTC), datetime(2026, 3, 1, 0, 0, 1, tzinfo=UTC)
        )
        assert [datetime(2026, m, 1, tzinfo=UTC) for m in (1, 2, 3)] == starts

    def test_the_live_window(self) -> None:
        """24 hours ending with the current one."""
        start, end = live_window(datetime(2026, 3, 14, 10, 30, tzinfo=UTC))
        assert (datetime(2026, 3, 13, 11, tzinfo=UTC), datetime(2026, 3, 14, 11, tzinfo=UTC)) == (
            start,
            end,
        )


class TestRatios:
    """Ratios are computed when read, rounded once half-even."""

    @given(
        st.integers(min_value=-(10**12), max_value=10**12),
        st.integers(min_value=1, max_value=10**6),
    )
    def test_divide_rounds_half_even_once(self, numerator: int, denominator: int) -> None:
        """The quotient is the exact one rounded half-even to the places asked for."""
        exact = Decimal(numerator) / Decimal(denominator)  # 28 digits are plenty here
        expected = exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_EVEN")
        assert expected == divide(numerator, denominator, 2)

    def test_ties_go_to_even(self) -> None:
        """0.125 -> 0.12, 0.375 -> 0.38."""
        assert (Decimal("0.12"), Decimal("0.38")) == (divide(1, 8, 2), divide(3, 8, 2))

    def test_row_ratios(self) -> None:
        """ASR, ACD, profit and profit %; none where there is nothing to divide by."""
        row = _row(attempts=3, connected=2, duration="91", charge="0.30", cost="0.12")
        assert (Decimal("66.67"), Decimal("45.50"), Money("0.18", "USD"), Decimal("60.00")) == (
            row.asr,
            row.acd,
            row.profit,
            row.profit_percent,
        )
        silent = _row(connected=0, duration="0")
        assert (Decimal("0.00"), None, None, None) == (
            silent.asr,
            silent.acd,
            silent.profit,
            silent.profit_percent,
        )


class TestRows:
    """A row holds one currency; its amounts are ``Money`` of it."""

    def test_amounts_read_back_as_money_of_the_rows_currency(self) -> None:
        """charge, cost and costed charge come back as the Money given, with every digit."""
        row = _row(charge="0.100", cost="0.05", currency="KWD")
        assert (row.currency, row.charge, row.cost, row.costed_charge, str(row.charge)) == (
            "KWD",
            Money("0.100", "KWD"),
            Money("0.05", "KWD"),
            Money("0.100", "KWD"),
            "0.100 KWD",
        )

    def test_an_amount_in_another_currency_is_refused(self) -> None:
        """The cost in EUR of a row charged in USD: CurrencyMismatch naming the cost."""
        row = _row(cost="0.05")
        with pytest.raises(CurrencyMismatch, match=r"cost 0\.05 EUR") as raised:
            SummaryRow(**{**row.columns(), "cost": Money("0.05", "EUR")})  # type: ignore[arg-type]
        assert raised.value.field == "cost"

    def test_an_amount_that_is_not_money_is_refused(self) -> None:
        """A plain decimal charge: InvalidSelection naming the charge."""
        row = _row()
        with pytest.raises(InvalidSelection, match="charge must be Money") as raised:
            SummaryRow(**{**row.columns(), "charge": Decimal("0.10")})  # type: ignore[arg-type]
        assert raised.value.field == "charge"

    def test_its_columns_make_it_again(self) -> None:
        """``columns()`` names the constructor's arguments: they make an equal row."""
        row = _row(charge="0.30", cost="0.12")
        again = SummaryRow(**row.columns())  # type: ignore[arg-type]
        assert (again, list(row.columns())[-4:]) == (
            row,
            ["charge", "costed_calls", "cost", "costed_charge"],
        )

    def test_repr_shows_the_columns(self) -> None:
        """The repr names the columns and shows amounts as Money."""
        shown = repr(_row(charge="0.10"))
        assert (shown.count("Money("), ", charge=Money('0.10', 'USD'), " in shown) == (2, True)


class TestSelection:
    """Cells of one column: count, sum, min, max, the mean of cells and the weighted value."""

    def test_the_average_of_averages_and_the_true_asr(self) -> None:
        """DOMAIN.md: day 1 ASR 50 % of 2 attempts, day 2 100 % of 8 -> 75 % and 90 %."""
        days = [_row(1, attempts=2, connected=1), _row(2, attempts=8, connected=8)]
        asr = select_cells(days, Column.ASR)
        assert (2, Decimal(150), Decimal(50), Decimal(100)) == (
            asr.count,
            asr.total,
            asr.minimum,
            asr.maximum,
        )
        assert (Decimal("75.00"), Decimal("90.00")) == (asr.mean_of_cells, asr.weighted)

    def test_acd_weighted_by_connected_calls(self) -> None:
        """60 s over 1 call and 300 s over 10: mean of cells 45, weighted 32.73."""
        days = [_row(1, connected=1, duration="60"), _row(2, 12, 10, duration="300")]
        acd = select_cells(days, "acd")
        assert (Decimal("45.00"), Decimal("32.73")) == (acd.mean_of_cells, acd.weighted)

    def test_profit_percent_weighted_by_charge(self) -> None:
        """50 % of 1.00 and 10 % of 9.00: mean of cells 30 %, weighted 14 %."""
        days = [_row(1, charge="1.00", cost="0.50"), _row(2, charge="9.00", cost="8.10")]
        percent = select_cells(days, Column.PROFIT_PERCENT)
        assert (Decimal("30.00"), Decimal("14.00")) == (percent.mean_of_cells, percent.weighted)

    def test_rows_without_a_known_cost_claim_no_profit(self) -> None:
        """A row without cost has no profit cell, and adds nothing to the weighted profit %."""
        days = [_row(1, charge="1.00", cost="0.50"), _row(2, charge="9.00")]
        profit = select_cells(days, "profit")
        assert (1, Money("0.50", "USD")) == (profit.count, profit.total)
        assert Decimal("50.00") == select_cells(days, "profit_percent").weighted

    def test_money_cells(self) -> None:
        """Charges sum exactly; their mean is rounded half-even to the currency's precision."""
        days = [_row(1, charge="0.1234"), _row(2, charge="1"), _row(3, charge="0.0001")]
        charge = select_cells(days, Column.CHARGE)
        assert (Money("1.1235", "USD"), Money("0.0001", "USD"), Money("1", "USD")) == (
            charge.total,
            charge.minimum,
            charge.maximum,
        )
        assert (Money("0.37", "USD"), None) == (charge.mean_of_cells, charge.weighted)
        yen = select_cells(
            [_row(1, charge="7", currency="JPY"), _row(2, charge="8", currency="JPY")], "charge"
        )
        assert Money("8", "JPY") == yen.mean_of_cells  # 7.5 -> 8, half-even

    def test_counts_stay_whole(self) -> None:
        """Attempts sum to an int; their mean has two places."""
        attempts = select_cells([_row(1, 2), _row(2, 3), _row(3, 3)], "attempts")
        assert (8, Decimal("2.67")) == (attempts.total, attempts.mean_of_cells)

    def test_no_cells(self) -> None:
        """No rows: nothing counted, nothing weighted."""
        empty = select_cells([], "asr")
        assert (0, None, None, None) == (
            empty.count,
            empty.total,
            empty.mean_of_cells,
            empty.weighted,
        )

    def test_refusals(self) -> None:
        """A text column, an unknown column, rows that are not rows, two currencies."""
        with pytest.raises(InvalidSelection, match="description holds no numbers"):
            select_cells([_row()], "description")
        with pytest.raises(InvalidSelection, match="bogus"):
            select_cells([_row()], "bogus")
        with pytest.raises(InvalidSelection, match=r"rows\[1\]"):
            select_cells([_row(), "x"], "asr")  # type: ignore[list-item]
        with pytest.raises(CurrencyMismatch):
            select_cells([_row(currency="USD"), _row(currency="EUR")], "charge")


class TestCombine:
    """Rows summed over what a split does not name."""

    def test_summed_over_destinations(self) -> None:
        """Two prefixes of a day become one row; its cost covers the costed one only."""
        rows = [_row(prefix="1", charge="0.01"), _row(charge="0.10", cost="0.04")]
        (row,) = combine(rows, (Split.CLASSIFICATION,))
        assert (None, None, Classification.INTERNATIONAL, 4, Money("0.11", "USD")) == (
            row.prefix,
            row.description,
            row.classification,
            row.attempts,
            row.charge,
        )
        assert (2, Money("0.04", "USD"), Money("0.10", "USD")) == (
            row.costed_calls,
            row.cost,
            row.costed_charge,
        )


class TestExport:
    """Copy (TSV), copy with headers, export (CSV): amounts, times and empty cells."""

    def test_copy_has_no_header_and_export_has_one(self) -> None:
        """TSV lines end with LF, CSV lines with CRLF after a heading line."""
        rows = [_row(14), _row(15)]
        assert "2026-03-14T00:00:00Z\t2\n2026-03-15T00:00:00Z\t2\n" == to_tsv(
            rows, ["period_start", "attempts"]
        )
        assert (
            "Period start (UTC)\tAttempts\n"
            == to_tsv(rows, ["period_start", "attempts"], header=True).split("\n", 1)[0] + "\n"
        )
        assert "Attempts,ASR %\r\n2,50.00\r\n2,50.00\r\n" == to_csv(rows, [Column.ATTEMPTS, "asr"])

    @pytest.mark.parametrize(
        ("currency", "amount", "shown"),
        [
            ("USD", "12.345", "12.35"),
            ("JPY", "1234.5", "1235"),
            ("KWD", "1.2345", "1.235"),
            ("USD", "1E+3", "1000.00"),
        ],
    )
    def test_amounts_have_the_currency_precision(
        self, currency: str, amount: str, shown: str
    ) -> None:
        """Rounded half-up to the currency's places, plain decimal, no exponent."""
        assert f"{shown}\t{currency}\n" == to_tsv(
            [_row(charge=amount, currency=currency)], ["charge", "currency"]
        )

    def test_empty_cells(self) -> None:
        """No ACD without connected calls, no cost where none is known, no summed prefix."""
        row = _row(connected=0, duration="0", prefix=None, description=None)
        assert "\t\t\t\n" == to_tsv([row], ["acd", "cost", "profit", "prefix"])

    def test_every_column_by_default(self) -> None:
        """Without a column list, every column in order; the grid reads back as written."""
        text = to_csv([_row(cost="0.04")])
        header, line = list(csv.reader(io.StringIO(text)))
        assert [c.header for c in Column] == header
        assert [
            "acme",
            "day",
            "2026-03-14T00:00:00Z",
            "44",
            "United Kingdom",
            "international",
        ] == line[:6]
        assert ["USD", "0.10", "2", "0.04", "0.06", "60.00"] == line[12:]

    def test_awkward_text_is_quoted(self) -> None:
        """A tab, a quote or a line break in a cell is quoted, and reads back unchanged."""
        name = 'Mobile\t"Premium"\nline'
        text = to_tsv([_row(description=name)], ["description", "attempts"])
        assert [[name, "2"]] == list(csv.reader(io.StringIO(text), delimiter="\t"))

    def test_refusals(self) -> None:
        """Unknown columns, no columns, a row alone, a header that is no flag."""
        with pytest.raises(InvalidSelection, match="bogus"):
            to_csv([_row()], ["bogus"])
        with pytest.raises(InvalidSelection, match="at least one"):
            to_tsv([_row()], [])
        with pytest.raises(InvalidSelection, match="iterable of SummaryRow"):
            to_csv(_row())  # type: ignore[arg-type]
        with pytest.raises(InvalidSelection, match="iterable of columns"):
            to_csv([_row()], "asr")
        with pytest.raises(ValueError, match="header"):
            to_tsv([_row()], header="yes")  # type: ignore[arg-type]

    def test_rows_are_values(self) -> None:
        """A row can be changed only into a new row (frozen)."""
        row = _row()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            row.attempts = 3  # type: ignore[misc]
