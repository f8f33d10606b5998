"""The numbering repositories in SQL: the range row, blocks, extensions, block lists, DIDs.

- ``number_range`` is one row: the parameters and the assignment counter. :meth:`lock_range`
  updates it (``UPDATE ... RETURNING``) before reading it: on PostgreSQL that takes the row
  lock, held to the end of the transaction, on SQLite the write lock is held already. So
  units that assign or release blocks run one after the other.
- ``number_free`` holds released block starts; the lowest is taken with one ``DELETE ...
  WHERE first_number = (SELECT MIN(first_number) ...) RETURNING``, an index lookup.
- ``number_blocks`` is keyed by the block's first number (unique), so the block that could
  overlap a range is the one with the greatest start at or below its end: an index lookup.
- Inserts use ``ON CONFLICT DO NOTHING`` and count the rows, as the other repositories do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from telcocore.kernel.errors import AlreadyExists
from telcocore.numbering.errors import (
    BlockListEntryNotFound,
    DidNotFound,
    ExtensionNotFound,
    NumberBlockNotFound,
)
from telcocore.numbering.model.blocklist import BlockKind, BlockListEntry, BlockOrigin
from telcocore.numbering.model.blocks import Extension, NumberBlock, RangeParameters, RangeState
from telcocore.numbering.model.dids import Did, DidClass
from telcocore.numbering.ports import (
    BlockListRepository,
    DidRepository,
    ExtensionRepository,
    RangeRepository,
)
from telcocore.platform.sql.dialect import Row, Session
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = [
    "STORAGE",
    "SqlBlockListRepository",
    "SqlDidRepository",
    "SqlExtensionRepository",
    "SqlRangeRepository",
]

_BLOCK: Final = "SELECT first_number, last_number, account_id, assigned_at, generation "
_RANGE_COLUMNS: Final = "start_number, block_size, end_number, generation, next_index"
_LOCK_RANGE: Final = (
    f"UPDATE number_range SET next_index = next_index WHERE id = 1 RETURNING {_RANGE_COLUMNS}"  # noqa: S608 - constant
)
_READ_RANGE: Final = f"SELECT {_RANGE_COLUMNS} FROM number_range WHERE id = 1"  # noqa: S608 - constant

_BLOCK_LIST: Final = "SELECT account_id, pattern, kind, origin, created_at, note FROM block_list "
_DID: Final = (
    "SELECT number, account_id, did_class, created_at, active, activated_at, deactivated_at "
    "FROM dids "
)


_FREE_BLOCK: Final = f"free {NumberBlock.ENTITY}"
"""What a block start already on the free list is called in its error."""


class _SqlRepository:
    """A numbering repository working in one session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session


class SqlRangeRepository(_SqlRepository):
    """The range row, the free list and the assigned blocks."""

    # -- range and free list ---------------------------------------------------------------

    def lock_range(self) -> RangeState:
        """The range row, locked until the transaction ends."""
        return self._range(self._s.one(_LOCK_RANGE))

    def read_range(self) -> RangeState:
        """The range row as last committed (no lock)."""
        return self._range(self._s.one(_READ_RANGE))

    @staticmethod
    def _range(row: Row | None) -> RangeState:
        assert row is not None  # noqa: S101 - created by the migration
        start, size, end, generation, next_index = row
        parameters = None if start is None else RangeParameters(int(start), int(size), end)
        return RangeState(parameters, next_index=int(next_index), generation=int(generation))

    def save_range(self, state: RangeState) -> None:
        """Store the parameters and the counter."""
        p = state.parameters
        self._s.run(
            "UPDATE number_range SET start_number = ?, block_size = ?, end_number = ?, "
            "generation = ?, next_index = ? WHERE id = 1",
            (
                None if p is None else p.start,
                None if p is None else p.block_size,
                None if p is None else p.end,
                state.generation,
                state.next_index,
            ),
        )

    def pop_free(self) -> int | None:
        """Take the lowest released start off the free list."""
        row = self._s.one(
            "DELETE FROM number_free WHERE first_number = "
            "(SELECT MIN(first_number) FROM number_free) RETURNING first_number"
        )
        return None if row is None else int(row[0])

    def add_free(self, first: int) -> None:
        """Put ``first`` on the free list."""
        inserted = self._s.run(
            "INSERT INTO number_free (first_number) VALUES (?) ON CONFLICT DO NOTHING", (first,)
        )
        if not inserted:
            raise AlreadyExists(_FREE_BLOCK, first)

    def clear_free(self) -> None:
        """Empty the free list."""
        self._s.run("DELETE FROM number_free")

    # -- blocks ----------------------------------------------------------------------------

    def _block(self, row: Row) -> NumberBlock:
        first, last, account_id, assigned_at, generation = row
        return NumberBlock(
            first=int(first),
            last=int(last),
            account_id=account_id,
            assigned_at=self._s.dialect.time_from_db(assigned_at),
            generation=int(generation),
        )

    def add_block(self, block: NumberBlock) -> None:
        """Store an assigned block; its first number is unique."""
        inserted = self._s.run(
            "INSERT INTO number_blocks "
            "(first_number, last_number, account_id, generation, assigned_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                block.first,
                block.last,
                block.account_id,
                block.generation,
                self._s.dialect.time_to_db(block.assigned_at),
            ),
        )
        if not inserted:
            raise AlreadyExists(NumberBlock.ENTITY, block.first)

    def remove_block(self, first: int) -> None:
        """Forget the block starting at ``first``."""
        if not self._s.run("DELETE FROM number_blocks WHERE first_number = ?", (first,)):
            raise NumberBlockNotFound(first)

    def block_at(self, first: int) -> NumberBlock | None:
        """The block starting at ``first``, if any."""
        row = self._s.one(f"{_BLOCK}FROM number_blocks WHERE first_number = ?", (first,))
        return None if row is None else self._block(row)

    def block_overlapping(self, first: int, last: int) -> NumberBlock | None:
        """The block with the greatest start at or below ``last``, if it reaches ``first``."""
        row = self._s.one(
            f"{_BLOCK}FROM number_blocks WHERE first_number <= ? "
            "ORDER BY first_number DESC LIMIT 1",
            (last,),
        )
        if row is None or int(row[1]) < first:
            return None
        return self._block(row)

    def blocks(self, account_id: str | None = None) -> list[NumberBlock]:
        """Every block (of ``account_id``), by first number."""
        if account_id is None:
            rows = self._s.all(f"{_BLOCK}FROM number_blocks ORDER BY first_number")
        else:
            rows = self._s.all(
                f"{_BLOCK}FROM number_blocks WHERE account_id = ? ORDER BY first_number",
                (account_id,),
            )
        return [self._block(row) for row in rows]

    def has_blocks(self, account_id: str) -> bool:
        """Whether the account holds a block."""
        row = self._s.one("SELECT 1 FROM number_blocks WHERE account_id = ? LIMIT 1", (account_id,))
        return row is not None


class SqlExtensionRepository(_SqlRepository):
    """The extensions table."""

    def _extension(self, row: Row) -> Extension:
        name, account_id, created_at = row
        return Extension(
            name=name, account_id=account_id, created_at=self._s.dialect.time_from_db(created_at)
        )

    def add_extension(self, extension: Extension) -> None:
        """Store an extension, unique by name."""
        inserted = self._s.run(
            "INSERT INTO extensions (name, account_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (
                extension.name,
                extension.account_id,
                self._s.dialect.time_to_db(extension.created_at),
            ),
        )
        if not inserted:
            raise AlreadyExists(Extension.ENTITY, extension.name)

    def get_extension(self, name: str) -> Extension | None:
        """The extension with this name, if any."""
        row = self._s.one(
            "SELECT name, account_id, created_at FROM extensions WHERE name = ?", (name,)
        )
        return None if row is None else self._extension(row)

    def remove_extension(self, name: str) -> None:
        """Forget an extension."""
        if not self._s.run("DELETE FROM extensions WHERE name = ?", (name,)):
            raise ExtensionNotFound(name)

    def extensions(self, account_id: str) -> list[Extension]:
        """The account's extensions, by name."""
        rows = self._s.all(
            "SELECT name, account_id, created_at FROM extensions WHERE account_id = ? "
            "ORDER BY name",
            (account_id,),
        )
        return [self._extension(row) for row in rows]


class SqlBlockListRepository(_SqlRepository):
    """The block list table."""

    def _entry(self, row: Row) -> BlockListEntry:
        account_id, pattern, kind, origin, created_at, note = row
        return BlockListEntry(
            account_id=account_id,
            pattern=pattern,
            kind=BlockKind(kind),
            origin=BlockOrigin(origin),
            created_at=self._s.dialect.time_from_db(created_at),
            note=note,
        )

    def add_blocked(self, entry: BlockListEntry) -> None:
        """Store a block list entry, unique per account and pattern."""
        inserted = self._s.run(
            "INSERT INTO block_list (account_id, pattern, kind, origin, created_at, note) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                entry.account_id,
                entry.pattern,
                entry.kind.value,
                entry.origin.value,
                self._s.dialect.time_to_db(entry.created_at),
                entry.note,
            ),
        )
        if not inserted:
            raise AlreadyExists(BlockListEntry.ENTITY, entry.pattern)

    def remove_blocked(self, account_id: str, pattern: str) -> BlockListEntry:
        """Remove and return an entry."""
        row = self._s.one(
            "DELETE FROM block_list WHERE account_id = ? AND pattern = ? "
            "RETURNING account_id, pattern, kind, origin, created_at, note",
            (account_id, pattern),
        )
        if row is None:
            raise BlockListEntryNotFound(pattern)
        return self._entry(row)

    def blocked(self, account_id: str) -> list[BlockListEntry]:
        """The account's block list, by pattern."""
        rows = self._s.all(f"{_BLOCK_LIST}WHERE account_id = ? ORDER BY pattern", (account_id,))
        return [self._entry(row) for row in rows]

    def find_blocked(self, account_id: str, patterns: Sequence[str]) -> list[BlockListEntry]:
        """The account's entries with one of ``patterns``: primary-key lookups."""
        wanted = sorted(set(patterns))
        if not wanted:
            return []
        rows = self._s.all(
            f"{_BLOCK_LIST}WHERE account_id = ? "
            f"AND pattern IN ({', '.join('?' * len(wanted))}) ORDER BY pattern",
            (account_id, *wanted),
        )
        return [self._entry(row) for row in rows]


class SqlDidRepository(_SqlRepository):
    """The DIDs table."""

    def _did(self, row: Row) -> Did:
        number, account_id, did_class, created_at, active, activated_at, deactivated_at = row
        d = self._s.dialect
        return Did(
            number=number,
            account_id=account_id,
            did_class=DidClass(did_class),
            created_at=d.time_from_db(created_at),
            active=bool(active),
            activated_at=None if activated_at is None else d.time_from_db(activated_at),
            deactivated_at=None if deactivated_at is None else d.time_from_db(deactivated_at),
        )

    def _did_times(self, did: Did) -> tuple[object, object]:
        d = self._s.dialect
        return (
            None if did.activated_at is None else d.time_to_db(did.activated_at),
            None if did.deactivated_at is None else d.time_to_db(did.deactivated_at),
        )

    def add_did(self, did: Did) -> None:
        """Store a DID, unique by number."""
        inserted = self._s.run(
            "INSERT INTO dids (number, account_id, did_class, created_at, active, "
            "activated_at, deactivated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                did.number,
                did.account_id,
                did.did_class.value,
                self._s.dialect.time_to_db(did.created_at),
                did.active,
                *self._did_times(did),
            ),
        )
        if not inserted:
            raise AlreadyExists(Did.ENTITY, did.number)

    def get_did(self, number: str) -> Did | None:
        """The DID with this number, if any."""
        row = self._s.one(f"{_DID}WHERE number = ?", (number,))
        return None if row is None else self._did(row)

    def update_did(self, did: Did) -> None:
        """Store changes to a DID."""
        updated = self._s.run(
            "UPDATE dids SET account_id = ?, did_class = ?, active = ?, activated_at = ?, "
            "deactivated_at = ? WHERE number = ?",
            (did.account_id, did.did_class.value, did.active, *self._did_times(did), did.number),
        )
        if not updated:
            raise DidNotFound(did.number)

    def remove_did(self, number: str) -> None:
        """Forget a DID."""
        if not self._s.run("DELETE FROM dids WHERE number = ?", (number,)):
            raise DidNotFound(number)

    def dids(self, account_id: str) -> list[Did]:
        """The account's DIDs, by number."""
        rows = self._s.all(f"{_DID}WHERE account_id = ? ORDER BY number", (account_id,))
        return [self._did(row) for row in rows]


STORAGE = SqlDomain(
    "numbering",
    {
        RangeRepository: SqlRangeRepository,
        ExtensionRepository: SqlExtensionRepository,
        BlockListRepository: SqlBlockListRepository,
        DidRepository: SqlDidRepository,
    },
    after=("accounts",),
    baseline=1,
)
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
