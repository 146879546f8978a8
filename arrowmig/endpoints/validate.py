"""Screening a batch before it is written: values the target cannot hold exactly (text that
is not valid UTF-8, NUL bytes in PostgreSQL text). Each problem names row, column and reason,
so the run can stop with a precise message (--on-error fail) or set the row aside (reject).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.errors import DataError
from arrowmig.model import Table


@dataclass(frozen=True)
class Problem:
    """One value that cannot travel."""

    row: int
    """Index of the row within its batch."""
    column: str
    reason: str


def render_value(value: object, limit: int = 40) -> str:
    """A short, safe rendering of a value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def screen_batch(batch: pa.RecordBatch, table: Table, dialect: str) -> list[Problem]:
    """Every problem in the batch (cheap vectorised checks first; Python only on failure)."""
    problems: list[Problem] = []
    for i, field in enumerate(batch.schema):
        if not _is_text(field.type):
            continue
        array = batch.column(i)
        try:
            array.validate(full=True)
        except pa.ArrowInvalid:
            problems.extend(
                Problem(r, field.name, "text is not valid UTF-8") for r in invalid_utf8_rows(array)
            )
            continue
        if dialect == "postgresql":
            hits = pc.match_substring(array, "\x00")
            if pc.any(hits).as_py():
                rows = pc.indices_nonzero(pc.fill_null(hits, False)).to_pylist()
                problems.extend(
                    Problem(
                        r,
                        field.name,
                        "text contains a NUL byte, which PostgreSQL text cannot store",
                    )
                    for r in rows
                )
    return problems


def invalid_utf8_rows(array: pa.Array) -> list[int]:
    rows = []
    for index, value in enumerate(array.cast(pa.binary()).to_pylist()):
        if value is None:
            continue
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            rows.append(index)
    return rows


def describe_key(table: Table, keys: pa.Array | None, row: int) -> str:
    if keys is None or table.split_key is None:
        return f"row {row + 1} of its batch"
    return f"{table.split_key} {keys[row].as_py()}"


def problem_error(
    problem: Problem, batch: pa.RecordBatch, table: Table, keys: pa.Array | None
) -> DataError:
    """The one-line error for ``--on-error fail``: table, column, key, value and the way past it."""
    array = batch.column(batch.schema.get_field_index(problem.column))
    value = (
        array.cast(pa.binary())[problem.row].as_py()
        if _is_text(array.type)
        else array[problem.row].as_py()
    )
    return DataError(
        f"table {table.name!r}, column {problem.column!r}, {describe_key(table, keys, problem.row)}: "
        f"{problem.reason}: {render_value(value)}",
        hint="fix the value in the source, --cast the column (e.g. to bytea), or use --on-error reject",
        table=table.name,
        column=problem.column,
    )


def check_no_nul(batch: pa.RecordBatch, table: Table, keys: pa.Array | None) -> None:
    """Last line of defence in the PostgreSQL writer: refuse NUL bytes loudly."""
    problems = [p for p in screen_batch(batch, table, "postgresql") if "NUL" in p.reason]
    if problems:
        raise problem_error(problems[0], batch, table, keys)
