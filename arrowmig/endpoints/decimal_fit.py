"""Values that a ``--cast`` to ``numeric(p,s)`` cannot hold once rounded to its places
(123456.789 into ``numeric(5,2)``): found before the batch is written, so that each is named
or set aside by its row rather than failing the whole table in the target.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.endpoints.duckdb_casts import CastScreen
from arrowmig.pg_numeric import MAX_DECIMAL128_DIGITS, holding_decimal, parse_numeric

_PG_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
"""A number as PostgreSQL's numeric input reads it (NaN and the infinities apart)."""

_PG_INFINITY = re.compile(r"^\s*[+-]?(inf|infinity)\s*$", re.IGNORECASE)


def declared(type_name: str | None, dialect: str) -> tuple[int, int] | None:
    """(precision, scale) of the decimal ``dialect`` declares for a --cast to ``type_name``,
    when that is a numeric(p,s) whose values it rounds; else None."""
    asked = parse_numeric(type_name or "")
    if asked is None or dialect not in ("postgresql", "duckdb"):
        return None
    if dialect == "postgresql":
        return asked
    held = holding_decimal(*asked)
    return held if held[0] <= MAX_DECIMAL128_DIGITS else None


def misfits(
    array: pa.Array, type_name: str | None, dialect: str, casts: CastScreen
) -> list[tuple[int, str]]:
    """(row, reason) of each value that the column ``dialect`` declares for a --cast to
    ``type_name`` refuses, when that is a numeric(p,s): a number too large once rounded to
    its places, an infinity, or (DuckDB, which converts the values itself) a NaN or a text
    that is no number. ``array`` is the column as the writer sends it: PostgreSQL converts
    its text, DuckDB the Arrow values. SQLite keeps each value whole (a TEXT column), and so
    does DuckDB past 38 digits (VARCHAR)."""
    asked = parse_numeric(type_name or "")
    held = declared(type_name, dialect)
    if asked is None or held is None:
        return []
    precision, scale = held
    if _surely_fits(array, precision, scale):
        return []
    if dialect == "duckdb":
        refused = casts.refused_rows(array, f"DECIMAL({precision},{scale})")
    else:
        refused = _pg_refused(array, precision, scale)
    texts = pc.cast(array, pa.string())
    too_large = (
        f"value does not fit {type_name}, whose values round to less than "
        f"{Decimal(10) ** (asked[0] - asked[1]):f} in magnitude"
    )
    not_number = f"value does not convert to {type_name}"
    return [
        (row, too_large if _finite_number(texts[row].as_py()) else not_number) for row in refused
    ]


def _finite_number(text: str | None) -> bool:
    return text is not None and _PG_NUMBER.match(text) is not None


def _surely_fits(array: pa.Array, precision: int, scale: int) -> bool:
    """Whether every value, read as a double, is well inside the type's range: the common
    case, decided without a look at each value."""
    try:
        numbers = pc.cast(array, pa.float64(), safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    if numbers.null_count == len(numbers):
        return True
    if not pc.all(pc.is_finite(numbers)).as_py():
        return False
    largest = pc.max(pc.abs(numbers)).as_py()
    # The largest value the type stores, less a margin wider than a double's error.
    return bool(largest < float(Decimal(10) ** (precision - scale)) * (1 - 1e-9) - 10.0**-scale)


def _pg_refused(array: pa.Array, precision: int, scale: int) -> list[int]:
    """PostgreSQL's rule: the value rounded half away from zero to ``scale`` places must be
    below 10**(precision - scale); an infinity never fits, NaN does. A text that is no number
    is the server's to refuse (with its own message: the batch is then written in halves)."""
    limit = Decimal(10) ** (precision - scale)
    step = Decimal(1).scaleb(-scale)
    # Enough digits for any value below the limit, rounded to the type's places.
    digits = Context(prec=abs(precision) + abs(scale) + 2, rounding=ROUND_HALF_UP)
    refused = []
    for row, value in enumerate(pc.cast(array, pa.string()).to_pylist()):
        if value is None:
            continue
        if _PG_INFINITY.match(value):
            refused.append(row)
        elif _PG_NUMBER.match(value):
            number = Decimal(value.strip())
            if number and number.adjusted() >= precision - scale:
                refused.append(row)  # at least 10**(precision - scale) before rounding
            elif abs(number.quantize(step, context=digits)) >= limit:
                refused.append(row)
    return refused
