"""The ``--cast`` conversions verify repeats on the source's values: a cast that reads the same
value another way, losslessly (an epoch's count as the instant it counts, integer microseconds
as an interval, 16 bytes as a uuid), is no difference, so the source is converted by migrate's
own ``schema.cast_as_asked`` before hashing, and a value the target changed still differs.
A cast that changes values (``numeric(10,2)`` rounding, ``'0012'`` to ``bigint``) is not here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

import pyarrow as pa

from arrowmig.model import Column, Table
from arrowmig.schema import (
    EPOCH_UNITS,
    INTERVAL_MICROSECONDS,
    UUID_CAST,
    cast_as_asked,
    is_bytes_type,
)

CastReads = dict[str, Column]
"""Source columns compared through their cast, by name: each as the endpoint reads it, with
the cast as its ``target_type`` (what ``cast_as_asked`` converts by)."""


def reinterprets(cast: str, source: pa.DataType) -> bool:
    """Whether ``--cast ...=cast`` on values of ``source`` only reads each value another way,
    losing nothing: numbers as epochs or julian days, integers as microseconds of an
    interval, bytes as uuids (text cast so is parsed, and compared by the rules of its pair)."""
    lowered = cast.strip().lower()
    if lowered in EPOCH_UNITS:
        return bool(pa.types.is_integer(source) or pa.types.is_floating(source))
    if lowered == INTERVAL_MICROSECONDS:
        return bool(pa.types.is_integer(source))
    return lowered == UUID_CAST and is_bytes_type(source)


def through_casts(table: Table, casts: Mapping[str, str]) -> tuple[Table, CastReads]:
    """``table`` with each column a reinterpreting cast of ``casts`` (column -> type) made
    over described as that cast made it, and those columns as they are read."""
    reads: CastReads = {}
    columns = []
    for column in table.columns:
        cast = casts.get(column.name)
        if cast is None or not reinterprets(cast, column.arrow_type):
            columns.append(column)
            continue
        reads[column.name] = replace(column, target_type=cast)
        converted = cast_as_asked(pa.array([], column.arrow_type), reads[column.name])
        # No proof: a proof checks values against the type this column no longer reads as.
        columns.append(replace(column, arrow_type=converted.type, target_type=None, proof=None))
    return replace(table, columns=tuple(columns)), reads


def as_read(table: Table, reads: CastReads) -> Table:
    """``table`` (described through its casts) with those columns as the endpoint reads them."""
    return replace(table, columns=tuple(reads.get(c.name, c) for c in table.columns))


def converted(reader: pa.RecordBatchReader, reads: CastReads) -> pa.RecordBatchReader:
    """``reader``'s batches with each column of ``reads`` converted by its cast, as migrate
    converted it. A value that does not convert (NaN as an epoch, 15 bytes as a uuid) is
    NULL: migrate refused its row, so only that row differs, not the whole column."""
    if not reads:
        return reader
    fields = list(reader.schema)
    for i, f in enumerate(fields):
        if f.name in reads:
            empty = cast_as_asked(pa.array([], f.type), reads[f.name])
            fields[i] = pa.field(f.name, empty.type, nullable=True)
    schema = pa.schema(fields)

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            arrays = list(batch.columns)
            for i, f in enumerate(batch.schema):
                if f.name not in reads:
                    continue
                arrays[i] = _each_converted(arrays[i], reads[f.name], schema.field(i).type)
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


def _each_converted(array: pa.Array, read: Column, to: pa.DataType) -> pa.Array:
    """``array`` converted by ``read``'s cast into ``to``; where a value does not convert,
    value by value, each such value NULL (only the batches holding one pay for that)."""
    try:
        return cast_as_asked(array, read).cast(to)
    except _UNCONVERTED:
        pass
    values = []
    for i in range(len(array)):
        try:
            values.append(cast_as_asked(array.slice(i, 1), read).cast(to))
        except _UNCONVERTED:
            values.append(pa.nulls(1, to))
    return pa.concat_arrays(values)  # not empty: an empty array converts


_UNCONVERTED = (pa.ArrowInvalid, pa.ArrowNotImplementedError)


def cast_note(compared: Mapping[str, str]) -> str:
    """One line naming the columns compared through their cast (column -> cast):
    ``created_at compared as --cast epoch_2001_s made it``."""
    if len(compared) == 1:
        ((column, cast),) = compared.items()
        return f"{column} compared as --cast {cast} made it"
    each = ", ".join(f"{column} ({cast})" for column, cast in compared.items())
    return f"compared as the run's --cast made them: {each}"
