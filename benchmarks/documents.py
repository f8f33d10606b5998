"""Realistic documents for the audit diff benchmark, built the way the library builds them.

:func:`telcocore.audit.services.document` (the converter's ``unstructure``, secrets
redacted) of real :class:`~telcocore.accounts.model.Account` and
:class:`~telcocore.contacts.model.Contact` objects filled in as a customer's would be:
notes of a few lines, a mobile, pending verification codes, a password. The library's
entities hold no lists, so a third family, an account with its contacts as a list (what
an export or an "account with its people" view diffs), covers lists of nested documents:
a contact added, removed from the middle, or changed in place.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from telcocore.accounts.model import Account, AccountStatus
from telcocore.audit.services import document
from telcocore.contacts.model.contact import Contact, PendingCode
from telcocore.kernel.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["document_pairs", "leaves"]

CURRENCY = "USD"
_AT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
_NOTES = (
    "Main office line; after-hours calls go to the on-call mobile.\n"
    "Invoices by email to accounts@acme.example.com, PO required over 500 USD.\n"
    "Prefers calls in the morning (UK time)."
)


def leaves(value: Any) -> int:  # noqa: ANN401 - any JSON value
    """How many scalar fields a JSON document holds, nested ones included."""
    if isinstance(value, dict):
        return sum(leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(leaves(v) for v in value)
    return 1


def _account() -> Account:
    return Account(
        id="acme-1001",
        name="Acme Telecom Ltd",
        currency=CURRENCY,
        created_at=_AT,
        debit_limit=Money("250.00", CURRENCY),
        channel_limit=10,
        home_country="GB",
        locale="en_GB",
        realm="acme.sip.example.net",
        tax_rate=Decimal("0.2"),
        low_balance_threshold=Money("20.00", CURRENCY),
        version=7,
    )


def _contact(number: int) -> Contact:
    return Contact(
        id=f"contact-{number}",
        account_id="acme-1001",
        name=f"Contact Person {number}",
        email=f"person{number}@acme.example.com",
        created_at=_AT + timedelta(days=number),
        mobile=f"+4479460{number:05d}",
        public_notes=_NOTES,
        private_notes="Escalations: ask for the operations manager. " * 3,
        email_verified=False,
        mobile_verified=number % 2 == 0,
        password_hash="scrypt$32768$8$3$c2FsdA$aGFzaA",  # noqa: S106 - a stored hash
        password_changed_at=_AT + timedelta(days=30),
        email_code=PendingCode(
            address=f"person{number}@acme.example.com",
            code_hash="sha256$9a8b7c6d",
            expires_at=_AT + timedelta(days=31),
        ),
        mobile_code=PendingCode(
            address=f"+4479460{number:05d}",
            code_hash="sha256$0f1e2d3c",
            expires_at=_AT + timedelta(days=31),
            attempts=1,
        ),
        version=3,
    )


def _set(**changes: Any) -> Callable[[Any], Any]:  # noqa: ANN401 - any field
    def change(entity: Any) -> Any:  # noqa: ANN401 - an account or a contact
        return attrs.evolve(entity, **changes)

    return change


def _pairs(entity: Any, updates: list[Callable[[Any], Any]]) -> list[tuple[Any, Any]]:  # noqa: ANN401
    pairs = []
    for update in updates:
        after = update(entity)
        after.version = entity.version + 1
        pairs.append((document(entity), document(after)))
    return pairs


def _with_contacts(account: Account, contacts: list[Contact]) -> dict[str, Any]:
    return {"account": document(account), "contacts": [document(c) for c in contacts]}


def document_pairs() -> dict[str, list[tuple[Any, Any]]]:
    """``(before, after)`` documents per family: one pair per typical update."""
    account = _account()
    contact = _contact(1)
    accounts = _pairs(
        account,
        [
            _set(name="Acme Telecom Group Ltd"),
            _set(debit_limit=Money("500.00", CURRENCY)),
            _set(channel_limit=None),
            _set(locale="de_DE", home_country="DE"),
            _set(tax_rate=Decimal("0.19"), low_balance_threshold=None),
            _set(status=AccountStatus.PENALTY),
            _set(realm=None, name="Acme", debit_limit=Money("0", CURRENCY), channel_limit=2),
        ],
    )
    contacts = _pairs(
        contact,
        [
            _set(name="Contact P. One"),
            _set(
                email="one@acme.example.com",
                email_code=PendingCode(
                    "one@acme.example.com", "sha256$aa", _AT + timedelta(days=40), 0
                ),
            ),
            _set(mobile="+447946099999", mobile_verified=False, mobile_code=None),
            _set(public_notes=_NOTES.replace("morning", "afternoon")),
            _set(private_notes="", public_notes=""),
            _set(password_hash="scrypt$32768$8$3$bmV3$bmV3", password_changed_at=_AT),  # noqa: S106
            _set(email_code=None, email_verified=True),
        ],
    )
    people = [_contact(i) for i in range(1, 4)]
    changed = [people[0], attrs.evolve(people[1], mobile="+447946011111"), people[2]]
    lists = [
        (_with_contacts(account, people), _with_contacts(account, [*people, _contact(4)])),
        (_with_contacts(account, people), _with_contacts(account, [people[0], people[2]])),
        (_with_contacts(account, people), _with_contacts(account, changed)),
        (
            _with_contacts(account, people),
            _with_contacts(attrs.evolve(account, name="Acme Group"), people[:2]),
        ),
    ]
    return {"account": accounts, "contact": contacts, "account+contacts": lists}
