"""Exact numbers a created SQLite or DuckDB table keeps as text (decimals, wide integers; an
unbounded PostgreSQL numeric), named in the plan: the target compares, sorts and aggregates
such a column as text, not as numbers.

A REAL would round past 15 significant digits and an INTEGER stops at 64 bits; DuckDB's
DECIMAL stops at 38 digits and needs a scale an unbounded numeric does not declare; so the
text stays the default, and the note gives the way to numbers for a column whose values fit.
"""

from __future__ import annotations

import re

import pyarrow as pa

from arrowmig.argument_words import cast_option
from arrowmig.model import Column
from arrowmig.pg_numeric import parse_numeric
from arrowmig.schema import ddl_type, is_text_type


def is_number_kept_as_text(column: Column, dialect: str) -> bool:
    """Whether a column of numbers becomes a text column in a created ``dialect`` table: into
    SQLite a decimal, a uint64, a numeric carried as its text (PostgreSQL's unbounded numeric
    and money, a numeric(p,s) holding NaN or Infinity, DuckDB's HUGEINT); into DuckDB such a
    numeric, which no DECIMAL holds."""
    if ddl_type(column, dialect) != _TEXT[dialect]:
        return False
    t = column.arrow_type
    # A numeric(p,s) with NaN names itself in pg_type (its type again on PostgreSQL), not in
    # target_type: its finite values compare as text all the same.
    numeric = (column.target_type or "").strip().lower().startswith(("numeric", "decimal"))
    numeric = numeric or bool(_NUMERIC.fullmatch(column.pg_type or ""))
    return pa.types.is_decimal(t) or pa.types.is_uint64(t) or (numeric and is_text_type(t))


_TEXT = {"sqlite": "TEXT", "duckdb": "VARCHAR"}
"""The text type each target keeps such numbers as (PostgreSQL keeps every numeric)."""


_NUMERIC = re.compile(r"\s*(numeric|decimal)\s*(\([\d\s,]*\))?\s*", re.IGNORECASE)
"""A numeric type's name, with or without its (p,s); not an array of them (JSON elsewhere),
which also names itself in pg_type."""


def text_number_note(table: str, column: Column, dialect: str) -> str:
    """The note for such a column, with the cast that stores numbers: whole numbers as
    integers (a value outside BIGINT's then fails its row; into DuckDB HUGEINT too), others as
    doubles, or into DuckDB as DECIMAL(38,s) too."""

    def cast(type_name: str) -> str:
        return cast_option(table, column.name, type_name)

    if dialect == "duckdb":
        way = (
            f"{cast('decimal(38,s)')} stores them as DECIMAL (rounded to s decimal places; a "
            f"value past 38 digits fails its row), {cast('double')} as DOUBLE (exact to 15 "
            "significant digits)"
        )
        if _whole(column):
            way = (
                f"{cast('bigint')} stores them as BIGINT ({_PAST_BIGINT}), {cast('hugeint')} as "
                f"HUGEINT (a value outside ±2^127 fails its row), {way}"
            )
        return (
            "exact numbers kept as VARCHAR: DuckDB compares, sorts and aggregates them as text "
            "(WHERE x > 9, ORDER BY and max() go by the characters: '10.50' < '9.99'; sum() "
            f"refuses them); {way}"
        )
    if _whole(column):
        way = f"{cast('bigint')} stores them as INTEGER ({_PAST_BIGINT})"
    else:
        way = f"{cast('double')} stores them as REAL (exact to 15 significant digits)"
    return (
        "exact numbers kept as TEXT: SQLite compares, sorts and aggregates them as text "
        f"(WHERE x > 9, ORDER BY and max() go by the characters: '10.50' < '9.99'); {way}"
    )


_PAST_BIGINT = "a value from 2^63 up, or below -2^63, fails its row"


def _whole(column: Column) -> bool:
    t = column.arrow_type
    if pa.types.is_decimal(t):
        return bool(t.scale == 0)
    declared = column.source_type.strip().upper()
    # PostgreSQL's numeric(39,0), as a DuckDB HUGEINT arrives there, read back: whole too.
    declared_numeric = parse_numeric(column.pg_type or column.source_type)
    if declared_numeric is not None and declared_numeric[1] == 0:
        return True
    return pa.types.is_uint64(t) or declared in ("HUGEINT", "UHUGEINT", "VARINT")
