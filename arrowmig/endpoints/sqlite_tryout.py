"""For the plan of ``--mode replace`` into SQLite: what the replaced table would give the new
one, tried on an empty in-memory copy of the target's schema, as the run will do it (the old
table dropped, or renamed as the backup with its triggers; the new one built; each index and
trigger created and compiled): what the run would refuse, the plan names too. The copy holds
what that needs only: the table with its indexes and triggers, the tables and views its
triggers name (and those these views name), and the tables whose keys point at it."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from arrowmig.endpoints.index_columns import NAME
from arrowmig.endpoints.pg_dressing import Dressing, Query, given
from arrowmig.endpoints.sqlite_ddl import _unquoted
from arrowmig.endpoints.sqlite_keys_into import unheld_keys_into
from arrowmig.schema import quote_ident

# The objects of table ?1 (itself, its indexes and triggers) and the tables and views named
# in ?2 (each name between chr(1)s, in lower case).
_SCHEMA_SQL = (
    "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
    "AND name NOT LIKE 'sqlite_%' AND (tbl_name = ?1 COLLATE NOCASE OR (type IN ('table', "
    "'view') AND instr(?2, char(1) || lower(name) || char(1)))) "
    "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END"
)
_POINTING_IN = (
    # Only a table whose text names it can have a key to it: the others are not asked.
    "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND instr(lower(m.sql), "
    "lower(?1)) AND EXISTS (SELECT 1 "
    'FROM pragma_foreign_key_list(m.name) f WHERE f."table" = ?1 COLLATE NOCASE)'
)


def _needed(query: Query, name: str) -> list[tuple[str, str, str]]:
    """The statements of the schema a copy for table ``name`` needs (``_copy``), in order,
    each with its kind and its object's name."""
    names = {str(r[0]).lower() for r in query(_POINTING_IN, (name,))}
    found = names | {""}
    while found:  # what its triggers name, and what the views among those name
        listed = "\x01" + "\x01".join(sorted(names)) + "\x01"
        schema = [(str(k), str(n), str(s)) for k, n, s in query(_SCHEMA_SQL, (name, listed))]
        named = [s for k, n, s in schema if k == "trigger" or (k == "view" and n.lower() in found)]
        found = {_unquoted(n).lower() for s in named for n in NAME.findall(s)} - names
        names |= found
    return schema


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
        for kind, made, sql in _needed(query, name):
            try:
                con.execute(sql)
            except sqlite3.Error:
                if kind == "table" and made.lower() == name.lower():
                    yield None
                    return
                # Another object only the application can build: what uses it fails alike.
        try:
            if keep_backup:
                con.execute(f"ALTER TABLE {quote_ident(name)} RENAME TO {quote_ident(name + '_b')}")
                for (index,) in con.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL",
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
    if all(item.sql is None for item in dressing):
        return list(dressing)  # nothing to try
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
    if not query(_POINTING_IN, (name,)):
        return []  # no table has a key to it
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
    # As the run gives it: a trigger that fails its check is taken away again, and the next
    # one compiled alone.
    return given(item, con.execute, lambda check: con.execute(check).fetchall(), sqlite3.Error)
