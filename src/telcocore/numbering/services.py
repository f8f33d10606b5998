"""Numbering use cases: range parameters, internal blocks, extensions, block lists, DIDs.

Every change writes one audit entry in the same unit of work as the change.

**Assigning a block** gives the lowest free block of the range, in time independent of how
many blocks are assigned: a released block goes on a free list whose lowest start is an
indexed minimum, and otherwise the next block never handed out is kept in a counter stored
with the parameters. A candidate that overlaps a block assigned under older parameters is
skipped by one indexed lookup, jumping past that block. Units that assign or release
blocks, or change the parameters, first lock the range row (SQLite: the write lock of
``BEGIN IMMEDIATE``; PostgreSQL: a row lock), so two processes never take the same block;
block starts are also unique in storage, and a unit that loses a race anyway is run again.

Only an **active** account may be assigned a block; a block can be released whatever the
account's status.
"""

from __future__ import annotations

from typing import Final

import attrs

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.audit.services import AuditLog
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.validation import (
    coerce_enum,
    shown,
    validate_flag,
    validate_int,
    validate_text,
)
from telcocore.numbering.errors import (
    BlockListEntryNotFound,
    DidNotFound,
    ExtensionNotAllowed,
    ExtensionNotFound,
    NumberBlockInUse,
    NumberBlockNotFound,
    NumberRangeExhausted,
    NumberRangeNotSet,
)
from telcocore.numbering.model.blocklist import (
    BlockKind,
    BlockListEntry,
    BlockOrigin,
    CallSide,
    candidate_patterns,
)
from telcocore.numbering.model.blocks import (
    MAX_NUMBER,
    Extension,
    NumberBlock,
    RangeParameters,
    RangeState,
    extension_number,
    validate_extension,
)
from telcocore.numbering.model.dids import Did, DidClass
from telcocore.numbering.model.e164 import digits_of, normalize, normalize_prefix, readable, to_e164
from telcocore.numbering.ports import NumberingRepository
from telcocore.platform.context import ServiceContext, retrying_lost_races
from telcocore.platform.ports import UnitOfWork

__all__ = [
    "BLOCK_ENTITY",
    "BLOCK_LIST_ENTITY",
    "DID_ENTITY",
    "EXTENSION_ENTITY",
    "RANGE_ENTITY",
    "NumberingService",
]

RANGE_ENTITY: Final = "number_range"
"""The entity type of the range parameters in the audit log (key ``system``)."""
BLOCK_ENTITY: Final = "number_block"
"""The entity type of blocks in the audit log (key: the block's first number)."""
EXTENSION_ENTITY: Final = "extension"
"""The entity type of extensions and SIP usernames in the audit log (key: the name)."""
BLOCK_LIST_ENTITY: Final = "block_list_entry"
"""The entity type of block list entries in the audit log (key ``<account>:<pattern>``)."""
DID_ENTITY: Final = "did"
"""The entity type of DIDs in the audit log (key: the E.164 number)."""

_RANGE_KEY: Final = "system"

MAX_NUMBER_TEXT: Final = 100
"""The longest telephone number or prefix taken as typed (with spaces, dashes, ...)."""


def _number_text(value: object, field: str) -> str:
    """A number or prefix as typed: text of at most :data:`MAX_NUMBER_TEXT` characters."""
    return validate_text(value, field=field, max_length=MAX_NUMBER_TEXT)


class NumberingService:
    """Number range parameters, internal blocks, extensions, the block list and DIDs."""

    def __init__(self, context: ServiceContext, audit: AuditLog) -> None:
        self._ctx = context
        self._audit = audit

    # -- range parameters ------------------------------------------------------------------

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
            repo = uow.get(NumberingRepository)
            state = repo.lock_range()
            old = state.parameters
            if old == new:
                return new
            if old is not None and (old.start, old.block_size) == (new.start, new.block_size):
                repo.save_range(attrs.evolve(state, parameters=new))
            else:
                repo.clear_free()
                repo.save_range(RangeState(new, next_index=0, generation=state.generation + 1))
            self._audit.write(
                uow,
                action=AuditAction.CREATE if old is None else AuditAction.UPDATE,
                entity_type=RANGE_ENTITY,
                entity_key=_RANGE_KEY,
                before=old,
                after=new,
                reason=reason,
            )
            uow.commit()
        return new

    def range_parameters(self) -> RangeParameters | None:
        """The range parameters, or ``None`` if they were never set."""
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(NumberingRepository).read_range().parameters

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
            repo = uow.get(NumberingRepository)
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
            self._audit.write(
                uow,
                action=AuditAction.ASSIGN,
                entity_type=BLOCK_ENTITY,
                entity_key=str(first),
                before=None,
                after=block,
                reason=reason,
            )
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
            repo = uow.get(NumberingRepository)
            state = repo.lock_range()
            block = repo.block_at(first)
            if block is None or block.account_id != account_id:
                raise NumberBlockNotFound(first)
            inside = [
                e.name
                for e in repo.extensions(account_id)
                if e.number is not None and block.first <= e.number <= block.last
            ]
            if inside:
                raise NumberBlockInUse(account_id, block.first, block.last, inside)
            repo.remove_block(first)
            _free_candidates(repo, state, block)
            self._audit.write(
                uow,
                action=AuditAction.RELEASE,
                entity_type=BLOCK_ENTITY,
                entity_key=str(first),
                before=block,
                after=None,
                reason=reason,
            )
            uow.commit()

    def blocks(self, account_id: str | None = None) -> list[NumberBlock]:
        """The blocks of ``account_id`` (every assigned block if ``None``), by first number."""
        account_id = None if account_id is None else validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(NumberingRepository).blocks(account_id)

    # -- extensions and SIP usernames --------------------------------------------------------

    def is_allowed_extension(self, account_id: str, extension: str) -> bool:
        """Whether the account may register ``extension``, as :meth:`register_extension` judges.

        A number inside one of the account's blocks is allowed, a number inside another
        account's block is not; an account with no block accepts any other valid name.
        Whether the name is registered already is not checked.
        """
        account_id = validate_account_id(account_id)
        try:
            validate_extension(extension)
        except ValidationError:
            return False
        with self._ctx.uow(read_only=True) as uow:
            return _refusal(uow.get(NumberingRepository), account_id, extension) is None

    def register_extension(
        self, account_id: str, extension: str, *, reason: str | None = None
    ) -> Extension:
        """Register an extension or SIP username of the account, unique system-wide.

        :class:`~telcocore.ExtensionNotAllowed` outside the account's blocks or
        inside another account's, :class:`~telcocore.AlreadyExists` if the name is
        taken.
        """
        account_id = validate_account_id(account_id)
        name = validate_extension(extension)
        with self._ctx.uow() as uow:
            uow.get(AccountRepository).get(account_id)
            if extension_number(name) is not None:
                # Blocks are assigned and released under the range lock: holding it too, a
                # number cannot land in a block that changes hands meanwhile.
                uow.get(NumberingRepository).lock_range()
            refusal = _refusal(uow.get(NumberingRepository), account_id, name)
            if refusal is not None:
                raise refusal
            created = Extension(name=name, account_id=account_id, created_at=self._ctx.clock.now())
            uow.get(NumberingRepository).add_extension(created)
            self._audit.write(
                uow,
                action=AuditAction.CREATE,
                entity_type=EXTENSION_ENTITY,
                entity_key=name,
                before=None,
                after=created,
                reason=reason,
            )
            uow.commit()
        return created

    def remove_extension(self, extension: str, *, reason: str | None = None) -> None:
        """Forget an extension; :class:`~telcocore.ExtensionNotFound` if unknown."""
        extension = validate_extension(extension)
        with self._ctx.uow() as uow:
            found = uow.get(NumberingRepository).get_extension(extension)
            if found is None:
                raise ExtensionNotFound(extension)
            uow.get(NumberingRepository).remove_extension(extension)
            self._audit.write(
                uow,
                action=AuditAction.DELETE,
                entity_type=EXTENSION_ENTITY,
                entity_key=extension,
                before=found,
                after=None,
                reason=reason,
            )
            uow.commit()

    def extensions(self, account_id: str) -> list[Extension]:
        """The account's extensions and SIP usernames, by name."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(NumberingRepository).extensions(account_id)

    # -- block list ----------------------------------------------------------------------------

    def block_number(
        self,
        account_id: str,
        number: str,
        *,
        note: str | None = None,
        reason: str | None = None,
    ) -> BlockListEntry:
        """Block one number for the account, stored in E.164.

        The number is read by the rule of :func:`~telcocore.numbering.model.e164.to_e164`: in
        national form only with the account's home country, and refused unless valid.
        """
        return self._block(
            account_id,
            value=number,
            kind=BlockKind.NUMBER,
            origin=BlockOrigin.MANUAL,
            note=note,
            reason=reason,
        )

    def block_prefix(
        self,
        account_id: str,
        prefix: str,
        *,
        note: str | None = None,
        reason: str | None = None,
    ) -> BlockListEntry:
        """Block every number starting with ``prefix`` (see :func:`.e164.normalize_prefix`)."""
        return self._block(
            account_id,
            value=prefix,
            kind=BlockKind.PREFIX,
            origin=BlockOrigin.MANUAL,
            note=note,
            reason=reason,
        )

    def block_from_call(  # noqa: PLR0913 - the call's two numbers and the side, keyword-only
        self,
        account_id: str,
        *,
        source: str,
        destination: str,
        side: CallSide,
        note: str | None = None,
        reason: str | None = None,
    ) -> BlockListEntry:
        """Block the source or the destination number of a call record.

        The entry records which side it came from (its ``origin``).
        """
        source = _number_text(source, "source")
        destination = _number_text(destination, "destination")
        if coerce_enum(CallSide, side, field="side") is CallSide.SOURCE:
            number, origin = source, BlockOrigin.CALL_SOURCE
        else:
            number, origin = destination, BlockOrigin.CALL_DESTINATION
        return self._block(
            account_id, value=number, kind=BlockKind.NUMBER, origin=origin, note=note, reason=reason
        )

    def _block(  # noqa: PLR0913 - one entry's fields
        self,
        account_id: str,
        *,
        value: str,
        kind: BlockKind,
        origin: BlockOrigin,
        note: str | None,
        reason: str | None,
    ) -> BlockListEntry:
        account_id = validate_account_id(account_id)
        value = _number_text(value, kind.value)
        with self._ctx.uow() as uow:
            home = uow.get(AccountRepository).get(account_id).home_country
            entry = BlockListEntry(
                account_id=account_id,
                pattern=_pattern(value, kind, home),
                kind=kind,
                origin=origin,
                created_at=self._ctx.clock.now(),
                note=note,
            )
            uow.get(NumberingRepository).add_blocked(entry)
            key = f"{account_id}:{entry.pattern}"
            self._audit.write(
                uow,
                action=AuditAction.CREATE,
                entity_type=BLOCK_LIST_ENTITY,
                entity_key=key,
                before=None,
                after=entry,
                reason=reason,
            )
            uow.commit()
        return entry

    def unblock(
        self,
        account_id: str,
        number_or_prefix: str,
        *,
        prefix: bool = False,
        reason: str | None = None,
    ) -> BlockListEntry:
        """Remove a number (or, with ``prefix``, a prefix) from the account's block list.

        It is read with the account's home country as when it was blocked, without
        checking that the number is valid (entries of earlier releases can be removed);
        :class:`~telcocore.BlockListEntryNotFound` if it is not on the list.
        """
        account_id = validate_account_id(account_id)
        kind = BlockKind.PREFIX if validate_flag(prefix, field="prefix") else BlockKind.NUMBER
        number_or_prefix = _number_text(number_or_prefix, "number_or_prefix")
        with self._ctx.uow() as uow:
            home = uow.get(AccountRepository).get(account_id).home_country
            pattern = (
                normalize_prefix(number_or_prefix, home)
                if kind is BlockKind.PREFIX
                else normalize(number_or_prefix, home)
            )
            found = (
                uow.get(NumberingRepository).find_blocked(account_id, [pattern]) if pattern else []
            )
            if not found or found[0].kind is not kind:
                raise BlockListEntryNotFound(pattern)
            removed = uow.get(NumberingRepository).remove_blocked(account_id, pattern)
            key = f"{account_id}:{pattern}"
            self._audit.write(
                uow,
                action=AuditAction.DELETE,
                entity_type=BLOCK_LIST_ENTITY,
                entity_key=key,
                before=removed,
                after=None,
                reason=reason,
            )
            uow.commit()
        return removed

    def block_list(self, account_id: str) -> list[BlockListEntry]:
        """The account's blocked numbers and prefixes, by pattern."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(NumberingRepository).blocked(account_id)

    def is_blocked(self, account_id: str, number: str) -> bool:
        """Whether the account blocks ``number``: exactly, or by one of its prefixes.

        The number is read with the account's home country (see
        :func:`~telcocore.numbering.model.e164.normalize`); only its own prefixes are looked up.
        Any text is answered: a number in national form on an account without a home
        country, ``anonymous`` or an empty caller id is not blocked, as none can be on the
        list (every entry is in E.164).
        """
        account_id = validate_account_id(account_id)
        number = _number_text(number, "number")
        with self._ctx.uow(read_only=True) as uow:
            home = uow.get(AccountRepository).get(account_id).home_country
            normalized = normalize(number, home) if readable(number, home) else ""
            if not normalized:
                return False
            found = uow.get(NumberingRepository).find_blocked(
                account_id, candidate_patterns(normalized)
            )
        return any(entry.matches(normalized) for entry in found)

    # -- DIDs --------------------------------------------------------------------------------------

    def add_did(
        self,
        account_id: str,
        number: str,
        did_class: DidClass,
        *,
        active: bool = False,
        reason: str | None = None,
    ) -> Did:
        """Register a DID the account owns, in E.164 (:func:`.e164.to_e164`).

        :class:`~telcocore.AlreadyExists` if another DID has the number. With
        ``active``, it is activated now.
        """
        account_id = validate_account_id(account_id)
        number = _number_text(number, "number")
        wanted = coerce_enum(DidClass, did_class, field="did_class")
        active = validate_flag(active, field="active")
        with self._ctx.uow() as uow:
            home = uow.get(AccountRepository).get(account_id).home_country
            now = self._ctx.clock.now()
            did = Did(
                number=to_e164(number, home),
                account_id=account_id,
                did_class=wanted,
                created_at=now,
                active=active,
                activated_at=now if active else None,
            )
            uow.get(NumberingRepository).add_did(did)
            self._audit.write(
                uow,
                action=AuditAction.CREATE,
                entity_type=DID_ENTITY,
                entity_key=did.number,
                before=None,
                after=did,
                reason=reason,
            )
            uow.commit()
        return did

    def activate_did(self, number: str, *, reason: str | None = None) -> Did:
        """Activate a DID (nothing changes if it is active)."""
        return self._change_did(number, active=True, reason=reason)

    def deactivate_did(self, number: str, *, reason: str | None = None) -> Did:
        """Deactivate a DID (nothing changes if it is inactive)."""
        return self._change_did(number, active=False, reason=reason)

    def _change_did(self, number: str, *, active: bool, reason: str | None) -> Did:
        with self._ctx.uow() as uow:
            did = _require_did(uow, number)
            if did.active is active:
                return did
            now = self._ctx.clock.now()
            changed = (
                attrs.evolve(did, active=True, activated_at=now)
                if active
                else attrs.evolve(did, active=False, deactivated_at=now)
            )
            uow.get(NumberingRepository).update_did(changed)
            self._audit.write(
                uow,
                action=AuditAction.UPDATE,
                entity_type=DID_ENTITY,
                entity_key=did.number,
                before=did,
                after=changed,
                reason=reason,
            )
            uow.commit()
        return changed

    def remove_did(self, number: str, *, reason: str | None = None) -> None:
        """Forget a DID; :class:`~telcocore.DidNotFound` if unknown."""
        with self._ctx.uow() as uow:
            did = _require_did(uow, number)
            uow.get(NumberingRepository).remove_did(did.number)
            self._audit.write(
                uow,
                action=AuditAction.DELETE,
                entity_type=DID_ENTITY,
                entity_key=did.number,
                before=did,
                after=None,
                reason=reason,
            )
            uow.commit()

    def get_did(self, number: str) -> Did:
        """The DID with this number; :class:`~telcocore.DidNotFound` if unknown.

        The number is international (``+`` and the country code); spaces, dashes, dots and
        parentheses are ignored, so ``+1 (415) 555-0199`` finds ``+14155550199``. The same
        holds for :meth:`activate_did`, :meth:`deactivate_did` and :meth:`remove_did`.
        """
        with self._ctx.uow(read_only=True) as uow:
            return _require_did(uow, number)

    def dids(self, account_id: str) -> list[Did]:
        """The account's DIDs, by number."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(NumberingRepository).dids(account_id)


def _next_free_index(repo: NumberingRepository, params: RangeParameters, index: int) -> int:
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


def _free_candidates(repo: NumberingRepository, state: RangeState, released: NumberBlock) -> None:
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


def _refusal(
    repo: NumberingRepository, account_id: str, extension: str
) -> ExtensionNotAllowed | None:
    """Why the account may not register ``extension``, or ``None`` if it may."""
    number = extension_number(extension)
    holder = None if number is None else repo.block_overlapping(number, number)
    if holder is not None:
        if holder.account_id == account_id:
            return None
        return ExtensionNotAllowed(account_id, extension, owner=holder.account_id)
    if repo.has_blocks(account_id):
        return ExtensionNotAllowed(account_id, extension)
    return None


def _pattern(value: str, kind: BlockKind, home_country: str | None) -> str:
    """What ``value`` is blocked as: a valid number in E.164, or a prefix with ``+``."""
    if kind is BlockKind.NUMBER:
        return to_e164(value, home_country)
    pattern = normalize_prefix(value, home_country)
    if not pattern.lstrip("+"):
        msg = f"prefix {shown(value)} has no digits to block"
        raise ValidationError(msg, field="prefix", value=value)
    return pattern


def _require_did(uow: UnitOfWork, number: str) -> Did:
    """The DID with ``number`` in international form, formatting ignored (``+1 415-555...``)."""
    did = uow.get(NumberingRepository).get_did(digits_of(_number_text(number, "number")))
    if did is None:
        raise DidNotFound(number)
    return did
