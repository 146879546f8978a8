"""What ``--mode replace`` does to what the replaced table had beyond the source's table, told
by the plan before anything is written: what the new table is given, and what goes with the
old one."""

from __future__ import annotations

from collections.abc import Collection

from arrowmig.endpoints.base import Endpoint
from arrowmig.endpoints.pg_dressing import to_give
from arrowmig.model import Table


def replaced(
    dst: Endpoint, table: Table, moved: Collection[str], *, indexes: bool
) -> tuple[list[str], tuple[str, ...], tuple[str, ...]]:
    """Replacing ``dst``'s table of ``table``'s name with ``table`` (``moved``: the run's
    tables; ``indexes``: False under --no-keys, which builds none): the notes for the run (its columns the source lacks), what the new table is
    given (``TablePlan.keeps``) and what goes with the old one (``TablePlan.drops``)."""
    wanted = {c.name for c in table.columns}
    gone = [name for name, _ in dst.declared_columns(table.name) if name not in wanted]
    notes = []
    if gone:
        notes.append(f"the replaced table's columns the source lacks go with it: {', '.join(gone)}")
    keeps: list[str] = []
    drops: list[str] = []
    if dst.dialect == "postgresql":
        dressing = dst.planned_dressing(table, moved)  # type: ignore[attr-defined]
        for item in to_give(dressing, commented=bool(table.comment), indexes=indexes):
            if item.sql is not None:
                keeps.append(item.label)
                continue
            by_hand = f" (to add it: {item.recreate})" if item.recreate else ""
            drops.append(f"{item.label} of the replaced table not kept: {item.why}{by_hand}")
    return notes, tuple(keeps), tuple(drops)
