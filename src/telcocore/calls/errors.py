"""The calls domain's errors.

::

    ValidationError (ValueError)
    ├── InvalidCallRecord          a call record with a missing, malformed or inconsistent field
    └── InvalidImportOptions       an importer called with options it cannot use (an unknown
                                    template or time zone, a column map without a start)
    RuleViolation
    └── ChannelLimitReached        every channel the account may use is in use
    ConflictError
    └── CallConflict               a call id already in progress for another request
"""

from __future__ import annotations

from telcocore.kernel.errors import ConflictError, RuleViolation, ValidationError

__all__ = ["CallConflict", "ChannelLimitReached", "InvalidCallRecord", "InvalidImportOptions"]

# -- call records and importers -------------------------------------------------------------


class InvalidCallRecord(ValidationError):
    """A call record field is missing, malformed or inconsistent with another field.

    ``field`` names the field, ``value`` is what was given.
    """


class InvalidImportOptions(ValidationError):
    """An importer was given options it cannot use; nothing was read.

    ``field`` names the option (``tz``, ``template``, ``columns``, ...).
    """


# -- channels and holds ---------------------------------------------------------------------


class ChannelLimitReached(RuleViolation):
    """The account already uses ``limit`` channels: no call may start until one ends."""

    def __init__(self, account_id: str, limit: int) -> None:
        super().__init__(
            f"account {account_id!r} already has {limit} call(s) in progress, its channel "
            "limit; a call may start when one ends"
        )
        self.account_id = account_id
        self.limit = limit


class CallConflict(ConflictError):
    """A call id is already in progress for another account or another hold."""

    def __init__(self, call_id: str, difference: str) -> None:
        super().__init__(f"call {call_id!r} is already in progress, {difference}")
        self.call_id = call_id
        self.difference = difference
