"""The names every storage adapter gives stored things in its errors.

:class:`~telcocore.errors.AlreadyExists` and :class:`~telcocore.errors.ConcurrencyError`
carry an ``entity``; all adapters use these words, so callers see the same error whatever
the storage.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ACCOUNT", "BALANCE", "IDEMPOTENCY_KEY", "MESSAGE", "RECORD", "REVERSAL", "TRANSACTION"]

ACCOUNT: Final = "account"
BALANCE: Final = "balance"
IDEMPOTENCY_KEY: Final = "transaction with idempotency key"
REVERSAL: Final = "reversal of transaction"
TRANSACTION: Final = "transaction"
MESSAGE: Final = "message"
RECORD: Final = "record"
"""Any row, when only the database knows which constraint it broke."""
