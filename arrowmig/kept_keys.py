"""Foreign keys given back to an old PostgreSQL table a failed replace kept, which lost them
when the table they point at was replaced by the same run.

Replacing a parent drops the old one with the keys of other tables into it. The run's own
children get theirs again from the run, onto their new tables; a child whose replace fails
keeps its old table, and without this it would be left silently without its keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arrowmig.endpoints.base import Endpoint
from arrowmig.errors import ArrowmigError
from arrowmig.report import MigrationReport


@dataclass(frozen=True)
class DroppedKey:
    """A key of the run's table ``child`` (qualified) into ``parent``, dropped as ``parent``
    was put in place: its name and definition as ``pg_get_constraintdef`` writes it, and the
    OID the child had then (a new child put in place since has another)."""

    parent: str
    child: str
    name: str
    definition: str
    oid: int


def give_back(dst: Endpoint, dropped: Sequence[DroppedKey], report: MigrationReport) -> None:
    """Each key of ``dropped`` whose child was not put in place since (its old table kept,
    the same OID) added to that old table again, checked; one its rows break (they point at the old parent's rows)
    added NOT VALID, guarding new rows, and said so; one not added is said with why."""
    by_target = {dst.qualify(t.target_name): t for t in report.tables}
    for key in dropped:
        child = by_target.get(key.child)
        if child is None or _oid_of(dst, key.child) != key.oid:
            continue  # a new table put in place (the run gives it its keys), or none
        what = (
            f"its previous table, kept, lost foreign key {key.name} as {key.parent!r} was replaced"
        )
        # Put back as onto a replaced table (both locked at once, a deadlock retried); the
        # child has failed already (exit 1), so what becomes of its key is a note.
        try:
            unchecked = dst.restore_foreign_key(  # type: ignore[attr-defined]
                dst.qualify(key.parent), key.child, key.name, key.definition
            )
        except ArrowmigError as exc:
            child.notes.append(f"{what}, and could not add it again ({key.definition}): {exc}")
            continue
        if unchecked is None:
            child.notes.append(f"{what}: added again")
        else:
            child.notes.append(
                f"{what}: added again NOT VALID, as its rows do not all match the new "
                f"{key.parent!r}: {unchecked}"
            )


def _oid_of(dst: Endpoint, table: str) -> int | None:
    """The OID of qualified ``table``; None if there is none of that name."""
    rows = dst.execute("SELECT to_regclass($1)::oid::int8", (table,))
    return None if rows[0][0] is None else int(rows[0][0])
