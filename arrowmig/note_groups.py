"""A table's column notes said once for the columns that share them: a wide table's sixty
DECIMAL columns bound for SQLite, or its twenty float columns, had a line each saying the same.
"""

from __future__ import annotations

from arrowmig.argument_words import casts_column_as

MOST_NAMED = 10
"""Columns a shared note names before saying how many more share it."""


def listed(names: list[str], most: int) -> str:
    """At most ``most`` names, comma-separated, and how many more there are: a list is never
    cut without saying so."""
    more = len(names) - most
    shown = ", ".join(names[:most])
    return f"{shown} and {more} more" if more > 0 else shown


def grouped_notes(notes: list[str], table: str, columns: list[str]) -> list[str]:
    """A table's notes (``column: note``, one of ``columns``) with a note that several
    columns share said once, in the place of the first, naming the columns (``MOST_NAMED`` of
    them, then how many more); the ``--cast TABLE.column=`` a note advises is written
    ``--cast TABLE.COLUMN=``. A note of the table ('not carried: ...') is kept as it is."""
    shared: dict[str, list[str]] = {}
    general: list[str | None] = []
    for note in notes:
        column, colon, said = note.partition(": ")
        if not colon or column not in columns:
            general.append(None)  # a note of the table ('index ix kept'): never grouped
            continue
        said = casts_column_as(said, table, column, "COLUMN")
        general.append(said)
        shared.setdefault(said, []).append(column)
    grouped: list[str] = []
    for note, key in zip(notes, general, strict=True):
        named = shared.pop(key, None) if key is not None else [note]
        if named is not None and len(named) > 1:
            grouped.append(f"{listed(named, MOST_NAMED)}: {key}")
        elif named is not None:
            grouped.append(note)
    return grouped
