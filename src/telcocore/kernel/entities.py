"""The one name of stored things that belongs to no domain.

Each domain names its own entities next to its model (``Account.ENTITY``, ``Did.ENTITY``),
and its repositories use those names in :class:`~telcocore.AlreadyExists` and
:class:`~telcocore.ConcurrencyError`. Only the dialects, which see a broken constraint
without knowing whose it is, use :data:`RECORD`.
"""

from __future__ import annotations

from typing import Final

__all__ = ["RECORD"]

RECORD: Final = "record"
"""Any row, when only the database knows which constraint it broke."""
