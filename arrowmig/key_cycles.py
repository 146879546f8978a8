"""Existing target tables whose foreign keys point at each other (pagila's ``staff.store_id``
-> ``store`` and ``store.manager_staff_id`` -> ``staff``). The run's tables load one after
another, each batch committed, so one of such a cycle loads before a table it points at: under
``--mode truncate`` that table is empty then, and every row of the first pointing at it is
refused by the target, through a DEFERRABLE key too (checked as each batch commits); so under
``--mode append`` while that table is empty (a schema restored by ``pg_dump -s``). Such a run
would empty every table and fail them one after another: it is refused before anything is
emptied or written, with the statements that let the rows in. So is a table pointing at itself
(an employee's manager) whose rows the target would refuse in the order they are read."""

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
    checked = getattr(dst, "foreign_key_checked", None)
    for fk in late:
        if fk.name and checked is not None and not checked(table, fk.name):
            continue  # its check trigger disabled for the load: the rows go in unchecked
        holds = getattr(dst, "select_from", None)
        if mode == "append" and (holds is None or holds(fk.ref_table, "1", "1 = 1")):
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
            hint=_way_out(fk, table, schema),
            table=table,
        )


def refuse_rows_before_their_parent_row(
    src: Any,
    source_table: str,
    source_columns: list[str],
    split_key: str | None,
    streams: int,
    table: str,
    own: list[ForeignKey],
    dst: Any,
    mode: str,
) -> None:
    """Raise SchemaError when the target's ``table`` points at itself through a key of
    ``own`` (an employee's ``reports_to``, a category's ``parent_id``) that it checks, is empty
    as it loads (emptied by --mode truncate, or empty under --mode append), and the source
    holds a row the target would refuse: one read before the row it points at, where
    PostgreSQL checks each batch as it commits (a row whose parent is in its own batch goes
    in); any row with the key set into DuckDB, which checks a row against the rows there
    before its statement, not those inserted with it. One ``LIMIT 1`` read per such key: a
    table whose rows come parents first loads."""
    select_from = getattr(src, "select_from", None)
    if select_from is None or mode not in ("truncate", "append"):
        return
    schema = getattr(dst, "schema", None)
    by_folded = {c.lower(): c for c in source_columns}
    checked = getattr(dst, "foreign_key_checked", None)
    holds = getattr(dst, "select_from", None)
    if mode == "append" and (holds is None or holds(table, "1", "1 = 1")):
        return  # the rows it holds may be the ones pointed at: the target judges
    for fk in own:
        if fk.name and checked is not None and not checked(table, fk.name):
            continue  # its check trigger disabled for the load: the rows go in unchecked
        columns = [by_folded.get(c.lower()) for c in fk.columns]
        parents = [by_folded.get(c.lower()) for c in fk.ref_columns]
        if None in columns or None in parents:
            continue  # a column the target fills itself: its value is not known here
        named = [quote_ident(str(c)) for c in columns]
        where = " AND ".join(f"{c} IS NOT NULL" for c in named)
        later = _read_later(src, source_table, split_key, streams, dst)
        if later is not None:
            row = src.qualify(source_table)
            parent = " AND ".join(
                f"p.{quote_ident(str(k))} = {row}.{c}" for k, c in zip(parents, named, strict=True)
            )
            where = f"EXISTS (SELECT 1 FROM {row} AS p WHERE {parent} AND ({later}))"
        keys = [quote_ident(str(k)) for k in parents]
        rows = select_from(source_table, ", ".join(keys + named), where)
        if not rows:
            continue
        itself = ", ".join(str(v) for v in rows[0][: len(keys)])
        values = ", ".join(str(v) for v in rows[0][len(keys) :])
        if later is not None:
            why = "read before the row it points at, and the target checks each batch as it commits"
        elif getattr(dst, "dialect", "") == "duckdb":
            why = "as DuckDB checks a row against the rows there before its statement"
        else:
            why = (
                "which may be read before the row it points at (several streams read the "
                "table at once, or its order is not known)"
            )
        raise SchemaError(
            f"{table!r} points at itself through {fk.label}, which the target checks, and "
            + ("--mode truncate empties it" if mode == "truncate" else "it is empty in the target")
            + f": the target would refuse the source's row ({', '.join(fk.ref_columns)})=({itself}) "
            f"pointing at ({', '.join(fk.columns)})=({values}), "
            f"{why}; nothing has been emptied or written",
            hint=_way_out(fk, table, schema),
            table=table,
        )


def _read_later(src: Any, name: str, split_key: str | None, streams: int, dst: Any) -> str | None:
    """SQL true where the parent row ``p`` may be read after its child: one stream reads a
    table in its split key's order (SQLite's is the rowid) or, where it has none or the read
    is a plain scan (PostgreSQL's Arrow path), as the rows lie (ctid, DuckDB's rowid): later
    by either counts. None where any row pointing at another may be refused: into DuckDB, a
    table read as several streams at once (their order is the workers'), or a SQLite table
    without rowid."""
    if getattr(dst, "dialect", "") == "duckdb" or streams > 1:
        return None
    place = {"postgresql": "ctid", "duckdb": "rowid"}.get(getattr(src, "dialect", ""))
    places = [k for k in (place, split_key and quote_ident(split_key)) if k]
    row = src.qualify(name)
    return " OR ".join(f"p.{k} > {row}.{k}" for k in places) or None


def _way_out(fk: ForeignKey, table: str, schema: str | None) -> str:
    """The statements that let the rows in: the key dropped for the run and added after."""
    there = qualified(table, schema)
    add = foreign_key_clause(fk, qualified(fk.ref_table, fk.ref_schema or schema))
    return (
        f"drop the key for the run and add it again after: ALTER TABLE {there} DROP "
        f"CONSTRAINT {quote_ident(fk.name)}; then ALTER TABLE {there} ADD {add}"
        if fk.name
        else f"drop {fk.label} of {table!r} for the run and add it again after"
    ) + ", or use --mode replace, which adds foreign keys once every table is loaded"
