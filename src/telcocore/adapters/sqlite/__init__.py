"""SQLite storage, the embedded default: ``telcocore.connect("sqlite:///telco.db")``."""

from __future__ import annotations

from telcocore.platform.sql.sqlite import SqliteDialect

from .storage import SqliteStorage, SqliteUnitOfWork

__all__ = ["SqliteDialect", "SqliteStorage", "SqliteUnitOfWork"]
