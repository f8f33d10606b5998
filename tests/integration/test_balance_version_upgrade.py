"""Upgrading to the release whose database keeps each balance's account version itself.

Before it, only the library wrote the version on the balance, in each change of an
account; a process of an earlier release, still running, changed accounts without. The
upgrade gives every balance its account's version, and from then on the database keeps
it, whoever writes.
"""

from __future__ import annotations

from tests.integration import storage_workers as workers

import telcocore

_TRIGGER = "version_trigger"
"""The name of the ledger migration that makes the database keep the versions."""

_VERSIONS = (
    "SELECT b.account_id, b.account_version, a.version FROM balances AS b "
    "JOIN accounts AS a ON a.id = b.account_id ORDER BY 1"
)


def _changed_behind_the_ledger(url: str) -> None:
    """Acme changed twice, Bolt never, as an earlier release's process would: no balance."""
    earlier = workers.shipped_before(url, "billing.ledger", _TRIGGER)
    with telcocore.TelcoCore(storage=workers.open_with(url, earlier)) as core:
        core.accounts.open("Acme", "USD", account_id="acme")
        core.accounts.open("Bolt", "EUR", account_id="bolt")
    workers.execute(url, "UPDATE accounts SET version = version + 2 WHERE id = 'acme'")


def test_the_earlier_schema_left_the_balance_behind(durable_url: str) -> None:
    """Without the migration, such a change leaves the balance's version as it was."""
    _changed_behind_the_ledger(durable_url)
    assert [("acme", 0, 2), ("bolt", 0, 0)] == workers.query(durable_url, _VERSIONS)


def test_the_upgrade_brings_every_balance_up_to_date(durable_url: str) -> None:
    """Each balance is given its account's version, and the migration is recorded."""
    _changed_behind_the_ledger(durable_url)
    telcocore.connect(durable_url).close()
    assert _TRIGGER in workers.applied(durable_url, "billing.ledger")
    assert [("acme", 2, 2), ("bolt", 0, 0)] == workers.query(durable_url, _VERSIONS)


def test_after_the_upgrade_every_writer_keeps_it(durable_url: str) -> None:
    """A change by SQL after the upgrade moves its balance's version with it."""
    _changed_behind_the_ledger(durable_url)
    telcocore.connect(durable_url).close()
    workers.execute(durable_url, "UPDATE accounts SET version = version + 1")
    assert [("acme", 3, 3), ("bolt", 1, 1)] == workers.query(durable_url, _VERSIONS)
