"""Numbers counted from 1970-01-01 UTC in a unit a ``--cast T.C=epoch_s`` (``epoch_ms``,
``epoch_us``) names, as microsecond timestamps: integers (Prisma's milliseconds) exactly,
reals (Python's ``time.time()``, Rails' ``Time#to_f``) to the nearest microsecond; and
``epoch_2001_s``, seconds from 2001-01-01 UTC (Core Data's dates).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def epoch_micros(array: pa.Array, per_unit: int, start: int = 0) -> pa.Array:
    """``array``, counts of a unit of ``per_unit`` microseconds since 1970 (or since ``start``
    microseconds after it: Core Data counts from 2001), as timestamp[us].

    A real is the microsecond nearest to it, which reads back as the same real wherever one
    is that near (a real of seconds has 15-16 significant digits, 1700000000.5 and
    1672537182.865852 among them); a finer fraction (``time.time()``'s 1700000000.1234567) is
    rounded, as the plan says. A value beyond the microseconds an int64 holds, NaN and
    ±Infinity raise ArrowInvalid (their row's problem); a type that counts nothing (a date, a
    text) raises ArrowNotImplementedError (the cast is refused at planning)."""
    if pa.types.is_null(array.type):
        return array.cast(pa.timestamp("us"))  # a column of NULLs alone
    if pa.types.is_integer(array.type):
        micros = pc.multiply_checked(array.cast(pa.int64()), per_unit)
    elif pa.types.is_floating(array.type):
        # The product is within a quarter of a microsecond of the exact one below 2^53 µs
        # (the year 2255), so the rounding picks the nearest microsecond; the safe cast
        # raises on NaN, ±Infinity and beyond int64.
        scaled = pc.multiply(array.cast(pa.float64()), float(per_unit))
        micros = pc.cast(pc.round(scaled), pa.int64(), safe=True)
    else:
        raise pa.ArrowNotImplementedError(f"{array.type} values are no count of time units")
    if start:
        micros = pc.add_checked(micros, start)
    return micros.cast(pa.timestamp("us"))
