"""The domains, found by the layout: what each one stores, in the order its tables are made.

A domain is a package of :mod:`telcocore` (or of ``telcocore.billing``) whose ``sql`` module
declares ``STORAGE``, a :class:`~telcocore.platform.sql.unit_of_work.SqlDomain`. So a new
domain needs no line here: the SQL storages read :data:`SQL_DOMAINS` to know every domain's
repositories and migrations. See "Adding a domain" in the architecture guide.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from telcocore.kernel.errors import ConfigurationError
from telcocore.platform.sql.unit_of_work import RepositoryFactory, SqlDomain

__all__ = ["REPOSITORIES", "SQL_DOMAINS", "in_creation_order"]

_ROOT = Path(__file__).parent
_NOT_DOMAINS: Final = frozenset({"kernel", "platform", "adapters"})
"""Packages of telcocore that hold no domain (``billing`` holds the money domains)."""


def _sql_modules() -> Iterator[str]:
    """The ``sql`` module of every domain package, by name, from the source tree."""
    for package in sorted(_ROOT.iterdir()):
        if package.name in _NOT_DOMAINS or not (package / "__init__.py").is_file():
            continue
        if (package / "sql.py").is_file():
            yield f"telcocore.{package.name}.sql"
        for sub in sorted(package.iterdir()):
            if (sub / "__init__.py").is_file() and (sub / "sql.py").is_file():
                yield f"telcocore.{package.name}.{sub.name}.sql"


def in_creation_order(domains: list[SqlDomain]) -> tuple[SqlDomain, ...]:
    """``domains``, each after those named in its ``after``; otherwise by name.

    :class:`~telcocore.ConfigurationError` if a domain waits for one that is not there, or
    two wait for each other.
    """
    by_name = {domain.name: domain for domain in domains}
    ordered: list[SqlDomain] = []
    placed: set[str] = set()
    waiting = sorted(by_name)
    while waiting:
        ready = [name for name in waiting if set(by_name[name].after) <= placed]
        if not ready:
            missing = {name: sorted(set(by_name[name].after) - placed) for name in waiting}
            msg = f"the domains {missing} wait for domains that are missing or wait for them"
            raise ConfigurationError(msg)
        ordered += [by_name[name] for name in ready]
        placed.update(ready)
        waiting = [name for name in waiting if name not in placed]
    return tuple(ordered)


SQL_DOMAINS: Final[tuple[SqlDomain, ...]] = in_creation_order(
    [importlib.import_module(name).STORAGE for name in _sql_modules()]
)
"""Every domain with tables, each after the domains its tables refer to."""

REPOSITORIES: Final[Mapping[type[Any], RepositoryFactory]] = {
    port: factory for domain in SQL_DOMAINS for port, factory in domain.repositories.items()
}
"""The repository factory for each repository protocol of every domain."""
