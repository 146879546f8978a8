"""Which key a SQLite target refused as repeated: SQLite names only the key's columns
(``UNIQUE constraint failed: t.id``), where PostgreSQL and DuckDB name the value too. The
value is found among the refused batch's rows (or the rows SQLite copied itself from an attached
SQLite file), as each other target's message gives it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from arrowmig.schema import quote_ident

_UNIQUE_FAILED = re.compile(r"UNIQUE constraint failed: ([^\n]+)")

_KEYS_PER_QUERY = 200
"""Keys looked up per query: well under SQLite's 32,766 bound parameters for keys of many
columns."""

Query = Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]


class RepeatedKey(Exception):
    """SQLite's refusal with the key's value, worded as PostgreSQL's (``Key (id)=(1)
    already exists``), so that ``duplicate_keys`` gives the same hint on every target."""


def with_key_value(exc: BaseException, table: str, batch: pa.RecordBatch, query: Query) -> None:
    """Raise ``exc`` again as a RepeatedKey naming the repeated key's value, when it is
    SQLite's refusal of a repeated key and the batch holds the key's columns; else return.
    ``table``: the table as a FROM clause names it."""
    found = _UNIQUE_FAILED.search(str(exc))
    if found is None:
        return
    columns = _key_columns(found.group(1))
    if not columns or any(c not in batch.schema.names for c in columns):
        return
    try:
        key = _repeated(table, columns, batch, query)
    except Exception:  # the lookup's own failure must not hide the refusal: SQLite's stands
        return
    if key is None:
        return
    shown = _shown(columns, key)
    raise RepeatedKey(f"UNIQUE constraint failed: {found.group(1).strip()}\nDETAIL: {shown}")


_STAGED_INSERT = re.compile(r"^INSERT INTO (.+?) \(.*\) SELECT .* FROM (\S+)$", re.DOTALL)
"""A staging table's rows put into the table they were loaded for (``loading``)."""


def staged_key_value(error: str, statements: list[str], query: Query) -> str | None:
    """The repeated key (``Key (id)=(1) already exists.``) a failed transaction of
    ``statements`` met moving staged rows into their table, found by SQLite; None when
    ``error`` is no refusal of a repeated key or the key is not found."""
    found = _UNIQUE_FAILED.search(error)
    staged = [m for sql in statements if (m := _STAGED_INSERT.match(sql)) is not None]
    if found is None or len(staged) != 1:
        return None
    target, stage = staged[0].groups()
    return _held_key(found.group(1), target, stage, query)


def with_selected_key_value(exc: BaseException, target: str, selected: str, query: Query) -> None:
    """Raise ``exc`` again as a RepeatedKey naming the repeated key's value, when it is
    SQLite's refusal of a repeated key met putting the rows of ``selected`` (a SELECT of the
    key's columns, among others, by their names) into ``target``; else return."""
    found = _UNIQUE_FAILED.search(str(exc))
    if found is None:
        return
    key = _held_key(found.group(1), target, f"({selected})", query)
    if key is not None:
        raise RepeatedKey(f"UNIQUE constraint failed: {found.group(1).strip()}\nDETAIL: {key}")


def _held_key(named: str, target: str, rows: str, query: Query) -> str | None:
    """A key (SQLite's ``t.a, t.b``) that ``rows`` (a table or a subquery) hold twice or
    ``target`` holds already, as PostgreSQL names it; None when none is found."""
    columns = _key_columns(named)
    # Each name qualified: SQLite reads an unqualified "x" that names no column as the string
    # 'x', and a key it did not name as columns (an expression index's "index 'ix'", the
    # column of a table whose name holds a dot) would be "found" as that text.
    mine = ", ".join(f"r.{quote_ident(c)}" for c in columns)
    held_there = ", ".join(f"t.{quote_ident(c)}" for c in columns)
    present = " AND ".join(f"r.{quote_ident(c)} IS NOT NULL" for c in columns)
    try:
        held = query(
            f"SELECT {mine} FROM {rows} AS r WHERE {present} GROUP BY {mine} "
            f"HAVING count(*) > 1 UNION ALL SELECT * FROM (SELECT {mine} FROM {rows} AS r "
            f"WHERE ({mine}) IN (SELECT {held_there} FROM {target} AS t) LIMIT 1) LIMIT 1",
            (),
        )
    except Exception:  # the lookup's own failure must not hide the refusal: SQLite's stands
        return None
    return _shown(columns, tuple(held[0])) if held else None


def _key_columns(named: str) -> list[str]:
    """The key's columns from SQLite's ``t.a, t.b``."""
    return [part.strip().split(".", 1)[-1] for part in named.split(",")]


def _shown(columns: list[str], key: tuple[Any, ...]) -> str:
    """A key as PostgreSQL's message names it: ``Key (a, b)=(1, x) already exists.``"""
    return f"Key ({', '.join(columns)})=({', '.join(map(str, key))}) already exists."


def _repeated(
    table: str, columns: list[str], batch: pa.RecordBatch, query: Query
) -> tuple[Any, ...] | None:
    """A key of the batch the batch holds twice, else one the table holds already."""
    keys = [
        k for k in zip(*(batch.column(c).to_pylist() for c in columns), strict=True)
        if None not in k  # NULLs are never equal: SQLite admits any number of them
    ]  # fmt: skip
    seen: set[tuple[Any, ...]] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    names = ", ".join(quote_ident(c) for c in columns)
    one = f"({', '.join('?' * len(columns))})"
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start : start + _KEYS_PER_QUERY]
        held = query(
            f"SELECT {names} FROM {table} WHERE ({names}) IN "
            f"(VALUES {', '.join([one] * len(chunk))}) LIMIT 1",
            tuple(v for key in chunk for v in key),
        )
        if held:
            return tuple(held[0])
    return None
