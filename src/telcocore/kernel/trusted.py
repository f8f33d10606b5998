"""Frozen values built from parts already checked, without checking them again.

A frozen attrs class runs its converters and validators on every construction, and sets
each field through ``object.__setattr__`` (its own ``__setattr__`` refuses changes). Where
the parts are known good, because they are sums of checked amounts or rows the library
stored itself, :func:`trusted_constructor` builds the same object at a fraction of that
cost: a plain slotted twin of the class with an ``__init__`` that assigns each field, then
becomes an instance of the class itself. The object made is an ordinary instance: it
compares, hashes, shows and stays frozen as one made by the class's own ``__init__``.

>>> import attrs
>>> @attrs.frozen
... class Pair:
...     left: int = attrs.field(converter=int)
...     right: str
>>> make = trusted_constructor(Pair)
>>> made = make(1, "one")
>>> type(made) is Pair, made == Pair("1", "one")
(True, True)
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["trusted_constructor"]

T = TypeVar("T")


def trusted_constructor(cls: type[T]) -> Callable[..., T]:
    """A constructor of ``cls`` from its fields' values, in order, that checks nothing.

    ``cls`` must be a slotted attrs class deriving from ``object`` alone whose fields are
    all positional ``__init__`` arguments; anything else raises ``TypeError``. The caller
    vouches for the values: no converter, validator or default runs.
    """
    slotted = "__slots__" in vars(cls) and "__dict__" not in vars(cls)
    if not attrs.has(cls) or cls.__bases__ != (object,) or not slotted:
        msg = f"{cls.__name__} must be a slotted attrs class with no base class but object"
        raise TypeError(msg)
    fields = attrs.fields(cls)
    if any(not field.init or field.kw_only for field in fields):
        msg = f"every field of {cls.__name__} must be a positional __init__ argument"
        raise TypeError(msg)
    names = [field.name for field in fields]
    if any(not name.isidentifier() or keyword.iskeyword(name) for name in names):
        msg = f"{cls.__name__} has a field that is not a Python identifier"
        raise TypeError(msg)
    # One assignment per field (a slot store, the fastest way to set one), then the class
    # switch, which CPython allows between classes of the same slots.
    source = (
        f"def __init__(self, {', '.join(names)}):\n"
        + "".join(f"    self.{name} = {name}\n" for name in names)
        + "    self.__class__ = cls\n"
    )
    namespace: dict[str, Any] = {"cls": cls}
    exec(compile(source, f"<trusted {cls.__qualname__}>", "exec"), namespace)  # noqa: S102 - field names only
    return type(
        f"Trusted{cls.__name__}",
        (),
        {
            "__slots__": cls.__slots__,  # type: ignore[attr-defined]
            "__init__": namespace["__init__"],
            "__module__": cls.__module__,
            "__qualname__": f"trusted_constructor.<{cls.__qualname__}>",
        },
    )
