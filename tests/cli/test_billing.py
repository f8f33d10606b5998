"""``telcocore invoice generate|show|list``, ``telcocore bills`` and ``telcocore ledger``."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.cli.harness import Cli, Ran
from tests.contract.test_invoice_rendering import answered_call

import telcocore
from telcocore import Money, Period, Rate, RateDeck
from telcocore.billing.invoices.model.invoice import invoice_schema
from telcocore.testing import FixedClock

MARCH = Period.month(2025, 3)
"""The month the calls were made in: long over, whenever the tests run."""


@pytest.fixture
def url(db_url: str) -> str:
    """A storage with ``acme`` (USD, 20 % tax): a 50.00 top-up and two calls in March 2025.

    At 0.06 a minute the calls cost 0.09 (14 March, 90 s) and 0.06 (15 March, 60 s);
    ``other`` is a second account with no calls.
    """
    with telcocore.connect(db_url) as core:
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US", tax_rate="0.2")
        core.accounts.open("Other", "USD", account_id="other", home_country="US")
        core.ledger.credit("acme", "50.00", idempotency_key="top-up", description="Top-up")
        since = datetime(2025, 1, 1, tzinfo=UTC)
        deck = RateDeck(
            "retail", "USD", [Rate("44", "United Kingdom", Decimal("0.06"), effective_from=since)]
        )
        core.rating.save_deck(deck)
        core.rating.assign("acme", "retail")
        core.calls.post_many(
            [
                answered_call("c1", datetime(2025, 3, 14, 23, 59, 59, tzinfo=UTC), 90),
                answered_call("c2", datetime(2025, 3, 15, tzinfo=UTC), 60),
            ]
        )
    return db_url


@pytest.fixture
def core(url: str) -> Iterator[telcocore.TelcoCore]:
    """The library on the same storage, to set up more and to check what the command did."""
    with telcocore.connect(url) as opened:
        yield opened


def refused(ran: Ran, code: int, says: str) -> None:
    """The run failed with ``code`` and one line on standard error that says ``says``."""
    assert (code, "") == (ran.code, ran.out)
    assert ran.err.startswith("telcocore: error: "), ran.err
    assert ran.err.count("\n") == 1, ran.err
    assert says in ran.err


def valid(document: dict[str, Any]) -> dict[str, Any]:
    """``document``, checked against the package's invoice JSON Schema."""
    jsonschema.Draft202012Validator(invoice_schema()).validate(document)
    return document


class TestInvoiceGenerate:
    """``telcocore invoice generate``: a month or a range of days, a draft or issued."""

    def test_generates_the_month(self, cli: Cli, url: str, core: telcocore.TelcoCore) -> None:
        """The month's invoice is stored as a draft and printed with its lines and totals."""
        ran = cli("invoice", "generate", "acme", "--month", "2025-03", "--db", url)
        assert ran.code == 0, ran.err
        [invoice] = core.invoices.search(account_id="acme").invoices
        assert (Money("0.15", "USD"), Money("0.03", "USD"), Money("0.18", "USD")) == (
            invoice.subtotal,
            invoice.tax,
            invoice.total,
        )
        assert invoice.status.value == "draft"
        assert f"Invoice {invoice.number}\n" in ran.out
        assert "Period:     2025-03-01 to 2025-03-31\n" in ran.out
        assert "Status:     draft\n" in ran.out
        assert "United Kingdom" in ran.out
        assert "2.50" in ran.out
        assert "Subtotal:   0.15 USD\n" in ran.out
        assert "Tax (20 %): 0.03 USD\n" in ran.out
        assert "Total:      0.18 USD\n" in ran.out

    def test_days_from_to(self, cli: Cli, url: str, core: telcocore.TelcoCore) -> None:
        """``--from``/``--to`` bill those days only, both included."""
        ran = cli(
            "invoice", "generate", "acme", "--from", "2025-03-15", "--to", "2025-03-15", "--db", url
        )
        assert ran.code == 0, ran.err
        [invoice] = core.invoices.search(account_id="acme").invoices
        assert Period.day(date(2025, 3, 15)) == invoice.period
        assert Money("0.07", "USD") == invoice.total
        assert "Total:      0.07 USD\n" in ran.out

    def test_issue_and_json(self, cli: Cli, url: str, core: telcocore.TelcoCore) -> None:
        """``--issue --json`` prints the issued invoice as the library's JSON, schema-valid."""
        ran = cli(
            "invoice", "generate", "acme", "--month", "2025-03", "--issue", "--json", "--db", url
        )
        assert ran.code == 0, ran.err
        document = valid(json.loads(ran.out))
        stored = core.invoices.get(document["number"])
        assert stored.status.value == "issued"
        assert {**stored.to_json(), "overdue": False} == document
        assert {"amount": "0.18", "currency": "USD"} == document["total"]

    def test_no_usage_is_an_empty_invoice(self, cli: Cli, url: str) -> None:
        """A period without usage or charges is an invoice of zero, and says so."""
        ran = cli("invoice", "generate", "other", "--month", "2025-03", "--db", url)
        assert ran.code == 0, ran.err
        assert "No usage and no charges in the period.\n" in ran.out
        assert "Total:      0.00 USD\n" in ran.out

    def test_usage_on_another_invoice_is_refused(
        self, cli: Cli, url: str, core: telcocore.TelcoCore
    ) -> None:
        """Usage already invoiced is refused, naming the invoice; no second one is written."""
        first = cli("invoice", "generate", "acme", "--month", "2025-03", "--db", url)
        assert first.code == 0, first.err
        [invoice] = core.invoices.search().invoices
        again = cli(
            "invoice", "generate", "acme", "--from", "2025-03-15", "--to", "2025-03-31", "--db", url
        )
        refused(again, 1, f"is already on invoice {invoice.number!r}")
        assert [invoice.number] == [i.number for i in core.invoices.search().invoices]

    @pytest.mark.parametrize(
        ("args", "code", "says"),
        [
            (("nobody", "--month", "2025-03"), 1, "account 'nobody' not found"),
            (("acme", "--month", "2999-01"), 1, "only days that are over are invoiced"),
            (("acme", "--month", "2025-13"), 2, "'2025-13' is not a month written YYYY-MM"),
            (("acme", "--from", "2025-03-32", "--to", "2025-04-01"), 2, "is not a day"),
            (("acme",), 2, "give the period: --month YYYY-MM, or --from DAY and --to DAY"),
            (("acme", "--from", "2025-03-01"), 2, "give the period"),
            (("acme", "--month", "2025-03", "--from", "2025-03-01"), 2, "not both"),
            (("acme", "--from", "2025-03-02", "--to", "2025-03-01"), 2, "is before --from"),
        ],
        ids=[
            "unknown-account",
            "not-over",
            "bad-month",
            "bad-day",
            "neither",
            "no-to",
            "both",
            "backwards",
        ],
    )
    def test_bad_input_is_one_line_and_writes_nothing(  # noqa: PLR0913, PLR0917 - fixtures, the case
        self,
        cli: Cli,
        url: str,
        core: telcocore.TelcoCore,
        args: tuple[str, ...],
        code: int,
        says: str,
    ) -> None:
        """Bad input is one line with its exit status, and no invoice is written."""
        refused(cli("invoice", "generate", *args, "--issue", "--db", url), code, says)
        assert [] == core.invoices.search().invoices


@pytest.fixture
def number(core: telcocore.TelcoCore) -> str:
    """The number of acme's March invoice, issued."""
    invoice = core.invoices.generate("acme", MARCH)
    return core.invoices.issue(invoice.number).number


class TestInvoiceShow:
    """``telcocore invoice show``: the invoice as text on screen, as HTML and text files."""

    def test_prints_the_text(
        self, cli: Cli, url: str, number: str, core: telcocore.TelcoCore
    ) -> None:
        """Without options it prints the library's text rendering."""
        ran = cli("invoice", "show", number, "--db", url)
        assert ran.code == 0, ran.err
        assert core.invoices.render_text(number) == ran.out
        assert f"INVOICE {number}" in ran.out

    def test_writes_html_and_text_files(
        self, cli: Cli, url: str, number: str, core: telcocore.TelcoCore, tmp_path: Path
    ) -> None:
        """``--html``/``--text`` write the renderings to files and say so on standard error."""
        ran = cli("invoice", "show", number, "--html", "out/i.html", "--text", "i.txt", "--db", url)
        assert ran.code == 1  # the folder out does not exist yet
        (tmp_path / "out").mkdir()
        ran = cli("invoice", "show", number, "--html", "out/i.html", "--text", "i.txt", "--db", url)
        assert ran.code == 0, ran.err
        assert ran.out == ""
        html = (tmp_path / "out" / "i.html").read_text(encoding="utf-8")
        text = (tmp_path / "i.txt").read_text(encoding="utf-8")
        assert (core.invoices.render_html(number), core.invoices.render_text(number)) == (
            html,
            text,
        )
        assert number in html
        assert number in text
        assert f"Wrote invoice {number} as HTML to out/i.html\n" in ran.err
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    def test_dash_is_standard_output(
        self, cli: Cli, url: str, number: str, core: telcocore.TelcoCore
    ) -> None:
        """``--html -`` prints the HTML page."""
        ran = cli("invoice", "show", number, "--html", "-", "--db", url)
        assert ran.code == 0, ran.err
        assert core.invoices.render_html(number) == ran.out
        assert ran.out.lstrip().lower().startswith("<!doctype html>")

    def test_json_matches_the_schema(
        self, cli: Cli, url: str, number: str, core: telcocore.TelcoCore
    ) -> None:
        """``--json`` prints the invoice's JSON, valid by the shipped schema."""
        ran = cli("invoice", "show", number, "--json", "--db", url)
        assert ran.code == 0, ran.err
        document = valid(json.loads(ran.out))
        assert {**core.invoices.get(number).to_json(), "overdue": False} == document

    @pytest.mark.parametrize(
        ("args", "code", "says"),
        [
            (("INV-1999-000001",), 1, "invoice 'INV-1999-000001' not found"),
            (
                ("{number}", "--html", "missing/i.html", "--text", "i.txt"),
                1,
                "the folder missing does not exist",
            ),
            (("{number}", "--text", "."), 1, "--text .: is a folder, not a file"),
            (("{number}", "--html", "-", "--json"), 2, "only one of --html and --json"),
            (("{number}", "--html", "-", "--text", "-"), 2, "only one of --html and --text"),
        ],
        ids=["unknown-number", "missing-folder", "folder", "html-and-json", "html-and-text"],
    )
    def test_bad_input_is_one_line_and_writes_nothing(  # noqa: PLR0913, PLR0917 - fixtures, the case
        self,
        cli: Cli,
        url: str,
        number: str,
        tmp_path: Path,
        args: tuple[str, ...],
        code: int,
        says: str,
    ) -> None:
        """Bad input is one line with its exit status, and no file is written."""
        before = sorted(tmp_path.rglob("*"))
        ran = cli("invoice", "show", *(a.format(number=number) for a in args), "--db", url)
        refused(ran, code, says)
        assert before == sorted(tmp_path.rglob("*"))

    def test_files_get_the_permissions_the_umask_leaves(
        self, cli: Cli, url: str, number: str, tmp_path: Path
    ) -> None:
        """A file written is readable as the umask allows (0644 under 022), not 0600."""
        umask = os.umask(0o022)
        try:
            ran = cli("invoice", "show", number, "--html", "i.html", "--db", url)
        finally:
            os.umask(umask)
        assert ran.code == 0, ran.err
        assert stat.S_IMODE((tmp_path / "i.html").stat().st_mode) == 0o644

    @pytest.mark.parametrize("option", ["--html", "--text"])
    def test_the_storage_s_own_file_is_not_overwritten(
        self, cli: Cli, sqlite_url: str, option: str
    ) -> None:
        """A file that is the storage's SQLite database is refused, and the database kept."""
        with telcocore.connect(sqlite_url) as core:
            core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
            number = core.invoices.generate("acme", MARCH).number
        ran = cli("invoice", "show", number, option, "telco.db", "--db", sqlite_url)
        refused(ran, 1, f"{option} telco.db is the storage's database file")
        with telcocore.connect(sqlite_url) as core:
            assert core.invoices.get(number).account_id == "acme"


@pytest.fixture
def numbers(core: telcocore.TelcoCore) -> list[str]:
    """Three invoices: acme's March (issued), 1 April (draft), other's March (draft)."""
    march = core.invoices.issue(core.invoices.generate("acme", MARCH).number)
    april = core.invoices.generate("acme", Period.day(date(2025, 4, 1)))
    other = core.invoices.generate("other", MARCH)
    return [march.number, april.number, other.number]


class TestInvoiceList:
    """``telcocore invoice list``: invoices in the order generated, filtered, paged."""

    def test_lists_every_invoice(self, cli: Cli, url: str, numbers: list[str]) -> None:
        """A row per invoice, with its period, total, status and payment status."""
        ran = cli("invoice", "list", "--db", url)
        assert ran.code == 0, ran.err
        rows = [line for line in ran.out.splitlines() if line.startswith("INV-")]
        assert numbers == [row.split()[0] for row in rows]
        march = rows[0].split()
        assert march[2:9] == ["acme", "│", "2025-03-01", "to", "2025-03-31", "│", "0.18"]
        assert ["issued", "│", "unpaid"] == march[11:14]
        assert "More:" not in ran.out

    def test_filters(self, cli: Cli, url: str, numbers: list[str]) -> None:
        """``--account`` and ``--status`` keep the matching invoices."""
        ran = cli(
            "invoice", "list", "--account", "acme", "--status", "draft", "--json", "--db", url
        )
        assert ran.code == 0, ran.err
        found = json.loads(ran.out)
        assert [numbers[1]] == [valid(i)["number"] for i in found["invoices"]]
        assert found["next_after"] is None
        ran = cli("invoice", "list", "--account", "other", "--status", "issued", "--db", url)
        assert (0, "No invoices.\n") == (ran.code, ran.out)

    def test_pages(
        self, cli: Cli, url: str, numbers: list[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``--limit`` pages, read from the library a page at a time; ``--after`` goes on."""
        monkeypatch.setattr("telcocore.cli.billing.MAX_INVOICE_LIMIT", 1)
        ran = cli("invoice", "list", "--limit", "2", "--db", url)
        assert ran.code == 0, ran.err
        assert numbers[:2] == [
            line.split()[0] for line in ran.out.splitlines() if line.startswith("INV-")
        ]
        assert (
            f"More: telcocore invoice list --after {numbers[1]} (with the same filters)\n"
            in ran.out
        )
        ran = cli("invoice", "list", "--after", numbers[1], "--json", "--db", url)
        assert ran.code == 0, ran.err
        assert {"invoices": [numbers[2]], "next_after": None} == {
            **json.loads(ran.out),
            "invoices": [i["number"] for i in json.loads(ran.out)["invoices"]],
        }

    @pytest.mark.parametrize(
        ("args", "code", "says"),
        [
            (("--status", "open"), 2, "'open' is not one of 'draft', 'issued', 'paid', 'void'"),
            (("--account", "nobody"), 1, "account 'nobody' not found"),
            (("--limit", "0"), 2, "--limit"),
            (("--after", " "), 1, "number"),
            (("--after", "INV-1999-000001"), 1, "invoice 'INV-1999-000001' not found"),
        ],
        ids=["bad-status", "unknown-account", "zero-limit", "blank-after", "unknown-after"],
    )
    def test_bad_input_is_one_line(
        self, cli: Cli, url: str, args: tuple[str, ...], code: int, says: str
    ) -> None:
        """Bad input is one line with its exit status."""
        refused(cli("invoice", "list", *args, "--db", url), code, says)


class TestBills:
    """``telcocore bills``: the account's issued invoices of the last three months."""

    def test_bills_with_their_status(self, cli: Cli, url: str, core: telcocore.TelcoCore) -> None:
        """Issued invoices are bills (a draft is not); overdue, paid and totals as now."""
        late = datetime.now(UTC) - timedelta(days=40)
        with telcocore.connect(url, clock=FixedClock(late)) as then:
            overdue = then.invoices.issue(then.invoices.generate("acme", MARCH).number)
        paid = core.invoices.issue(core.invoices.generate("acme", Period.month(2025, 4)).number)
        core.invoices.generate("acme", Period.month(2025, 5))  # a draft: no bill
        ran = cli("bills", "acme", "--db", url)
        assert ran.code == 0, ran.err
        rows = [line.split() for line in ran.out.splitlines() if line.startswith("INV-")]
        assert [(overdue.number, "overdue"), (paid.number, "paid")] == [(r[0], r[-1]) for r in rows]
        assert "Total:       0.18 USD\n" in ran.out
        assert "Outstanding: 0.18 USD\n" in ran.out
        assert re.match(r"Bills of acme issued \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d\n", ran.out)

    def test_json(self, cli: Cli, url: str, number: str, core: telcocore.TelcoCore) -> None:
        """``--json`` gives each bill's status and invoice, and the totals."""
        core.invoices.record_payment("acme", "0.10", method="card", allocations={number: "0.10"})
        ran = cli("bills", "acme", "--json", "--db", url)
        assert ran.code == 0, ran.err
        found = json.loads(ran.out)
        [bill] = found["bills"]
        assert (number, "partially_paid") == (bill["number"], bill["status"])
        assert {"amount": "0.08", "currency": "USD"} == valid(bill["invoice"])["outstanding"]
        assert ({"amount": "0.18", "currency": "USD"}, {"amount": "0.10", "currency": "USD"}) == (
            found["total"],
            found["paid"],
        )
        window = found["window"]
        assert window["start"] < window["end"]
        assert (window["start"][10:], window["end"][10:]) == ("T00:00:00+00:00",) * 2

    def test_no_bills(self, cli: Cli, url: str) -> None:
        """An account without issued invoices has no bills and totals of zero."""
        ran = cli("bills", "other", "--db", url)
        assert ran.code == 0, ran.err
        assert "No bills.\n" in ran.out
        assert "Total:       0.00 USD\n" in ran.out

    def test_unknown_account(self, cli: Cli, url: str) -> None:
        """An unknown account is one line, exit 1."""
        refused(cli("bills", "nobody", "--db", url), 1, "account 'nobody' not found")


class TestLedger:
    """``telcocore ledger``: the account's transactions and balances, a page at a time."""

    def test_transactions_with_the_balance_after_each(
        self, cli: Cli, url: str, core: telcocore.TelcoCore
    ) -> None:
        """Each transaction shows its seq, kind, amount, balance and description."""
        ran = cli("ledger", "acme", "--db", url)
        assert ran.code == 0, ran.err
        history = core.ledger.history("acme").entries
        rows = [line.split("│") for line in ran.out.splitlines()[2:]]
        assert [str(e.seq) for e in history] == [r[0].strip() for r in rows]
        assert ["top_up", "usage"] == [r[2].strip() for r in rows]
        assert [str(e.amount) for e in history] == [r[3].strip() for r in rows]
        assert ["50.00 USD", "49.8500 USD"] == [r[4].strip() for r in rows]
        assert "Top-up" == rows[0][5].strip()
        assert history[0].created_at.strftime("%Y-%m-%d %H:%M:%S") == rows[0][1].strip()
        assert "More:" not in ran.out

    def test_pages(self, cli: Cli, url: str) -> None:
        """``--limit`` pages; the last line, and ``next_after``, say where the next starts."""
        ran = cli("ledger", "acme", "--limit", "1", "--db", url)
        assert ran.code == 0, ran.err
        assert ran.out.endswith("More: telcocore ledger acme --after 1\n")
        ran = cli("ledger", "acme", "--limit", "1", "--json", "--db", url)
        assert (1, [1]) == (
            json.loads(ran.out)["next_after"],
            [e["seq"] for e in json.loads(ran.out)["entries"]],
        )
        ran = cli("ledger", "acme", "--after", "1", "--json", "--db", url)
        assert ran.code == 0, ran.err
        found = json.loads(ran.out)
        assert (None, [2], "usage") == (
            found["next_after"],
            [e["seq"] for e in found["entries"]],
            found["entries"][0]["kind"],
        )
        assert {"amount": "49.8500", "currency": "USD"} == found["entries"][0]["balance"]
        ran = cli("ledger", "acme", "--after", "2", "--db", url)
        assert (0, "No transactions of acme after 2.\n") == (ran.code, ran.out)

    @pytest.mark.parametrize(
        ("args", "code", "says"),
        [
            (("nobody",), 1, "account 'nobody' not found"),
            (("acme", "--limit", "0"), 2, "--limit"),
            (("acme", "--limit", "1001"), 2, "--limit"),
            (("acme", "--after", "-1"), 2, "--after"),
            (("acme", "--after", "x"), 2, "--after"),
            (("acme", "--after", str(2**63)), 2, "--after"),
        ],
        ids=[
            "unknown-account",
            "zero-limit",
            "big-limit",
            "negative-after",
            "bad-after",
            "huge-after",
        ],
    )
    def test_bad_input_is_one_line(
        self, cli: Cli, url: str, args: tuple[str, ...], code: int, says: str
    ) -> None:
        """Bad input is one line with its exit status."""
        refused(cli("ledger", *args, "--db", url), code, says)

    def test_a_pipe_gets_whole_values(
        self, cli: Cli, url: str, monkeypatch: pytest.MonkeyPatch, core: telcocore.TelcoCore
    ) -> None:
        """Not on a terminal and without ``COLUMNS``, no value is cut to fit 80 columns."""
        monkeypatch.delenv("COLUMNS")
        ran = cli("ledger", "acme", "--db", url)
        assert ran.code == 0, ran.err
        assert max(len(line) for line in ran.out.splitlines()) > 80
        for entry in core.ledger.history("acme").entries:
            assert entry.transaction_id in ran.out
            assert f"{entry.balance} │" in ran.out
