"""Types PostgreSQL and DuckDB share but Arrow cannot carry: a time with its offset (timetz,
TIMETZ) and a bit string (bit(n), varbit, BIT). Each travels as its text, which both print and
read alike, and is created as its twin on the other database (text on SQLite)."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

_ON_POSTGRES = {"TIME WITH TIME ZONE": "timetz", "BIT": "varbit"}
"""A DuckDB source column's type as a PostgreSQL target creates it (DuckDB's BIT has no fixed
length: varbit). Both allow offsets to ±15:59:59 and the time 24:00:00, in microseconds."""

_TIMETZ = re.compile(r"^time(\(\d+\))? with time zone$")
_BITS = re.compile(r"^(bit|bit varying)(\((\d+)\))?$")
"""Both as ``format_type`` writes them (a bare bit is ``bit(1)``, a varbit ``bit varying``)."""


def on_postgres(duckdb_type: str) -> str | None:
    """The PostgreSQL type a column of this DuckDB type is created as, where it is a twin."""
    return _ON_POSTGRES.get(duckdb_type)


def on_duckdb(pg_type: str) -> str | None:
    """The DuckDB type a column of this PostgreSQL type (as ``format_type`` writes it) is
    created as, where it is a twin: a timetz of any precision TIMETZ (microseconds), a bit
    string of any length BIT (variable: a bit(n)'s values are n bits still)."""
    if _TIMETZ.match(pg_type):
        return "TIMETZ"
    if _BITS.match(pg_type):
        return "BIT"
    return None


def postgres_note(duckdb_type: str, pg_type: str) -> str:
    """The plan's words for a DuckDB source column of a twin type."""
    return (
        f"{duckdb_type} has no Arrow equivalent: carried as its text form ({pg_type} on "
        "PostgreSQL targets, itself again on DuckDB targets, text on SQLite)"
    )


def duckdb_note(pg_type: str, duckdb_type: str) -> str:
    """The plan's words for a PostgreSQL source column of a twin type."""
    bits = _BITS.match(pg_type)
    fixed = bits is not None and bits.group(1) == "bit" and bits.group(3) is not None
    length = f", without the fixed length {bits.group(3)}" if fixed and bits else ""
    return (
        f"type {pg_type} has no Arrow equivalent: carried as its exact text form ({pg_type} "
        f"again on PostgreSQL targets, {duckdb_type} on DuckDB{length}, text on SQLite)"
    )


EMPTY_BITS_REASON = (
    "an empty bit string, which a DuckDB BIT column cannot hold (DuckDB would store '0')"
)


EMPTY_BITS_HINT = (
    "--cast the column to text (e.g. {cast}) to keep it as written (an existing BIT column: "
    "make it VARCHAR), fix the value in the source, or use --on-error reject to set such rows "
    "aside"
)


def empty_bits(array: pa.Array) -> pa.Array:
    """Where each text is the empty bit string (PostgreSQL's ``''::varbit``), which DuckDB's
    BIT has no form for: its cast from text makes the one bit '0' of it, unsaid."""
    return pc.equal(pc.utf8_length(array), 0)
