"""``telcocore audit``: an account's audit trail, and the check of the log's hash chain.

``telcocore audit ACCOUNT`` shows the entries filed under the account's id, newest first,
each with the difference it made; ``telcocore audit verify`` walks the whole chain.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import click

from telcocore.audit.model.entry import AuditEntry
from telcocore.cli.app import (
    CommandFailed,
    db_option,
    json_option,
    open_core,
    print_json,
)
from telcocore.core import TelcoCore
from telcocore.kernel.validation import MAX_INT

__all__ = ["COMMANDS", "describe_entry", "describe_operation", "entry_count"]

_TRAIL: Final = "\x00trail"
"""What stands for the trail command once the group has seen its first argument is no
subcommand's name (an account's id)."""

DEFAULT_LIMIT: Final = 50
"""How many entries ``telcocore audit ACCOUNT`` shows without ``--limit``."""


def describe_operation(operation: Mapping[str, Any]) -> str:
    """One JSON Patch operation on one line: ``replace /debit_limit/amount "5.00"``.

    The whole document (the path ``""``, as a creation's patch has it) shows as ``""``.

    >>> describe_operation({"op": "replace", "path": "", "value": {"id": "acme"}})
    'replace "" {"id": "acme"}'
    >>> describe_operation({"op": "move", "from": "/a", "path": "/b"})
    'move /b from /a'
    >>> describe_operation({"op": "add", "path": "/tags/0", "value": {"x": 1}})
    'add /tags/0 {"x": 1}'
    """
    path = operation.get("path") or '""'
    line = f"{operation.get('op')} {path}"
    if "from" in operation:
        line += f" from {operation['from']}"
    if "value" in operation:
        line += " " + json.dumps(operation["value"], ensure_ascii=False, sort_keys=True)
    return line


def describe_entry(entry: AuditEntry) -> list[str]:
    """The lines that show one entry: who did what, when and why, then its patch."""
    at = entry.at.isoformat().replace("+00:00", "Z")
    who = entry.actor if entry.source_ip is None else f"{entry.actor} from {entry.source_ip}"
    head = f"#{entry.seq}  {at}  {who}  {entry.action.value} {entry.entity_type} {entry.entity_key}"
    if entry.reason:
        head += f"  ({' '.join(entry.reason.split())})"
    return [head, *(f"    {describe_operation(op)}" for op in entry.patch)]


def entry_count(core: TelcoCore) -> int:
    """How many entries the audit log holds: the newest one's place in the chain."""
    newest = core.audit.entries(limit=1).entries
    return newest[0].seq if newest else 0


class _Trail(click.Command):
    """The trail command, reached as ``telcocore audit ACCOUNT`` without a name of its own."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``Usage: telcocore audit [OPTIONS] ACCOUNT``: the group's path, as it is typed."""
        path = ctx.parent.command_path if ctx.parent is not None else ctx.command_path
        formatter.write_usage(path, " ".join(self.collect_usage_pieces(ctx)))


class _AuditGroup(click.Group):
    """``audit ACCOUNT`` runs the trail; ``audit verify`` its subcommand.

    An account whose id is a subcommand's name is reached after ``--``:
    ``telcocore audit -- verify``.
    """

    def __init__(self, *args: Any, trail: click.Command, **kwargs: Any) -> None:  # noqa: ANN401 - click's own
        super().__init__(*args, **kwargs)
        self.trail = trail

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Put the trail in front of arguments that name no subcommand (nor ask for help)."""
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [_TRAIL, *args]
        return super().parse_args(ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The trail (without a name of its own), or the subcommand ``args`` name."""
        if args and args[0] == _TRAIL:
            return None, self.trail, args[1:]
        return super().resolve_command(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Both forms: an account's trail, and the subcommands."""
        formatter.write_usage(ctx.command_path, "[OPTIONS] ACCOUNT")
        formatter.write_usage(ctx.command_path, "verify [OPTIONS]", prefix="       ")


@click.command(cls=_Trail, name="audit")
@click.argument("account")
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_INT - 1),  # as the library takes it
    default=DEFAULT_LIMIT,
    show_default=True,
    metavar="N",
    help="Show the N newest entries.",
)
@db_option
@json_option
def trail(account: str, limit: int, db: str, *, as_json: bool) -> None:
    """The audit trail of ACCOUNT, newest first: each change with its difference.

    The entries filed under the account's id: the account's own, and those of its invoice
    schedule, plan assignment, rate deck assignment and media settings.
    """
    with open_core(db) as core:
        core.accounts.get(account)  # an unknown account is an error, not an empty trail
        page = core.audit.entries(entity_key=account, limit=limit)
    if as_json:
        print_json(
            {
                "entries": [entry.body() | {"hash": entry.hash} for entry in page.entries],
                "more": page.next_before is not None,
            }
        )
        return
    for entry in page.entries:
        for line in describe_entry(entry):
            click.echo(line)
    if page.next_before is not None:
        click.echo(f"(older entries not shown: raise --limit above {limit})")


@click.group(
    name="audit",
    cls=_AuditGroup,
    trail=trail,
    help=(
        "The audit log: `telcocore audit ACCOUNT` shows an account's trail (see "
        "`telcocore audit ACCOUNT --help`); `telcocore audit verify` checks the hash chain."
    ),
)
def audit_group() -> None:
    """The audit log: an account's trail, and the check of the hash chain."""


@audit_group.command(name="verify")
@db_option
@json_option
def verify(db: str, *, as_json: bool) -> None:
    """Check the audit log's hash chain; exit 1, naming the first bad entry, when it is broken.

    Finds entries altered, inserted or removed by anything but telcocore (raw SQL, a restore
    of part of the database) since they were written.
    """
    with open_core(db) as core:  # a wrong path is refused, not an intact chain of 0 entries
        broken = core.audit.verify_chain()
        count = entry_count(core)
    if as_json:
        print_json(
            {
                "intact": broken is None,
                "entries": count,
                "break": None
                if broken is None
                else {"seq": broken.seq, "entry_id": broken.entry_id, "problem": broken.problem},
            }
        )
    if broken is not None:
        msg = f"audit chain broken at {broken}"
        raise CommandFailed(msg)
    if not as_json:
        click.echo(f"audit chain intact: {count} {'entry' if count == 1 else 'entries'}")


COMMANDS = (audit_group,)
