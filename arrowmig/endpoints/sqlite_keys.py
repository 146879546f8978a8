"""The keys of a SQLite table that another database cannot build on its rows, told before
the run: SQLite takes NULL in a primary key that is not the rowid, and keeps values of two
storage classes apart (integer 1, text '1'), which become one value once made text.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from arrowmig.endpoints.sqlite_profile import Query
from arrowmig.endpoints.sqlite_types import read_expression
from arrowmig.model import Column, Table
from arrowmig.schema import index_label, primary_key_label, quote_ident


def keys_the_target_cannot_build(
    query: Query, table: Table, target: str, staged: bool
) -> list[str]:
    """What the plan says of each primary key and unique index of ``table`` (as profiled)
    that ``target``, a PostgreSQL or DuckDB database, will refuse to build on its rows.
    ``staged``: the table is put in place with its keys at the end, so it fails whole."""
    lost = (
        "the table then fails, none of its rows put in place"
        if staged
        else "its rows are copied without it, and the run ends with failures (exit code 1)"
    )
    notes = []
    keys: list[tuple[str, tuple[str, ...]]] = []
    if table.primary_key:
        keys.append((primary_key_label(table.primary_key), table.primary_key))
        nulls = _nulls_in(query, table, table.primary_key)
        if nulls:
            notes.append(
                f"{keys[0][0]} cannot be built in {target}: {nulls}, which SQLite allows in a "
                f"primary key that is not an INTEGER PRIMARY KEY rowid; {lost}; give those "
                "rows a key in the source to keep it"
            )
    keys += [(index_label(i, target), i.columns) for i in table.indexes if i.unique]
    for label, names in keys:
        columns = [table.column(n) for n in names]
        made_text = [c for c in columns if _made_one_class(c)]
        if made_text:
            merged = _merged_values(query, table.name, columns, made_text[0])
            if merged:
                notes.append(
                    f"{label} cannot be built in {target}: {merged}; {lost}; make "
                    "those keys distinct in the source to keep it"
                )
    return notes


def _made_one_class(column: Column) -> bool:
    """Values of several storage classes read as text (or bytes): 1 and '1' become one."""
    return len(column.observed) > 1 and (
        pa.types.is_string(column.arrow_type) or pa.types.is_binary(column.arrow_type)
    )


def _nulls_in(query: Query, table: Table, names: tuple[str, ...]) -> str:
    """How many rows hold NULL in each key column that has any, and the first few of them by
    rowid (a key that is not the rowid leaves the table one), as words. The profile's count
    where it has one; a column whose type the run presumes was not counted, and is asked."""
    if "WITHOUT ROWID" in table.sqlite_options:
        return ""  # SQLite refuses NULL in such a table's key
    found = []
    for name in names:
        where = f"FROM {quote_ident(table.name)} WHERE {quote_ident(name)} IS NULL"
        counts = table.column(name).class_counts
        counted = counts is not None and table.row_count is not None
        if counted and table.row_count == sum(counts or ()):
            continue  # the profile found none: no scan for the rows
        first = [r[0] for r in query(f"SELECT rowid {where} ORDER BY rowid LIMIT {_SHOWN + 1}")]
        if not first:
            continue
        if counted:
            nulls = (table.row_count or 0) - sum(counts or ())
        else:
            nulls = int(query(f"SELECT count(*) {where}")[0][0])
        rows = ", ".join(str(r) for r in first[:_SHOWN]) + (", …" if nulls > _SHOWN else "")
        held = "1 row holds" if nulls == 1 else f"{nulls:,} rows hold"
        found.append(f"{held} NULL in {name} (rowid {rows})")
    return ", ".join(found)


_SHOWN = 3
"""The rows a note names by rowid, at most."""


def _merged_values(query: Query, name: str, columns: list[Column], shown: Column) -> str:
    """How many key values the read makes equal, and one of them with the source values it
    came from, as words ('' when none): one scan, grouped by the values as read."""
    reads = [read_expression(c) for c in columns]
    c = quote_ident(shown.name)
    literal = f"typeof({c}) || ' ' || quote({c})"
    groups = (
        f"SELECT count(*) AS n, min({literal}) AS lo, max({literal}) AS hi, "
        f"{read_expression(shown)} AS becomes FROM {quote_ident(name)} "
        f"WHERE {' AND '.join(f'({r}) IS NOT NULL' for r in reads)} "
        f"GROUP BY {', '.join(reads)} HAVING count(*) > 1"
    )
    rows: list[tuple[Any, ...]] = query(
        f"WITH g AS ({groups}) SELECT (SELECT count(*) FROM g), (SELECT sum(n) FROM g), "
        "lo, hi, becomes FROM g ORDER BY n DESC LIMIT 1"
    )
    if not rows:
        return ""
    values, held_by, lo, hi, becomes = rows[0]
    classes = "/".join(shown.observed)
    return (
        f"{shown.name}'s {classes} values are all made {_kind(shown)}, and {values:,} "
        f"value{'' if values == 1 else 's'} of the key {'is' if values == 1 else 'are'} then "
        f"held by {held_by:,} rows (the {lo} and the {hi} both become {becomes!r}), which "
        "SQLite keeps apart by storage class"
    )


def _kind(column: Column) -> str:
    return "bytes" if pa.types.is_binary(column.arrow_type) else "text"
