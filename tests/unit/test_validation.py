"""The shared checks: text, and numbers of seconds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from telcocore.calls.model.channels import validate_max_duration
from telcocore.kernel.errors import ConfigurationError, ValidationError
from telcocore.kernel.validation import storage_problem, validate_seconds, validate_text


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


class TestSeconds:
    """One check of a number of seconds, for settings and for arguments."""

    @pytest.mark.parametrize("bad", [0, -1, True, "5", float("nan"), float("inf"), 61])
    def test_a_setting_is_a_configuration_error(self, bad: object) -> None:
        """Not more than 0 and at most the maximum: ConfigurationError naming the setting."""
        with pytest.raises(ConfigurationError, match="interval"):
            validate_seconds(bad, name="interval", maximum=60)

    def test_an_argument_is_a_validation_error(self) -> None:
        """With error=ValidationError the error carries the field and the value."""
        with pytest.raises(ValidationError) as refused:
            validate_seconds(-1, name="wait", maximum=60, error=ValidationError)
        assert ("wait", -1) == (refused.value.field, refused.value.value)

    def test_max_duration_reads_timedeltas_and_seconds(self) -> None:
        """A maximum call duration is the same check, a timedelta allowed too."""
        assert (
            timedelta(minutes=1)
            == validate_max_duration(60)
            == validate_max_duration(timedelta(seconds=60))
        )
        assert timedelta.resolution == validate_max_duration(1e-9)
        with pytest.raises(ValidationError, match="max_duration"):
            validate_max_duration(timedelta(days=7, microseconds=1))
