"""The names every storage adapter gives stored things in its errors.

:class:`~telcocore.AlreadyExists` and
:class:`~telcocore.ConcurrencyError`
carry an ``entity``; all adapters use these words, so callers see the same error whatever
the storage.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACCOUNT",
    "AUDIT_ENTRY",
    "AUDIT_LOG",
    "BALANCE",
    "BLOCK_LIST_ENTRY",
    "CONTACT",
    "CONTACT_EMAIL",
    "DID",
    "EXTENSION",
    "FREE_BLOCK",
    "IDEMPOTENCY_KEY",
    "MESSAGE",
    "NUMBER_BLOCK",
    "REALM",
    "RECORD",
    "REVERSAL",
    "TRANSACTION",
]

ACCOUNT: Final = "account"
BALANCE: Final = "balance"
IDEMPOTENCY_KEY: Final = "transaction with idempotency key"
REVERSAL: Final = "reversal of transaction"
TRANSACTION: Final = "transaction"
MESSAGE: Final = "message"
AUDIT_ENTRY: Final = "audit entry"
AUDIT_LOG: Final = "audit log"
"""The chain as a whole: an entry that does not follow the current head."""
RECORD: Final = "record"
"""Any row, when only the database knows which constraint it broke."""
NUMBER_BLOCK: Final = "number block"
FREE_BLOCK: Final = "free number block"
EXTENSION: Final = "extension"
BLOCK_LIST_ENTRY: Final = "block list entry"
DID: Final = "DID"
CONTACT: Final = "contact"
CONTACT_EMAIL: Final = "contact with email"
REALM: Final = "account with realm"
