"""Files the commands read and write: checked before any work, or one line saying why not."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from telcocore.cli.app import CommandFailed

__all__ = ["readable_file", "writable_file"]


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


def writable_file(file: str, option: str, *, keep: Iterable[tuple[Path | None, str]] = ()) -> Path:
    """The file ``option`` names for the command to write, checked before anything is done.

    It must not be a folder, its folder must exist and be writable, and it must not be one
    of the files in ``keep`` (each with what it is: the file being read, the storage's
    database file), which writing it would destroy. Else one line, exit status 1.
    """
    path = Path(file)
    if path.is_dir():
        msg = f"{option} {file}: is a folder, not a file"
        raise CommandFailed(msg)
    folder = path.parent
    if not folder.is_dir():
        msg = f"{option} {file}: the folder {folder} does not exist"
        raise CommandFailed(msg)
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        msg = f"{option} {file}: cannot be written (permission denied)"
        raise CommandFailed(msg)
    for kept, what in keep:
        if kept is not None and path.exists() and kept.exists() and path.samefile(kept):
            msg = f"{option} {file} is {what}"
            raise CommandFailed(msg)
    return path
