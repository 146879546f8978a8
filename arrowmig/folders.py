"""Why a folder arrowmig writes into (``--log-file``'s, ``--reject-dir``, bench's ``--out``)
cannot be made, said of the path: the OS's own words name the wrong thing when part of the
path is a file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from arrowmig.errors import UsageError


def folder_problem(directory: Path, exc: OSError) -> str:
    """The reason ``exc`` (from making or writing in ``directory``) is, for people. makedirs
    says "File exists" when ``directory`` is a file, and "Not a directory" when a folder above
    it is: the path part that is a file is named instead."""
    for part in (directory, *directory.parents):
        if part.exists() and not part.is_dir():
            return f"{str(part)!r} is a file, not a folder"
    return exc.strerror or str(exc)


def check_writable(directory: Path, what: str, option: str) -> None:
    """Make ``directory`` and write a file in it, or raise UsageError: ``cannot write {what}
    to ...`` with the way on, ``option``. For folders written late in a run, refused before
    any work is done."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise UsageError(
            f"cannot write {what} to {str(directory)!r}: {folder_problem(directory, exc)}",
            hint=f"give {option} a folder you can write to",
        ) from None
