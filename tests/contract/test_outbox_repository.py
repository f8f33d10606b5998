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
