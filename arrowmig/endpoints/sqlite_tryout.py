"""For the plan of ``--mode replace`` into SQLite: what the replaced table would give the new
one, tried on an empty in-memory copy of the target's schema, as the run will do it (the old
table dropped, or renamed as the backup with its triggers; the new one built; each index and
trigger created and compiled): what the run would refuse, the plan names too."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from arrowmig.endpoints.pg_dressing import Dressing, Query
from arrowmig.endpoints.sqlite_keys_into import unheld_keys_into
from arrowmig.schema import quote_ident

_SCHEMA_SQL = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
    "AND name NOT LIKE 'sqlite_%' "
    "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END"
)


@contextmanager
def _copy(
    query: Query, name: str, built: Sequence[str], *, keep_backup: bool
) -> Iterator[sqlite3.Connection | None]:
    """An empty in-memory copy of the target's schema with table ``name`` replaced as the run
    will replace it (``built``: the statements that build the new table); None where the
    schema cannot be copied (a module or a collation only the application has)."""
    # No statement cache: a cached EXPLAIN, prepared again after a trigger is added, was
    # seen to compile without it (SQLite 3.40), and a broken trigger passed.
    with sqlite3.connect(":memory:", cached_statements=0) as con:
        con.isolation_level = None  # each statement on its own, as the run's
        # As the run's connection: a rename leaves other tables' REFERENCES alone.
        con.execute("PRAGMA legacy_alter_table=ON")
        for kind, _name, table, sql in query(_SCHEMA_SQL):
            try:
                con.execute(str(sql))
            except sqlite3.Error:
                if table == name and kind == "table":
                    yield None
                    return
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
            yield None
            return
        yield con


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
    An item already not given stays as it is; without a copy of the schema, nothing is
    assumed."""
    with _copy(query, name, built, keep_backup=keep_backup) as con:
        if con is None:
            return list(dressing)
        return [_tried_one(con, item) for item in dressing]


def keys_into(
    query: Query,
    name: str,
    built: Sequence[str],
    dressing: Sequence[Dressing],
    moved: Collection[str],
    *,
    keep_backup: bool,
) -> list[str]:
    """The foreign keys of other tables that the old table held and the new one, given
    ``dressing`` (a UNIQUE index of the old one may be what such a key needs), would not:
    a note for each (``sqlite_keys_into``)."""
    unheld_before = unheld_keys_into(query, name, moved)
    with _copy(query, name, built, keep_backup=keep_backup) as con:
        if con is None:
            return []
        for item in dressing:
            _tried_one(con, item)

        def copied(sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
            return con.execute(sql, params).fetchall()

        after = unheld_keys_into(copied, name, moved)
        return [note for key, note in after.items() if key not in unheld_before]


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
