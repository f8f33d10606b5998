"""Files the commands read: found, a file, readable, or one line saying which is not."""

from __future__ import annotations

import os
from pathlib import Path

from telcocore.cli.app import CommandFailed

__all__ = ["readable_file"]


def readable_file(file: str) -> Path:
    """The file to read: it must exist and be a file (else one line, exit status 1)."""
    path = Path(file)
    if not path.exists():
        msg = f"{file}: no such file"
        raise CommandFailed(msg)
    if path.is_dir():
        msg = f"{file}: is a folder, not a file"
        raise CommandFailed(msg)
    if not os.access(path, os.R_OK):
        msg = f"{file}: cannot be read (permission denied)"
        raise CommandFailed(msg)
    return path
