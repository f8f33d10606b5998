"""Channels in use, the credit held for calls, the reaper and the overview, on every storage."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tests.conftest import START

from telcocore import (
    AccountNotActive,
    AccountNotFound,
    AccountOverview,
    AccountStatus,
    CallConflict,
    ChannelLimitReached,
    DebitLimitExceeded,
    Money,
    NaiveDatetime,
    TelcoCore,
    ValidationError,
)
from telcocore.testing import FixedClock


def _usd(amount: str) -> Money:
    return Money(amount, "USD")


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """A prepaid USD account holding 1.00, with two channels."""
    core.accounts.open("Acme", "USD", account_id="acme", channel_limit=2)
    core.ledger.credit("acme", "1.00", idempotency_key="seed")
    return "acme"


class TestStart:
    """A call start counts a channel per call id and holds its credit."""

    def test_a_start_counts_and_holds(self, core: TelcoCore, acme: str) -> None:
        """The channel is counted, the hold placed under the call's id."""
        started = core.calls.start_call("c1", acme, hold="0.60")
        assert (True, "c1", START, _usd("0.60")) == (
            started.started,
            started.channel.hold_id,
            started.channel.started_at,
            None if started.hold is None else started.hold.amount,
        )
        assert (1, _usd("0.60"), _usd("0.40")) == (
            core.calls.channels_in_use(acme),
            core.ledger.held(acme),
            core.ledger.available(acme),
        )
        assert [started.channel] == core.calls.active_calls(acme)

    def test_the_same_call_twice_counts_and_holds_once(self, core: TelcoCore, acme: str) -> None:
        """The second start changes nothing and answers with the first."""
        first = core.calls.start_call("c1", acme, hold="0.60")
        again = core.calls.start_call("c1", acme, hold="0.60")
        assert (False, first.channel, first.hold) == (again.started, again.channel, again.hold)
        assert (1, _usd("0.60")) == (core.calls.channels_in_use(acme), core.ledger.held(acme))

    def test_the_same_call_for_another_request_conflicts(self, core: TelcoCore, acme: str) -> None:
        """Another account, or another hold, under a call id in progress is a CallConflict."""
        core.accounts.open("Bolt", "USD", account_id="bolt")
        core.calls.start_call("c1", acme, hold="0.60")
        for account, hold in (("bolt", "0.60"), (acme, "0.50"), (acme, None)):
            with pytest.raises(CallConflict):
                core.calls.start_call("c1", account, hold=hold)
        assert (1, _usd("0.60")) == (core.calls.channels_in_use(acme), core.ledger.held(acme))

    def test_the_channel_limit(self, core: TelcoCore, acme: str) -> None:
        """Two channels in use: a third call is refused until one ends."""
        core.calls.start_call("c1", acme)
        core.calls.start_call("c2", acme)
        with pytest.raises(ChannelLimitReached) as refused:
            core.calls.start_call("c3", acme)
        assert (acme, 2) == (refused.value.account_id, refused.value.limit)
        core.calls.end_call("c1")
        assert core.calls.start_call("c3", acme).started

    def test_no_limit(self, core: TelcoCore) -> None:
        """A channel limit of None never refuses."""
        core.accounts.open("Free", "USD", account_id="free")
        for n in range(5):
            core.calls.start_call(f"c{n}", "free")
        assert 5 == core.calls.channels_in_use("free")

    def test_a_limit_of_zero_refuses_every_call(self, core: TelcoCore) -> None:
        """Zero channels: no call may start."""
        core.accounts.open("Shut", "USD", account_id="shut", channel_limit=0)
        with pytest.raises(ChannelLimitReached):
            core.calls.start_call("c1", "shut")

    def test_a_hold_that_does_not_fit_starts_nothing(self, core: TelcoCore, acme: str) -> None:
        """The first block must fit the credit left: else no channel, no hold."""
        core.calls.start_call("c1", acme, hold="0.60")
        with pytest.raises(DebitLimitExceeded) as refused:
            core.calls.start_call("c2", acme, hold="0.41")
        assert _usd("0.40") == refused.value.available
        assert (1, _usd("0.60")) == (core.calls.channels_in_use(acme), core.ledger.held(acme))

    def test_only_an_active_account_starts_calls(self, core: TelcoCore, acme: str) -> None:
        """A call on an account in penalty is refused."""
        core.accounts.set_status(acme, AccountStatus.PENALTY)
        with pytest.raises(AccountNotActive):
            core.calls.start_call("c1", acme)
        assert 0 == core.calls.channels_in_use(acme)

    def test_unknown_account(self, core: TelcoCore) -> None:
        """A start on an account that does not exist is AccountNotFound."""
        with pytest.raises(AccountNotFound):
            core.calls.start_call("c1", "nobody")

    def test_bad_arguments(self, core: TelcoCore, acme: str) -> None:
        """A float hold, a naive start time, a bad call id are refused, writing nothing."""
        with pytest.raises(ValidationError):
            core.calls.start_call("c1", acme, hold=0.5)  # type: ignore[arg-type]
        with pytest.raises(NaiveDatetime):
            core.calls.start_call("c1", acme, at=datetime(2026, 3, 14))  # noqa: DTZ001
        with pytest.raises(ValidationError):
            core.calls.start_call("bad id", acme)
        assert 0 == core.calls.channels_in_use(acme)

    def test_a_bad_hold_is_named_hold(self, core: TelcoCore, acme: str) -> None:
        """A negative hold, or one in another currency, is refused as ``hold``, writing nothing."""
        for hold in ("-0.10", _usd("-0.10"), Money("0.10", "EUR")):
            with pytest.raises(ValidationError) as raised:
                core.calls.start_call("c1", acme, hold=hold)
            assert ("hold", True) == (raised.value.field, str(raised.value).startswith("hold"))
        assert (0, _usd("0")) == (core.calls.channels_in_use(acme), core.ledger.held(acme))

    def test_a_zero_hold_holds_nothing(self, core: TelcoCore, acme: str) -> None:
        """A first billing block that costs nothing starts the call without a hold."""
        started = core.calls.start_call("c1", acme, hold="0.00")
        again = core.calls.start_call("c1", acme, hold=_usd("0"))
        assert (True, None, False, None) == (
            started.started,
            started.hold,
            again.started,
            again.hold,
        )
        assert (1, _usd("0")) == (core.calls.channels_in_use(acme), core.ledger.held(acme))


class TestEnd:
    """Ending a call releases its channel and its hold."""

    def test_end_releases_both(self, core: TelcoCore, acme: str, clock: FixedClock) -> None:
        """The end says what was released and how long the channel was in use."""
        core.calls.start_call("c1", acme, hold="0.60")
        clock.advance(timedelta(seconds=90))
        ended = core.calls.end_call("c1")
        assert ended is not None
        assert (timedelta(seconds=90), _usd("0.60"), False) == (
            ended.duration,
            None if ended.hold is None else ended.hold.amount,
            ended.reaped,
        )
        assert (0, _usd("0"), []) == (
            core.calls.channels_in_use(acme),
            core.ledger.held(acme),
            core.calls.active_calls(acme),
        )

    def test_end_is_idempotent(self, core: TelcoCore, acme: str) -> None:
        """A second end, or the end of an unknown call, is None."""
        core.calls.start_call("c1", acme)
        core.calls.end_call("c1")
        assert (None, None) == (core.calls.end_call("c1"), core.calls.end_call("zz"))

    def test_usage_posted_with_the_hold(self, core: TelcoCore, acme: str) -> None:
        """Posting the call's usage can release its hold; the end then releases none."""
        core.calls.start_call("c1", acme, hold="0.60")
        core.ledger.charge_usage(acme, "0.75", idempotency_key="cdr-c1", release_hold="c1")
        ended = core.calls.end_call("c1")
        assert ended is not None
        assert (None, _usd("0.25"), _usd("0")) == (
            ended.hold,
            core.ledger.available(acme),
            core.ledger.held(acme),
        )


class TestReap:
    """Calls whose end never came are released after the maximum duration."""

    def test_reap_releases_only_old_calls(
        self, core: TelcoCore, acme: str, clock: FixedClock
    ) -> None:
        """Started 4 hours ago and more: released, with their holds; newer ones stay."""
        core.calls.start_call("old", acme, hold="0.30")
        clock.advance(timedelta(hours=3))
        core.calls.start_call("new", acme, hold="0.30")
        clock.advance(timedelta(hours=1, seconds=1))
        reaped = core.calls.reap()
        assert [("old", True, _usd("0.30"))] == [
            (r.channel.call_id, r.reaped, None if r.hold is None else r.hold.amount) for r in reaped
        ]
        assert (["new"], _usd("0.30")) == (
            [c.call_id for c in core.calls.active_calls(acme)],
            core.ledger.held(acme),
        )
        assert [] == core.calls.reap()

    def test_max_duration_and_now(self, core: TelcoCore, acme: str) -> None:
        """A shorter maximum, as seconds or a timedelta, and an explicit now."""
        core.calls.start_call("c1", acme)
        assert [] == core.calls.reap(max_duration=60, now=START + timedelta(seconds=60))
        later = START + timedelta(seconds=61)
        reaped = core.calls.reap(max_duration=timedelta(seconds=60), now=later)
        assert ["c1"] == [r.channel.call_id for r in reaped]

    @pytest.mark.parametrize("bad", [0, -1, True, "60", timedelta(days=8), float("nan"), 10**30])
    def test_bad_max_duration(self, core: TelcoCore, bad: object) -> None:
        """Not a positive duration of at most 7 days: ValidationError."""
        with pytest.raises(ValidationError, match="max_duration"):
            core.calls.reap(max_duration=bad)

    def test_reap_many(self, core: TelcoCore, clock: FixedClock) -> None:
        """More calls than one unit of work releases are all released."""
        core.accounts.open("Big", "USD", account_id="big")
        for n in range(501):
            core.calls.start_call(f"c{n}", "big")
        clock.advance(timedelta(hours=5))
        assert (501, 0) == (len(core.calls.reap()), core.calls.channels_in_use("big"))


class TestOverview:
    """One consistent read of an account's standing."""

    def test_overview(self, core: TelcoCore) -> None:
        """Status, balance, limits, available and held credit, channels."""
        core.accounts.open("Post", "USD", account_id="post", debit_limit="5", channel_limit=3)
        core.ledger.credit("post", "2.00", idempotency_key="seed")
        core.calls.start_call("c1", "post", hold="1.50")
        core.calls.start_call("c2", "post")
        overview = core.calls.overview("post")
        assert (
            AccountOverview(
                account_id="post",
                status=AccountStatus.ACTIVE,
                balance=_usd("2.00"),
                debit_limit=_usd("5"),
                available=_usd("5.50"),
                held=_usd("1.50"),
                channels_in_use=2,
                channel_limit=3,
            ),
            1,
        ) == (overview, overview.channels_free)

    def test_unknown_account(self, core: TelcoCore) -> None:
        """The overview, count and list of an unknown account are AccountNotFound."""
        for method in (core.calls.overview, core.calls.channels_in_use, core.calls.active_calls):
            with pytest.raises(AccountNotFound):
                method("nobody")
