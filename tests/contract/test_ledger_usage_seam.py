"""The ledger's seam for usage posted in another domain's unit of work."""

from __future__ import annotations

import pytest

from telcocore import LedgerRequest, Money, TelcoCore, ValidationError
from telcocore.billing.ledger.model import Transaction
from telcocore.billing.ledger.services import Movement
from telcocore.billing.ledger.services.batch import post_usage
from telcocore.platform.context import ServiceContext


def _context(core: TelcoCore) -> ServiceContext:
    return core.ledger._ctx


class TestPostUsage:
    """post_usage posts consumed usage in the caller's unit, committed or not by it."""

    def test_usage_posts_past_the_limit_and_commits_with_the_unit(self, core: TelcoCore) -> None:
        """Usage beyond the credit posts; nothing is kept until the caller commits."""
        core.accounts.open("Acme", "USD", account_id="acme")
        request = LedgerRequest(Movement.USAGE, "acme", "0.50", "u1")
        with core.storage.unit_of_work() as uow:
            outcomes, _ = post_usage(uow, [request], _context(core))
        assert Money("0", "USD") == core.ledger.balance("acme")  # rolled back: not committed
        with core.storage.unit_of_work() as uow:
            outcomes, _ = post_usage(uow, [request], _context(core))
            uow.commit()
        assert isinstance(outcomes[0], Transaction)
        assert Money("-0.50", "USD") == core.ledger.balance("acme")

    @pytest.mark.parametrize(
        "request_",
        [
            LedgerRequest(Movement.CREDIT, "acme", "1", "k"),
            LedgerRequest(Movement.DEBIT, "acme", "1", "k"),
            LedgerRequest(Movement.USAGE, "acme", "1", ""),
        ],
    )
    def test_other_movements_are_refused(self, core: TelcoCore, request_: LedgerRequest) -> None:
        """Only usage with a key: anything else refuses the batch before a write."""
        core.accounts.open("Acme", "USD", account_id="acme")
        with core.storage.unit_of_work() as uow, pytest.raises(ValidationError):
            post_usage(uow, [request_], _context(core))
