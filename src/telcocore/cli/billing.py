"""Commands of ``telcocore`` (to be written)."""

from __future__ import annotations

import click

__all__ = ["COMMANDS"]

COMMANDS: tuple[click.Command, ...] = ()
