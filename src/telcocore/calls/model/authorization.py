"""Call authorization: whether a call may start, and for how long its account can pay.

An :class:`Authorization` is the answer to "may this account call this number now?".
A call may start when the account is active, neither number is on its block list, its
customer rate deck prices the destination, the first billing block (connect fee and
initial increment) fits its credit (``balance - held - cost >= -debit_limit``), and it
uses fewer channels than its limit. A refusal is an answer, not an error: its
:class:`Refusal` says why (the first rule broken, in that order) and its ``message``
says it in words.

An allowed answer carries ``max_duration``: the longest call, in seconds, that the
credit not held by other calls pays for at the matched rate (connect fee, increments,
tiers and free seconds included; see
:meth:`~telcocore.RateDeck.max_duration`).
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from telcocore.billing.rating.model.rates import Rate
from telcocore.calls.model.channels import CallStart
from telcocore.kernel.money import Money

__all__ = ["Authorization", "Refusal"]


class Refusal(enum.StrEnum):
    """Why a call may not start, in the order the rules are checked."""

    ACCOUNT_UNKNOWN = "account_unknown"
    """No account has this id."""
    ACCOUNT_NOT_ACTIVE = "account_not_active"
    """The account is inactive, in penalty or pending approval."""
    SOURCE_BLOCKED = "source_blocked"
    """The calling number is on the account's block list."""
    DESTINATION_BLOCKED = "destination_blocked"
    """The called number is on the account's block list."""
    NO_RATE_DECK = "no_rate_deck"
    """The account has no customer rate deck assigned."""
    UNRATED = "unrated"
    """The customer deck has no rate for the destination (or it is not a number)."""
    INSUFFICIENT_CREDIT = "insufficient_credit"
    """The first billing block does not fit the credit not held by other calls."""
    CHANNEL_LIMIT = "channel_limit"
    """Every channel the account may use is in use."""


@attrs.frozen
class Authorization:
    """The answer to a call authorization: allowed (``reason`` ``None``) or refused.

    ``at`` is the moment the call was judged (and rated). What was found before the
    refusal is filled in, the rest is ``None``: a call refused for its credit still shows
    its rate and first block, so a caller can say how much is missing.

    - ``max_duration``: the longest call in seconds the ``available`` credit pays for at
      the matched rate, the end of a billing block (``0`` when refused); at most a day;
    - ``prefix``, ``description``, ``rate``: the customer deck's rate that matched;
    - ``first_block``: what the call costs as soon as it is answered (connect fee and
      initial increment), rounded by the deck;
    - ``available``: the account's credit not held by calls in progress (or other holds),
      before this call: ``balance + debit_limit - held``;
    - ``start``: the call in progress when asked with
      :meth:`~telcocore.calls.services.CallService.authorize_and_start` (its channel and
      the hold of its first block); ``None`` from
      :meth:`~telcocore.calls.services.CallService.authorize`.
    """

    account_id: str
    source: str
    destination: str
    at: datetime
    reason: Refusal | None
    message: str
    max_duration: int = 0
    prefix: str | None = None
    description: str | None = None
    rate: Rate | None = None
    first_block: Money | None = None
    available: Money | None = None
    start: CallStart | None = None

    @property
    def allowed(self) -> bool:
        """Whether the call may start."""
        return self.reason is None
