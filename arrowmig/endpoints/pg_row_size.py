"""A PostgreSQL row must fit in one 8 kB page, apart from the variable-length values the server
stores out of line (TOAST): a table of ~1,000 bigint or double columns cannot hold a row, and
its load failed after the table was created (``row is too big: size 12032, maximum size
8160``). Such a table is refused at planning where a row of the source certainly would be."""

from __future__ import annotations

import re
import shlex
from typing import Any

from arrowmig.errors import SchemaError
from arrowmig.model import Table
from arrowmig.names import written
from arrowmig.schema import ddl_type, quote_ident

MAX_ROW_BYTES = 8160
"""``MaxHeapTupleSize`` of an 8 kB page: the page less its header and one line pointer."""
_TUPLE_HEADER = 24
"""A row's header (23 bytes) aligned, before any null bitmap."""
_SMALLEST_VALUE = 1
"""The least a variable-length value takes in the row: a short header (the empty string), or a
value compressed or moved out of line takes more; so the estimate is never above the truth."""
_FIXED_WIDTHS = {
    "smallint": 2, "int2": 2, "integer": 4, "int": 4, "int4": 4, "serial": 4,
    "bigint": 8, "int8": 8, "bigserial": 8, "real": 4, "float4": 4,
    "double precision": 8, "float8": 8, "boolean": 1, "bool": 1, "date": 4, "oid": 4,
    "time": 8, "time without time zone": 8, "timestamp": 8, "timestamptz": 8,
    "timestamp without time zone": 8, "timestamp with time zone": 8,
    "time with time zone": 12, "timetz": 12, "interval": 16, "uuid": 16, "money": 8,
}  # fmt: skip
_MODIFIER = re.compile(r"\s*\([^)]*\)")

TOO_BIG_HINT = (
    "PostgreSQL holds a row in one 8 kB page, fixed-width columns (bigint, double, timestamp) "
    "in full: leave the table out with --exclude, move it into DuckDB, or --cast some of its "
    "columns to text (--cast TABLE.COLUMN=text), which the server can store apart from the row"
)
"""What to do about the server's own ``row is too big`` (a table that exists, a row of the
source the estimate did not see)."""


def fixed_width(type_sql: str) -> int | None:
    """The bytes a value of the PostgreSQL type ``type_sql`` takes in a row; None for a
    variable-length type (text, numeric, arrays, json) or one not known here."""
    if type_sql.rstrip().endswith("]"):
        return None
    return _FIXED_WIDTHS.get(_MODIFIER.sub("", type_sql).strip().lower())


def refuse_rows_too_big(src: Any, source_table: str, table: Table) -> None:
    """Raise SchemaError when a row of ``source_table`` (planned as ``table``, created in
    PostgreSQL) takes more than a page holds, counting each set value at its least: fixed
    widths in full, variable-length values at one byte, no alignment. One read of the
    table, only where its columns, all set, would not fit."""
    select_from = getattr(src, "select_from", None)
    if select_from is None or not table.columns:
        return
    widths = [fixed_width(ddl_type(c, "postgresql")) or _SMALLEST_VALUE for c in table.columns]
    if _TUPLE_HEADER + sum(widths) <= MAX_ROW_BYTES:
        return  # no row can pass the limit by this count
    terms = [
        f"(CASE WHEN {quote_ident(c.source_name or c.name)} IS NULL THEN 0 ELSE {w} END)"
        for c, w in zip(table.columns, widths, strict=True)
    ]
    rows = select_from(source_table, f"max({_balanced_sum(terms)})")
    largest = rows[0][0] if rows else None
    if largest is None or _TUPLE_HEADER + int(largest) <= MAX_ROW_BYTES:
        return  # an empty table, or rows whose NULLs leave them room
    size = _TUPLE_HEADER + int(largest)
    fixed = sum(1 for c in table.columns if fixed_width(ddl_type(c, "postgresql")))
    name = shlex.quote(written(table.name))
    raise SchemaError(
        f"table {table.name!r}: a row of it would take at least {size:,} bytes in PostgreSQL "
        f"({fixed:,} fixed-width columns), which holds at most {MAX_ROW_BYTES:,} in a row "
        "apart from the values it stores out of line; nothing has been written",
        hint=f"leave it out with --exclude {name}, move it into DuckDB, or --cast some of its "
        f"fixed-width columns to text (--cast {name}.COLUMN=text), which PostgreSQL can store "
        "apart from the row",
        table=table.name,
    )


def _balanced_sum(terms: list[str]) -> str:
    """``terms`` added as a balanced tree: a chain of 1,500 would pass SQLite's expression
    depth limit (1,000)."""
    if len(terms) == 1:
        return terms[0]
    half = len(terms) // 2
    return f"({_balanced_sum(terms[:half])} + {_balanced_sum(terms[half:])})"
