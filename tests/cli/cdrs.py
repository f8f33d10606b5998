"""Call records and rate cards as switches and carriers write them, for the command's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import telcocore

CARD = """prefix,description,rate,connect_fee,initial_increment,subsequent_increment
1,North America,0.01,,60,6
44,"United Kingdom",0.06,0.10,60,6
"""
"""A rate card: North America at 0.01 a minute, the United Kingdom at 0.06 plus 0.10."""

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def asterisk_row(  # noqa: PLR0913 - the fields a test varies
    account: str,
    destination: str,
    start: datetime,
    seconds: int,
    *,
    source: str = "1001",
    uniqueid: str | None = None,
) -> str:
    """One line of an Asterisk Master.csv (16 columns; 17 with ``uniqueid``)."""
    begin = start.strftime("%Y-%m-%d %H:%M:%S")
    end = (start + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
    answer = f'"{begin}"' if seconds else ""
    disposition = "ANSWERED" if seconds else "NO ANSWER"
    fields = (
        f'"{account}","{source}","{destination}","from-internal","","SIP/{source}-01","","Dial","",'
        f'"{begin}",{answer},"{end}",{seconds},{seconds},"{disposition}","DOCUMENTATION"'
    )
    return fields + (f',"{uniqueid}"' if uniqueid is not None else "") + "\n"


def freeswitch_row(account: str, destination: str, start: datetime, seconds: int, uuid: str) -> str:
    """One line of a FreeSWITCH ``mod_cdr_csv`` file of the default template."""
    begin = start.strftime("%Y-%m-%d %H:%M:%S")
    end = (start + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
    return (
        f'"Bob","1001","{destination}","default","{begin}","{begin}","{end}","{seconds}",'
        f'"{seconds}","NORMAL_CLEARING","{uuid}","","{account}","PCMU","PCMU"\n'
    )


def master_csv(path: Path, count: int, *, account: str = "acme") -> Path:
    """A Master.csv of ``count`` answered calls of ``account`` on 14 March 2026, a minute each."""
    start = datetime(2026, 3, 14, 8, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as file:
        for n in range(count):
            number = f"+1415555{n % 10_000:04d}"
            file.write(asterisk_row(account, number, start + timedelta(seconds=n), 60))
    return path


def prepare(url: str) -> None:
    """Open ``acme`` (USD, US) priced by the deck ``retail``, and ``euro`` (EUR) without one."""
    with telcocore.connect(url) as core:
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        core.accounts.open("Euro", "EUR", account_id="euro", home_country="DE")
        deck = telcocore.load_rate_card(
            CARD, name="retail", currency="USD", default_effective_from=SINCE
        )
        core.rating.save_deck(deck)
        core.rating.assign("acme", "retail")


def balance(url: str, account: str = "acme") -> Decimal:
    """The account's balance now."""
    with telcocore.connect(url) as core:
        return core.ledger.balance(account).amount
