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

``audit.diff.<family>`` (account, contact, account_contacts):

*Ours*: :func:`telcocore.audit.model.diff.make_patch`, which asks jsonpatch for the patch and then
verifies it (applies it to a copy of "before" and compares with "after" strictly) before
returning it.

*Baseline*: ``jsonpatch.make_patch(before, after).patch`` alone, unchecked.

Both diff the same pairs of documents from :mod:`benchmarks.documents`, one row per family:
the converter's unstructured :class:`~telcocore.accounts.model.Account` and
:class:`~telcocore.contacts.model.Contact` (secrets redacted, as the audit log stores them)
before and after one typical update each, and an account with its contacts as a list (a
contact added, removed, changed), taken in turn.

No issue sets a target for these benchmarks. Temporary files and schemas are removed
afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonpatch

import telcocore
from benchmarks.documents import document_pairs, leaves
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
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.diff import make_patch

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
            note = "both sides on one storage in schema bench_audit_<random>, dropped afterwards"
            yield _update_case(core, note)
        finally:
            core.close()
    finally:
        admin.execute(schema_sql("DROP SCHEMA IF EXISTS {} CASCADE", schema))
        admin.close()


# -- audit.diff -------------------------------------------------------------------------


def _diff_side(diff: Callable[[Any, Any], object], family: str) -> Operation:
    pairs = itertools.cycle(document_pairs()[family])

    def run(n: int) -> None:
        for before, after in itertools.islice(pairs, n):
            diff(before, after)

    return run


def _jsonpatch_patch(before: Any, after: Any) -> object:  # noqa: ANN401 - JSON documents
    return jsonpatch.make_patch(before, after).patch


def _diff(family: str) -> Callable[[], contextlib.AbstractContextManager[Case]]:
    @contextlib.contextmanager
    def setup() -> Iterator[Case]:
        pairs = document_pairs()[family]
        for before, after in pairs:  # the two sides must agree before they are compared
            if make_patch(before, after) != _jsonpatch_patch(before, after):
                msg = f"make_patch and jsonpatch disagree on a typical {family} update"
                raise RuntimeError(msg)
        sizes = sorted({leaves(before) for before, _ in pairs})
        yield Case(
            ours=_diff_side(make_patch, family),
            baseline=_diff_side(_jsonpatch_patch, family),
            note=(
                f"{len(pairs)} pairs of {family} documents ({'/'.join(map(str, sizes))} "
                "scalar fields), taken in turn"
            ),
        )

    return setup


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
    *(
        Benchmark(
            name=f"audit.diff.{name}",
            measures=f"telcocore.audit.model.diff.make_patch (verified) on {family} documents",
            baseline="jsonpatch.make_patch(before, after).patch on the same pairs (unchecked)",
            setup=_diff(family),
            ops=ops,
            quick_ops=ops // 10,
            repeats=7,
            quick_repeats=3,
            unit="diffs/s",
        )
        for name, family, ops in (
            ("account", "account", 5_000),
            ("contact", "contact", 5_000),
            ("account_contacts", "account+contacts", 1_000),
        )
    ),
]
