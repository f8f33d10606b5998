"""Calls use cases: authorizing, channels, holds, the reaper, the overview, posting, the log.

The service is made of parts, each in its own module: :class:`~.channels.Channels`,
:class:`~.authorization.Authorizing`, :class:`~.posting.Posting` (with
:class:`~.importing.Importing`) and :class:`~.log.CallLog`. A new part is a class on
:class:`~.base.CallsPart` in a module of its own, added to :class:`CallService`'s bases.
"""

from __future__ import annotations

from telcocore.calls.services.authorization import Authorizing
from telcocore.calls.services.channels import Channels
from telcocore.calls.services.importing import Importing
from telcocore.calls.services.log import CallLog

__all__ = ["CallService"]


class CallService(Channels, Authorizing, Importing, CallLog):
    """Calls in progress (authorize, start, end, reap, count, overview) and posted records.

    Built as ``CallService(context, decks=...)`` (the compiled rate decks it shares with
    the rating service); its methods come from its parts.
    """
