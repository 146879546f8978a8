"""The refusal of a ``--cast`` whose table or column the run does not have, with the name
meant where only its case differs: Chinook's ``Track.UnitPrice`` written ``track.unitprice``,
as PostgreSQL folds names, was told to add the table to the run, which it was already in."""

from __future__ import annotations

from collections.abc import Callable, Collection

from arrowmig.argument_words import cast_given
from arrowmig.errors import UsageError
from arrowmig.note_groups import listed

MOST_LISTED = 12
"""Columns named when none is the one meant but for its case."""


def _refused(
    said: str, name: str, known: Collection[str], meant_hint: Callable[[str], str], hint: str
) -> UsageError:
    """``said``, with the name of ``known`` that ``name`` is but for its case and
    ``meant_hint`` of it, if there is one; else with ``hint``."""
    meant = next((k for k in known if k.lower() == name.lower()), None)
    if meant is None:
        return UsageError(said, hint=hint)
    return UsageError(f"{said} (did you mean {meant!r}?)", hint=meant_hint(meant))


def cast_table_missing(table: str, column: str, type_name: str, run: Collection[str]) -> UsageError:
    """``table`` of a cast is not among the ``run``'s tables. Its columns are not read yet:
    the hint cannot say whether the column is right."""
    given = cast_given(table, column, type_name)
    return _refused(
        f"{given} names table {table!r}, which is not part of this run",
        table,
        run,
        lambda _: "names are matched exactly, a column's too: write each as the source does",
        "cast only columns of the tables the run moves, or add the table to the run",
    )


def cast_column_missing(
    table: str, column: str, type_name: str, columns: Collection[str]
) -> UsageError:
    """``column`` of a cast is not among its table's ``columns``."""
    given = cast_given(table, column, type_name)
    return _refused(
        f"{given} names column {column!r}, which table {table!r} does not have",
        column,
        columns,
        lambda meant: f"names are matched exactly: {cast_given(table, meant, type_name)}",
        f"its columns: {listed(list(columns), MOST_LISTED)}",
    )
