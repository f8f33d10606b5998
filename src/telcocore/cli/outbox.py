"""``telcocore outbox deliver``: send the outbox's email through an SMTP server.

The server is named by an SMTP URL, from ``--smtp`` or ``TELCOCORE_SMTP``::

    smtp://user:password@mail.example.com:587?from=billing@example.com
    smtps://mail.example.com?from=billing@example.com&timeout=20
    smtp://127.0.0.1:25?security=plain&from=noc@localhost

``smtp://`` upgrades the connection with STARTTLS (port 587 by default) unless
``security=plain`` (port 25) or ``security=tls`` says otherwise; ``smtps://`` is TLS from
the start (port 465). ``from`` (the sender's address) is required; ``timeout`` (seconds,
default 10) and ``cafile`` (a PEM file of the authorities to trust instead of the
system's) are optional. The user name and password are percent-decoded, and never shown.
"""

from __future__ import annotations

import json
import logging
import signal
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType
from typing import Final
from urllib.parse import parse_qsl, unquote, urlsplit

import click

from telcocore.adapters.smtp import SmtpConfig, SmtpNotifier, SmtpSecurity
from telcocore.cli.app import (
    CommandFailed,
    db_option,
    json_option,
    open_core,
    print_json,
    warn,
)
from telcocore.core import TelcoCore
from telcocore.kernel.errors import ConfigurationError
from telcocore.kernel.serialization import converter
from telcocore.kernel.validation import without_passwords
from telcocore.notifications.services import DeliveryReport, validate_interval
from telcocore.platform.sql.options import seconds_setting

__all__ = ["COMMANDS", "ENV_SMTP", "smtp_config"]

ENV_SMTP: Final = "TELCOCORE_SMTP"
"""The environment variable holding the SMTP URL when ``--smtp`` is not given."""

DEFAULT_INTERVAL: Final = 10.0
"""Seconds between two looks at the outbox with ``--loop``, by default."""

DEFAULT_TIMEOUT: Final = 10.0
"""Seconds to wait for the SMTP server without ``timeout=`` in the URL."""

MAX_TIMEOUT: Final = 120.0
"""The longest SMTP timeout a URL may ask for: well below the outbox's claim of 5 minutes."""

_PORTS: Final = {SmtpSecurity.PLAIN: 25, SmtpSecurity.STARTTLS: 587, SmtpSecurity.TLS: 465}
_OPTIONS: Final = ("from", "security", "timeout", "cafile")
_PER_RUN: Final = 100
"""Messages one run without ``--loop`` sends before it looks at the outbox again."""
_NAP: Final = 0.2
"""How often, in seconds, a waiting ``--loop`` looks whether it was asked to stop."""


def _bad(url: str, problem: str) -> CommandFailed:
    return CommandFailed(f"SMTP URL {without_passwords(url)!r} {problem}")


def _security(url: str, scheme: str, value: str | None) -> SmtpSecurity:
    if scheme == "smtps":
        if value not in {None, SmtpSecurity.TLS.value}:
            raise _bad(url, "is smtps:// (TLS from the start): leave out security=")
        return SmtpSecurity.TLS
    try:
        return SmtpSecurity(value or SmtpSecurity.STARTTLS.value)
    except ValueError:
        names = ", ".join(s.value for s in SmtpSecurity)
        raise _bad(url, f"has security={value!r}: use one of {names}") from None


def _timeout(url: str, value: str | None) -> float:
    if value is None:
        return DEFAULT_TIMEOUT
    try:
        return seconds_setting(value, name="timeout", maximum=MAX_TIMEOUT)
    except ConfigurationError:
        raise _bad(
            url, f"has timeout={value!r}: give seconds, more than 0, at most {MAX_TIMEOUT:g}"
        ) from None


def _sender(url: str, value: str | None) -> str:
    if value is None:
        raise _bad(url, "needs the sender's address: add ?from=billing@example.com")
    local, at, domain = value.partition("@")
    if not (local and at and domain) or any(c.isspace() or c in "<>,;\"'" for c in value):
        raise _bad(url, f"has from={value!r}, which is not one email address")
    return value


def _context(url: str, cafile: str | None) -> ssl.SSLContext | None:
    if cafile is None:
        return None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise _bad(url, f"has cafile={cafile!r}, which cannot be read: {exc}") from None


def smtp_config(url: str) -> SmtpConfig:
    """The SMTP settings an SMTP URL names (see the module), or a one-line error."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:  # an unclosed "[", a port that is no number or too big
        raise _bad(url, f"cannot be read: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in {"smtp", "smtps"}:
        raise _bad(url, "must start with smtp:// or smtps://")
    if not parts.hostname:
        raise _bad(url, "names no server: smtp://host:port?from=...")
    if parts.path not in {"", "/"} or parts.fragment:
        raise _bad(url, "has a path or fragment: give only smtp://host:port?options")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    options = dict(pairs)
    unknown = sorted({key for key, _ in pairs} - set(_OPTIONS))
    if unknown:
        raise _bad(url, f"has unknown option(s) {', '.join(unknown)}; use {', '.join(_OPTIONS)}")
    if len(options) != len(pairs):
        raise _bad(url, "gives an option twice")
    username = None if parts.username is None else unquote(parts.username)
    password = None if parts.password is None else unquote(parts.password)
    if (username is None) != (password is None) or username == "":
        raise _bad(
            url, "must give both a user name and a password (user:password@host), or neither"
        )
    security = _security(url, scheme, options.get("security"))
    return SmtpConfig(
        parts.hostname,
        _PORTS[security] if port is None else port,
        security=security,
        from_address=_sender(url, options.get("from")),
        username=username,
        password=password,
        timeout=_timeout(url, options.get("timeout")),
        ssl_context=_context(url, options.get("cafile")),
    )


class _Stop:
    """Set by SIGTERM or SIGINT: finish the message being sent, then stop."""

    def __init__(self) -> None:
        self.asked = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        del signum, frame
        self.asked = True

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds``, or less once asked to stop."""
        end = time.monotonic() + seconds
        while not self.asked and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, _NAP))


@contextmanager
def _stopped_by_signals() -> Iterator[_Stop]:
    stop = _Stop()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Warnings(logging.Handler):
    """The library's warnings (a refused delivery) as ``telcocore: warning: ...`` lines."""

    def emit(self, record: logging.LogRecord) -> None:
        warn(record.getMessage())


@contextmanager
def _warnings_on_stderr() -> Iterator[None]:
    logger = logging.getLogger("telcocore")
    handler = _Warnings(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _add(total: DeliveryReport, report: DeliveryReport) -> DeliveryReport:
    return DeliveryReport(
        sent=total.sent + report.sent,
        failed=total.failed + report.failed,
        skipped=total.skipped + report.skipped,
        late=total.late + report.late,
    )


def _summary(core: TelcoCore, report: DeliveryReport) -> dict[str, int]:
    counts = core.outbox.counts()
    return {
        "sent": report.sent,
        "failed": report.failed,
        "skipped": report.skipped,
        "late": report.late,
        "due": counts.due,
        "deferred": counts.deferred,
    }


def _line(summary: dict[str, int]) -> str:
    return (
        f"sent {summary['sent']}, failed {summary['failed']}, skipped {summary['skipped']}, "
        f"late {summary['late']}; left: {summary['due']} due, {summary['deferred']} deferred"
    )


def _print(summary: dict[str, int], *, as_json: bool, stamped: bool) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    if as_json:  # one JSON document a line; the time as the library's converter writes it
        stamp = {"at": converter.unstructure(now)} if stamped else {}
        click.echo(json.dumps(stamp | summary))
    else:
        click.echo(
            (f"{now.isoformat().replace('+00:00', 'Z')} " if stamped else "") + _line(summary)
        )


def _deliver_once(core: TelcoCore) -> DeliveryReport:
    """Deliver until nothing is due (each message once: a refused one waits its delay)."""
    total = DeliveryReport(sent=0, failed=0)
    while (report := core.outbox.deliver_pending(limit=_PER_RUN)).progressed:
        total = _add(total, report)
    return total


def _deliver_until_stopped(core: TelcoCore, interval: float, *, as_json: bool) -> DeliveryReport:
    """Deliver one message at a time, looking every ``interval`` seconds, until a signal."""
    total = DeliveryReport(sent=0, failed=0)
    with _stopped_by_signals() as stop:
        while not stop.asked:
            burst = DeliveryReport(sent=0, failed=0)
            while not stop.asked and (report := core.outbox.deliver_pending(limit=1)).progressed:
                burst = _add(burst, report)
            if burst.progressed:
                _print(_summary(core, burst), as_json=as_json, stamped=True)
                total = _add(total, burst)
            stop.wait(interval)
    return total


@click.group(name="outbox")
def outbox_group() -> None:
    """The outbox: messages (passwords, codes, low-balance alerts) waiting to be sent."""


@outbox_group.command(name="deliver")
@click.option("--loop", is_flag=True, help="Keep delivering until SIGTERM or Ctrl-C.")
@click.option(
    "--interval",
    type=float,
    default=None,
    metavar="SECONDS",
    help=f"With --loop: seconds between looks at the outbox.  [default: {DEFAULT_INTERVAL:g}]",
)
@click.option(
    "--smtp",
    envvar=ENV_SMTP,
    metavar="URL",
    help=(
        "The SMTP server: smtp://user:pass@host:587?from=billing@example.com "
        f"(smtps:// for TLS on 465). Default: ${ENV_SMTP}."
    ),
)
@db_option
@json_option
def deliver(
    *, loop: bool, interval: float | None, smtp: str | None, db: str, as_json: bool
) -> None:
    """Send the email waiting in the outbox through the SMTP server; print what was sent.

    Without --loop: every message due now, once, then exit (for cron). With --loop: until
    SIGTERM or SIGINT, which let the message being sent finish; then exit 0 (for systemd).
    A message the server refuses stays in the outbox and is tried again later.
    """
    if interval is not None and not loop:
        msg = "--interval needs --loop"
        raise click.UsageError(msg)
    seconds = validate_interval(
        DEFAULT_INTERVAL if interval is None else interval, name="--interval"
    )
    if smtp is None or not smtp.strip():
        msg = f"no SMTP server to deliver through: give --smtp URL or set {ENV_SMTP}"
        raise CommandFailed(msg)
    notifier = SmtpNotifier(smtp_config(smtp))
    with _warnings_on_stderr(), open_core(db, notifier=notifier) as core:
        if loop:
            total = _deliver_until_stopped(core, seconds, as_json=as_json)
            summary = _summary(core, total)
            if as_json:
                click.echo(json.dumps({"stopped": True} | summary))
            else:
                click.echo(f"stopped: {_line(summary)}")
            return
        summary = _summary(core, _deliver_once(core))
    if as_json:
        print_json(summary)
    else:
        click.echo(_line(summary))


COMMANDS = (outbox_group,)
