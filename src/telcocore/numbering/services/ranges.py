"""The number range and its blocks: the parameters, assigning and releasing blocks.

How the lowest free block is found is told in :mod:`telcocore.numbering.services`.
"""

from __future__ import annotations

import attrs

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.kernel.validation import validate_int
from telcocore.numbering.errors import (
    NumberBlockInUse,
    NumberBlockNotFound,
    NumberRangeExhausted,
    NumberRangeNotSet,
)
from telcocore.numbering.model.blocks import MAX_NUMBER, NumberBlock, RangeParameters, RangeState
from telcocore.numbering.ports import ExtensionRepository, RangeRepository
from telcocore.numbering.services.base import NumberingPart
from telcocore.platform.context import retrying_lost_races

__all__ = ["RangeBlocks"]


class RangeBlocks(NumberingPart):
    """Sets the number range and assigns and releases its blocks."""

    def set_range(
        self, start: int, block_size: int, end: int | None = None, *, reason: str | None = None
    ) -> RangeParameters:
        """Set the system-wide range: first number, numbers per block, optional last number.

        Blocks already assigned never move. With the same ``start`` and ``block_size``,
        only the end changes and assignment goes on where it stood; otherwise blocks are
        cut afresh from ``start``, skipping every number already assigned.
        """
        new = RangeParameters(start=start, block_size=block_size, end=end)
        with self._ctx.uow() as uow:
            repo = uow.get(RangeRepository)
            state = repo.lock_range()
            old = state.parameters
            if old == new:
                return new
            if old is not None and (old.start, old.block_size) == (new.start, new.block_size):
                repo.save_range(attrs.evolve(state, parameters=new))
            else:
                repo.clear_free()
                repo.save_range(RangeState(new, next_index=0, generation=state.generation + 1))
            self._audit.record_change(
                uow,
                AuditAction.CREATE if old is None else AuditAction.UPDATE,
                old,
                new,
                reason=reason,
            )
            uow.commit()
        return new

    def range_parameters(self) -> RangeParameters | None:
        """The range parameters, or ``None`` if they were never set."""
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(RangeRepository).read_range().parameters

    # -- internal blocks -------------------------------------------------------------------

    def assign_block(self, account_id: str, *, reason: str | None = None) -> NumberBlock:
        """Assign the lowest free block of the range to an active account.

        :class:`~telcocore.NumberRangeNotSet` before :meth:`set_range`,
        :class:`~telcocore.NumberRangeExhausted` when no block is left,
        :class:`~telcocore.AccountNotActive` for an account that is not active.
        An account may hold several blocks.
        """
        account_id = validate_account_id(account_id)
        return retrying_lost_races(lambda: self._assign(account_id, reason))

    def _assign(self, account_id: str, reason: str | None) -> NumberBlock:
        with self._ctx.uow() as uow:
            repo = uow.get(RangeRepository)
            state = repo.lock_range()
            params = state.parameters
            if params is None:
                raise NumberRangeNotSet
            uow.get(AccountRepository).get(account_id).require_active("be assigned a number block")
            first = repo.pop_free()
            if first is None or not params.fits_block(first):
                index = _next_free_index(repo, params, state.next_index)
                repo.save_range(attrs.evolve(state, next_index=index + 1))
                first = params.first_of(index)
            block = NumberBlock(
                first=first,
                last=first + params.block_size - 1,
                account_id=account_id,
                assigned_at=self._ctx.clock.now(),
                generation=state.generation,
            )
            repo.add_block(block)
            self._audit.record_change(uow, AuditAction.ASSIGN, None, block, reason=reason)
            uow.commit()
        return block

    def release_block(self, account_id: str, first: int, *, reason: str | None = None) -> None:
        """Return the account's block starting at ``first`` to the pool.

        It is the first to be assigned again (lowest first).
        :class:`~telcocore.NumberBlockNotFound` if the account holds no such block,
        :class:`~telcocore.NumberBlockInUse` while extensions of the account lie in
        it (remove them first).
        """
        account_id = validate_account_id(account_id)
        first = validate_int(first, field="first", maximum=MAX_NUMBER)
        with self._ctx.uow() as uow:
            repo = uow.get(RangeRepository)
            state = repo.lock_range()
            block = repo.block_at(first)
            if block is None or block.account_id != account_id:
                raise NumberBlockNotFound(first)
            inside = [
                e.name
                for e in uow.get(ExtensionRepository).extensions(account_id)
                if e.number is not None and block.first <= e.number <= block.last
            ]
            if inside:
                raise NumberBlockInUse(account_id, block.first, block.last, inside)
            repo.remove_block(first)
            _free_candidates(repo, state, block)
            self._audit.record_change(uow, AuditAction.RELEASE, block, None, reason=reason)
            uow.commit()

    def blocks(self, account_id: str | None = None) -> list[NumberBlock]:
        """The blocks of ``account_id`` (every assigned block if ``None``), by first number."""
        account_id = None if account_id is None else validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(RangeRepository).blocks(account_id)


def _next_free_index(repo: RangeRepository, params: RangeParameters, index: int) -> int:
    """The lowest block index from ``index`` on that overlaps no assigned block.

    Each clash jumps past the block it hit, so every older block is skipped at most once.
    """
    while True:
        if not params.fits(index):
            raise NumberRangeExhausted(params.start, params.block_size, params.end)
        clash = repo.block_overlapping(params.first_of(index), params.last_of(index))
        if clash is None:
            return index
        index = max(index + 1, params.index_after(clash.last))


def _free_candidates(repo: RangeRepository, state: RangeState, released: NumberBlock) -> None:
    """Put on the free list the handed-out candidates the released block made free.

    Under unchanged parameters that is the block itself; under newer ones, the few
    candidates of the new size that overlapped it and overlap nothing else now.
    """
    params = state.parameters
    if params is None:  # pragma: no cover - blocks exist only once parameters are set
        return
    for index in params.indexes_overlapping(released.first, released.last):
        if index >= state.next_index:  # never handed out: the counter reaches it anyway
            break
        first, last = params.first_of(index), params.last_of(index)
        if repo.block_overlapping(first, last) is None:
            repo.add_free(first)
