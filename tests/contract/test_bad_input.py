"""Bad input, fed to every public entry point, gets the same telcocore error on every storage.

The entry points are found by introspection: every public method of every service of
:class:`~telcocore.TelcoCore`, the core's own methods, :func:`telcocore.connect`,
:func:`telcocore.core.open_storage`, :func:`telcocore.core.schema_status` and the public
constructors of values callers build.
:data:`CALLS` says how to make a valid call of each against a small world (an account, a
contact, a transaction, a number block, an extension, a DID, a blocked number); a new
public method it does not describe fails :func:`test_every_entry_point_is_described`.

Each test replaces one argument of one entry point with each value of :data:`BAD`, on
memory, SQLite and PostgreSQL (when ``TELCOCORE_TEST_PG_DSN`` is set), and checks that
every outcome is a success or a :class:`~telcocore.kernel.errors.TelcoError` with a message of
reasonable length (a huge value is not echoed whole), that the ledger
totals stay zero and the audit chain intact after each call, and that the outcome (the
error's class, or success) is the same on every storage. Those two checks read the whole
chain, so they run again only when the database may have changed since they last found it
whole (a cheap marker of writes, and on PostgreSQL a digest of every row, say so). Each entry
point gets fresh worlds, one per storage; every call that could change them works on
entities of its own, so the calls of one entry point do not depend on each other.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import graphlib
import inspect
import io
import itertools
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from tests.conftest import PG_DSN_VARIABLE, START, drop_schema, with_schema

import telcocore
from telcocore import (
    Grain,
    LedgerRequest,
    Money,
    Period,
    Rate,
    RateDeck,
    SummaryRow,
    TelcoCore,
    TelcoError,
    Tier,
    UsageKey,
)
from telcocore.adapters.blobs import FileBlobStore, MemoryBlobStore
from telcocore.billing.invoices.services.usage import SummaryUsage
from telcocore.calls.model.records import CallRecord
from telcocore.contacts.model.credentials import PasswordPolicy, ScryptHasher
from telcocore.core import open_storage, schema_status
from telcocore.notifications.model.message import Channel
from telcocore.numbering.model.blocks import Extension
from telcocore.numbering.model.dids import DidClass
from telcocore.platform.ports import Storage
from telcocore.platform.sql.unit_of_work import SqlStorage
from telcocore.testing import CapturingNotifier, FixedClock

FAST = ScryptHasher(n=2**10)
"""Real scrypt with a low cost, so the module stays quick."""
GOOD = "Tr0ub4dor&3-horse"
"""A password every rule accepts."""

SCHEDULED = datetime(2026, 1, 1, tzinfo=UTC)
"""Where the worlds' invoice schedules start: two monthly periods before :data:`START`."""
MINUTE = timedelta(seconds=60)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256))
"""A few bytes that start as WAV audio."""
DAY = timedelta(days=1)

BAD: dict[str, object] = {
    "none": None,
    "int": 7,
    "bool": True,
    "float": 0.1,
    "list": [],
    "dict": {},
    "object": object(),
    "bytes": b"acme",
    "nan": Decimal("NaN"),
    "snan": Decimal("sNaN"),
    "infinity": Decimal("Infinity"),
    "int-10**30": 10**30,
    "int-10**200": 10**200,
    "61-digits": "1" * 61,
    "1e-101": Decimal("1e-101"),
    "empty": "",
    "blank": "   ",
    "megabyte": "x" * 1_000_000,
    "nul": "a\x00b",
    "surrogate": "\ud800",
    "control": "a\x07\x1bb",
    "right-to-left": "\u202eacme",
    "sql": "'; DROP TABLE accounts; --",
    "unknown-enum": "bogus",
}
"""The bad values, by name; each replaces one argument at a time."""


# -- the world each storage holds -----------------------------------------------------------


class World:
    """The services on one storage, with an entity of each kind to call them with."""

    def __init__(
        self, core: TelcoCore, notifier: CapturingNotifier, *, like: World | None = None
    ) -> None:
        """Build the world on ``core``; ``like``: the storage holds a copy of that one's."""
        self.core = core
        self.notifier = notifier
        self.whole: tuple[object, str | None] | None = None
        """:func:`_marker` and :func:`_digest` when the damage checks last found nothing."""
        self.digest_query: bytes | None = None
        """PostgreSQL: the query of :func:`_digest`, built on first use."""
        self._counter = itertools.count(1)
        if like is not None:
            self.contact: str = like.contact
            self.transaction: str = like.transaction
            self.invoice: str = like.invoice
            self.entry: str = like.entry
            self.recording: str = like.recording
            return
        core.accounts.open("Acme", "USD", account_id="acme")
        core.accounts.open("Open", "USD", account_id="open")  # holds no block: any extension
        self.contact = core.contacts.add(
            "acme", "Ann", "ann@example.com", mobile="+14155550123", password=GOOD
        ).id
        self.transaction = core.ledger.credit("acme", "100.00", idempotency_key="world").id
        core.numbering.set_range(1000, 100)
        core.numbering.assign_block("acme")
        core.numbering.register_extension("acme", "1001")
        core.numbering.add_did("acme", "+14155550100", DidClass.LOCAL)
        core.numbering.block_number("acme", "+14155550999")
        core.rating.save_deck(a_deck("retail"))
        core.rating.assign("acme", "retail")
        core.invoices.set_schedule("acme", "FREQ=MONTHLY;BYMONTHDAY=1", start=SCHEDULED)
        self.invoice = core.invoices.generate("acme", Period.day(START.date() - DAY)).number
        core.plans.save_plan("pbx", "USD", "0.10", did_monthly={"local": "0.20"})
        core.plans.assign_plan("acme", "pbx")
        core.plans.buy_users("acme", 2, idempotency_key="seats")
        self.recording = core.media.store_recording(
            "acme", WAV, caller="1001", callee="+14155550123", started_at=START
        ).id
        self.entry = core.audit.entries(limit=1).entries[0].id

    def fresh(self) -> int:
        """A number no earlier call of this world was given."""
        return next(self._counter)

    def new_contact(self) -> str:
        """A contact of its own, with the password :data:`GOOD`."""
        n = self.fresh()
        return self.core.contacts.add("acme", "Bob", f"bob{n}@example.com", password=GOOD).id

    def new_deck(self) -> str:
        """A deck of its own, saved."""
        return self.core.rating.save_deck(a_deck(f"deck{self.fresh()}")).name

    def new_file(self) -> str:
        """An uploaded file of its own."""
        return self.core.media.upload("acme", f"greeting{self.fresh()}.wav", WAV).id

    def new_plan(self) -> str:
        """A plan of its own, saved."""
        return self.core.plans.save_plan(f"plan{self.fresh()}", "USD", "1.00").name

    def bought(self) -> dict[str, object]:
        """A user bought for ``acme`` now: the arguments that remove it again."""
        self.core.plans.buy_users("acme", 1, idempotency_key=f"buy{self.fresh()}")
        return {"account_id": "acme", "n": 1, "idempotency_key": f"remove{self.fresh()}"}

    def usage_key(self) -> UsageKey:
        """The usage row of a call posted on a day of its own."""
        record = a_record(self)
        day = START - timedelta(days=self.fresh() + 2)
        self.core.calls.post_many([attrs.evolve(record, start=day, answer=day, end=day + MINUTE)])
        with self.core.storage.unit_of_work(read_only=True) as uow:
            rows = SummaryUsage().daily(uow, "acme", day - timedelta(days=1), day + MINUTE)
        return rows[0].key

    def draft(self) -> str:
        """The number of a draft invoice of its own (of a day without usage)."""
        day = (START - timedelta(days=self.fresh())).date()
        return self.core.invoices.generate("open", Period.day(day)).number

    def issued(self) -> str:
        """The number of an issued invoice of its own, with usage to pay for."""
        number = self.core.invoices.generate_from_usage("acme", [self.usage_key()]).number
        return self.core.invoices.issue(number).number

    def close(self) -> None:
        """Close the storage."""
        self.core.close()


def a_deck(name: str) -> RateDeck:
    """A small deck in USD: one rate with increments, a fee and a tier."""
    rate = Rate(
        "44",
        "United Kingdom",
        Decimal("0.02"),
        connect_fee=Decimal("0.01"),
        initial_increment=60,
        subsequent_increment=6,
        tiers=(Tier(600, "0.01", 60),),
        effective_from=START - timedelta(days=3650),
    )
    return RateDeck(name, "USD", [rate])


def a_record(w: World) -> CallRecord:
    """An answered minute to the United Kingdom, under a call id of its own."""
    return CallRecord(
        call_id=f"call{w.fresh()}",
        account_id="acme",
        source="1001",
        destination="+442071234567",
        start=START,
        answer=START,
        end=START + timedelta(seconds=60),
        duration=60,
        billable=60,
        disposition="answered",
    )


def _pending(w: World) -> str:
    """A pending payment of its own, allocated to an issued invoice of its own."""
    allocations = {w.issued(): "0.01"}
    return w.core.invoices.record_payment(
        "acme", "0.01", method="bank_transfer", allocations=allocations, status="pending"
    ).id


def _scheduled(w: World) -> str:
    """An account of its own with a schedule."""
    account = w.core.accounts.open("Scheduled", "USD", account_id=f"s{w.fresh()}").id
    w.core.invoices.set_schedule(account, "FREQ=DAILY", start=SCHEDULED)
    return account


def a_summary_row() -> SummaryRow:
    """A daily summary row of the United Kingdom, as a read returns it."""
    return SummaryRow(
        account_id="acme",
        grain=Grain.DAY,
        period_start=START.replace(hour=0, minute=0, second=0),
        prefix="44",
        description="United Kingdom",
        classification=None,
        attempts=2,
        connected=1,
        duration=Decimal(60),
        billed_seconds=60,
        charge=Money("0.03", "USD"),
        costed_calls=0,
        cost=None,
        costed_charge=Money("0", "USD"),
    )


def a_master_line(w: World) -> str:
    """One row of an Asterisk Master.csv (18 columns), with a unique id of its own."""
    return (
        '"acme","1001","442071234567","default","","SIP/1","SIP/2","Dial","",'
        '"2026-03-14 15:09:26","2026-03-14 15:09:28","2026-03-14 15:10:28",62,60,'
        f'"ANSWERED","DOCUMENTATION","1700000000.{w.fresh()}",""\n'
    )


Kwargs = dict[str, Any]


@attrs.frozen
class Call:
    """How to call one entry point validly: its arguments, built against a world."""

    target: Callable[[World], Callable[..., object]]
    """The function to call, found on the world's services."""
    arguments: Callable[[World], Kwargs] = lambda _w: {}
    """Valid arguments, by name (entities of their own where the call changes state)."""
    trusted: frozenset[str] = frozenset()
    """Parameters that take a collaborator object from the caller's code, not a value."""
    nested: dict[str, Callable[[World, object], Kwargs]] = attrs.Factory(dict)
    """Extra arguments to spoil inside a valid one: a name and the arguments with ``bad``."""


def _service(name: str, method: str) -> Callable[[World], Callable[..., object]]:
    return lambda w: getattr(getattr(w.core, name), method)


def _of_acme(service: str, method: str) -> Call:
    """A call whose only argument is the account ``acme``."""
    return Call(_service(service, method), lambda _w: {"account_id": "acme"})


def _in_a_unit(method: str) -> Callable[[World], Callable[..., object]]:
    """An audit method that takes a unit of work, called in one that it commits."""

    def target(w: World) -> Callable[..., object]:
        def call(**kwargs: Any) -> object:  # noqa: ANN401 - any argument, good or bad
            with w.core.storage.unit_of_work() as uow:
                entry = getattr(w.core.audit, method)(uow, **kwargs)
                uow.commit()
            return entry

        return call

    return target


def _closing(opener: Callable[..., Any]) -> Callable[[World], Callable[..., object]]:
    def call(**kwargs: Any) -> object:  # noqa: ANN401 - any argument, good or bad
        opened = opener(**kwargs)
        opened.close()
        return opened

    return lambda _w: call


def _new_core(**kwargs: Any) -> object:  # noqa: ANN401 - any argument, good or bad
    """A TelcoCore, closed; the storage handed in is closed even when the core refuses it."""
    storage = kwargs["storage"]
    try:
        core = TelcoCore(**kwargs)
    finally:
        if callable(getattr(storage, "close", None)):
            storage.close()
    return core


def _delivering(**kwargs: Any) -> None:  # noqa: ANN401 - any argument, good or bad
    """Start the delivery worker of a core of its own, then close that core."""
    with telcocore.connect("memory://") as core:
        core.start_delivery(**kwargs)


def _contact_with_code(w: World) -> Kwargs:
    contact = w.new_contact()
    w.core.contacts.send_code(contact, "email")
    w.core.outbox.deliver_pending()
    code = w.notifier.messages[-1].data["code"]
    return {"contact_id": contact, "target": "email", "code": code}


def _request(w: World, **changes: object) -> LedgerRequest:
    fields: Kwargs = {
        "movement": "credit",
        "account_id": "acme",
        "amount": "1.00",
        "idempotency_key": f"k{w.fresh()}",
    }
    return LedgerRequest(**(fields | changes))


def _in_request(field: str) -> Callable[[World, object], Kwargs]:
    return lambda w, bad: {"requests": [_request(w), _request(w, **{field: bad})]}


ACCOUNTS: dict[str, Call] = {
    "open": Call(
        _service("accounts", "open"),
        lambda w: {"name": "Acme", "currency": "USD", "account_id": f"a{w.fresh()}"},
    ),
    "get": _of_acme("accounts", "get"),
    "list": Call(_service("accounts", "list")),
    "update": Call(
        _service("accounts", "update"),
        lambda w: {"account_id": "acme", "name": f"Acme {w.fresh()}"},
    ),
    "set_status": Call(
        _service("accounts", "set_status"), lambda _w: {"account_id": "acme", "status": "active"}
    ),
}

CONTACTS: dict[str, Call] = {
    "get": Call(_service("contacts", "get"), lambda w: {"contact_id": w.contact}),
    "by_email": Call(_service("contacts", "by_email"), lambda _w: {"email": "ann@example.com"}),
    "list": _of_acme("contacts", "list"),
    "addresses": Call(
        _service("contacts", "addresses"),
        lambda _w: {"account_id": "acme", "channel": Channel.EMAIL},
    ),
    "locale_of": _of_acme("contacts", "locale_of"),
    "add": Call(
        _service("contacts", "add"),
        lambda w: {"account_id": "acme", "name": "Cy", "email": f"cy{w.fresh()}@example.com"},
    ),
    "update": Call(
        _service("contacts", "update"),
        lambda w: {"contact_id": w.new_contact(), "name": "Renamed"},
    ),
    "remove": Call(_service("contacts", "remove"), lambda w: {"contact_id": w.new_contact()}),
    "set_password": Call(
        _service("contacts", "set_password"),
        lambda w: {"contact_id": w.new_contact(), "password": GOOD[::-1]},
    ),
    "reset_password": Call(
        _service("contacts", "reset_password"), lambda w: {"contact_id": w.new_contact()}
    ),
    "change_password": Call(
        _service("contacts", "change_password"),
        lambda w: {
            "contact_id": w.new_contact(),
            "old_password": GOOD,
            "new_password": GOOD[::-1],
        },
    ),
    "authenticate": Call(
        _service("contacts", "authenticate"),
        lambda _w: {"email": "ann@example.com", "password": GOOD},
    ),
    "send_code": Call(
        _service("contacts", "send_code"), lambda w: {"contact_id": w.contact, "target": "email"}
    ),
    "verify": Call(_service("contacts", "verify"), _contact_with_code),
}

LEDGER: dict[str, Call] = {
    **{
        method: Call(
            _service("ledger", method),
            lambda w: {"account_id": "acme", "amount": "0.01", "idempotency_key": f"k{w.fresh()}"},
        )
        for method in ("credit", "debit", "charge_usage")
    },
    "reverse": Call(
        _service("ledger", "reverse"),
        lambda w: {
            "transaction_id": w.core.ledger.credit(
                "acme", "1.00", idempotency_key=f"k{w.fresh()}"
            ).id,
            "idempotency_key": f"r{w.fresh()}",
        },
    ),
    "post_many": Call(
        _service("ledger", "post_many"),
        lambda w: {"requests": [_request(w)]},
        nested={
            f"requests[1].{field}": _in_request(field)
            for field in (
                "movement",
                "account_id",
                "amount",
                "idempotency_key",
                "kind",
                "release_hold",
            )
        },
    ),
    "balance": _of_acme("ledger", "balance"),
    "available": _of_acme("ledger", "available"),
    "get": Call(_service("ledger", "get"), lambda w: {"transaction_id": w.transaction}),
    "history": _of_acme("ledger", "history"),
    "system_balance": Call(
        _service("ledger", "system_balance"), lambda _w: {"account": "@cash", "currency": "USD"}
    ),
    "totals": Call(_service("ledger", "totals")),
    "place_hold": Call(
        _service("ledger", "place_hold"),
        lambda w: {"account_id": "acme", "amount": "0.01", "hold_id": f"h{w.fresh()}"},
    ),
    "release_hold": Call(
        _service("ledger", "release_hold"),
        lambda w: {"hold_id": w.core.ledger.place_hold("acme", "0.01", hold_id=f"h{w.fresh()}").id},
    ),
    "held": _of_acme("ledger", "held"),
    "holds": _of_acme("ledger", "holds"),
}

NUMBERING: dict[str, Call] = {
    "set_range": Call(
        _service("numbering", "set_range"), lambda _w: {"start": 1000, "block_size": 100}
    ),
    "range_parameters": Call(_service("numbering", "range_parameters")),
    "assign_block": _of_acme("numbering", "assign_block"),
    "release_block": Call(
        _service("numbering", "release_block"),
        lambda w: {"account_id": "acme", "first": w.core.numbering.assign_block("acme").first},
    ),
    "blocks": _of_acme("numbering", "blocks"),
    "is_allowed_extension": Call(
        _service("numbering", "is_allowed_extension"),
        lambda _w: {"account_id": "acme", "extension": "1002"},
    ),
    "register_extension": Call(
        _service("numbering", "register_extension"),
        lambda w: {"account_id": "open", "extension": f"ext{w.fresh()}"},
    ),
    "remove_extension": Call(
        _service("numbering", "remove_extension"),
        lambda w: {
            "extension": w.core.numbering.register_extension("open", f"ext{w.fresh()}").name
        },
    ),
    "extensions": _of_acme("numbering", "extensions"),
    "block_number": Call(
        _service("numbering", "block_number"),
        lambda w: {"account_id": "acme", "number": f"+12122{w.fresh():06d}"},
    ),
    "block_prefix": Call(
        _service("numbering", "block_prefix"),
        lambda w: {"account_id": "acme", "prefix": f"+1900{w.fresh()}"},
    ),
    "block_from_call": Call(
        _service("numbering", "block_from_call"),
        lambda w: {
            "account_id": "acme",
            "source": f"+12122{w.fresh():06d}",
            "destination": f"+12132{w.fresh():06d}",
            "side": "source",
        },
    ),
    "unblock": Call(
        _service("numbering", "unblock"),
        lambda w: {
            "account_id": "acme",
            "number_or_prefix": w.core.numbering.block_number(
                "acme", f"+12122{w.fresh():06d}"
            ).pattern,
        },
    ),
    "block_list": _of_acme("numbering", "block_list"),
    "is_blocked": Call(
        _service("numbering", "is_blocked"),
        lambda _w: {"account_id": "acme", "number": "+14155550999"},
    ),
    "add_did": Call(
        _service("numbering", "add_did"),
        lambda w: {"account_id": "acme", "number": f"+16462{w.fresh():06d}", "did_class": "local"},
    ),
    **{
        method: Call(_service("numbering", method), lambda _w: {"number": "+14155550100"})
        for method in ("activate_did", "deactivate_did", "get_did")
    },
    "remove_did": Call(
        _service("numbering", "remove_did"),
        lambda w: {
            "number": w.core.numbering.add_did(
                "acme", f"+16462{w.fresh():06d}", DidClass.LOCAL
            ).number
        },
    ),
    "dids": _of_acme("numbering", "dids"),
}

CALLS: dict[str, Call] = {
    "start_call": Call(
        _service("calls", "start_call"),
        lambda w: {"call_id": f"c{w.fresh()}", "account_id": "acme", "hold": "0.01"},
    ),
    "end_call": Call(
        _service("calls", "end_call"),
        lambda w: {"call_id": w.core.calls.start_call(f"c{w.fresh()}", "acme").channel.call_id},
    ),
    "reap": Call(_service("calls", "reap")),
    "authorize": Call(
        _service("calls", "authorize"),
        lambda _w: {"account_id": "acme", "source": "+14155550123", "destination": "+4420"},
    ),
    "authorize_and_start": Call(
        _service("calls", "authorize_and_start"),
        lambda w: {
            "call_id": f"c{w.fresh()}",
            "account_id": "acme",
            "source": "+14155550123",
            "destination": "+4420",
        },
    ),
    "channels_in_use": _of_acme("calls", "channels_in_use"),
    "active_calls": _of_acme("calls", "active_calls"),
    "overview": _of_acme("calls", "overview"),
    "post": Call(_service("calls", "post"), lambda w: {"record": a_record(w)}),
    "post_many": Call(_service("calls", "post_many"), lambda w: {"records": [a_record(w)]}),
    "import_file": Call(
        _service("calls", "import_file"),
        lambda w: {
            "kind": "asterisk",
            "source": io.StringIO(a_master_line(w)),
            "uniqueid": True,
            "userfield": True,
            "newcdrcolumns": False,
            "by_extension": False,
            "direction": "outbound",
            "time_format": None,
        },
    ),
    "international_log": Call(
        _service("calls", "international_log"),
        lambda _w: {"account_id": "acme", "start": START, "end": START + timedelta(days=1)},
    ),
}

RATING: dict[str, Call] = {
    "save_deck": Call(
        _service("rating", "save_deck"),
        lambda w: {"deck": a_deck(f"deck{w.fresh()}"), "actor": "alice"},
    ),
    "deck": Call(_service("rating", "deck"), lambda _w: {"name": "retail"}),
    "decks": Call(_service("rating", "decks")),
    "delete_deck": Call(
        _service("rating", "delete_deck"), lambda w: {"name": w.new_deck(), "reason": "gone"}
    ),
    "assign": Call(
        _service("rating", "assign"),
        lambda w: {"account_id": "open", "customer": "retail", "provider": w.new_deck()},
    ),
    "assignment": _of_acme("rating", "assignment"),
    "rate": Call(
        _service("rating", "rate"),
        lambda _w: {"account_id": "acme", "destination": "+4420", "seconds": 61, "at": START},
    ),
}

INVOICES: dict[str, Call] = {
    "set_issuer": Call(
        _service("invoices", "set_issuer"),
        lambda w: {
            "name": f"issuer{w.fresh()}",
            "number_format": "A-{year}-{seq:04d}",
            "payment_terms_days": 14,
            "reason": "terms",
        },
    ),
    "issuer": Call(_service("invoices", "issuer"), lambda _w: {"name": "default"}),
    "generate": Call(
        _service("invoices", "generate"),
        lambda w: {
            "account_id": "open",
            "period": Period.day((START - timedelta(days=w.fresh())).date()),
            "issuer": "default",
            "issue": True,
            "reason": "month end",
        },
    ),
    "generate_from_usage": Call(
        _service("invoices", "generate_from_usage"),
        lambda w: {
            "account_id": "acme",
            "keys": [w.usage_key()],
            "issuer": "default",
            "reason": "selected",
        },
    ),
    "issue": Call(_service("invoices", "issue"), lambda w: {"number": w.draft(), "reason": "send"}),
    "record_payment": Call(
        _service("invoices", "record_payment"),
        lambda w: {
            "account_id": "acme",
            "amount": "0.02",
            "method": "card",
            "reference": "wire 1",
            "allocations": {w.issued(): "0.01"},
            "status": "settled",
            "received_at": START,
            "payment_id": f"pay{w.fresh()}",
            "reason": "paid",
        },
    ),
    "settle_payment": Call(
        _service("invoices", "settle_payment"),
        lambda w: {"payment_id": _pending(w), "settled_at": START, "reason": "in"},
    ),
    "fail_payment": Call(
        _service("invoices", "fail_payment"),
        lambda w: {"payment_id": _pending(w), "reason": "bounced"},
    ),
    "payment": Call(_service("invoices", "payment"), lambda w: {"payment_id": _pending(w)}),
    "payments": Call(
        _service("invoices", "payments"), lambda _w: {"account_id": "acme", "status": "pending"}
    ),
    "bills": Call(
        _service("invoices", "bills"), lambda _w: {"account_id": "acme", "day": START.date()}
    ),
    "render_text": Call(
        _service("invoices", "render_text"), lambda w: {"number": w.issued(), "locale": "de_DE"}
    ),
    "render_html": Call(
        _service("invoices", "render_html"), lambda w: {"number": w.issued(), "locale": "ja_JP"}
    ),
    "void": Call(_service("invoices", "void"), lambda w: {"number": w.draft(), "reason": "wrong"}),
    "get": Call(_service("invoices", "get"), lambda w: {"number": w.invoice}),
    "search": Call(
        _service("invoices", "search"),
        lambda w: {
            "account_id": "acme",
            "status": "draft",
            "issuer": "default",
            "period": Period.month(2026, 3),
            "limit": 10,
            "after": w.invoice,
        },
    ),
    "set_schedule": Call(
        _service("invoices", "set_schedule"),
        lambda w: {
            "account_id": "open",
            "rule": f"FREQ=WEEKLY;INTERVAL={w.fresh()}",
            "start": SCHEDULED,
            "issuer": "default",
            "issue": True,
            "reason": "weekly",
        },
    ),
    "schedule": _of_acme("invoices", "schedule"),
    "remove_schedule": Call(
        _service("invoices", "remove_schedule"),
        lambda w: {"account_id": _scheduled(w), "reason": "stop"},
    ),
    "run_due": Call(_service("invoices", "run_due"), lambda _w: {"now": START}),
}

SUMMARIES: dict[str, Call] = {
    **{
        method: Call(
            _service("summaries", method),
            lambda _w: {"account_id": "acme", "start": START, "end": START + timedelta(days=1)},
        )
        for method in ("hourly", "daily", "monthly")
    },
    "live": _of_acme("summaries", "live"),
    "rebuild": Call(
        _service("summaries", "rebuild"),
        lambda _w: {"account_id": "acme", "period": Period.day(START.date()), "reason": "check"},
    ),
    "prune_hours": Call(
        _service("summaries", "prune_hours"),
        lambda _w: {"ended_by": START - timedelta(days=2), "reason": "retention"},
    ),
}

PLANS: dict[str, Call] = {
    "save_plan": Call(
        _service("plans", "save_plan"),
        lambda w: {
            "name": f"plan{w.fresh()}",
            "currency": "USD",
            "cost_per_user": "5.00",
            "did_monthly": {"local": "1.00"},
            "did_setup": {DidClass.TOLL_FREE: "3.00"},
            "reason": "new",
        },
    ),
    "plan": Call(_service("plans", "plan"), lambda _w: {"name": "pbx"}),
    "plans": Call(_service("plans", "plans")),
    "delete_plan": Call(
        _service("plans", "delete_plan"), lambda w: {"name": w.new_plan(), "reason": "gone"}
    ),
    "assign_plan": Call(
        _service("plans", "assign_plan"),
        lambda w: {"account_id": "open", "plan": w.new_plan(), "reason": "moved"},
    ),
    "assignment": _of_acme("plans", "assignment"),
    "plan_view": _of_acme("plans", "plan_view"),
    "quote_users": Call(
        _service("plans", "quote_users"),
        lambda _w: {"account_id": "acme", "n": 2, "at": START, "prorate": False},
    ),
    "buy_users": Call(
        _service("plans", "buy_users"),
        lambda w: {
            "account_id": "acme",
            "n": 1,
            "idempotency_key": f"buy{w.fresh()}",
            "prorate": True,
            "reason": "more",
        },
    ),
    "remove_users": Call(
        _service("plans", "remove_users"), lambda w: {**w.bought(), "reason": "fewer"}
    ),
    "run_recurring": Call(
        _service("plans", "run_recurring"),
        lambda w: {"period": Period.month(2026 - w.fresh(), 1), "dry_run": False},
    ),
}

MEDIA: dict[str, Call] = {
    "upload": Call(
        _service("media", "upload"),
        lambda w: {
            "account_id": "acme",
            "name": f"hello{w.fresh()}.wav",
            "data": WAV,
            "reason": "new",
        },
    ),
    "store_recording": Call(
        _service("media", "store_recording"),
        lambda w: {
            "account_id": "acme",
            "data": WAV,
            "caller": "1001",
            "callee": "+1 415 555 0123",
            "started_at": START,
            "call_id": f"call{w.fresh()}",
            "reason": "recorded",
        },
    ),
    "get": Call(_service("media", "get"), lambda w: {"media_id": w.recording}),
    "files": Call(_service("media", "files"), lambda _w: {"account_id": "acme", "limit": 10}),
    "recordings": Call(
        _service("media", "recordings"),
        lambda _w: {
            "account_id": "acme",
            "start": START - DAY,
            "end": START + DAY,
            "limit": 10,
            "after": "20260314T150926000000Z_t-0",
        },
    ),
    "play": Call(
        _service("media", "play"), lambda w: {"media_id": w.recording, "byte_range": "bytes=-10"}
    ),
    "download": Call(_service("media", "download"), lambda w: {"media_id": w.recording}),
    "delete": Call(
        _service("media", "delete"), lambda w: {"media_id": w.new_file(), "reason": "gone"}
    ),
    "set_retention": Call(
        _service("media", "set_retention"),
        lambda w: {"account_id": "acme", "retention_days": 30 + w.fresh(), "reason": "policy"},
    ),
    "settings": _of_acme("media", "settings"),
    "purge": Call(_service("media", "purge")),
    "sweep": Call(_service("media", "sweep"), lambda _w: {"older_than": timedelta(0)}),
}

AUDIT: dict[str, Call] = {
    "write": Call(
        _in_a_unit("write"),
        lambda w: {
            "action": "UPDATE",
            "entity_type": "note",
            "entity_key": f"n{w.fresh()}",
            "before": None,
            "after": {"text": "hello"},
        },
        trusted=frozenset({"uow"}),
    ),
    "record_change": Call(
        _in_a_unit("record_change"),
        lambda w: {
            "action": "CREATE",
            "before": None,
            "after": Extension(name=f"x{w.fresh()}", account_id="acme", created_at=START),
        },
        trusted=frozenset({"uow"}),
    ),
    "get": Call(_service("audit", "get"), lambda w: {"entry_id": w.entry}),
    "entries": Call(_service("audit", "entries")),
    "history": Call(
        _service("audit", "history"), lambda _w: {"entity_type": "account", "entity_key": "acme"}
    ),
    "state_after": Call(_service("audit", "state_after"), lambda w: {"entry_id": w.entry}),
    "difference": Call(_service("audit", "difference"), lambda w: {"entry_id": w.entry}),
    "verify_chain": Call(_service("audit", "verify_chain")),
}

OUTBOX: dict[str, Call] = {
    "deliver_pending": Call(_service("outbox", "deliver_pending")),
    "wake": Call(_service("outbox", "wake")),
    "pending": Call(_service("outbox", "pending")),
    "counts": Call(_service("outbox", "counts")),
}

SERVICES: dict[str, dict[str, Call]] = {
    "accounts": ACCOUNTS,
    "contacts": CONTACTS,
    "ledger": LEDGER,
    "numbering": NUMBERING,
    "calls": CALLS,
    "rating": RATING,
    "invoices": INVOICES,
    "summaries": SUMMARIES,
    "plans": PLANS,
    "media": MEDIA,
    "audit": AUDIT,
    "outbox": OUTBOX,
}
"""Every service of a core, by attribute name, and the calls of its public methods."""

CORE: dict[str, Call] = {
    "acting_as": Call(lambda w: w.core.acting_as, lambda _w: {"actor": "alice"}),
    "close": Call(lambda w: w.core.close),  # takes nothing to spoil: never called here
    # on a core of its own, closed at once: each call starts (and stops) its own worker
    "start_delivery": Call(lambda _w: _delivering, lambda _w: {"interval": 5.0}),
}
"""The core's own public methods."""

ADAPTERS_HANDED_IN = frozenset({"storage", "context"})
"""Attributes of a core that are its wiring (adapters and context), not services."""

FUNCTIONS: dict[str, Call] = {
    "connect": Call(_closing(telcocore.connect), lambda _w: {"url": "memory://"}),
    "open_storage": Call(_closing(open_storage), lambda _w: {"url": "memory://"}),
    "schema_status": Call(lambda _w: schema_status, lambda _w: {"url": "memory://"}),
    "Money": Call(lambda _w: Money, lambda _w: {"amount": "1.00", "currency": "USD"}),
    "LedgerRequest": Call(
        lambda _w: LedgerRequest,
        lambda _w: {
            "movement": "credit",
            "account_id": "acme",
            "amount": "1",
            "idempotency_key": "k",
        },
    ),
    "Period": Call(lambda _w: Period, lambda _w: {"start": START, "end": START + timedelta(1)}),
    "TelcoCore": Call(lambda _w: _new_core, lambda _w: {"storage": open_storage("memory://")}),
    "PasswordPolicy": Call(lambda _w: PasswordPolicy),
    "Rate": Call(
        lambda _w: Rate,
        lambda _w: {
            "prefix": "44",
            "description": "UK",
            "rate_per_minute": "0.02",
            "effective_from": START,
        },
    ),
    "Tier": Call(
        lambda _w: Tier, lambda _w: {"from_second": 60, "rate_per_minute": "0.01", "increment": 6}
    ),
    "RateDeck": Call(
        lambda _w: RateDeck,
        lambda _w: {"name": "d", "currency": "USD", "rates": a_deck("d").rates},
    ),
    "load_rate_card": Call(
        lambda _w: telcocore.load_rate_card,
        lambda _w: {
            "source": 'prefix,description,rate\n44,"UK, all",0.02\n',
            "name": "card",
            "currency": "USD",
            "default_effective_from": START,
        },
    ),
    "billable_seconds": Call(lambda _w: telcocore.billable_seconds, lambda _w: {"duration": 30}),
    "billed_seconds": Call(
        lambda _w: telcocore.billed_seconds,
        lambda _w: {"seconds": 61, "initial": 60, "increment": 6},
    ),
    "ScryptHasher": Call(lambda _w: ScryptHasher),
    "UsageKey": Call(
        lambda _w: UsageKey,
        lambda _w: {
            "account_id": "acme",
            "day": START.date(),
            "prefix": "44",
            "classification": "international",
        },
    ),
    "select_cells": Call(
        lambda _w: telcocore.select_cells,
        lambda _w: {"rows": [a_summary_row()], "column": "asr"},
    ),
    "to_tsv": Call(
        lambda _w: telcocore.to_tsv,
        lambda _w: {
            "rows": [a_summary_row()],
            "columns": ["period_start", "charge"],
            "header": True,
        },
    ),
    "recording_name": Call(
        lambda _w: telcocore.recording_name,
        lambda _w: {
            "caller": "1001",
            "callee": "+14155550123",
            "started_at": START,
            "extension": "wav",
            "seq": 2,
        },
    ),
    "parse_recording_name": Call(
        lambda _w: telcocore.parse_recording_name,
        lambda _w: {"name": "1001_+14155550123_2026-03-14_15-09-26_2.wav"},
    ),
    "to_csv": Call(
        lambda _w: telcocore.to_csv,
        lambda _w: {"rows": [a_summary_row()], "columns": ["prefix", "asr"]},
    ),
}
"""The package's public functions and the constructors of what callers build: values, the
core from its adapters, and the password settings."""


def _of_money(method: str) -> Callable[[World], Callable[..., object]]:
    return lambda _w: getattr(Money("1.005", "USD"), method)


def _of_deck(method: str) -> Callable[[World], Callable[..., object]]:
    return lambda _w: getattr(a_deck("d"), method)


VALUES: dict[str, dict[str, Call]] = {
    "RateDeck": {
        "rate": Call(
            _of_deck("rate"), lambda _w: {"destination": "+4420", "seconds": 61, "at": START}
        ),
        "first_block": Call(_of_deck("first_block"), lambda _w: {"destination": "44", "at": START}),
        "max_duration": Call(
            _of_deck("max_duration"),
            lambda _w: {"destination": "44", "credit": Money("1", "USD"), "at": START},
        ),
    },
    "Rate": {
        "effective_at": Call(
            lambda _w: a_deck("d").rates[0].effective_at, lambda _w: {"at": START}
        ),
    },
    "Money": {
        "zero": Call(lambda _w: Money.zero, lambda _w: {"currency": "USD"}),
        "round": Call(_of_money("round"), lambda _w: {"mode": "half_up", "places": 2}),
        "format": Call(_of_money("format"), lambda _w: {"locale": "de_DE"}),
        "is_zero": Call(_of_money("is_zero")),
        "is_negative": Call(_of_money("is_negative")),
        "is_positive": Call(_of_money("is_positive")),
    },
    "Period": {
        "day": Call(lambda _w: Period.day, lambda _w: {"day": START.date()}),
        "month": Call(lambda _w: Period.month, lambda _w: {"year": 2026, "month": 3}),
        "days": Call(
            lambda _w: Period.days,
            lambda _w: {"first": START.date(), "last": START.date() + timedelta(2)},
        ),
    },
}
"""The public methods of the values callers build, by class: they take input too."""

RESULTS = frozenset(
    {
        "Account",
        "AccountOverview",
        "Allocation",
        "Authorization",
        "BatchResult",
        "Bill",
        "Bills",
        "CallEnd",
        "CellSelection",
        "CallStart",
        "Contact",
        "DeckSummary",
        "HistoryPage",
        "Hold",
        "Invoice",
        "InvoiceLine",
        "InvoicePage",
        "InvoiceSchedule",
        "Issuer",
        "LedgerEntry",
        "MediaFile",
        "MediaPage",
        "MediaSettings",
        "Message",
        "Payment",
        "PlanAssignment",
        "PlanView",
        "Playback",
        "Posting",
        "RateAssignment",
        "RatedCall",
        "RecordingName",
        "SummaryRow",
        "RecurringCharge",
        "RecurringRun",
        "SeatChange",
        "SeatQuote",
        "ServicePlan",
        "Transaction",
        "Unrated",
    }
)
"""Classes the library hands out (built by its services, not by callers)."""


CORE_FUNCTIONS: dict[str, Callable[..., object]] = {
    "open_storage": open_storage,
    "schema_status": schema_status,
}
"""Public functions of :mod:`telcocore.core` that the package does not export itself."""


# -- discovery -----------------------------------------------------------------------------


def _public_methods(cls: type) -> set[str]:
    members = inspect.getmembers(cls, lambda v: inspect.isfunction(v) or inspect.ismethod(v))
    return {name for name, _ in members if name[0] != "_"}


def _exported_entry_points() -> set[str]:
    """Public functions and classes of the package, less errors, enums, results and wiring."""
    found = set()
    for name in telcocore.__all__:
        value = getattr(telcocore, name)
        if isinstance(value, type) and issubclass(value, BaseException | enum.Enum):
            continue
        if callable(value) and name not in RESULTS:
            found.add(name)
    return found | set(CORE_FUNCTIONS)


def _entry_points() -> dict[str, Call]:
    """Every entry point described, by name (``accounts.open``, ``connect``, ...)."""
    calls = {f"{svc}.{m}": call for svc, methods in SERVICES.items() for m, call in methods.items()}
    calls |= {f"core.{m}": call for m, call in CORE.items()}
    calls |= {f"{cls}.{m}": call for cls, methods in VALUES.items() for m, call in methods.items()}
    return calls | FUNCTIONS


ENTRY_POINTS = _entry_points()


def _parameters(name: str, call: Call) -> list[str]:
    """The parameters of the entry point, then the nested arguments it names."""
    if "." in name:
        service, method = name.split(".")
        owner = (
            TelcoCore
            if service == "core"
            else getattr(telcocore, service)
            if service in VALUES
            else _core_attributes()[service]
        )
        function = getattr(owner, method)
    else:
        function = CORE_FUNCTIONS.get(name) or getattr(telcocore, name)
    signature = inspect.signature(function)
    names = [p for p in signature.parameters if p not in {"self", "cls"} | call.trusted]
    return names + list(call.nested)


@functools.cache
def _core_attributes() -> dict[str, type]:
    """The class of each public attribute of a core: its services and adapters."""
    with telcocore.connect("memory://") as core:
        return {name: type(value) for name, value in vars(core).items() if name[0] != "_"}


CASES = [
    pytest.param(
        name,
        argument,
        id=f"{name}-{argument}",
    )
    for name, call in ENTRY_POINTS.items()
    for argument in _parameters(name, call)
]


class TestEntryPoints:
    """The table describes exactly the public API."""

    def test_every_entry_point_is_described(self) -> None:
        """Every public method of every service, of the core, and every export has a call."""
        attributes = _core_attributes()
        assert set(SERVICES) == set(attributes) - ADAPTERS_HANDED_IN
        for service, methods in SERVICES.items():
            assert _public_methods(attributes[service]) == set(methods), service
        assert _public_methods(TelcoCore) == set(CORE)
        assert _exported_entry_points() == set(FUNCTIONS)
        for cls, methods in VALUES.items():
            assert _public_methods(getattr(telcocore, cls)) == set(methods), cls


# -- running the calls on every storage --------------------------------------------------------


Outcome = str
"""``"ok"``, or the class name of the error raised."""

MAX_MESSAGE = 1000
"""The longest error message a bad value may cause: a huge value is never echoed whole."""


def _outcome(world: World, name: str, argument: str, bad: object) -> Outcome:
    call = ENTRY_POINTS[name]
    kwargs = call.arguments(world)
    if argument in call.nested:
        kwargs |= call.nested[argument](world, bad)
    else:
        kwargs[argument] = bad
    try:
        call.target(world)(**kwargs)
    except TelcoError as refused:
        if len(str(refused)) > MAX_MESSAGE:
            return f"raw message of {len(str(refused))} characters: {type(refused).__name__}"
        return type(refused).__name__
    except Exception as raw:  # noqa: BLE001 - a raw error is the finding
        return f"raw {type(raw).__name__}: {str(raw)[:100]}"
    return "ok"


def _damage(world: World) -> list[str]:
    """What a call left broken: ledger totals not zero, or a broken audit chain.

    Checked only when the database may have changed since the checks last found it whole
    (:func:`_marker`, then on PostgreSQL :func:`_digest`): the same rows give the same
    totals and the same chain.
    """
    marker, digest = _marker(world), None
    if world.whole is not None:
        if marker == world.whole[0]:
            return []
        digest = _digest(world)
        if digest is not None and digest == world.whole[1]:
            world.whole = (marker, digest)
            return []
    found = [
        f"ledger total {total} {currency}"
        for currency, total in world.core.ledger.totals().items()
        if total != 0
    ]
    broken = world.core.audit.verify_chain()
    found = found if broken is None else [*found, f"audit chain: {broken}"]
    if not found:
        world.whole = (marker, digest if digest is not None else _digest(world))
    return found


def _marker(world: World) -> object:
    """A value that stays the same only while nothing is written to the world's database.

    SQLite: the rows this thread's connection changed (rolled back or not), the commits
    of other connections and the schema's version. PostgreSQL: the server's transaction
    snapshot, which moves when any transaction that wrote (on any database) ends.
    """
    with _connection(world.core.storage) as conn:
        if isinstance(conn, sqlite3.Connection):
            return conn.execute(
                "SELECT total_changes(), (SELECT data_version FROM pragma_data_version), "
                "(SELECT schema_version FROM pragma_schema_version)"
            ).fetchone()
        return conn.execute(b"SELECT pg_current_snapshot()::text").fetchone()


def _digest(world: World) -> str | None:
    """PostgreSQL: a digest of every row of the world's tables (``None``: SQLite, or unreadable).

    One prepared query over the tables the schema had at the first call; a table gone
    since makes it fail, and the database count as changed.
    """
    with _connection(world.core.storage) as conn:
        if isinstance(conn, sqlite3.Connection):
            return None
        import psycopg  # noqa: PLC0415 - only the PostgreSQL worlds need the driver

        if world.digest_query is None:
            world.digest_query = _pg_digest_query(conn)
        try:
            return str(conn.execute(world.digest_query, prepare=True).fetchone())
        except psycopg.Error:
            return None


@contextlib.contextmanager
def _connection(storage: Storage) -> Iterator[Any]:
    """A connection of ``storage``, outside any unit of work, given back after."""
    assert isinstance(storage, SqlStorage)
    conn = storage.acquire()
    try:
        yield conn
    finally:
        storage.release(conn)


def _pg_digest_query(conn: Any) -> bytes:  # noqa: ANN401 - a psycopg connection
    """One query digesting the rows of each table of the current schema, by name."""
    from psycopg import sql  # noqa: PLC0415 - only the PostgreSQL worlds need the driver

    names = conn.execute(
        b"SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
    )
    digest = sql.SQL(
        "(SELECT {name} AS name, md5(string_agg(t::text, '|' ORDER BY t::text)) AS rows "
        "FROM {table} t)"
    )
    union = sql.SQL(" UNION ALL ").join(
        digest.format(name=sql.Literal(name), table=sql.Identifier(name))
        for (name,) in names.fetchall()
    )
    query = sql.SQL(
        "SELECT string_agg(name || ':' || coalesce(rows, ''), ',' ORDER BY name) FROM ({}) x"
    ).format(union)
    return query.as_bytes(conn)


class Ids:
    """``t-1``, ``t-2``, ... as :func:`~telcocore.testing.sequential_ids` gives, counted."""

    def __init__(self, issued: int = 0) -> None:
        self.issued = issued

    def __call__(self) -> str:
        """The next id."""
        self.issued += 1
        return f"t-{self.issued}"


Blobs = MemoryBlobStore | FileBlobStore


def _core(storage: Storage, blobs: Blobs, notifier: CapturingNotifier, ids: Ids) -> TelcoCore:
    return TelcoCore(
        storage=storage,
        blobs=blobs,
        clock=FixedClock(START),
        notifier=notifier,
        ids=ids,
        password_hasher=FAST,
    )


class Template:
    """A world built once on ``storage`` and ``blobs``, and the state its core was in then."""

    def __init__(self, storage: Storage, blobs: Blobs) -> None:
        self.storage = storage
        self._blobs = blobs
        ids, notifier = Ids(), CapturingNotifier()
        self.first = World(_core(storage, blobs, notifier, ids), notifier)
        self._issued, self._messages = ids.issued, list(notifier.messages)

    def world(self, storage: Storage, blobs: Blobs) -> World:
        """A world on ``storage``, which holds a copy of the first world's rows.

        ``blobs`` (empty) is given a copy of the first world's recording.
        """
        recording = self.first.recording
        blobs.put(recording, self._blobs.read(recording))
        notifier = CapturingNotifier()
        notifier.messages = list(self._messages)
        core = _core(storage, blobs, notifier, Ids(self._issued))
        return World(core, notifier, like=self.first)


class SqliteWorlds:
    """Fresh SQLite worlds, in memory or in files: each a copy of one built once.

    Migrating and building cost more than copying the database with SQLite's backup.
    """

    def __init__(self, url: str, blobs: Blobs) -> None:
        self._template = Template(open_storage(url), blobs)

    def fresh(self, url: str, blobs: Blobs) -> World:
        """A world at ``url`` (``memory://`` or a new file) in the state the first one was."""
        if url == "memory://":
            storage = open_storage(url)
            with _connection(self._template.storage) as source, _connection(storage) as copy:
                source.backup(copy)
        else:
            copy = sqlite3.connect(url.removeprefix("sqlite:///"))
            try:
                with _connection(self._template.storage) as source:
                    source.backup(copy)
            finally:
                copy.close()
            storage = open_storage(url)
        return self._template.world(storage, blobs)

    def close(self) -> None:
        """Close the first world's storage."""
        self._template.storage.close()


class PostgresWorlds:
    """Fresh PostgreSQL worlds, all in one schema: built once, then put back for each.

    Migrating a schema and building a world cost seconds; putting the rows back (every
    table emptied and refilled from a copy taken once the world was built, every sequence
    reset) costs one round trip and a fraction of a second.
    """

    def __init__(self, dsn: str, blobs: Blobs) -> None:
        self._dsn = dsn
        self._schema = f"telco_test_{uuid.uuid4().hex[:12]}"
        self._copy = f"{self._schema}_copy"
        self._template = Template(open_storage(with_schema(dsn, self._schema)), blobs)
        self._restore = self._keep_copy()
        self._used = False

    def _keep_copy(self) -> bytes:
        """Copy every table into the copy schema; the script that puts the rows back."""
        from psycopg import sql  # noqa: PLC0415 - only the PostgreSQL worlds need the driver

        with _connection(self._template.storage) as conn, conn.transaction():
            tables = [
                row[0]
                for row in conn.execute(
                    b"SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            ]
            order = graphlib.TopologicalSorter({table: set[str]() for table in tables})
            for table, referenced in conn.execute(
                b"SELECT c.conrelid::regclass::text, c.confrelid::regclass::text "
                b"FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                b"WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace"
            ):
                if table != referenced:  # a table referring to itself is refilled at once
                    order.add(table.strip('"'), referenced.strip('"'))
            copy = sql.Identifier(self._copy)
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(copy))
            ordered = list(order.static_order())  # a table after those it refers to
            script = [sql.SQL("DELETE FROM {}").format(sql.Identifier(t)) for t in ordered[::-1]]
            for table in ordered:
                conn.execute(
                    sql.SQL("CREATE TABLE {}.{} AS SELECT * FROM {}").format(
                        copy, sql.Identifier(table), sql.Identifier(table)
                    )
                )
                script.append(
                    sql.SQL("INSERT INTO {} OVERRIDING SYSTEM VALUE SELECT * FROM {}.{}").format(
                        sql.Identifier(table), copy, sql.Identifier(table)
                    )
                )
            for sequence, value in conn.execute(
                b"SELECT sequencename, last_value FROM pg_sequences "
                b"WHERE schemaname = current_schema()"
            ):
                script.append(
                    sql.SQL("SELECT setval({}, {}, {})").format(
                        sql.Literal(sequence),
                        sql.Literal(value or 1),
                        sql.Literal(value is not None),
                    )
                )
            return sql.SQL("; ").join(script).as_bytes(conn)

    def fresh(self, blobs: Blobs) -> World:
        """A world in the state the first one was built in, its media bytes in ``blobs``."""
        if self._used:
            with _connection(self._template.storage) as conn, conn.transaction():
                conn.execute(self._restore)
        self._used = True
        return self._template.world(self._template.storage, blobs)

    def close(self) -> None:
        """Close the storage and drop both schemas."""
        self._template.storage.close()
        drop_schema(self._dsn, self._schema)
        drop_schema(self._dsn, self._copy)


class Worlds:
    """The worlds of one entry point, one per storage; fresh ones for the next one."""

    def __init__(self, tmp: Path) -> None:
        self._tmp = tmp
        self._name: str | None = None
        self._open: dict[str, World] = {}
        self._memory: SqliteWorlds | None = None
        self._sqlite: SqliteWorlds | None = None
        self._postgres: PostgresWorlds | None = None

    def of(self, name: str) -> dict[str, World]:
        """The worlds for entry point ``name``: a small audit chain stays quick to verify."""
        if name != self._name:
            self._close_open()
            self._name = name
            if self._memory is None or self._sqlite is None:
                self._memory = SqliteWorlds("memory://", MemoryBlobStore())
                self._sqlite = SqliteWorlds(
                    f"sqlite:///{self._tmp / 'first.db'}", self._blobs("first", "sqlite")
                )
            self._open = {
                "memory": self._memory.fresh("memory://", MemoryBlobStore()),
                "sqlite": self._sqlite.fresh(
                    f"sqlite:///{self._tmp / f'{name}.db'}", self._blobs(name, "sqlite")
                ),
            }
            dsn = os.environ.get(PG_DSN_VARIABLE)
            if dsn:
                if self._postgres is None:
                    self._postgres = PostgresWorlds(dsn, self._blobs("first", "postgres"))
                self._open["postgres"] = self._postgres.fresh(self._blobs(name, "postgres"))
        return self._open

    def _blobs(self, name: str, adapter: str) -> FileBlobStore:
        """A folder of media bytes of entry point ``name``'s own on ``adapter``."""
        return FileBlobStore(self._tmp / f"{name}-{adapter}.media")

    def _close_open(self) -> None:
        """Close the open worlds of memory and SQLite (PostgreSQL's storage stays open)."""
        for adapter, world in self._open.items():
            if adapter != "postgres":
                world.close()
        self._open = {}

    def close(self) -> None:
        """Close the open worlds and the first ones; drop the PostgreSQL schemas."""
        self._close_open()
        for kept in (self._memory, self._sqlite, self._postgres):
            if kept is not None:
                kept.close()
        self._memory = self._sqlite = self._postgres = None


@pytest.fixture(scope="module")
def opened_worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worlds]:
    """The worlds of the entry point under test, kept while its arguments are tested."""
    worlds = Worlds(tmp_path_factory.mktemp("bad-input"))
    yield worlds
    worlds.close()


@pytest.mark.parametrize(("name", "argument"), CASES)
def test_bad_input_is_refused_alike_everywhere(
    opened_worlds: Worlds, name: str, argument: str
) -> None:
    """Each bad value is a TelcoError (or accepted), the same on every storage, harmlessly."""
    worlds = opened_worlds.of(name)
    problems: list[str] = []
    for label, bad in BAD.items():
        outcomes: dict[str, Outcome] = {}
        for adapter, world in worlds.items():
            outcomes[adapter] = _outcome(world, name, argument, bad)
            problems += [f"{label} on {adapter}: {d}" for d in _damage(world)]
        if any(o.startswith("raw ") for o in outcomes.values()) or len(set(outcomes.values())) > 1:
            problems.append(f"{label}: {outcomes}")
    assert not problems, "\n".join(problems)
