"""Declared sizes PostgreSQL cannot create (``VARCHAR(0)``, ``VARCHAR(20000000)``,
``DECIMAL(1001,2)``), which SQLite accepts and never holds its values to: bound for
PostgreSQL, each such column becomes the nearest type that holds every value, and says so."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from arrowmig.model import Column, Table
from arrowmig.pg_numeric import PG_MAX_NUMERIC_PRECISION, parse_numeric
from arrowmig.schema import text_limit

PG_MAX_TEXT_LENGTH = 10_485_760
"""The longest ``varchar(n)`` or ``char(n)`` PostgreSQL creates; n is at least 1."""


def with_types_postgresql_creates(
    source: Table, target_dialect: str, cast: Collection[str]
) -> Table:
    """The source with each column a PostgreSQL target would get as a type it refuses to
    create, for its declared size alone, as the type without the size: text for a varchar or
    char of no length or a longer one than it has, unbounded numeric for a numeric of more
    digits. A column ``cast`` keeps the type asked for (the target answers it)."""
    if target_dialect != "postgresql":
        return source
    columns = []
    for c in source.columns:
        widened = None if c.name in cast or c.pg_type else _without_size(c.target_type or "")
        if widened is not None:
            c = replace(c, target_type=widened, notes=(*c.notes, _note(c, widened)))
        columns.append(c)
    return replace(source, columns=tuple(columns))


def _without_size(target_type: str) -> str | None:
    """``text`` or ``numeric`` for a sized type PostgreSQL refuses for its size; else None."""
    length = text_limit(target_type)
    if length is not None:
        return None if 1 <= length <= PG_MAX_TEXT_LENGTH else "text"
    numeric = parse_numeric(target_type)
    if numeric is not None:
        (precision, scale), most = numeric, PG_MAX_NUMERIC_PRECISION
        return None if 1 <= precision <= most and -most <= scale <= most else "numeric"
    return None


def _note(column: Column, widened: str) -> str:
    # Opens as the profile's type notes do ("declared "): an existing column keeps its own
    # type, and the note goes with the type it no longer gets.
    declared = column.source_type or column.target_type
    if widened == "text":
        return (
            f"declared {declared}, a length PostgreSQL cannot create (varchar and char take 1 to "
            f"{PG_MAX_TEXT_LENGTH:,} characters): text, which holds every value as it is"
        )
    return (
        f"declared {declared}, a precision PostgreSQL cannot create (numeric takes 1 to "
        f"{PG_MAX_NUMERIC_PRECISION} digits): unbounded numeric, which holds every value exactly"
    )
