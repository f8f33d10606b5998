"""The domains, found by the layout: what each one stores, in the order its tables are made.

A domain is a package of :mod:`telcocore` (or of ``telcocore.billing``) whose ``sql`` module
declares ``STORAGE``, a :class:`~telcocore.platform.sql.unit_of_work.SqlDomain`. So a new
domain needs no line here: the SQL storages read :data:`SQL_DOMAINS` to know every domain's
repositories and migrations. See "Adding a domain" in the architecture guide.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Iterator, Mapping
from typing import Any, Final

from telcocore.kernel.errors import ConfigurationError
from telcocore.kernel.validation import shown
from telcocore.platform.sql.unit_of_work import RepositoryFactory, SqlDomain

__all__ = ["REPOSITORIES", "SQL_DOMAINS", "in_creation_order"]

_NOT_DOMAINS: Final = frozenset({"telcocore.kernel", "telcocore.platform", "telcocore.adapters"})
"""Packages of telcocore that hold no domain (``billing`` holds the money domains)."""


def _packages(parent: str) -> Iterator[str]:
    """The subpackages of ``parent``, by name, as the import system finds them."""
    path = importlib.import_module(parent).__path__
    for info in sorted(pkgutil.iter_modules(path, f"{parent}."), key=lambda i: i.name):
        if info.ispkg and info.name not in _NOT_DOMAINS:
            yield info.name


def _sql_modules() -> Iterator[str]:
    """The ``sql`` module of every domain package (and of each money domain), by name."""
    for package in _packages("telcocore"):
        for candidate in (package, *_packages(package)):
            if importlib.util.find_spec(f"{candidate}.sql") is not None:
                yield f"{candidate}.sql"


def _storage(module_name: str) -> SqlDomain:
    """What the ``sql`` module ``module_name`` declares its domain stores."""
    storage = getattr(importlib.import_module(module_name), "STORAGE", None)
    if not isinstance(storage, SqlDomain):
        msg = f"{module_name} must declare STORAGE, a SqlDomain, got {shown(storage)}"
        raise ConfigurationError(msg)
    return storage


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
    [_storage(name) for name in _sql_modules()]
)
"""Every domain with tables, each after the domains its tables refer to."""

REPOSITORIES: Final[Mapping[type[Any], RepositoryFactory]] = {
    port: factory for domain in SQL_DOMAINS for port, factory in domain.repositories.items()
}
"""The repository factory for each repository protocol of every domain."""
