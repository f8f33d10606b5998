"""Channels in use and the credit held for calls in progress.

A call start counts one channel per call id and, when given an amount, holds that much of
the account's credit (:mod:`telcocore.billing.ledger.services.holds`) under the call's id,
in one unit of work. The account's balance row is locked first (``SELECT ... FOR UPDATE``
on PostgreSQL; SQLite's write lock), so starts on one account, from any number of
processes, are judged one after the other: the channel count and the credit they see are
never stale. Ends and the reaper lock the same row before they delete a channel, in
account order, so no two units wait for each other.

Channel changes are not written to the audit log: like ledger postings, they are their
own record, on the hot path of every call.
"""

from __future__ import annotations

from datetime import datetime

from telcocore.accounts.model import Account, validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.ledger.model import Hold
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.billing.ledger.services.holds import hold_credit, new_hold, release_credit
from telcocore.calls.errors import CallConflict, ChannelLimitReached
from telcocore.calls.model.channels import (
    DEFAULT_MAX_DURATION,
    AccountOverview,
    CallEnd,
    CallStart,
    Channel,
    validate_call_id,
    validate_max_duration,
)
from telcocore.calls.ports import ChannelRepository
from telcocore.calls.services.base import CallsPart
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.money import AmountLike, Money, to_decimal
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import shown
from telcocore.platform.context import retrying_lost_races
from telcocore.platform.ports import UnitOfWork

__all__ = ["REAP_BATCH", "Channels"]

REAP_BATCH = 500
"""How many calls the reaper releases per unit of work."""


def _hold_of(
    account: Account, amount: AmountLike | None, call_id: str, at: datetime
) -> Hold | None:
    """The hold a start asks for (validated in the account's currency), if any.

    A zero hold (a first billing block that costs nothing) holds nothing, as
    :meth:`~.authorization.Authorizing.authorize_and_start` holds nothing then.
    """
    if amount is None:
        return None
    if (amount.amount if isinstance(amount, Money) else to_decimal(amount, field="hold")) == 0:
        return None
    try:
        return new_hold(account, amount, hold_id=call_id, created_at=at, reason=f"call {call_id}")
    except ValidationError as exc:  # said of the ledger's "amount"; the caller gave "hold"
        msg = f"hold {shown(amount)} is refused: {exc}"
        raise ValidationError(msg, field="hold", value=amount) from exc


def _replay(uow: UnitOfWork, channel: Channel, account_id: str, wanted: Hold | None) -> CallStart:
    """The answer to a start of a call already in progress, if it asks for the same."""
    if channel.account_id != account_id:
        raise CallConflict(channel.call_id, f"on account {channel.account_id!r}")
    held = None if channel.hold_id is None else uow.get(LedgerRepository).find_hold(channel.hold_id)
    if (None if held is None else held.amount) != (None if wanted is None else wanted.amount):
        stored = "without a hold" if held is None else f"holding {held.amount}"
        raise CallConflict(channel.call_id, stored)
    return CallStart(channel, held, started=False)


class Channels(CallsPart):
    """Start and end calls: channels in use, their holds, the reaper and the overview."""

    def start_call(
        self,
        call_id: str,
        account_id: str,
        *,
        hold: AmountLike | None = None,
        at: datetime | None = None,
    ) -> CallStart:
        """Count a channel in use for ``call_id`` and hold ``hold`` of the account's credit.

        The account must be active (:class:`~telcocore.AccountNotActive`), use fewer
        channels than its ``channel_limit`` (:class:`~telcocore.ChannelLimitReached`; no
        limit when ``None``), and the hold must fit its available credit
        (:class:`~telcocore.DebitLimitExceeded`); a refused start changes nothing. The
        hold (say the call's first billing block) is placed under the call's id; a zero
        hold (a first block that costs nothing) holds nothing, and a negative one, or one in
        another currency, is a :class:`~telcocore.ValidationError` naming ``hold``.

        Starting a call in progress again counts it once and holds once: the answer has
        ``started`` ``False`` and the first start's channel and hold. Another account or
        hold for the same call id is a :class:`~telcocore.CallConflict`. ``at`` (aware,
        default now) is when the call started; the reaper measures from it.
        """
        call_id = validate_call_id(call_id)
        account_id = validate_account_id(account_id)
        started_at = self._ctx.clock.now() if at is None else require_utc(at, field="at")
        if hold is not None and not isinstance(hold, Money):
            to_decimal(hold, field="hold")  # no float, before any storage is touched

        def attempt() -> CallStart:
            with self._ctx.uow() as uow:
                account = uow.get(AccountRepository).hold(account_id)
                wanted = _hold_of(account, hold, call_id, started_at)
                uow.get(LedgerRepository).hold_balances([account_id])  # starts queue here
                channels = uow.get(ChannelRepository)
                existing = channels.find(call_id)
                if existing is not None:
                    return _replay(uow, existing, account_id, wanted)
                account.require_active("start calls")
                limit = account.channel_limit
                if limit is not None and channels.count(account_id) >= limit:
                    raise ChannelLimitReached(account_id, limit)
                placed = None if wanted is None else hold_credit(uow, account, wanted)
                channel = Channel(
                    call_id, account_id, started_at, None if placed is None else placed.id
                )
                channels.add(channel)
                uow.commit()
            return CallStart(channel, placed, started=True)

        # The same call started at once in two processes: the second insert is refused,
        # and the second attempt finds the first start.
        return retrying_lost_races(attempt)

    def end_call(self, call_id: str, *, at: datetime | None = None) -> CallEnd | None:
        """Release the call's channel and the credit held for it.

        The call's end, or ``None`` when it was not in progress (never started, ended
        already, or reaped): ending is idempotent. ``at`` (aware, default now) is when it
        ended.
        """
        call_id = validate_call_id(call_id)
        ended_at = self._ctx.clock.now() if at is None else require_utc(at, field="at")
        with self._ctx.uow() as uow:
            channels = uow.get(ChannelRepository)
            found = channels.find(call_id)
            if found is None:
                return None
            uow.get(LedgerRepository).hold_balances([found.account_id])
            removed = channels.remove(call_id)
            if removed is None:  # ended meanwhile by another process
                return None
            released = None if removed.hold_id is None else release_credit(uow, removed.hold_id)
            uow.commit()
        return CallEnd(removed, ended_at, released)

    def reap(
        self, *, max_duration: object = DEFAULT_MAX_DURATION, now: datetime | None = None
    ) -> list[CallEnd]:
        """Release the channels and holds of calls started more than ``max_duration`` ago.

        For calls whose end never came (a lost event, a crashed switch). ``max_duration``
        is a :class:`~datetime.timedelta` or seconds (default 4 hours, at most 7 days);
        ``now`` (aware) defaults to the clock. Returns what it released, oldest first,
        each marked ``reaped``. Safe to run in several processes at once: each call is
        released by one of them.
        """
        duration = validate_max_duration(max_duration)
        moment = self._ctx.clock.now() if now is None else require_utc(now, field="now")
        cutoff = moment - duration
        ended: list[CallEnd] = []
        while True:
            released, full = self._reap_some(cutoff, moment)
            ended += released
            if not full:
                return ended

    def _reap_some(self, cutoff: datetime, moment: datetime) -> tuple[list[CallEnd], bool]:
        """Release up to :data:`REAP_BATCH` calls started before ``cutoff``, in one unit."""
        with self._ctx.uow() as uow:
            channels = uow.get(ChannelRepository)
            candidates = channels.started_before(cutoff, limit=REAP_BATCH)
            uow.get(LedgerRepository).hold_balances({c.account_id for c in candidates})
            released: list[CallEnd] = []
            for candidate in candidates:
                removed = channels.remove(candidate.call_id, started_before=cutoff)
                if removed is None:  # ended (or reaped) meanwhile
                    continue
                hold = None if removed.hold_id is None else release_credit(uow, removed.hold_id)
                released.append(CallEnd(removed, moment, hold, reaped=True))
            uow.commit()
        return released, len(candidates) == REAP_BATCH

    def channels_in_use(self, account_id: str) -> int:
        """How many calls of the account are in progress."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            uow.get(AccountRepository).get(account_id)
            return uow.get(ChannelRepository).count(account_id)

    def active_calls(self, account_id: str) -> list[Channel]:
        """The account's calls in progress, oldest start first."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            uow.get(AccountRepository).get(account_id)
            return uow.get(ChannelRepository).of_account(account_id)

    def overview(self, account_id: str) -> AccountOverview:
        """The account's status, balance, credit and channels, read at one moment."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            account = uow.get(AccountRepository).get(account_id)
            ledger = uow.get(LedgerRepository)
            balance, held = ledger.balance(account_id), ledger.held(account_id)
            in_use = uow.get(ChannelRepository).count(account_id)
        return AccountOverview(
            account_id=account_id,
            status=account.status,
            balance=balance,
            debit_limit=account.debit_limit,
            available=account.available(balance) - held,
            held=held,
            channels_in_use=in_use,
            channel_limit=account.channel_limit,
        )
