"""Storing aggregates as JSON documents and reading them back, for every SQL repository."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from cattrs import transform_error
from cattrs.errors import BaseValidationError

from telcocore.kernel.errors import StorageError
from telcocore.kernel.serialization import converter

from .dialect import Dialect

__all__ = ["from_document", "json_key", "to_document"]


def json_key(dialect: Dialect[Any], stored: object) -> str:
    """A document the driver decoded itself, as canonical JSON text (``True`` is not ``1``)."""
    return json.dumps(
        dialect.json_from_db(stored), separators=(",", ":"), sort_keys=True, ensure_ascii=False
    )


T = TypeVar("T")


def to_document(dialect: Dialect[Any], value: object, version: int) -> object:
    """``value`` (an attrs aggregate) as a stored document carrying ``version``."""
    document = converter.unstructure(value)
    document["version"] = version
    return dialect.json_to_db(document)


def from_document(document: object, cls: type[T]) -> T:
    """The ``cls`` a stored JSON document holds.

    A document no ``cls`` can be built from was damaged in the database, or written by
    something else: a :class:`~telcocore.StorageError` naming the kind, never a
    raw conversion error.
    """
    try:
        return converter.structure(document, cls)
    except Exception as damaged:
        where = (
            "; ".join(transform_error(damaged))
            if isinstance(damaged, BaseValidationError)
            else damaged
        )
        msg = f"a stored {cls.__name__} cannot be read: {where}"
        raise StorageError(msg) from damaged
