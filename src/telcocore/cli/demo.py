"""``telcocore demo``: a made-up operator's last month, built, imported, billed and shown.

The demo writes into storage of its own: by default the SQLite file ``telcocore-demo.db``
in the current folder (never ``TELCOCORE_DB``, so it cannot write into a real database).
That file is replaced on each run, but only when it is a demo database: one whose accounts
are the demo's and no others (or a file with nothing in it). A ``--db`` given must name
empty storage. The default file is built under a temporary name beside it and put in place
once the whole demo worked, so a failed run leaves the earlier demo as it was.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import attrs
import click

import telcocore
from telcocore.audit.model.entry import AuditEntry
from telcocore.audit.services import Difference
from telcocore.billing.ledger.services import HistoryPage
from telcocore.calls.model.posting import ImportReport
from telcocore.cli.app import CommandFailed, json_option, progress, storage_file, storage_url
from telcocore.cli.audit import entry_count
from telcocore.cli.demo_output import show, to_json
from telcocore.cli.sample import (
    ACCOUNTS,
    DECK,
    RATE_CARD,
    MonthOfCalls,
    month_before,
    write_master_csv,
)
from telcocore.core import TelcoCore, schema_status
from telcocore.reporting.model.selection import CellSelection

__all__ = ["COMMANDS", "DEMO_DB", "Built", "Files", "demo"]

DEMO_DB = "telcocore-demo.db"
"""The demo's own SQLite file, in the current folder, used when ``--db`` is not given."""

DEFAULT_CALLS = 3000
MIN_CALLS, MAX_CALLS = 50, 200_000
SHOWN = ACCOUNTS[0]
"""The account whose month is shown."""

LEDGER_PAGE = 10
NEW_DEBIT_LIMIT = "750.00"


@attrs.frozen
class Files:
    """The files the demo wrote into ``--out``."""

    rate_card: Path
    master_csv: Path
    rejected: Path
    invoice_html: Path
    invoice_text: Path


@attrs.frozen
class Built:
    """What one run of the demo made, for printing or as JSON."""

    db: str
    month: MonthOfCalls
    files: Files
    deck_rates: int
    rows_written: int
    """The rows of the Master.csv: the calls, and the odd rows among them."""
    report: ImportReport
    daily: list[telcocore.SummaryRow]
    monthly: list[telcocore.SummaryRow]
    asr: CellSelection
    invoice: telcocore.Invoice
    ledger: HistoryPage
    trail: list[AuditEntry]
    change: Difference
    audit_entries: int
    accounts: list[telcocore.Account]
    balances: dict[str, telcocore.Money]
    extensions: dict[str, list[str]]
    contacts: dict[str, str]
    seconds: float = 0.0


# -- where the demo writes ------------------------------------------------------------------


def _contents(path: Path) -> frozenset[str] | str:
    """The account ids in the SQLite file ``path``, read without changing it.

    An empty set for no file, an empty file, or telcocore's tables with nothing recorded;
    a text saying what it is for a file that is not telcocore's storage.
    """
    if path.exists() and not path.is_file():
        return "it is not a file"
    if not path.exists() or path.stat().st_size == 0:
        return frozenset()
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
            if tables and not {"accounts", "audit_entries"} <= tables:
                return "it is an SQLite database but not telcocore's storage"
            ids = (
                frozenset(row[0] for row in db.execute("SELECT id FROM accounts"))
                if tables
                else frozenset()
            )
            changes = (
                db.execute("SELECT count(*) FROM audit_entries").fetchone()[0] if tables else 0
            )
    except sqlite3.DatabaseError as failed:
        return f"it cannot be read as an SQLite database ({failed})"
    return "it holds changes recorded in its audit log" if not ids and changes else ids


def _is_empty(core: TelcoCore) -> bool:
    """True when the storage holds no account, rate deck nor recorded change."""
    return not (core.accounts.list() or core.rating.decks() or core.audit.entries(limit=1).entries)


def _refuse_given(db: str, why: str) -> None:
    msg = (
        f"--db {db} {why}: the demo writes only into empty storage; give a new file, or "
        f"run without --db to use {DEMO_DB} here"
    )
    raise CommandFailed(msg)


@contextmanager
def _default_storage() -> Iterator[str]:
    """Build in a file beside ``telcocore-demo.db``; put it in place if the block succeeds."""
    target = Path(DEMO_DB)
    found = _contents(target)
    demo_ids = {account.id for account in ACCOUNTS}
    if isinstance(found, str) or (found and found != demo_ids):
        why = (
            found if isinstance(found, str) else f"it holds the accounts {', '.join(sorted(found))}"
        )
        msg = (
            f"{DEMO_DB} here was not made by telcocore demo ({why}), so it is left alone: "
            "move it away, or give --db with a new file"
        )
        raise CommandFailed(msg)
    partial = Path(f".{DEMO_DB}.partial")
    _remove(partial)
    try:
        yield storage_url(str(partial))
    except BaseException:
        _remove(partial)
        raise
    _remove(target, itself=False)
    partial.replace(target)


def _remove(path: Path, *, itself: bool = True) -> None:
    """Remove an SQLite file's journal files, and the file itself when ``itself``."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if itself:
        path.unlink(missing_ok=True)


# -- what the demo builds -------------------------------------------------------------------


def _operator(core: TelcoCore, month: MonthOfCalls, card: Path) -> tuple[int, dict[str, list[str]]]:
    """The rate deck, the number range, and the customers with contacts, numbers and credit."""
    with card.open(encoding="utf-8") as stream:
        deck = telcocore.load_rate_card(
            stream, name=DECK, currency="USD", default_effective_from=month.first_day
        )
    core.rating.save_deck(deck)
    core.numbering.set_range(1000, 100)
    extensions: dict[str, list[str]] = {}
    for account in ACCOUNTS:
        core.accounts.open(
            account.name,
            "USD",
            account_id=account.id,
            debit_limit=account.debit_limit,
            home_country=account.home_country,
            locale=account.locale,
            tax_rate=account.tax_rate,
            reason="signed up",
        )
        core.contacts.add(account.id, account.contact, account.email)
        block = core.numbering.assign_block(account.id)
        extensions[account.id] = [
            core.numbering.register_extension(account.id, str(number)).name
            for number in range(block.first, block.first + account.extensions)
        ]
        core.rating.assign(account.id, DECK)
        core.ledger.credit(
            account.id,
            account.top_up,
            idempotency_key=f"top-up:{account.id}",
            description="Top-up by card",
        )
    return len(deck.rates), extensions


def _import(core: TelcoCore, master: Path, rejected_to: Path) -> ImportReport:
    """Import the Master.csv with a progress bar, writing the rejected rows beside it."""
    with (
        progress(f"Importing {master.name}") as update,
        rejected_to.open("w", encoding="utf-8", newline="") as rejected,
    ):
        return core.calls.import_file(
            "asterisk",
            master,
            by_extension=True,
            uniqueid=True,
            tz="UTC",
            progress=update,
            rejected=rejected,
        )


def build(core: TelcoCore, db: str, month: MonthOfCalls, out: Path) -> Built:
    """Make the demo's operator, import its month of calls, bill it and read it back."""
    card = out / "telcocore-demo-rates.csv"
    card.write_text(RATE_CARD, encoding="utf-8")
    master, rejected = out / "telcocore-demo-Master.csv", out / "telcocore-demo-rejected.csv"
    rates, extensions = _operator(core, month, card)
    office = core.acting_as("alice", ip="192.0.2.10")
    office.accounts.update(SHOWN.id, debit_limit=NEW_DEBIT_LIMIT, reason="credit review passed")
    [changed] = core.audit.entries(entity_type="account", entity_key=SHOWN.id, limit=1).entries
    rows = write_master_csv(month, master)
    report = _import(core, master, rejected)

    start, end = month.first_day, month.end
    daily = core.summaries.daily(SHOWN.id, start, end, by=())
    invoice = core.invoices.generate(SHOWN.id, telcocore.Period.month(month.year, month.month))
    invoice = core.invoices.issue(invoice.number, reason="monthly billing run")
    files = Files(
        rate_card=card,
        master_csv=master,
        rejected=rejected,
        invoice_html=out / f"telcocore-demo-{invoice.number}.html",
        invoice_text=out / f"telcocore-demo-{invoice.number}.txt",
    )
    files.invoice_html.write_text(core.invoices.render_html(invoice.number), encoding="utf-8")
    files.invoice_text.write_text(core.invoices.render_text(invoice.number), encoding="utf-8")
    trail = core.audit.entries(entity_type="account", entity_key=SHOWN.id).entries
    if core.audit.verify_chain() is not None:  # pragma: no cover - a fresh chain holds
        msg = "the demo's audit chain does not verify"
        raise CommandFailed(msg)
    return Built(
        db=db,
        month=month,
        files=files,
        deck_rates=rates,
        rows_written=rows,
        report=report,
        daily=daily,
        monthly=core.summaries.monthly(SHOWN.id, start, end),
        asr=telcocore.select_cells(daily, "asr"),
        invoice=invoice,
        ledger=core.ledger.history(SHOWN.id, limit=LEDGER_PAGE),
        trail=list(reversed(trail)),
        change=core.audit.difference(changed.id),
        audit_entries=entry_count(core),
        accounts=[core.accounts.get(account.id) for account in ACCOUNTS],
        balances={account.id: core.ledger.balance(account.id) for account in ACCOUNTS},
        extensions=extensions,
        contacts={
            account.id: ", ".join(f"{c.name} <{c.email}>" for c in core.contacts.list(account.id))
            for account in ACCOUNTS
        },
    )


# -- the command ----------------------------------------------------------------------------


@click.command(name="demo")
@click.option(
    "--db",
    "db",
    default=None,
    metavar="URL",
    help=(
        f"Empty storage to build the demo in (a URL or an SQLite file's path). Default: "
        f"{DEMO_DB} here, replaced on each run; TELCOCORE_DB is not read."
    ),
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    metavar="FOLDER",
    help="Where to write the Master.csv, the rate card and the invoice. Default: here.",
)
@click.option(
    "--calls",
    type=click.IntRange(MIN_CALLS, MAX_CALLS),
    default=DEFAULT_CALLS,
    show_default=True,
    help="How many calls the month has.",
)
@json_option
def demo(db: str | None, out: Path, calls: int, *, as_json: bool) -> None:
    """Build a made-up operator's last month and show what telcocore makes of it.

    A rate deck from a CSV rate card, three customers with contacts, numbers and credit,
    a month of calls written as an Asterisk Master.csv and imported, the daily and
    monthly summaries, an issued invoice written as HTML and text, a ledger and an audit
    trail. Then try the other commands on it with --db telcocore-demo.db.
    """
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    year, month_number = month_before(datetime.now(UTC).date())
    month = MonthOfCalls(year, month_number, calls)
    if db is None:
        with _default_storage() as url, telcocore.connect(url) as core:
            built = build(core, storage_url(DEMO_DB), month, out)
        shown_db = DEMO_DB
    else:
        url = storage_url(db)
        path = storage_file(url)
        found = frozenset() if path is None else _contents(path)
        if found:
            _refuse_given(db, found if isinstance(found, str) else "holds accounts")
        status = schema_status(url)  # opening would migrate it: only a new or current schema
        if status.exists and (status.pending or status.ahead):
            _refuse_given(
                db, "holds telcocore's tables of another release (see telcocore db status)"
            )
        with telcocore.connect(url) as core:
            if not _is_empty(core):
                _refuse_given(db, "is not empty")
            built = build(core, url, month, out)
        shown_db = db
    built = attrs.evolve(built, seconds=time.perf_counter() - began)
    if as_json:
        to_json(built)
    else:
        show(built, shown_db)


COMMANDS = (demo,)
