"""The calls' errors.

::

    ValidationError (ValueError)
    ├── InvalidCallRecord          a call record with a missing, malformed or inconsistent field
    └── InvalidImportOptions       an importer called with options it cannot use (an unknown
                                    template or time zone, a column map without a start)
"""

from __future__ import annotations

from telcocore.kernel.errors import ValidationError

__all__ = ["InvalidCallRecord", "InvalidImportOptions"]


class InvalidCallRecord(ValidationError):
    """A call record field is missing, malformed or inconsistent with another field.

    ``field`` names the field, ``value`` is what was given.
    """


class InvalidImportOptions(ValidationError):
    """An importer was given options it cannot use; nothing was read.

    ``field`` names the option (``tz``, ``template``, ``columns``, ...).
    """
