"""The made-up operator ``telcocore demo`` builds: its rate card, customers and a month of calls.

Everything here is data, generated without storage: a CSV rate card, three customer
accounts, and the call records of one month written as an Asterisk ``Master.csv`` (the
``cdr_csv`` columns with ``loguniqueid``, times in UTC as with ``usegmtime=yes``). The calls
come from :class:`random.Random` with a fixed seed, so the same month and count give the
same file. A few rows are broken on purpose, as real files have them, to show what the
importer rejects, and two calls go where the rate card has no rate, to show that such a
call is never posted free.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO

import attrs

__all__ = [
    "ACCOUNTS",
    "DECK",
    "RATE_CARD",
    "SEED",
    "DemoAccount",
    "MonthOfCalls",
    "month_before",
    "write_master_csv",
]

SEED = 20260314
"""The seed of the calls: the same month and count give the same file."""

DECK = "retail"
"""The name of the demo's rate deck."""

RATE_CARD = """\
prefix,description,rate,connect_fee,initial_increment,subsequent_increment
1,United States,0.0090,,6,6
1800,US toll-free,0.0000,,1,1
1888,US toll-free,0.0000,,1,1
1900,US premium,0.9900,0.2500,60,60
1416,Canada Toronto,0.0120,,6,6
1647,Canada Toronto,0.0120,,6,6
1905,Canada Ontario,0.0120,,6,6
1514,Canada Montreal,0.0120,,6,6
1604,Canada Vancouver,0.0120,,6,6
44,United Kingdom,0.0210,,30,6
4420,UK London,0.0150,,1,1
447,UK mobile,0.0480,,30,6
449,UK premium,0.6500,0.2000,60,60
49,Germany,0.0230,,30,6
4930,Germany Berlin,0.0190,,1,1
4915,Germany mobile,0.0690,,30,6
4916,Germany mobile,0.0690,,30,6
4917,Germany mobile,0.0690,,30,6
33,France,0.0220,,60,60
331,France Paris,0.0180,,60,60
336,France mobile,0.0590,0.0100,60,60
337,France mobile,0.0590,0.0100,60,60
52,Mexico,0.0350,,60,60
5255,Mexico City,0.0250,,60,60
61,Australia,0.0390,,30,6
91,India,0.0290,,30,6
8816,Iridium satellite,7.9900,0.5000,60,60
8817,Iridium satellite,7.9900,0.5000,60,60
"""
"""The demo's rate card, in USD per minute: a prefix, its connect fee and its A/B increments."""


@attrs.frozen
class DemoAccount:
    """One customer of the demo, with what it is opened with and how it calls."""

    id: str
    name: str
    home_country: str
    locale: str
    tax_rate: Decimal
    debit_limit: Decimal
    top_up: Decimal
    contact: str
    email: str
    extensions: int
    """How many extensions (users) it has, numbered from the start of its block."""
    weight: int
    """Its share of the calls."""
    utc_offset: int
    """Its office's hours behind UTC, for its busy hours."""
    area_codes: tuple[str, ...]
    """Where its domestic calls go."""


ACCOUNTS = (
    DemoAccount(
        id="demo-acme",
        name="Acme Corporation",
        home_country="US",
        locale="en_US",
        tax_rate=Decimal("0.08"),
        debit_limit=Decimal("500.00"),
        top_up=Decimal("300.00"),
        contact="Wile E. Coyote",
        email="billing@acme.example.com",
        extensions=8,
        weight=5,
        utc_offset=5,
        area_codes=("212", "646", "718", "617", "415"),
    ),
    DemoAccount(
        id="demo-globex",
        name="Globex Canada Inc.",
        home_country="CA",
        locale="en_CA",
        tax_rate=Decimal("0.13"),
        debit_limit=Decimal("0.00"),
        top_up=Decimal("200.00"),
        contact="Hank Scorpio",
        email="accounts@globex.example.com",
        extensions=5,
        weight=3,
        utc_offset=5,
        area_codes=("416", "647", "905", "514", "604"),
    ),
    DemoAccount(
        id="demo-initech",
        name="Initech LLC",
        home_country="US",
        locale="en_US",
        tax_rate=Decimal("0.0825"),
        debit_limit=Decimal("100.00"),
        top_up=Decimal("100.00"),
        contact="Bill Lumbergh",
        email="finance@initech.example.com",
        extensions=3,
        weight=2,
        utc_offset=6,
        area_codes=("512", "214", "713"),
    ),
)
"""The demo's customers; ``demo-acme`` is the one whose month is shown."""

_DIGITS = "0123456789"
_SATURDAY = 5

# Where calls go besides the account's own country: (weight, a function of the random
# source giving an E.164 number). London numbers are in the range Ofcom keeps for drama
# (020 7946 0xxx).
_ABROAD = (
    (60, lambda r: "+1" + r.choice(("212", "617", "415", "312", "206")) + _local(r)),
    (8, lambda r: "+1" + r.choice(("416", "514", "604")) + _local(r)),
    (5, lambda r: "+1" + r.choice(("800", "888")) + _local(r)),
    (6, lambda r: "+442079460" + _n(r, 3)),
    (3, lambda r: "+447" + r.choice("45789") + _n(r, 8)),
    (3, lambda r: "+4930" + _n(r, 8)),
    (2, lambda r: "+49151" + _n(r, 8)),
    (3, lambda r: "+331" + _n(r, 8)),
    (2, lambda r: "+336" + _n(r, 8)),
    (2, lambda r: "+5255" + _n(r, 8)),
    (1, lambda r: "+612" + _n(r, 8)),
    (1, lambda r: "+9122" + _n(r, 8)),
    (1, lambda r: "+1900" + _local(r)),
)
_ABROAD_WEIGHTS = [weight for weight, _ in _ABROAD]

_DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")
_DISPOSITION_WEIGHTS = (64, 22, 9, 4, 1)

# Calls per local hour of a working day: quiet at night, busy mornings and afternoons.
_HOURS = (0, 0, 0, 0, 0, 1, 2, 6, 14, 22, 24, 20, 12, 16, 21, 20, 15, 8, 4, 3, 2, 1, 1, 0)


def _n(r: random.Random, count: int) -> str:
    return "".join(r.choice(_DIGITS) for _ in range(count))


def _local(r: random.Random) -> str:
    """A North American subscriber number: an exchange not starting with 0 or 1, four digits."""
    return str(r.randint(200, 999)) + _n(r, 4)


def month_before(today: date) -> tuple[int, int]:
    """The last full month before ``today``: ``(2026, 10)`` for any day of November 2026.

    >>> month_before(date(2026, 1, 31))
    (2025, 12)
    """
    first = today.replace(day=1) - timedelta(days=1)
    return first.year, first.month


@attrs.frozen
class _Call:
    account: DemoAccount
    source: str
    destination: str
    start: datetime
    ring: int
    billsec: int
    disposition: str

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.ring + self.billsec)


@attrs.frozen
class MonthOfCalls:
    """The calls of one month: ``count`` calls, made again the same from ``seed``."""

    year: int
    month: int
    count: int
    seed: int = SEED

    @property
    def first_day(self) -> datetime:
        """Midnight UTC of the month's first day."""
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """Midnight UTC of the next month's first day (excluded)."""
        return (self.first_day + timedelta(days=32)).replace(day=1)

    def calls(self) -> Iterator[_Call]:
        """The month's calls in the order they ended, as Asterisk writes them."""
        r = random.Random(f"{self.seed}:{self.year}-{self.month:02d}:{self.count}")  # noqa: S311 - made-up data
        days = (self.end - self.first_day).days
        day_weights = [
            4 if (self.first_day + timedelta(days=d)).weekday() < _SATURDAY else 1
            for d in range(days)
        ]
        weights = [account.weight for account in ACCOUNTS]
        made = [
            self._call(r, r.choices(ACCOUNTS, weights)[0], days, day_weights)
            for _ in range(self.count)
        ]
        return iter(sorted(made, key=lambda call: call.end))

    def _call(
        self, r: random.Random, account: DemoAccount, days: int, day_weights: list[int]
    ) -> _Call:
        while True:
            day = r.choices(range(days), day_weights)[0]
            hour = r.choices(range(24), _HOURS)[0] + account.utc_offset
            start = self.first_day + timedelta(
                days=day, hours=hour, minutes=r.randrange(60), seconds=r.randrange(60)
            )
            if start < self.end - timedelta(hours=3):  # ends in the month too
                break
        disposition = r.choices(_DISPOSITIONS, _DISPOSITION_WEIGHTS)[0]
        destination = self._destination(r, account)
        expensive = destination.startswith(("+1900", "+881"))
        if disposition == "ANSWERED":
            ring = r.randint(2, 20)
            billsec = max(1, min(7200, round(r.lognormvariate(4.3, 1.1))))
            if expensive:
                billsec = min(billsec, 240)
        else:
            ring = r.randint(5, 40) if disposition == "NO ANSWER" else r.randint(0, 3)
            billsec = 0
        source = str(1000 + 100 * ACCOUNTS.index(account) + r.randrange(account.extensions))
        return _Call(account, source, destination, start, ring, billsec, disposition)

    @staticmethod
    def _destination(r: random.Random, account: DemoAccount) -> str:
        if r.random() < 0.002:  # noqa: PLR2004 - a rare satellite call
            return "+881" + r.choice("67") + _n(r, 8)
        if r.random() < 0.7:  # noqa: PLR2004 - most calls stay in the country
            return "+1" + r.choice(account.area_codes) + _local(r)
        return r.choices(_ABROAD, _ABROAD_WEIGHTS)[0][1](r)


def _fields(call: _Call, number: int) -> list[object]:
    """A call as the 17 fields ``cdr_csv`` writes with ``loguniqueid``."""
    stamp = "%Y-%m-%d %H:%M:%S"
    answered = call.disposition == "ANSWERED"
    answer = call.start + timedelta(seconds=call.ring)
    return [
        "",
        call.source,
        call.destination,
        "from-internal",
        f'"{call.account.name.split()[0]}" <{call.source}>',
        f"SIP/{call.source}-{number:08x}",
        f"SIP/trunk-{number + 1:08x}" if answered else "",
        "Dial",
        f"SIP/trunk/{call.destination},60",
        call.start.strftime(stamp),
        answer.strftime(stamp) if answered else None,
        call.end.strftime(stamp),
        call.ring + call.billsec,
        call.billsec,
        call.disposition,
        "DOCUMENTATION",
        f"{int(call.start.timestamp())}.{number}",
    ]


def _oddities(month: MonthOfCalls) -> list[tuple[int, list[object]]]:
    """Rows as real files have them, and where they go among the calls (a fraction, in %).

    Four the importer rejects (a source that is no extension, a time in another format, a
    row cut short by a full disk, more billed seconds than the call lasted) and two calls
    it reads but no rate prices (voicemail's ``*97``, an international network).
    """
    r = random.Random(month.seed)  # noqa: S311 - made-up data, not secrets
    acme = ACCOUNTS[0]
    when = month.first_day + timedelta(days=9, hours=15, minutes=4)

    def call(number: int, destination: str, billsec: int, source: str = "1001") -> list[object]:
        start = when + timedelta(minutes=number)
        made = _Call(acme, source, destination, start, 4, billsec, "ANSWERED")
        return _fields(made, 90_000_000 + number)

    unknown_source = call(1, "+12125550147", 61, source="1999")
    other_format = call(2, "+14155550123", 30)
    other_format[9] = (when + timedelta(minutes=2)).strftime("%d/%m/%Y %H:%M")
    cut_short = call(3, "+442079460321", 75)[:9]
    too_long = call(4, "+14155550188", 95)
    too_long[12] = 30
    voicemail = call(5, "*97", 45)
    network = call(6, "+88213" + _n(r, 6), 30)
    rows = (unknown_source, other_format, cut_short, too_long, voicemail, network)
    return [(r.randrange(100), row) for row in rows]


def write_master_csv(month: MonthOfCalls, path: Path) -> int:
    """Write the month's calls, and the odd rows among them, to ``path``; return the rows."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        return _write(month, stream)


def _write(month: MonthOfCalls, stream: IO[str]) -> int:
    # Asterisk quotes its text fields and writes the numbers and an empty answer bare.
    writer = csv.writer(stream, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    odd = sorted(_oddities(month), key=lambda pair: pair[0])
    written = 0
    for number, call in enumerate(month.calls()):
        while odd and odd[0][0] * month.count <= number * 100:
            writer.writerow(odd.pop(0)[1])
            written += 1
        writer.writerow(_fields(call, number))
        written += 1
    for _, row in odd:
        writer.writerow(row)
        written += 1
    return written
