"""SQLite texts holding a NUL byte, bound for PostgreSQL, whose text cannot store one: the plan
names each column its profile found such texts in, as ``validate`` refuses each such value per
batch (the table fails, or with --on-error reject the rows are set aside)."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from arrowmig.model import Column, Table


def nul_note(table: str, column: Column) -> str:
    n = column.nul_texts
    texts = "1 text holds" if n == 1 else f"{n:,} texts hold"
    return (
        f"{texts} a NUL byte, which PostgreSQL text cannot store: the table fails at the first "
        f"(--on-error reject sets such rows aside); --cast {table}.{column.name}=bytea keeps "
        "them as bytes"
    )


def with_nul_notes(source: Table, source_dialect: str, target_dialect: str) -> Table:
    """The source with a note on each text column whose profile counted NUL bytes, for a
    PostgreSQL target (DuckDB and SQLite store them)."""
    if source_dialect != "sqlite" or target_dialect != "postgresql":
        return source
    columns = tuple(
        replace(c, notes=(*c.notes, nul_note(source.name, c))) if _nul_texts_kept(c) else c
        for c in source.columns
    )
    return replace(source, columns=columns)


def _nul_texts_kept(column: Column) -> bool:
    """Whether the column's NUL-holding texts go to PostgreSQL as text (not cast to bytea)."""
    if not column.nul_texts or not pa.types.is_string(column.arrow_type):
        return False
    return (column.target_type or "").strip().lower() != "bytea"
