"""The OutboxRepository contract, on every storage adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from telcocore.kernel.errors import AlreadyExists, NotFoundError
from telcocore.notifications.model.message import (
    Channel,
    Message,
    MessageKind,
    OutboxCounts,
    OutboxItem,
)
from telcocore.notifications.ports import OutboxRepository
from telcocore.platform.ports import Storage

T0 = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


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


class TestMarking:
    """Recording delivery attempts."""

    def test_a_sent_message_is_no_longer_pending(self, storage: Storage) -> None:
        """mark_sent() takes the message out of pending()."""
        _queued(storage, 1, 2)
        with storage.unit_of_work() as uow:
            uow.get(OutboxRepository).mark_sent("m1", at=T0)
            uow.commit()
        assert ["m2"] == [i.message.id for i in _pending(storage)]

    def test_a_failed_attempt_is_counted_and_explained(self, storage: Storage) -> None:
        """mark_failed() keeps the message pending with its attempts and last error."""
        _queued(storage, 1)
        with storage.unit_of_work() as uow:
            uow.get(OutboxRepository).mark_failed("m1", error="first")
            uow.get(OutboxRepository).mark_failed("m1", error="ConnectionRefusedError: down")
            uow.commit()
        expected = OutboxItem(_message(1), attempts=2, last_error="ConnectionRefusedError: down")
        assert [expected] == _pending(storage)

    def test_marking_an_unknown_message_raises(self, storage: Storage) -> None:
        """mark_sent() and mark_failed() of an unknown id raise NotFoundError."""
        with storage.unit_of_work() as uow:
            with pytest.raises(NotFoundError):
                uow.get(OutboxRepository).mark_sent("nothing", at=T0)
            with pytest.raises(NotFoundError):
                uow.get(OutboxRepository).mark_failed("nothing", error="x")


class TestCounts:
    """Counting what waits: due now, or deferred by a retry delay."""

    def test_an_empty_outbox_counts_nothing(self, storage: Storage) -> None:
        """counts() of an empty outbox is zero due, zero deferred."""
        with storage.unit_of_work() as uow:
            assert OutboxCounts(due=0, deferred=0) == uow.get(OutboxRepository).counts(now=T0)

    def test_a_retry_time_in_the_future_defers_a_message(self, storage: Storage) -> None:
        """Unsent messages count as due unless their retry time is after now; sent ones not."""
        _queued(storage, 1, 2, 3, 4)
        with storage.unit_of_work() as uow:
            uow.get(OutboxRepository).mark_sent("m1", at=T0)
            uow.get(OutboxRepository).mark_failed(
                "m2", error="down", retry_at=T0 + timedelta(seconds=30)
            )
            uow.get(OutboxRepository).mark_failed("m3", error="down", retry_at=T0)
            uow.commit()
        with storage.unit_of_work() as uow:
            now = uow.get(OutboxRepository).counts(now=T0)
            later = uow.get(OutboxRepository).counts(now=T0 + timedelta(seconds=30))
        assert (OutboxCounts(due=2, deferred=1), OutboxCounts(due=3, deferred=0)) == (now, later)


def _claim(storage: Storage, message_id: str, now: datetime, until: datetime) -> bool:
    with storage.unit_of_work() as uow:
        claimed = uow.get(OutboxRepository).claim(message_id, now=now, until=until)
        uow.commit()
    return claimed


class TestClaim:
    """Taking a due message for delivery: one claimant wins, and the claim lapses."""

    def test_the_first_claim_wins_and_a_second_loses(self, storage: Storage) -> None:
        """A claimed message is not due again until the claim's end, when it can be retaken."""
        _queued(storage, 1)
        until = T0 + timedelta(minutes=5)
        outcomes = [_claim(storage, "m1", T0, until), _claim(storage, "m1", T0, until)]
        with storage.unit_of_work() as uow:
            due_now = list(uow.get(OutboxRepository).pending(limit=10, now=T0))
        (item,) = _pending(storage)
        assert ([True, False], [], 0, until) == (
            outcomes,
            due_now,
            item.attempts,
            item.next_attempt_at,
        )
        assert _claim(storage, "m1", until, until + timedelta(minutes=5))

    def test_a_sent_or_unknown_message_cannot_be_claimed(self, storage: Storage) -> None:
        """claim() is False once the message was sent, and for an id the outbox lacks."""
        _queued(storage, 1)
        with storage.unit_of_work() as uow:
            uow.get(OutboxRepository).mark_sent("m1", at=T0)
            uow.commit()
        later = T0 + timedelta(hours=1)
        assert [False, False] == [
            _claim(storage, "m1", later, later),
            _claim(storage, "m404", later, later),
        ]

    def test_a_message_deferred_by_a_failure_is_claimed_only_once_due(
        self, storage: Storage
    ) -> None:
        """Before its retry time a failed message cannot be claimed; from then on it can."""
        _queued(storage, 1)
        retry_at = T0 + timedelta(seconds=30)
        with storage.unit_of_work() as uow:
            uow.get(OutboxRepository).mark_failed("m1", error="down", retry_at=retry_at)
            uow.commit()
        end = retry_at + timedelta(minutes=5)
        assert [False, True] == [
            _claim(storage, "m1", T0, end),
            _claim(storage, "m1", retry_at, end),
        ]
