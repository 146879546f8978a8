"""Nanosecond timestamps and times bound for PostgreSQL, whose are microseconds: the plan
names each such column, as ``validate`` refuses every value with digits below a microsecond
per row (the run would fail the table on the first, or set the rows aside)."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from arrowmig.argument_words import cast_option
from arrowmig.model import Column, Table
from arrowmig.schema import travelling_type


def with_nanosecond_notes(source: Table, target_dialect: str) -> Table:
    """The source with a note on each nanosecond column a PostgreSQL target gets as a
    timestamp or time (not cast to text)."""
    if target_dialect != "postgresql":
        return source
    columns = tuple(
        replace(c, notes=(*c.notes, _note(source.name, c, kind))) if (kind := _kind(c)) else c
        for c in source.columns
    )
    return replace(source, columns=columns)


def with_sqlite_nanoseconds_as_text(
    source: Table, source_dialect: str, target_dialect: str
) -> Table:
    """A SQLite source bound for PostgreSQL with each column its profile read in nanoseconds
    (texts of seven to nine digits of a second, as .NET writes them) kept as the text it
    stores, every digit carried: PostgreSQL's microseconds would refuse each such row."""
    if source_dialect != "sqlite" or target_dialect != "postgresql":
        return source
    columns = tuple(
        replace(
            c,
            arrow_type=pa.string(),
            notes=(
                # In place of the note of the type the profile chose (``sqlite_types``, each
                # 'declared X but ...'): the column is not that type.
                *(n for n in c.notes if not n.startswith("declared ")),
                f"declared {c.source_type} but holds digits below a microsecond, which "
                f"PostgreSQL's microsecond {kind} cannot hold: kept as text, every digit carried",
            ),
        )
        if (kind := _kind(c))
        else c
        for c in source.columns
    )
    return replace(source, columns=columns)


def _kind(column: Column) -> str | None:
    """'timestamps' or 'times' for a column written in nanoseconds, else None."""
    written = travelling_type(column)
    if pa.types.is_timestamp(written) and written.unit == "ns":
        return "timestamps"
    if pa.types.is_time(written) and written.unit == "ns":
        return "times"
    return None


def _note(table: str, column: Column, kind: str) -> str:
    return (
        f"can hold nanoseconds, which PostgreSQL's microsecond {kind} cannot hold: each row "
        f"holding a value with digits below a microsecond is refused, named; "
        f"{cast_option(table, column.name, 'text')} keeps every digit, --on-error reject sets "
        "such rows aside"
    )
