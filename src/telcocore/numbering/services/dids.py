"""DIDs: the numbers accounts own, activated and deactivated."""

from __future__ import annotations

import attrs

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.kernel.validation import coerce_enum, validate_flag
from telcocore.numbering.errors import DidNotFound
from telcocore.numbering.model.dids import Did, DidClass
from telcocore.numbering.model.e164 import digits_of, to_e164
from telcocore.numbering.ports import DidRepository
from telcocore.numbering.services.base import NumberingPart, number_text
from telcocore.platform.ports import UnitOfWork

__all__ = ["Dids"]


class Dids(NumberingPart):
    """Registers DIDs, activates, deactivates and removes them."""

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
        number = number_text(number, "number")
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
            uow.get(DidRepository).add_did(did)
            self._audit.record_change(uow, AuditAction.CREATE, None, did, reason=reason)
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
            uow.get(DidRepository).update_did(changed)
            self._audit.record_change(uow, AuditAction.UPDATE, did, changed, reason=reason)
            uow.commit()
        return changed

    def remove_did(self, number: str, *, reason: str | None = None) -> None:
        """Forget a DID; :class:`~telcocore.DidNotFound` if unknown."""
        with self._ctx.uow() as uow:
            did = _require_did(uow, number)
            uow.get(DidRepository).remove_did(did.number)
            self._audit.record_change(uow, AuditAction.DELETE, did, None, reason=reason)
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
            return uow.get(DidRepository).dids(account_id)


def _require_did(uow: UnitOfWork, number: str) -> Did:
    """The DID with ``number`` in international form, formatting ignored (``+1 415-555...``)."""
    did = uow.get(DidRepository).get_did(digits_of(number_text(number, "number")))
    if did is None:
        raise DidNotFound(number)
    return did
