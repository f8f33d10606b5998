"""The summed amounts of stored summary rows are finite numbers, kept so by the database.

A read of summaries takes PostgreSQL's ``NUMERIC`` values as the driver returns them,
checking none of them again: the ``summaries_amounts_finite`` check (reporting migration 2)
is what keeps ``NaN`` and the infinities out. SQLite has the same check on the decimal text.
A database at reporting migration 1 (the check dropped, the version record removed, as an
earlier release left it) gets the check when opened, its rows kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources

import pytest
from tests.contract.test_invoice_rendering import answered_call
from tests.integration import storage_workers as raw

import telcocore
from telcocore import Period, Rate, RateDeck

MARCH = Period.month(2026, 3)
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
AMOUNTS = ("duration", "charge", "cost", "costed_charge")
_FIRST = resources.files("telcocore.reporting").joinpath("migrations/0001_summaries.sqlite.sql")
"""The summaries table as reporting migration 1 makes it on SQLite (no check)."""


def _is_postgres(url: str) -> bool:
    return url.startswith("postgres")


def _posted(url: str) -> None:
    """``acme`` with three calls to London in March, priced and costed: summary rows."""
    with telcocore.connect(url) as core:
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        for name, rate in (("retail", "1.5"), ("carrier", "0.5")):
            deck = RateDeck(name, "USD", [Rate("44", "UK", Decimal(rate), effective_from=SINCE)])
            core.rating.save_deck(deck)
        core.rating.assign("acme", "retail", "carrier")
        core.calls.post_many(
            [
                answered_call("c1", datetime(2026, 3, 3, 9, tzinfo=UTC), 600),
                answered_call("c2", datetime(2026, 3, 3, 10, tzinfo=UTC), 61),
                answered_call("c3", datetime(2026, 3, 9, 9, tzinfo=UTC), 1200),
            ]
        )


def _daily(url: str) -> list[object]:
    with telcocore.connect(url) as core:
        return list(core.summaries.daily("acme", MARCH.start, MARCH.end))


def _checks(url: str) -> int:
    if _is_postgres(url):
        found = raw.query(
            url,
            "SELECT count(*) FROM pg_constraint WHERE conname = 'summaries_amounts_finite' "
            "AND conrelid = 'summaries'::regclass",
        )
        return int(found[0][0])
    sql = raw.query(url, "SELECT sql FROM sqlite_master WHERE name = 'summaries'")[0][0]
    return int(str(sql).count("summaries_amounts_finite"))


@pytest.mark.parametrize("column", AMOUNTS)
@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "nan", "inf"])
def test_a_stored_amount_that_is_not_a_number_is_refused(
    durable_url: str, column: str, value: str
) -> None:
    """Writing one straight into a row fails, and the row reads back as it was."""
    _posted(durable_url)
    before = _daily(durable_url)
    literal = f"'{value}'::numeric" if _is_postgres(durable_url) else f"'{value}'"
    with pytest.raises(Exception, match=r"summaries_amounts_finite|CHECK constraint failed"):
        raw.execute(durable_url, f"UPDATE summaries SET {column} = {literal}")  # noqa: S608
    assert before == _daily(durable_url)


def test_a_database_of_the_first_migration_gets_the_check(durable_url: str) -> None:
    """Opened again, the migration adds the check and keeps every row."""
    _posted(durable_url)
    before = _daily(durable_url)
    if _is_postgres(durable_url):
        raw.execute(durable_url, "ALTER TABLE summaries DROP CONSTRAINT summaries_amounts_finite")
    else:
        first = _FIRST.read_text(encoding="utf-8")
        copy = "CREATE TABLE summaries_old AS SELECT * FROM summaries; DROP TABLE summaries;"
        back = "INSERT INTO summaries SELECT * FROM summaries_old; DROP TABLE summaries_old;"
        raw.execute(durable_url, f"{copy}\n{first}\n{back}")
    raw.execute(
        durable_url,
        "DELETE FROM schema_migrations WHERE module = 'reporting' AND version = 2",
    )
    assert _checks(durable_url) == 0
    after = _daily(durable_url)
    versions = raw.query(
        durable_url, "SELECT version FROM schema_migrations WHERE module = 'reporting'"
    )
    assert (1, [1, 2]) == (_checks(durable_url), sorted(v[0] for v in versions))
    assert (2, before) == (len(before), after)
