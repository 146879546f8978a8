"""The doubles of ``-0.0`` a PostgreSQL or DuckDB column stores as ``0``, and the report says so:
inside LISTs, STRUCTs and MAPs written into PostgreSQL jsonb, whose numbers are numerics, and
doubles written into an exact-number column (``numeric``, an integer, DuckDB's ``DECIMAL``:
appended into an existing one, or by a ``--cast``), none of which has a negative zero.
"""

from __future__ import annotations

import re
import threading

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig import nested_json
from arrowmig.argument_words import cast_name, cast_option
from arrowmig.model import Column, Table
from arrowmig.schema import ddl_type

# Per (database, schema, table) and column, counted as batches commit: a run's several
# connections write one table, and the report is made once, of all of them. A column is
# named with what lost the sign (jsonb or the exact-number type of its --cast), and whether
# the column was there before, which no --cast changes.
Found = dict[tuple[str, str, bool], int]
_counts: dict[tuple[str, str, str], Found] = {}
_guard = threading.Lock()

_JSONB = "jsonb"

_EXACT_NUMBER = re.compile(
    r"^\s*(numeric|decimal|money|(small|big)?serial|(u?(tiny|small|big|huge)?int(eger)?)"
    r"|int[248]|u?hugeint|varint|bignum)\b",
    re.IGNORECASE,
)
"""The column types that hold a number without a sign for its zero."""

_KEEPS_SIGN = {"postgresql": "double precision", "duckdb": "DOUBLE"}


def exact_number(type_name: str) -> bool:
    """Whether a column of ``type_name`` (PostgreSQL's or DuckDB's words) has no -0.0."""
    return bool(_EXACT_NUMBER.match(type_name))


def declared(column: Column) -> str:
    """An existing column's own type, in its database's words ('' when unknown)."""
    return column.duckdb_type or column.pg_type or column.target_type or column.source_type


def holds_no_negative_zero(column: Column) -> bool:
    """Whether an existing column is of an exact-number type (an unbounded numeric, which
    travels as text, too)."""
    arrow_type = column.arrow_type
    exact = pa.types.is_decimal(arrow_type) or pa.types.is_integer(arrow_type)
    return exact or exact_number(declared(column))


def negative_zero_mask(array: pa.Array) -> pa.Array:
    """Whether each value of a float array is ``-0.0``."""
    # 1/x tells the sign of a zero: -inf for -0.0.
    return pc.and_(pc.equal(array, 0.0), pc.less(pc.divide(pa.scalar(1.0), array), 0.0))


def negative_zeros(array: pa.Array) -> int:
    """The values of ``-0.0`` in a float array."""
    if not pc.any(pc.equal(array, 0.0)).as_py():
        return 0
    return int(pc.sum(negative_zero_mask(array)).as_py() or 0)


def count(batch: pa.RecordBatch, table: Table, dialect: str = "postgresql") -> Found:
    """Per column of ``batch`` whose ``-0.0`` the target column stores as ``0``, how many it
    holds, where it holds any: a nested column that lands in a PostgreSQL jsonb column (read
    from the values before they become JSON text, or from that text where an append into an
    existing column converted them first), and a float column that lands in an exact-number
    column."""
    found: Found = {}
    for column in table.columns:
        target_type = ddl_type(column, dialect).strip()
        if pa.types.is_floating(column.arrow_type) and exact_number(target_type):
            zeros = negative_zeros(batch.column(column.name))
            if zeros:  # an existing column's refuses them (validate): this is a --cast's
                found[column.name, column.target_type or target_type, False] = zeros
            continue
        appended = column.nested_text  # already JSON text: an existing column's values
        if dialect != "postgresql" or not (appended or nested_json.is_nested(column.arrow_type)):
            continue
        if not target_type.lower().startswith("jsonb"):
            continue  # json and text keep '-0.0' as written; an array's double keeps its sign
        values = batch.column(column.name)
        zeros = (
            nested_json.negative_zeros_in_texts(values)
            if appended
            else nested_json.negative_zeros(values)
        )
        if zeros:
            found[column.name, _JSONB, appended] = zeros
    return found


def add(key: tuple[str, str, str], zeros: Found) -> None:
    """Count ``zeros`` (from ``count``) of a batch now committed."""
    if not zeros:
        return
    with _guard:
        counts = _counts.setdefault(key, {})
        for column, n in zeros.items():
            counts[column] = counts.get(column, 0) + n


def notes(key: tuple[str, str, str], shown: str, dialect: str = "postgresql") -> list[str]:
    """The report's notes of table ``key`` (told of ``shown``), its counts then forgotten."""
    with _guard:
        zeros = _counts.pop(key, {})
    return [
        _note(shown, column, what, existing, n, dialect)
        for (column, what, existing), n in zeros.items()
    ]


def _note(shown: str, column: str, what: str, existing: bool, n: int, dialect: str) -> str:
    values = "1 value" if n == 1 else f"{n:,} values"
    if what == _JSONB:
        return (
            f"{column}: {values} of -0.0 inside stored as 0: PostgreSQL's jsonb has no "
            "negative zero (verify reports them; "
            + (
                "a json column keeps them as written"
                if existing
                else f"{cast_option(shown, column, 'json')} keeps them as written"
            )
            + ")"
        )
    database = "PostgreSQL" if dialect == "postgresql" else "DuckDB"
    return (
        f"{column}: {values} of -0.0 stored as 0 by --cast {cast_name(shown, column)}={what}: "
        f"{database}'s {what} has no negative zero (verify reports them; without the --cast "
        f"the column is {_KEEPS_SIGN[dialect]}, which keeps them)"
    )
