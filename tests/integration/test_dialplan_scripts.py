"""The dialplan scripts of docs/howto/dialplan-authorize.md, run as Asterisk would run them.

Asterisk starts an AGI script, sends it the ``agi_*: value`` lines and a blank line, then
answers each command the script writes with one line, ``200 result=1``. The fake channel
here does the same and records the commands; the storage is a real SQLite file.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from tests.conftest import load_module

import telcocore
from telcocore import Rate, RateDeck, TelcoCore
from telcocore.calls.model.records import CallRecord, Direction

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "dialplan" / "agi_authorize.py"
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


agi_authorize = load_module(SCRIPT, "agi_authorize")


class Channel:
    """Asterisk's end of the AGI pipes: the environment, then one answer per command."""

    def __init__(self, **env: str) -> None:
        self._lines = [f"agi_{name}: {value}\n" for name, value in env.items()]
        self._lines.append("\n")
        self._unanswered = 0
        self._written = ""
        self.commands: list[str] = []

    def readline(self) -> str:
        """The next environment line, then ``200 result=1`` to the command just written."""
        if self._lines:
            return self._lines.pop(0)
        assert self._unanswered == 1, "the script waits for an answer to no command"
        self._unanswered = 0
        return "200 result=1\n"

    def write(self, text: str) -> int:
        """Take what the script writes: each whole line is one command."""
        self._written += text
        *whole, self._written = self._written.split("\n")
        for command in whole:
            assert self._unanswered == 0, "a command written before the last was answered"
            self.commands.append(command)
            self._unanswered += 1
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""

    def variables(self) -> dict[str, str]:
        """The channel variables the script set, by name."""
        found = {}
        for command in self.commands:
            if command.startswith("SET VARIABLE "):
                name, _, value = command.removeprefix("SET VARIABLE ").partition(" ")
                found[name] = value.strip('"')
        return found


@pytest.fixture
def url(tmp_path: Path) -> str:
    """An SQLite file with a prepaid ``acme``: two channels, 0.25 USD, UK at 0.06/min on 60/60."""
    url = f"sqlite:///{tmp_path / 'telcocore.db'}"
    with telcocore.connect(url) as core:
        core.accounts.open("Acme", "USD", account_id="acme", channel_limit=2, home_country="GB")
        core.ledger.credit("acme", "0.25", idempotency_key="top-up")
        uk = Rate(
            "44",
            "UK",
            Decimal("0.06"),
            initial_increment=60,
            subsequent_increment=60,
            effective_from=SINCE,
        )
        core.rating.save_deck(RateDeck("retail", "USD", [uk]))
        core.rating.assign("acme", "retail")
    return url


def run(url: str, action: str, uniqueid: str = "1763900000.1", **env: str) -> tuple[int, Channel]:
    """Run the script's ``action`` on a call from extension 1001 of ``acme`` to London."""
    given = {
        "request": "agi_authorize.py",
        "channel": "PJSIP/1001-00000001",
        "uniqueid": uniqueid,
        "callerid": "1001",
        "accountcode": "acme",
        "extension": "02071234567",
    }
    channel = Channel(**(given | env))
    code = agi_authorize.main([action], channel, channel, {"TELCOCORE_DB": url})
    return code, channel


def core_on(url: str) -> TelcoCore:
    """The library on the test's file."""
    return telcocore.connect(url)


class TestStart:
    """``AGI(agi_authorize.py,start)`` before ``Dial``."""

    def test_an_allowed_call_is_started_and_its_limit_set(self, url: str) -> None:
        """Two commands: the result and the longest call; the first minute is held."""
        code, channel = run(url, "start")
        assert 0 == code
        assert [
            'SET VARIABLE TELCOCORE_RESULT "ALLOWED"',
            'SET VARIABLE TELCOCORE_MAX_DURATION "240"',
        ] == channel.commands
        with core_on(url) as core:
            assert ["ast:1763900000.1"] == [c.call_id for c in core.calls.active_calls("acme")]
            assert Decimal("0.19") == core.ledger.available("acme").amount

    def test_the_same_call_asked_again_starts_once(self, url: str) -> None:
        """A retried AGI (the same unique id) holds the first minute once."""
        run(url, "start")
        code, channel = run(url, "start")
        assert 0 == code
        assert "ALLOWED" == channel.variables()["TELCOCORE_RESULT"]
        with core_on(url) as core:
            assert 1 == core.calls.channels_in_use("acme")
            assert Decimal("0.19") == core.ledger.available("acme").amount

    def test_a_call_beyond_the_channel_limit_is_refused_with_cause_34(self, url: str) -> None:
        """The third call of two channels: refused, no circuit available, nothing held."""
        run(url, "start", uniqueid="1763900000.1")
        run(url, "start", uniqueid="1763900000.2")
        code, channel = run(url, "start", uniqueid="1763900000.3")
        assert 0 == code
        assert {
            "TELCOCORE_RESULT": "REFUSED",
            "TELCOCORE_REFUSAL": "channel_limit",
            "TELCOCORE_CAUSE": "34",
        } == channel.variables()
        assert channel.commands[-1].startswith('VERBOSE "telcocore: ')
        with core_on(url) as core:
            assert 2 == core.calls.channels_in_use("acme")

    @pytest.mark.parametrize(
        ("env", "refusal"),
        [
            ({"accountcode": "globex"}, "account_unknown"),
            ({"extension": "0033142685300"}, "unrated"),
        ],
    )
    def test_a_refused_call_is_rejected_with_cause_21(
        self, url: str, env: dict[str, str], refusal: str
    ) -> None:
        """An unknown account or a number without a rate: cause 21, nothing started."""
        code, channel = run(url, "start", **env)
        assert 0 == code
        assert refusal == channel.variables()["TELCOCORE_REFUSAL"]
        assert "21" == channel.variables()["TELCOCORE_CAUSE"]
        with core_on(url) as core:
            assert 0 == core.calls.channels_in_use("acme")

    def test_no_credit_for_the_first_minute_is_refused(self, url: str) -> None:
        """0.25 USD spent elsewhere: insufficient credit, nothing held."""
        with core_on(url) as core:
            core.ledger.debit("acme", "0.25", idempotency_key="spent")
        _, channel = run(url, "start")
        assert "insufficient_credit" == channel.variables()["TELCOCORE_REFUSAL"]

    def test_a_storage_that_cannot_be_opened_says_error(self, tmp_path: Path) -> None:
        """The dialplan hears ERROR (and decides); the console hears why; exit status 1."""
        channel = Channel(uniqueid="1763900000.1", accountcode="acme", extension="02071234567")
        code = agi_authorize.main(["start"], channel, channel, {"TELCOCORE_DB": "nosuch://x"})
        assert 1 == code
        assert 'SET VARIABLE TELCOCORE_RESULT "ERROR"' == channel.commands[0]
        assert channel.commands[1].startswith('VERBOSE "telcocore: ')
        assert not list(tmp_path.iterdir())

    def test_asterisk_refusing_a_command_stops_the_script(self) -> None:
        """An answer other than 200 raises, naming the command."""
        agi = agi_authorize.Agi(_Answers("510 Invalid or unknown command\n"), _Sink())
        with pytest.raises(agi_authorize.AgiError, match="TELCOCORE_RESULT"):
            agi.set_variable("TELCOCORE_RESULT", "ALLOWED")

    def test_a_hangup_notice_before_the_answer_is_skipped(self) -> None:
        """``HANGUP`` (the caller left) comes before the command's own answer."""
        agi = agi_authorize.Agi(_Answers("HANGUP\n", "200 result=1\n"), _Sink())
        assert "200 result=1" == agi.command("VERBOSE x 1")


class TestEnd:
    """``AGI(agi_authorize.py,end)`` in the hangup handler, and the record's import."""

    def test_the_hangup_handler_frees_the_channel_and_the_hold(self, url: str) -> None:
        """No command is written; the channel is free and the credit available again."""
        run(url, "start")
        code, channel = run(url, "end")
        assert 0 == code
        assert [] == channel.commands
        with core_on(url) as core:
            assert 0 == core.calls.channels_in_use("acme")
            assert Decimal("0.25") == core.ledger.available("acme").amount

    def test_the_imported_record_ends_a_call_whose_hangup_was_lost(self, url: str) -> None:
        """The record of ``ast:<uniqueid>`` (Master.csv with loguniqueid) ends the call."""
        run(url, "start")
        record = CallRecord(
            call_id="ast:1763900000.1",
            account_id="acme",
            source="1001",
            destination="+442071234567",
            start=datetime(2026, 3, 14, 15, 0, tzinfo=UTC),
            answer=datetime(2026, 3, 14, 15, 0, tzinfo=UTC),
            end=datetime(2026, 3, 14, 15, 1, tzinfo=UTC),
            duration=60,
            billable=60,
            disposition="answered",
            direction=Direction.OUTBOUND,
        )
        with core_on(url) as core:
            assert 1 == core.calls.post(record).posted
            assert 0 == core.calls.channels_in_use("acme")
            assert Decimal("0.19") == core.ledger.available("acme").amount


class TestAsAScript:
    """The file itself, started by a Python as Asterisk starts it."""

    def test_it_talks_agi_on_its_standard_input_and_output(self, url: str) -> None:
        """One command at a time, each answered before the next is written."""
        env = {**os.environ, "TELCOCORE_DB": url}
        with subprocess.Popen(  # noqa: S603 - this interpreter and a file of the repository
            [sys.executable, str(SCRIPT), "start"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        ) as script:
            assert script.stdin is not None
            assert script.stdout is not None
            script.stdin.write(
                "agi_uniqueid: 1763900000.9\nagi_accountcode: acme\nagi_callerid: 1001\n"
                "agi_extension: 02071234567\n\n"
            )
            script.stdin.flush()
            commands = []
            for line in iter(script.stdout.readline, ""):
                commands.append(line.rstrip("\n"))
                script.stdin.write("200 result=1\n")
                script.stdin.flush()
            assert 0 == script.wait(timeout=60)
        assert [
            'SET VARIABLE TELCOCORE_RESULT "ALLOWED"',
            'SET VARIABLE TELCOCORE_MAX_DURATION "240"',
        ] == commands


class _Answers:
    def __init__(self, *lines: str) -> None:
        self._lines = list(lines)

    def readline(self) -> str:
        return self._lines.pop(0) if self._lines else ""


class _Sink:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


FS_SCRIPT = ROOT / "examples" / "dialplan" / "fs_authorize.py"
LUA_SCRIPT = ROOT / "examples" / "dialplan" / "freeswitch_authorize.lua"


fs_authorize = load_module(FS_SCRIPT, "fs_authorize")


def fs(url: str, *argv: str) -> tuple[int, str]:
    """Run ``fs_authorize.py argv`` on ``url``: its exit status and the line it printed."""
    out = io.StringIO()
    code = fs_authorize.main(list(argv), out, {"TELCOCORE_DB": url})
    return code, out.getvalue()


UUID = "7f4de4bc-1e3c-4c2b-9a8e-0d6c1b1a2f00"


class TestFreeSwitch:
    """``fs_authorize.py``, which the Lua script runs, and what the Lua script expects."""

    def test_an_allowed_call_prints_its_limit_and_is_started(self, url: str) -> None:
        """``ALLOWED 240``; the call ``fs:<uuid>`` holds the first minute."""
        assert (0, "ALLOWED 240\n") == fs(url, "start", UUID, "acme", "1001", "02071234567")
        with core_on(url) as core:
            assert [f"fs:{UUID}"] == [c.call_id for c in core.calls.active_calls("acme")]

    def test_refusals_print_the_reason_and_the_hangup_cause(self, url: str) -> None:
        """Channel limit: congestion; anything else: call rejected."""
        fs(url, "start", "a", "acme", "1001", "02071234567")
        fs(url, "start", "b", "acme", "1001", "02071234567")
        assert (0, "REFUSED channel_limit NORMAL_CIRCUIT_CONGESTION\n") == fs(
            url, "start", "c", "acme", "1001", "02071234567"
        )
        assert (0, "REFUSED account_unknown CALL_REJECTED\n") == fs(
            url, "start", "d", "globex", "1001", "02071234567"
        )

    def test_the_hangup_hook_ends_the_call(self, url: str) -> None:
        """``end UUID`` prints nothing, frees the channel and the credit."""
        fs(url, "start", UUID, "acme", "1001", "02071234567")
        assert (0, "") == fs(url, "end", UUID)
        with core_on(url) as core:
            assert 0 == core.calls.channels_in_use("acme")
            assert Decimal("0.25") == core.ledger.available("acme").amount

    def test_errors_and_bad_command_lines_print_one_error_line(self, url: str) -> None:
        """An account code that is no id, a storage that cannot be opened, a wrong call."""
        code, line = fs(url, "start", UUID, "", "1001", "02071234567")
        assert 1 == code
        assert line.startswith("ERROR ")
        assert 1 == line.count("\n")
        assert 1 == fs("nosuch://x", "end", UUID)[0]
        assert (2, f"ERROR {fs_authorize.USAGE}\n") == fs(url, "start", UUID)


class TestHungUp:
    """The caller hangs up while the script runs: Asterisk answers ``511``."""

    def test_a_dead_channel_ends_the_script_quietly(self, url: str) -> None:
        """Exit status 1, no traceback; the call started is ended by the hangup handler."""
        channel = _DeadChannel(uniqueid="1763900000.1", accountcode="acme", extension="02071234567")
        code = agi_authorize.main(["start"], channel, channel, {"TELCOCORE_DB": url})
        assert 1 == code
        assert 0 == run(url, "end")[0]
        with core_on(url) as core:
            assert 0 == core.calls.channels_in_use("acme")


class _DeadChannel(Channel):
    def readline(self) -> str:
        line = super().readline()
        return "511 Command Not Permitted on a dead channel\n" if line.startswith("200") else line


SESSION = Path(__file__).with_name("freeswitch_session.lua")


def lua(url: str, uuid: str, account: str, destination: str) -> list[str]:
    """Run the Lua script on a fake session; the lines it printed (what it did)."""
    interpreter = shutil.which("lua5.4") or shutil.which("lua")
    if interpreter is None:
        pytest.skip("no Lua interpreter (lua5.4 or lua) on PATH")
    done = subprocess.run(  # noqa: S603 - Lua running the repository's scripts
        [
            interpreter,
            str(SESSION),
            str(LUA_SCRIPT),
            sys.executable,
            str(FS_SCRIPT),
            *(uuid, account, "1001", destination),
        ],
        env={**os.environ, "TELCOCORE_DB": url},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "" == done.stderr
    return done.stdout.splitlines()


class TestLua:
    """``freeswitch_authorize.lua`` itself, in a Lua interpreter with a fake session."""

    def test_an_allowed_call_gets_its_limit_and_its_hangup_hook(self, url: str) -> None:
        """The limit runs from the answer; the hook's command ends the call."""
        printed = lua(url, UUID, "acme", "02071234567")
        hook = f"system /opt/telcocore/bin/python /opt/telcocore/fs_authorize.py end {UUID}"
        assert [
            "set telcocore_result=ALLOWED",
            "set execute_on_answer=sched_hangup +240 ALLOTTED_TIMEOUT",
            f"set api_hangup_hook={hook}",
        ] == printed
        assert (0, "") == fs(url, *hook.split()[3:])
        with core_on(url) as core:
            assert 0 == core.calls.channels_in_use("acme")

    def test_a_refused_call_is_hung_up_with_its_cause(self, url: str) -> None:
        """Unknown account: the refusal in a variable, then CALL_REJECTED."""
        assert [
            "set telcocore_result=REFUSED",
            "set telcocore_refusal=account_unknown",
            "hangup CALL_REJECTED",
        ] == lua(url, UUID, "globex", "02071234567")

    def test_no_answer_from_telcocore_fails_closed(self) -> None:
        """A storage that cannot be opened: logged, and TEMPORARY_FAILURE."""
        printed = lua("nosuch://x", UUID, "acme", "02071234567")
        assert "set telcocore_result=ERROR" == printed[0]
        assert printed[1].startswith("log WARNING telcocore: ERROR ")
        assert "hangup TEMPORARY_FAILURE" == printed[-1]

    def test_the_callers_values_never_reach_the_shell(self, url: str, tmp_path: Path) -> None:
        """A number with quotes and a command is one argument: unrated, nothing run."""
        printed = lua(url, UUID, "acme", f"0207'; touch {tmp_path}/pwned; '")
        assert "set telcocore_refusal=unrated" in printed
        assert not (tmp_path / "pwned").exists()
