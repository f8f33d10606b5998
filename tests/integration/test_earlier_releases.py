"""Rows written by earlier releases, under rules that have since tightened, still read back.

Earlier releases took any text as a contact id and any amount as a debit limit or an alert
threshold. Such rows are made here by rewriting current rows with SQL, as they would stand
after an upgrade, on SQLite and PostgreSQL (memory keeps nothing across releases).
"""

from __future__ import annotations

import pytest
from tests.integration import storage_workers as raw

import telcocore
from telcocore.contacts.errors import ContactNotFound
from telcocore.kernel.errors import StorageError, ValidationError
from telcocore.kernel.money import Money

OLD_ID = "ann@example.com"
"""A contact id earlier releases took and today's id rule refuses for new contacts."""


def _is_postgres(url: str) -> bool:
    return url.startswith("postgres")


def _set_document_field(url: str, table: str, key: str, field: str, json_value: str) -> None:
    """Give row ``key`` of ``table`` a document field (``a.b``) as an earlier release wrote it."""
    if _is_postgres(url):
        path = field.replace(".", ",")
        update = f"document = jsonb_set(document, '{{{path}}}', '{json_value}'::jsonb)"
    else:
        update = f"document = json_set(document, '$.{field}', json('{json_value}'))"
    raw.execute(url, f"UPDATE {table} SET {update} WHERE id = '{key}'")  # noqa: S608 - test data


@pytest.fixture
def upgraded(durable_url: str) -> str:
    """A database holding an account and a contact as an earlier release left them."""
    with telcocore.connect(durable_url) as core:
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        core.contacts.add("acme", "Ann", "ann@example.com", contact_id="c1")
    _set_document_field(durable_url, "contacts", "c1", "id", f'"{OLD_ID}"')
    raw.execute(durable_url, f"UPDATE contacts SET id = '{OLD_ID}' WHERE id = 'c1'")  # noqa: S608
    _set_document_field(durable_url, "accounts", "acme", "debit_limit.amount", '"1E+16"')
    threshold = '{"amount": "1E-13", "currency": "USD"}'
    _set_document_field(durable_url, "accounts", "acme", "low_balance_threshold", threshold)
    return durable_url


class TestContactsUnderOldIds:
    """A contact stored under an id outside today's rule is found, changed and removed."""

    def test_listed_found_and_removed(self, upgraded: str) -> None:
        """list, by_email, get, update and remove all reach it."""
        with telcocore.connect(upgraded) as core:
            listed = [c.id for c in core.contacts.list("acme")]
            found = core.contacts.by_email("ann@example.com")
            renamed = core.contacts.update(OLD_ID, name="Ann B")
            core.contacts.remove(OLD_ID)
            assert ([OLD_ID], OLD_ID, "Ann B", []) == (
                listed,
                None if found is None else found.id,
                renamed.name,
                core.contacts.list("acme"),
            )
            with pytest.raises(ContactNotFound):
                core.contacts.get(OLD_ID)

    def test_a_new_contact_still_follows_the_rule(self, upgraded: str) -> None:
        """Only lookups are lenient: a new contact under such an id is refused."""
        with (
            telcocore.connect(upgraded) as core,
            pytest.raises(ValidationError, match="contact id"),
        ):
            core.contacts.add("acme", "Bo", "bo@example.com", contact_id="bo@example.com")


class TestAccountsOutsideTodaysBounds:
    """An account whose limit or threshold today's bounds refuse still reads and posts."""

    def test_read_and_posted_to(self, upgraded: str) -> None:
        """get, list and a credit work; a change of the setting must meet today's bounds."""
        with telcocore.connect(upgraded) as core:
            account = core.accounts.get("acme")
            core.ledger.credit("acme", "5.00", idempotency_key="t-1")
            changed = core.accounts.update("acme", debit_limit="1.000000000000000000")
            assert (
                Money("1E+16", "USD"),
                Money("1E-13", "USD"),
                ["acme"],
                Money("5.00", "USD"),
                "1.000000000000",
            ) == (
                account.debit_limit,
                account.low_balance_threshold,
                [a.id for a in core.accounts.list()],
                core.ledger.balance("acme"),
                str(changed.debit_limit.amount),
            )


def test_a_damaged_document_is_a_storage_error(durable_url: str) -> None:
    """A stored account no account can be built from is a StorageError naming the kind."""
    with telcocore.connect(durable_url) as core:
        core.accounts.open("Acme", "USD", account_id="acme")
    _set_document_field(durable_url, "accounts", "acme", "currency", '"XXX"')
    with (
        telcocore.connect(durable_url) as core,
        pytest.raises(StorageError, match="stored Account"),
    ):
        core.accounts.get("acme")
