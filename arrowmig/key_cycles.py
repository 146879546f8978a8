"""Existing target tables whose foreign keys point at each other (pagila's ``staff.store_id``
-> ``store`` and ``store.manager_staff_id`` -> ``staff``). The run's tables load one after
another, each batch committed, so one of such a cycle loads before a table it points at: under
``--mode truncate`` that table is empty then, and every row of the first pointing at it is
refused by the target, through a DEFERRABLE key too (checked as each batch commits); so under
``--mode append`` while that table is empty (a schema restored by ``pg_dump -s``). Such a run
would empty every table and fail them one after another: it is refused before anything is
emptied or written, with the statements that let the rows in (``self_keys``: a table pointing
at itself)."""

from __future__ import annotations

from typing import Any

from arrowmig.errors import SchemaError
from arrowmig.model import ForeignKey
from arrowmig.schema import foreign_key_clause, qualified, quote_ident


def refuse_rows_before_their_parent(
    src: Any,
    source_table: str,
    source_columns: list[str],
    table: str,
    late: list[ForeignKey],
    dst: Any,
    mode: str,
) -> None:
    """Raise SchemaError when ``source_table`` (loaded into the target's ``table``) holds a
    row whose key of ``late`` (each pointing at a table of the run that loads after it: a
    cycle) is set in every column, and the table it points at is empty when it loads (emptied
    by --mode truncate, or empty in the target under --mode append): the row the target would
    refuse. One ``LIMIT 1`` read per such key."""
    select_from = getattr(src, "select_from", None)
    if select_from is None or mode not in ("truncate", "append"):
        return  # the generator's tables point at no existing table
    schema = getattr(dst, "schema", None)
    by_folded = {c.lower(): c for c in source_columns}
    for fk in late:
        if not key_checked(dst, table, fk):
            continue  # its check trigger disabled for the load: the rows go in unchecked
        if mode == "append" and may_hold_rows(dst, fk.ref_table):
            continue  # the rows it holds may be the ones pointed at: the target judges
        columns = [by_folded.get(c.lower()) for c in fk.columns]
        if None in columns:  # a column the target fills itself: its value is not known here
            continue
        named = [quote_ident(str(c)) for c in columns]
        rows = select_from(
            source_table, ", ".join(named), " AND ".join(f"{c} IS NOT NULL" for c in named)
        )
        if not rows:
            continue
        values = ", ".join(str(v) for v in rows[0])
        parent = fk.ref_table
        raise SchemaError(
            f"{table!r} and {parent!r} point at each other through foreign keys the target "
            f"checks, and {table!r} loads first: "
            + (
                f"--mode truncate empties {parent!r}"
                if mode == "truncate"
                else f"{parent!r} is empty in the target"
            )
            + f", so the target would refuse the rows of {table!r} that point at it, the first "
            f"({', '.join(fk.columns)})=({values}) ({fk.label}, checked as each batch "
            "commits); nothing has been emptied or written",
            hint=key_dropped_for_the_run(fk, table, schema),
            table=table,
        )


def key_checked(dst: Any, table: str, fk: ForeignKey) -> bool:
    """Whether the target checks the rows loaded into ``table`` against ``fk``: not where its
    check trigger is disabled for the load (``pg_restore --disable-triggers``)."""
    checked = getattr(dst, "foreign_key_checked", None)
    return not (fk.name and checked is not None and not checked(table, fk.name))


def may_hold_rows(dst: Any, table: str) -> bool:
    """Whether the target's ``table`` holds a row, or cannot be read to tell."""
    holds = getattr(dst, "select_from", None)
    return holds is None or bool(holds(table, "1", "1 = 1"))


def key_dropped_for_the_run(fk: ForeignKey, table: str, schema: str | None) -> str:
    """The statements that let the rows in: the key dropped for the run and added after."""
    there = qualified(table, schema)
    add = foreign_key_clause(fk, qualified(fk.ref_table, fk.ref_schema or schema))
    return (
        f"drop the key for the run and add it again after: ALTER TABLE {there} DROP "
        f"CONSTRAINT {quote_ident(fk.name)}; then ALTER TABLE {there} ADD {add}"
        if fk.name
        else f"drop {fk.label} of {table!r} for the run and add it again after"
    ) + ", or use --mode replace, which adds foreign keys once every table is loaded"
