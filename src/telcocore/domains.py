"""The registered domains: what each one stores, in the order their tables are created.

Part of the composition root (with :mod:`telcocore.core`): the SQL storages read
:data:`SQL_DOMAINS` to know every domain's repositories and migrations. A new domain adds
one line here; see "Adding a domain" in the architecture guide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from telcocore.accounts.sql import STORAGE as ACCOUNTS
from telcocore.audit.sql import STORAGE as AUDIT
from telcocore.billing.ledger.sql import STORAGE as LEDGER
from telcocore.contacts.sql import STORAGE as CONTACTS
from telcocore.notifications.sql import STORAGE as NOTIFICATIONS
from telcocore.numbering.sql import STORAGE as NUMBERING
from telcocore.platform.sql.unit_of_work import RepositoryFactory, SqlDomain

__all__ = ["REPOSITORIES", "SQL_DOMAINS"]

SQL_DOMAINS: Final[tuple[SqlDomain, ...]] = (
    ACCOUNTS,
    LEDGER,
    NOTIFICATIONS,
    AUDIT,
    NUMBERING,
    CONTACTS,
)
"""Every domain with tables, each after the domains its tables refer to."""

REPOSITORIES: Final[Mapping[type[Any], RepositoryFactory]] = {
    port: factory for domain in SQL_DOMAINS for port, factory in domain.repositories.items()
}
"""The repository factory for each repository protocol of every registered domain."""
