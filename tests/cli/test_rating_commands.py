"""``telcocore rates load`` and ``telcocore rate``: a rate card stored, one call priced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.cdrs import CARD, prepare
from tests.cli.harness import Cli

import telcocore


@pytest.fixture
def url(db_url: str) -> str:
    """A storage with the accounts ``acme`` (USD, priced by ``retail``) and ``euro`` (EUR)."""
    prepare(db_url)
    return db_url


def stored(url: str) -> dict[str, int]:
    """Each stored deck's version, by name."""
    with telcocore.connect(url) as core:
        return {deck.name: deck.version for deck in core.rating.decks()}


class TestRatesLoad:
    """Loading a CSV rate card as a deck, and assigning it."""

    def test_loads_the_card_and_assigns_it(self, cli: Cli, url: str, tmp_path: Path) -> None:
        """Loads the card and assigns it."""
        (tmp_path / "card.csv").write_text(CARD, encoding="utf-8")
        ran = cli("rates", "load", "card.csv", "--deck", "wholesale", "--currency", "USD",
                  "--precision", "6", "--rounding", "round_half_even", "--assign", "acme",
                  "--db", url)  # fmt: skip
        assert ran.code == 0, ran.err
        assert "wholesale" in ran.out
        assert "ROUND_HALF_EVEN" in ran.out
        with telcocore.connect(url) as core:
            assert core.rating.assignment("acme").customer == "wholesale"
            deck = core.rating.deck("wholesale")
        assert (deck.precision, len(deck.rates)) == (6, 2)

    def test_loading_again_replaces_the_deck(self, cli: Cli, url: str, tmp_path: Path) -> None:
        """Loading again replaces the deck: its version goes up."""
        (tmp_path / "card.csv").write_text(CARD, encoding="utf-8")
        ran = cli("rates", "load", "card.csv", "--deck", "retail", "--currency", "USD",
                  "--db", url, "--json")  # fmt: skip
        assert ran.code == 0, ran.err
        found = json.loads(ran.out)
        assert (found["deck"]["version"], found["deck"]["rate_count"]) == (2, 2)
        assert stored(url)["retail"] == 2

    def test_effective_from_dates_the_rates(self, cli: Cli, url: str, tmp_path: Path) -> None:
        """Effective from dates the rates without a date of their own."""
        (tmp_path / "card.csv").write_text(CARD, encoding="utf-8")
        ran = cli("rates", "load", "card.csv", "--deck", "june", "--currency", "USD",
                  "--effective-from", "2026-06-01", "--db", url)  # fmt: skip
        assert ran.code == 0, ran.err
        before = cli("rate", "+14155550123", "60", "--deck", "june", "--at", "2026-05-31T23:59:59Z",
                     "--db", url)  # fmt: skip
        after = cli(
            "rate", "+14155550123", "60", "--deck", "june", "--at", "2026-06-01", "--db", url
        )
        assert (before.code, after.code) == (1, 0)

    @pytest.mark.parametrize(
        ("card", "says"),
        [
            ("prefix,rate\n1,0.01\n44,cheap\n", "rate card line 3, rate_per_minute"),
            ("prefix,rate,colour\n1,0.01,red\n", "rate card line 1: unknown column 'colour'"),
            ("", "rate card line 1: the card is empty"),
        ],
    )
    def test_a_bad_card_names_the_line_and_stores_nothing(
        self, cli: Cli, url: str, tmp_path: Path, card: str, says: str
    ) -> None:
        """A bad card names the line and stores nothing."""
        (tmp_path / "card.csv").write_text(card, encoding="utf-8")
        ran = cli("rates", "load", "card.csv", "--deck", "bad", "--currency", "USD", "--db", url)
        assert ran.code == 1
        assert ran.err.startswith("telcocore: error: ")
        assert says in ran.err
        assert ran.err.count("\n") == 1
        assert "bad" not in stored(url)

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (("--assign", "nobody"), "nobody"),
            (("--assign", "euro"), "account 'euro' is in EUR, the deck in USD"),
            (("--currency", "XYZ"), "XYZ"),
            (("--precision", "-1"), "precision"),
        ],
    )
    def test_a_refused_deck_or_account_stores_nothing(
        self, cli: Cli, url: str, tmp_path: Path, args: tuple[str, ...], says: str
    ) -> None:
        """A refused deck or account stores nothing."""
        (tmp_path / "card.csv").write_text(CARD, encoding="utf-8")
        options = {"--currency": "USD", **dict(zip(args[::2], args[1::2], strict=True))}
        flat = [item for pair in options.items() for item in pair]
        ran = cli("rates", "load", "card.csv", "--deck", "new", *flat, "--db", url)
        assert ran.code == 1
        assert says in ran.err
        assert ran.err.count("\n") == 1
        assert "new" not in stored(url)

    @pytest.mark.parametrize(
        ("args", "code", "says"),
        [
            (("nothing.csv", "--deck", "d", "--currency", "USD"), 1, "no such file"),
            ((".", "--deck", "d", "--currency", "USD"), 1, "folder"),
            (("card.csv", "--currency", "USD"), 2, "--deck"),
            (("card.csv", "--deck", "d", "--currency", "USD", "--rounding", "up"), 2, "--rounding"),
            (("latin1.csv", "--deck", "d", "--currency", "USD"), 1, "is not UTF-8 text"),
        ],
    )
    def test_bad_input(
        self, cli: Cli, tmp_path: Path, args: tuple[str, ...], code: int, says: str
    ) -> None:
        """A missing file, a folder, a missing or bad option, a file not UTF-8."""
        (tmp_path / "card.csv").write_text(CARD, encoding="utf-8")
        (tmp_path / "latin1.csv").write_bytes(
            "prefix,rate,name\n33,0.02,Fran\xe7e\n".encode("latin-1")
        )
        ran = cli("rates", "load", *args)
        assert ran.code == code
        assert says in ran.err
        assert ran.err.count("\n") == 1


class TestRate:
    """Pricing one call with a deck or an account's deck."""

    def test_rates_with_a_deck(self, cli: Cli, url: str) -> None:
        """Rates with a deck: prefix, description, seconds, billed seconds, cost."""
        ran = cli("rate", "+442071234567", "61", "--deck", "retail", "--db", url)
        assert ran.code == 0, ran.err
        [row] = [line.split("│") for line in ran.out.splitlines() if "+44" in line]
        cells = [cell.strip() for cell in row]
        assert cells == [
            "+442071234567",
            "44",
            "United Kingdom",
            "61",
            "66",
            "0.1660 USD",
            "retail",
        ]

    def test_rates_with_an_account_s_deck_as_json(self, cli: Cli, url: str) -> None:
        """Rates with an account s deck as json."""
        ran = cli("rate", "+14155550123", "30.5", "--account", "acme", "--at",
                  "2026-03-14T15:00:00+01:00", "--db", url, "--json")  # fmt: skip
        assert ran.code == 0, ran.err
        found = json.loads(ran.out)
        assert found["at"] == "2026-03-14T14:00:00+00:00"
        assert (found["deck"], found["prefix"], found["seconds"], found["billed_seconds"]) == (
            "retail",
            "1",
            31,
            60,
        )
        assert found["cost"] == {"amount": "0.0100", "currency": "USD"}

    def test_an_unrated_call_says_why_and_exits_1(self, cli: Cli, url: str) -> None:
        """An unrated call says why and exits 1."""
        ran = cli("rate", "+33142685300", "60", "--deck", "retail", "--db", url)
        assert ran.code == 1
        assert ran.err == (
            "telcocore: error: +33142685300 is not rated by deck 'retail': "
            "no rate for this destination\n"
        )
        ran = cli("rate", "44-20", "60", "--deck", "retail", "--db", url, "--json")
        assert ran.code == 1
        assert json.loads(ran.out)["rated"] is False
        assert "digits" in json.loads(ran.out)["reason"]

    @pytest.mark.parametrize(
        ("args", "code", "says"),
        [
            (("1", "60"), 2, "give --deck NAME or --account ID"),
            (("1", "60", "--deck", "retail", "--account", "acme"), 2, "one of them"),
            (("1", "a minute", "--deck", "retail"), 2, "is not a number of seconds"),
            (("--deck", "retail", "--", "1", "-5"), 2, "0 or more"),
            (("1", "60", "--deck", "retail", "--at", "noon"), 2, "ISO 8601"),
            (("1", "60", "--deck", "nosuch"), 1, "nosuch"),
            (("1", "60", "--account", "euro"), 1, "euro"),
            (("1", "60", "--account", "nobody"), 1, "nobody"),
        ],
    )
    def test_bad_input(
        self, cli: Cli, url: str, args: tuple[str, ...], code: int, says: str
    ) -> None:
        """Bad input: one line and the exit status."""
        ran = cli("rate", "--db", url, *args)
        assert ran.code == code
        assert says in ran.err
        assert ran.err.count("\n") == 1
