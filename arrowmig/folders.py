"""Why a folder arrowmig writes into (``--log-file``'s, ``--reject-dir``, bench's ``--out``,
a SQLite or DuckDB target's) cannot be made or written, said of the path: the OS's own words
name the wrong thing when part of the path is a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from arrowmig.errors import ConnectError, UsageError
from arrowmig.names import DIALECT_NAMES


def folder_problem(directory: Path, exc: OSError) -> str:
    """The reason ``exc`` (from making or writing in ``directory``) is, for people. makedirs
    says "File exists" when ``directory`` is a file, and "Not a directory" when a folder above
    it is: the path part that is a file is named instead."""
    file = file_on_the_way(directory)
    if file is not None:
        return f"{str(file)!r} is a file, not a folder"
    return exc.strerror or str(exc)


def file_on_the_way(directory: Path) -> Path | None:
    """The part of ``directory`` (itself or a folder above it) that is a file, if any."""
    for part in (directory, *directory.parents):
        if part.exists() and not part.is_dir():
            return part
    return None


def read_only_file_system(path: Path) -> bool:
    """Whether ``path`` is on a file system mounted read-only (EROFS): no change of its
    permissions, nor being root, makes it writable."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False  # what cannot be looked at is said by the checks that follow


def check_writable(directory: Path, what: str, option: str) -> None:
    """Make ``directory`` and write a file in it, or raise UsageError: ``cannot write {what}
    to ...`` with the way on, ``option``. For folders written late in a run, refused before
    any work is done."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise _unwritable(directory, what, option, exc) from None


def check_could_write(directory: Path, what: str, option: str) -> None:
    """``check_writable`` for ``plan``, which makes no folder: a missing ``directory`` is
    judged by the folder it would be made in (its nearest existing one), where a file is made
    and gone at once, as the run's check does; the same UsageError, the same words."""
    existing = next((d for d in (directory, *directory.parents) if d.exists()), Path("."))
    try:
        if file_on_the_way(directory) is not None:
            raise NotADirectoryError  # said by folder_problem, as the run's makedirs would be
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise _unwritable(directory, what, option, exc) from None


def _unwritable(directory: Path, what: str, option: str, exc: OSError) -> UsageError:
    return UsageError(
        f"cannot write {what} to {str(directory)!r}: {folder_problem(directory, exc)}",
        hint=f"give {option} a folder you can write to",
    )


def refuse_unwritable_file(target: str, dialect: str) -> None:
    """Refuse a SQLite or DuckDB (``dialect``) target file ``target`` that cannot be created or
    written, before anything is: told alike by the run that opens it and by ``plan``, which
    opens nothing it would create. (``os.access`` answers for a read-only file system even to
    root, whom file modes do not stop.)"""
    path, kind = Path(target), DIALECT_NAMES[dialect]
    file = None if path.exists() else file_on_the_way(path.parent)
    if file is not None:  # the drivers said "failed to allocate memory", "Not a directory"
        raise ConnectError(
            f"cannot create {kind} file {target!r}: {str(file)!r} is a file, not a folder",
            hint="give the target a path in a folder",
        )
    if not path.exists() and not path.parent.exists():
        raise ConnectError(
            f"cannot create {kind} file {target!r}: folder {str(path.parent)!r} is missing",
            hint="create the folder first",
        )
    written = path if path.exists() else path.parent
    if read_only_file_system(written):
        raise ConnectError(
            f"cannot write {kind} file {target!r}: {str(written)!r} is on a read-only file system",
            hint="write to a file system mounted read-write (or remount this one so)",
        )
    if not os.access(written, os.W_OK):
        raise ConnectError(
            f"cannot write {kind} file {target!r}: "
            + ("the file is read-only" if path.exists() else "its folder is not writable"),
            hint="write to a folder you may write to, or change its permissions",
        )
    if not path.exists():
        # What os.access does not know: a folder that takes no new files whatever the modes
        # (/proc, /sys), or that root may not write either. A file made and gone at once.
        try:
            with tempfile.TemporaryFile(dir=path.parent):
                pass
        except OSError as exc:
            raise ConnectError(
                f"cannot create {kind} file {target!r}: folder {str(path.parent)!r} takes no "
                f"new file ({exc.strerror or exc})",
                hint="write to a folder you may write to",
            ) from None
