"""PostgreSQL values as Arrow, each way: the expression each column is read by and the Arrow
array the driver's becomes; and a batch's way in through a staging table where binary COPY
cannot take it (infinite dates and timestamps, types the server converts from text).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.argument_words import cast_option
from arrowmig.conform import exact_cast
from arrowmig.endpoints.base import INTERNAL_PREFIX
from arrowmig.endpoints.pg_cast_text import INTERVAL_AS_TEXT_SQL, timestamp_as_text_sql
from arrowmig.errors import BeyondArrow, DataError, TypeSurprise
from arrowmig.infinity import OutOfRange, from_postgres_driver, infinity_signs
from arrowmig.model import Column, Table
from arrowmig.schema import (
    ddl_type,
    is_pg_interval,
    is_pg_string_type,
    is_pg_timestamp,
    pg_server_expression,
    qualified,
    quote_ident,
    wire_type,
)


def wire_column(col: Column) -> Column:
    return Column(col.name, wire_type(col, "postgresql"))


def move_staged_sql(table: Table, staging: str, schema: str, infinite: list[int]) -> str:
    exprs = []
    for i, col in enumerate(table.columns):
        expr = pg_server_expression(col, quote_ident(col.name))
        if i in infinite:
            sign, type_name = quote_ident(sign_column(i)), ddl_type(col, "postgresql")
            expr = (
                f"CASE {sign} WHEN 1 THEN 'infinity'::{type_name} "
                f"WHEN -1 THEN '-infinity'::{type_name} ELSE {expr} END"
            )
        exprs.append(expr)
    cols = ", ".join(quote_ident(c.name) for c in table.columns)
    # A GENERATED ALWAYS identity takes the source's keys only when told to (COPY takes them
    # as they come); without such a column the clause changes nothing.
    return (
        f"INSERT INTO {qualified(table.name, schema)} ({cols}) OVERRIDING SYSTEM VALUE "
        f"SELECT {', '.join(exprs)} FROM {quote_ident(staging)}"
    )


def sign_column(position: int) -> str:
    """The staging column with the infinities of the table's column at ``position``."""
    return f"{INTERNAL_PREFIX}infinity_{position}"


def infinities_apart(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, list[int]]:
    """The batch with each ±infinity of a date or timestamp column set to NULL and its sign
    (1, -1, else 0) in a column of its own, and the positions of the columns that held any.

    Finite values keep their binary form (any date PostgreSQL has, BC included); the
    server puts the infinities back (``move_staged_sql``).
    """
    infinite: list[int] = []
    arrays, names = list(batch.columns), list(batch.schema.names)
    for position, array in enumerate(batch.columns):
        signs = infinity_signs(array)
        if signs is None:
            continue
        infinite.append(position)
        arrays[position] = pc.if_else(pc.equal(signs, 0), array, pa.scalar(None, array.type))
        arrays.append(signs.cast(pa.int16()))
        names.append(sign_column(position))
    if not infinite:
        return batch, []
    return pa.RecordBatch.from_arrays(arrays, names=names), infinite


INTERVAL_OVERFLOW = "would overflow when converting to nanoseconds"
"""The driver's message for an interval whose time part passes 2,562,047 hours (Arrow's
intervals count nanoseconds in 64 bits; PostgreSQL's microseconds reach 2,562,047,788 hours)."""


def interval_too_long(table: Table) -> BeyondArrow:
    names = [c.name for c in table.columns if pa.types.is_interval(c.arrow_type)]
    which = repr(names[0]) if len(names) == 1 else f"one of {', '.join(map(repr, names))}"
    column = names[0] if names else "?"
    return BeyondArrow(
        f"table {table.name!r}, column {which}: an interval of 2,562,048 hours or more, "
        "past what Arrow's intervals hold (nanoseconds in 64 bits)",
        hint=f"carry it as text: {cast_option(table.name, column, 'text')} (read as text by the "
        "server)",
        table=table.name,
        column=names[0] if len(names) == 1 else None,
    )


def read_expression(col: Column) -> str:
    c = quote_ident(col.name)
    if is_pg_interval(col.source_type) and pa.types.is_string(col.arrow_type):
        return INTERVAL_AS_TEXT_SQL.format(c=c)  # cast to text by the plan
    if is_pg_timestamp(col.source_type) and pa.types.is_string(col.arrow_type):
        return timestamp_as_text_sql(c, col.source_type)  # cast to text by the plan
    if col.target_type == "jsonb" and col.source_type.endswith("]"):
        return f"array_to_json({c})::text"
    if col.source_type.endswith("]") and pa.types.is_string(col.arrow_type):
        # The array's own text (a --cast to text; verify between PostgreSQL databases), which
        # keeps its bounds and dimensions. Before the string types' rule: the driver would
        # read a varchar(5)[] as a list, which is no text.
        return f"{c}::text"
    if col.source_type == "money":
        return f"{c}::numeric::text"
    if col.source_type == "inet":
        # inet's cast to text always writes the netmask ('10.1.0.2/32'); its output function,
        # what psql, COPY and pg_dump show, leaves out a host's ('10.1.0.2'). format() writes
        # NULL as '', which is no address: the CASE keeps a NULL a NULL.
        return f"CASE WHEN {c} IS NOT NULL THEN format('%s', {c}) END"
    # "char" is read by its output function too: in binary an empty one is a zero byte,
    # which no text holds ('' is what psql, COPY and the cast back to "char" know).
    if pa.types.is_string(col.arrow_type) and not is_pg_string_type(col.source_type):
        return f"{c}::text"
    return c


def from_driver_batch(table: Table, schema: pa.Schema, batch: pa.RecordBatch) -> pa.RecordBatch:
    """A batch as the driver read it, in ``schema`` (±infinity in the carried form). A
    timestamp past Arrow's reach fails it naming every column of the batch that holds one,
    with the --cast of each, so that one run says all there is to fix, not one column a run."""
    arrays: list[pa.Array] = []
    beyond: list[str] = []
    reason = ""
    for i, field in enumerate(schema):
        try:
            arrays.append(_from_driver(table, field, batch.column(i)))
        except OutOfRange as exc:
            beyond.append(field.name)
            reason = str(exc)
    if not beyond:
        return pa.RecordBatch.from_arrays(arrays, schema=schema)
    # One reason (OutOfRange has one), said once: a line, not a paragraph.
    others = "".join(f"; column {name!r} holds one too" for name in beyond[1:])
    casts = " ".join(cast_option(table.name, name, "text") for name in beyond)
    raise BeyondArrow(
        f"table {table.name!r}, column {beyond[0]!r}: {reason}{others}",
        hint=f"carry {'it' if len(beyond) == 1 else 'them'} as text: {casts} (read as text "
        "by the server)",
        table=table.name,
        column=beyond[0],
    )


def _from_driver(table: Table, field: pa.Field, array: pa.Array) -> pa.Array:
    """A column as the driver read it, in the batch's type (±infinity in the carried form);
    OutOfRange for a timestamp past Arrow's reach (``from_driver_batch`` names them all)."""
    try:
        return _as_type(from_postgres_driver(array), field.type)
    except pa.ArrowInvalid:
        if not pa.types.is_decimal(field.type):
            raise
        # numeric(p,s) admits NaN and ±Infinity, which the driver reads as 'nan' and 'inf'.
        reason = "NaN or Infinity, which an Arrow decimal cannot hold"
        if table.column(field.name).proof is not None:
            # Presumed: the table is looked at and loaded again, the column as its text.
            raise TypeSurprise(
                f"table {table.name!r}, column {field.name!r} holds {reason}",
                table=table.name,
                column=field.name,
            ) from None
    raise DataError(
        f"table {table.name!r}, column {field.name!r}: {reason}",
        hint="convert the column in a view (e.g. to text) and name the view with --tables",
        table=table.name,
        column=field.name,
    )


def _as_type(array: pa.Array, target: pa.DataType) -> pa.Array:
    if isinstance(array.type, pa.ExtensionType) or hasattr(array, "storage"):
        array = array.storage
    if array.type == target:
        return array
    return exact_cast(array, target)
