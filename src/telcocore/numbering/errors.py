"""The numbering errors."""

from __future__ import annotations

from telcocore.kernel.errors import (
    NotFoundError,
    RuleViolation,
)

__all__ = [
    "BlockListEntryNotFound",
    "DidNotFound",
    "ExtensionNotAllowed",
    "ExtensionNotFound",
    "NumberBlockInUse",
    "NumberBlockNotFound",
    "NumberRangeExhausted",
    "NumberRangeNotSet",
]


class NumberBlockNotFound(NotFoundError):
    """No assigned number block starts at this number."""

    entity = "number block"


class ExtensionNotFound(NotFoundError):
    """No extension or SIP username is registered under this name."""

    entity = "extension"


class BlockListEntryNotFound(NotFoundError):
    """The account's block list has no such number or prefix."""

    entity = "block list entry"


class DidNotFound(NotFoundError):
    """No DID is registered with this number."""

    entity = "DID"


class NumberRangeNotSet(RuleViolation):
    """Internal number blocks cannot be assigned before the range parameters are set."""

    def __init__(self) -> None:
        super().__init__(
            "the number range parameters (start, block size, optional end) are not set; "
            "set them before assigning internal number blocks"
        )


class NumberRangeExhausted(RuleViolation):
    """Every block of the number range is assigned; ``end`` is the range's last number."""

    def __init__(self, start: int, block_size: int, end: int | None) -> None:
        super().__init__(
            f"the number range {start}-{end} has no free block of {block_size} numbers left; "
            "release a block or move the range's end"
        )
        self.start = start
        self.block_size = block_size
        self.end = end


class ExtensionNotAllowed(RuleViolation):
    """The extension lies outside the account's number blocks, or in another account's.

    ``owner`` is the account whose block holds the number, if another one's does.
    """

    def __init__(self, account_id: str, extension: str, *, owner: str | None = None) -> None:
        if owner is None:
            where = f"is outside every number block of account {account_id!r}"
        else:
            where = f"lies in a number block of account {owner!r}, not of account {account_id!r}"
        super().__init__(f"extension {extension!r} {where}")
        self.account_id = account_id
        self.extension = extension
        self.owner = owner


_NAMES_SHOWN = 5
"""How many extension names a :class:`NumberBlockInUse` message lists."""


class NumberBlockInUse(RuleViolation):
    """A block cannot be released while extensions of its account lie inside it."""

    def __init__(self, account_id: str, first: int, last: int, extensions: list[str]) -> None:
        names = ", ".join(repr(name) for name in extensions[:_NAMES_SHOWN])
        if len(extensions) > _NAMES_SHOWN:
            names += f" and {len(extensions) - _NAMES_SHOWN} more"
        super().__init__(
            f"number block {first}-{last} of account {account_id!r} still holds the "
            f"extensions {names}; remove them before releasing the block"
        )
        self.account_id = account_id
        self.first = first
        self.last = last
        self.extensions = extensions
