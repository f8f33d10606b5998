"""Calls use cases: channels in use, the credit held for calls, the reaper, the overview.

The service is made of parts, each in its own module: :class:`~.channels.Channels` and
:class:`~.authorization.Authorizing` so far.
A new part (authorizing a call, posting its record) is a class on
:class:`~.base.CallsPart` in a module of its own, added to :class:`CallService`'s bases.
"""

from __future__ import annotations

from telcocore.calls.services.authorization import Authorizing
from telcocore.calls.services.channels import Channels

__all__ = ["CallService"]


class CallService(Channels, Authorizing):
    """Calls in progress: authorize, start, end, reap, count, and each account's overview.

    Built as ``CallService(context)``; its methods come from its parts.
    """
