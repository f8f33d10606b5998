"""Checked JSON Patch diffs: make_patch, apply_patch and strict_equal."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telcocore.audit.model import diff
from telcocore.audit.model.diff import JSON, Patch, apply_patch, make_patch, strict_equal

# -- strategies ---------------------------------------------------------------------------

# Values that compare equal with == but are different JSON: the diff must keep them apart.
CONFUSABLE = st.sampled_from([0, 1, 0.0, 1.0, -0.5, True, False, "0", "1", "1.0", None])

SCALARS = st.one_of(
    CONFUSABLE,
    st.none(),
    st.booleans(),
    st.integers(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),  # floats as strings
    st.text(max_size=6),
)

KEYS = st.one_of(
    st.text(max_size=6),  # any unicode
    st.integers(0, 12).map(str),  # numeric-string keys, which look like list indexes
    st.sampled_from(["", "-", "/", "~", "~0", "~1", "a/b", "a~1b", "ü/~", "0/1"]),
)

DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(KEYS, children, max_size=5),
    ),
    max_leaves=25,
)

# Lists of objects inside lists: where generic diffs go wrong most often.
NESTED_LISTS_OF_OBJECTS = st.lists(
    st.one_of(
        st.dictionaries(
            st.sampled_from(["a", "b", "0"]),
            st.one_of(CONFUSABLE, st.lists(CONFUSABLE, max_size=3)),
            max_size=3,
        ),
        st.lists(st.dictionaries(st.sampled_from(["x", "y"]), CONFUSABLE, max_size=2), max_size=3),
    ),
    max_size=5,
)


def _mutate_dict(draw: st.DrawFn, document: dict[str, JSON]) -> JSON:
    """A copy of a non-empty object with one random change in it or below it."""
    key = draw(st.sampled_from(sorted(document)))
    change = draw(st.sampled_from(["descend", "add", "remove", "rename", "replace"]))
    changed = dict(document)
    if change == "descend":
        changed[key] = _mutate(draw, document[key])
    elif change == "add":
        changed[draw(KEYS)] = draw(DOCUMENTS)
    elif change == "remove":
        del changed[key]
    elif change == "rename":
        changed[draw(KEYS)] = changed.pop(key)
    else:
        changed[key] = draw(DOCUMENTS)
    return changed


def _mutate_list(draw: st.DrawFn, document: list[JSON]) -> JSON:
    """A copy of a non-empty list with one random change in it or below it."""
    index = draw(st.integers(0, len(document) - 1))
    change = draw(st.sampled_from(["descend", "insert", "delete", "reverse", "rotate"]))
    changed = list(document)
    if change == "descend":
        changed[index] = _mutate(draw, document[index])
    elif change == "insert":
        changed.insert(index, draw(DOCUMENTS))
    elif change == "delete":
        del changed[index]
    elif change == "reverse":
        changed.reverse()
    else:
        changed = changed[index:] + changed[:index]
    return changed


def _mutate(draw: st.DrawFn, document: JSON) -> JSON:
    """A copy of ``document`` with one random change somewhere inside it."""
    if isinstance(document, dict):
        return _mutate_dict(draw, document) if document else {draw(KEYS): draw(DOCUMENTS)}
    if isinstance(document, list):
        return _mutate_list(draw, document) if document else [draw(DOCUMENTS)]
    return draw(st.one_of(CONFUSABLE, DOCUMENTS))


@st.composite
def before_and_mutation(draw: st.DrawFn) -> tuple[JSON, JSON]:
    """A document and a copy of it changed one to three times."""
    before = draw(DOCUMENTS)
    after = before
    for _ in range(draw(st.integers(1, 3))):
        after = _mutate(draw, after)
    return before, after


def _wrong_patch(_before: JSON, _after: JSON) -> jsonpatch.JsonPatch:
    """What a broken generic diff returns: a patch that does not give ``after``."""
    return jsonpatch.JsonPatch([])


def _assert_applies(before: JSON, after: JSON, patch: Patch) -> None:
    result = apply_patch(before, patch)
    assert strict_equal(after, result), (before, after, patch, result)


# -- tests --------------------------------------------------------------------------------


class TestPatchesApply:
    """The patch of any pair of documents turns the first into exactly the second."""

    @given(DOCUMENTS, DOCUMENTS)
    def test_any_two_documents(self, before: JSON, after: JSON) -> None:
        """For unrelated before/after, the patch applied to before is strictly after."""
        _assert_applies(before, after, make_patch(before, after))

    @given(before_and_mutation())
    def test_a_document_and_its_mutation(self, pair: tuple[JSON, JSON]) -> None:
        """For after = a random change of before, the patch applied to before is after."""
        before, after = pair
        _assert_applies(before, after, make_patch(before, after))

    @given(NESTED_LISTS_OF_OBJECTS, NESTED_LISTS_OF_OBJECTS)
    def test_nested_lists_of_objects(self, before: JSON, after: JSON) -> None:
        """Lists of objects and lists of lists of objects are patched exactly."""
        _assert_applies(before, after, make_patch(before, after))

    @given(st.lists(CONFUSABLE, max_size=6), st.lists(CONFUSABLE, max_size=6))
    def test_mixed_type_arrays(self, before: JSON, after: JSON) -> None:
        """Arrays mixing 1, True, "1" and 1.0 are patched with the exact types."""
        _assert_applies(before, after, make_patch(before, after))

    @given(DOCUMENTS)
    def test_creation_replaces_the_root(self, document: JSON) -> None:
        """None -> document is one replace of the whole document."""
        assert [{"op": "replace", "path": "", "value": document}] == make_patch(None, document)

    @given(DOCUMENTS.filter(lambda d: d is not None))
    def test_deletion_replaces_the_root_with_none(self, document: JSON) -> None:
        """Document -> None is one replace of the whole document by None."""
        assert [{"op": "replace", "path": "", "value": None}] == make_patch(document, None)

    @given(DOCUMENTS)
    def test_a_document_against_itself_is_empty(self, document: JSON) -> None:
        """An unchanged document has an empty patch, whatever its key order."""
        reordered = copy.deepcopy(document)
        if isinstance(reordered, dict):
            reordered = dict(reversed(list(reordered.items())))
        assert [] == make_patch(document, reordered)

    @given(before_and_mutation())
    def test_inputs_are_not_changed(self, pair: tuple[JSON, JSON]) -> None:
        """make_patch and apply_patch leave before and after as they were."""
        before, after = pair
        before_copy, after_copy = copy.deepcopy(before), copy.deepcopy(after)
        apply_patch(before, make_patch(before, after))
        assert (True, True) == (strict_equal(before_copy, before), strict_equal(after_copy, after))


class TestKnownBadInputs:
    """Pairs that generic JSON diffs are known to get wrong are patched exactly."""

    @pytest.mark.parametrize(
        ("before", "after"),
        [
            pytest.param({"on": 1}, {"on": True}, id="int-to-bool"),
            pytest.param({"on": True}, {"on": 1}, id="bool-to-int"),
            pytest.param({"n": 1}, {"n": 1.0}, id="int-to-float"),
            pytest.param([0], [False], id="zero-to-false"),
            pytest.param([1, True, "1", 1.0], [1.0, "1", True, 1], id="mixed-array-reversed"),
            pytest.param([1, True, "1", 1.0], [True, True, 1, 1], id="mixed-array-collapsed"),
            pytest.param([1, 1, 1], [1, True, 1.0], id="equal-under-eq"),
            pytest.param([{"a": 1}, {"b": 2}], [{"a": 1, "b": 2}], id="merged-objects"),
            pytest.param({"a": [{"b": []}]}, {"a": [{"b": [1]}]}, id="append-in-nested-list"),
            pytest.param([{}], [{"key": ""}], id="key-into-object-in-list"),
            pytest.param(
                [{"x": ["a", {"y": ["b"]}], "z": "a"}, {"x": ["c", {"d": ["d"]}], "z": "c"}, {}],
                [{"x": ["c", {"y": ["d"]}], "z": "c"}, {}],
                id="nested-lists-of-objects",
            ),
            pytest.param(["a", "b", ["d", "e"], "f"], ["a", "d", ["e", "g"]], id="moved-into-list"),
            pytest.param(["1", "2", "3", "4"], ["4", "3", "1", "2", "2"], id="reorder-and-repeat"),
            pytest.param({"foo": [1, 3]}, {"foo": [0, 3, 3, 2]}, id="grow-a-list"),
            pytest.param({"a/b": 1, "c~d": 2}, {"a/b": 2, "c~d": 1}, id="escaped-keys"),
            pytest.param({"0": [1], "1": [2]}, {"1": [1], "0": [2]}, id="numeric-keys"),
            pytest.param(1, True, id="scalar-root"),
            pytest.param([1], {"0": 1}, id="list-to-object"),
        ],
    )
    def test_the_patch_applies(self, before: JSON, after: JSON) -> None:
        """The stored patch turns before into exactly after."""
        _assert_applies(before, after, make_patch(before, after))


class TestFallback:
    """When the generic diff is wrong, a patch that applies is returned instead."""

    def test_the_generic_patch_is_used_when_it_applies(self) -> None:
        """A right generic patch is kept as jsonpatch made it."""
        before, after = {"a": [1, 2, 3]}, {"a": [2, 3], "b": True}
        assert list(jsonpatch.make_patch(before, after).patch) == make_patch(before, after)

    @given(before_and_mutation())
    def test_a_wrong_generic_patch_is_never_returned(self, pair: tuple[JSON, JSON]) -> None:
        """With the generic diff returning wrong patches, the patch returned still applies."""
        before, after = pair
        with pytest.MonkeyPatch.context() as patcher:
            patcher.setattr(jsonpatch, "make_patch", _wrong_patch)
            patch = make_patch(before, after)
        _assert_applies(before, after, patch)

    def test_the_structural_diff_replaces_the_differing_subtree(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the generic diff wrong, the patch replaces only what differs."""
        monkeypatch.setattr(jsonpatch, "make_patch", _wrong_patch)
        before = {"keep": {"x": [1, 2]}, "a/b": {"n": 1}, "old": 0, "list": [1, True]}
        after = {"keep": {"x": [1, 2]}, "a/b": {"n": True}, "new": 0, "list": [True, 1]}
        expected = [
            {"op": "remove", "path": "/old"},
            {"op": "replace", "path": "/a~1b/n", "value": True},
            {"op": "add", "path": "/new", "value": 0},
            {"op": "replace", "path": "/list/0", "value": True},
            {"op": "replace", "path": "/list/1", "value": 1},
        ]
        patch = make_patch(before, after)
        assert sorted(expected, key=repr) == sorted(patch, key=repr)
        _assert_applies(before, after, patch)

    def test_the_whole_document_is_replaced_as_a_last_resort(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the generic and the structural diff both wrong, the root is replaced."""

        def nothing(*_args: Any) -> None:  # noqa: ANN401 - the structural diff's arguments
            """A structural diff that finds no difference."""

        monkeypatch.setattr(jsonpatch, "make_patch", _wrong_patch)
        monkeypatch.setattr(diff, "_structural", nothing)
        before, after = {"a": [1, {"b": 1}]}, {"a": [1, {"b": True}]}
        assert [{"op": "replace", "path": "", "value": after}] == make_patch(before, after)

    def test_a_generic_diff_that_raises_falls_back(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A generic diff that fails with a patch conflict gives way to the next one."""

        def conflict(_before: JSON, _after: JSON) -> jsonpatch.JsonPatch:
            raise jsonpatch.JsonPatchConflict("broken")

        monkeypatch.setattr(jsonpatch, "make_patch", conflict)
        before, after = {"a": 1}, {"a": 2}
        assert [{"op": "replace", "path": "/a", "value": 2}] == make_patch(before, after)


class TestApplyPatch:
    """Applying a patch."""

    def test_the_document_is_not_changed(self) -> None:
        """apply_patch works on a copy of the document."""
        document = {"a": {"b": [1, 2]}}
        result = apply_patch(document, [{"op": "add", "path": "/a/b/-", "value": 3}])
        assert ({"a": {"b": [1, 2]}}, {"a": {"b": [1, 2, 3]}}) == (document, result)

    def test_a_replaced_root_is_returned(self) -> None:
        """A replace of the root gives the new document."""
        assert {"x": 1} == apply_patch(None, [{"op": "replace", "path": "", "value": {"x": 1}}])

    def test_a_patch_that_does_not_fit_raises(self) -> None:
        """A remove of a missing key is a patch conflict."""
        with pytest.raises(jsonpatch.JsonPatchConflict):
            apply_patch({}, [{"op": "remove", "path": "/missing"}])


class TestStrictEqual:
    """JSON equality that tells types apart."""

    @pytest.mark.parametrize(
        ("left", "right", "expected"),
        [
            pytest.param(1, 1, True, id="same-int"),
            pytest.param(True, 1, False, id="true-is-not-1"),
            pytest.param(False, 0, False, id="false-is-not-0"),
            pytest.param(1, 1.0, False, id="1-is-not-1.0"),
            pytest.param(1.5, 1.5, True, id="same-float"),
            pytest.param("1", 1, False, id="string-is-not-number"),
            pytest.param(None, None, True, id="none"),
            pytest.param(None, False, False, id="none-is-not-false"),
            pytest.param("", None, False, id="empty-string-is-not-none"),
            pytest.param({"a": 1, "b": 2}, {"b": 2, "a": 1}, True, id="key-order-ignored"),
            pytest.param({"a": 1}, {"a": 1, "b": 2}, False, id="extra-key"),
            pytest.param({"a": 1}, {"b": 1}, False, id="other-key"),
            pytest.param({"a": [1, True]}, {"a": [1, 1]}, False, id="nested-bool"),
            pytest.param({"a": {"b": 1.0}}, {"a": {"b": 1}}, False, id="nested-float"),
            pytest.param([1, 2], [2, 1], False, id="list-order-counts"),
            pytest.param([1, 2], [1, 2, 3], False, id="list-length"),
            pytest.param([], {}, False, id="list-is-not-dict"),
            pytest.param([[{"x": "ü"}]], [[{"x": "ü"}]], True, id="deep-equal"),
        ],
    )
    def test_table(self, left: JSON, right: JSON, expected: bool) -> None:
        """strict_equal gives the expected answer, whichever side comes first."""
        assert (expected, expected) == (strict_equal(left, right), strict_equal(right, left))

    @given(DOCUMENTS)
    def test_a_copy_is_equal(self, document: JSON) -> None:
        """Any document is strictly equal to a deep copy of itself."""
        assert strict_equal(document, copy.deepcopy(document))
