"""docs/cli.md documents every command and every option of ``telcocore``."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from tests.cli.test_app import every_command

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def sections() -> dict[str, str]:
    """The reference's ``## `telcocore ...``` sections, by the command they name."""
    found: dict[str, str] = {}
    heading = re.compile(r"^## `telcocore ([a-z ]+?)(?: [A-Z\[].*)?`", re.MULTILINE)
    parts = heading.split(REFERENCE.read_text(encoding="utf-8"))
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        found[name.strip()] = body
    return found


@pytest.mark.parametrize(("path", "command"), every_command(), ids=str)
def test_each_command_and_option_is_documented(path: str, command: click.Command) -> None:
    """Each command has a section in docs/cli.md, which names each of its options."""
    documented = sections()
    assert path in documented, f"docs/cli.md has no section `telcocore {path} ...`"
    for param in command.params:
        if isinstance(param, click.Option):
            names = [name for name in param.opts if name.startswith("--")]
            assert any(f"`{name}" in documented[path] for name in names), (
                f"docs/cli.md's section on telcocore {path} does not name {names}"
            )
        else:
            assert param.human_readable_name in documented[path] or (
                param.name and param.name.upper() in documented[path]
            ), f"docs/cli.md's section on telcocore {path} does not name {param.name}"
