"""Every command of ``telcocore``, added to the group once.

Each module of :mod:`telcocore.cli` that holds commands lists them in its ``COMMANDS``.
"""

from __future__ import annotations

import click

from telcocore.cli import audit, billing, calls, db, demo, outbox

__all__ = ["register"]

MODULES = (demo, calls, billing, audit, outbox, db)


def register(group: click.Group) -> None:
    """Add every command to ``group`` (again, harmlessly, when already added)."""
    for module in MODULES:
        for command in module.COMMANDS:
            group.add_command(command)
