"""What ``arrowmig bench`` refuses before it measures anything: a source that cannot be opened,
a ``--tables`` name the source lacks, a folder it cannot write to. Each is the error ``migrate``
gives for the same mistake (exit 2, one line), not a round of failed runs or a traceback at the end.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from arrowmig.errors import UsageError


def writable_folder(folder: Path, option: str) -> None:
    """Make ``folder`` and write a file in it, or raise UsageError naming ``option``: the
    report is written last, so a folder that cannot take it would waste the whole bench."""
    from arrowmig.folders import folder_problem

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError(
            f"cannot write to {str(folder)!r}: {folder_problem(folder, exc)}",
            hint=f"give {option} a folder you can write to",
        ) from None


def check_source(source: str, tables: Sequence[str] | None) -> None:
    """Open ``source`` as ``migrate`` does (ConnectError for a missing file or an unreachable
    server) and refuse a table in ``tables`` that it does not hold (SchemaError listing those
    it does)."""
    from arrowmig.config import MigrationConfig
    from arrowmig.endpoints import open_endpoint
    from arrowmig.plan import select_tables

    with open_endpoint(source, read_only=True) as src:
        if tables:
            select_tables(src, MigrationConfig(tables=tuple(tables)))
