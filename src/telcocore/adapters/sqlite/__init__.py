"""SQLite storage, the embedded default: ``telcocore.connect("sqlite:///telco.db")``."""

from __future__ import annotations

from .dialect import SqliteDialect
from .storage import SqliteStorage, SqliteUnitOfWork

__all__ = ["SqliteDialect", "SqliteStorage", "SqliteUnitOfWork"]
