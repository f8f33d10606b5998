"""The contact repository in SQL, shared by SQLite and PostgreSQL.

A contact is a JSON document made by :data:`telcocore.kernel.serialization.converter`, next to the
columns queries and constraints need: ``account_id``, ``version`` and ``email_key``, the
lower-cased email, which is UNIQUE. Two writers adding the same email in any case cannot
both succeed: the second insert finds the first's row (on PostgreSQL it waits for the
first to commit or roll back) and inserts nothing.
"""

from __future__ import annotations

from typing import Any, Final

from telcocore.contacts.errors import ContactNotFound
from telcocore.contacts.model.contact import Contact, email_key
from telcocore.contacts.ports import ContactRepository
from telcocore.kernel.errors import AlreadyExists, ConcurrencyError
from telcocore.platform.sql.dialect import Row, Session
from telcocore.platform.sql.rows import from_document, to_document
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlContactRepository"]

_CONTACT_EMAIL: Final = f"{Contact.ENTITY} with email"


class SqlContactRepository:
    """Contacts as JSON documents, unique by lower-cased email."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def _contact(self, row: Row) -> Contact:
        return from_document(self._s.dialect.json_from_db(row[0]), Contact)

    def add(self, contact: Contact) -> None:
        """Store a new contact; :class:`~telcocore.AlreadyExists` if its id or email is."""
        inserted = self._s.run(
            "INSERT INTO contacts (id, account_id, email_key, version, document) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                contact.id,
                contact.account_id,
                contact.email_key,
                contact.version,
                to_document(self._s.dialect, contact, contact.version),
            ),
        )
        if not inserted:
            if self._s.one("SELECT 1 FROM contacts WHERE id = ?", (contact.id,)) is not None:
                raise AlreadyExists(Contact.ENTITY, contact.id)
            raise AlreadyExists(_CONTACT_EMAIL, contact.email)

    def get(self, contact_id: str) -> Contact:
        """The contact, or :class:`~telcocore.ContactNotFound`."""
        row = self._s.one("SELECT document FROM contacts WHERE id = ?", (contact_id,))
        if row is None:
            raise ContactNotFound(contact_id)
        return self._contact(row)

    def by_email(self, email: str) -> Contact | None:
        """The contact with this email in any case, if any."""
        row = self._s.one("SELECT document FROM contacts WHERE email_key = ?", (email_key(email),))
        return None if row is None else self._contact(row)

    def list(self, account_id: str) -> list[Contact]:
        """The account's contacts, by lower-cased email."""
        rows = self._s.all(
            "SELECT document FROM contacts WHERE account_id = ? ORDER BY email_key, id",
            (account_id,),
        )
        return [self._contact(row) for row in rows]

    def update(self, contact: Contact) -> None:
        """Store ``contact`` if its version is still the stored one, and bump the version."""
        version = contact.version + 1
        try:
            updated = self._s.run(
                "UPDATE contacts SET email_key = ?, version = ?, document = ? "
                "WHERE id = ? AND version = ?",
                (
                    contact.email_key,
                    version,
                    to_document(self._s.dialect, contact, version),
                    contact.id,
                    contact.version,
                ),
            )
        except AlreadyExists:
            raise AlreadyExists(_CONTACT_EMAIL, contact.email) from None
        if not updated:
            if self._s.one("SELECT 1 FROM contacts WHERE id = ?", (contact.id,)) is None:
                raise ContactNotFound(contact.id)
            raise ConcurrencyError(Contact.ENTITY, contact.id, contact.version)
        contact.version = version

    def remove(self, contact_id: str) -> None:
        """Forget a contact."""
        if not self._s.run("DELETE FROM contacts WHERE id = ?", (contact_id,)):
            raise ContactNotFound(contact_id)


STORAGE = SqlDomain(
    "contacts", {ContactRepository: SqlContactRepository}, after=("accounts",), baseline=1
)
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
