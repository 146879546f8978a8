"""The ``--cast T.C=text`` of PostgreSQL arrays that verify must know of: such a column holds
the server's array text (``{1,2}``), where an array not cast holds its JSON (``[1,2]``), and a
SQLite target declares both TEXT. verify has no ``--cast``: the run that loaded the table
recorded its casts in the target's checkpoint table (as ``status`` reads them to resume)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from arrowmig.checkpoint import (
    PUT_IN_PLACE,
    RUN_ROW,
    TABLE_ROW,
    CheckpointStore,
    Row,
    run_basis,
)
from arrowmig.endpoints.base import Endpoint
from arrowmig.model import Column

CastToText = frozenset[tuple[str, str]]
"""(source table, column) pairs the last run loading the table cast to text."""


def recorded_cast_types(target: Endpoint) -> dict[tuple[str, str], str]:
    """The type each column was cast to, by (source table, column), by the last run recorded
    in ``target`` that loaded its table: between SQLite files such a column was written as its
    cast reads it, not copied as the text it stores (``verify_sqlite.as_stored_text``), and a
    cast that reads values another way is repeated on the source (``verify_cast_values``)."""
    return {(table, column): to for table, column, to in _recorded(target)}


def _recorded(target: Endpoint) -> list[tuple[str, str, str]]:
    """(table, column, type) of each ``--cast`` of the last run that loaded each table."""
    try:
        rows = CheckpointStore(target).rows()
    except Exception:  # no record to read (a read-only view of the target, say): no casts known
        return []
    latest: dict[str, list[list[str]]] = {}
    runs = [r for r in rows if r.table_name == RUN_ROW]
    for row in sorted(runs, key=lambda r: r.updated_at or ""):
        basis = run_basis(row)
        casts = [c for c in basis.get("casts") or [] if isinstance(c, list) and len(c) == 3]
        for table in _loaded(row, basis, rows):
            latest[table] = [c for c in casts if c[0] == table]
    return [
        (str(table), str(column), str(to))
        for casts in latest.values()
        for table, column, to in casts
    ]


def _loaded(run: Row, basis: dict[str, Any], rows: list[Row]) -> list[str]:
    """The tables run ``run`` put in the target: all it names once it is complete (their
    rows are then forgotten), else those its row of the table says are in place. A run that
    failed before a table was (a --mode replace whose rows broke) left the table an earlier
    run loaded, with its casts; a superseded run keeps no table's row, a later run took over."""
    named = [str(t) for t in basis.get("tables") or []]
    if run.state == "complete":
        return named
    done = {
        r.table_name
        for r in rows
        if r.run_id == run.run_id and r.stream_name == TABLE_ROW and r.state in PUT_IN_PLACE
    }
    return [t for t in named if t in done]


def array_cast_to_text(column: Column, table: str, casts: CastToText) -> Column:
    """A PostgreSQL array column ``--cast`` to text, read as the server's own text of the
    array, as migrate read it (``endpoints.pg_values.read_expression``); any other as it is."""
    if not column.source_type.endswith("]") or (table, column.name) not in casts:
        return column
    return replace(column, target_type=None)
