"""Account use cases: :class:`AccountService` opens accounts and changes their settings and status.

An account's contacts are kept by :mod:`telcocore.contacts.services`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Final

import attrs

from telcocore.accounts.model import Account, AccountStatus, validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.audit.services import AuditLog
from telcocore.kernel.errors import ConcurrencyError
from telcocore.kernel.money import AmountLike, as_money, to_decimal, validate_currency
from telcocore.kernel.validation import coerce_enum, validate_version
from telcocore.platform.context import ServiceContext
from telcocore.platform.ports import UnitOfWork

__all__ = [
    "ENTITY_TYPE",
    "UNSET",
    "AccountService",
    "Unset",
]


class Unset(enum.Enum):
    """The type of :data:`UNSET`: "leave this setting as it is"."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


"""The default of every :meth:`AccountService.update` setting: leave it unchanged."""


ENTITY_TYPE: Final = Account.ENTITY
"""The entity type of accounts in the audit log (:attr:`Account.ENTITY`)."""


class AccountService:
    """Opens and changes customer accounts."""

    def __init__(
        self,
        context: ServiceContext,
        audit: AuditLog,
        *,
        when_opened: Sequence[Callable[[UnitOfWork, Account], None]] = (),
    ) -> None:
        self._ctx = context
        self._audit = audit
        self._when_opened = tuple(when_opened)
        """Run in the unit of work that opens an account (the ledger opens its balance)."""

    def open(  # noqa: PLR0913 - the settings of a new account, all keyword-only
        self,
        name: str,
        currency: str,
        *,
        account_id: str | None = None,
        status: AccountStatus = AccountStatus.ACTIVE,
        debit_limit: AmountLike = 0,
        channel_limit: int | None = None,
        home_country: str | None = None,
        locale: str = "en_US",
        realm: str | None = None,
        tax_rate: Decimal | int | str = 0,
        low_balance_threshold: AmountLike | None = None,
        reason: str | None = None,
    ) -> Account:
        """Open an account; its currency can never change afterwards.

        ``debit_limit``: ``0`` prepaid, positive postpaid, negative prepaid with a buffer.
        ``tax_rate`` is a fraction (``"0.2"`` for 20 %). New accounts are active unless
        ``status`` says otherwise (e.g. ``pending_approval``). ``home_country`` (ISO 3166-1
        alpha-2, e.g. ``"DE"``) is where the account's numbers written in national form
        (``030 1234567``) are read; without it, no country is guessed and only numbers
        written with ``+`` and a country code are accepted.
        """
        new_id = self._ctx.ids() if account_id is None else validate_account_id(account_id)
        account = Account(
            id=new_id,
            name=name,
            currency=currency,
            created_at=self._ctx.clock.now(),
            status=status,
            debit_limit=as_money(debit_limit, validate_currency(currency), field="debit_limit"),
            channel_limit=channel_limit,
            home_country=home_country,
            locale=locale,
            realm=realm,
            tax_rate=tax_rate,
            low_balance_threshold=None
            if low_balance_threshold is None
            else as_money(
                low_balance_threshold, validate_currency(currency), field="low_balance_threshold"
            ),
        )
        with self._ctx.uow() as uow:
            uow.get(AccountRepository).add(account)
            for opened in self._when_opened:
                opened(uow, account)
            self._audit.record_change(uow, AuditAction.CREATE, None, account, reason=reason)
            uow.commit()
        return account

    def get(self, account_id: str) -> Account:
        """The account, or :class:`~telcocore.AccountNotFound`."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(AccountRepository).get(account_id)

    def list(self, *, status: AccountStatus | None = None) -> list[Account]:
        """All accounts, or those with ``status``, ordered by id."""
        with self._ctx.uow(read_only=True) as uow:
            wanted = None if status is None else coerce_enum(AccountStatus, status, field="status")
            return uow.get(AccountRepository).list(status=wanted)

    def update(  # noqa: PLR0913 - one optional keyword per setting
        self,
        account_id: str,
        *,
        expected_version: int | None = None,
        name: str | Unset = UNSET,
        debit_limit: AmountLike | Unset = UNSET,
        channel_limit: int | Unset | None = UNSET,
        home_country: str | Unset | None = UNSET,
        locale: str | Unset = UNSET,
        realm: str | Unset | None = UNSET,
        tax_rate: Decimal | int | str | Unset = UNSET,
        low_balance_threshold: AmountLike | Unset | None = UNSET,
        reason: str | None = None,
    ) -> Account:
        """Change the given settings; the others stay. The currency never changes.

        With ``expected_version`` (the version you showed the user), the change is refused
        with :class:`~telcocore.ConcurrencyError` if somebody changed the account
        since.
        ``reason`` is recorded in the audit log. A call that changes nothing writes nothing.
        """

        def change(account: Account) -> None:
            if name is not UNSET:
                account.name = name
            if debit_limit is not UNSET:
                account.debit_limit = as_money(debit_limit, account.currency, field="debit_limit")
            if channel_limit is not UNSET:
                account.channel_limit = channel_limit
            if home_country is not UNSET:
                account.home_country = home_country
            if locale is not UNSET:
                account.locale = locale
            if realm is not UNSET:
                account.realm = realm
            if tax_rate is not UNSET:
                account.tax_rate = to_decimal(tax_rate, field="tax_rate")
            if low_balance_threshold is not UNSET:
                account.low_balance_threshold = (
                    None
                    if low_balance_threshold is None
                    else as_money(
                        low_balance_threshold, account.currency, field="low_balance_threshold"
                    )
                )

        return self._change(account_id, change, expected_version, reason)

    def set_status(
        self,
        account_id: str,
        status: AccountStatus,
        *,
        expected_version: int | None = None,
        reason: str | None = None,
    ) -> Account:
        """Move the account to ``status`` if the transition is allowed.

        The allowed moves are :data:`~telcocore.accounts.model.ALLOWED_TRANSITIONS`.
        """
        return self._change(account_id, lambda a: a.change_status(status), expected_version, reason)

    def _change(
        self,
        account_id: str,
        change: Callable[[Account], None],
        expected_version: int | None,
        reason: str | None,
    ) -> Account:
        account_id = validate_account_id(account_id)
        expected_version = validate_version(expected_version)
        with self._ctx.uow() as uow:
            account = uow.get(AccountRepository).get(account_id)
            if expected_version is not None and expected_version != account.version:
                raise ConcurrencyError(Account.ENTITY, account_id, expected_version)
            before = attrs.evolve(account)
            change(account)
            if account == before:  # nothing changed: no write, no audit entry
                return account
            uow.get(AccountRepository).update(account)
            self._audit.record_change(uow, AuditAction.UPDATE, before, account, reason=reason)
            uow.commit()
        return account
