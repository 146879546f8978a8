"""Texts a ``--cast`` to PostgreSQL's ``numeric`` stores as another text's number ('00012' as
12, '+5' as 5): the user asked for the cast, so the values go in, and the report says how
many changed their spelling, with the first one (verify reports them as differences).
"""

from __future__ import annotations

import threading

import pyarrow as pa

from arrowmig.argument_words import cast_name
from arrowmig.model import Table
from arrowmig.number_spelling import misspelled
from arrowmig.schema import is_text_type
from arrowmig.sizes import counted

# Per (database, schema, table), column and its cast: how many, and the first, counted once
# committed.
Found = dict[tuple[str, str], tuple[int, str]]
_found: dict[tuple[str, str, str], Found] = {}
_lock = threading.Lock()


def count(batch: pa.RecordBatch, table: Table) -> Found:
    """Per text column of ``batch`` cast to an unbounded or bounded numeric, its texts that
    are not their number's own spelling, with the first such text and what it becomes."""
    found: Found = {}
    for column in table.columns:
        cast = (column.target_type or "").strip().lower()
        if not cast.startswith(("numeric", "decimal")):
            continue
        values = batch.column(column.name)
        if not is_text_type(values.type):
            continue
        rows = misspelled(values, None)
        if rows:
            row, stored = rows[0]
            example = f"{values[row].as_py()!r} as {stored}"
            found[column.name, column.target_type or ""] = (len(rows), example)
    return found


def add(key: tuple[str, str, str], found: Found) -> None:
    """Count ``found`` (from ``count``) of a batch now committed; the first example stays."""
    with _lock:
        counts = _found.setdefault(key, {}) if found else {}
        for column, (n, example) in found.items():
            before = counts.get(column, (0, example))
            counts[column] = (before[0] + n, before[1])


def notes(key: tuple[str, str, str], shown: str) -> list[str]:
    """The report's notes of table ``key`` (told of ``shown``), its counts then forgotten."""
    with _lock:
        found = _found.pop(key, {})
    return [
        f"{column}: {counted(n, 'text')} stored as another text's number "
        f"by --cast {cast_name(shown, column)}={cast} (first: {example}; verify reports them)"
        for (column, cast), (n, example) in found.items()
    ]
