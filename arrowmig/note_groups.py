"""A table's column notes said once for the columns that share them: a wide table's sixty
DECIMAL columns bound for SQLite, or its twenty float columns, had a line each saying the same.
"""

from __future__ import annotations

MOST_NAMED = 10
"""Columns a shared note names before saying how many more share it."""


def listed(names: list[str], most: int) -> str:
    """At most ``most`` names, comma-separated, and how many more there are: a list is never
    cut without saying so."""
    more = len(names) - most
    shown = ", ".join(names[:most])
    return f"{shown} and {more} more" if more > 0 else shown


def grouped_notes(notes: list[str], table: str) -> list[str]:
    """A table's notes (``column: note``) with a note that several columns share said once,
    in the place of the first, naming the columns (``MOST_NAMED`` of them, then how many
    more); the ``--cast TABLE.column=`` a note advises is written ``--cast TABLE.COLUMN=``."""
    shared: dict[str, list[str]] = {}
    general: list[str] = []
    for note in notes:
        column, _, said = note.partition(": ")
        said = said.replace(f"--cast {table}.{column}=", f"--cast {table}.COLUMN=")
        general.append(said)
        shared.setdefault(said, []).append(column)
    grouped: list[str] = []
    for note, said in zip(notes, general, strict=True):
        columns = shared.pop(said, None)
        if columns is not None and len(columns) > 1:
            grouped.append(f"{listed(columns, MOST_NAMED)}: {said}")
        elif columns is not None:
            grouped.append(note)
    return grouped
