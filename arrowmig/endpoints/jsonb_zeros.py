"""The doubles of ``-0.0`` inside LISTs, STRUCTs and MAPs written into PostgreSQL jsonb: its
numbers are numerics, which have no negative zero, so each is stored as ``0``, and the report says so.
"""

from __future__ import annotations

import threading

import pyarrow as pa

from arrowmig import nested_json
from arrowmig.model import Table
from arrowmig.schema import ddl_type

# Per (database, schema, table) and column, counted as batches commit: a run's several
# connections write one table, and the report is made once, of all of them. A column is
# named with whether it was appended into an existing jsonb column, which no --cast changes.
Found = dict[tuple[str, bool], int]
_counts: dict[tuple[str, str, str], Found] = {}
_guard = threading.Lock()


def count(batch: pa.RecordBatch, table: Table) -> Found:
    """Per nested column of ``batch`` that lands in a jsonb column, its values of ``-0.0``
    inside, where it holds any: read from the values before they become JSON text, or from
    that text where an append into an existing column converted them first."""
    found: Found = {}
    for column in table.columns:
        appended = column.nested_text  # already JSON text: an existing column's values
        if not (appended or nested_json.is_nested(column.arrow_type)):
            continue
        # The column's type in the target: the one created, or the existing one's.
        if not ddl_type(column, "postgresql").strip().lower().startswith("jsonb"):
            continue  # json and text keep '-0.0' as written; an array's double keeps its sign
        values = batch.column(column.name)
        zeros = (
            nested_json.negative_zeros_in_texts(values)
            if appended
            else nested_json.negative_zeros(values)
        )
        if zeros:
            found[column.name, appended] = zeros
    return found


def add(key: tuple[str, str, str], zeros: Found) -> None:
    """Count ``zeros`` (from ``count``) of a batch now committed."""
    if not zeros:
        return
    with _guard:
        counts = _counts.setdefault(key, {})
        for column, n in zeros.items():
            counts[column] = counts.get(column, 0) + n


def notes(key: tuple[str, str, str], shown: str) -> list[str]:
    """The report's notes of table ``key`` (told of ``shown``), its counts then forgotten."""
    with _guard:
        zeros = _counts.pop(key, {})
    return [
        f"{column}: {'1 value' if n == 1 else f'{n:,} values'} of -0.0 inside stored as 0: "
        "PostgreSQL's jsonb has no negative zero (verify reports them; "
        + (
            "a json column keeps them as written"
            if appended
            else f"--cast {shown}.{column}=json keeps them as written"
        )
        + ")"
        for (column, appended), n in zeros.items()
    ]
