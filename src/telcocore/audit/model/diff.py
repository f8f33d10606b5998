"""RFC 6902 JSON Patch diffs that are checked before they are trusted.

:func:`make_patch` asks jsonpatch for a patch from ``before`` to ``after``, applies it to a
copy of ``before`` and compares the result with ``after`` strictly: ``True`` is not ``1``,
``1`` is not ``1.0``, key order does not matter. If the generic diff got it wrong (it has
known bugs with nested lists of objects and mixed-type arrays), a simple structural diff is
used instead (it replaces the differing subtree), and if even that failed the patch
replaces the whole document. A wrong patch is never returned.

>>> make_patch({"name": "Acme", "limit": "5.00"}, {"name": "Acme Ltd", "limit": "5.00"})
[{'op': 'replace', 'path': '/name', 'value': 'Acme Ltd'}]
>>> apply_patch({"on": 1}, make_patch({"on": 1}, {"on": True}))
{'on': True}
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import jsonpatch

__all__ = ["JSON", "Patch", "apply_patch", "make_patch", "strict_equal"]

JSON = Any
"""A JSON-like value: dict, list, str, int, float, bool or None."""

Patch = list[dict[str, Any]]
"""An RFC 6902 patch: a list of operations."""

_SCALARS: Final = (str, int, float, bool, type(None))


def strict_equal(left: JSON, right: JSON) -> bool:
    """JSON equality that tells ``True`` from ``1`` and ``1`` from ``1.0``.

    Key order is ignored, list order is not.
    """
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(strict_equal(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(strict_equal, left, right))
    return bool(left == right)


def _pointer(path: tuple[str | int, ...]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _structural(before: JSON, after: JSON, path: tuple[str | int, ...], out: Patch) -> None:
    if strict_equal(before, after):
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before.keys() - after.keys():
            out.append({"op": "remove", "path": _pointer((*path, key))})
        for key, value in after.items():
            if key in before:
                _structural(before[key], value, (*path, key), out)
            else:
                out.append({"op": "add", "path": _pointer((*path, key)), "value": value})
        return
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            _structural(old, new, (*path, index), out)
        return
    out.append({"op": "replace", "path": _pointer(path), "value": copy.deepcopy(after)})


def _generic(before: JSON, after: JSON) -> Patch:
    return list(jsonpatch.make_patch(before, after).patch)


def _ours(before: JSON, after: JSON) -> Patch:
    out: Patch = []
    _structural(before, after, (), out)
    return out


def _whole(_before: JSON, after: JSON) -> Patch:
    return [{"op": "replace", "path": "", "value": copy.deepcopy(after)}]


_STRATEGIES: Final[tuple[Callable[[JSON, JSON], Patch], ...]] = (_generic, _ours, _whole)


def apply_patch(document: JSON, patch: Sequence[Mapping[str, Any]]) -> JSON:
    """``patch`` applied to a copy of ``document`` (the document is not changed)."""
    return jsonpatch.apply_patch(copy.deepcopy(document), [dict(op) for op in patch])


def _applies(before: JSON, after: JSON, patch: Patch) -> bool:
    try:
        return strict_equal(after, apply_patch(before, patch))
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError):
        return False


def make_patch(before: JSON, after: JSON) -> Patch:
    """A patch that turns ``before`` into exactly ``after``, checked by applying it.

    ``None`` stands for "no document": the patch of a creation replaces the root.
    """
    for strategy in _STRATEGIES:
        try:
            patch = strategy(before, after)
        except (jsonpatch.JsonPatchException, TypeError, KeyError):  # pragma: no cover
            continue
        if _applies(before, after, patch):
            return patch
    msg = "no strategy produced a patch that applies"  # pragma: no cover - _whole always does
    raise AssertionError(msg)  # pragma: no cover
