"""The foreign keys of other SQLite tables that point at a table ``--mode replace`` replaces.

SQLite keeps such a key in the other table's CREATE TABLE, by the table's name: the new table
takes it over as it is, but only while it has the columns the key points at, under its
primary key or a UNIQUE index. Otherwise SQLite refuses every change to either table while
foreign keys are on (``foreign key mismatch``), and what the key did (ON DELETE CASCADE) is
gone: each such key is named, in the plan and the report.
"""

from __future__ import annotations

from collections.abc import Collection

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.schema import quote_ident

# Only a table whose text names it can have a key to it: the others are not asked.
_CHILDREN = (
    "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND m.name <> ? COLLATE NOCASE "
    "AND instr(lower(m.sql), lower(?)) AND EXISTS (SELECT 1 FROM pragma_foreign_key_list(m.name) f "
    'WHERE f."table" = ? COLLATE NOCASE) ORDER BY 1'
)


def unheld_keys_into(query: Query, name: str, moved: Collection[str]) -> dict[str, str]:
    """Each foreign key of a table other than ``name`` and those the run loads (``moved``:
    their keys are the source's) that table ``name``, as it is now, cannot hold: a note,
    by the key (read before the replace, those the old table held are the ones lost)."""
    taken = {m.lower() for m in moved}
    children = [str(r[0]) for r in query(_CHILDREN, (name, name, name))]
    children = [child for child in children if child.lower() not in taken]
    if not children:
        return {}
    columns = {
        str(r[0]).lower(): int(r[1])
        for r in query("SELECT name, pk FROM pragma_table_info(?)", (name,))
    }
    primary = sorted((pk, c) for c, pk in columns.items() if pk)
    held = [{c for _, c in primary}] if primary else []
    held += _unique_indexes(query, name)
    notes = {}
    for child in children:
        for refs, on_delete in _keys_of(query, child, name):
            # A key naming no columns points at the primary key.
            named = [to for _, to in refs if to is not None]
            points = named if len(named) == len(refs) else [c for _, c in primary]
            why, by_hand = _unheld(name, child, points, columns, held)
            if why:
                own = ", ".join(own for own, _ in refs)
                cascade = f", ON DELETE {on_delete}" if on_delete != "NO ACTION" else ""
                notes[f"{child} ({own}) -> {', '.join(points)}"] = (
                    f"foreign key ({own}) of {child} (pointing here{cascade}) not kept: {why}, "
                    f"so SQLite refuses every change to {child} and {name} while foreign keys "
                    f"are on (foreign key mismatch) (to keep it: {by_hand})"
                )
    return notes


def _unheld(
    name: str, child: str, points: list[str], columns: dict[str, int], held: list[set[str]]
) -> tuple[str, str]:
    """Why table ``name`` cannot hold a key of ``child`` pointing at ``points`` ("" if it
    can), and how to make it."""
    rebuild = f"build {child} again without the key"
    if not points:
        return "the new table has no primary key, which it points at", (
            f"give the source's {name} a primary key and replace again, or {rebuild}"
        )
    gone = next((c for c in points if c.lower() not in columns), None)
    if gone is not None:
        return f"the new table has no column {gone!r}", (
            f"give the source's {name} the column {gone}, UNIQUE, and replace again, or {rebuild}"
        )
    if {c.lower() for c in points} in held:
        return "", ""
    index = quote_ident(f"{name}_{'_'.join(points)}_key")
    keys = ", ".join(quote_ident(c) for c in points)
    return (
        f"the new table has no primary key or UNIQUE index on ({', '.join(points)})",
        f"CREATE UNIQUE INDEX {index} ON {quote_ident(name)} ({keys})",
    )


def _unique_indexes(query: Query, name: str) -> list[set[str]]:
    """The column sets of table ``name``'s unique indexes on plain columns, not partial."""
    found = []
    for (index,) in query(
        'SELECT name FROM pragma_index_list(?) WHERE "unique" AND NOT partial', (name,)
    ):
        keys = query("SELECT name FROM pragma_index_info(?)", (index,))
        if keys and all(k[0] is not None for k in keys):
            found.append({str(k[0]).lower() for k in keys})
    return found


def _keys_of(query: Query, child: str, name: str) -> list[tuple[list[tuple[str, str | None]], str]]:
    """The foreign keys of table ``child`` that point at ``name``: each one's (own column,
    column pointed at) pairs and its ON DELETE action."""
    keys: dict[int, tuple[list[tuple[str, str | None]], str]] = {}
    for key, own, to, on_delete in query(
        'SELECT id, "from", "to", on_delete FROM pragma_foreign_key_list(?) '
        'WHERE "table" = ? COLLATE NOCASE ORDER BY id, seq',
        (child, name),
    ):
        refs, _ = keys.setdefault(int(key), ([], str(on_delete)))
        refs.append((str(own), None if to is None else str(to)))
    return list(keys.values())
