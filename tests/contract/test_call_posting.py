"""Posting call records, importing files and the per-minute log, on every storage."""

from __future__ import annotations

import decimal
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from tests.conftest import START

from telcocore import Money, Rate, RateDeck, TelcoCore, ValidationError
from telcocore.billing.ledger.model import TransactionKind
from telcocore.calls.errors import InvalidImportOptions
from telcocore.calls.model.classification import Classification
from telcocore.calls.model.posting import PostedCall, RefusalKind
from telcocore.calls.model.records import CallRecord
from telcocore.calls.ports import CallRecordRepository
from telcocore.calls.services.posting import usage_key
from telcocore.kernel.errors import NaiveDatetime
from telcocore.platform.ports import UnitOfWork

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def _usd(amount: str) -> Money:
    return Money(amount, "USD")


def _deck(name: str, uk: str = "0.06", us: str = "0.01") -> RateDeck:
    return RateDeck(
        name,
        "USD",
        [
            Rate("1", "North America", Decimal(us), effective_from=SINCE),
            Rate("44", "United Kingdom", Decimal(uk), effective_from=SINCE),
        ],
    )


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """A US account with 1.00 of credit and the retail deck."""
    core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
    core.ledger.credit("acme", "1.00", idempotency_key="seed")
    core.rating.save_deck(_deck("retail"))
    core.rating.assign("acme", "retail")
    return "acme"


def _call(  # noqa: PLR0913 - a record's parts, with defaults
    call_id: str,
    destination: str = "+442071234567",
    seconds: int = 60,
    *,
    account_id: str = "acme",
    start: datetime = START,
    source: str = "1001",
) -> CallRecord:
    answer = start + timedelta(seconds=2)
    return CallRecord(
        call_id=call_id,
        account_id=account_id,
        source=source,
        destination=destination,
        start=start,
        answer=answer if seconds else None,
        end=answer + timedelta(seconds=seconds),
        duration=seconds + 2,
        billable=seconds,
        disposition="answered" if seconds else "no_answer",
    )


def _stored(core: TelcoCore, call_id: str) -> PostedCall | None:
    with core.storage.unit_of_work(read_only=True) as uow:
        return uow.get(CallRecordRepository).find(call_id)


def _summarize(uow: UnitOfWork, posted: Sequence[PostedCall]) -> None:
    """A summary hook: stores one row summing the batch (as a call record, for the test)."""
    first = posted[0]
    total = sum((call.charge.amount for call in posted), Decimal(0))
    summary = attrs.evolve(
        first,
        record=attrs.evolve(first.record, call_id=f"summary-{first.record.call_id}"),
        charge=Money(total, first.charge.currency),
    )
    uow.get(CallRecordRepository).add_many([summary])


class TestPosting:
    """Posting rates, classifies, stores and charges each new call record."""

    def test_a_batch_is_stored_and_charged_once_per_account(
        self, core: TelcoCore, acme: str
    ) -> None:
        """Two UK minutes and one US minute: one usage transaction of their sum."""
        result = core.calls.post_many([_call("c1"), _call("c2"), _call("c3", "+14155550123")])
        assert (3, 0, 0, 0, ()) == (
            result.posted,
            result.duplicates,
            result.unrated,
            result.refused,
            result.refusals,
        )
        assert _usd("0.87") == core.ledger.balance(acme)  # 1.00 - 0.06 - 0.06 - 0.01
        (transaction_id,) = result.transaction_ids
        transaction = core.ledger.get(transaction_id)
        assert (TransactionKind.USAGE, usage_key(["c1", "c2", "c3"])) == (
            transaction.kind,
            transaction.idempotency_key,
        )
        stored = _stored(core, "c1")
        assert stored is not None
        assert (
            "44",
            "United Kingdom",
            60,
            Decimal("0.06"),
            _usd("0.0600"),
            None,
            transaction_id,
            Classification.INTERNATIONAL,
        ) == (
            stored.prefix,
            stored.description,
            stored.billed_seconds,
            stored.rate_per_minute,
            stored.charge,
            stored.provider_cost,
            stored.transaction_id,
            stored.record.classification,
        )
        us = _stored(core, "c3")
        assert us is not None
        assert Classification.DOMESTIC == us.record.classification

    def test_rounding_each_call_then_summing(self, core: TelcoCore, acme: str) -> None:
        """Each call is rounded by the deck, then the rounded charges are summed."""
        core.rating.save_deck(_deck("odd", uk="0.00007"))
        core.rating.assign(acme, "odd")
        # 30 s at 0.00007/min = 0.000035 -> 0.0000 (half up at 4 places: 0.0000|35 -> 0.0000)
        result = core.calls.post_many([_call(f"c{i}", seconds=30) for i in range(3)])
        charges = [c.charge for c in (_stored(core, f"c{i}") for i in range(3)) if c]
        total = sum((c.amount for c in charges), Decimal(0))
        assert core.ledger.balance(acme) == _usd("1.00") - Money(total, "USD")
        assert result.posted == 3

    @pytest.mark.parametrize("dialled", ["011 44 20 7123 4567", "+44 (20) 7123-4567"])
    def test_a_number_as_dialled_is_rated_as_authorizing_rates_it(
        self, core: TelcoCore, acme: str, dialled: str
    ) -> None:
        """A destination as dialled from the US is rated in E.164, as authorize() rates it."""
        allowed = core.calls.authorize(acme, "1001", dialled, at=START)
        core.calls.post(_call("dialled", destination=dialled))
        posted = _stored(core, "dialled")
        assert posted is not None
        assert ("44", "44") == (allowed.prefix, posted.prefix)
        assert dialled == posted.record.destination

    def test_a_duplicate_posts_nothing(self, core: TelcoCore, acme: str) -> None:
        """A call id stored already, or twice in a batch, changes nothing."""
        core.calls.post(_call("c1"))
        again = core.calls.post_many([_call("c1"), _call("c2"), _call("c2")])
        assert (1, 2) == (again.posted, again.duplicates)
        assert _usd("0.88") == core.ledger.balance(acme)

    def test_unrated_and_refused_are_not_stored(self, core: TelcoCore, acme: str) -> None:
        """No rate, no account, no deck: reported with the reason, never free."""
        core.accounts.open("Bare", "USD", account_id="bare")
        result = core.calls.post_many(
            [
                _call("c1", "+999123"),
                _call("c2", account_id="ghost"),
                _call("c3", account_id="bare"),
                _call("c4"),
            ]
        )
        assert (1, 1, 2) == (result.posted, result.unrated, result.refused)
        assert [
            ("c1", RefusalKind.UNRATED, "no rate for this destination"),
            ("c2", RefusalKind.REFUSED, "no such account"),
            ("c3", RefusalKind.REFUSED, "no rate deck assigned"),
        ] == [(r.call_id, r.kind, r.reason) for r in result.refusals]
        assert [None, None, None] == [_stored(core, c) for c in ("c1", "c2", "c3")]
        assert _usd("0.94") == core.ledger.balance(acme)

    def test_the_provider_cost_is_stored(self, core: TelcoCore, acme: str) -> None:
        """With a provider deck, each call stores what the carrier charges."""
        core.rating.save_deck(_deck("carrier", uk="0.02"))
        core.rating.assign(acme, "retail", "carrier")
        core.calls.post(_call("c1", seconds=120))
        stored = _stored(core, "c1")
        assert stored is not None
        assert (_usd("0.1200"), _usd("0.0400")) == (stored.charge, stored.provider_cost)

    def test_a_zero_second_call_is_stored_free(self, core: TelcoCore, acme: str) -> None:
        """An unanswered call is stored with a zero charge and posts nothing."""
        result = core.calls.post(_call("c1", seconds=0))
        stored = _stored(core, "c1")
        assert stored is not None
        assert ((), Decimal(0), None) == (
            result.transaction_ids,
            stored.charge.amount,
            stored.transaction_id,
        )
        assert _usd("1.00") == core.ledger.balance(acme)

    def test_usage_posts_past_the_limit(self, core: TelcoCore, acme: str) -> None:
        """The calls happened: their charge posts even beyond the credit."""
        core.calls.post_many([_call(f"c{i}", seconds=600) for i in range(3)])  # 0.60 each
        assert _usd("-0.80") == core.ledger.balance(acme)

    def test_posting_releases_the_call_hold(self, core: TelcoCore, acme: str) -> None:
        """The posted call's channel ends and its hold is released, in the same unit."""
        core.calls.start_call("c1", acme, hold="0.30")
        core.calls.start_call("c2", acme, hold="0.10")
        core.calls.post(_call("c1"))
        assert (1, _usd("0.10"), _usd("0.94")) == (
            core.calls.channels_in_use(acme),
            core.ledger.held(acme),
            core.ledger.balance(acme),
        )

    def test_a_failing_batch_leaves_nothing(self, core: TelcoCore, acme: str) -> None:
        """A hook that raises rolls back the records, the charge and the hook's own write."""

        def hook(uow: UnitOfWork, posted: Sequence[PostedCall]) -> None:
            _summarize(uow, posted)
            written.append(len(posted))
            raise RuntimeError

        written: list[int] = []
        core.calls.summary_hooks.append(hook)
        core.calls.start_call("c1", acme, hold="0.30")
        with pytest.raises(RuntimeError):
            core.calls.post_many([_call("c1"), _call("c2")])
        assert [2] == written
        assert (None, None, _usd("1.00"), 1) == (
            _stored(core, "c1"),
            _stored(core, "summary-c1"),
            core.ledger.balance(acme),
            core.calls.channels_in_use(acme),
        )

    @pytest.mark.usefixtures("acme")
    def test_a_hook_writes_in_the_batch(self, core: TelcoCore) -> None:
        """A summary hook's writes commit with the batch."""
        core.calls.summary_hooks.append(_summarize)
        core.calls.post_many([_call("c1"), _call("c2")])
        summary = _stored(core, "summary-c1")
        assert summary is not None
        assert _usd("0.1200") == summary.charge

    @pytest.mark.usefixtures("acme")
    def test_bad_records_refuse_the_batch(self, core: TelcoCore) -> None:
        """Anything not a CallRecord refuses everything before a write."""
        with pytest.raises(ValidationError):
            core.calls.post_many([_call("c1"), "c2"])  # type: ignore[list-item]
        with pytest.raises(ValidationError):
            core.calls.post("c1")  # type: ignore[arg-type]
        assert _stored(core, "c1") is None


def _master_csv(count: int, *, account: str = "acme") -> str:
    """An Asterisk Master.csv (18 columns) of ``count`` answered calls to the UK."""
    lines = []
    for i in range(count):
        start = START + timedelta(minutes=i)
        answer = start + timedelta(seconds=2)
        end = answer + timedelta(seconds=60)
        f = "%Y-%m-%d %H:%M:%S"
        lines.append(
            f'"{account}","1001","442071234{i:03d}","default","""Alice"" <1001>",'
            f'"SIP/1001-0001","SIP/trunk-0002","Dial","SIP/trunk/442071234{i:03d}",'
            f'"{start:{f}}","{answer:{f}}","{end:{f}}",62,60,"ANSWERED","DOCUMENTATION",'
            f'"1700000000.{i}",""'
        )
    return "\n".join(lines) + "\n"


class TestImportFile:
    """import_file posts a file's records a batch at a time."""

    def test_importing_twice_posts_nothing_new(self, core: TelcoCore, acme: str) -> None:
        """The second import finds every call a duplicate."""
        text = _master_csv(5) + "garbage line\n"
        first = core.calls.import_file("asterisk", io.StringIO(text), batch_size=2)
        second = core.calls.import_file("asterisk", io.StringIO(text), batch_size=2)
        assert (6, 5, 0, 1) == (first.read, first.imported, first.duplicates, first.rejected)
        assert (0, 5) == (second.imported, second.duplicates)
        assert _usd("0.70") == core.ledger.balance(acme)
        assert [6] == [row.line for row in first.rejected_rows]  # type: ignore[attr-defined]

    @pytest.mark.usefixtures("acme")
    def test_rejected_rows_go_to_a_stream(self, core: TelcoCore) -> None:
        """Every rejected row is written as line,reason,raw."""
        out = io.StringIO()
        core.calls.import_file("asterisk", io.StringIO("bad\n" + _master_csv(1)), rejected=out)
        assert out.getvalue().startswith("1,")

    def test_a_csv_file_with_a_column_map(self, core: TelcoCore, acme: str) -> None:
        """kind="csv" reads through ``columns``; ``account=`` names the account."""
        text = (
            "id,to,started,ended,secs\n"
            "x1,+442071234567,2026-03-14 15:00:00,2026-03-14 15:01:00,60\n"
            "x2,+14155550123,2026-03-14 15:05:00,2026-03-14 15:06:00,60\n"
        )
        columns = {
            "call_id": "id",
            "destination": "to",
            "start": "started",
            "end": "ended",
            "billable": "secs",
        }
        report = core.calls.import_file(
            "csv", io.StringIO(text), account=acme, columns=columns, batch_size=1
        )
        assert (2, 2) == (report.read, report.imported)
        assert _usd("0.93") == core.ledger.balance(acme)

    def test_a_freeswitch_file(self, core: TelcoCore, acme: str) -> None:
        """kind="freeswitch" reads the default template's columns."""
        row = (
            '"Alice","1001","+442071234567","default","2026-03-14 15:00:00",'
            '"2026-03-14 15:00:02","2026-03-14 15:01:02","62","60","NORMAL_CLEARING",'
            '"6f0c3e2a-0000-4000-8000-000000000001","","","",""\n'
        )
        report = core.calls.import_file("freeswitch", io.StringIO(row), account=acme)
        assert (1, 1, 0) == (report.read, report.imported, report.rejected), report
        assert _usd("0.94") == core.ledger.balance(acme)

    @pytest.mark.usefixtures("acme")
    def test_rejected_rows_go_to_a_path(self, core: TelcoCore, tmp_path: Path) -> None:
        """A PathLike is appended to; a plain string is refused (it creates no file)."""
        target = tmp_path / "rejected.csv"
        for _ in range(2):
            core.calls.import_file("asterisk", io.StringIO("bad\n"), rejected=target)
        assert 2 == len(target.read_text().splitlines())
        with pytest.raises(InvalidImportOptions):
            core.calls.import_file(
                "asterisk",
                io.StringIO("bad\n"),
                rejected=str(tmp_path / "no.csv"),  # type: ignore[arg-type]
            )
        assert not (tmp_path / "no.csv").exists()

    def test_bad_options(self, core: TelcoCore, acme: str) -> None:
        """Unknown kinds, misplaced options and bad batch sizes are refused."""
        source = io.StringIO(_master_csv(1))
        for kwargs in (
            {"kind": "excel"},
            {"kind": "asterisk", "template": "default"},
            {"kind": "asterisk", "columns": {"start": "s"}},
            {"kind": "csv"},
        ):
            with pytest.raises(InvalidImportOptions):
                core.calls.import_file(source=source, **kwargs)
        with pytest.raises(ValidationError):
            core.calls.import_file("asterisk", source, batch_size=0)
        assert _usd("1.00") == core.ledger.balance(acme)


class TestInternationalLog:
    """The per-minute log lists international calls with totals over the range."""

    def test_pages_and_totals(self, core: TelcoCore, acme: str) -> None:
        """Three UK calls in the range over two pages; domestic calls are left out."""
        calls = [_call(f"uk{i}", start=START + timedelta(minutes=i), seconds=90) for i in range(3)]
        calls += [_call("us", "+14155550123"), _call("late", start=START + timedelta(days=2))]
        core.calls.post_many(calls)
        end = START + timedelta(days=1)
        first = core.calls.international_log(acme, start=START, end=end, limit=2)
        assert first.next_after is not None
        second = core.calls.international_log(
            acme, start=START, end=end, limit=2, after=first.next_after
        )
        assert ["uk0", "uk1", "uk2"] == [r.call_id for r in first.rows + second.rows]
        assert second.next_after is None
        row = first.rows[0]
        assert ("United Kingdom", Decimal("1.5"), Decimal("0.06"), _usd("0.09"), "1001") == (
            row.description,
            row.minutes,
            row.rate_per_minute,
            row.charge,
            row.source,
        )
        assert (3, Decimal("4.5"), _usd("0.27")) == (
            first.totals.calls,
            first.totals.minutes,
            first.totals.charges,
        )

    def test_minutes_do_not_depend_on_the_callers_decimal_context(
        self, core: TelcoCore, acme: str
    ) -> None:
        """70 billed seconds read under a 4-digit context are still 28 digits of minutes."""
        core.calls.post(_call("uk", seconds=70))
        end = START + timedelta(days=1)
        with decimal.localcontext(prec=4, rounding=decimal.ROUND_DOWN):
            page = core.calls.international_log(acme, start=START, end=end)
        expected = Decimal("1.166666666666666666666666667")
        assert [expected] == [row.minutes for row in page.rows]
        assert expected == page.totals.minutes

    def test_bad_ranges(self, core: TelcoCore, acme: str) -> None:
        """Naive times, an empty range, a bad cursor or limit are refused."""
        end = START + timedelta(days=1)
        with pytest.raises(NaiveDatetime):
            core.calls.international_log(acme, start=START.replace(tzinfo=None), end=end)
        for kwargs in ({"end": START}, {"end": end, "after": "x"}, {"end": end, "limit": 0}):
            with pytest.raises(ValidationError):
                core.calls.international_log(acme, start=START, **kwargs)
