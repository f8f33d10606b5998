"""``telcocore db status``, ``telcocore audit``, ``audit verify`` and ``outbox deliver``."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import click
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from tests.cli.harness import Cli
from tests.cli.test_reference import sections
from tests.integration import storage_workers as workers
from tests.integration.smtp_inbox import Inbox, free_port

import telcocore
from telcocore.billing.rating.model.deck import RateDeck
from telcocore.billing.rating.model.rates import Rate
from telcocore.cli.audit import trail
from telcocore.contacts.model.credentials import ScryptHasher

FAST = ScryptHasher(n=2**10)


def _seed(url: str) -> None:
    """Acme opened and changed by alice, and a second account opened by the system."""
    with telcocore.connect(url) as core:
        alice = core.acting_as("alice", ip="203.0.113.5")
        alice.accounts.open("Acme", "USD", account_id="acme", reason="signed up")
        alice.accounts.update("acme", debit_limit="5.00", reason="credit check passed")
        alice.accounts.update("acme", name="Acme Ltd")
        core.accounts.open("Other", "EUR", account_id="other")


class TestDbStatus:
    """``telcocore db status`` reads the schema versions and changes nothing."""

    def test_a_missing_file_is_no_database_and_is_not_created(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """Without a database, it says so, exits 0, and the file is still not there."""
        ran = cli("db", "status")
        assert ran.code == 0, ran.err
        assert "no database at sqlite:///telcocore.db" in ran.out
        assert "telcocore db migrate creates it" in ran.out
        assert list(tmp_path.iterdir()) == []

    def test_a_new_storage_of_either_kind_is_no_database(self, cli: Cli, db_url: str) -> None:
        """A fresh SQLite file or PostgreSQL schema: every migration pending."""
        ran = cli("db", "status", "--db", db_url, "--json")
        assert ran.code == 0, ran.err
        found = json.loads(ran.out)
        assert found["exists"] is False
        assert found["pending"] == sum(m["release"] for m in found["modules"]) > 0
        assert {m["storage"] for m in found["modules"]} == {0}

    def test_a_migrated_storage_is_up_to_date(self, cli: Cli, db_url: str) -> None:
        """After ``db migrate`` each module is at this release's version."""
        assert cli("db", "migrate", "--db", db_url).code == 0
        ran = cli("db", "status", "--db", db_url)
        assert ran.code == 0, ran.err
        assert "up to date: no migrations pending" in ran.out
        assert "billing.ledger" in ran.out
        found = json.loads(cli("db", "status", "--db", db_url, "--json").out)
        assert found["exists"] is True
        assert found["pending"] == 0
        assert all(m["storage"] == m["release"] > 0 for m in found["modules"])

    def test_pending_migrations_are_counted_and_not_applied(self, cli: Cli, db_url: str) -> None:
        """A storage behind this release: the missing migrations are counted, none applied."""
        assert cli("db", "migrate", "--db", db_url).code == 0
        workers.execute(
            db_url, "DELETE FROM schema_migrations WHERE module = 'billing.ledger' AND version > 1"
        )
        ran = cli("db", "status", "--db", db_url, "--json")
        ledger = next(m for m in json.loads(ran.out)["modules"] if m["module"] == "billing.ledger")
        assert ledger["storage"] == 1
        assert ledger["pending"] == ledger["release"] - 1 > 0
        assert f"{ledger['pending']} migrations pending" in cli("db", "status", "--db", db_url).out
        assert workers.query(
            db_url, "SELECT MAX(version) FROM schema_migrations WHERE module = 'billing.ledger'"
        ) == [(1,)]

    def test_a_storage_newer_than_this_release_is_named(self, cli: Cli, db_url: str) -> None:
        """A module of a later release: the storage is newer, and status says which."""
        assert cli("db", "migrate", "--db", db_url).code == 0
        workers.execute(
            db_url, "INSERT INTO schema_migrations VALUES ('billing.later', 2, 'x', 'y')"
        )
        ran = cli("db", "status", "--db", db_url)
        assert ran.code == 0, ran.err
        assert "newer than this release in billing.later (version 2; this release knows 0)" in (
            " ".join(ran.out.split())
        )
        assert json.loads(cli("db", "status", "--db", db_url, "--json").out)["ahead"] == [
            "billing.later"
        ]

    @pytest.mark.parametrize(
        ("url", "says"),
        [
            ("mysql://x@y/z", "unknown storage URL"),
            ("postgresql://nobody:pw@127.0.0.1:1/x", "cannot connect to PostgreSQL"),
            (" ", "--db is empty"),
        ],
    )
    def test_a_bad_storage_is_one_line_and_status_1(self, cli: Cli, url: str, says: str) -> None:
        """A storage it cannot read: one line, status 1, and never a password."""
        ran = cli("db", "status", "--db", url)
        assert (ran.code, ran.err.count("\n")) == (1, 1)
        assert ran.err.startswith("telcocore: error: ")
        assert says in ran.err
        assert ":pw@" not in ran.err

    def test_a_file_that_is_no_database_is_refused_and_kept(self, cli: Cli, tmp_path: Path) -> None:
        """A text file named as the storage: one line, status 1, the file unchanged."""
        notes = tmp_path / "notes.db"
        notes.write_text("shopping list\n" * 200)
        ran = cli("db", "status", "--db", str(notes))
        assert (ran.code, ran.err.count("\n")) == (1, 1)
        assert "not a database" in ran.err
        assert str(notes) in ran.err  # which file it is
        assert notes.read_text() == "shopping list\n" * 200


class TestAuditTrail:
    """``telcocore audit ACCOUNT``: the account's entries, newest first, with their patches."""

    def test_entries_are_newest_first_with_their_difference(self, cli: Cli, db_url: str) -> None:
        """Each entry: number, time, actor and IP, action, entity, reason; then one op a line."""
        _seed(db_url)
        ran = cli("audit", "acme", "--db", db_url)
        assert ran.code == 0, ran.err
        heads = [line for line in ran.out.splitlines() if line.startswith("#")]
        assert [h.split()[0] for h in heads] == ["#3", "#2", "#1"]
        assert "alice from 203.0.113.5  UPDATE account acme  (credit check passed)" in heads[1]
        assert heads[1].split()[1].endswith("Z")
        lines = ran.out.splitlines()
        after = lines[lines.index(heads[1]) + 1 :]
        assert after[:2] == ['    replace /debit_limit/amount "5.00"', "    replace /version 1"]
        assert "CREATE account acme  (signed up)" in heads[2]
        assert 'replace "" {' in ran.out  # the creation: the whole account
        assert "other" not in ran.out.lower().replace("another", "")

    def test_entities_keyed_by_the_account_show_with_their_type(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """The account's rate deck assignment is in its trail; a deck named like it too."""
        url = f"sqlite:///{tmp_path / 't.db'}"
        _seed(url)
        rate = Rate(
            "44", "United Kingdom", Decimal("0.02"), effective_from=datetime(2020, 1, 1, tzinfo=UTC)
        )
        with telcocore.connect(url) as core:
            core.rating.save_deck(RateDeck("acme", "USD", [rate]))
            core.rating.assign("acme", "acme", reason="custom prices")
        ran = cli("audit", "acme", "--db", url)
        assert ran.code == 0, ran.err
        heads = [line for line in ran.out.splitlines() if line.startswith("#")]
        assert "rate_assignment acme  (custom prices)" in heads[0]
        assert " rate_deck acme" in heads[1]
        assert len(heads) == 5

    def test_limit_shows_the_newest_and_says_more_are_there(self, cli: Cli, db_url: str) -> None:
        """``--limit 1``: the newest entry, and a line saying older ones were left out."""
        _seed(db_url)
        ran = cli("audit", "--limit", "1", "acme", "--db", db_url)
        assert ran.code == 0, ran.err
        assert [line.split()[0] for line in ran.out.splitlines() if line[0] == "#"] == ["#3"]
        assert "older entries not shown" in ran.out

    def test_json_gives_every_field_and_the_patch(self, cli: Cli, db_url: str) -> None:
        """``--json``: the entries as stored (hash included), and whether there are more."""
        _seed(db_url)
        found = json.loads(cli("audit", "acme", "--db", db_url, "--json", "--limit", "2").out)
        assert found["more"] is True
        newest, second = found["entries"]
        assert (newest["seq"], newest["actor"], newest["action"]) == (3, "alice", "UPDATE")
        assert second["reason"] == "credit check passed"
        assert second["patch"][0] == {
            "op": "replace",
            "path": "/debit_limit/amount",
            "value": "5.00",
        }
        assert newest["prev_hash"] == second["hash"]

    def test_an_account_named_like_a_subcommand_comes_after_dashes(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """``telcocore audit --db X -- verify`` shows the trail of the account ``verify``."""
        url = f"sqlite:///{tmp_path / 't.db'}"
        with telcocore.connect(url) as core:
            core.accounts.open("V", "USD", account_id="verify")
        ran = cli("audit", "--db", url, "--", "verify")
        assert ran.code == 0, ran.err
        assert "CREATE account verify" in ran.out

    def test_an_unknown_account_is_one_line_and_status_1(self, cli: Cli, db_url: str) -> None:
        """An account that does not exist is an error, not an empty trail."""
        _seed(db_url)
        ran = cli("audit", "nobody", "--db", db_url)
        assert (ran.code, ran.err) == (1, "telcocore: error: account 'nobody' not found\n")
        assert ran.out == ""

    @pytest.mark.parametrize("limit", ["0", "-3", "many", str(2**63)])
    def test_a_bad_limit_is_status_2(self, cli: Cli, limit: str) -> None:
        """``--limit`` is a whole number from 1: anything else is a usage error."""
        ran = cli("audit", "acme", "--limit", limit)
        assert (ran.code, ran.err.count("\n")) == (2, 1)
        assert "--limit" in ran.err

    def test_help_shows_both_forms(self, cli: Cli) -> None:
        """The group's help names the trail and ``verify``; the trail's its own options."""
        ran = cli("audit", "--help")
        assert "Usage: telcocore audit [OPTIONS] ACCOUNT" in ran.out
        assert "telcocore audit verify [OPTIONS]" in ran.out
        ran = cli("audit", "acme", "--help")
        assert "Usage: telcocore audit [OPTIONS] ACCOUNT" in ran.out
        assert "--limit N" in ran.out

    def test_the_trail_and_its_options_are_documented(self) -> None:
        """docs/cli.md's section on ``telcocore audit ACCOUNT`` names every option."""
        section = sections()["audit"]
        assert "ACCOUNT" in section
        for param in trail.params:
            if not isinstance(param, click.Option):
                continue
            assert any(f"`{name}" in section for name in param.opts if name.startswith("--"))


class TestAuditVerify:
    """``telcocore audit verify`` walks the hash chain; a tampered row makes it exit 1."""

    def test_an_intact_chain_is_counted(self, cli: Cli, db_url: str) -> None:
        """Intact: one line with the number of entries, status 0."""
        _seed(db_url)
        ran = cli("audit", "verify", "--db", db_url)
        assert (ran.code, ran.out, ran.err) == (0, "audit chain intact: 4 entries\n", "")
        found = json.loads(cli("audit", "verify", "--db", db_url, "--json").out)
        assert found == {"intact": True, "entries": 4, "break": None}

    def test_an_empty_log_is_intact(self, cli: Cli, tmp_path: Path) -> None:
        """A storage without changes has an intact chain of no entries."""
        assert cli("db", "migrate", "--db", str(tmp_path / "new.db")).code == 0
        ran = cli("audit", "verify", "--db", str(tmp_path / "new.db"))
        assert (ran.code, ran.out) == (0, "audit chain intact: 0 entries\n")

    def test_a_storage_that_does_not_exist_is_not_intact(self, cli: Cli, tmp_path: Path) -> None:
        """A wrong path (a backup's, say) is an error, not a chain of 0 entries; nothing is made."""
        ran = cli("audit", "verify", "--db", str(tmp_path / "typo.db"))
        assert (ran.code, ran.out, ran.err.count("\n")) == (1, "", 1)
        assert "no database at" in ran.err
        assert not (tmp_path / "typo.db").exists()

    def test_an_altered_entry_is_named_and_status_1(self, cli: Cli, db_url: str) -> None:
        """A reason rewritten with raw SQL: the entry is named on one line, status 1."""
        _seed(db_url)
        workers.execute(db_url, "UPDATE audit_entries SET reason = 'nothing to see' WHERE seq = 2")
        ran = cli("audit", "verify", "--db", db_url)
        assert ran.code == 1
        assert ran.out == ""
        assert ran.err.startswith("telcocore: error: audit chain broken at audit entry #2 (")
        assert ran.err.endswith("was altered after it was written\n")
        ran = cli("audit", "verify", "--db", db_url, "--json")
        assert ran.code == 1
        assert "audit entry #2" in ran.err
        found = json.loads(ran.out)
        assert (found["intact"], found["break"]["seq"]) == (False, 2)

    def test_a_removed_entry_is_found(self, cli: Cli, db_url: str) -> None:
        """An entry deleted from the middle breaks the chain at its number."""
        _seed(db_url)
        workers.execute(db_url, "DELETE FROM audit_entries WHERE seq = 3")
        ran = cli("audit", "verify", "--db", db_url)
        assert ran.code == 1
        assert "audit entry #3" in ran.err
        assert "missing" in ran.err

    def test_verify_is_documented(self) -> None:
        """The reference has a section on ``telcocore audit verify`` and its exit status."""
        assert "exit" in sections()["audit verify"].lower()


# -- telcocore outbox deliver ---------------------------------------------------------------


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A plain SMTP server on loopback, and its port."""
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    handler.hold.clear()
    controller.stop()


def _queue(url: str, *addresses: str) -> None:
    """Acme with a contact per address, each sent a verification code by email."""
    with telcocore.connect(url, password_hasher=FAST) as core:
        if "acme" not in {a.id for a in core.accounts.list()}:
            core.accounts.open("Acme", "USD", account_id="acme")
        for address in addresses:
            contact = core.contacts.add("acme", address.partition("@")[0], address)
            core.contacts.send_code(contact.id, "email")


def _counts(url: str) -> tuple[int, int]:
    with telcocore.connect(url) as core:
        counts = core.outbox.counts()
    return counts.due, counts.deferred


def _smtp(port: int) -> str:
    return f"smtp://127.0.0.1:{port}?security=plain&from=billing@telco.example&timeout=5"


class TestDeliver:
    """``telcocore outbox deliver``: the outbox's email through a real SMTP server."""

    def test_every_due_message_is_sent_and_counted(
        self, cli: Cli, db_url: str, inbox: tuple[Inbox, int]
    ) -> None:
        """Each queued email reaches the server from the URL's sender; none is left."""
        handler, port = inbox
        _queue(db_url, "cy@example.com", "di@example.com")
        ran = cli("outbox", "deliver", "--smtp", _smtp(port), "--db", db_url)
        assert (ran.code, ran.err) == (0, "")
        assert ran.out == "sent 2, failed 0, skipped 0, late 0; left: 0 due, 0 deferred\n"
        assert sorted(str(m["To"]) for m in handler.messages) == [
            "cy@example.com",
            "di@example.com",
        ]
        assert {str(m["From"]) for m in handler.messages} == {"billing@telco.example"}
        ran = cli("outbox", "deliver", "--smtp", _smtp(port), "--db", db_url, "--json")
        assert json.loads(ran.out) == dict.fromkeys(
            ("sent", "failed", "skipped", "late", "due", "deferred"), 0
        )
        assert len(handler.messages) == 2

    def test_the_environment_names_the_server(
        self, cli: Cli, tmp_path: Path, inbox: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without ``--smtp``, ``TELCOCORE_SMTP`` names the server."""
        handler, port = inbox
        _queue(f"sqlite:///{tmp_path / 'telcocore.db'}", "cy@example.com")
        monkeypatch.setenv("TELCOCORE_SMTP", _smtp(port))
        ran = cli("outbox", "deliver")
        assert ran.code == 0, ran.err
        assert ran.out.startswith("sent 1,")
        assert len(handler.messages) == 1

    def test_a_server_that_is_down_leaves_the_message_deferred(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """Refused: counted failed, a warning on stderr, status 0, the message kept."""
        url = f"sqlite:///{tmp_path / 't.db'}"
        _queue(url, "cy@example.com")
        ran = cli("outbox", "deliver", "--smtp", _smtp(free_port()), "--db", url)
        assert ran.code == 0
        assert ran.out == "sent 0, failed 1, skipped 0, late 0; left: 0 due, 1 deferred\n"
        assert ran.err.startswith("telcocore: warning: message ")
        assert "not delivered via smtp 127.0.0.1:" in ran.err
        assert _counts(url) == (0, 1)

    def test_tls_with_a_login_and_a_private_authority(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """STARTTLS, a percent-encoded password and ``cafile``: the message is sent."""
        authority = trustme.CA()
        pem = tmp_path / "ca.pem"
        authority.cert_pem.write_to_path(str(pem))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(context)
        handler, port, secret = Inbox(), free_port(), "p@ss:w/rd"

        def check(*args: object) -> AuthResult:
            data = args[-1]
            ok = isinstance(data, LoginPassword) and data.password == secret.encode()
            return AuthResult(success=ok)

        controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=port,
            tls_context=context,
            require_starttls=True,
            auth_require_tls=True,
            authenticator=check,
        )
        controller.start()
        try:
            url = f"sqlite:///{tmp_path / 't.db'}"
            _queue(url, "cy@example.com")
            smtp = f"smtp://noc:{quote(secret, safe='')}@127.0.0.1:{port}"
            monkeypatch.setenv("TELCOCORE_SMTP", f"{smtp}?from=noc@telco.example&cafile={pem}")
            ran = cli("outbox", "deliver", "--db", url)
        finally:
            controller.stop()
        assert (ran.code, ran.err) == (0, "")
        assert ran.out.startswith("sent 1,")
        assert len(handler.messages) == 1

    def test_without_a_server_it_refuses(self, cli: Cli, tmp_path: Path) -> None:
        """No ``--smtp`` and no ``TELCOCORE_SMTP``: one line, status 1, nothing sent."""
        url = f"sqlite:///{tmp_path / 't.db'}"
        _queue(url, "cy@example.com")
        ran = cli("outbox", "deliver", "--db", url)
        assert ran.code == 1
        assert ran.err == (
            "telcocore: error: no SMTP server to deliver through: give --smtp URL or set "
            "TELCOCORE_SMTP\n"
        )
        assert _counts(url) == (1, 0)

    @pytest.mark.parametrize(
        ("smtp", "says"),
        [
            ("http://mail.example.com?from=a@b.c", "must start with smtp:// or smtps://"),
            ("smtp://?from=a@b.c", "names no server"),
            ("smtp://mail.example.com", "needs the sender's address"),
            ("smtp://mail.example.com?from=nobody", "not one email address"),
            ("smtp://mail.example.com?from=a@b.c,d@e.f", "not one email address"),
            ("smtp://mail.example.com?from=a@b.c&security=ssl", "use one of plain, starttls"),
            ("smtps://mail.example.com?from=a@b.c&security=plain", "leave out security="),
            ("smtp://mail.example.com:99999?from=a@b.c", "cannot be read"),
            ("smtp://mail.example.com?from=a@b.c&timeout=0", "timeout='0'"),
            ("smtp://mail.example.com?from=a@b.c&timeout=600", "at most 120"),
            ("smtp://mail.example.com?from=a@b.c&tls=yes", "unknown option(s) tls"),
            ("smtp://mail.example.com?from=a@b.c&from=d@e.f", "gives an option twice"),
            ("smtp://noc@mail.example.com?from=a@b.c", "both a user name and a password"),
            ("smtp://mail.example.com/x?from=a@b.c", "has a path"),
            ("smtp://mail.example.com?from=a@b.c&cafile=/no/such.pem", "cannot be read"),
            ("smtp://noc:s3cret@mail.example.com?from=bad", "not one email address"),
        ],
    )
    def test_an_unusable_smtp_url_is_one_line_and_status_1(
        self, cli: Cli, tmp_path: Path, smtp: str, says: str
    ) -> None:
        """An SMTP URL it cannot use: one line naming the problem, never the password."""
        url = f"sqlite:///{tmp_path / 't.db'}"
        _queue(url, "cy@example.com")
        ran = cli("outbox", "deliver", "--smtp", smtp, "--db", url)
        assert (ran.code, ran.err.count("\n")) == (1, 1), ran.err
        assert ran.err.startswith("telcocore: error: SMTP URL ")
        assert says in ran.err
        assert "s3cret" not in ran.err
        assert _counts(url) == (1, 0)

    @pytest.mark.parametrize(
        ("args", "code", "says"),
        [
            (("--interval", "5"), 2, "--interval needs --loop"),
            (("--loop", "--interval", "0"), 1, "--interval 0.0 must be a number of seconds"),
            (("--loop", "--interval", "soon"), 2, "'soon' is not a valid float"),
        ],
    )
    def test_a_bad_interval_is_refused_before_anything_is_sent(
        self, cli: Cli, tmp_path: Path, args: tuple[str, ...], code: int, says: str
    ) -> None:
        """``--interval`` without ``--loop``, or not a positive number of seconds."""
        url = f"sqlite:///{tmp_path / 't.db'}"
        _queue(url, "cy@example.com")
        ran = cli("outbox", "deliver", *args, "--smtp", _smtp(free_port()), "--db", url)
        assert (ran.code, ran.err.count("\n")) == (code, 1), ran.err
        assert says in ran.err
        assert _counts(url) == (1, 0)


def _start_loop(url: str, port: int, tmp_path: Path, *more: str) -> subprocess.Popen[str]:
    """``telcocore outbox deliver --loop`` (and ``more``) in a process of its own."""
    source = str(Path(telcocore.__file__).resolve().parents[1])
    environment = os.environ | {"PYTHONPATH": source, "TELCOCORE_SMTP": _smtp(port)}
    command = ["outbox", "deliver", "--loop", "--interval", "0.1", "--db", url, *more]
    return subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "telcocore", *command],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` (a bound for a broken build, not a timing assertion)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


class TestDeliverLoop:
    """``--loop`` in its own process: it delivers as messages come, and stops on a signal."""

    @pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
    def test_it_delivers_until_signalled_then_exits_0(
        self, tmp_path: Path, inbox: tuple[Inbox, int], stop: signal.Signals
    ) -> None:
        """Messages queued before and while it runs are sent; a signal ends it with status 0."""
        handler, port = inbox
        url = f"sqlite:///{tmp_path / 't.db'}"
        _queue(url, "cy@example.com")
        loop = _start_loop(url, port, tmp_path)
        try:
            _until(lambda: len(handler.messages) == 1)
            _queue(url, "di@example.com")
            _until(lambda: len(handler.messages) == 2)
            loop.send_signal(stop)
            out, err = loop.communicate(timeout=60)
        finally:
            loop.kill()
        assert (loop.returncode, err) == (0, "")
        assert out.splitlines()[-1] == (
            "stopped: sent 2, failed 0, skipped 0, late 0; left: 0 due, 0 deferred"
        )
        assert _counts(url) == (0, 0)

    def test_json_is_one_document_a_line_stamped_as_the_converter_writes_times(
        self, tmp_path: Path, inbox: tuple[Inbox, int]
    ) -> None:
        """With ``--json``, each burst and the end are a JSON line; ``at`` is ISO 8601 UTC."""
        handler, port = inbox
        url = f"sqlite:///{tmp_path / 't.db'}"
        _queue(url, "cy@example.com")
        loop = _start_loop(url, port, tmp_path, "--json")
        try:
            _until(lambda: len(handler.messages) == 1)
            loop.send_signal(signal.SIGTERM)
            out, err = loop.communicate(timeout=60)
        finally:
            loop.kill()
        assert (loop.returncode, err) == (0, "")
        burst = json.loads(out.splitlines()[0])
        assert burst["sent"] == 1
        assert burst["at"].endswith("+00:00")
        assert datetime.fromisoformat(burst["at"]).utcoffset() == timedelta(0)
        assert all(isinstance(json.loads(line), dict) for line in out.splitlines())

    def test_the_message_in_flight_is_finished_and_recorded(
        self, tmp_path: Path, inbox: tuple[Inbox, int]
    ) -> None:
        """SIGTERM while the server holds a message: it is sent, recorded, then the exit."""
        handler, port = inbox
        url = f"sqlite:///{tmp_path / 't.db'}"
        _queue(url, "cy@example.com", "di@example.com")
        handler.hold.set()
        loop = _start_loop(url, port, tmp_path)
        try:
            _until(handler.arrived.is_set)
            loop.send_signal(signal.SIGTERM)
            assert loop.poll() is None  # still sending
            handler.hold.clear()
            out, err = loop.communicate(timeout=60)
        finally:
            loop.kill()
        assert (loop.returncode, err) == (0, "")
        assert len(handler.messages) == 1  # the one in flight; the next was not begun
        assert out.splitlines()[-1].startswith("stopped: sent 1, failed 0,")
        assert _counts(url) == (1, 0)
