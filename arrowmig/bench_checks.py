"""What ``arrowmig bench`` refuses in its source before it measures anything: a source that
cannot be opened, a ``--tables`` name it lacks. Each is the error ``migrate`` gives for the same
mistake (exit 2, one line), not a round of failed runs or a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence


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
