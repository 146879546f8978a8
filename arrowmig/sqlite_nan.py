"""Float columns bound for SQLite, which has no NaN (it stores NULL in its place): the plan
names each column that can hold one, as ``validate`` refuses every such value per row."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from arrowmig.argument_words import cast_option
from arrowmig.model import Column, Table
from arrowmig.schema import travelling_type

_CANNOT_STORE = "can hold NaN, which SQLite cannot store (it would become NULL)"


def nan_note(table: str, column: str) -> str:
    return (
        f"{_CANNOT_STORE}: each row holding one is refused, named; "
        f"{cast_option(table, column, 'text')} "
        "keeps it as the text 'nan', --on-error reject sets such rows aside"
    )


def with_nan_notes(source: Table, source_dialect: str, target_dialect: str) -> Table:
    """The source with a note on each float column a SQLite target gets from PostgreSQL or
    DuckDB (a SQLite source holds no NaN: it stored NULL already)."""
    if target_dialect != "sqlite" or source_dialect == "sqlite":
        return source
    columns = tuple(
        replace(c, notes=(*c.notes, nan_note(source.name, c.name))) if _written_as_float(c) else c
        for c in source.columns
    )
    return replace(source, columns=columns)


def _written_as_float(column: Column) -> bool:
    """Whether the column's values go to SQLite as floats (not cast to text)."""
    written = travelling_type(column)
    return bool(pa.types.is_floating(written))
