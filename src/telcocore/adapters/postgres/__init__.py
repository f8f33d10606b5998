"""PostgreSQL storage, for many processes on many hosts.

Open it with ``telcocore.connect("postgresql://user@host:5432/db")``.

Importing this package does not import psycopg; opening a storage does, and says how to
install it (``pip install 'telcocore[postgres]'``) when it is missing.
"""

from __future__ import annotations

from telcocore.platform.sql.postgres import PostgresDialect

from .storage import PostgresStorage, PostgresUnitOfWork

__all__ = ["PostgresDialect", "PostgresStorage", "PostgresUnitOfWork"]
