"""Importers: call records from the files switches write, streamed row by row.

- :func:`~telcocore.calls.importers.asterisk.read_asterisk` — Asterisk's ``Master.csv``
  (``cdr_csv``), 16 to 21 columns;
- :func:`~telcocore.calls.importers.freeswitch.read_freeswitch` — FreeSWITCH's
  ``mod_cdr_csv`` files, by template;
- :func:`~telcocore.calls.importers.generic.read_csv` — any CSV with a header, through a
  map of fields to columns.

Each yields, per row, a :class:`~telcocore.calls.model.records.CallRecord` or a
:class:`RejectedRow` (its line, the reason, its text); a bad row never stops the import.
Memory does not grow with the file: one row is held at a time. See the
:doc:`importing guide </importing>`.
"""

from __future__ import annotations

from telcocore.calls.importers._rows import (
    PROGRESS_EVERY,
    AccountRule,
    ImportProgress,
    ImportResult,
    NoAccount,
    RejectedRow,
    RowFields,
    Source,
)
from telcocore.calls.importers.asterisk import ASTERISK_COLUMNS, read_asterisk
from telcocore.calls.importers.freeswitch import FREESWITCH_TEMPLATES, read_freeswitch
from telcocore.calls.importers.generic import CSV_FIELDS, DEFAULT_TIME_FORMAT, read_csv

__all__ = [
    "ASTERISK_COLUMNS",
    "CSV_FIELDS",
    "DEFAULT_TIME_FORMAT",
    "FREESWITCH_TEMPLATES",
    "PROGRESS_EVERY",
    "AccountRule",
    "ImportProgress",
    "ImportResult",
    "NoAccount",
    "RejectedRow",
    "RowFields",
    "Source",
    "read_asterisk",
    "read_csv",
    "read_freeswitch",
]
