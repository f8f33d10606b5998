"""Batch posting (``ledger.post_many``) on every storage adapter."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from tests.conftest import START

import telcocore
from telcocore import TelcoCore
from telcocore.accounts.errors import AccountNotActive, AccountNotFound
from telcocore.accounts.model import AccountStatus
from telcocore.billing.ledger.errors import DebitLimitExceeded, IdempotencyConflict
from telcocore.billing.ledger.model import Transaction, TransactionKind
from telcocore.billing.ledger.services import LedgerRequest, Movement
from telcocore.core import open_storage
from telcocore.kernel.errors import InvalidAmount, ValidationError
from telcocore.kernel.money import Money
from telcocore.notifications.model.message import MessageKind
from telcocore.platform.ports import Storage
from telcocore.testing import CapturingNotifier, FixedClock


def _usd(amount: str) -> Money:
    return Money(amount, "USD")


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """A prepaid USD account with 10.00, alerting below 2.00."""
    account = core.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="2.00")
    core.ledger.credit(account.id, "10.00", idempotency_key="seed")
    return account.id


def _debit(key: str, amount: str = "1.00", account: str = "acme") -> LedgerRequest:
    return LedgerRequest(Movement.DEBIT, account, amount, key)


class TestPosting:
    """Each request is posted as its single-call twin would post it."""

    def test_every_movement_posts_in_order(self, core: TelcoCore, acme: str) -> None:
        """Credit, debit and usage in one batch move the balance and keep their order."""
        result = core.ledger.post_many(
            [
                LedgerRequest(Movement.CREDIT, acme, "5.00", "c-1"),
                LedgerRequest(Movement.DEBIT, acme, "3.00", "d-1", kind=TransactionKind.RECURRING),
                LedgerRequest(Movement.USAGE, acme, "0.0420", "u-1", description="call"),
            ]
        )
        kinds = [t.kind for t in result.posted]
        expected_kinds = [TransactionKind.TOP_UP, TransactionKind.RECURRING, TransactionKind.USAGE]
        assert (expected_kinds, []) == (kinds, result.refused)
        assert _usd("11.9580") == core.ledger.balance(acme)
        assert ["seed", "c-1", "d-1", "u-1"] == [
            core.ledger.get(e.transaction_id).idempotency_key
            for e in core.ledger.history(acme).entries
        ]

    @pytest.mark.usefixtures("acme")
    def test_totals_stay_zero(self, core: TelcoCore) -> None:
        """The batch balances like single postings do."""
        core.ledger.post_many([_debit(f"d-{i}", "0.50") for i in range(6)])
        assert {"USD": 0} == core.ledger.totals()

    def test_an_empty_batch_posts_nothing(self, core: TelcoCore, acme: str) -> None:
        """No requests, no outcomes."""
        assert () == core.ledger.post_many([]).outcomes
        assert _usd("10.00") == core.ledger.balance(acme)


class TestRefusals:
    """A refused request is reported; the others still post."""

    def test_debits_stop_at_the_limit(self, core: TelcoCore, acme: str) -> None:
        """Each debit sees the ones before it: the fourth 3.00 no longer fits 10.00."""
        result = core.ledger.post_many([_debit(f"d-{i}", "3.00") for i in range(4)])
        (position, error) = result.refused[0]
        assert (3, 3, DebitLimitExceeded) == (len(result.posted), position, type(error))
        assert _usd("1.00") == core.ledger.balance(acme)

    def test_each_kind_of_refusal_is_reported(self, core: TelcoCore, acme: str) -> None:
        """Unknown account, conflicting key, non-positive and float amounts are refused alone."""
        core.ledger.debit(acme, "1.00", idempotency_key="taken")
        result = core.ledger.post_many(
            [
                _debit("ok-1"),
                _debit("ghost-1", account="ghost"),
                _debit("taken", "2.00"),
                _debit("zero", "0"),
                LedgerRequest(Movement.DEBIT, acme, 0.5, "float"),  # type: ignore[arg-type]
                _debit("ok-2"),
            ]
        )
        refused = [(i, type(e)) for i, e in result.refused]
        expected = [
            (1, AccountNotFound),
            (2, IdempotencyConflict),
            (3, ValidationError),
            (4, InvalidAmount),
        ]
        assert (expected, 2) == (refused, len(result.posted))
        assert _usd("7.00") == core.ledger.balance(acme)

    def test_an_inactive_account_refuses_debits_not_usage(self, core: TelcoCore, acme: str) -> None:
        """Debits need an active account; consumed usage is posted anyway."""
        core.accounts.set_status(acme, AccountStatus.INACTIVE)
        result = core.ledger.post_many(
            [_debit("d-1"), LedgerRequest(Movement.USAGE, acme, "1.00", "u-1")]
        )
        assert [(0, AccountNotActive)] == [(i, type(e)) for i, e in result.refused]
        assert _usd("9.00") == core.ledger.balance(acme)

    def test_a_malformed_request_refuses_the_whole_batch(self, core: TelcoCore, acme: str) -> None:
        """A kind the movement does not take is refused before anything is written."""
        with pytest.raises(ValidationError, match="'usage'"):
            core.ledger.post_many(
                [_debit("d-1"), LedgerRequest(Movement.CREDIT, acme, "1", "c-1", kind="usage")]  # type: ignore[arg-type]
            )
        assert [] == [e.transaction_id for e in core.ledger.history(acme).entries][1:]


class TestIdempotency:
    """Keys work across batches and within one."""

    def test_a_replayed_batch_posts_nothing_new(self, core: TelcoCore, acme: str) -> None:
        """The same batch again returns the same transactions."""
        requests = [_debit("d-1"), _debit("d-2")]
        first = core.ledger.post_many(requests)
        again = core.ledger.post_many(requests)
        assert (first.outcomes, _usd("8.00")) == (again.outcomes, core.ledger.balance(acme))

    def test_a_key_repeated_in_one_batch_posts_once(self, core: TelcoCore, acme: str) -> None:
        """The second request with a key is a replay of the first."""
        result = core.ledger.post_many([_debit("d-1"), _debit("d-1")])
        first, second = result.outcomes
        assert isinstance(first, Transaction)
        assert (first, _usd("9.00")) == (second, core.ledger.balance(acme))


class TestAlerts:
    """A batch crossing the threshold queues one alert, sent by the next delivery run."""

    @pytest.mark.usefixtures("acme")
    def test_one_alert_per_crossing(self, core: TelcoCore, notifier: CapturingNotifier) -> None:
        """Going below 2.00 inside the batch sends exactly one low-balance alert."""
        core.ledger.post_many([_debit(f"d-{i}", "3.00") for i in range(3)])
        assert [] == notifier.messages  # queued with the batch, not sent on its path
        core.outbox.deliver_pending()
        alerts = notifier.of_kind(MessageKind.LOW_BALANCE)
        assert [("acme", "1.00")] == [(m.account_id, m.data["balance"]) for m in alerts]

    def test_an_alert_that_cannot_be_made_refuses_its_request_whole(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """If the id source fails for the alert, the request is refused and nothing posts."""
        calls = itertools.count()
        fail_at: list[int] = []

        def ids() -> str:
            n = next(calls)
            if n in fail_at:
                msg = "the id source is exhausted"
                raise ValidationError(msg)
            return f"id-{n}"

        core = TelcoCore(storage=storage, clock=clock, ids=ids)
        core.accounts.open("Acme", "USD", account_id="acme", low_balance_threshold="2.00")
        core.ledger.credit("acme", "10.00", idempotency_key="seed")
        fail_at.append(next(calls) + 2)  # the debit's transaction id, then its alert's id
        result = core.ledger.post_many([_debit("cross", "9.00")])
        assert (
            [ValidationError],
            _usd("10.00"),
            [Decimal("10.00")],
            0,
        ) == (
            [type(o) for o in result.outcomes],
            core.ledger.balance("acme"),
            [e.amount.amount for e in core.ledger.history("acme").entries],
            core.outbox.counts().due,
        )


class TestSeveralAccounts:
    """One batch may name several accounts; each moves as if posted alone."""

    def test_each_account_moves_by_its_own_requests(self, core: TelcoCore, acme: str) -> None:
        """Interleaved requests on two accounts in two currencies post in order on each."""
        core.accounts.open("Beta", "EUR", account_id="beta", debit_limit="1.00")
        result = core.ledger.post_many(
            [
                _debit("a-1", "4.00"),
                LedgerRequest(Movement.CREDIT, "beta", "2.00", "b-1"),
                _debit("a-2", "4.00"),
                LedgerRequest(Movement.DEBIT, "beta", "3.00", "b-2"),
                LedgerRequest(Movement.DEBIT, "beta", "0.01", "b-3"),  # beta is at -1.00
                _debit("a-3", "1.00"),
            ]
        )
        assert [(4, DebitLimitExceeded)] == [(i, type(e)) for i, e in result.refused]
        assert (_usd("1.00"), Money("-1.00", "EUR")) == (
            core.ledger.balance(acme),
            core.ledger.balance("beta"),
        )
        acme_history = core.ledger.history(acme).entries
        beta_history = core.ledger.history("beta").entries
        assert [1, 2, 3, 4] == [e.seq for e in acme_history]
        assert [1, 2] == [e.seq for e in beta_history]
        assert [_usd("6.00"), _usd("2.00"), _usd("1.00")] == [e.balance for e in acme_history[1:]]
        assert [Money("2.00", "EUR"), Money("-1.00", "EUR")] == [e.balance for e in beta_history]
        assert {"USD": 0, "EUR": 0} == core.ledger.totals()

    def test_an_unknown_account_among_known_ones(self, core: TelcoCore, acme: str) -> None:
        """Requests on an unknown account are refused; the known accounts' still post."""
        result = core.ledger.post_many(
            [_debit("g-1", account="ghost"), _debit("a-1"), _debit("g-2", account="ghost")]
        )
        assert [(0, AccountNotFound), (2, AccountNotFound)] == [
            (i, type(e)) for i, e in result.refused
        ]
        assert _usd("9.00") == core.ledger.balance(acme)

    def test_each_account_alerts_once(
        self, core: TelcoCore, acme: str, notifier: CapturingNotifier
    ) -> None:
        """Two accounts crossing their thresholds in one batch queue one alert each."""
        core.accounts.open("Beta", "USD", account_id="beta", low_balance_threshold="5.00")
        core.ledger.credit("beta", "6.00", idempotency_key="beta-seed")
        core.ledger.post_many(
            [
                _debit("a-1", "9.00"),
                _debit("b-1", "2.00", account="beta"),
                _debit("a-2", "0.50"),
                _debit("b-2", "2.00", account="beta"),
            ]
        )
        core.outbox.deliver_pending()
        alerts = notifier.of_kind(MessageKind.LOW_BALANCE)
        assert [(acme, "1.00"), ("beta", "4.00")] == sorted(
            (m.account_id, m.data["balance"]) for m in alerts
        )


class TestOrderWithinTheBatch:
    """Each request sees the balance the requests before it left."""

    def test_an_earlier_debit_leaves_no_room_for_a_later_one(
        self, core: TelcoCore, acme: str
    ) -> None:
        """The later debit is refused with what the earlier one left available."""
        result = core.ledger.post_many([_debit("d-1", "7.00"), _debit("d-2", "4.00")])
        ((position, error),) = result.refused
        assert isinstance(error, DebitLimitExceeded)
        assert (1, _usd("3.00"), _usd("4.00")) == (position, error.available, error.requested)
        assert _usd("3.00") == core.ledger.balance(acme)

    def test_an_earlier_credit_makes_room_for_a_later_debit(
        self, core: TelcoCore, acme: str
    ) -> None:
        """A debit that would not fit alone fits after a credit earlier in the batch."""
        result = core.ledger.post_many(
            [
                _debit("d-1", "12.00"),
                LedgerRequest(Movement.CREDIT, acme, "5.00", "c-1"),
                _debit("d-2", "12.00"),
            ]
        )
        assert [0] == [i for i, _ in result.refused]
        assert _usd("3.00") == core.ledger.balance(acme)

    def test_a_refused_request_leaves_its_key_free_in_the_batch(
        self, core: TelcoCore, acme: str
    ) -> None:
        """A key refused early in the batch posts when it comes again and fits."""
        result = core.ledger.post_many(
            [
                _debit("d-1", "11.00"),
                LedgerRequest(Movement.CREDIT, acme, "5.00", "c-1"),
                _debit("d-1", "11.00"),
                _debit("d-1", "11.00"),
            ]
        )
        first, _credit, second, third = result.outcomes
        assert isinstance(first, DebitLimitExceeded)
        assert isinstance(second, Transaction)
        assert (second, _usd("4.00")) == (third, core.ledger.balance(acme))


class _TakesTheKeyFirst:
    """An id source that, when first asked once armed, has another connection post ``key``.

    Ids are asked for after the batch has looked its keys up and before it writes: the
    other connection's posting lands exactly in between.
    """

    def __init__(self, url: str, key: str) -> None:
        self._url, self._key = url, key
        self._ids = (f"t{n}" for n in itertools.count())
        self.armed = False
        self.rival: str | None = None

    def __call__(self) -> str:
        if self.armed:
            self.armed = False
            with telcocore.connect(self._url) as rival:
                posted = rival.ledger.credit("other", "1.00", idempotency_key=self._key)
            self.rival = posted.id
        return next(self._ids)


@pytest.mark.postgres
class TestLostRace:
    """A key taken by another writer while the batch runs is neither doubled nor lost.

    Only PostgreSQL lets another writer in while a batch's unit runs; on SQLite the batch
    holds the write lock from its start (tests/integration/test_concurrency.py races whole
    processes there).
    """

    def test_the_batch_runs_again_and_sees_the_other_posting(self, pg_url: str) -> None:
        """The taken key is judged against the other posting; the rest posts once."""
        ids = _TakesTheKeyFirst(pg_url, "k-2")
        storage = open_storage(pg_url)
        with TelcoCore(storage=storage, clock=FixedClock(START), ids=ids) as core:
            core.accounts.open("Acme", "USD", account_id="acme", debit_limit="5.00")
            core.accounts.open("Other", "USD", account_id="other")
            core.accounts.open("Beta", "USD", account_id="beta")
            ids.armed = True
            result = core.ledger.post_many(
                [_debit("k-1"), _debit("k-2"), LedgerRequest(Movement.CREDIT, "beta", "1", "k-3")]
            )
            assert ids.rival is not None
            refused = [(i, type(e)) for i, e in result.refused]
            assert ([(1, IdempotencyConflict)], 2) == (refused, len(result.posted))
            balances = [core.ledger.balance(a) for a in ("acme", "other", "beta")]
            assert [_usd("-1.00"), _usd("1.00"), _usd("1.00")] == balances
            other = core.ledger.history("other").entries
            assert [ids.rival] == [e.transaction_id for e in other]
            assert [1] == [e.seq for e in core.ledger.history("acme").entries]
            assert {"USD": 0} == core.ledger.totals()
