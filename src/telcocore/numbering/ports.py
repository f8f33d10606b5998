"""What numbering needs from storage: one port per part of numbering.

The range and its blocks, extensions, the block list and DIDs each have their own
repository; a service asks its unit of work only for the ones it uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from telcocore.numbering.model.blocklist import BlockListEntry
from telcocore.numbering.model.blocks import Extension, NumberBlock, RangeState
from telcocore.numbering.model.dids import Did

__all__ = ["BlockListRepository", "DidRepository", "ExtensionRepository", "RangeRepository"]


class RangeRepository(Protocol):
    """Stores the number range, its free list and the assigned blocks.

    Block assignment is serialized by :meth:`lock_range`: every unit that assigns or
    releases blocks, or changes the parameters, locks the range first.
    """

    def lock_range(self) -> RangeState:
        """The range state, locked until this unit ends (parameters ``None`` if never set)."""
        ...

    def read_range(self) -> RangeState:
        """The range state as last committed, without waiting for or taking the lock."""
        ...

    def save_range(self, state: RangeState) -> None:
        """Store the range state; the unit must hold the lock of :meth:`lock_range`."""
        ...

    def pop_free(self) -> int | None:
        """Take the lowest released block start off the free list (``None`` if empty)."""
        ...

    def add_free(self, first: int) -> None:
        """Put a block start on the free list."""
        ...

    def clear_free(self) -> None:
        """Empty the free list (the parameters changed)."""
        ...

    def add_block(self, block: NumberBlock) -> None:
        """Store an assigned block; :class:`~telcocore.AlreadyExists` if its start is."""
        ...

    def remove_block(self, first: int) -> None:
        """Forget the block starting at ``first`` (:class:`~telcocore.NotFoundError`)."""
        ...

    def block_at(self, first: int) -> NumberBlock | None:
        """The block starting at ``first``, if any."""
        ...

    def block_overlapping(self, first: int, last: int) -> NumberBlock | None:
        """A block sharing a number with ``first``-``last``, if any (an indexed lookup).

        Blocks never overlap, so the block with the greatest start at or below ``last`` is
        the one to check.
        """
        ...

    def blocks(self, account_id: str | None = None) -> list[NumberBlock]:
        """Every block (of ``account_id``, if given), by first number."""
        ...

    def has_blocks(self, account_id: str) -> bool:
        """Whether the account holds at least one block."""
        ...


class ExtensionRepository(Protocol):
    """Stores extensions and SIP usernames, unique system-wide."""

    def add_extension(self, extension: Extension) -> None:
        """Store an extension; :class:`~telcocore.AlreadyExists` if its name is taken."""
        ...

    def get_extension(self, name: str) -> Extension | None:
        """The extension with this name, if any."""
        ...

    def remove_extension(self, name: str) -> None:
        """Forget an extension (:class:`~telcocore.ExtensionNotFound`)."""
        ...

    def extensions(self, account_id: str) -> list[Extension]:
        """The account's extensions, by name."""
        ...


class BlockListRepository(Protocol):
    """Stores each account's blocked numbers and prefixes."""

    def add_blocked(self, entry: BlockListEntry) -> None:
        """Store a block list entry; :class:`~telcocore.AlreadyExists` if present."""
        ...

    def remove_blocked(self, account_id: str, pattern: str) -> BlockListEntry:
        """Remove and return an entry (:class:`~telcocore.BlockListEntryNotFound`)."""
        ...

    def blocked(self, account_id: str) -> list[BlockListEntry]:
        """The account's block list, by pattern."""
        ...

    def find_blocked(self, account_id: str, patterns: Sequence[str]) -> list[BlockListEntry]:
        """The account's entries whose pattern is one of ``patterns`` (exact lookups)."""
        ...


class DidRepository(Protocol):
    """Stores the DIDs accounts own."""

    def add_did(self, did: Did) -> None:
        """Store a DID; :class:`~telcocore.AlreadyExists` if its number is taken."""
        ...

    def get_did(self, number: str) -> Did | None:
        """The DID with this number, if any."""
        ...

    def update_did(self, did: Did) -> None:
        """Store changes to a DID (:class:`~telcocore.DidNotFound`)."""
        ...

    def remove_did(self, number: str) -> None:
        """Forget a DID (:class:`~telcocore.DidNotFound`)."""
        ...

    def dids(self, account_id: str) -> list[Did]:
        """The account's DIDs, by number."""
        ...
