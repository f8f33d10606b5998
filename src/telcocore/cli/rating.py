"""``telcocore rates load`` and ``telcocore rate``: a CSV rate card in, one call priced."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

import click

from telcocore import Unrated, load_rate_card
from telcocore.cli.app import (
    CommandFailed,
    db_option,
    json_option,
    open_core,
    print_json,
    show_table,
)
from telcocore.cli.files import readable_file
from telcocore.cli.params import INSTANT

__all__ = ["EVER", "ROUNDINGS", "rate", "rates_group", "readable_file"]

EVER: Final = datetime(1970, 1, 1, tzinfo=UTC)
"""When the rates of a card without ``effective_from`` take effect unless told otherwise."""

ROUNDINGS: Final = tuple(sorted(name for name in dir(decimal) if name.startswith("ROUND_")))
"""The rounding modes of :mod:`decimal`, which ``--rounding`` takes."""


@click.group(name="rates")
def rates_group() -> None:
    """Rate decks: load a CSV rate card as a deck."""


def _read_card(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as bad:
        msg = f"{path}: is not UTF-8 text (byte {bad.start + 1})"
        raise CommandFailed(msg) from None


@rates_group.command(name="load")
@click.argument("file", metavar="FILE")
@click.option(
    "--deck",
    "name",
    metavar="NAME",
    required=True,
    help="The deck's name (replaced whole if it exists).",
)
@click.option(
    "--currency", metavar="CUR", required=True, help="The deck's currency (ISO 4217, e.g. USD)."
)
@click.option(
    "--precision",
    metavar="N",
    type=int,
    default=4,
    show_default=True,
    help="Decimal places a call's cost is rounded to.",
)
@click.option(
    "--rounding",
    metavar="MODE",
    type=click.Choice(ROUNDINGS, case_sensitive=False),
    default="ROUND_HALF_UP",
    show_default=True,
    help="How a call's cost is rounded: a ROUND_* mode of decimal.",
)
@click.option(
    "--effective-from",
    type=INSTANT,
    default=EVER,
    show_default="1970-01-01T00:00:00Z",
    help="When rates without an effective_from take effect.",
)
@click.option(
    "--assign",
    "accounts",
    metavar="ACCOUNT",
    multiple=True,
    help="Price this account's calls with the deck (repeat).",
)
@db_option
@json_option
def load(  # noqa: PLR0913 - the command line's options
    file: str,
    *,
    name: str,
    currency: str,
    precision: int,
    rounding: str,
    effective_from: datetime,
    accounts: Sequence[str],
    db: str,
    as_json: bool,
) -> None:
    """Load a CSV rate card (FILE) as the deck NAME, and optionally assign it to accounts.

    The card is read whole before anything is stored: a bad row stores nothing. The
    accounts are checked before the deck is saved.
    """
    deck = load_rate_card(
        _read_card(readable_file(file)),
        name=name,
        currency=currency,
        precision=precision,
        rounding=rounding.upper(),
        default_effective_from=effective_from,
    )
    with open_core(db) as core:
        for account_id in accounts:
            account = core.accounts.get(account_id)
            if account.currency != deck.currency:
                msg = (
                    f"account {account_id!r} is in {account.currency}, the deck in {deck.currency}"
                )
                raise CommandFailed(msg)
        saved = core.rating.save_deck(deck)
        for account_id in accounts:
            core.rating.assign(account_id, saved.name)
    if as_json:
        print_json({"deck": saved, "assigned": list(accounts)})
        return
    show_table(
        None,
        ("deck", "rates", "currency", "precision", "rounding", "version", "assigned to"),
        [
            (
                saved.name,
                saved.rate_count,
                saved.currency,
                saved.precision,
                saved.rounding,
                saved.version,
                ", ".join(accounts),
            )
        ],
        right=(1, 3, 5),
    )


def _seconds(value: str) -> int | Decimal:
    try:
        seconds = Decimal(value.strip())
    except InvalidOperation:
        msg = f"{value!r} is not a number of seconds"
        raise click.BadParameter(msg, param_hint="'SECONDS'") from None
    if not seconds.is_finite() or seconds < 0:
        msg = f"{value!r} is not a number of seconds (0 or more)"
        raise click.BadParameter(msg, param_hint="'SECONDS'")
    return int(seconds) if seconds == seconds.to_integral_value() else seconds


@click.command(name="rate")
@click.argument("number", metavar="NUMBER")
@click.argument("seconds", metavar="SECONDS", callback=lambda _c, _p, v: _seconds(v))
@click.option("--deck", "deck_name", metavar="NAME", help="Rate with this deck.")
@click.option("--account", metavar="ID", help="Rate with this account's customer deck.")
@click.option("--at", type=INSTANT, help="When the call started (default: now).")
@db_option
@json_option
def rate(  # noqa: PLR0913 - the command line's options
    number: str,
    seconds: int | Decimal,
    *,
    deck_name: str | None,
    account: str | None,
    at: datetime | None,
    db: str,
    as_json: bool,
) -> None:
    """Price one call to NUMBER lasting SECONDS, with a deck or an account's deck.

    Exits 1 when the call cannot be rated (no prefix matches, the number is not a number).
    """
    if (deck_name is None) == (account is None):
        msg = "give --deck NAME or --account ID (one of them)"
        raise click.UsageError(msg)
    with open_core(db) as core:
        when = core.context.clock.now() if at is None else at
        if account is not None:
            deck_name = core.rating.assignment(account).customer
        deck = core.rating.deck(str(deck_name))  # one of the two was given
        priced = deck.rate(number, seconds, at=when)
    if isinstance(priced, Unrated):
        if as_json:
            print_json(
                {
                    "rated": False,
                    "deck": deck.name,
                    "destination": priced.destination,
                    "reason": priced.reason,
                }
            )
        msg = f"{number} is not rated by deck {deck.name!r}: {priced.reason}"
        raise CommandFailed(msg)
    if as_json:
        print_json(
            {
                "rated": True,
                "deck": deck.name,
                "at": when,
                "destination": priced.destination,
                "prefix": priced.prefix,
                "description": priced.description,
                "seconds": priced.seconds,
                "billed_seconds": priced.billed_seconds,
                "cost": priced.cost,
            }
        )
        return
    show_table(
        None,
        ("destination", "prefix", "description", "seconds", "billed", "cost", "deck"),
        [
            (
                priced.destination,
                priced.prefix,
                priced.description,
                priced.seconds,
                priced.billed_seconds,
                priced.cost,
                deck.name,
            )
        ],
        right=(3, 4, 5),
    )
