"""An existing target table whose foreign key points at itself (Chinook's ``Employee.ReportsTo``,
a category's ``parent_id``), loaded emptied (--mode truncate) or empty (--mode append into a
schema restored by ``pg_dump -s``). Its batches commit one by one, and PostgreSQL checks each as
it commits, a DEFERRABLE key too: a row read before the row it points at is refused, the table
left holding the batches before it. Such a run is refused before anything is emptied."""

from __future__ import annotations

from typing import Any

from arrowmig.errors import SchemaError
from arrowmig.key_cycles import key_checked, key_dropped_for_the_run, may_hold_rows
from arrowmig.model import ForeignKey
from arrowmig.schema import quote_ident

_BEFORE_ITS_PARENT = (
    "read before the row it points at, and the target checks each batch as it commits"
)
_SEVERAL_STREAMS = "read in {streams} streams at once, whose order is the workers'"
_DUCKDB = "as DuckDB checks a row against the rows there before its statement"
_ORDER_UNKNOWN = "which may be read before the row it points at (its read order is not known)"
_DUCKDB_WAY_OUT = (
    "DuckDB cannot drop a foreign key: use --mode replace, which creates the table again (a "
    "DuckDB target gets no foreign keys), or create it again yourself without the key"
)
_ONE_STREAM = (
    "read it as one stream (--split-rows above its rows) if its rows come parents first, or "
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
    ``own`` that it checks, is empty as it loads, and the source holds a row the target would
    refuse: one read before the row it points at; with the table read in several ``streams``
    at once, or into DuckDB (which does not see the rows inserted with a row), any row with the
    key set. At most two ``LIMIT 1`` reads per such key: a table read whole, parents first,
    loads."""
    select_from = getattr(src, "select_from", None)
    if not own or select_from is None or mode not in ("truncate", "append"):
        return  # no key of its own; or the generator's tables, pointing at no existing table
    if mode == "append" and may_hold_rows(dst, table):
        return  # the rows it holds may be the ones pointed at: the target judges
    holds = getattr(dst, "select_from", None)
    by_folded = {c.lower(): c for c in source_columns}
    into_duckdb = getattr(dst, "dialect", "") == "duckdb"
    later = None if into_duckdb else _read_later(src, source_table, split_key)
    for fk in own:
        if not key_checked(dst, table, fk):
            continue  # its check trigger disabled for the load: the rows go in unchecked
        if into_duckdb and mode == "truncate" and holds is not None:
            _refuse_emptying_rows_that_point_at_each_other(holds, table, fk)
        columns = [by_folded.get(c.lower()) for c in fk.columns]
        parents = [by_folded.get(c.lower()) for c in fk.ref_columns]
        if None in columns or None in parents:
            continue  # a column the target fills itself: its value is not known here
        named = [quote_ident(str(c)) for c in columns]
        keys = [quote_ident(str(k)) for k in parents]
        select = ", ".join(keys + named)
        rows: list[tuple[Any, ...]] = []
        why = _BEFORE_ITS_PARENT
        if later is not None:
            row = src.qualify(source_table)
            parent = " AND ".join(f"p.{k} = {row}.{c}" for k, c in zip(keys, named, strict=True))
            exists = f"EXISTS (SELECT 1 FROM {row} AS p WHERE {parent} AND ({later}))"
            rows = select_from(source_table, select, exists)
        if not rows and (later is None or streams > 1):
            set_ = " AND ".join(f"{c} IS NOT NULL" for c in named)
            rows = select_from(source_table, select, set_)
            if into_duckdb:
                why = _DUCKDB
            elif streams > 1:
                why = _SEVERAL_STREAMS.format(streams=streams)
            else:
                why = _ORDER_UNKNOWN
        if not rows:
            continue
        itself = ", ".join(str(v) for v in rows[0][: len(keys)])
        values = ", ".join(str(v) for v in rows[0][len(keys) :])
        one_stream = _ONE_STREAM if why.startswith("read in") else ""
        raise SchemaError(
            f"{table!r} points at itself through {fk.label}, which the target checks, and "
            + ("--mode truncate empties it" if mode == "truncate" else "it is empty in the target")
            + f": the target would refuse the source's row ({', '.join(fk.ref_columns)})="
            f"({itself}) pointing at ({', '.join(fk.columns)})=({values}), {why}; nothing has "
            "been emptied or written",
            hint=one_stream
            + (
                _DUCKDB_WAY_OUT
                if into_duckdb
                else key_dropped_for_the_run(fk, table, getattr(dst, "schema", None))
            ),
            table=table,
        )


def _refuse_emptying_rows_that_point_at_each_other(holds: Any, table: str, fk: ForeignKey) -> None:
    """Raise SchemaError when DuckDB's ``table`` holds a row pointing at another through
    ``fk``: DuckDB refuses to delete a row still pointed at, even by a row deleted with it, so
    --mode truncate would fail the table (exit 1, the rows kept) with its own error."""
    keys = [quote_ident(k) for k in fk.ref_columns]
    named = [quote_ident(c) for c in fk.columns]
    rows = holds(table, ", ".join(keys + named), " AND ".join(f"{c} IS NOT NULL" for c in named))
    if not rows:
        return
    itself = ", ".join(str(v) for v in rows[0][: len(keys)])
    values = ", ".join(str(v) for v in rows[0][len(keys) :])
    raise SchemaError(
        f"{table!r} points at itself through {fk.label}, and its row ({', '.join(fk.ref_columns)})"
        f"=({itself}) points at ({', '.join(fk.columns)})=({values}): DuckDB cannot empty a "
        "table whose rows point at each other (--mode truncate); nothing has been emptied or "
        "written",
        hint=_DUCKDB_WAY_OUT,
        table=table,
    )


def _read_later(src: Any, name: str, split_key: str | None) -> str | None:
    """SQL true where the parent row ``p`` may be read after its child in one stream: a
    stream reads in its split key's order (SQLite's is the rowid) or, where there is none or
    the read is a plain scan (PostgreSQL's Arrow path), as the rows lie (ctid, DuckDB's
    rowid): later by either counts. None where the order is not known (SQLite without
    rowid)."""
    place = {"postgresql": "ctid", "duckdb": "rowid"}.get(getattr(src, "dialect", ""))
    places = [k for k in (place, split_key and quote_ident(split_key)) if k]
    row = src.qualify(name)
    return " OR ".join(f"p.{k} > {row}.{k}" for k in places) or None
