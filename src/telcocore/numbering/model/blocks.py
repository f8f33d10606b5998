"""Internal number blocks: the range parameters, the blocks cut from them, extensions.

The range parameters are system-wide: the first number (``start``), the numbers per block
(``block_size``) and, optionally, the last number of the range (``end``, inclusive). Block
``i`` of the range covers ``start + i * block_size`` to ``start + (i + 1) * block_size - 1``;
with start 1000 and size 1000, block 0 is 1000-1999 and block 1 is 2000-2999.

Changing the parameters never moves a block already assigned: assigned blocks keep the
numbers they were given, and the blocks of the new parameters that would overlap them are
skipped.

These are the pure rules; :mod:`telcocore.numbering.services` stores and assigns blocks.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import ClassVar, Final

import attrs

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import shown

__all__ = [
    "MAX_NUMBER",
    "Extension",
    "NumberBlock",
    "RangeParameters",
    "RangeState",
    "extension_number",
    "validate_extension",
]

MAX_NUMBER: Final = 2**63 - 1
"""The highest number a block may hold: what every storage keeps as a 64-bit integer."""

_EXTENSION: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")


def extension_number(name: str) -> int | None:
    """The number an extension name stands for inside number blocks, if it stands for one.

    Only ASCII digits without a leading zero, up to :data:`MAX_NUMBER`, are numbers:
    ``"1003"`` is 1003, but ``"01003"`` is a name like ``"alice"``, since a phone dials
    the two differently.
    """
    if not (name.isascii() and name.isdigit()) or (name.startswith("0") and name != "0"):
        return None
    number = int(name)
    return number if number <= MAX_NUMBER else None


def _require_whole(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        msg = f"{name} {shown(value)} must be a whole number >= {minimum}"
        raise ValidationError(msg, field=name, value=value)


def _check_start(_instance: object, _attribute: object, value: int) -> None:
    _require_whole("start", value, 0)


def _check_block_size(instance: RangeParameters, _attribute: object, value: int) -> None:
    _require_whole("block_size", value, 1)
    if instance.start + value - 1 > MAX_NUMBER:
        msg = f"a block of {value} numbers from {instance.start} goes past {MAX_NUMBER}"
        raise ValidationError(msg, field="block_size", value=value)


def _check_end(instance: RangeParameters, _attribute: object, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"end {shown(value)} must be a whole number, or None for no end"
        raise ValidationError(msg, field="end", value=value)
    if value > MAX_NUMBER:
        msg = f"end {value} is above the highest number a block may hold, {MAX_NUMBER}"
        raise ValidationError(msg, field="end", value=value)
    if value < instance.start + instance.block_size - 1:
        msg = (
            f"end {value} leaves no room for one block of {instance.block_size} "
            f"numbers from {instance.start}"
        )
        raise ValidationError(msg, field="end", value=value)


def _utc(value: object) -> datetime:
    return require_utc(value, field="at")


@attrs.frozen
class RangeParameters:
    """The system-wide number range: ``start``, ``block_size`` and the optional ``end``.

    ``end`` is the last number of the range (inclusive); a block must fit before it.
    """

    ENTITY: ClassVar[str] = "number_range"
    """Its name in the audit log and in storage errors (its key: ``system``: there is one range)."""

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: ``system``: there is one range."""
        return "system"

    start: int = attrs.field(validator=_check_start)
    block_size: int = attrs.field(validator=_check_block_size)
    end: int | None = attrs.field(default=None, validator=_check_end)

    def first_of(self, index: int) -> int:
        """The first number of block ``index``."""
        return self.start + index * self.block_size

    def last_of(self, index: int) -> int:
        """The last number of block ``index``."""
        return self.first_of(index) + self.block_size - 1

    @property
    def last_number(self) -> int:
        """The last number a block may hold: ``end``, or :data:`MAX_NUMBER` without one."""
        return MAX_NUMBER if self.end is None else self.end

    def fits(self, index: int) -> bool:
        """Whether block ``index`` lies inside the range."""
        return self.last_of(index) <= self.last_number

    def fits_block(self, first: int) -> bool:
        """Whether a block starting at ``first`` lies inside the range."""
        return first + self.block_size - 1 <= self.last_number

    def index_after(self, number: int) -> int:
        """The lowest block index whose first number is above ``number``."""
        return max(0, (number - self.start) // self.block_size + 1)

    def indexes_overlapping(self, first: int, last: int) -> range:
        """The block indexes (from 0) of blocks sharing a number with ``first``-``last``."""
        low = max(0, (first - self.start) // self.block_size)
        high = (last - self.start) // self.block_size
        return range(low, max(low, high + 1))


@attrs.frozen
class RangeState:
    """The stored parameters (``None`` until set) and where assignment stands.

    ``next_index`` is the lowest block index never handed out under the current parameters;
    ``generation`` counts parameter changes.
    """

    parameters: RangeParameters | None
    next_index: int = 0
    generation: int = 0


@attrs.frozen
class NumberBlock:
    """Numbers ``first`` to ``last`` (inclusive), assigned to an account."""

    ENTITY: ClassVar[str] = "number_block"
    """Its name in the audit log and in storage errors (its key: the block's first number)."""

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the block's first number."""
        return str(self.first)

    first: int
    last: int
    account_id: str
    assigned_at: datetime = attrs.field(converter=_utc)
    generation: int = 0
    """The range parameters' generation the block was cut from."""

    @property
    def size(self) -> int:
        """How many numbers the block holds."""
        return self.last - self.first + 1

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and self.first <= number <= self.last

    def overlaps(self, first: int, last: int) -> bool:
        """Whether the block shares a number with ``first``-``last``."""
        return self.first <= last and first <= self.last


def validate_extension(value: object) -> str:
    """An extension or SIP username: 1-64 letters, digits, ``_ . + -``."""
    if not isinstance(value, str) or not _EXTENSION.fullmatch(value):
        msg = (
            f"extension {shown(value)} must be 1-64 letters, digits or '_.+-', "
            "starting with a letter or digit"
        )
        raise ValidationError(msg, field="extension", value=value)
    return value


@attrs.frozen
class Extension:
    """An extension or SIP authentication username of an account, unique system-wide."""

    ENTITY: ClassVar[str] = "extension"
    """Its name in the audit log and in storage errors (its key: the name)."""

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: the name."""
        return self.name

    name: str = attrs.field(converter=validate_extension)
    account_id: str
    created_at: datetime = attrs.field(converter=_utc)

    @property
    def number(self) -> int | None:
        """The number the extension stands for inside blocks (see :func:`extension_number`)."""
        return extension_number(self.name)
