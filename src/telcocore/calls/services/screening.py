"""Screening a call's numbers against the account's block list.

Numbers are read with the account's home country
(:func:`~telcocore.numbering.model.e164.normalize`), as
:meth:`~telcocore.numbering.services.NumberingService.is_blocked` reads them, and only
the number's own prefixes are looked up
(:func:`~telcocore.numbering.model.blocklist.candidate_patterns`).
"""

from __future__ import annotations

import functools

from telcocore.accounts.model import Account
from telcocore.calls.model.authorization import Refusal
from telcocore.numbering.model.blocklist import candidate_patterns
from telcocore.numbering.model.e164 import normalize, readable
from telcocore.numbering.ports import BlockListRepository
from telcocore.platform.ports import UnitOfWork

__all__ = ["blocked_number", "normalized", "rated_number"]


def normalized(number: str, home_country: str | None) -> str:
    """``number`` in E.164 read with ``home_country``; its digits if it is no number.

    ``""`` when it cannot be read: a national form without a home country, or no digits.
    """
    return normalize(number, home_country) if readable(number, home_country) else ""


@functools.lru_cache(maxsize=65536)
def rated_number(number: str, home_country: str | None) -> str:
    """The number a rate deck prices for ``number``: the same when authorizing and posting.

    ``number`` in E.164 read with ``home_country`` (``020 7123 4567`` with ``GB`` is
    ``+442071234567``, ``011 44 20 ...`` from the US the same); a number written as ``+``
    and digits is taken as it is; one that cannot be read, as given (the deck then says
    whether it has a rate for those digits).
    """
    if number[:1] == "+" and number[1:].isdigit() and number[1:].isascii():
        return number
    return normalized(number, home_country) or number


def blocked_number(
    uow: UnitOfWork, account: Account, source: str, destination: str
) -> tuple[Refusal, str] | None:
    """Why the call is refused if ``account`` blocks its source or its destination.

    The source is checked first. ``None`` when neither is on the block list; a number
    that cannot be read (``anonymous``, a national form without a home country) is never
    blocked, as every entry is in E.164.
    """
    repository = uow.get(BlockListRepository)
    for number, reason, side in (
        (normalized(source, account.home_country), Refusal.SOURCE_BLOCKED, "source"),
        (normalized(destination, account.home_country), Refusal.DESTINATION_BLOCKED, "destination"),
    ):
        if not number:
            continue
        found = repository.find_blocked(account.id, candidate_patterns(number))
        entry = next((e for e in found if e.matches(number)), None)
        if entry is not None:
            return reason, (
                f"the {side} {number} is on the block list of account {account.id!r} "
                f"(as {entry.kind.value} {entry.pattern})"
            )
    return None
