"""Call authorization, alone and with the call's start, on every storage."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from tests.conftest import START

from telcocore import (
    AccountStatus,
    Authorization,
    CallConflict,
    Money,
    NaiveDatetime,
    Rate,
    RateDeck,
    Refusal,
    TelcoCore,
    Tier,
    ValidationError,
)

SINCE = START - timedelta(days=30)
UK = "+442071234567"
US = "+14155550123"


def _usd(amount: str) -> Money:
    return Money(amount, "USD")


def _deck(*rates: Rate) -> RateDeck:
    return RateDeck("retail", "USD", list(rates))


def _uk(**terms: object) -> Rate:
    """A UK rate of 0.06 a minute (0.001 a second) with ``terms``."""
    return Rate("44", "United Kingdom", Decimal("0.06"), effective_from=SINCE, **terms)


def _open(
    core: TelcoCore,
    funds: str = "1.00",
    *,
    rate: Rate | None = None,
    **settings: object,
) -> str:
    """Account ``acme`` in USD holding ``funds``, priced with a deck of ``rate`` (60/6 UK)."""
    core.accounts.open("Acme", "USD", account_id="acme", **settings)  # type: ignore[arg-type]
    if funds != "0":
        core.ledger.credit("acme", funds, idempotency_key="seed")
    rate = rate or _uk(initial_increment=60, subsequent_increment=6)
    core.rating.save_deck(
        _deck(rate, Rate("1", "North America", Decimal("0.012"), effective_from=SINCE))
    )
    core.rating.assign("acme", "retail")
    return "acme"


class TestAllowed:
    """An allowed call carries its rate, its first block and how long it may last."""

    def test_the_answer(self, core: TelcoCore) -> None:
        """1.00 at 0.06/min on 60/6: the first block costs 0.06; 996 seconds are paid for."""
        acme = _open(core)
        answer = core.calls.authorize(acme, "+14155550100", UK)
        assert (True, None, 996, "44", "United Kingdom", _usd("0.0600"), _usd("1.00")) == (
            answer.allowed,
            answer.reason,
            answer.max_duration,
            answer.prefix,
            answer.description,
            answer.first_block,
            answer.available,
        )
        assert (START, None, Decimal("0.06")) == (
            answer.at,
            answer.start,
            None if answer.rate is None else answer.rate.rate_per_minute,
        )

    def test_nothing_is_written(self, core: TelcoCore) -> None:
        """Authorizing counts no channel and holds nothing."""
        acme = _open(core)
        core.calls.authorize(acme, "+14155550100", UK)
        assert (0, _usd("0")) == (core.calls.channels_in_use(acme), core.ledger.held(acme))

    def test_a_national_destination_is_rated_in_e164(self, core: TelcoCore) -> None:
        """With home GB, 020 7123 4567 is +442071234567: prefix 44."""
        acme = _open(core, home_country="GB")
        assert "44" == core.calls.authorize(acme, "anonymous", "020 7123 4567").prefix

    def test_holds_of_calls_in_progress_are_not_available(self, core: TelcoCore) -> None:
        """0.40 held by another call leaves 0.60: 600 seconds."""
        acme = _open(core)
        core.calls.start_call("other", acme, hold="0.40")
        answer = core.calls.authorize(acme, "+14155550100", UK)
        assert (_usd("0.60"), 600) == (answer.available, answer.max_duration)

    def test_a_postpaid_limit_counts(self, core: TelcoCore) -> None:
        """Nothing on the balance but a debit limit of 0.30: 300 seconds."""
        acme = _open(core, "0", debit_limit="0.30")
        assert 300 == core.calls.authorize(acme, "+14155550100", UK).max_duration


class TestTheDeck:
    """The deck as stored when the call is judged, at the rate in effect at ``at``."""

    def test_a_changed_deck_is_used_at_once(self, core: TelcoCore) -> None:
        """Saving the deck again with twice the rate halves the duration."""
        acme = _open(core)
        assert 996 == core.calls.authorize(acme, "x", UK).max_duration
        core.rating.save_deck(_deck(Rate("44", "UK", Decimal("0.12"), effective_from=SINCE)))
        answer = core.calls.authorize(acme, "x", UK)
        assert (500, "UK") == (answer.max_duration, answer.description)

    def test_the_rate_in_effect_at_the_call(self, core: TelcoCore) -> None:
        """A rate from tomorrow applies to a call made tomorrow, not to one made now."""
        tomorrow = START + timedelta(days=1)
        acme = _open(core)
        core.rating.save_deck(
            _deck(
                _uk(initial_increment=60, subsequent_increment=6, effective_to=tomorrow),
                Rate("44", "Dearer", Decimal("0.12"), effective_from=tomorrow),
            )
        )
        now, later = (core.calls.authorize(acme, "x", UK, at=at) for at in (START, tomorrow))
        assert ("United Kingdom", "Dearer", later.at) == (
            now.description,
            later.description,
            tomorrow,
        )

    def test_the_longest_prefix_wins(self, core: TelcoCore) -> None:
        """+447... matches 447 before 44."""
        acme = _open(core)
        core.rating.save_deck(
            _deck(_uk(), Rate("447", "UK mobile", Decimal("0.12"), effective_from=SINCE))
        )
        assert "447" == core.calls.authorize(acme, "x", "+447700900123").prefix


class TestMaxDuration:
    """How long the credit lasts at the matched rate, in whole billing blocks."""

    @pytest.mark.parametrize(
        ("funds", "terms", "expected"),
        [
            # 60/6 at 0.001 a second: a 6-second block costs 0.006.
            ("0.10", {"initial_increment": 60, "subsequent_increment": 6}, 96),
            ("0.0659", {"initial_increment": 60, "subsequent_increment": 6}, 60),
            ("0.066", {"initial_increment": 60, "subsequent_increment": 6}, 66),
            ("0.06", {"initial_increment": 60, "subsequent_increment": 6}, 60),
            # a connect fee of 0.05 comes off first: 0.15 left pays 150 seconds
            (
                "0.20",
                {"initial_increment": 60, "subsequent_increment": 6, "connect_fee": "0.05"},
                150,
            ),
            # 1/1 with a 0.04 fee: 0.06 left pays 60 seconds
            ("0.10", {"connect_fee": "0.04"}, 60),
            # 60/60: whole minutes only
            ("0.17", {"initial_increment": 60, "subsequent_increment": 60}, 120),
            # a tier from second 120 at 0.12 a minute (0.002 a second) on 60/60:
            # 2 minutes cost 0.12, each next minute 0.12: 0.30 pays 3 minutes
            (
                "0.30",
                {
                    "initial_increment": 60,
                    "subsequent_increment": 60,
                    "tiers": (Tier(120, Decimal("0.12"), 60),),
                },
                180,
            ),
        ],
    )
    def test_examples(
        self, core: TelcoCore, funds: str, terms: dict[str, object], expected: int
    ) -> None:
        """Worked examples, each the end of a billing block."""
        if "connect_fee" in terms:
            terms = {**terms, "connect_fee": Decimal(str(terms["connect_fee"]))}
        acme = _open(core, funds, rate=_uk(**terms))
        assert expected == core.calls.authorize(acme, "x", UK).max_duration

    def test_a_free_rate_is_capped_at_a_day(self, core: TelcoCore) -> None:
        """A rate of 0 costs nothing: a day, and no hold when the call starts."""
        acme = _open(core, rate=Rate("44", "Free", Decimal(0), effective_from=SINCE))
        answer = core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        assert (86_400, _usd("0.0000"), None) == (
            answer.max_duration,
            answer.first_block,
            None if answer.start is None else answer.start.hold,
        )


class TestRefusals:
    """Each broken rule refuses with its reason and a message; nothing is written."""

    def _refusal(self, answer: Authorization) -> tuple[bool, Refusal | None, int]:
        return answer.allowed, answer.reason, answer.max_duration

    def test_an_unknown_account(self, core: TelcoCore) -> None:
        """No such account: refused, not raised."""
        answer = core.calls.authorize("ghost", "x", UK)
        assert (False, Refusal.ACCOUNT_UNKNOWN, 0) == self._refusal(answer)
        assert "ghost" in answer.message

    @pytest.mark.parametrize(
        "status", [AccountStatus.INACTIVE, AccountStatus.PENALTY, AccountStatus.PENDING_APPROVAL]
    )
    def test_an_account_not_active(self, core: TelcoCore, status: AccountStatus) -> None:
        """Only an active account may call."""
        acme = _open(core, status=status)
        answer = core.calls.authorize(acme, "x", UK)
        assert (False, Refusal.ACCOUNT_NOT_ACTIVE, 0) == self._refusal(answer)
        assert status.value in answer.message

    def test_a_blocked_source(self, core: TelcoCore) -> None:
        """The calling number on the block list, in another form than blocked."""
        acme = _open(core, home_country="US")
        core.numbering.block_number(acme, US)
        answer = core.calls.authorize(acme, "(415) 555-0123", UK)
        assert (False, Refusal.SOURCE_BLOCKED, 0) == self._refusal(answer)
        assert US in answer.message

    def test_a_blocked_destination_prefix(self, core: TelcoCore) -> None:
        """A destination under a blocked prefix."""
        acme = _open(core)
        core.numbering.block_prefix(acme, "+4420")
        answer = core.calls.authorize(acme, US, UK)
        assert (False, Refusal.DESTINATION_BLOCKED, 0) == self._refusal(answer)

    def test_no_deck_assigned(self, core: TelcoCore) -> None:
        """An account without a customer deck cannot be priced."""
        core.accounts.open("Acme", "USD", account_id="acme")
        core.ledger.credit("acme", "1.00", idempotency_key="seed")
        answer = core.calls.authorize("acme", "x", UK)
        assert (False, Refusal.NO_RATE_DECK, 0) == self._refusal(answer)

    @pytest.mark.parametrize("destination", ["+33142685300", "anonymous", ""])
    def test_an_unrated_destination(self, core: TelcoCore, destination: str) -> None:
        """No prefix matches, or the destination is no number."""
        acme = _open(core)
        answer = core.calls.authorize(acme, "x", destination)
        assert (False, Refusal.UNRATED, 0, None) == (*self._refusal(answer), answer.prefix)

    def test_the_first_block_must_fit(self, core: TelcoCore) -> None:
        """0.05 available, a first block of 0.06: refused, with both amounts shown."""
        acme = _open(core, "0.05")
        answer = core.calls.authorize(acme, "x", UK)
        assert (False, Refusal.INSUFFICIENT_CREDIT, 0) == self._refusal(answer)
        assert ("44", _usd("0.0600"), _usd("0.05")) == (
            answer.prefix,
            answer.first_block,
            answer.available,
        )

    def test_a_buffer_stops_usage_early(self, core: TelcoCore) -> None:
        """Prepaid with a buffer of -1.00: 1.05 on the balance leaves 0.05, too little."""
        acme = _open(core, "1.05", debit_limit="-1.00")
        assert Refusal.INSUFFICIENT_CREDIT == core.calls.authorize(acme, "x", UK).reason

    def test_the_channel_limit(self, core: TelcoCore) -> None:
        """Both channels in use: refused until one ends."""
        acme = _open(core, channel_limit=2)
        core.calls.start_call("c1", acme)
        core.calls.start_call("c2", acme)
        assert Refusal.CHANNEL_LIMIT == core.calls.authorize(acme, "x", UK).reason
        core.calls.end_call("c1")
        assert core.calls.authorize(acme, "x", UK).allowed


class TestAuthorizeAndStart:
    """An allowed call starts with its first block held; a refused one starts nothing."""

    def test_an_allowed_call_starts(self, core: TelcoCore) -> None:
        """The channel is counted and the first block held under the call's id."""
        acme = _open(core)
        answer = core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        assert answer.start is not None
        assert (True, 996, True, _usd("0.0600")) == (
            answer.allowed,
            answer.max_duration,
            answer.start.started,
            None if answer.start.hold is None else answer.start.hold.amount,
        )
        assert (1, _usd("0.06"), _usd("0.94")) == (
            core.calls.channels_in_use(acme),
            core.ledger.held(acme),
            core.ledger.available(acme),
        )
        ended = core.calls.end_call("c1")
        assert ended is not None
        assert (0, _usd("0")) == (core.calls.channels_in_use(acme), core.ledger.held(acme))

    @pytest.mark.parametrize(
        ("funds", "limit", "reason"),
        [("0.05", None, Refusal.INSUFFICIENT_CREDIT), ("1.00", 0, Refusal.CHANNEL_LIMIT)],
    )
    def test_a_refused_call_starts_nothing(
        self, core: TelcoCore, funds: str, limit: int | None, reason: Refusal
    ) -> None:
        """No channel, no hold."""
        acme = _open(core, funds, channel_limit=limit)
        answer = core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        assert (reason, None, 0, _usd("0")) == (
            answer.reason,
            answer.start,
            core.calls.channels_in_use(acme),
            core.ledger.held(acme),
        )

    def test_the_last_credit_starts_one_call(self, core: TelcoCore) -> None:
        """0.10 pays one first block of 0.06: the second call is refused."""
        acme = _open(core, "0.10")
        first = core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        second = core.calls.authorize_and_start("c2", acme, source="x", destination=UK)
        assert (True, Refusal.INSUFFICIENT_CREDIT, _usd("0.04")) == (
            first.allowed,
            second.reason,
            second.available,
        )

    def test_starting_again_counts_once(self, core: TelcoCore) -> None:
        """The same call id again: judged as if not in progress, nothing more held."""
        acme = _open(core, "0.10", channel_limit=1)
        first = core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        again = core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        assert again.start is not None
        assert first.start is not None
        assert (True, 96, False, first.start.channel) == (
            again.allowed,
            again.max_duration,
            again.start.started,
            again.start.channel,
        )
        assert (1, _usd("0.06")) == (core.calls.channels_in_use(acme), core.ledger.held(acme))

    def test_starting_again_frees_its_own_channel_without_a_hold(self, core: TelcoCore) -> None:
        """A call of a free rate holds nothing; again, on the only channel, it is allowed."""
        acme = _open(core, rate=Rate("44", "Free", Decimal(0), effective_from=SINCE))
        core.accounts.update(acme, channel_limit=1)
        first = core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        again = core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        assert again.start is not None
        assert (True, True, False, None) == (
            first.allowed,
            again.allowed,
            again.start.started,
            again.start.hold,
        )

    def test_starting_again_is_judged_again(self, core: TelcoCore) -> None:
        """A call in progress whose account was suspended meanwhile: refused, still started."""
        acme = _open(core)
        core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        core.accounts.set_status(acme, AccountStatus.PENALTY)
        again = core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        assert again.start is not None
        assert (Refusal.ACCOUNT_NOT_ACTIVE, False, 1) == (
            again.reason,
            again.start.started,
            core.calls.channels_in_use(acme),
        )

    def test_the_same_call_on_another_account_conflicts(self, core: TelcoCore) -> None:
        """A call id in progress on another account is a CallConflict."""
        acme = _open(core)
        core.accounts.open("Bolt", "USD", account_id="bolt")
        core.calls.authorize_and_start("c1", acme, source="x", destination=UK)
        with pytest.raises(CallConflict):
            core.calls.authorize_and_start("c1", "bolt", source="x", destination=UK)

    def test_an_unknown_account_is_refused(self, core: TelcoCore) -> None:
        """As from authorize."""
        answer = core.calls.authorize_and_start("c1", "ghost", source="x", destination=UK)
        assert (Refusal.ACCOUNT_UNKNOWN, None) == (answer.reason, answer.start)

    def test_at_is_when_the_call_starts(self, core: TelcoCore) -> None:
        """The channel starts at ``at``."""
        acme = _open(core)
        at = START + timedelta(minutes=5)
        answer = core.calls.authorize_and_start("c1", acme, source="x", destination=UK, at=at)
        assert answer.start is not None
        assert (at, at) == (answer.at, answer.start.channel.started_at)


class TestBadArguments:
    """Bad arguments raise before storage is touched."""

    @pytest.mark.parametrize(
        "arguments",
        [
            {"account_id": 7, "source": "x", "destination": UK},
            {"account_id": "acme", "source": None, "destination": UK},
            {"account_id": "acme", "source": "x", "destination": b"44"},
            {"account_id": "acme", "source": "x" * 101, "destination": UK},
        ],
    )
    def test_not_text(self, core: TelcoCore, arguments: dict[str, object]) -> None:
        """Ids and numbers must be text."""
        with pytest.raises(ValidationError):
            core.calls.authorize(**arguments)  # type: ignore[arg-type]

    def test_a_naive_datetime(self, core: TelcoCore) -> None:
        """``at`` must be aware."""
        with pytest.raises(NaiveDatetime):
            core.calls.authorize("acme", "x", UK, at=datetime(2026, 3, 14))  # noqa: DTZ001
        with pytest.raises(NaiveDatetime):
            core.calls.authorize_and_start(
                "c1",
                "acme",
                source="x",
                destination=UK,
                at=datetime(2026, 3, 14),  # noqa: DTZ001
            )
