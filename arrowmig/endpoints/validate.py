"""Checks that a batch's values can travel: text that is not valid UTF-8, NUL bytes where the
target cannot store them. A failed check names the table, column, key and value.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.errors import DataError
from arrowmig.model import Table


def render_value(value: object, limit: int = 40) -> str:
    """A short, safe rendering of a value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(keys: pa.Array | None, index: int, table: Table) -> str:
    if keys is None:
        return f"row {index + 1} of its batch"
    return f"{table.split_key} {keys[index].as_py()}"


def check_batch_text(batch: pa.RecordBatch, table: Table, keys: pa.Array | None) -> None:
    """Raise DataError for text that is not valid UTF-8 (drivers hand it on unchecked)."""
    for i, field in enumerate(batch.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        array = batch.column(i)
        try:
            array.validate(full=True)
        except pa.ArrowInvalid:
            bad = first_invalid_utf8(array)
            raw = array.cast(pa.binary())[bad].as_py() if bad is not None else b""
            raise DataError(
                f"table {table.name!r}, column {field.name!r}, {_where(keys, bad or 0, table)}: "
                f"text is not valid UTF-8: {render_value(raw)}",
                hint="fix the value in the source, or use --on-error reject to set the row aside",
                table=table.name,
                column=field.name,
            ) from None


def first_invalid_utf8(array: pa.Array) -> int | None:
    for index, value in enumerate(array.cast(pa.binary()).to_pylist()):
        if value is None:
            continue
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return index
    return None


def check_no_nul(batch: pa.RecordBatch, table: Table, keys: pa.Array | None) -> None:
    """PostgreSQL text cannot hold the NUL character: refuse such values loudly."""
    for i, field in enumerate(batch.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        hits = pc.match_substring(batch.column(i), "\x00")
        if pc.any(hits).as_py():
            bad = int(pc.index(hits, True).as_py())
            raise DataError(
                f"table {table.name!r}, column {field.name!r}, {_where(keys, bad, table)}: text "
                f"contains a NUL byte, which PostgreSQL text cannot store: "
                f"{render_value(batch.column(i)[bad].as_py())}",
                hint="use --cast to make the column bytea, or --on-error reject to set the row aside",
                table=table.name,
                column=field.name,
            )
