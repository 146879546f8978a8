"""The names a run's indexes get in the target: each one the target keeps whole, and no two
alike, where a name is per schema (PostgreSQL, DuckDB) or per database (SQLite)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from arrowmig.backups import MAX_NAME_BYTES
from arrowmig.loading import suffixed
from arrowmig.model import Index, Table


def fitted(name: str, suffix: str, dialect: str) -> str:
    """``name`` + ``suffix`` as the target keeps it whole: into PostgreSQL, which would cut a
    name past 63 bytes silently (two cut alike are one name), shortened and told apart by a
    hash. SQLite and DuckDB take any length."""
    return suffixed(name, suffix) if dialect == "postgresql" else name + suffix


def named_apart(tables: Sequence[Table], dialect: str) -> list[tuple[Table, list[str]]]:
    """``tables`` (the run's created or replaced ones, in a fixed order) with index names the
    target keeps whole and holds once, each with a note per index renamed. A source's own
    name keeps its place before one arrowmig made up (``a_b_c_key``), which is numbered as
    PostgreSQL numbers its own (``a_b_c_key1``). The run's table names are taken too: an
    index and a table share one namespace in each target, and a primary key's own name
    (PostgreSQL's: ``Table.primary_key_name``, kept apart in the plan) is its index's."""
    taken = {_key(t.name, dialect) for t in tables}
    for table in tables:
        if table.primary_key_name and dialect == "postgresql":
            taken.add(table.primary_key_name)
        for definition in table.pg_definitions:
            if definition.kind == "index" and dialect == "postgresql":
                taken.add(definition.name)
    wanted = [(t, i) for t, table in enumerate(tables) for i in range(len(table.indexes))]
    chosen: dict[tuple[int, int], str] = {}
    for t, i in sorted(wanted, key=lambda place: tables[place[0]].indexes[place[1]].invented):
        chosen[(t, i)] = _free_name(tables[t].indexes[i], dialect, taken)
    named = []
    for t, table in enumerate(tables):
        indexes, notes = [], []
        for i, index in enumerate(table.indexes):
            name = chosen[(t, i)]
            if name != index.name:
                notes.append(_renamed_note(index, name, dialect))
            indexes.append(replace(index, name=name))
        named.append((replace(table, indexes=tuple(indexes)), notes))
    return named


def _free_name(index: Index, dialect: str, taken: set[str]) -> str:
    """The first of the index's name and its numbered forms that is free; claimed."""
    base, suffix = (index.name[:-4], "_key") if index.invented else (index.name, "")
    count = 0
    while True:
        name = fitted(base, suffix + (str(count) if count else ""), dialect)
        if _key(name, dialect) not in taken:
            taken.add(_key(name, dialect))
            return name
        count += 1


def _key(name: str, dialect: str) -> str:
    """A name as the target compares it: SQLite's and DuckDB's ignore the case of A-Z."""
    return name if dialect == "postgresql" else name.lower()


def _renamed_note(index: Index, name: str, dialect: str) -> str:
    kind = "unique index" if index.unique else "index"
    if len(index.name.encode()) > MAX_NAME_BYTES and dialect == "postgresql":
        why = "the name is over 63 bytes, which PostgreSQL would cut short"
    else:
        why = f"{index.name!r} is another index's or table's name in this run"
    return f"{kind} {index.name} is built as {name}: {why}"
