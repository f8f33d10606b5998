"""ChannelRouter: one notifier per channel behind one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import telcocore
from telcocore.adapters.routing import ChannelRouter
from telcocore.kernel.errors import ConfigurationError, ValidationError
from telcocore.notifications.model.message import Channel, Message, MessageKind
from telcocore.testing import CapturingNotifier, FixedClock


def _message(channel: Channel, id_: str = "m1") -> Message:
    return Message(
        id=id_,
        kind=MessageKind.VERIFICATION,
        account_id="acme",
        created_at=datetime(2026, 3, 14, tzinfo=UTC),
        channel=channel,
        to="+14155550123" if channel is Channel.SMS else "cy@example.com",
    )


def test_each_message_goes_to_its_channels_notifier() -> None:
    """Email to the email notifier, SMS to the SMS notifier, nothing crosses over."""
    mail, sms = CapturingNotifier(), CapturingNotifier()
    router = ChannelRouter({Channel.EMAIL: mail, "sms": sms})
    router.send(_message(Channel.SMS, "s"))
    router.send(_message(Channel.EMAIL, "e"))
    assert (["e"], ["s"]) == ([m.id for m in mail.messages], [m.id for m in sms.messages])
    assert [mail, sms] == list(router)


def test_a_channel_without_a_notifier_is_refused_by_name() -> None:
    """The error names the channel, the configured ones and the message."""
    router = ChannelRouter({Channel.EMAIL: CapturingNotifier()})
    with pytest.raises(ConfigurationError, match=r"no notifier for sms .*email.*'m1'"):
        router.send(_message(Channel.SMS))


def test_an_unknown_channel_key_is_refused() -> None:
    """Routes are keyed by channel; anything else is a ValidationError listing them."""
    with pytest.raises(ValidationError, match="'fax' is not one of email, sms"):
        ChannelRouter({"fax": CapturingNotifier()})


def test_an_unrouted_message_waits_in_the_outbox_until_routed() -> None:
    """With no SMS notifier an SMS code stays pending; a router that has one sends it."""
    clock = FixedClock(datetime(2026, 3, 14, tzinfo=UTC))
    mail = CapturingNotifier()
    core = telcocore.connect(
        "memory://", clock=clock, notifier=ChannelRouter({Channel.EMAIL: mail})
    )
    acme = core.accounts.open("Acme", "USD", home_country="US")
    cy = core.contacts.add(acme.id, "Cy", "cy@example.com", mobile="4155550123")
    core.contacts.send_code(cy.id, "mobile")
    core.contacts.send_code(cy.id, "email")
    core.outbox.deliver_pending()
    assert [Channel.EMAIL] == [m.channel for m in mail.messages]

    sms = CapturingNotifier()
    later = telcocore.TelcoCore(
        storage=core.storage,
        clock=clock,
        notifier=ChannelRouter({Channel.EMAIL: mail, Channel.SMS: sms}),
    )
    clock.advance(timedelta(minutes=5))
    report = later.outbox.deliver_pending()
    assert (1, 0) == (report.sent, report.failed)
    assert ["+14155550123"] == [m.to for m in sms.messages]
