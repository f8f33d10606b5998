"""The outbox's public view (pending messages, counts) and delivery, on every storage."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from tests.conftest import START

from telcocore import TelcoCore, ValidationError
from telcocore.notifications.model.message import MessageKind, OutboxCounts
from telcocore.notifications.ports import Notifier
from telcocore.notifications.services import DeliveryReport
from telcocore.platform.ports import Storage
from telcocore.testing import CapturingNotifier, FailingNotifier, FixedClock, sequential_ids


def _core(storage: Storage, clock: FixedClock, notifier: Notifier | None) -> TelcoCore:
    core = TelcoCore(
        storage=storage,
        clock=clock,
        notifier=notifier,
        ids=sequential_ids("t"),
    )
    core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
    return core


def _two_messages(core: TelcoCore) -> None:
    """Queue a password mail and an email verification code for one new contact."""
    cy = core.contacts.add("acme", "Cy", "cy@example.com", generate_password=True)
    core.contacts.send_code(cy.id, "email")


class TestPending:
    """core.outbox.pending(): every message not yet delivered, oldest first."""

    def test_without_a_notifier_every_message_is_pending_and_due(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """Queued messages show in order, never attempted, and count as due."""
        core = _core(storage, clock, None)
        _two_messages(core)
        items = core.outbox.pending()
        assert [(MessageKind.PASSWORD, 0), (MessageKind.VERIFICATION, 0)] == [
            (i.message.kind, i.attempts) for i in items
        ]
        assert OutboxCounts(due=2, deferred=0) == core.outbox.counts()
        assert 1 == len(core.outbox.pending(limit=1))

    def test_a_failed_message_is_deferred_until_its_retry_time(
        self, storage: Storage, clock: FixedClock
    ) -> None:
        """After a refusal each message waits 30 s: listed with its error, counted deferred."""
        core = _core(storage, clock, FailingNotifier())
        _two_messages(core)
        assert core.outbox.deliver_pending() == DeliveryReport(sent=0, failed=2)
        items = core.outbox.pending()
        retry_at = clock.now() + timedelta(seconds=30)
        assert [(1, retry_at, "ConnectionRefusedError: server is down")] * 2 == [
            (i.attempts, i.next_attempt_at, i.last_error) for i in items
        ]
        assert OutboxCounts(due=0, deferred=2) == core.outbox.counts()
        clock.advance(timedelta(seconds=30))
        assert OutboxCounts(due=2, deferred=0) == core.outbox.counts()
        assert 2 == core.outbox.counts().pending

    def test_delivered_messages_leave_the_view(self, storage: Storage, clock: FixedClock) -> None:
        """Once the notifier accepted them, nothing is pending and nothing counted."""
        notifier = CapturingNotifier()
        core = _core(storage, clock, notifier)
        _two_messages(core)
        assert [] == notifier.messages  # nothing is sent on the request path
        assert core.outbox.deliver_pending() == DeliveryReport(sent=2, failed=0)
        assert ([], OutboxCounts(due=0, deferred=0)) == (
            core.outbox.pending(),
            core.outbox.counts(),
        )
        assert 2 == len(notifier.messages)

    def test_a_notifier_that_does_not_describe_itself_is_named_by_its_type(
        self, storage: Storage, clock: FixedClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The warning of a failed delivery names the notifier's type and the error's."""
        caplog.set_level(logging.WARNING, logger="telcocore.notifications.services")
        core = _core(storage, clock, FailingNotifier(TimeoutError("gateway timed out")))
        cy = core.contacts.add("acme", "Cy", "cy@example.com")
        core.contacts.send_code(cy.id, "email")
        core.outbox.deliver_pending()
        (item,) = core.outbox.pending()
        due = (START + timedelta(seconds=30)).isoformat()
        expected = (
            f"message {item.message.id} (verification, email) not delivered via FailingNotifier: "
            f"TimeoutError; attempt 1, due again at {due}"
        )
        assert [expected] == [r.getMessage() for r in caplog.records]

    @pytest.mark.parametrize("limit", [0, -1, True, 1.5, "10", None])
    def test_a_limit_that_is_not_a_positive_int_is_refused(
        self, storage: Storage, clock: FixedClock, limit: object
    ) -> None:
        """pending() and deliver_pending() refuse the limit with a ValidationError naming it."""
        core = _core(storage, clock, CapturingNotifier())
        for method in (core.outbox.pending, core.outbox.deliver_pending):
            with pytest.raises(ValidationError, match="limit") as refused:
                method(limit=limit)  # type: ignore[arg-type]
            assert "limit" == refused.value.field
