"""PostgreSQL's ``numeric(p,s)`` where the scale is negative or above the precision (allowed
since PostgreSQL 15: ``numeric(5,-2)`` rounds to hundreds, ``numeric(3,5)`` holds 0.00123):
decoding its typmod, and the ordinary decimal (0 <= s <= p) that holds each of its values.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_DECIMAL128_DIGITS = 38
"""The most digits an Arrow decimal128 and a DuckDB DECIMAL hold."""
PG_MAX_NUMERIC_PRECISION = 1000
"""The most digits a PostgreSQL ``numeric(p,s)`` declares (p at least 1, s -1000 to 1000)."""

_NUMERIC = re.compile(r"^\s*(?:numeric|decimal)\s*\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\)\s*$", re.I)


def numeric_typmod(typmod: int) -> tuple[int, int] | None:
    """(precision, scale) of a numeric column's ``atttypmod``; None for an unbounded numeric.

    The typmod is ``(precision << 16 | scale & 0x7ff) + 4``: the scale is an 11-bit two's
    complement field, so ``numeric(5,-2)`` holds 2046 there, which read unsigned is no scale
    at all."""
    if typmod < 0:
        return None
    packed = typmod - 4
    scale = packed & 0x7FF
    return (packed >> 16) & 0xFFFF, scale - 0x800 if scale & 0x400 else scale


def parse_numeric(type_name: str) -> tuple[int, int] | None:
    """(precision, scale) of ``numeric(p,s)`` or ``decimal(p)`` written as SQL; None for any
    other type, a bare numeric included."""
    match = _NUMERIC.match(type_name)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def numeric_postgresql_declares(precision: int, scale: int) -> str:
    """``numeric(p,s)`` as near as PostgreSQL declares it, for a --cast a note suggests: a
    ``DECIMAL(1001,2)`` of doubles fits ``numeric(1000,2)``, which PostgreSQL creates."""
    most = PG_MAX_NUMERIC_PRECISION
    return f"numeric({min(precision, most)},{max(-most, min(scale, most))})"


def holding_decimal(precision: int, scale: int) -> tuple[int, int]:
    """The narrowest ordinary decimal(p,s), 0 <= s <= p, that holds every value of
    ``numeric(precision,scale)`` exactly: a negative scale's values are integers of up to
    ``precision - scale`` digits (99999 hundreds is 9,999,900), and a scale above the
    precision's are fractions below ``10**(precision - scale)`` with ``scale`` places."""
    if scale < 0:
        return precision - scale, 0
    if scale > precision:
        return scale, scale
    return precision, scale


def is_ordinary(precision: int, scale: int) -> bool:
    """Whether ``numeric(precision,scale)`` is one every database declares alike."""
    return holding_decimal(precision, scale) == (precision, scale)


def rounding_words(type_name: str, dialect: str) -> str | None:
    """What a --cast to ``type_name`` does to each value in ``dialect``, when it is a
    ``numeric(p,s)``: rounded to s places, to a whole number, or (a negative scale) to the
    nearest 10**-s; a scale above the precision holds only values below 10**(p - s). DuckDB
    declares the ordinary decimal that holds the type (``holding_decimal``), and rounds to
    its scale. SQLite has no such type and keeps each value as it is (a table arrowmig
    creates declares the column TEXT): said too, so that no one counts on the rounding.
    None for another type."""
    parsed = parse_numeric(type_name)
    if parsed is None:
        return None
    precision, scale = parsed
    if dialect == "sqlite":
        return (
            f"SQLite has no {type_name.strip()}: each value is kept as it is, not {_rounded(scale)}"
        )
    said = ""
    if dialect == "duckdb" and not is_ordinary(precision, scale):
        precision, scale = holding_decimal(precision, scale)
        said = f"DuckDB has no {type_name.strip()}: declared DECIMAL({precision},{scale}), "
    said += f"each value is {_rounded(scale)}"
    if scale > precision:
        below = format(Decimal(1).scaleb(precision - scale), "f")
        said += f", and only values below {below} in magnitude fit"
    return said


def _rounded(scale: int) -> str:
    if scale > 0:
        return f"rounded to {scale} decimal place{'s' if scale > 1 else ''}"
    if scale == 0:
        return "rounded to a whole number"
    return f"rounded to the nearest {10**-scale:,}"
