"""What the audit log costs: audited account updates, and checked diffs against jsonpatch.

``audit.account_update.<storage>`` (memory, SQLite, PostgreSQL when a server is given):

*Ours*: ``core.accounts.update(account_id, name=...)``, the name alternating between two
values so that every call is a real change. The service reads the account, changes it,
stores it with its version bumped, and writes one audit entry (the checked JSON Patch from
the account before to the account after, sealed into the hash chain) in the same unit of
work, then commits.

*Baseline*: the same update on the same storage without the audit entry: a unit of work
from the storage's own ``unit_of_work()`` doing ``uow.get(AccountRepository).get``, the name change,
``uow.get(AccountRepository).update`` and ``commit``, on a second account of the same storage. So
the
ratio shows what auditing adds to an update.

``audit.diff``:

*Ours*: :func:`telcocore.audit.model.diff.make_patch`, which asks jsonpatch for the patch and then
verifies it (applies it to a copy of "before" and compares with "after" strictly) before
returning it.

*Baseline*: ``jsonpatch.make_patch(before, after).patch`` alone, unchecked.

Both diff the same pairs of typical account documents: the converter's unstructured
:class:`~telcocore.accounts.model.Account` (secrets redacted, as the audit log stores it)
before and after one update each (name, debit limit, channel limit, locale, tax rate, low
balance threshold, status, several settings at once), taken in turn.

No issue sets a target for these benchmarks. Temporary files and schemas are removed
afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import jsonpatch

import telcocore
from benchmarks.harness import (
    Benchmark,
    Case,
    Operation,
    Skip,
    pg_admin,
    postgres_dsn,
    schema_sql,
    with_schema,
)
from telcocore.accounts.model import Account, AccountStatus
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.diff import make_patch
from telcocore.audit.services import document
from telcocore.kernel.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


__all__ = ["BENCHMARKS"]

AUDITED = "bench-audited"
"""The account ours updates through the service."""
PLAIN = "bench-plain"
"""The account the baseline updates through the storage alone."""
CURRENCY = "USD"
NAMES = ("Benchmark Customer A", "Benchmark Customer B")
"""Updates alternate between these names, so each one is a real change."""


# -- audit.account_update ---------------------------------------------------------------


def _ours_update(core: telcocore.TelcoCore) -> Operation:
    update = core.accounts.update
    names = itertools.cycle(NAMES)

    def run(n: int) -> None:
        for name in itertools.islice(names, n):
            update(AUDITED, name=name)

    return run


def _baseline_update(core: telcocore.TelcoCore) -> Operation:
    unit_of_work = core.storage.unit_of_work
    names = itertools.cycle(NAMES)

    def run(n: int) -> None:
        for name in itertools.islice(names, n):
            with unit_of_work() as uow:
                account = uow.get(AccountRepository).get(PLAIN)
                account.name = name
                uow.get(AccountRepository).update(account)
                uow.commit()

    return run


def _update_case(core: telcocore.TelcoCore, note: str) -> Case:
    """Open both accounts on ``core`` (the audited one's opening is audited too)."""
    for account_id in (AUDITED, PLAIN):
        core.accounts.open(NAMES[1], CURRENCY, account_id=account_id, debit_limit=100)
    return Case(ours=_ours_update(core), baseline=_baseline_update(core), note=note)


@contextlib.contextmanager
def _memory() -> Iterator[Case]:
    core = telcocore.connect("memory://")
    try:
        yield _update_case(core, "both sides on one memory:// storage")
    finally:
        core.close()


@contextlib.contextmanager
def _sqlite() -> Iterator[Case]:
    with tempfile.TemporaryDirectory(prefix="telcocore-bench-") as directory:
        core = telcocore.connect(f"sqlite:///{Path(directory, 'audit.db')}")
        try:
            note = (
                "both sides on one sqlite:///<temporary file> storage, with the adapter's "
                "default settings (WAL, synchronous=FULL)"
            )
            yield _update_case(core, note)
        finally:
            core.close()


@contextlib.contextmanager
def _postgres() -> Iterator[Case]:
    dsn = postgres_dsn()
    if dsn is None:
        msg = "no PostgreSQL (set TELCOCORE_BENCH_PG_DSN or TELCOCORE_TEST_PG_DSN)"
        raise Skip(msg)
    schema = f"bench_audit_{uuid.uuid4().hex[:12]}"
    url = with_schema(dsn, schema)
    if url is None:
        msg = "the DSN must be a postgresql:// URL to add ?schema= to it"
        raise Skip(msg)
    admin = pg_admin(dsn)
    try:
        admin.execute(schema_sql("CREATE SCHEMA IF NOT EXISTS {}", schema))
        core = telcocore.connect(url)
        try:
            note = f"both sides on one storage in schema {schema}, dropped afterwards"
            yield _update_case(core, note)
        finally:
            core.close()
    finally:
        admin.execute(schema_sql("DROP SCHEMA IF EXISTS {} CASCADE", schema))
        admin.close()


# -- audit.diff -------------------------------------------------------------------------


def _set(**changes: Any) -> Callable[[Account], Account]:  # noqa: ANN401 - any field
    def change(account: Account) -> Account:
        return attrs.evolve(account, **changes)

    return change


def _document_pairs() -> list[tuple[Any, Any]]:
    """``(before, after)`` account documents, one pair per typical update."""
    account = Account(
        id="acme-1001",
        name="Acme Telecom Ltd",
        currency=CURRENCY,
        created_at=datetime(2026, 1, 15, 9, 30, tzinfo=UTC),
        debit_limit=Money("250.00", CURRENCY),
        channel_limit=10,
        home_country="GB",
        locale="en_GB",
        realm="acme.sip.example.net",
        tax_rate=Decimal("0.2"),
        low_balance_threshold=Money("20.00", CURRENCY),
        version=7,
    )
    updates = [
        _set(name="Acme Telecom Group Ltd"),
        _set(debit_limit=Money("500.00", CURRENCY)),
        _set(channel_limit=25),
        _set(channel_limit=None),
        _set(locale="de_DE", home_country="DE"),
        _set(tax_rate=Decimal("0.19")),
        _set(low_balance_threshold=None),
        _set(status=AccountStatus.PENALTY),
        _set(realm=None, name="Acme", debit_limit=Money("0", CURRENCY), channel_limit=2),
    ]
    pairs = []
    for update in updates:
        after = update(account)
        after.version = account.version + 1
        pairs.append((document(account), document(after)))
    return pairs


def _diff_side(diff: Callable[[Any, Any], object]) -> Operation:
    pairs = itertools.cycle(_document_pairs())

    def run(n: int) -> None:
        for before, after in itertools.islice(pairs, n):
            diff(before, after)

    return run


def _jsonpatch_patch(before: Any, after: Any) -> object:  # noqa: ANN401 - JSON documents
    return jsonpatch.make_patch(before, after).patch


@contextlib.contextmanager
def _diff() -> Iterator[Case]:
    pairs = _document_pairs()
    for before, after in pairs:  # the two sides must agree before they are compared
        if make_patch(before, after) != _jsonpatch_patch(before, after):
            msg = "make_patch and jsonpatch disagree on a typical account update"
            raise RuntimeError(msg)
    yield Case(
        ours=_diff_side(make_patch),
        baseline=_diff_side(_jsonpatch_patch),
        note=f"{len(pairs)} pairs of account documents, taken in turn",
    )


BENCHMARKS = [
    Benchmark(
        name="audit.account_update.memory",
        measures="core.accounts.update(name=...) on memory://, one audit entry each",
        baseline="storage.unit_of_work(): accounts.get, change, accounts.update, commit; no entry",
        setup=_memory,
        ops=5_000,
        quick_ops=500,
        repeats=7,
        quick_repeats=2,
        unit="updates/s",
    ),
    Benchmark(
        name="audit.account_update.sqlite",
        measures="core.accounts.update(name=...) on sqlite:///file, one audit entry each",
        baseline="storage.unit_of_work(): accounts.get, change, accounts.update, commit; no entry",
        setup=_sqlite,
        ops=1_000,
        quick_ops=100,
        repeats=5,
        quick_repeats=2,
        unit="updates/s",
    ),
    Benchmark(
        name="audit.account_update.postgres",
        measures="core.accounts.update(name=...) on postgresql://...?schema=, one entry each",
        baseline="storage.unit_of_work(): accounts.get, change, accounts.update, commit; no entry",
        setup=_postgres,
        ops=1_000,
        quick_ops=100,
        repeats=5,
        quick_repeats=2,
        unit="updates/s",
    ),
    Benchmark(
        name="audit.diff",
        measures="telcocore.audit.model.diff.make_patch (verified) on account documents",
        baseline="jsonpatch.make_patch(before, after).patch on the same pairs (unchecked)",
        setup=_diff,
        ops=5_000,
        quick_ops=500,
        repeats=7,
        quick_repeats=3,
        unit="diffs/s",
    ),
]
