"""``telcocore import``: a switch's CDR file posted, what was rejected and where it went."""

from __future__ import annotations

import csv
import json
import os
import stat
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.cli.cdrs import asterisk_row, balance, freeswitch_row, master_csv, prepare
from tests.cli.harness import Cli

import telcocore
from telcocore.calls.model.posting import ImportReport
from telcocore.calls.services.importing import Importing

MARCH_14 = datetime(2026, 3, 14, 9, tzinfo=UTC)


@pytest.fixture
def url(db_url: str) -> str:
    """A storage with the accounts ``acme`` (USD, priced by ``retail``) and ``euro`` (EUR)."""
    prepare(db_url)
    return db_url


def mixed(path: Path) -> Path:
    """Two good calls (US, UK), one to a number no rate covers, and a row with a bad start."""
    rows = [
        asterisk_row("acme", "+14155550123", MARCH_14, 60),
        asterisk_row("acme", "+442071838750", MARCH_14, 61),
        asterisk_row("acme", "+33142685300", MARCH_14, 30),
        asterisk_row("acme", "+14155550199", MARCH_14, 10).replace("2026-03-14 09:00:00", "x", 1),
    ]
    path.write_text("".join(rows), encoding="utf-8")
    return path


class TestImport:
    """Importing a file: the summary line, the rejected rows' file, the ledger."""

    def test_posts_the_calls_and_writes_the_rejected_rows_beside_the_file(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """Posts the calls and writes the rejected rows beside the file."""
        master = mixed(tmp_path / "Master.csv")
        ran = cli("import", "asterisk", str(master), "--db", url)
        assert ran.code == 0, ran.err
        rejects = tmp_path / "Master.csv.rejected.csv"
        assert ran.out == (
            f"imported 2, duplicates 0, unrated 1, refused 0, rejected 1 (rows in {rejects})\n"
        )
        assert "not posted" in ran.err
        assert "no rate for this destination" in ran.err
        [[line, reason, raw]] = list(csv.reader(rejects.read_text(encoding="utf-8").splitlines()))
        assert (line, "'x'" in reason, raw.startswith('"acme"')) == ("4", True, True)
        assert balance(url) == Decimal("-0.1760")  # 0.0100 + 0.1660

    def test_a_second_import_finds_duplicates_and_charges_nothing(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """A second import finds duplicates and charges nothing."""
        master = mixed(tmp_path / "Master.csv")
        assert cli("import", "asterisk", str(master), "--db", url).code == 0
        ran = cli("import", "asterisk", str(master), "--db", url)
        assert ran.out.startswith("imported 0, duplicates 2, unrated 1, refused 0, rejected 1 ")
        rejects = tmp_path / "Master.csv.rejected.csv"
        assert len(rejects.read_text(encoding="utf-8").splitlines()) == 1  # replaced
        assert balance(url) == Decimal("-0.1760")

    def test_without_rejected_rows_no_file_is_written(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """Without rejected rows no file is written."""
        master = master_csv(tmp_path / "Master.csv", 3)
        ran = cli("import", "asterisk", str(master), "--db", url)
        assert (ran.code, ran.out, ran.err) == (
            0,
            "imported 3, duplicates 0, unrated 0, refused 0, rejected 0\n",
            "",
        )
        assert not (tmp_path / "Master.csv.rejected.csv").exists()

    def test_a_run_without_rejected_rows_removes_the_last_runs_file(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """The file left by a run that rejected rows goes when the next run rejects none."""
        rejects = tmp_path / "Master.csv.rejected.csv"
        assert cli("import", "asterisk", str(mixed(tmp_path / "Master.csv")), "--db", url).code == 0
        assert rejects.is_file()
        master = master_csv(tmp_path / "Master.csv", 3)
        ran = cli("import", "asterisk", str(master), "--db", url)
        assert (ran.code, rejects.exists()) == (0, False)

    def test_a_rejected_pipe_or_link_is_not_removed(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """Only a plain file is removed: a named pipe stays, a link stays and its file empties."""
        master = master_csv(tmp_path / "Master.csv", 3)
        pipe = tmp_path / "rejects.pipe"
        os.mkfifo(pipe)
        ran = cli("import", "asterisk", str(master), "--rejected", str(pipe), "--db", url)
        assert (ran.code, stat.S_ISFIFO(pipe.lstat().st_mode)) == (0, True)
        kept = tmp_path / "kept.csv"
        kept.write_text("4,an earlier run's row,x\n", encoding="utf-8")
        link = tmp_path / "rejects.csv"
        link.symlink_to(kept)
        ran = cli("import", "asterisk", str(master), "--rejected", str(link), "--db", url)
        assert (ran.code, link.is_symlink(), kept.read_text(encoding="utf-8")) == (0, True, "")

    def test_a_failed_run_leaves_the_last_runs_file(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """A run refused before it read the file (an unknown account) changes nothing."""
        rejects = tmp_path / "Master.csv.rejected.csv"
        master = mixed(tmp_path / "Master.csv")
        assert cli("import", "asterisk", str(master), "--db", url).code == 0
        before = rejects.read_text(encoding="utf-8")
        ran = cli("import", "asterisk", str(master), "--account", "nobody", "--db", url)
        assert (ran.code, rejects.read_text(encoding="utf-8")) == (1, before)

    def test_rejected_names_the_file(self, cli: Cli, url: str, tmp_path: Path) -> None:
        """Rejected names the file."""
        master = mixed(tmp_path / "Master.csv")
        target = tmp_path / "bad.csv"
        ran = cli("import", "asterisk", str(master), "--rejected", str(target), "--db", url)
        assert ran.out.endswith(f"(rows in {target})\n")
        assert target.is_file()
        assert not (tmp_path / "Master.csv.rejected.csv").exists()

    def test_json_prints_the_report(self, cli: Cli, url: str, tmp_path: Path) -> None:
        """Json prints the report."""
        master = mixed(tmp_path / "Master.csv")
        ran = cli("import", "asterisk", str(master), "--db", url, "--json")
        report = json.loads(ran.out)
        assert (report["read"], report["imported"], report["unrated"]) == (4, 2, 1)
        assert report["rejected_rows"][0]["line"] == 4
        assert report["refusals"][0]["reason"] == "no rate for this destination"
        assert report["rejected_file"] == str(tmp_path / "Master.csv.rejected.csv")

    def test_account_bills_every_row_to_it(self, cli: Cli, url: str, tmp_path: Path) -> None:
        """Account bills every row to it."""
        master = master_csv(tmp_path / "Master.csv", 2, account="someone-else")
        ran = cli("import", "asterisk", str(master), "--account", "acme", "--db", url)
        assert ran.out.startswith("imported 2,"), ran.err
        assert balance(url) == Decimal("-0.0200")

    def test_by_extension_bills_the_extension_s_account(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """By extension bills the extension s account."""
        with telcocore.connect(url) as core:
            core.numbering.register_extension("acme", "1001")
        rows = asterisk_row("", "+14155550123", MARCH_14, 60) + asterisk_row(
            "", "+14155550123", MARCH_14, 60, source="1999"
        )
        (tmp_path / "Master.csv").write_text(rows, encoding="utf-8")
        ran = cli("import", "asterisk", "Master.csv", "--by-extension", "--db", url)
        assert ran.out.startswith("imported 1, duplicates 0, unrated 0, refused 0, rejected 1 ")
        assert "'1999' is no registered extension" in Path("Master.csv.rejected.csv").read_text(
            encoding="utf-8"
        )

    def test_uniqueid_reads_a_master_csv_of_17_columns(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """Uniqueid reads a master csv of 17 columns, which is ambiguous without it."""
        rows = asterisk_row("acme", "+14155550123", MARCH_14, 60, uniqueid="1773500966.1")
        (tmp_path / "Master.csv").write_text(rows, encoding="utf-8")
        ran = cli("import", "asterisk", "Master.csv", "--db", url)
        assert ran.code == 1
        assert "uniqueid" in ran.err
        ran = cli("import", "asterisk", "Master.csv", "--uniqueid", "--db", url, "--json")
        assert (ran.code, json.loads(ran.out)["imported"]) == (0, 1)

    def test_reads_freeswitch_with_its_default_template(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """Reads freeswitch with its default template."""
        rows = freeswitch_row("acme", "+14155550123", MARCH_14, 60, "a1") + freeswitch_row(
            "acme", "+14155550124", MARCH_14, 60, "a2"
        )
        (tmp_path / "fs.csv").write_text(rows, encoding="utf-8")
        ran = cli("import", "freeswitch", "fs.csv", "--template", "default", "--db", url)
        assert ran.out.startswith("imported 2,"), ran.err

    def test_reads_any_csv_through_its_columns(self, cli: Cli, url: str, tmp_path: Path) -> None:
        """Reads any csv through its columns."""
        (tmp_path / "export.csv").write_text(
            "To,Started,Seconds,Who\n+14155550123,2026-03-14 09:00:00,60,acme\n", encoding="utf-8"
        )
        columns = ("destination=To", "start=Started", "duration=Seconds", "billable=Seconds")
        args = [arg for column in columns for arg in ("--column", column)]
        ran = cli("import", "csv", "export.csv", *args, "--column", "account_id=Who", "--db", url)
        assert ran.out.startswith("imported 1,"), ran.err
        assert balance(url) == Decimal("-0.0100")

    def test_time_format_reads_a_csv_s_times(self, cli: Cli, url: str, tmp_path: Path) -> None:
        """Time format reads a csv s times: ISO 8601 with an offset, here."""
        (tmp_path / "export.csv").write_text(
            "To,Started,Seconds\n+14155550123,2026-03-14T23:30:00-04:00,60\n", encoding="utf-8"
        )
        columns = ("--column", "destination=To", "--column", "start=Started")
        ran = cli("import", "csv", "export.csv", *columns, "--column", "duration=Seconds",
                  "--time-format", "iso", "--account", "acme", "--db", url)  # fmt: skip
        assert ran.out.startswith("imported 1,"), ran.err
        with telcocore.connect(url) as core:
            [row] = core.summaries.daily("acme", MARCH_14.replace(day=1), MARCH_14.replace(day=31))
        assert row.period_start.day == 15

    def test_direction_is_every_call_s(
        self, cli: Cli, url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Direction is every call s: the importer is given it."""
        given: list[object] = []
        original = Importing.import_file

        def spy(self: Importing, kind: str, source: Path, **options: Any) -> ImportReport:  # noqa: ANN401 - passed through
            given.append(options.get("direction"))
            return original(self, kind, source, **options)

        monkeypatch.setattr(Importing, "import_file", spy)
        master = master_csv(tmp_path / "Master.csv", 1)
        assert (
            cli("import", "asterisk", str(master), "--direction", "inbound", "--db", url).code == 0
        )
        assert cli("import", "asterisk", str(master), "--db", url).code == 0
        assert given == ["inbound", None]

    def test_tz_reads_the_file_s_local_times(self, cli: Cli, url: str, tmp_path: Path) -> None:
        """Tz reads the file s local times: 23:30 in New York is the next day in UTC."""
        late = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)  # written as New York's wall time
        (tmp_path / "Master.csv").write_text(
            asterisk_row("acme", "+14155550123", late, 60), encoding="utf-8"
        )
        ran = cli("import", "asterisk", "Master.csv", "--tz", "America/New_York", "--db", url)
        assert ran.code == 0, ran.err
        with telcocore.connect(url) as core:
            rows = core.summaries.daily(
                "acme", datetime(2026, 3, 1, tzinfo=UTC), late.replace(day=31)
            )
        assert [row.period_start.day for row in rows] == [15]


class TestImportRefuses:
    """Bad input to ``import``: one line on standard error, the exit status, nothing posted."""

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (("--tz", "Mars/Olympus"), "'Mars/Olympus' is not a time zone name"),
            (("--column", "destination"), "is not FIELD=HEADER"),
            (("--template", "default"), "--template is for freeswitch files only"),
            (("--column", "start=Start"), "--column is for csv files only"),
            (("--time-format", "iso"), "--time-format is for csv files only"),
            (("--account", "acme", "--by-extension"), "not both"),
            (("--batch-size", "0"), "--batch-size"),
            (("--direction", "sideways"), "--direction"),
        ],
    )
    def test_a_bad_option_is_a_usage_error(
        self, cli: Cli, tmp_path: Path, args: tuple[str, ...], says: str
    ) -> None:
        """A bad option is a usage error."""
        master_csv(tmp_path / "Master.csv", 1)
        ran = cli("import", "asterisk", "Master.csv", *args)
        assert ran.code == 2
        assert ran.err.count("\n") == 1
        assert says in ran.err
        assert not (tmp_path / "telcocore.db").exists()

    def test_the_asterisk_flags_are_for_asterisk_files(self, cli: Cli, tmp_path: Path) -> None:
        """The asterisk flags are for asterisk files."""
        (tmp_path / "fs.csv").write_text("", encoding="utf-8")
        ran = cli("import", "freeswitch", "fs.csv", "--userfield")
        assert ran.code == 2
        assert "--userfield is for asterisk files only" in ran.err

    def test_csv_needs_columns(self, cli: Cli, tmp_path: Path) -> None:
        """Csv needs columns."""
        (tmp_path / "x.csv").write_text("a\n", encoding="utf-8")
        ran = cli("import", "csv", "x.csv")
        assert ran.code == 2
        assert "--column FIELD=HEADER" in ran.err

    @pytest.mark.parametrize(("name", "says"), [("nothing.csv", "no such file"), (".", "folder")])
    def test_a_missing_file_or_a_folder(
        self, cli: Cli, tmp_path: Path, name: str, says: str
    ) -> None:
        """A missing file or a folder is status 1, before the storage is opened."""
        ran = cli("import", "asterisk", name)
        assert ran.code == 1
        assert ran.err.startswith("telcocore: error: ")
        assert says in ran.err
        assert ran.err.count("\n") == 1
        assert not (tmp_path / "telcocore.db").exists()

    def test_an_unknown_account_posts_nothing(self, cli: Cli, url: str, tmp_path: Path) -> None:
        """An unknown account posts nothing."""
        master = mixed(tmp_path / "Master.csv")
        ran = cli("import", "asterisk", str(master), "--account", "nobody", "--db", url)
        assert ran.code == 1
        assert ran.err.startswith("telcocore: error: ")
        assert "nobody" in ran.err
        assert ran.out == ""
        assert balance(url) == 0
        assert not (tmp_path / "Master.csv.rejected.csv").exists()

    def test_a_freeswitch_file_read_as_asterisk_says_so(
        self, cli: Cli, url: str, tmp_path: Path
    ) -> None:
        """A freeswitch file read as asterisk says so."""
        rows = freeswitch_row("acme", "+14155550123", MARCH_14, 60, "a1")
        (tmp_path / "fs.csv").write_text(rows, encoding="utf-8")
        ran = cli("import", "asterisk", "fs.csv", "--db", url)
        assert ran.code == 1
        assert ran.out.startswith("imported 0, duplicates 0, unrated 0, refused 0, rejected 1 ")
        assert ran.err.startswith("telcocore: error: no row of fs.csv could be read as a asterisk")
        assert "line 1: " in ran.err
        assert (tmp_path / "fs.csv.rejected.csv").is_file()

    @pytest.mark.parametrize(
        ("rejected", "says"),
        [
            ("no/such/folder/bad.csv", "does not exist"),
            ("Master.csv", "is the file being imported"),
            (".", "is a folder"),
        ],
    )
    def test_a_rejected_file_that_cannot_be_written_posts_nothing(
        self, cli: Cli, url: str, tmp_path: Path, rejected: str, says: str
    ) -> None:
        """A rejected file that cannot be written posts nothing."""
        master = mixed(tmp_path / "Master.csv")
        before = master.read_bytes()
        ran = cli("import", "asterisk", "Master.csv", "--rejected", rejected, "--db", url)
        assert ran.code == 1
        assert says in ran.err
        assert ran.err.count("\n") == 1
        assert balance(url) == 0
        assert master.read_bytes() == before

    def test_a_rejected_file_that_is_the_storage_is_refused(
        self, cli: Cli, sqlite_url: str, tmp_path: Path
    ) -> None:
        """``--rejected`` naming the storage's SQLite file is refused: the database is kept."""
        prepare(sqlite_url)
        mixed(tmp_path / "Master.csv")
        ran = cli("import", "asterisk", "Master.csv", "--rejected", "telco.db", "--db", sqlite_url)
        assert ran.code == 1
        assert "--rejected telco.db is the storage's database file" in ran.err
        assert ran.err.count("\n") == 1
        assert balance(sqlite_url) == 0
