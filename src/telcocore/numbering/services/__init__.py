"""Numbering use cases: range parameters, internal blocks, extensions, block lists, DIDs.

Every change writes one audit entry in the same unit of work as the change. The service is
made of four parts, each in its own module and using only its own repositories:
:class:`~.ranges.RangeBlocks` (the range and its blocks), :class:`~.extensions.Extensions`,
:class:`~.blocklist.BlockList` and :class:`~.dids.Dids`.

**Assigning a block** gives the lowest free block of the range, in time independent of how
many blocks are assigned: a released block goes on a free list whose lowest start is an
indexed minimum, and otherwise the next block never handed out is kept in a counter stored
with the parameters. A candidate that overlaps a block assigned under older parameters is
skipped by one indexed lookup, jumping past that block. Units that assign or release
blocks, or change the parameters, first lock the range row (SQLite: the write lock of
``BEGIN IMMEDIATE``; PostgreSQL: a row lock), so two processes never take the same block;
block starts are also unique in storage, and a unit that loses a race anyway is run again.

Only an **active** account may be assigned a block; a block can be released whatever the
account's status.
"""

from __future__ import annotations

from typing import Final

from telcocore.numbering.model.blocklist import BlockListEntry
from telcocore.numbering.model.blocks import Extension, NumberBlock, RangeParameters
from telcocore.numbering.model.dids import Did
from telcocore.numbering.services.blocklist import BlockList
from telcocore.numbering.services.dids import Dids
from telcocore.numbering.services.extensions import Extensions
from telcocore.numbering.services.ranges import RangeBlocks

__all__ = [
    "BLOCK_ENTITY",
    "BLOCK_LIST_ENTITY",
    "DID_ENTITY",
    "EXTENSION_ENTITY",
    "RANGE_ENTITY",
    "NumberingService",
]

RANGE_ENTITY: Final = RangeParameters.ENTITY
"""The entity type of the range parameters in the audit log (key ``system``)."""
BLOCK_ENTITY: Final = NumberBlock.ENTITY
"""The entity type of blocks in the audit log (key: the block's first number)."""
EXTENSION_ENTITY: Final = Extension.ENTITY
"""The entity type of extensions and SIP usernames in the audit log (key: the name)."""
BLOCK_LIST_ENTITY: Final = BlockListEntry.ENTITY
"""The entity type of block list entries in the audit log (key ``<account>:<pattern>``)."""
DID_ENTITY: Final = Did.ENTITY
"""The entity type of DIDs in the audit log (key: the E.164 number)."""


class NumberingService(RangeBlocks, Extensions, BlockList, Dids):
    """Number range parameters, internal blocks, extensions, the block list and DIDs.

    Built as ``NumberingService(context, audit)``; its methods come from the four parts.
    """
