"""What a PostgreSQL array read as JSON (``array_to_json``) cannot carry, counted for the plan,
the report and ``verify``, as no target of that JSON can hold it:

- the JSON null elements of a jsonb[] or json[]: an element that is the JSON value ``null``
  and one that is SQL NULL are both ``null``, as JSON has one null;
- the bounds of an array whose lower bound is not 1 (``'[0:1]={5,6}'``): a JSON array has
  none, so it arrives starting at 1 (``[5,6]``).

There is no exact form to carry them in; the counts, one aggregate query per table that has
such a column, say which columns and how many values changed so, with an example of the
second kind. A ``--cast`` to text reads the array's own text, which keeps both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arrowmig.argument_words import cast_option
from arrowmig.model import Column, Table
from arrowmig.plan import MigrationPlan
from arrowmig.schema import quote_ident

_JSON_ARRAYS = frozenset({"jsonb[]", "json[]"})
"""``format_type``'s names of the arrays whose JSON nulls are counted (one name for any number
of dimensions)."""

_NULL_MARK = " element carried as null"
_BOUNDS_MARK = " arrived starting at 1"
"""In each note of their kind, and in no other: a table copied undecoded keeps every array as
it is, and drops them (``without_json_array_notes``)."""

_EXAMPLE_CHARS = 60


@dataclass
class Losses:
    """Per column of a table, its values that hold a JSON null element, and its values whose
    lower bound is not 1 (with the first such value's text, cut to 60 characters)."""

    json_nulls: dict[str, int] = field(default_factory=dict)
    bounded: dict[str, tuple[int, str]] = field(default_factory=dict)


def _read_as_json(column: Column) -> bool:
    """Whether ``pg_values.read_expression`` reads the column with ``array_to_json`` (a
    ``--cast`` to text reads the array's text, which keeps both)."""
    return column.source_type.rstrip().endswith("]") and column.target_type == "jsonb"


def _json_nulls_sql(column: Column) -> str:
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


def _bounded_test(c: str) -> str:
    # array_dims writes '[1:2][1:3]' for a 2×3 array starting at 1 (an empty array has none);
    # matched only past a first dimension that starts at 1: the pattern alone took four
    # times as long (1.3 s a million arrays, against 0.3 s).
    return (
        f"(array_lower({c}, 1) <> 1 OR (array_ndims({c}) > 1 "
        f"AND array_dims({c}) !~ '^(\\[1:[0-9]+\\])+$'))"
    )


def losses(endpoint: Any, table: Table) -> Losses:
    """What ``table``'s arrays read as JSON from ``endpoint`` (a PostgreSQL one) cannot carry;
    nothing for any other endpoint or table."""
    if getattr(endpoint, "dialect", None) != "postgresql":
        return Losses()
    arrays = [c for c in table.columns if _read_as_json(c)]
    json_arrays = [c for c in arrays if c.source_type.strip().lower() in _JSON_ARRAYS]
    if not arrays:
        return Losses()
    sql = [_json_nulls_sql(c) for c in json_arrays]
    for column in arrays:
        c, test = quote_ident(column.name), _bounded_test(quote_ident(column.name))
        sql += [
            f"count(*) FILTER (WHERE {test})",
            f"left(min({c}::text) FILTER (WHERE {test}), {_EXAMPLE_CHARS})",
        ]
    (found,) = endpoint.select_from(table.name, ", ".join(sql))
    nulls, bounds = found[: len(json_arrays)], found[len(json_arrays) :]
    return Losses(
        json_nulls={c.name: int(n) for c, n in zip(json_arrays, nulls, strict=True)},
        bounded={
            c.name: (int(bounds[2 * i]), str(bounds[2 * i + 1]))
            for i, c in enumerate(arrays)
            if bounds[2 * i]
        },
    )


def with_json_array_notes(src: Any, plan: MigrationPlan) -> MigrationPlan:
    """``plan`` with a note on each array column of a PostgreSQL source read as JSON that holds
    a JSON null element, or an array whose lower bound is not 1, saying in how many values."""
    for table in plan.tables:
        found = losses(src, table.source)
        name = table.source.name
        table.notes += [_null_note(name, c, n) for c, n in found.json_nulls.items() if n]
        table.notes += [_bounds_note(name, c, *seen) for c, seen in found.bounded.items()]
    return plan


def _values(n: int) -> str:
    return "1 value" if n == 1 else f"{n:,} values"


def _null_note(table: str, column: str, n: int) -> str:
    return (
        f"{column}: {_values(n)} with a JSON null{_NULL_MARK}, as an SQL NULL element is: JSON "
        "has one null, so the target cannot tell them apart (verify reports them; "
        f"{cast_option(table, column, 'text')} keeps them apart, as PostgreSQL's array text)"
    )


def _bounds_note(table: str, column: str, n: int, example: str) -> str:
    return (
        f"{column}: {_values(n)} with a lower bound other than 1 (as {example!r}){_BOUNDS_MARK}, "
        "their elements kept: a JSON array has no bounds (verify reports them; "
        f"{cast_option(table, column, 'text')} keeps them, as PostgreSQL's array text)"
    )


def without_json_array_notes(notes: list[str]) -> list[str]:
    """A table's notes less these: copied undecoded, its arrays kept every element and bound."""
    return [n for n in notes if _NULL_MARK not in n and _BOUNDS_MARK not in n]


def lost_messages(shown: str, source: tuple[Losses, str], target: tuple[Losses, str]) -> list[str]:
    """``verify``'s words, naming the column ``shown``, for the values whose JSON null elements
    or lower bounds the target lost, as the counts of the column on each side show (each side
    its losses and its name for the column)."""
    (s_losses, s_name), (t_losses, t_name) = source, target
    said = []
    lost = s_losses.json_nulls.get(s_name, 0) - t_losses.json_nulls.get(t_name, 0)
    if lost > 0:
        said.append(
            f"{shown}: {_values(lost)} in the source with a JSON null element, held in the "
            "target as null, as an SQL NULL element is: JSON has one null"
        )
    lost = s_losses.bounded.get(s_name, (0, ""))[0] - t_losses.bounded.get(t_name, (0, ""))[0]
    if lost > 0:
        said.append(
            f"{shown}: {_values(lost)} in the source with a lower bound other than 1, held in "
            "the target starting at 1: a JSON array has no bounds"
        )
    return said
