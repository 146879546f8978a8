"""A table's column notes said once for the columns sharing them; the table's own notes
(no ``column: `` before them) are never fused."""

from __future__ import annotations

from arrowmig.note_groups import grouped_notes


def test_notes_of_the_table_are_kept_apart() -> None:
    # Each was taken as a column's note of empty text: fused into one with a dangling colon.
    notes = [
        "index ix kept",
        "fk1 not carried",
        "a: stored as text",
        "b: stored as text",
        "not carried: x",
        "not built: x",
    ]
    assert grouped_notes(notes, "t", ["a", "b"]) == [
        "index ix kept",
        "fk1 not carried",
        "a, b: stored as text",
        "not carried: x",
        "not built: x",
    ]
