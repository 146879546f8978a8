"""Nanosecond timestamps and times bound for PostgreSQL, whose are microseconds: the plan
names each such column, as ``validate`` refuses every value with digits below a microsecond
per row (the run would fail the table on the first, or set the rows aside), and every list
holding such an element that goes into a PostgreSQL array of timestamps or times."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.argument_words import cast_option
from arrowmig.array_elements import leaf_type, leaves_and_rows, pg_element_words
from arrowmig.infinity import is_finite, value_at
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


def with_existing_column_notes(source: Table, existing: Table) -> Table:
    """The source with each nanosecond column's note (``with_nanosecond_notes``) said for the
    existing PostgreSQL column it is appended to: a --cast to text alone would have the server
    read the text into that column of microseconds again."""
    there = {c.name for c in existing.columns}
    columns = tuple(
        replace(c, notes=tuple(_existing(n, source.name, c, kind) for n in c.notes))
        if (kind := _kind(c)) and c.name in there
        else c
        for c in source.columns
    )
    return replace(source, columns=columns)


def _existing(note: str, table: str, column: Column, kind: str) -> str:
    if note != _note(table, column, kind):
        return note
    return (
        f"can hold nanoseconds, which the target column's microsecond {kind} cannot hold: "
        "each row holding a value with digits below a microsecond is refused, named; a text "
        f"target column loaded with {cast_option(table, column.name, 'text')} keeps every "
        "digit, --on-error reject sets such rows aside"
    )


def with_array_nanosecond_notes(source: Table, existing: Table, target_dialect: str) -> Table:
    """The source with a note on each list of nanosecond timestamps or times (DuckDB's
    TIMESTAMP_NS[]) bound for an existing PostgreSQL array of them, as each scalar such
    column has (``with_nanosecond_notes``): a created column is jsonb, which keeps every digit."""
    if target_dialect != "postgresql":
        return source
    kinds = {c.name: kind for c in existing.columns if (kind := array_element_kind(c))}
    columns = tuple(
        replace(c, notes=(*c.notes, _element_note(kinds[c.name])))
        if c.name in kinds and _holds_nanoseconds(travelling_type(c))
        else c
        for c in source.columns
    )
    return replace(source, columns=columns)


def elements_may_round(column: Column, there: Column) -> bool:
    """Whether ``column``'s lists of nanosecond timestamps or times go into the existing
    PostgreSQL array column ``there`` of timestamps or times, which would round them: what
    ``validate`` screens each batch for (and --mode truncate, before it empties the table)."""
    return _holds_nanoseconds(travelling_type(column)) and array_element_kind(there) is not None


def _holds_nanoseconds(written: pa.DataType) -> bool:
    """Whether a list (of lists) type's innermost values are nanosecond timestamps or times."""
    written = leaf_type(written)
    temporal = pa.types.is_timestamp(written) or pa.types.is_time(written)
    return bool(temporal and written.unit == "ns")


def _element_note(kind: str) -> str:
    return (
        f"its lists can hold nanoseconds, which the target column's microsecond {kind} cannot "
        "hold: each row holding an element with digits below a microsecond is refused, named; "
        "a jsonb or text[] target column keeps every digit, --on-error reject sets such rows "
        "aside"
    )


def array_element_kind(column: Column) -> str | None:
    """'timestamps' or 'times' for an existing PostgreSQL column that is an array of them
    (``timestamp[]``, ``time(3) with time zone[][]``, a domain over one), else None: the
    server reads each element of the list written into it as that type's text, and rounds
    digits below a microsecond without a word."""
    words = pg_element_words(column)
    if words is None:
        return None
    bare = words.removesuffix(" without time zone").removesuffix(" with time zone")
    if bare in ("timestamp", "timestamptz"):
        return "timestamps"
    if bare in ("time", "timetz"):
        return "times"
    return None


def finer_elements(array: pa.Array) -> dict[int, str]:
    """Per row of a list array (lists of lists too) holding a nanosecond timestamp or time
    that is not a whole microsecond, the text of the first such element, every digit (as
    Python's datetime cannot hold it); ±infinity is no instant, and arrives as PostgreSQL's
    infinity. A null or empty list, and null elements, hold none."""
    if not _holds_nanoseconds(array.type):
        return {}
    leaves, rows = leaves_and_rows(array)
    partial = pc.not_equal(pc.remainder(leaves.view(pa.int64()), 1000), 0)
    if pa.types.is_timestamp(leaves.type):
        partial = pc.and_(partial, is_finite(leaves))
    found: dict[int, str] = {}
    for at in pc.indices_nonzero(pc.fill_null(partial, False)).to_pylist():
        if int(rows[at]) not in found:
            found[int(rows[at])] = str(value_at(leaves, at))
    return found
