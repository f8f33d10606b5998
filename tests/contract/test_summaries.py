"""Summaries kept as calls are posted, read, and rebuilt from the call records, on every storage."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import START

from telcocore import (
    AccountNotFound,
    Grain,
    InvalidSelection,
    Money,
    NaiveDatetime,
    Period,
    Rate,
    RateDeck,
    SummaryRow,
    TelcoCore,
    ValidationError,
)
from telcocore.calls.model.classification import Classification
from telcocore.calls.model.posting import PostedCall
from telcocore.calls.model.records import CallRecord
from telcocore.platform.ports import UnitOfWork
from telcocore.reporting import services
from telcocore.reporting.ports import SummaryRepository
from telcocore.testing import FixedClock

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
EVER = (SINCE, datetime(2027, 1, 1, tzinfo=UTC))
"""A range holding every call of these tests."""
UK = "+442071234567"
US = "+14155550123"
FR = "+33142685300"


def _usd(amount: str) -> Money:
    return Money(amount, "USD")


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """A US account priced by the retail deck and costed by the carrier deck (UK only)."""
    core.rating.save_deck(
        RateDeck(
            "retail",
            "USD",
            [
                Rate("1", "North America", Decimal("0.01"), effective_from=SINCE),
                Rate("33", "France", Decimal("0.03"), effective_from=SINCE),
                Rate("44", "United Kingdom", Decimal("0.06"), effective_from=SINCE),
            ],
        )
    )
    core.rating.save_deck(
        RateDeck("carrier", "USD", [Rate("44", "UK", Decimal("0.02"), effective_from=SINCE)])
    )
    return _opened(core, "acme")


def _opened(core: TelcoCore, account_id: str) -> str:
    core.accounts.open("Acme", "USD", account_id=account_id, home_country="US")
    core.rating.assign(account_id, "retail", "carrier")
    return account_id


def _call(  # noqa: PLR0913 - a record's parts, with defaults
    call_id: str,
    destination: str = UK,
    seconds: int = 60,
    *,
    start: datetime = START,
    account_id: str = "acme",
    answered: bool | None = None,
) -> CallRecord:
    picked_up = bool(seconds) if answered is None else answered
    return CallRecord(
        call_id=call_id,
        account_id=account_id,
        source="1001",
        destination=destination,
        start=start,
        answer=start if picked_up else None,
        end=start + timedelta(seconds=seconds + 5),
        duration=seconds + 5,
        billable=seconds,
        disposition="answered" if picked_up else "no_answer",
    )


def _kept(core: TelcoCore, account_id: str = "acme") -> dict[Grain, list[SummaryRow]]:
    return {
        Grain.HOUR: core.summaries.hourly(account_id, *EVER),
        Grain.DAY: core.summaries.daily(account_id, *EVER),
        Grain.MONTH: core.summaries.monthly(account_id, *EVER),
    }


class TestKeeping:
    """Each batch adds its new calls to the rows of their account, period and destination."""

    def test_a_day_of_calls_is_summed_per_destination_and_class(
        self, core: TelcoCore, acme: str
    ) -> None:
        """Three UK calls (one unanswered) and one US call: two rows with their sums."""
        core.calls.post_many(
            [_call("c1"), _call("c2", seconds=30), _call("c3", seconds=0), _call("c4", US)]
        )
        us, uk = core.summaries.daily(acme, *EVER)
        assert (START.replace(hour=0, minute=0, second=0), "44", "United Kingdom") == (
            uk.period_start,
            uk.prefix,
            uk.description,
        )
        assert (Classification.INTERNATIONAL, 3, 2, Decimal(90), 90) == (
            uk.classification,
            uk.attempts,
            uk.connected,
            uk.duration,
            uk.billed_seconds,
        )
        assert (_usd("0.09"), 3, _usd("0.03"), _usd("0.06")) == (
            uk.charge,
            uk.costed_calls,
            uk.cost,
            uk.profit,
        )
        assert (Decimal("66.67"), Decimal("45.00"), Decimal("66.67"), True) == (
            uk.asr,
            uk.acd,
            uk.profit_percent,
            uk.cost_complete,
        )
        assert ("1", Classification.DOMESTIC, 1, _usd("0.01"), None, None, None, False) == (
            us.prefix,
            us.classification,
            us.attempts,
            us.charge,
            us.cost,
            us.profit,
            us.profit_percent,
            us.cost_complete,
        )

    def test_batches_add_up_and_a_duplicate_adds_nothing(self, core: TelcoCore, acme: str) -> None:
        """Posting a call again (alone or in a later batch) leaves every row as it was."""
        core.calls.post_many([_call("c1"), _call("c2")])
        core.calls.post_many([_call("c2"), _call("c3")])
        once = _kept(core, acme)
        result = core.calls.post_many([_call("c1"), _call("c3"), _call("c3")])
        assert (0, 3) == (result.posted, result.duplicates)
        assert once == _kept(core, acme)
        (row,) = once[Grain.MONTH]
        assert (3, _usd("0.18")) == (row.attempts, row.charge)

    def test_a_failed_batch_leaves_the_summaries_as_they_were(
        self, core: TelcoCore, acme: str
    ) -> None:
        """A hook that fails after the summaries were written rolls them back with the batch."""
        core.calls.post(_call("c1"))
        before = _kept(core, acme)

        def fail(_uow: UnitOfWork, _calls: Sequence[PostedCall]) -> None:
            msg = "the next hook failed"
            raise ValidationError(msg)

        core.calls.summary_hooks.append(fail)
        with pytest.raises(ValidationError, match="next hook"):
            core.calls.post(_call("c2"))
        assert before == _kept(core, acme)

    def test_calls_of_two_accounts_are_kept_apart(self, core: TelcoCore, acme: str) -> None:
        """One batch for two accounts: each account's rows count its own calls."""
        other = _opened(core, "globex")
        core.calls.post_many(
            [_call("a1"), _call("g1", account_id=other), _call("g2", FR, account_id=other)]
        )
        assert [1] == [r.attempts for r in core.summaries.daily(acme, *EVER)]
        rows = core.summaries.daily(other, *EVER)
        assert [("33", 1), ("44", 1)] == [(r.prefix, r.attempts) for r in rows]


class TestBoundaries:
    """A call belongs to the UTC hour, day and month in which it started."""

    def test_the_last_and_first_second_of_a_month(self, core: TelcoCore, acme: str) -> None:
        """31 March 23:59:59 counts in March; 1 April 00:00:00 in April."""
        last = datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)
        core.calls.post_many(
            [_call("late", start=last), _call("early", start=last + timedelta(seconds=1))]
        )
        days = core.summaries.daily(acme, *EVER)
        months = core.summaries.monthly(acme, *EVER)
        hours = core.summaries.hourly(acme, *EVER)
        assert [(datetime(2026, 3, 31, tzinfo=UTC), 1), (datetime(2026, 4, 1, tzinfo=UTC), 1)] == [
            (r.period_start, r.attempts) for r in days
        ]
        assert [datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)] == [
            r.period_start for r in months
        ]
        assert [datetime(2026, 3, 31, 23, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)] == [
            r.period_start for r in hours
        ]

    def test_a_range_holds_the_periods_that_start_in_it(self, core: TelcoCore, acme: str) -> None:
        """daily(start, end) reads the days starting in [start, end), aware times in any zone."""
        first = datetime(2026, 3, 14, tzinfo=UTC)
        core.calls.post_many([_call(f"d{n}", start=first + timedelta(days=n)) for n in range(3)])
        rows = core.summaries.daily(acme, first + timedelta(days=1), first + timedelta(days=2))
        assert [first + timedelta(days=1)] == [r.period_start for r in rows]
        with pytest.raises(NaiveDatetime):
            core.summaries.daily(acme, datetime(2026, 3, 14), first)  # noqa: DTZ001 - the point
        with pytest.raises(ValidationError, match="after start"):
            core.summaries.daily(acme, first, first)

    def test_the_live_view_rolls_hourly(
        self, core: TelcoCore, acme: str, clock: FixedClock
    ) -> None:
        """At 08:59 a call of 09:15 the day before is live; at 09:00 it is gone."""
        clock.set(datetime(2026, 3, 15, 8, 59, tzinfo=UTC))
        core.calls.post_many(
            [
                _call("old", start=datetime(2026, 3, 14, 8, 59, 59, tzinfo=UTC)),
                _call("yesterday", start=datetime(2026, 3, 14, 9, 15, tzinfo=UTC)),
                _call("now", start=datetime(2026, 3, 15, 8, 30, tzinfo=UTC)),
            ]
        )
        assert [datetime(2026, 3, 14, 9, tzinfo=UTC), datetime(2026, 3, 15, 8, tzinfo=UTC)] == [
            r.period_start for r in core.summaries.live(acme)
        ]
        clock.set(datetime(2026, 3, 15, 9, 0, tzinfo=UTC))
        assert [datetime(2026, 3, 15, 8, tzinfo=UTC)] == [
            r.period_start for r in core.summaries.live(acme)
        ]


class TestReading:
    """Reads sum over what ``by`` does not name."""

    def test_by_nothing_gives_one_row_a_period(self, core: TelcoCore, acme: str) -> None:
        """UK and US calls of a day: one row with every sum, its cost only the UK's."""
        core.calls.post_many([_call("c1"), _call("c2", US), _call("c3", US, seconds=0)])
        (row,) = core.summaries.daily(acme, *EVER, by=())
        assert (None, None, None, 3, 2, _usd("0.07"), 1, _usd("0.02"), _usd("0.06")) == (
            row.prefix,
            row.description,
            row.classification,
            row.attempts,
            row.connected,
            row.charge,
            row.costed_calls,
            row.cost,
            row.costed_charge,
        )
        assert Decimal("66.67") == row.profit_percent  # over the costed UK call only

    def test_by_classification_or_destination(self, core: TelcoCore, acme: str) -> None:
        """Split by class: international and domestic; by destination: one row a prefix."""
        core.calls.post_many([_call("c1"), _call("c2", FR), _call("c3", US)])
        by_class = core.summaries.monthly(acme, *EVER, by="classification")
        assert [(Classification.DOMESTIC, 1), (Classification.INTERNATIONAL, 2)] == sorted(
            (r.classification, r.attempts) for r in by_class
        )
        by_prefix = core.summaries.monthly(acme, *EVER, by=["destination"])
        assert [("1", None), ("33", None), ("44", None)] == [
            (r.prefix, r.classification) for r in by_prefix
        ]

    def test_each_amount_reads_back_with_its_own_digits(self, core: TelcoCore, acme: str) -> None:
        """Equal to the charge in value but not in digits, a costed charge keeps its digits.

        A row without a known cost reads no cost and a zero costed charge.
        """
        day = datetime(2026, 3, 1, tzinfo=UTC)
        kept = [  # (prefix, class, charge, costed calls, cost, costed charge)
            ("1", Classification.DOMESTIC, "0.050", 2, "0.01", "0.050"),
            ("33", Classification.INTERNATIONAL, "0.100", 0, "0", "0"),
            ("44", Classification.INTERNATIONAL, "0.100", 1, "0.020", "0.10"),
        ]
        rows = [
            (acme, Grain.DAY, day, prefix, kind, "a place", "USD", 2, 2, Decimal(60), 60,
             Decimal(charge), costed, Decimal(cost), Decimal(costed_charge))
            for prefix, kind, charge, costed, cost, costed_charge in kept
        ]  # fmt: skip
        with core.storage.unit_of_work() as uow:
            uow.get(SummaryRepository).add(rows)
            uow.commit()
        read = [
            (
                row.prefix,
                str(row.charge.amount),
                None if row.cost is None else str(row.cost.amount),
                str(row.costed_charge.amount),
                row.period_start,
            )
            for row in core.summaries.daily(acme, *EVER)
        ]
        assert [
            ("1", "0.050", "0.01", "0.050", day),
            ("33", "0.100", None, "0", day),
            ("44", "0.100", "0.020", "0.10", day),
        ] == read

    def test_refusals(self, core: TelcoCore, acme: str) -> None:
        """An unknown split or account is refused by name."""
        with pytest.raises(InvalidSelection, match="bogus"):
            core.summaries.daily(acme, *EVER, by="bogus")
        with pytest.raises(AccountNotFound):
            core.summaries.daily("nobody", *EVER)
        with pytest.raises(AccountNotFound):
            core.summaries.rebuild("nobody", Period.month(2026, 3))

    def test_an_account_without_calls_in_the_range_reads_no_rows(
        self, core: TelcoCore, acme: str
    ) -> None:
        """Before any call, and for a range holding none of them, every read is empty."""
        empty = [core.summaries.daily(acme, *EVER), core.summaries.live(acme)]
        core.calls.post_many([_call("c1", UK, 60)])
        later = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
        empty += [core.summaries.daily(acme, *later), core.summaries.monthly(acme, *later)]
        assert ([[]] * 4, 1) == (empty, len(core.summaries.daily(acme, *EVER)))


class TestRebuild:
    """A rebuild makes the rows again from the stored call records; it agrees with them."""

    def test_a_rebuild_agrees_with_what_was_kept(self, core: TelcoCore, acme: str) -> None:
        """Calls over two months and many hours: kept and rebuilt rows are equal."""
        starts = [
            datetime(2026, 3, 30, 22, tzinfo=UTC) + timedelta(minutes=47 * n) for n in range(60)
        ]
        destinations = itertools.cycle([UK, US, FR, UK])
        core.calls.post_many(
            [_call(f"c{n}", next(destinations), n % 7 * 10, start=s) for n, s in enumerate(starts)]
        )
        kept = _kept(core, acme)
        made = core.summaries.rebuild(acme, Period(starts[0], starts[-1] + timedelta(seconds=1)))
        assert sum(len(rows) for rows in kept.values()) == made
        assert kept == _kept(core, acme)

    def test_a_rebuild_repairs_lost_rows(self, core: TelcoCore, acme: str) -> None:
        """Rows deleted behind the library's back come back; other periods stay as they were."""
        core.calls.post_many([_call("mar"), _call("apr", start=datetime(2026, 4, 2, tzinfo=UTC))])
        kept = _kept(core, acme)
        with core.storage.unit_of_work() as uow:
            session = uow._session  # type: ignore[attr-defined]
            session.run("DELETE FROM summaries WHERE grain <> 'month'")
            uow.commit()
        core.summaries.rebuild(acme, Period.day(START.date()))
        repaired = _kept(core, acme)
        assert [r for r in kept[Grain.DAY] if r.period_start.month == 3] == repaired[Grain.DAY]
        assert kept[Grain.MONTH] == repaired[Grain.MONTH]
        core.summaries.rebuild(acme, Period.month(2026, 4))
        assert kept == _kept(core, acme)

    def test_a_rebuild_is_audited(self, core: TelcoCore, acme: str) -> None:
        """One GENERATE entry on the account's summaries."""
        core.summaries.rebuild(acme, Period.day(START.date()), reason="check")
        entry = core.audit.entries(limit=1).entries[0]
        assert ("GENERATE", "summaries", acme, "check") == (
            entry.action.value,
            entry.entity_type,
            entry.entity_key,
            entry.reason,
        )


calls_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=11),  # call id: small, so re-posts happen
        st.sampled_from([UK, US, FR]),
        st.integers(min_value=0, max_value=200),  # billable seconds
        st.integers(min_value=0, max_value=3 * 24 * 3600),  # seconds after 31 March 12:00
    ),
    min_size=1,
    max_size=12,
)
batches_strategy = st.lists(calls_strategy, min_size=1, max_size=4)


class TestPruningHours:
    """Hourly rows older than the live view go; days, months and the live view stay."""

    def _posted(self, core: TelcoCore, acme: str) -> dict[Grain, list[SummaryRow]]:
        """A call 3 days, 2 days and 1 hour before START (acme), 3 days before (beta)."""
        _opened(core, "beta")
        core.calls.post_many(
            [
                _call("old", start=START - timedelta(days=3)),
                _call("older", US, start=START - timedelta(days=2)),
                _call("live", FR, start=START - timedelta(hours=1)),
                _call("beta", account_id="beta", start=START - timedelta(days=3)),
            ]
        )
        return _kept(core, acme)

    def test_the_hours_that_ended_go_and_nothing_else(self, core: TelcoCore, acme: str) -> None:
        """Ended by a day ago: both accounts' older hours; days, months, live hours stay."""
        kept = self._posted(core, acme)
        pruned = core.summaries.prune_hours(START - timedelta(days=1), reason="retention")
        after = _kept(core, acme)
        assert (3, [Grain.HOUR.start_of(START - timedelta(hours=1))]) == (
            pruned,
            [row.period_start for row in after[Grain.HOUR]],
        )
        assert (kept[Grain.DAY], kept[Grain.MONTH]) == (after[Grain.DAY], after[Grain.MONTH])
        assert [] == core.summaries.hourly("beta", *EVER)
        entries = core.audit.entries(entity_type="summaries").entries
        assert [("DELETE", "beta", "retention"), ("DELETE", acme, "retention")] == sorted(
            ((e.action.value, e.entity_key, e.reason) for e in entries), key=lambda e: e[1]
        )[::-1]

    def test_a_rebuild_makes_pruned_hours_again(self, core: TelcoCore, acme: str) -> None:
        """The call records are still there: rebuilding the days makes their hours again."""
        kept = self._posted(core, acme)
        core.summaries.prune_hours(START - timedelta(days=1))
        core.summaries.rebuild(acme, Period(START - timedelta(days=3), START))
        assert kept == _kept(core, acme)

    def test_in_units_of_a_batch(
        self, core: TelcoCore, acme: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With batches of 1 row, 2 units for acme's 2 old hours, each audited, 1 for beta."""
        self._posted(core, acme)
        monkeypatch.setattr(services, "PRUNE_BATCH", 1)
        assert 3 == core.summaries.prune_hours(START - timedelta(days=1))
        keys = [e.entity_key for e in core.audit.entries(entity_type="summaries").entries]
        assert ([acme, acme, "beta"], 1) == (sorted(keys), len(core.summaries.hourly(acme, *EVER)))

    def test_the_live_view_is_kept(self, core: TelcoCore, acme: str) -> None:
        """Ending later than the live view's first hour is refused, and nothing goes."""
        kept = self._posted(core, acme)
        first_live = Grain.HOUR.start_of(START) - timedelta(hours=23)
        with pytest.raises(ValidationError, match="first hour of the live view") as refused:
            core.summaries.prune_hours(first_live + timedelta(microseconds=1))
        assert ("ended_by", kept) == (refused.value.field, _kept(core, acme))
        assert 0 == core.summaries.prune_hours(START - timedelta(days=4))
        assert [] == core.audit.entries(entity_type="summaries").entries


class TestKeptEqualsRebuilt:
    """Whatever posts and re-posts happen, the kept rows equal a rebuild."""

    accounts = itertools.count()

    @settings(
        max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(batches=batches_strategy)
    def test_any_interleaving(
        self, core: TelcoCore, acme: str, batches: list[list[tuple[int, str, int, int]]]
    ) -> None:
        """Batches of calls, some posted before or twice: kept rows equal rebuilt ones."""
        del acme
        account = _opened(core, f"p{next(self.accounts)}")
        base = datetime(2026, 3, 31, 12, tzinfo=UTC)
        first: dict[int, CallRecord] = {}
        for batch in batches:
            records = []
            for number, destination, seconds, offset in batch:
                record = first.setdefault(
                    number,
                    _call(
                        f"{account}-{number}",
                        destination,
                        seconds,
                        start=base + timedelta(seconds=offset),
                        account_id=account,
                    ),
                )
                records.append(record)
            core.calls.post_many(records)
        kept = _kept(core, account)
        core.summaries.rebuild(account, Period(base, base + timedelta(days=4)))
        assert kept == _kept(core, account)
        assert len(first) == sum(r.attempts for r in kept[Grain.MONTH])
