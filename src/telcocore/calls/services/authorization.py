"""Call authorization: may a call start, for how long, and starting it under the same lock.

:meth:`Authorizing.authorize` judges a call in one read-only unit of work: the account,
its block list, its customer rate deck, its balance and holds and its channels are read
at one moment. :meth:`Authorizing.authorize_and_start` judges it in a writing unit that
first locks the account's balance row, as :meth:`~.channels.Channels.start_call` does,
and when allowed counts the channel and holds the first billing block under the call's
id before the lock is let go: two processes starting calls on a nearly empty account
are judged one after the other, so they never both spend the same credit.

Numbers are read with the account's home country
(:func:`~telcocore.numbering.model.e164.normalize`): the block list is checked as
:meth:`~telcocore.numbering.services.NumberingService.is_blocked` checks it, and the
destination is rated in E.164 (``+44...``), digits only when it cannot be read as a
number. Compiled rate decks are kept per name and version, so a judgement reads one
version number unless the deck changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, NamedTuple

import attrs

from telcocore.accounts.errors import AccountNotFound
from telcocore.accounts.model import Account, AccountStatus, validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.billing.ledger.services.holds import hold_credit, new_hold
from telcocore.billing.rating.model.deck import RatedCall, RateDeck, Unrated
from telcocore.billing.rating.ports import RatingRepository
from telcocore.calls.errors import CallConflict
from telcocore.calls.model.authorization import Authorization, Refusal
from telcocore.calls.model.channels import CallStart, Channel, validate_call_id
from telcocore.calls.ports import ChannelRepository
from telcocore.calls.services.base import CallsPart
from telcocore.calls.services.screening import blocked_number, rated_number
from telcocore.kernel.money import Money
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import validate_text
from telcocore.platform.context import retrying_lost_races
from telcocore.platform.ports import UnitOfWork

__all__ = ["MAX_NUMBER_TEXT", "Authorizing"]

MAX_NUMBER_TEXT: Final = 100
"""The longest source or destination taken, in characters (as numbering takes them)."""


def _number(value: object, field: str) -> str:
    """A source or destination as the switch gives it: text of at most 100 characters."""
    return validate_text(value, field=field, max_length=MAX_NUMBER_TEXT)


class _Call:
    """One call being judged: who calls whom, when, and the answer's constructor."""

    __slots__ = ("account_id", "at", "destination", "source")

    def __init__(self, account_id: str, source: str, destination: str, at: datetime) -> None:
        self.account_id = account_id
        self.source = source
        self.destination = destination
        self.at = at

    def answer(
        self,
        reason: Refusal | None,
        message: str,
        found: _Found | None = None,
        *,
        max_duration: int = 0,
    ) -> Authorization:
        """The answer, with what was found before a refusal."""
        return Authorization(
            self.account_id,
            self.source,
            self.destination,
            self.at,
            reason,
            message,
            max_duration=max_duration,
            prefix=None if found is None else found.rated.prefix,
            description=None if found is None else found.rated.description,
            rate=None if found is None else found.rated.rate,
            first_block=None if found is None else found.first_block,
            available=None if found is None else found.available,
        )


class _Found(NamedTuple):
    """What judging a call found once it was rated."""

    rated: RatedCall
    first_block: Money
    available: Money


class Authorizing(CallsPart):
    """Authorize calls, alone or with their start: refusals are answers, not errors."""

    def authorize(
        self, account_id: str, source: str, destination: str, *, at: datetime | None = None
    ) -> Authorization:
        """Whether ``account_id`` may call ``destination`` from ``source`` now, and how long.

        Checked in this order, the first broken rule refusing (:class:`Refusal`): the
        account exists and is active, neither number is on its block list, its customer
        deck has a rate for the destination, the first billing block fits the credit not
        held by calls in progress, and a channel is free. An allowed answer carries
        ``max_duration``, the matched rate and the first block's cost. Nothing is written:
        a call started after this answer is judged again by
        :meth:`~.channels.Channels.start_call` only for its channel and its hold; use
        :meth:`authorize_and_start` to judge and start in one step.

        ``source`` and ``destination`` are the numbers as the switch has them (text, at
        most 100 characters; a caller id such as ``anonymous`` is never blocked). ``at``
        (aware, default now) is when the call is rated.
        """
        call = self._call(account_id, source, destination, at)
        with self._ctx.uow(read_only=True) as uow:
            try:
                account = uow.get(AccountRepository).get(call.account_id)
            except AccountNotFound:
                return _unknown(call)
            return self._judge(uow, account, call)

    def authorize_and_start(
        self,
        call_id: str,
        account_id: str,
        *,
        source: str,
        destination: str,
        at: datetime | None = None,
    ) -> Authorization:
        """Authorize the call as :meth:`authorize` does and, if allowed, start it at once.

        One unit of work: the account's balance row is locked first, the call judged, and
        when allowed its channel counted and its first billing block held under
        ``call_id`` (no hold when the first block costs nothing); ``start`` then holds
        the :class:`~telcocore.CallStart`. A refused call starts nothing. End the call
        with :meth:`~.channels.Channels.end_call`, which releases the hold.

        A call id already in progress on the account is not started again: it is judged
        again as if it were not in progress (its own hold and channel count as free), and
        ``start`` is the first start's, with ``started`` ``False``. On another account it
        is a :class:`~telcocore.CallConflict`. ``at`` (aware, default now) is when the
        call starts.
        """
        call_id = validate_call_id(call_id)
        call = self._call(account_id, source, destination, at)

        def attempt() -> Authorization:
            with self._ctx.uow() as uow:
                try:
                    account = uow.get(AccountRepository).hold(call.account_id)
                except AccountNotFound:
                    return _unknown(call)
                ledger = uow.get(LedgerRepository)
                ledger.hold_balances([call.account_id])  # starts queue here
                existing = uow.get(ChannelRepository).find(call_id)
                if existing is not None:
                    return self._replay(uow, account, call, existing)
                answer = self._judge(uow, account, call)
                if not answer.allowed:
                    return answer
                hold = None
                if answer.first_block is not None and answer.first_block.is_positive():
                    wanted = new_hold(
                        account,
                        answer.first_block,
                        hold_id=call_id,
                        created_at=call.at,
                        reason=f"call {call_id}",
                    )
                    hold = hold_credit(uow, account, wanted)
                channel = Channel(
                    call_id, call.account_id, call.at, None if hold is None else hold.id
                )
                uow.get(ChannelRepository).add(channel)
                uow.commit()
            return _with_start(answer, CallStart(channel, hold, started=True))

        # The same call started at once in two processes: the second insert is refused,
        # and the second attempt finds the first start.
        return retrying_lost_races(attempt)

    def _call(
        self, account_id: object, source: object, destination: object, at: datetime | None
    ) -> _Call:
        """The call's arguments, checked before any storage is touched."""
        return _Call(
            validate_account_id(account_id),
            _number(source, "source"),
            _number(destination, "destination"),
            self._ctx.clock.now() if at is None else require_utc(at, field="at"),
        )

    def _replay(
        self, uow: UnitOfWork, account: Account, call: _Call, channel: Channel
    ) -> Authorization:
        """The answer to starting again a call in progress: judged as if it were not."""
        if channel.account_id != call.account_id:
            raise CallConflict(channel.call_id, f"on account {channel.account_id!r}")
        held = (
            None
            if channel.hold_id is None
            else uow.get(LedgerRepository).find_hold(channel.hold_id)
        )
        own = Money(0, account.currency) if held is None else held.amount
        answer = self._judge(uow, account, call, own=own)
        return _with_start(answer, CallStart(channel, held, started=False))

    def _judge(
        self, uow: UnitOfWork, account: Account, call: _Call, *, own: Money | None = None
    ) -> Authorization:
        """Judge ``call`` on ``account`` in ``uow``.

        ``own`` is given on a replay: the call's own hold (zero without one), which is
        available to it again, as is its own channel.
        """
        if account.status is not AccountStatus.ACTIVE:
            return call.answer(
                Refusal.ACCOUNT_NOT_ACTIVE,
                f"account {account.id!r} is {account.status.value}: only an active account "
                "may start calls",
            )
        blocked = blocked_number(uow, account, call.source, call.destination)
        if blocked is not None:
            return call.answer(*blocked)
        destination = rated_number(call.destination, account.home_country)
        assignment = uow.get(RatingRepository).assignment(account.id)
        deck = None if assignment is None else self._decks.get(uow, assignment.customer)
        if deck is None or deck.currency != account.currency:
            return call.answer(
                Refusal.NO_RATE_DECK, f"account {account.id!r} has no customer rate deck assigned"
            )
        rated = deck.rate(destination, 1, at=call.at)
        if isinstance(rated, Unrated):
            return call.answer(
                Refusal.UNRATED, f"destination {rated.destination!r} is unrated: {rated.reason}"
            )
        return self._afford(uow, account, call, deck, rated, own)

    @staticmethod
    def _afford(  # noqa: PLR0913, PLR0917 - the judgement so far
        uow: UnitOfWork,
        account: Account,
        call: _Call,
        deck: RateDeck,
        rated: RatedCall,
        own: Money | None,
    ) -> Authorization:
        """Judge the credit and the channels of a rated call; how long it may last."""
        first = deck.first_block(rated.destination, at=call.at)
        assert isinstance(first, Money)  # noqa: S101 - the same destination was rated
        ledger = uow.get(LedgerRepository)
        available = account.available(ledger.balance(account.id)) - ledger.held(account.id)
        if own is not None:
            available += own
        found = _Found(rated, first, available)
        if first > available:
            return call.answer(
                Refusal.INSUFFICIENT_CREDIT,
                f"the first billing block costs {first} but account {account.id!r} has "
                f"{available} available",
                found,
            )
        limit = account.channel_limit
        if limit is not None:
            in_use = uow.get(ChannelRepository).count(account.id) - (0 if own is None else 1)
            if in_use >= limit:
                return call.answer(
                    Refusal.CHANNEL_LIMIT,
                    f"account {account.id!r} already has {in_use} call(s) in progress, its "
                    "channel limit",
                    found,
                )
        seconds = deck.max_duration(rated.destination, available, at=call.at)
        assert isinstance(seconds, int)  # noqa: S101 - the same destination was rated above
        return call.answer(
            None,
            f"allowed for up to {seconds} seconds at prefix {rated.prefix!r}",
            found,
            max_duration=seconds,
        )


def _unknown(call: _Call) -> Authorization:
    return call.answer(Refusal.ACCOUNT_UNKNOWN, f"no account has the id {call.account_id!r}")


def _with_start(answer: Authorization, start: CallStart) -> Authorization:
    """``answer`` carrying the call's start."""
    return attrs.evolve(answer, start=start)
