"""The JSON null elements of a PostgreSQL jsonb[] or json[] column, counted for the report and
for ``verify``: read as JSON (``array_to_json``), an element that is the JSON value ``null``
and one that is SQL NULL are both ``null``, and no target of that JSON can tell them apart.

JSON has one null, so there is no exact form to carry them in; the count, one aggregate query
per table that has such a column, says which columns and how many values changed so.
"""

from __future__ import annotations

from typing import Any

from arrowmig.argument_words import cast_option
from arrowmig.model import Column, Table
from arrowmig.plan import MigrationPlan
from arrowmig.schema import quote_ident

_JSON_ARRAYS = frozenset({"jsonb[]", "json[]"})
"""``format_type``'s names of the arrays counted (one name for any number of dimensions)."""

_NOTE_MARK = " element carried as null"
"""In each note, and in no other: a table copied undecoded drops them
(``without_json_null_notes``)."""


def counted_columns(table: Table) -> list[Column]:
    """The columns of a PostgreSQL table read as JSON whose elements can be the JSON null
    (``pg_values.read_expression``: a ``--cast`` to text reads the array's text, which keeps
    ``"null"`` and ``NULL`` apart)."""
    return [
        c
        for c in table.columns
        if c.source_type.strip().lower() in _JSON_ARRAYS and c.target_type == "jsonb"
    ]


def _counted(column: Column) -> str:
    """PostgreSQL SQL counting the column's values that hold a JSON null element."""
    c = quote_ident(column.name)
    if column.source_type.strip().lower() == "jsonb[]":
        return f"count(*) FILTER (WHERE 'null'::jsonb = ANY({c}))"
    # json has no equality: a value whose text holds no 'null' (an SQL NULL element is
    # written NULL) has none, and only the others' elements are looked at one by one.
    return (
        f"count(*) FILTER (WHERE {c}::text LIKE '%null%' "
        f"AND EXISTS (SELECT FROM unnest({c}) e WHERE json_typeof(e) = 'null'))"
    )


def counts(endpoint: Any, table: Table) -> dict[str, int]:
    """Per counted column of ``table`` (read from ``endpoint``, a PostgreSQL one), its values
    that hold a JSON null element; empty for any other endpoint or table."""
    if getattr(endpoint, "dialect", None) != "postgresql":
        return {}
    columns = counted_columns(table)
    if not columns:
        return {}
    (found,) = endpoint.select_from(table.name, ", ".join(map(_counted, columns)))
    return {c.name: int(n) for c, n in zip(columns, found, strict=True)}


def with_json_null_notes(src: Any, plan: MigrationPlan) -> MigrationPlan:
    """``plan`` with a note on each jsonb[] or json[] column of a PostgreSQL source that holds
    a JSON null element, saying in how many values."""
    for table in plan.tables:
        found = counts(src, table.source)
        table.notes += [_note(table.source.name, c, n) for c, n in found.items() if n]
    return plan


def _note(table: str, column: str, n: int) -> str:
    values = "1 value" if n == 1 else f"{n:,} values"
    return (
        f"{column}: {values} with a JSON null{_NOTE_MARK}, as an SQL NULL element is: JSON "
        "has one null, so the target cannot tell them apart (verify reports them; "
        f"{cast_option(table, column, 'text')} keeps them apart, as PostgreSQL's array text)"
    )


def without_json_null_notes(notes: list[str]) -> list[str]:
    """A table's notes less these: copied undecoded, its arrays kept every element."""
    return [n for n in notes if _NOTE_MARK not in n]


def lost_message(column: str, lost: int) -> str:
    """``verify``'s words for ``lost`` values of ``column`` whose JSON null elements the target
    holds as null (or NULL), as it holds an SQL NULL element."""
    values = "1 value" if lost == 1 else f"{lost:,} values"
    return (
        f"{column}: {values} in the source with a JSON null element, held in the target as "
        "null, as an SQL NULL element is: JSON has one null"
    )
