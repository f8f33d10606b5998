"""The shared text check."""

from __future__ import annotations

import pytest

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.validation import storage_problem, validate_text


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (42, "must be text"),
        ("   ", "must not be blank"),
        ("x" * 11, "at most 10 characters"),
        ("a\x00b", "NUL character"),
        ("a\udc80b", "lone surrogate"),
    ],
)
def test_each_problem_is_named_with_the_field_and_value(value: object, problem: str) -> None:
    """The message names the label, the value and what is wrong; ``field`` is set."""
    with pytest.raises(ValidationError, match=problem) as refused:
        validate_text(value, field="name", label="account name", max_length=10, required=True)
    assert str(refused.value).startswith(f"account name {value!r} ")
    assert ("name", value) == (refused.value.field, refused.value.value)


def test_a_hidden_value_is_not_repeated() -> None:
    """With ``show=False`` neither the message nor the error carries the text."""
    with pytest.raises(ValidationError) as refused:
        validate_text("pw=hunter2\x00", field="notes", max_length=100, show=False)
    assert "hunter2" not in str(refused.value)
    assert refused.value.value is None


def test_text_every_storage_keeps_passes_unchanged() -> None:
    """Unicode beyond ASCII, emoji and control characters other than NUL are kept."""
    for text in ("", "Zoë's PBX ☎", "tab\there", "emoji \U0001f4de", "line\nbreak"):
        assert text == validate_text(text, field="note", max_length=100)
        assert storage_problem(text) is None
