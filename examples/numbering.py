"""Set the number range, assign blocks, register extensions, block numbers, add DIDs.

Run it with ``python examples/numbering.py [STORAGE_URL]``; the default storage is an
SQLite file ``numbering.db`` in the current directory. Each run opens a new account in it
and assigns it the lowest free block, so later runs get later blocks.
"""

from __future__ import annotations

import sys

import telcocore
from telcocore.numbering.model.dids import DidClass
from telcocore.numbering.model.e164 import NumberFormat, classify, format_number


def main(url: str) -> None:
    """Walk through an account's numbering."""
    with telcocore.connect(url) as core:
        if core.numbering.range_parameters() is None:
            core.numbering.set_range(1000, 1000, reason="first setup")
        account = core.accounts.open("Acme Hosted PBX", "USD", home_country="US")

        block = core.numbering.assign_block(account.id)
        print(f"{account.id} holds {block.first}-{block.last}")
        extension = str(block.first + 1)
        core.numbering.register_extension(account.id, extension)
        allowed = core.numbering.is_allowed_extension(account.id, extension)
        print(f"extension {extension} allowed: {allowed}")
        print(f"extension 1 allowed: {core.numbering.is_allowed_extension(account.id, '1')}")

        entry = core.numbering.block_number(account.id, "(415) 555-0123", note="robocalls")
        core.numbering.block_prefix(account.id, "1900")
        for number in ("+1 415 555 0123", "19005550100", "4155550124"):
            print(f"{number}: blocked={core.numbering.is_blocked(account.id, number)}")
        print(f"stored as {entry.pattern}")

        did = core.numbering.add_did(
            account.id, f"+1415555{block.first // 1000 % 10000:04d}", DidClass.LOCAL, active=True
        )
        print(
            f"DID {format_number(did.number, NumberFormat.INTERNATIONAL)} ({did.did_class.value})"
        )
        print(f"+16135550123 from the US is {classify('+16135550123', 'US').value}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///numbering.db")
