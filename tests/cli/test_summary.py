"""``telcocore summary``: an account's summaries as a table, CSV and JSON, and its ranges."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from tests.cli.cdrs import asterisk_row, prepare
from tests.cli.harness import Cli

import telcocore
from telcocore import Grain
from telcocore.cli.reports import span

MARCH_31 = datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)


@pytest.fixture
def url(db_url: str, cli: Cli, tmp_path: Path) -> str:
    """``acme`` with calls: two to the UK on 31 March (one answered), one to the US on 1 April."""
    prepare(db_url)
    rows = (
        asterisk_row("acme", "+442071234567", MARCH_31, 60),
        asterisk_row("acme", "+442071234568", MARCH_31, 0),
        asterisk_row("acme", "+14155550123", MARCH_31 + timedelta(seconds=1), 120),
    )
    (tmp_path / "Master.csv").write_text("".join(rows), encoding="utf-8")
    ran = cli("import", "asterisk", "Master.csv", "--db", db_url)
    assert ran.out.startswith("imported 3,"), ran.err
    return db_url


def cells(out: str) -> list[list[str]]:
    """The table's rows (not its heading), each as its cells."""
    return [[cell.strip() for cell in line.split("│")] for line in out.splitlines() if "│" in line]


class TestSummary:
    """The summaries, as a table, CSV and JSON."""

    def test_daily_is_a_table_with_a_total(self, cli: Cli, url: str) -> None:
        """Daily is a table with a total: sums, and ASR and ACD over every call."""
        ran = cli("summary", "acme", "--daily", "--from", "2026-03-01", "--to", "2026-04-30",
                  "--db", url)  # fmt: skip
        assert ran.code == 0, ran.err
        assert cells(ran.out) == [
            ["2026-03-31", "44", "United Kingdom", "international", "2", "1", "50.00", "60.00",
             "60", "0.16", "USD"],
            ["2026-04-01", "1", "North America", "domestic", "1", "1", "100.00", "120.00",
             "120", "0.02", "USD"],
            ["total", "", "", "", "3", "2", "66.67", "90.00", "180", "0.18", "USD"],
        ]  # fmt: skip

    def test_a_pipe_gets_the_whole_table_without_columns(
        self, cli: Cli, url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A pipe gets the whole table without columns: no cell is cut at 80 characters."""
        monkeypatch.delenv("COLUMNS")
        ran = cli("summary", "acme", "--daily", "--from", "2026-03-31", "--to", "2026-03-31",
                  "--db", url)  # fmt: skip
        assert cells(ran.out)[0] == ["2026-03-31", "44", "United Kingdom", "international",
                                     "2", "1", "50.00", "60.00", "60", "0.16", "USD"]  # fmt: skip
        assert max(len(line) for line in ran.out.splitlines()) > 80

    def test_to_is_included_and_from_starts_the_range(self, cli: Cli, url: str) -> None:
        """To is included and from starts the range."""
        ran = cli("summary", "acme", "--daily", "--from", "2026-03-31", "--to", "2026-03-31",
                  "--db", url)  # fmt: skip
        assert [row[0] for row in cells(ran.out)] == ["2026-03-31", "total"]
        ran = cli("summary", "acme", "--daily", "--from", "2026-04-01", "--db", url)
        assert [row[0] for row in cells(ran.out)] == ["2026-04-01", "total"]

    def test_monthly_shows_the_months_the_days_fall_in(self, cli: Cli, url: str) -> None:
        """Monthly shows the months the days fall in."""
        ran = cli("summary", "acme", "--monthly", "--from", "2026-03-15", "--to", "2026-04-01",
                  "--db", url)  # fmt: skip
        assert [row[0] for row in cells(ran.out)] == ["2026-03", "2026-04", "total"]

    def test_csv_is_the_library_s_export(self, cli: Cli, url: str) -> None:
        """Csv is the library s export."""
        ran = cli("summary", "acme", "--monthly", "--from", "2026-01-01", "--to", "2026-12-31",
                  "--csv", "--db", url)  # fmt: skip
        assert ran.code == 0, ran.err
        with telcocore.connect(url) as core:
            rows = core.summaries.monthly(
                "acme", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
            )
        assert ran.out == telcocore.to_csv(rows)
        assert ran.out.startswith("Account,Grain,Period start (UTC),")

    def test_json_has_the_sums_and_the_ratios(self, cli: Cli, url: str) -> None:
        """Json has the sums and the ratios."""
        ran = cli("summary", "acme", "--daily", "--from", "2026-03-31", "--to", "2026-03-31",
                  "--db", url, "--json")  # fmt: skip
        [row] = json.loads(ran.out)
        assert (row["period_start"], row["attempts"], row["asr"], row["acd"]) == (
            "2026-03-31T00:00:00+00:00",
            2,
            "50.00",
            "60.00",
        )
        assert row["charge"] == {"amount": "0.1600", "currency": "USD"}

    def test_an_empty_range_says_so(self, cli: Cli, url: str) -> None:
        """An empty range says so; the CSV is its header, the JSON an empty list."""
        args = ("summary", "acme", "--daily", "--from", "2025-01-01", "--to", "2025-01-31")
        assert cli(*args, "--db", url).out == "no calls of acme in that time\n"
        assert cli(*args, "--db", url, "--csv").out.count("\n") == 1
        assert json.loads(cli(*args, "--db", url, "--json").out) == []

    def test_the_defaults_show_today_and_the_live_hour(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """The defaults show today's calls (daily, monthly) and this hour's (live)."""
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        (tmp_path / "now.csv").write_text(
            asterisk_row("acme", "+14155550123", hour, 60), encoding="utf-8"
        )
        assert cli("import", "asterisk", "now.csv", "--db", url).code == 0
        daily = cells(cli("summary", "acme", "--daily", "--db", url).out)
        monthly = cells(cli("summary", "acme", "--monthly", "--db", url).out)
        live = cells(cli("summary", "acme", "--live", "--db", url).out)
        assert daily[0][0] == hour.strftime("%Y-%m-%d")
        assert monthly[-2][0] == hour.strftime("%Y-%m")
        assert live[0][0] == hour.strftime("%Y-%m-%d %H:00")


class TestSpan:
    """The range of periods shown, with and without ``--from`` and ``--to``."""

    @pytest.mark.parametrize(
        ("grain", "first", "last", "start", "end"),
        [
            (Grain.DAY, None, None, date(2026, 3, 1), date(2026, 3, 15)),
            (Grain.DAY, None, date(2026, 2, 10), date(2026, 2, 1), date(2026, 2, 11)),
            (Grain.DAY, date(2025, 12, 30), None, date(2025, 12, 30), date(2026, 3, 15)),
            (Grain.MONTH, None, None, date(2025, 4, 1), date(2026, 4, 1)),
            (Grain.MONTH, None, date(2026, 12, 31), date(2026, 1, 1), date(2027, 1, 1)),
            (Grain.MONTH, date(2026, 1, 31), date(2026, 1, 31), date(2026, 1, 1), date(2026, 2, 1)),
        ],
    )
    def test_the_range(
        self, grain: Grain, first: date | None, last: date | None, start: date, end: date
    ) -> None:
        """The range, on 14 March 2026."""
        found = span(grain, date(2026, 3, 14), first, last)
        assert (found[0].date(), found[1].date()) == (start, end)
        assert found[0].tzinfo is UTC


class TestSummaryRefuses:
    """Bad input to ``summary``: one line, the exit status."""

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (("acme",), "give one of --daily, --monthly or --live"),
            (("acme", "--daily", "--live"), "give one of --daily, --monthly or --live"),
            (("acme", "--live", "--from", "2026-03-01"), "it takes no --from or --to"),
            (("acme", "--daily", "--from", "2026-03-02", "--to", "2026-03-01"), "is after --to"),
            (("acme", "--daily", "--csv", "--json"), "not both"),
            (("acme", "--daily", "--from", "March"), "is not a day written YYYY-MM-DD"),
            (("acme", "--daily", "--to", "9999-12-31"), "outside the years 1 to 9999"),
            (("acme", "--monthly", "--to", "9999-12-01"), "outside the years 1 to 9999"),
            (("acme", "--monthly", "--to", "0001-03-01"), "outside the years 1 to 9999"),
        ],
    )
    def test_a_bad_command_line_is_status_2(
        self, cli: Cli, tmp_path: Path, args: tuple[str, ...], says: str
    ) -> None:
        """A bad command line is status 2, before the storage is opened."""
        ran = cli("summary", *args)
        assert ran.code == 2
        assert says in ran.err
        assert ran.err.count("\n") == 1
        assert not (tmp_path / "telcocore.db").exists()

    @pytest.mark.parametrize("grain", ["--daily", "--monthly", "--live"])
    def test_an_unknown_account_is_status_1(self, cli: Cli, url: str, grain: str) -> None:
        """An unknown account is status 1."""
        ran = cli("summary", "nobody", grain, "--db", url)
        assert ran.code == 1
        assert ran.err.startswith("telcocore: error: ")
        assert "nobody" in ran.err
        assert ran.err.count("\n") == 1
