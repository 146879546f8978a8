"""Float columns bound for SQLite, which has no NaN (it stores NULL in its place). ``validate``
refuses each NaN it meets, naming table, column and row; the plan, which reads no values,
says once what would become of one: a flag on every float column read as a warning of NaN
that a table of 300 DOUBLE columns holding none carried into its run's report."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from arrowmig.model import Column, Table
from arrowmig.note_groups import MOST_NAMED, listed
from arrowmig.schema import travelling_type

NAN_REFUSED = "SQLite has no NaN (it would store NULL)"
"""The start of the plan's note, shared by the plan and the tests that look for it."""


def nan_plan_note(tables: Iterable[Table], source_dialect: str, target_dialect: str) -> str | None:
    """The plan's one note of what a NaN in a float column bound for SQLite would become, or
    None when no column can bring one (a SQLite source holds no NaN: it stored NULL already).
    Not the report's: a run says only of the NaN it meets (refused, or set aside, by row)."""
    if target_dialect != "sqlite" or source_dialect == "sqlite":
        return None
    names = [t.name for t in tables if any(_written_as_float(c) for c in t.columns)]
    if not names:
        return None
    return (
        f"{NAN_REFUSED}: a NaN in a float column of {listed(names, MOST_NAMED)} is refused, "
        "naming its row (none is looked for before the run); --cast TABLE.COLUMN=text keeps "
        "it as the text 'nan', --on-error reject sets such rows aside"
    )


def _written_as_float(column: Column) -> bool:
    """Whether the column's values go to SQLite as floats (not cast to text)."""
    return bool(pa.types.is_floating(travelling_type(column)))
