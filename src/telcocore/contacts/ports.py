"""What the contacts need from the outside: storage and a password hasher."""

from __future__ import annotations

from typing import Protocol

from telcocore.contacts.model.contact import Contact

__all__ = ["ContactRepository", "PasswordHasher"]


class PasswordHasher(Protocol):
    """Makes and checks slow, salted password hashes that carry their own parameters."""

    def hash(self, password: str) -> str:
        """A new stored hash of ``password``."""
        ...

    def verify(self, password: str, stored: str) -> bool:
        """Whether ``password`` matches ``stored``, compared in constant time."""
        ...

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made with weaker parameters than new hashes get."""
        ...


class ContactRepository(Protocol):
    """Stores contacts; the lower-cased login email is unique across every account."""

    def add(self, contact: Contact) -> None:
        """Store a new contact; :class:`~telcocore.AlreadyExists` if its id or email is."""
        ...

    def get(self, contact_id: str) -> Contact:
        """The contact, or :class:`~telcocore.ContactNotFound`."""
        ...

    def by_email(self, email: str) -> Contact | None:
        """The contact whose email is ``email`` in any case, if any."""
        ...

    def list(self, account_id: str) -> list[Contact]:
        """The account's contacts, by lower-cased email."""
        ...

    def update(self, contact: Contact) -> None:
        """Store changes if the stored version is still ``contact.version``, and bump it.

        Else :class:`~telcocore.ConcurrencyError`;
        :class:`~telcocore.AlreadyExists` if the new email is another contact's.
        """
        ...

    def remove(self, contact_id: str) -> None:
        """Forget a contact (:class:`~telcocore.ContactNotFound`)."""
        ...
