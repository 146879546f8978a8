"""Which PostgreSQL and DuckDB columns ``verify`` reads as text the server writes: a timestamp
past 294247 AD and an interval past 2,562,047 hours have no Arrow form, and ``migrate --cast
T.C=text`` carries them as that text (``endpoints.pg_cast_text``), which verify reads alike.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pyarrow as pa

from arrowmig.model import Column, Table
from arrowmig.normalise import TEXT, kind_of
from arrowmig.schema import is_pg_interval, is_pg_timestamp

_DECLARED_TEXT = re.compile(r"(text|varchar|character varying|string)\b", re.IGNORECASE)


def server_text(column: Column, dialect: str) -> bool:
    """Whether the server can write the column's values as text where Arrow lacks their
    range: a PostgreSQL timestamp or interval, or a DuckDB interval, not already read as
    text."""
    declared = column.source_type
    if pa.types.is_string(column.arrow_type):
        return False
    if dialect == "duckdb":
        return declared == "INTERVAL"  # endpoints.duckdb_intervals
    return dialect == "postgresql" and (is_pg_timestamp(declared) or is_pg_interval(declared))


def read_as_text(
    source: Column, target: Column, dialects: tuple[str, str], beyond_arrow: bool
) -> tuple[bool, bool]:
    """Which of a pair of columns (source, target) is read as the server's text: a source's
    whose target column is declared text (a ``--cast T.C=text`` holds that very text), and,
    once a value past Arrow's range was met (``beyond_arrow``), every one the server can."""
    into_text = kind_of(target) == TEXT and bool(_DECLARED_TEXT.match(target.source_type.strip()))
    # A DuckDB interval cast to text reads as Arrow's does, but for those past Arrow's range:
    # those are met (``beyond_arrow``) before it is read so.
    into_text = into_text and dialects[0] == "postgresql"
    return (
        server_text(source, dialects[0]) and (beyond_arrow or into_text),
        server_text(target, dialects[1]) and beyond_arrow,
    )


def counted(table: Table, dialect: str) -> Table:
    """The table's first column alone, as rows are counted: as text where the server can
    write it, so a value past Arrow's range is counted as any other."""
    first = table.columns[0]
    if server_text(first, dialect):
        first = replace(first, arrow_type=pa.string())
    return replace(table, columns=(first,))
