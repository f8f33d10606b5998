"""The reporting domain's errors.

::

    ValidationError (ValueError)
    └── InvalidSelection           rows, columns or a split that cannot be summarized,
                                   aggregated or exported as asked
"""

from __future__ import annotations

from telcocore.kernel.errors import ValidationError

__all__ = ["InvalidSelection"]


class InvalidSelection(ValidationError):
    """Rows, columns or a split that reporting cannot use as asked; nothing was read.

    A column that holds no numbers given to :func:`~telcocore.select_cells`, an unknown
    column or split, or rows that are not summary rows. ``field`` names the argument,
    ``value`` is what was given.
    """
