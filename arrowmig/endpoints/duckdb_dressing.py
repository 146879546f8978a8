"""What a DuckDB table that ``--mode replace`` replaces has beyond the source's table, as
``pg_dressing.Dressing``: its NOT NULLs, defaults, indexes and UNIQUE constraints (as the
unique index that enforces the same) are given to the new table, each NOT NULL and index
checked against the new rows (a default only on a column of its old type); its CHECKs,
foreign keys and primary key are named with their clause, since DuckDB adds none of those to
a table that exists."""

from __future__ import annotations

import contextlib
from collections.abc import Collection

import duckdb

from arrowmig.endpoints.index_columns import mentioned
from arrowmig.endpoints.pg_dressing import Dressing, Query
from arrowmig.model import Table
from arrowmig.schema import ddl_type, quote_ident

_BY_REBUILD = "DuckDB adds no CHECK, foreign key or primary key to a table that exists"
_OF_TABLE = "schema_name = ? AND table_name = ? AND database_name = current_database()"


def read_duckdb_dressing(
    query: Query, target: str, schema: str, name: str, columns: Collection[str]
) -> list[Dressing]:
    """What table ``name`` of ``schema`` (``target``: as SQL names it) has that a new table
    of its name, with ``columns``, should get or be told of losing."""
    wanted = set(columns)
    dressing: list[Dressing] = []
    gone: set[str] = set()
    for column, nullable, default, declared in query(
        "SELECT column_name, is_nullable, column_default, data_type FROM duckdb_columns() "
        f"WHERE {_OF_TABLE} "
        "ORDER BY column_index",
        [schema, name],
    ):
        if column not in wanted:
            gone.add(str(column).lower())
            continue
        alter = f"ALTER TABLE {target} ALTER COLUMN {quote_ident(str(column))}"
        if not nullable:
            sql = f"{alter} SET NOT NULL"
            dressing.append(Dressing(f"NOT NULL on {column}", sql, key=f"NOT NULL {column}"))
        if default is not None:
            sql = f"{alter} SET DEFAULT {default}"
            label, typed = f"default {default} on {column}", (str(column), str(declared))
            dressing.append(Dressing(label, sql, key=f"DEFAULT {column}", typed=typed))
    for kind, text, cols in query(
        "SELECT constraint_type, constraint_text, constraint_column_names "
        f"FROM duckdb_constraints() WHERE {_OF_TABLE} AND constraint_type IN "
        "('CHECK', 'FOREIGN KEY', 'PRIMARY KEY', 'UNIQUE') ORDER BY constraint_index",
        [schema, name],
    ):
        if any(c not in wanted for c in cols):
            continue  # its column goes with the old table, and is named so
        if kind == "UNIQUE":
            made = f"{name}_{'_'.join(cols)}_key"
            keys = ", ".join(quote_ident(c) for c in cols)
            sql = f"CREATE UNIQUE INDEX {quote_ident(made)} ON {target} ({keys})"
            label = f"unique ({', '.join(cols)}) as unique index {made}"
            key = index_key(True, f"({keys})")
            dressing.append(Dressing(label, sql, key=key, name=made, builds_index=True, tried=True))
            continue
        label = str(text)  # DuckDB makes names up (both CHECKs of a column: t_age_check)
        key = f"PRIMARY KEY {cols}" if kind == "PRIMARY KEY" else f"{kind} {text}"
        by_hand = f"build the table again with {text}"
        dressing.append(Dressing(label, None, _BY_REBUILD, key=key, recreate=by_hand))
    for index, unique, sql in query(
        f"SELECT index_name, is_unique, sql FROM duckdb_indexes() WHERE {_OF_TABLE} "
        "AND NOT is_primary ORDER BY index_name",
        [schema, name],
    ):
        text = str(sql).rstrip().rstrip(";")
        label = f"{'unique ' if unique else ''}index {index}"
        key = index_key(bool(unique), text[text.upper().find(" ON ") + 4 :].split("(", 1)[-1])
        missing = mentioned(text, gone)
        if missing is not None:
            why = f"the new table has no column {missing!r}"
            dressing.append(Dressing(label, None, why, key=key, builds_index=True, recreate=text))
            continue
        dressing.append(
            Dressing(label, text, key=key, name=str(index), builds_index=True, tried=True)
        )
    return dressing


def index_key(unique: bool, keys: str) -> str:
    """What makes two indexes of a table the same, whatever their names: uniqueness and the
    text of their keys (quotes and spaces aside)."""
    text = keys.replace('"', "").replace(" ", "").lower().strip("()")
    return ("UNIQUE " if unique else "") + f"INDEX ({text})"


def column_types(query: Query, schema: str, name: str) -> dict[str, str]:
    """The declared type of each column of table ``name``, as DuckDB's catalog shows it."""
    rows = query(
        f"SELECT column_name, data_type FROM duckdb_columns() WHERE {_OF_TABLE}", [schema, name]
    )
    return {str(column): str(declared) for column, declared in rows}


def planned_types(query: Query, table: Table) -> dict[str, str]:
    """``column_types`` of the new ``table``, told before it is built: each type as DuckDB
    names it (``DECIMAL(10,2)`` for ``NUMERIC(10,2)``)."""
    types = {}
    for column in table.columns:
        declared = ddl_type(column, "duckdb")
        # A type the server cannot name alone is compared as written.
        with contextlib.suppress(duckdb.Error):
            declared = str(query(f"SELECT typeof(CAST(NULL AS {declared}))")[0][0])
        types[column.name] = declared
    return types


def present(query: Query, target: str, schema: str, name: str) -> tuple[set[str], set[str]]:
    """What table ``name`` (the new one) has, as ``Dressing.key``s, and its indexes' names."""
    columns = [
        str(r[0])
        for r in query(
            f"SELECT column_name FROM duckdb_columns() WHERE {_OF_TABLE}", [schema, name]
        )
    ]
    found = read_duckdb_dressing(query, target, schema, name, columns)
    have = {d.key for d in found if d.key}
    for (cols,) in query(
        f"SELECT constraint_column_names FROM duckdb_constraints() WHERE {_OF_TABLE} "
        "AND constraint_type = 'PRIMARY KEY'",
        [schema, name],
    ):
        have.add(index_key(True, ",".join(cols)))  # a key is unique too
    return have, {d.name for d in found if d.name}


def planned(table: Table) -> tuple[set[str], set[str]]:
    """``present`` of the new ``table``, told before it is built."""
    have: set[str] = set()
    for column in table.columns:
        if not column.nullable or column.name in table.primary_key:
            have.add(f"NOT NULL {column.name}")
        if column.default is not None or column.auto_increment:
            have.add(f"DEFAULT {column.name}")
    if table.primary_key:
        have.add(f"PRIMARY KEY {list(table.primary_key)}")
        have.add(index_key(True, ",".join(table.primary_key)))
    for index in table.indexes:
        have.add(index_key(index.unique, ",".join(index.columns)))
    return have, {i.name for i in table.indexes}
