"""The numbering repositories' contracts (range, extensions, block list, DIDs), on every storage."""

from __future__ import annotations

import threading
from collections.abc import Callable

import attrs
import pytest
from tests.conftest import START

from telcocore.accounts.model import Account
from telcocore.adapters.postgres import PostgresStorage
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
from telcocore.platform.ports import Storage

Opened = Callable[..., Account]


@pytest.fixture
def acme(opened: Opened) -> str:
    """The stored account ``acme``."""
    return opened("acme").id


def _block(first: int, last: int, account_id: str = "acme") -> NumberBlock:
    return NumberBlock(first=first, last=last, account_id=account_id, assigned_at=START)


def _entry(pattern: str, kind: BlockKind = BlockKind.NUMBER) -> BlockListEntry:
    return BlockListEntry(
        account_id="acme",
        pattern=pattern,
        kind=kind,
        origin=BlockOrigin.MANUAL,
        created_at=START,
        note="why",
    )


def _did(number: str, *, active: bool = False) -> Did:
    return Did(
        number=number,
        account_id="acme",
        did_class=DidClass.TOLL_FREE,
        created_at=START,
        active=active,
        activated_at=START if active else None,
    )


class TestRange:
    """The range row and the free list."""

    def test_empty_at_first(self, storage: Storage) -> None:
        """A new storage has no parameters and a zero counter."""
        with storage.unit_of_work() as uow:
            assert RangeState(None) == uow.get(RangeRepository).lock_range()

    def test_state_round_trips(self, storage: Storage) -> None:
        """The saved state reads back, end included."""
        state = RangeState(RangeParameters(1000, 100, 9999), next_index=7, generation=3)
        with storage.unit_of_work() as uow:
            uow.get(RangeRepository).save_range(state)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert (state, state) == (
                uow.get(RangeRepository).read_range(),
                uow.get(RangeRepository).lock_range(),
            )

    def test_a_read_does_not_wait_for_the_lock_holder(self, storage: Storage) -> None:
        """Where units run side by side, ``read_range`` answers while another holds the lock.

        It sees the last committed state, not the holder's unsaved change. Memory and
        SQLite run one unit at a time, so there the reader runs after the holder.
        """
        committed = RangeState(RangeParameters(1000, 100), next_index=2)
        with storage.unit_of_work() as uow:
            uow.get(RangeRepository).save_range(committed)
            uow.commit()
        seen: list[RangeState] = []

        def read() -> None:
            with storage.unit_of_work() as uow:
                seen.append(uow.get(RangeRepository).read_range())

        side_by_side = isinstance(storage, PostgresStorage)
        reader = threading.Thread(target=read)
        with storage.unit_of_work() as uow:
            uow.get(RangeRepository).save_range(
                attrs.evolve(uow.get(RangeRepository).lock_range(), next_index=9)
            )
            reader.start()
            # A reader that waits for the lock never answers here; one that does not, soon.
            reader.join(timeout=10 if side_by_side else 0.2)
            answered_while_held = bool(seen)
        reader.join()
        assert [committed] == seen
        assert side_by_side == answered_while_held

    def test_uncommitted_state_is_rolled_back(self, storage: Storage) -> None:
        """Leaving the unit without commit restores the old state."""
        with storage.unit_of_work() as uow:
            uow.get(RangeRepository).save_range(RangeState(RangeParameters(0, 1), next_index=5))
        with storage.unit_of_work() as uow:
            assert RangeState(None) == uow.get(RangeRepository).lock_range()

    def test_free_list_pops_lowest_first(self, storage: Storage) -> None:
        """Free starts come back lowest first, then None."""
        with storage.unit_of_work() as uow:
            for first in (3000, 1000, 2000):
                uow.get(RangeRepository).add_free(first)
            uow.commit()
        with storage.unit_of_work() as uow:
            popped = [uow.get(RangeRepository).pop_free() for _ in range(4)]
        assert [1000, 2000, 3000, None] == popped

    def test_free_list_rejects_twice_and_clears(self, storage: Storage) -> None:
        """A start on the list twice is refused; clearing empties it."""
        with storage.unit_of_work() as uow:
            uow.get(RangeRepository).add_free(1000)
            with pytest.raises(AlreadyExists):
                uow.get(RangeRepository).add_free(1000)
            uow.get(RangeRepository).clear_free()
            assert uow.get(RangeRepository).pop_free() is None


class TestBlocks:
    """Assigned blocks."""

    def test_add_get_list(self, storage: Storage, acme: str, opened: Opened) -> None:
        """Blocks read back by start, per account and all, by first number."""
        opened("globex")
        blocks = [_block(2000, 2999), _block(1000, 1999, "globex"), _block(3000, 3999)]
        with storage.unit_of_work() as uow:
            for block in blocks:
                uow.get(RangeRepository).add_block(block)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert (blocks[0], None) == (
                uow.get(RangeRepository).block_at(2000),
                uow.get(RangeRepository).block_at(1),
            )
            assert [1000, 2000, 3000] == [b.first for b in uow.get(RangeRepository).blocks()]
            assert [blocks[0], blocks[2]] == uow.get(RangeRepository).blocks(acme)
            assert (True, False) == (
                uow.get(RangeRepository).has_blocks(acme),
                uow.get(RangeRepository).has_blocks("nobody"),
            )

    def test_a_taken_start_is_refused(self, storage: Storage, acme: str) -> None:
        """Two blocks with one first number raise AlreadyExists; the unit stays usable."""
        with storage.unit_of_work() as uow:
            uow.get(RangeRepository).add_block(_block(1000, 1999, acme))
            with pytest.raises(AlreadyExists):
                uow.get(RangeRepository).add_block(_block(1000, 1499, acme))
            uow.get(RangeRepository).add_block(_block(2000, 2999, acme))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert [1000, 2000] == [b.first for b in uow.get(RangeRepository).blocks()]

    @pytest.mark.parametrize(
        ("first", "last", "found"),
        [
            (0, 999, None),
            (0, 1000, 1000),
            (1500, 1500, 1000),
            (1999, 2500, 1000),
            (2000, 2999, None),
        ],
    )
    def test_overlap_lookup(
        self, storage: Storage, acme: str, first: int, last: int, found: int | None
    ) -> None:
        """The block sharing a number with a range is found; neighbours are not."""
        with storage.unit_of_work() as uow:
            uow.get(RangeRepository).add_block(_block(1000, 1999, acme))
            hit = uow.get(RangeRepository).block_overlapping(first, last)
        assert found == (None if hit is None else hit.first)

    def test_overlap_of_a_range_spanning_several(self, storage: Storage, acme: str) -> None:
        """A range covering several small blocks finds one of them."""
        with storage.unit_of_work() as uow:
            for first in (100, 200, 300):
                uow.get(RangeRepository).add_block(_block(first, first + 9, acme))
            hit = uow.get(RangeRepository).block_overlapping(0, 1000)
        assert hit is not None
        assert hit.first in {100, 200, 300}

    def test_remove(self, storage: Storage, acme: str) -> None:
        """A removed block is gone; removing it again raises NumberBlockNotFound."""
        with storage.unit_of_work() as uow:
            uow.get(RangeRepository).add_block(_block(1000, 1999, acme))
            uow.get(RangeRepository).remove_block(1000)
            with pytest.raises(NumberBlockNotFound):
                uow.get(RangeRepository).remove_block(1000)
            assert (None, False) == (
                uow.get(RangeRepository).block_overlapping(1000, 1999),
                uow.get(RangeRepository).has_blocks(acme),
            )


class TestExtensions:
    """Extensions and SIP usernames."""

    def test_round_trip_unique_and_remove(self, storage: Storage, acme: str) -> None:
        """Extensions read back by name, a taken name is refused, removal forgets."""
        ext = Extension(name="1001", account_id=acme, created_at=START)
        with storage.unit_of_work() as uow:
            uow.get(ExtensionRepository).add_extension(
                Extension(name="alice", account_id=acme, created_at=START)
            )
            uow.get(ExtensionRepository).add_extension(ext)
            with pytest.raises(AlreadyExists):
                uow.get(ExtensionRepository).add_extension(ext)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert ext == uow.get(ExtensionRepository).get_extension("1001")
            assert ["1001", "alice"] == [
                e.name for e in uow.get(ExtensionRepository).extensions(acme)
            ]
            uow.get(ExtensionRepository).remove_extension("alice")
            with pytest.raises(ExtensionNotFound):
                uow.get(ExtensionRepository).remove_extension("alice")
            assert uow.get(ExtensionRepository).get_extension("alice") is None


class TestBlockList:
    """Block list entries."""

    def test_round_trip_and_find(self, storage: Storage, acme: str) -> None:
        """Entries read back by pattern; find returns only the exact patterns asked."""
        entries = [_entry("+1900", BlockKind.PREFIX), _entry("+14155550123"), _entry("1001")]
        with storage.unit_of_work() as uow:
            for entry in entries:
                uow.get(BlockListRepository).add_blocked(entry)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert sorted(entries, key=lambda e: e.pattern) == uow.get(BlockListRepository).blocked(
                acme
            )
            assert [entries[0]] == uow.get(BlockListRepository).find_blocked(
                acme, ["+1", "+19", "+190", "+1900"]
            )
            assert [] == uow.get(BlockListRepository).find_blocked(acme, [])
            assert [] == uow.get(BlockListRepository).find_blocked("globex", ["+1900"])

    def test_unique_and_remove(self, storage: Storage, acme: str) -> None:
        """A pattern is on an account's list once; removing returns the entry."""
        entry = _entry("+14155550123")
        with storage.unit_of_work() as uow:
            uow.get(BlockListRepository).add_blocked(entry)
            with pytest.raises(AlreadyExists):
                uow.get(BlockListRepository).add_blocked(entry)
            assert entry == uow.get(BlockListRepository).remove_blocked(acme, entry.pattern)
            with pytest.raises(BlockListEntryNotFound):
                uow.get(BlockListRepository).remove_blocked(acme, entry.pattern)
            assert [] == uow.get(BlockListRepository).blocked(acme)


class TestDids:
    """DIDs."""

    def test_round_trip_update_remove(self, storage: Storage, acme: str) -> None:
        """DIDs read back, update in place, are unique and can be removed."""
        did = _did("+18005550100", active=True)
        with storage.unit_of_work() as uow:
            uow.get(DidRepository).add_did(did)
            uow.get(DidRepository).add_did(_did("+14155550199"))
            with pytest.raises(AlreadyExists):
                uow.get(DidRepository).add_did(did)
            uow.commit()
        changed = Did(
            number=did.number,
            account_id=acme,
            did_class=DidClass.NATIONAL,
            created_at=START,
            active=False,
            activated_at=START,
            deactivated_at=START,
        )
        with storage.unit_of_work() as uow:
            assert did == uow.get(DidRepository).get_did(did.number)
            uow.get(DidRepository).update_did(changed)
            assert changed == uow.get(DidRepository).get_did(did.number)
            assert ["+14155550199", "+18005550100"] == [
                d.number for d in uow.get(DidRepository).dids(acme)
            ]
            uow.get(DidRepository).remove_did(did.number)
            with pytest.raises(DidNotFound):
                uow.get(DidRepository).remove_did(did.number)
            with pytest.raises(DidNotFound):
                uow.get(DidRepository).update_did(changed)
            assert uow.get(DidRepository).get_did(did.number) is None
