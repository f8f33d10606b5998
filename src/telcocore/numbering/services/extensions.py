"""Extensions and SIP usernames: registered inside the account's blocks, unique system-wide."""

from __future__ import annotations

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.kernel.errors import ValidationError
from telcocore.numbering.errors import ExtensionNotAllowed, ExtensionNotFound
from telcocore.numbering.model.blocks import Extension, extension_number, validate_extension
from telcocore.numbering.ports import ExtensionRepository, RangeRepository
from telcocore.numbering.services.base import NumberingPart

__all__ = ["Extensions"]


class Extensions(NumberingPart):
    """Registers and removes extensions and SIP usernames."""

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
            return _refusal(uow.get(RangeRepository), account_id, extension) is None

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
                uow.get(RangeRepository).lock_range()
            refusal = _refusal(uow.get(RangeRepository), account_id, name)
            if refusal is not None:
                raise refusal
            created = Extension(name=name, account_id=account_id, created_at=self._ctx.clock.now())
            uow.get(ExtensionRepository).add_extension(created)
            self._audit.record_change(uow, AuditAction.CREATE, None, created, reason=reason)
            uow.commit()
        return created

    def remove_extension(self, extension: str, *, reason: str | None = None) -> None:
        """Forget an extension; :class:`~telcocore.ExtensionNotFound` if unknown."""
        extension = validate_extension(extension)
        with self._ctx.uow() as uow:
            found = uow.get(ExtensionRepository).get_extension(extension)
            if found is None:
                raise ExtensionNotFound(extension)
            uow.get(ExtensionRepository).remove_extension(extension)
            self._audit.record_change(uow, AuditAction.DELETE, found, None, reason=reason)
            uow.commit()

    def extensions(self, account_id: str) -> list[Extension]:
        """The account's extensions and SIP usernames, by name."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(ExtensionRepository).extensions(account_id)


def _refusal(repo: RangeRepository, account_id: str, extension: str) -> ExtensionNotAllowed | None:
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
