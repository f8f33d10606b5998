"""A hosted-PBX customer on a service plan: buy users, add a DID, run the monthly charges.

Run it with ``python examples/plans.py [STORAGE_URL]``; the default storage is in memory,
so each run starts afresh.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import telcocore
from telcocore import DebitLimitExceeded, Period, UsersInUse
from telcocore.numbering.model.dids import DidClass
from telcocore.testing import FixedClock


def main(url: str) -> None:
    """Quote and buy users with exactly enough credit, then charge April and May."""
    clock = FixedClock(datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC))
    with telcocore.connect(url, clock=clock) as core:
        core.plans.save_plan(
            "pbx-basic",
            "USD",
            "31.00",
            did_monthly={DidClass.LOCAL: "2.00", DidClass.TOLL_FREE: "8.00"},
            did_setup={DidClass.LOCAL: "5.00", DidClass.TOLL_FREE: "25.00"},
        )
        core.accounts.open("Acme Dental", "USD", account_id="acme", home_country="US")
        core.plans.assign_plan("acme", "pbx-basic")
        core.ledger.credit("acme", "53.99", idempotency_key="top-up 1")

        quote = core.plans.quote_users("acme", 3)
        print(
            f"3 users on {clock.now():%d %B}: {quote.charge} for {quote.days_charged} of "
            f"{quote.days_in_month} days (a month is {quote.full_charge}); "
            f"fits: {quote.fits}, missing: {quote.shortfall}"
        )
        try:
            core.plans.buy_users("acme", 3, idempotency_key="order 1")
        except DebitLimitExceeded as refused:
            print(f"refused, {refused.shortfall} missing; nothing changed")
        core.ledger.credit("acme", "0.01", idempotency_key="top-up 2")
        bought = core.plans.buy_users("acme", 3, idempotency_key="order 1")
        again = core.plans.buy_users("acme", 3, idempotency_key="order 1")  # a retry
        print(f"bought: {bought.users} users for {bought.charge}; retried: {again == bought}")
        print(f"balance: {core.ledger.balance('acme')}")

        core.numbering.register_extension("acme", "1001")
        core.numbering.register_extension("acme", "1002")
        core.numbering.add_did("acme", "+1 415 555 0100", DidClass.LOCAL, active=True)
        view = core.plans.plan_view("acme")
        print(
            f"plan {view.plan}: {view.users} users ({view.users_in_use} in use) at "
            f"{view.cost_per_user} = {view.users_monthly}"
        )
        for line in view.dids:
            print(f"  DID {line.number} ({line.did_class}): {line.monthly} a month")
        print(f"  total per month: {view.total_monthly}")

        try:
            core.plans.remove_users("acme", 2, idempotency_key="shrink 1")
        except UsersInUse as refused:
            print(f"remove 2: {refused}")
        core.plans.remove_users("acme", 1, idempotency_key="shrink 1")

        core.ledger.credit("acme", "200", idempotency_key="top-up 3")
        april = Period.month(2026, 4)
        for charge in core.plans.run_recurring(april, dry_run=True).charges:
            print(f"April, dry run: {charge.account_id} would pay {charge.total}")
        for month in (april, april, Period.month(2026, 5)):
            clock.set(month.start)  # a month is charged once it has begun
            for charge in core.plans.run_recurring(month).charges:
                setups = ", ".join(line.number for line in charge.setups) or "none"
                print(
                    f"{month.start:%B}: {charge.account_id} {charge.status}: {charge.total} "
                    f"(setup of: {setups})"
                )
        print(f"balance: {core.ledger.balance('acme')}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "memory://")
