"""A SQLite table's foreign keys, read as SQLite enforces them: the parent table and its
columns under their own names, however the REFERENCES clause spells them.

SQLite keeps the clause's spelling (``REFERENCES PARENT(id)`` for a table ``Parent`` with a
column ``ID``) and finds the parent ignoring the case of A-Z; a key carried with that spelling
would name a table and columns no other database (nor a run's list of tables) holds."""

from __future__ import annotations

from typing import Any

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.endpoints.sqlite_ddl import deferrability, foreign_key_names
from arrowmig.model import FOREIGN_KEY_ACTIONS, ForeignKey
from arrowmig.names import folded


def read_foreign_keys(query: Query, name: str, create_sql: str) -> list[ForeignKey]:
    """Table ``name``'s foreign keys (``create_sql``: its CREATE TABLE text, for what only
    the text says: the keys' names and timing), each naming its parent as that table spells
    its own names; a key to a table or column that does not exist keeps the clause's spelling."""
    timings, names = deferrability(create_sql), foreign_key_names(create_sql)
    groups: dict[int, list[tuple[Any, ...]]] = {}
    for row in query(
        'SELECT id, "table", "from", "to", on_delete, on_update '
        "FROM pragma_foreign_key_list(?) ORDER BY id, seq",
        (name,),
    ):
        groups.setdefault(row[0], []).append(row)
    found = []
    for rows in groups.values():
        written = str(rows[0][1])
        parent = _table_named(query, written)
        parent_columns = query("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", (parent,))
        if any(r[3] is None for r in rows):
            # REFERENCES parent (no column list) means the parent's primary key.
            ref_columns = tuple(
                str(c) for c, pk in sorted(parent_columns, key=lambda r: r[1]) if pk
            )
            if len(ref_columns) != len(rows):
                continue  # no such key: SQLite itself would refuse such rows
        else:
            own = {folded(str(c)): str(c) for c, _ in parent_columns}
            ref_columns = tuple(own.get(folded(str(r[3])), str(r[3])) for r in rows)
        columns = tuple(str(r[2]).lower() for r in rows)
        on_delete, on_update = (
            str(a).upper() if str(a).upper() in FOREIGN_KEY_ACTIONS else "NO ACTION"
            for a in rows[0][4:6]
        )
        found.append(
            ForeignKey(
                tuple(r[2] for r in rows),
                parent,
                ref_columns,
                on_delete,
                on_update,
                # The text is read with the clause's own spelling of the parent.
                timings.get((columns, written.lower()), ""),
                names.get(columns),
            )
        )
    return found


def _table_named(query: Query, written: str) -> str:
    """The table a REFERENCES clause's ``written`` name means, under its own name (as
    written where there is none)."""
    rows = query(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE",
        (written,),
    )
    return str(rows[0][0]) if rows else written


CHECKED_FILE_BYTES = 64 * 2**20
"""The largest source file whose foreign keys the plan checks (``PRAGMA foreign_key_check``
reads every row of a table): past it, the plan says the target checks them after the load."""


def rows_breaking(query: Query, name: str) -> dict[tuple[str, ...], int]:
    """How many rows of table ``name`` break each of its foreign keys, by the key's columns as
    ``read_foreign_keys`` gives them (``PRAGMA foreign_key_check``); a key SQLite cannot check
    (no unique parent key: "foreign key mismatch") is left out, the target names it."""
    columns: dict[int, list[str]] = {}
    for key_id, column in query(
        'SELECT id, "from" FROM pragma_foreign_key_list(?) ORDER BY id, seq', (name,)
    ):
        columns.setdefault(int(key_id), []).append(str(column))
    try:
        counts = query(
            "SELECT fkid, count(*) FROM pragma_foreign_key_check(?) GROUP BY fkid", (name,)
        )
    except Exception:  # SQLite's own refusal to check one: the target names it
        return {}
    return {tuple(columns[int(k)]): int(n) for k, n in counts if int(k) in columns}
