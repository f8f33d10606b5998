"""Several notifiers behind one: each message goes to the notifier of its channel.

A deployment sends email through :class:`~telcocore.adapters.smtp.SmtpNotifier` and SMS
through its own gateway's notifier (any object with ``send(message)``)::

    notifier = ChannelRouter({Channel.EMAIL: SmtpNotifier(config), Channel.SMS: MyGateway()})
    core = telcocore.connect("sqlite:///telco.db", notifier=notifier)

A message whose channel has no notifier is refused with
:class:`~telcocore.ConfigurationError`, so it stays in the outbox, retried with
backoff, until a notifier for it is configured.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from telcocore.kernel.errors import ConfigurationError
from telcocore.kernel.validation import coerce_enum
from telcocore.notifications.model.message import Channel, Message
from telcocore.notifications.ports import Notifier
from telcocore.notifications.services import destination

__all__ = ["ChannelRouter"]


class ChannelRouter:
    """Sends each message through the notifier of its channel (email, SMS)."""

    def __init__(self, routes: Mapping[Channel | str, Notifier]) -> None:
        self.routes: dict[Channel, Notifier] = {
            coerce_enum(Channel, channel, field="channel"): notifier
            for channel, notifier in routes.items()
        }

    def send(self, message: Message) -> None:
        """Hand ``message`` to its channel's notifier; what that raises passes through."""
        notifier = self.routes.get(message.channel)
        if notifier is None:
            configured = ", ".join(sorted(c.value for c in self.routes)) or "none"
            msg = (
                f"no notifier for {message.channel.value} messages "
                f"(configured channels: {configured}); message {message.id!r} stays pending"
            )
            raise ConfigurationError(msg)
        notifier.send(message)

    def destination(self, message: Message) -> str:
        """Where the notifier of ``message``'s channel delivers it (see :meth:`send`)."""
        notifier = self.routes.get(message.channel)
        if notifier is None:
            return f"no notifier for {message.channel.value}"
        return destination(notifier, message)

    def __iter__(self) -> Iterator[Notifier]:
        """The notifiers behind the router."""
        return iter(self.routes.values())
