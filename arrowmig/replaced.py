"""What a run does to the target beyond loading its tables, told by the plan before anything
is written: what ``--mode replace`` gives the new table and what goes with the old one, and
the tables of arrowmig's own that a publication of every table would publish."""

from __future__ import annotations

from collections.abc import Collection

from arrowmig.endpoints.base import Endpoint
from arrowmig.endpoints.pg_dressing import to_give
from arrowmig.errors import TransientError
from arrowmig.model import NOT_KEPT, Table


def replaced(
    dst: Endpoint, table: Table, moved: Collection[str], *, indexes: bool, keep_backup: bool
) -> tuple[list[str], tuple[str, ...], tuple[str, ...]]:
    """Replacing ``dst``'s table of ``table``'s name with ``table`` (``moved``: the run's
    tables; ``indexes``: False under --no-keys, which builds none; ``keep_backup``: the old
    table is kept, with what SQLite names once per database, its triggers): the notes for the run
    (its columns the source lacks), what the new table is given (``TablePlan.keeps``) and
    what goes with the old one (``TablePlan.drops``)."""
    wanted = {c.name for c in table.columns}
    gone = [name for name, _ in dst.declared_columns(table.name) if name not in wanted]
    notes = []
    if gone:
        notes.append(f"the replaced table's columns the source lacks go with it: {', '.join(gone)}")
    keeps: list[str] = []
    drops: list[str] = []
    planned_dressing = getattr(dst, "planned_dressing", None)
    planned_keys_into = getattr(dst, "planned_keys_into", None)
    try:
        dressing = (
            planned_dressing(table, moved, keep_backup=keep_backup) if planned_dressing else []
        )
        # Keys of other tables into the old one that the new one cannot take.
        lost = (
            planned_keys_into(table, moved, dressing, keep_backup=keep_backup)
            if planned_keys_into
            else []
        )
        # Those it takes, added again (PostgreSQL's; SQLite keeps them by the table's name).
        planned_keys_again = getattr(dst, "planned_keys_again", None)
        again = planned_keys_again(table, moved) if planned_keys_again else []
    except TransientError as exc:
        # Another session holds the table (PostgreSQL reads a constraint's definition
        # under a lock): the run waits for it where it would anyway, as the table is put
        # in place, and reads it then.
        notes.append(
            f"what the replaced table has beyond its columns is read as it is put in "
            f"place: {exc.message}"
        )
        return notes, (), ()
    for item in to_give(dressing, commented=bool(table.comment), indexes=indexes):
        if item.sql is not None:
            keeps.append(item.label)
            continue
        by_hand = f" (to add it: {item.recreate})" if item.recreate else ""
        drops.append(f"{item.label}{NOT_KEPT}{item.why}{by_hand}")
    drops += lost
    keeps += again
    partitioning_replaced = getattr(dst, "partitioning_replaced", None)
    if partitioning_replaced is not None:
        drops += partitioning_replaced(table.name, keep_backup=keep_backup)
    return notes, tuple(keeps), tuple(drops)


PARTITIONING = "partitioning ("
"""How the source's partitioning (named as not carried) and the replaced table's begin."""


def partitioning_said_once(notes: list[str], table: Table, drops: tuple[str, ...]) -> list[str]:
    """``notes`` without the source's partitioning among what is not carried where the
    replaced table is partitioned too: its line in ``drops`` already says the new table is
    one plain table, and names the partitions that go with the old one."""
    if not any(d.startswith(PARTITIONING) for d in drops):
        return notes
    said = [i for i in table.not_carried if i.startswith(PARTITIONING)]
    kept = []
    for note in notes:
        if note.startswith("not carried: "):
            items = note.removeprefix("not carried: ")
            for item in said:  # the exact item: a partition key may itself hold ", "
                items = items.replace(f", {item}", "").replace(f"{item}, ", "", 1)
                items = "" if items == item else items
            note = f"not carried: {items}" if items else ""
        if note:
            kept.append(note)
    return kept


def published_notes(dst: Endpoint) -> list[str]:
    """A PostgreSQL target whose publications take in every new table: arrowmig's own tables
    (its ledger, staging tables) are published too, and a subscriber lacking them stops."""
    publishing = getattr(dst, "publishing_every_table", None)
    found = publishing() if publishing is not None else []
    if not found:
        return []
    return [
        f"publication {', '.join(found)} takes in every new table of schema {dst.schema!r}, "
        "arrowmig's own too (_arrowmig_checkpoints, and the staging table a table is loaded "
        "into before it is renamed into place): a subscriber lacking such a table stops "
        "applying every change at its first row (logical replication target relation does not "
        "exist) and the publisher keeps its WAL meanwhile; publish the tables by name (FOR "
        "TABLE) or load into a database no such publication covers (once stopped: create the "
        "table it names on the subscriber)"
    ]
