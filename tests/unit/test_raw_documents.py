"""The ``raw`` fields of imported rows as stored: the encoder's JSON text, read back whole."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from telcocore.calls.importers import RowFields
from telcocore.calls.importers._rows import column_index
from telcocore.calls.sql import _fields, _layout, _raw_text

_NAMES = st.lists(st.text(max_size=6), max_size=6)


class TestLayouts:
    """A layout made once per column index writes each row as the dialect's encoder does."""

    @given(_NAMES, st.data())
    def test_the_compact_text(self, names: list[str], data: st.DataObject) -> None:
        """Any names (repeated, empty, with % or quotes) and values: the encoder's text."""
        fields = data.draw(st.lists(st.text(), min_size=len(names), max_size=len(names)))
        row = RowFields(column_index(names), fields)
        expected = json.dumps(dict(row), separators=(",", ":"), sort_keys=True)
        assert expected == _raw_text(row)
        form = sorted(row)
        values = json.dumps([row[name] for name in form], separators=(",", ":"))
        assert values == _layout(row.columns, None)(row.fields)
        assert dict(row) == _fields(json.loads(values), form)

    @given(_NAMES, st.data())
    def test_a_plain_document(self, names: list[str], data: st.DataObject) -> None:
        """Where the dialect takes a list, it gets the row's values in the form's order."""
        fields = data.draw(st.lists(st.text(), min_size=len(names), max_size=len(names)))
        row = RowFields(column_index(names), fields)
        documents: list[object] = []
        _layout(row.columns, documents.append)(row.fields)
        assert [[row[name] for name in sorted(row)]] == documents
        assert dict(row) == _fields(documents[0], sorted(row))

    def test_a_row_without_a_form(self) -> None:
        """Fields stored by name (no form: not read by an importer, or stored earlier)."""
        assert {"a": "1", "b": ""} == _fields({"b": "", "a": "1"}, None)
