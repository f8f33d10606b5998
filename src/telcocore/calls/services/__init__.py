"""Calls use cases: channels, holds, the reaper, the overview, posting, importing, the log.

The service is made of parts, each in its own module: :class:`~.channels.Channels`,
:class:`~.posting.Posting` (with :class:`~.importing.Importing`) and :class:`~.log.CallLog`.
A new part (authorizing a call, posting its record) is a class on
:class:`~.base.CallsPart` in a module of its own, added to :class:`CallService`'s bases.
"""

from __future__ import annotations

from telcocore.calls.services.channels import Channels
from telcocore.calls.services.importing import Importing
from telcocore.calls.services.log import CallLog

__all__ = ["CallService"]


class CallService(Channels, Importing, CallLog):
    """Calls in progress (start, end, reap, count, overview) and posted call records.

    Built as ``CallService(context)``; its methods come from its parts.
    """
