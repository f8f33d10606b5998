"""Storage in a SQL database, written once for SQLite and PostgreSQL.

- :mod:`.dialect`: what differs between the databases (:class:`Dialect`), and the
  :class:`Session` every statement goes through;
- :mod:`.repositories`: the repositories of :mod:`telcocore.ports`;
- :mod:`.unit_of_work`: the unit of work and the storage base class;
- :mod:`.migrations`: the numbered SQL migrations applied on connect.

:mod:`telcocore.adapters.sqlite` and :mod:`telcocore.adapters.postgres` add a dialect, the
connection handling and the migration files.
"""

from __future__ import annotations

from .dialect import Cursor, Dialect, MovedBalance, Session, Statement
from .migrations import Migration, load_migrations, migrate
from .repositories import SqlAccountRepository, SqlLedgerRepository, SqlOutboxRepository
from .unit_of_work import SqlStorage, SqlUnitOfWork

__all__ = [
    "Cursor",
    "Dialect",
    "Migration",
    "MovedBalance",
    "Session",
    "SqlAccountRepository",
    "SqlLedgerRepository",
    "SqlOutboxRepository",
    "SqlStorage",
    "SqlUnitOfWork",
    "Statement",
    "load_migrations",
    "migrate",
]
