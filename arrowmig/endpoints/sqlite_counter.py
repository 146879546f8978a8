"""A SQLite AUTOINCREMENT counter (``sqlite_sequence``) the keys of a table used up: SQLite
then refuses the next insert that leaves the key out ("database or disk is full")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ROWID_LARGEST = 2**63 - 1
"""An AUTOINCREMENT counter there has no key left to hand out."""

Query = Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]


def used_up_note(column: str) -> str:
    """What the report says of a used-up counter, as PostgreSQL's and DuckDB's are said."""
    return f"AUTOINCREMENT counter for {column} (used up at {ROWID_LARGEST:,})"


def used_up_counter(query: Query, table: str) -> str | None:
    """The key column of ``table`` when its AUTOINCREMENT counter is used up; None otherwise
    (no AUTOINCREMENT, or keys left). SQLite moves the counter past explicit keys itself, so
    after an append only this is left to say."""
    if not query("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'", ()):
        return None  # no table of the database was made with AUTOINCREMENT
    counted = query("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
    if not counted or counted[0][0] != ROWID_LARGEST:
        return None
    keys = [row[1] for row in query("SELECT * FROM pragma_table_info(?)", (table,)) if row[5]]
    return str(keys[0]) if len(keys) == 1 else table
