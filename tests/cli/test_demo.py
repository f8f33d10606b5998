"""``telcocore demo``: what it builds, what it writes, and the storage it will and won't use."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.cli.harness import Cli, Ran
from tests.integration import storage_workers as workers

import telcocore
from telcocore import TransactionKind
from telcocore.cli import demo as demo_module
from telcocore.cli.sample import ACCOUNTS, MonthOfCalls, write_master_csv
from telcocore.core import TelcoCore

CALLS = "120"
"""Few calls: the demo's every part runs, quickly."""

ODD_ROWS = 6
"""The rows the demo writes broken (4) or to a destination no rate prices (2)."""

CENT = Decimal("0.01")


def run_json(cli: Cli, *args: str) -> dict[str, Any]:
    """Run the demo with ``--json`` and return its document."""
    ran = cli("demo", "--calls", CALLS, "--json", *args)
    assert ran.code == 0, ran.err
    document: dict[str, Any] = json.loads(ran.out)
    return document


def open_demo(tmp_path: Path) -> TelcoCore:
    """The demo's default database in ``tmp_path``."""
    return telcocore.connect(f"sqlite:///{tmp_path / 'telcocore-demo.db'}")


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_line(ran: Ran, code: int, says: str) -> None:
    """The run failed with ``code`` and one line on standard error that says ``says``."""
    assert ran.code == code, ran
    assert ran.err.startswith("telcocore: error: "), ran.err
    assert ran.err.count("\n") == 1, ran.err
    assert says in ran.err, ran.err


class TestWhatItBuilds:
    """The demo's storage and files hold what it says, and agree with each other."""

    def test_it_writes_its_files_and_names_the_invoice_in_them(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """It writes its files and names the invoice in them."""
        ran = cli("demo", "--calls", CALLS)
        assert ran.code == 0, ran.err
        with open_demo(tmp_path) as core:
            [invoice] = core.invoices.search().invoices
        assert invoice.account_id == "demo-acme"
        assert invoice.status.value == "issued"
        for suffix in ("html", "txt"):
            written = tmp_path / f"telcocore-demo-{invoice.number}.{suffix}"
            assert invoice.number in written.read_text(encoding="utf-8")
        assert (tmp_path / "telcocore-demo-rates.csv").read_text().startswith("prefix,")
        assert not list(tmp_path.glob(".telcocore-demo.db.partial*"))
        for heading in ("Daily summary of demo-acme", "Monthly summary", "JSON Patch"):
            assert heading in ran.out
        assert f"telcocore invoice show {invoice.number} --db telcocore-demo.db" in ran.out

    @pytest.mark.parametrize("given", [False, True], ids=["default", "db"])
    def test_the_invoice_is_the_monthly_charge_plus_tax(
        self, cli: Cli, tmp_path: Path, db_url: str, *, given: bool
    ) -> None:
        """The invoice is the monthly charge plus tax."""
        document = run_json(cli, *(("--db", db_url) if given else ()))
        assert document["db"] == (db_url if given else "sqlite:///telcocore-demo.db")
        url = db_url if given else f"sqlite:///{tmp_path / 'telcocore-demo.db'}"
        month = document["month"]
        year, number = (int(part) for part in month.split("-"))
        period = telcocore.Period.month(year, number)
        with telcocore.connect(url) as core:
            rows = core.summaries.monthly("demo-acme", period.start, period.end)
            invoice = core.invoices.get(document["invoice"]["number"])
            tax_rate = core.accounts.get("demo-acme").tax_rate
        lines = [row.charge.amount.quantize(CENT, ROUND_HALF_UP) for row in rows]
        subtotal = sum(lines, Decimal(0))
        tax = (subtotal * tax_rate).quantize(CENT, ROUND_HALF_UP)
        assert len(invoice.lines) == len(rows) > 0
        assert invoice.subtotal.amount == subtotal
        assert invoice.tax.amount == tax
        assert invoice.total.amount == subtotal + tax
        assert document["invoice"]["total"] == {"amount": str(subtotal + tax), "currency": "USD"}

    def test_the_ledger_shows_the_month_s_usage(self, cli: Cli, tmp_path: Path) -> None:
        """The ledger shows the month s usage."""
        document = run_json(cli)
        year, number = (int(part) for part in document["month"].split("-"))
        period = telcocore.Period.month(year, number)
        with open_demo(tmp_path) as core:
            charged = sum(
                (r.charge for r in core.summaries.monthly("demo-acme", period.start, period.end)),
                telcocore.Money(0, "USD"),
            )
            history = core.ledger.history("demo-acme", limit=500).entries
            balance = core.ledger.balance("demo-acme")
        usage = [entry.amount for entry in history if entry.kind is TransactionKind.USAGE]
        assert usage
        assert sum(usage, telcocore.Money(0, "USD")) == -charged
        assert balance == telcocore.Money(ACCOUNTS[0].top_up, "USD") - charged
        shown = document["ledger"]
        assert [entry["seq"] for entry in shown] == [entry.seq for entry in history[: len(shown)]]

    def test_the_import_counts_its_odd_rows(self, cli: Cli, tmp_path: Path) -> None:
        """The import counts its odd rows."""
        calls = run_json(cli)["calls"]
        assert calls == {
            "generated": int(CALLS),
            "rows": int(CALLS) + ODD_ROWS,
            "imported": int(CALLS),
            "duplicates": 0,
            "unrated": 2,
            "refused": 0,
            "rejected": 4,
        }
        rejected = (tmp_path / "telcocore-demo-rejected.csv").read_text().splitlines()
        assert len(rejected) == calls["rejected"]
        assert any("no registered extension" in line for line in rejected)

    def test_the_audit_change_is_the_debit_limit(self, cli: Cli) -> None:
        """The audit change is the debit limit."""
        change = run_json(cli)["audit_change"]
        assert change["entry"]["actor"] == "alice"
        assert {"op": "replace", "path": "/debit_limit/amount", "value": "750.00"} in change[
            "patch"
        ]
        assert change["before"]["debit_limit"]["amount"] == "500.00"

    def test_the_same_month_gives_the_same_calls(self, tmp_path: Path) -> None:
        """The same month gives the same calls."""
        month = MonthOfCalls(2026, 2, 300)
        write_master_csv(month, tmp_path / "a.csv")
        write_master_csv(month, tmp_path / "b.csv")
        assert digest(tmp_path / "a.csv") == digest(tmp_path / "b.csv")
        write_master_csv(MonthOfCalls(2026, 3, 300), tmp_path / "c.csv")
        assert digest(tmp_path / "a.csv") != digest(tmp_path / "c.csv")

    def test_the_calls_are_in_their_month(self) -> None:
        """The calls are in their month."""
        month = MonthOfCalls(2026, 2, 500)
        calls = list(month.calls())
        assert len(calls) == month.count
        assert all(month.first_day <= c.start and c.end < month.end for c in calls)
        answered = sum(c.disposition == "ANSWERED" for c in calls) / len(calls)
        assert 0.55 < answered < 0.75


class TestStorage:
    """Its own file by default, replaced only when it is a demo's; a given --db must be empty."""

    def test_telcocore_db_is_not_read(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Telcocore db is not read."""
        monkeypatch.setenv("TELCOCORE_DB", str(tmp_path / "real.db"))
        assert cli("demo", "--calls", CALLS).code == 0
        assert not (tmp_path / "real.db").exists()
        assert (tmp_path / "telcocore-demo.db").is_file()

    def test_a_second_run_replaces_the_demo_database(self, cli: Cli, tmp_path: Path) -> None:
        """A second run replaces the demo database."""
        first = run_json(cli)
        second = cli("demo", "--calls", "80", "--json")
        assert second.code == 0, second.err
        assert json.loads(second.out)["invoice"]["number"] == first["invoice"]["number"]
        with open_demo(tmp_path) as core:
            assert len(core.invoices.search().invoices) == 1
            assert sorted(a.id for a in core.accounts.list()) == sorted(a.id for a in ACCOUNTS)
            year, number = (int(part) for part in first["month"].split("-"))
            period = telcocore.Period.month(year, number)
            attempts = sum(
                row.attempts
                for account in ACCOUNTS
                for row in core.summaries.monthly(account.id, period.start, period.end, by=())
            )
        assert attempts == 80

    def test_a_database_not_made_by_the_demo_is_left_alone(self, cli: Cli, tmp_path: Path) -> None:
        """A database not made by the demo is left alone."""
        target = tmp_path / "telcocore-demo.db"
        with telcocore.connect(f"sqlite:///{target}") as core:
            core.accounts.open("Real customer", "USD", account_id="real")
        before = digest(target)
        ran = cli("demo", "--calls", CALLS)
        assert_one_line(ran, 1, "telcocore-demo.db here was not made by telcocore demo")
        assert "the accounts real" in ran.err
        assert digest(target) == before
        assert not (tmp_path / "telcocore-demo-Master.csv").exists()

    @pytest.mark.parametrize(
        ("content", "says"),
        [
            (b"name,number\nbob,1001\n", "cannot be read as an SQLite database"),
            (None, "not telcocore's storage"),
        ],
        ids=["text", "other-sqlite"],
    )
    def test_a_file_that_is_not_telcocore_s_is_left_alone(
        self, cli: Cli, tmp_path: Path, content: bytes | None, says: str
    ) -> None:
        """A file that is not telcocore s is left alone."""
        target = tmp_path / "telcocore-demo.db"
        if content is None:
            with closing(sqlite3.connect(target)) as db:
                db.execute("CREATE TABLE phones (number TEXT)")
                db.commit()
        else:
            target.write_bytes(content)
        before = digest(target)
        assert_one_line(cli("demo", "--calls", CALLS), 1, says)
        assert digest(target) == before

    def test_a_given_db_that_is_not_empty_is_refused(self, cli: Cli, db_url: str) -> None:
        """A given db that is not empty is refused."""
        first = run_json(cli, "--db", db_url)
        ran = cli("demo", "--calls", CALLS, "--db", db_url)
        assert_one_line(ran, 1, "the demo writes only into empty storage")
        with telcocore.connect(db_url) as core:
            [invoice] = core.invoices.search().invoices
        assert invoice.number == first["invoice"]["number"]

    def test_a_given_db_behind_this_release_is_refused_before_it_is_migrated(
        self, cli: Cli, db_url: str
    ) -> None:
        """A given storage with migrations pending (a real one not yet upgraded) is not opened."""
        assert cli("db", "migrate", "--db", db_url).code == 0
        behind = "DELETE FROM schema_migrations WHERE module = 'billing.ledger' AND version > 1"
        workers.execute(db_url, behind)
        ran = cli("demo", "--calls", CALLS, "--db", db_url)
        assert_one_line(ran, 1, "the demo writes only into empty storage")
        newest = "SELECT MAX(version) FROM schema_migrations WHERE module = 'billing.ledger'"
        assert workers.query(db_url, newest) == [(1,)]

    def test_a_given_sqlite_file_of_other_tables_is_left_alone(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """A given sqlite file of other tables is left alone."""
        target = tmp_path / "phones.db"
        with closing(sqlite3.connect(target)) as db:
            db.execute("CREATE TABLE phones (number TEXT)")
            db.commit()
        before = digest(target)
        ran = cli("demo", "--calls", CALLS, "--db", str(target))
        assert_one_line(ran, 1, "not telcocore's storage")
        assert digest(target) == before

    def test_a_failed_run_keeps_the_earlier_demo(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A failed run keeps the earlier demo."""
        assert cli("demo", "--calls", CALLS).code == 0
        before = digest(tmp_path / "telcocore-demo.db")

        def full_disk(_month: MonthOfCalls, path: Path) -> int:
            raise OSError(28, "No space left on device", str(path))

        monkeypatch.setattr(demo_module, "write_master_csv", full_disk)
        ran = cli("demo", "--calls", CALLS)
        assert_one_line(ran, 1, "No space left on device: telcocore-demo-Master.csv")
        assert digest(tmp_path / "telcocore-demo.db") == before
        assert not list(tmp_path.glob(".telcocore-demo.db.partial*"))


class TestOptions:
    """--out, --calls and --json; bad values are one line and status 2."""

    def test_out_is_made_and_holds_the_files(self, cli: Cli, tmp_path: Path) -> None:
        """Out is made and holds the files."""
        files = run_json(cli, "--out", "made/here")["files"]
        assert set(files) == {"rate_card", "master_csv", "rejected", "invoice_html", "invoice_text"}
        for path in files.values():
            assert Path(path).parent == Path("made/here")
            assert (tmp_path / path).is_file()
        assert (tmp_path / "telcocore-demo.db").is_file()

    def test_the_json_names_what_it_made(self, cli: Cli) -> None:
        """The json names what it made."""
        document = run_json(cli)
        assert [a["id"] for a in document["accounts"]] == [a.id for a in ACCOUNTS]
        assert document["accounts"][0]["extensions"][0] == "1000"
        assert document["deck"] == {"name": "retail", "currency": "USD", "rates": 28}
        summary = document["summary"]
        assert summary["account_id"] == "demo-acme"
        assert 0 < summary["connected"] < summary["attempts"]

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (("--calls", "0"), "--calls"),
            (("--calls", "many"), "--calls"),
            (("--out", "telcocore-demo.db"), "--out"),
            (("--db", " "), "--db is empty"),
        ],
        ids=["zero-calls", "word-calls", "out-is-a-file", "blank-db"],
    )
    def test_bad_options_are_one_line(
        self, cli: Cli, tmp_path: Path, args: tuple[str, ...], says: str
    ) -> None:
        """Bad options are one line."""
        (tmp_path / "telcocore-demo.db").write_bytes(b"")
        ran = cli("demo", *args)
        assert_one_line(ran, 1 if says == "--db is empty" else 2, says)
        assert not (tmp_path / "telcocore-demo-Master.csv").exists()
