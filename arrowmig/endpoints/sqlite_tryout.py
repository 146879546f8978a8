"""For the plan of ``--mode replace`` into SQLite: what the replaced table would give the new
one, tried on an empty in-memory copy of the target's schema, as the run will do it (the old
table dropped, or renamed as the backup with its triggers; the new one built; each index and
trigger created and compiled): what the run would refuse, the plan names too."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from arrowmig.endpoints.pg_dressing import Dressing, Query
from arrowmig.schema import quote_ident

_SCHEMA_SQL = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
    "AND name NOT LIKE 'sqlite_%' "
    "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END"
)


def tried(
    query: Query,
    name: str,
    built: Sequence[str],
    dressing: Sequence[Dressing],
    *,
    keep_backup: bool,
) -> list[Dressing]:
    """``dressing`` of table ``name`` with each item the run would not keep named, with
    SQLite's reason, as the run names it: ``built``, the statements that build the new table.
    An item already not given stays as it is; without a copy of the schema (a module or a
    collation only the application has), nothing is assumed."""
    # No statement cache: a cached EXPLAIN, prepared again after a trigger is added, was
    # seen to compile without it (SQLite 3.40), and a broken trigger passed.
    with sqlite3.connect(":memory:", cached_statements=0) as con:
        con.isolation_level = None  # each statement on its own, as the run's
        for kind, _name, table, sql in query(_SCHEMA_SQL):
            try:
                con.execute(str(sql))
            except sqlite3.Error:
                if table == name and kind == "table":
                    return list(dressing)
                # Another object only the application can build: what uses it fails alike.
        try:
            if keep_backup:
                con.execute(f"ALTER TABLE {quote_ident(name)} RENAME TO {quote_ident(name + '_b')}")
                for (index,) in con.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                    "AND sql IS NOT NULL",
                    (name + "_b",),
                ).fetchall():
                    con.execute(f"DROP INDEX {quote_ident(index)}")  # built again renamed
            else:
                con.execute(f"DROP TABLE {quote_ident(name)}")
            for sql in built:
                con.execute(sql)
        except sqlite3.Error:
            return list(dressing)
        return [_tried_one(con, item) for item in dressing]


def _tried_one(con: sqlite3.Connection, item: Dressing) -> Dressing:
    if item.sql is None:
        return item
    try:
        con.execute(item.sql)
    except sqlite3.Error as exc:
        return replace(item, sql=None, why=str(exc), recreate=item.recreate or item.sql)
    try:
        for check in item.checks:
            con.execute(check).fetchall()
    except sqlite3.Error as exc:
        con.execute(item.undo)  # as the run takes it away again: the next is compiled alone
        return replace(item, sql=None, why=str(exc), recreate=item.recreate or item.sql)
    return item
