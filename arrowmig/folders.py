"""Why a folder arrowmig writes into (``--log-file``'s, ``--reject-dir``) cannot be made, said
of the path: the OS's own words name the wrong thing when part of the path is a file."""

from __future__ import annotations

from pathlib import Path


def folder_problem(directory: Path, exc: OSError) -> str:
    """The reason ``exc`` (from making or writing in ``directory``) is, for people. makedirs
    says "File exists" when ``directory`` is a file, and "Not a directory" when a folder above
    it is: the path part that is a file is named instead."""
    for part in (directory, *directory.parents):
        if part.exists() and not part.is_dir():
            return f"{str(part)!r} is a file, not a folder"
    return exc.strerror or str(exc)
