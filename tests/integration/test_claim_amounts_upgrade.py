"""Upgrading to the release that keeps what an invoice billed for each claim.

Before it, an invoice's claims named the usage rows it billed, not their charges: a
rendered invoice read its days' usage from the rows as they are now. The upgrade adds the
amount to each claim; claims made before it have none, and their invoices keep showing
the rows as they are now. An invoice generated after it shows what it billed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.contract.test_invoice_rendering import MARCH, NOW, answered_call, make_invoice
from tests.integration import storage_workers as workers

import telcocore
from telcocore.testing import FixedClock

_AMOUNTS = "claim_amounts"
"""The name of the invoices migration that keeps the claims' amounts."""

_CLAIMS = "SELECT COUNT(*), COUNT(amount) FROM invoice_claims"
"""The claims, and those with an amount."""


def _late_call(core: telcocore.TelcoCore, call_id: str) -> None:
    """A call of an hour posted for 9 March, which the invoice billed: $90.00 more."""
    core.calls.post_many([answered_call(call_id, datetime(2026, 3, 9, 18, tzinfo=UTC), 3600)])


def _ninth(core: telcocore.TelcoCore, number: str) -> str:
    """The line of 9 March in the rendered invoice's usage by day."""
    usage = core.invoices.render_text(number).split("Usage by day\n")[1]
    return " ".join(next(line for line in usage.splitlines() if "Mar 9," in line).split())


def _invoiced_before_the_upgrade(url: str) -> str:
    """March invoiced on the earlier schema, then a call posted late for 9 March.

    This release's code writes each claim's amount: the column is lent to it for the
    generation and dropped after, leaving the claims as the earlier release wrote them.
    """
    earlier = workers.shipped_before(url, "billing.invoices", _AMOUNTS)
    kind = "NUMERIC" if url.startswith("postgres") else "TEXT"
    clock = FixedClock(datetime(2026, 3, 14, tzinfo=UTC))
    with telcocore.TelcoCore(storage=workers.open_with(url, earlier), clock=clock) as core:
        workers.execute(url, f"ALTER TABLE invoice_claims ADD COLUMN amount {kind}")
        number = make_invoice(core, clock, "en_US")
        workers.execute(url, "ALTER TABLE invoice_claims DROP COLUMN amount")
        _late_call(core, "late-1")
    return number


def test_claims_made_before_keep_no_amount(durable_url: str) -> None:
    """The upgrade is recorded; the earlier claims have no amount."""
    _invoiced_before_the_upgrade(durable_url)
    telcocore.connect(durable_url).close()
    assert _AMOUNTS in workers.applied(durable_url, "billing.invoices")
    assert [(3, 0)] == workers.query(durable_url, _CLAIMS)


def test_an_earlier_invoice_shows_its_rows_as_they_are_now(durable_url: str) -> None:
    """Without amounts, 9 March shows the row as it is: with the late call."""
    number = _invoiced_before_the_upgrade(durable_url)
    with telcocore.connect(durable_url, clock=FixedClock(NOW)) as core:
        assert "Mar 9, 2026 $120.00" == _ninth(core, number)


def test_an_invoice_generated_after_shows_what_it_billed(durable_url: str) -> None:
    """Voided and generated again after the upgrade: later calls leave its days as billed."""
    first = _invoiced_before_the_upgrade(durable_url)
    with telcocore.connect(durable_url, clock=FixedClock(NOW)) as core:
        core.invoices.void(first)
        again = core.invoices.generate("acme", MARCH).number
        assert [(3, 3)] == workers.query(durable_url, _CLAIMS)
        assert "Mar 9, 2026 $120.00" == _ninth(core, again)
        _late_call(core, "late-2")
        assert "Mar 9, 2026 $120.00" == _ninth(core, again)
