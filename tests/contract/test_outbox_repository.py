"""The OutboxRepository contract, on every storage adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from telcocore.kernel.errors import AlreadyExists, NotFoundError, ValidationError
from telcocore.notifications.model.message import (
    CONTACT_DATA,
    Channel,
    Message,
    MessageKind,
    OutboxCounts,
    OutboxItem,
)
from telcocore.notifications.ports import OutboxRepository
from telcocore.platform.ports import Storage
from telcocore.platform.sql.unit_of_work import SqlUnitOfWork

T0 = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
ANN = "c-ann"
"""The contact whose messages the withdrawal tests withdraw."""
BO = "c-bo"
"""Another contact, sharing an address with ``ANN``."""


def _message(number: int) -> Message:
    return Message(
        id=f"m{number}",
        kind=MessageKind.LOW_BALANCE,
        account_id="acme",
        created_at=T0 + timedelta(seconds=number),
        channel=Channel.SMS,
        to="+14155550123",
        data={"balance": "1.99", "currency": "USD", "n": str(number)},
    )


def _queued(storage: Storage, *numbers: int) -> None:
    with storage.unit_of_work() as uow:
        for number in numbers:
            uow.get(OutboxRepository).add(_message(number))
        uow.commit()


def _pending(storage: Storage, limit: int = 100) -> list[OutboxItem]:
    with storage.unit_of_work() as uow:
        return list(uow.get(OutboxRepository).pending(limit=limit))


class TestAdd:
    """Queueing messages."""

    def test_a_queued_message_reads_back_equal(self, storage: Storage) -> None:
        """pending() returns the message as queued, never attempted."""
        _queued(storage, 1)
        assert [OutboxItem(_message(1))] == _pending(storage)

    def test_a_taken_id_is_refused(self, storage: Storage) -> None:
        """A second message with the same id raises AlreadyExists."""
        _queued(storage, 1)
        with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
            uow.get(OutboxRepository).add(_message(1))


class TestPending:
    """Reading what is still to deliver."""

    def test_messages_come_oldest_first_up_to_the_limit(self, storage: Storage) -> None:
        """pending(limit=n) gives the first n messages in the order they were queued."""
        _queued(storage, 3, 1)
        _queued(storage, 2)
        assert ["m3", "m1"] == [i.message.id for i in _pending(storage, limit=2)]

    def test_an_empty_outbox_has_nothing_pending(self, storage: Storage) -> None:
        """pending() of an empty outbox is empty."""
        assert [] == _pending(storage)


FIRST = "c1"
"""The claim token of the tests' single claims."""


def _claim(
    storage: Storage, message_id: str, now: datetime, until: datetime, token: str = FIRST
) -> bool:
    with storage.unit_of_work() as uow:
        claimed = uow.get(OutboxRepository).claim(message_id, token=token, now=now, until=until)
        uow.commit()
    return claimed


def _sent(storage: Storage, message_id: str, token: str = FIRST, at: datetime = T0) -> bool:
    with storage.unit_of_work() as uow:
        done = uow.get(OutboxRepository).mark_sent(message_id, token=token, at=at)
        uow.commit()
    return done


def _failed(
    storage: Storage,
    message_id: str,
    token: str = FIRST,
    error: str = "down",
    retry_at: datetime | None = None,
) -> bool:
    with storage.unit_of_work() as uow:
        done = uow.get(OutboxRepository).mark_failed(
            message_id, token=token, error=error, retry_at=retry_at
        )
        uow.commit()
    return done


LEASE = timedelta(minutes=5)


class TestMarking:
    """Recording the outcome of a claimed attempt."""

    def test_a_sent_message_is_no_longer_pending(self, storage: Storage) -> None:
        """mark_sent() by the claim's holder takes the message out of pending()."""
        _queued(storage, 1, 2)
        assert _claim(storage, "m1", T0, T0 + LEASE)
        assert _sent(storage, "m1")
        assert ["m2"] == [i.message.id for i in _pending(storage)]

    def test_each_claim_counts_an_attempt_and_a_failure_explains_it(self, storage: Storage) -> None:
        """Two claims, each refused: two attempts, the last error kept, due at retry_at."""
        _queued(storage, 1)
        assert _claim(storage, "m1", T0, T0 + LEASE, token="c1")
        assert _failed(storage, "m1", token="c1", error="first", retry_at=T0)
        assert _claim(storage, "m1", T0, T0 + LEASE, token="c2")
        assert _failed(storage, "m1", token="c2", error="ConnectionRefusedError: down")
        expected = OutboxItem(_message(1), attempts=2, last_error="ConnectionRefusedError: down")
        assert [expected] == _pending(storage)

    def test_a_claim_whose_worker_died_counts_as_an_attempt(self, storage: Storage) -> None:
        """A claim never marked leaves one attempt counted; the message is due when it lapses."""
        _queued(storage, 1)
        assert _claim(storage, "m1", T0, T0 + LEASE)
        (item,) = _pending(storage)
        assert (1, T0 + LEASE) == (item.attempts, item.next_attempt_at)

    def test_marking_an_unknown_message_raises(self, storage: Storage) -> None:
        """mark_sent() and mark_failed() of an unknown id raise NotFoundError."""
        with storage.unit_of_work() as uow:
            with pytest.raises(NotFoundError):
                uow.get(OutboxRepository).mark_sent("nothing", token="c1", at=T0)
            with pytest.raises(NotFoundError):
                uow.get(OutboxRepository).mark_failed("nothing", token="c1", error="x")


class TestLostClaims:
    """An outcome is recorded only by the worker still holding the claim."""

    def test_a_lapsed_claim_cannot_mark_the_message_sent_again(self, storage: Storage) -> None:
        """The second claimant sends it; the first one's late mark_sent changes nothing."""
        _queued(storage, 1)
        assert _claim(storage, "m1", T0, T0 + LEASE, token="slow")
        assert _claim(storage, "m1", T0 + LEASE, T0 + 2 * LEASE, token="fast")
        assert _sent(storage, "m1", token="fast", at=T0 + LEASE)
        assert not _sent(storage, "m1", token="slow", at=T0 + 2 * LEASE)
        with storage.unit_of_work() as uow:
            counts = uow.get(OutboxRepository).counts(now=T0 + 3 * LEASE)
        assert OutboxCounts(due=0, deferred=0) == counts

    def test_a_late_failure_is_not_written_onto_a_sent_message(self, storage: Storage) -> None:
        """After another claimant sent it, mark_failed() is False and leaves the row sent."""
        _queued(storage, 1, 2)
        assert _claim(storage, "m1", T0, T0 + LEASE, token="slow")
        assert _claim(storage, "m1", T0 + LEASE, T0 + 2 * LEASE, token="fast")
        assert _sent(storage, "m1", token="fast")
        assert not _failed(storage, "m1", token="slow", error="late", retry_at=T0)
        assert ["m2"] == [i.message.id for i in _pending(storage)]

    def test_a_late_failure_does_not_disturb_the_new_claim(self, storage: Storage) -> None:
        """While the second claimant sends, the first one's failure changes nothing."""
        _queued(storage, 1)
        assert _claim(storage, "m1", T0, T0 + LEASE, token="slow")
        assert _claim(storage, "m1", T0 + LEASE, T0 + 2 * LEASE, token="fast")
        assert not _failed(storage, "m1", token="slow", error="late", retry_at=T0)
        (item,) = _pending(storage)
        assert (2, None, T0 + 2 * LEASE) == (item.attempts, item.last_error, item.next_attempt_at)
        assert _sent(storage, "m1", token="fast")


class TestCounts:
    """Counting what waits: due now, or deferred by a retry delay."""

    def test_an_empty_outbox_counts_nothing(self, storage: Storage) -> None:
        """counts() of an empty outbox is zero due, zero deferred."""
        with storage.unit_of_work() as uow:
            assert OutboxCounts(due=0, deferred=0) == uow.get(OutboxRepository).counts(now=T0)

    def test_a_retry_time_in_the_future_defers_a_message(self, storage: Storage) -> None:
        """Unsent messages count as due unless their retry time is after now; sent ones not."""
        _queued(storage, 1, 2, 3, 4)
        for number in (1, 2, 3):
            assert _claim(storage, f"m{number}", T0, T0 + LEASE)
        assert _sent(storage, "m1")
        assert _failed(storage, "m2", retry_at=T0 + timedelta(seconds=30))
        assert _failed(storage, "m3", retry_at=T0)
        with storage.unit_of_work() as uow:
            now = uow.get(OutboxRepository).counts(now=T0)
            later = uow.get(OutboxRepository).counts(now=T0 + timedelta(seconds=30))
        assert (OutboxCounts(due=2, deferred=1), OutboxCounts(due=3, deferred=0)) == (now, later)


class TestClaim:
    """Taking a due message for delivery: one claimant wins, and the claim lapses."""

    def test_the_first_claim_wins_and_a_second_loses(self, storage: Storage) -> None:
        """A claimed message is not due again until the claim's end, when it can be retaken."""
        _queued(storage, 1)
        until = T0 + LEASE
        outcomes = [
            _claim(storage, "m1", T0, until, token="a"),
            _claim(storage, "m1", T0, until, token="b"),
        ]
        with storage.unit_of_work() as uow:
            due_now = list(uow.get(OutboxRepository).pending(limit=10, now=T0))
        (item,) = _pending(storage)
        assert ([True, False], [], 1, until) == (
            outcomes,
            due_now,
            item.attempts,
            item.next_attempt_at,
        )
        assert not _sent(storage, "m1", token="b")  # the loser holds nothing
        assert _claim(storage, "m1", until, until + LEASE, token="c")

    def test_a_sent_or_unknown_message_cannot_be_claimed(self, storage: Storage) -> None:
        """claim() is False once the message was sent, and for an id the outbox lacks."""
        _queued(storage, 1)
        assert _claim(storage, "m1", T0, T0 + LEASE)
        assert _sent(storage, "m1")
        later = T0 + timedelta(hours=1)
        assert [False, False] == [
            _claim(storage, "m1", later, later, token="c2"),
            _claim(storage, "m404", later, later, token="c3"),
        ]

    def test_a_message_deferred_by_a_failure_is_claimed_only_once_due(
        self, storage: Storage
    ) -> None:
        """Before its retry time a failed message cannot be claimed; from then on it can."""
        _queued(storage, 1)
        retry_at = T0 + timedelta(seconds=30)
        assert _claim(storage, "m1", T0, T0 + LEASE)
        assert _failed(storage, "m1", retry_at=retry_at)
        end = retry_at + LEASE
        assert [False, True] == [
            _claim(storage, "m1", T0, end, token="c2"),
            _claim(storage, "m1", retry_at, end, token="c3"),
        ]


def _about(number: int, kind: MessageKind, to: str, contact: str | None) -> Message:
    """A PASSWORD or VERIFICATION message to ``to``, queued as ``m<number>``.

    Its data names ``contact``, or no contact (as messages of earlier releases) for ``None``.
    """
    about = {} if contact is None else {CONTACT_DATA: contact}
    secret = {"password": f"secret-{number}", "email": to}
    if kind is MessageKind.VERIFICATION:
        secret = {"code": f"{number:06d}", "target": "email" if "@" in to else "mobile"}
    return Message(
        id=f"m{number}",
        kind=kind,
        account_id="acme",
        created_at=T0 + timedelta(seconds=number),
        channel=Channel.EMAIL if "@" in to else Channel.SMS,
        to=to,
        data={**secret, **about},
    )


def _password(number: int, to: str, contact: str | None = ANN) -> Message:
    """A PASSWORD message to ``to`` about ``contact``, queued as ``m<number>``."""
    return _about(number, MessageKind.PASSWORD, to, contact)


def _code(number: int, to: str, contact: str | None = ANN) -> Message:
    """A VERIFICATION code to ``to`` about ``contact``, queued as ``m<number>``."""
    return _about(number, MessageKind.VERIFICATION, to, contact)


def _add(storage: Storage, *messages: Message) -> None:
    with storage.unit_of_work() as uow:
        for message in messages:
            uow.get(OutboxRepository).add(message)
        uow.commit()


def _withdraw(
    storage: Storage,
    to: str | dict[str, str],
    kinds: tuple[MessageKind, ...] = (MessageKind.PASSWORD,),
    contact: str = ANN,
) -> dict[MessageKind, int]:
    """Withdraw ``kinds`` about ``contact`` to ``to`` (an address, or addresses to reasons)."""
    addresses = {to: "gone"} if isinstance(to, str) else to
    with storage.unit_of_work() as uow:
        counts = uow.get(OutboxRepository).withdraw(kinds, addresses, contact_id=contact, at=T0)
        uow.commit()
    return dict(counts)


def _reasons(storage: Storage) -> dict[str, str | None]:
    """The ``last_error`` of every message, by id."""
    with storage.unit_of_work(read_only=True) as uow:
        assert isinstance(uow, SqlUnitOfWork)
        rows = uow._session.all("SELECT id, last_error FROM outbox ORDER BY id")
        return {str(row[0]): row[1] for row in rows}


class TestWithdraw:
    """Withdrawing unsent messages: never delivered, kept erased, no longer pending."""

    def test_only_unsent_messages_of_the_kind_to_the_address_go(self, storage: Storage) -> None:
        """Any case of the address matches; other kinds, addresses and sent messages stay."""
        _add(
            storage,
            _password(1, "Ann@Example.com"),
            _password(2, "bo@example.com"),
            _password(3, "ann@example.com"),
            attrs.evolve(_message(4), to="ann@example.com"),
            _password(5, "ANN@example.com"),
        )
        assert _claim(storage, "m5", T0, T0 + LEASE)
        assert _sent(storage, "m5")
        assert {MessageKind.PASSWORD: 2} == _withdraw(storage, "ann@EXAMPLE.com")
        assert ["m2", "m4"] == [i.message.id for i in _pending(storage)]
        with storage.unit_of_work() as uow:
            assert OutboxCounts(due=2, deferred=0) == uow.get(OutboxRepository).counts(now=T0)
        assert {MessageKind.PASSWORD: 0} == _withdraw(storage, "ann@example.com")

    def test_several_kinds_and_addresses_go_in_one_call(self, storage: Storage) -> None:
        """Each kind is counted, each message gets its address's reason; the rest stays."""
        _add(
            storage,
            _password(1, "ann@example.com"),
            _code(2, "+14155550123"),
            _code(3, "ann@example.com"),
            attrs.evolve(_message(4), to="ann@example.com"),
            _code(5, "+14155550199"),
        )
        kinds = (MessageKind.VERIFICATION, MessageKind.PASSWORD)
        addresses = {"ANN@example.com": "email gone", "+14155550123": "mobile gone"}
        assert {MessageKind.VERIFICATION: 2, MessageKind.PASSWORD: 1} == _withdraw(
            storage, addresses, kinds
        )
        assert ["m4", "m5"] == [i.message.id for i in _pending(storage)]
        assert {
            "m1": "email gone",
            "m2": "mobile gone",
            "m3": "email gone",
            "m4": None,
            "m5": None,
        } == _reasons(storage)

    def test_only_the_contacts_own_messages_go(self, storage: Storage) -> None:
        """Another contact's code to a shared number stays; one naming no contact goes."""
        _add(
            storage,
            _code(1, "+14155550123", contact=ANN),
            _code(2, "+14155550123", contact=BO),
            _code(3, "+14155550123", contact=None),
            _password(4, "ann@example.com", contact=BO),
        )
        kinds = (MessageKind.VERIFICATION, MessageKind.PASSWORD)
        addresses = {"ann@example.com": "gone", "+14155550123": "gone"}
        assert {MessageKind.VERIFICATION: 2, MessageKind.PASSWORD: 0} == _withdraw(
            storage, addresses, kinds
        )
        assert ["m2", "m4"] == [i.message.id for i in _pending(storage)]
        assert {MessageKind.VERIFICATION: 1} == _withdraw(
            storage, "+14155550123", (MessageKind.VERIFICATION,), contact=BO
        )
        assert ["m4"] == [i.message.id for i in _pending(storage)]

    def test_an_address_given_twice_is_refused(self, storage: Storage) -> None:
        """Two keys that differ only in case: ValidationError, and nothing is withdrawn."""
        _add(storage, _password(1, "ann@example.com"))
        with pytest.raises(ValidationError, match="twice"):
            _withdraw(storage, {"ann@example.com": "a", "Ann@example.com": "b"})
        assert ["m1"] == [i.message.id for i in _pending(storage)]

    def test_a_claimed_message_withdrawn_cannot_be_marked_or_claimed(
        self, storage: Storage
    ) -> None:
        """The worker holding the claim can mark it neither sent nor failed, nobody claims it."""
        _add(storage, _password(1, "ann@example.com"))
        assert _claim(storage, "m1", T0, T0 + LEASE)
        assert {MessageKind.PASSWORD: 1} == _withdraw(storage, "ann@example.com")
        later = T0 + 2 * LEASE
        assert [False, False, False] == [
            _sent(storage, "m1"),
            _failed(storage, "m1", retry_at=T0),
            _claim(storage, "m1", later, later + LEASE, token="c2"),
        ]
        assert [] == _pending(storage)
