"""Why a WAL-mode SQLite file cannot be opened where its folder cannot be written (a
read-only mount, a backup snapshot): SQLite must create the file's ``-shm`` index (and
``-wal``) beside it even to read it, and says only "unable to open database file"."""

from __future__ import annotations

import os
from pathlib import Path

from arrowmig.errors import ConnectError

_WAL_VERSIONS = b"\x02\x02"
"""Bytes 18-19 of the header (file format write and read versions): 2 in WAL mode."""


def wal_folder_error(target: str, path: Path, reason: str) -> ConnectError | None:
    """The error for SQLite's ``reason`` opening ``path`` (``target`` as the user named it),
    when the file is in WAL mode and its folder cannot be written; None otherwise. Read only
    once SQLite has refused the file (closing a descriptor drops this process's locks)."""
    if "unable to open database file" not in reason:
        return None
    try:
        with path.open("rb") as handle:
            header = handle.read(20)
    except OSError:
        return None
    folder = path.parent
    if header[18:20] != _WAL_VERSIONS or os.access(folder, os.W_OK):
        return None
    where = (
        "a read-only file system"
        if _read_only_mount(folder)
        else "a folder this user may not write"
    )
    return ConnectError(
        f"cannot read SQLite file {target!r}: it is in WAL mode, and SQLite must create its "
        f"-shm and -wal files beside it even to read it, which {where} does not allow",
        hint=f"copy it (with its -wal file, if there is one: cp {target}* DIR) to a folder you "
        "may write and read the copy; or have it saved in rollback-journal mode where it is "
        "written (PRAGMA journal_mode=DELETE)",
    )


def _read_only_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
