"""The block list: numbers and prefixes an account blocks, stored in E.164."""

from __future__ import annotations

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.validation import coerce_enum, shown, validate_flag
from telcocore.numbering.errors import BlockListEntryNotFound
from telcocore.numbering.model.blocklist import (
    BlockKind,
    BlockListEntry,
    BlockOrigin,
    CallSide,
    candidate_patterns,
)
from telcocore.numbering.model.e164 import normalize, normalize_prefix, readable, to_e164
from telcocore.numbering.ports import BlockListRepository
from telcocore.numbering.services.base import NumberingPart, number_text

__all__ = ["BlockList"]


class BlockList(NumberingPart):
    """Blocks and unblocks numbers and prefixes, and answers whether a number is blocked."""

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
        source = number_text(source, "source")
        destination = number_text(destination, "destination")
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
        value = number_text(value, kind.value)
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
            uow.get(BlockListRepository).add_blocked(entry)
            self._audit.record_change(uow, AuditAction.CREATE, None, entry, reason=reason)
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
        number_or_prefix = number_text(number_or_prefix, "number_or_prefix")
        with self._ctx.uow() as uow:
            home = uow.get(AccountRepository).get(account_id).home_country
            pattern = (
                normalize_prefix(number_or_prefix, home)
                if kind is BlockKind.PREFIX
                else normalize(number_or_prefix, home)
            )
            found = (
                uow.get(BlockListRepository).find_blocked(account_id, [pattern]) if pattern else []
            )
            if not found or found[0].kind is not kind:
                raise BlockListEntryNotFound(pattern)
            removed = uow.get(BlockListRepository).remove_blocked(account_id, pattern)
            self._audit.record_change(uow, AuditAction.DELETE, removed, None, reason=reason)
            uow.commit()
        return removed

    def block_list(self, account_id: str) -> list[BlockListEntry]:
        """The account's blocked numbers and prefixes, by pattern."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(BlockListRepository).blocked(account_id)

    def is_blocked(self, account_id: str, number: str) -> bool:
        """Whether the account blocks ``number``: exactly, or by one of its prefixes.

        The number is read with the account's home country (see
        :func:`~telcocore.numbering.model.e164.normalize`); only its own prefixes are looked up.
        Any text is answered: a number in national form on an account without a home
        country, ``anonymous`` or an empty caller id is not blocked, as none can be on the
        list (every entry is in E.164).
        """
        account_id = validate_account_id(account_id)
        number = number_text(number, "number")
        with self._ctx.uow(read_only=True) as uow:
            home = uow.get(AccountRepository).get(account_id).home_country
            normalized = normalize(number, home) if readable(number, home) else ""
            if not normalized:
                return False
            found = uow.get(BlockListRepository).find_blocked(
                account_id, candidate_patterns(normalized)
            )
        return any(entry.matches(normalized) for entry in found)


def _pattern(value: str, kind: BlockKind, home_country: str | None) -> str:
    """What ``value`` is blocked as: a valid number in E.164, or a prefix with ``+``."""
    if kind is BlockKind.NUMBER:
        return to_e164(value, home_country)
    pattern = normalize_prefix(value, home_country)
    if not pattern.lstrip("+"):
        msg = f"prefix {shown(value)} has no digits to block"
        raise ValidationError(msg, field="prefix", value=value)
    return pattern
