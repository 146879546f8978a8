"""Numbers counted from 1970-01-01 UTC in a unit a ``--cast T.C=epoch_s`` (``epoch_ms``,
``epoch_us``) names, as microsecond timestamps: integers (Prisma's milliseconds) exactly,
reals (Python's ``time.time()``, Rails' ``Time#to_f``) to the nearest microsecond;
``epoch_2001_s``, seconds from 2001-01-01 UTC (Core Data's dates); and ``julian``, SQLite's
julian days.
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


JULIAN_DAY_MS = 86_400_000
JULIAN_1970_MS = 210_866_760_000_000
"""1970-01-01 00:00 UTC as milliseconds of julian days (day 2440587.5)."""
JULIAN_DAYS = (1_721_425.5, 5_373_484.5)
"""The julian days of 0001-01-01 and 10000-01-01 (00:00 UTC): SQLite's julianday() of its
dates, and numbers no other epoch's dates plausibly are (seconds of January 1970)."""


def julian_micros(array: pa.Array) -> pa.Array:
    """``array``, julian days (days since -4713-11-24 12:00 UTC, proleptic Gregorian, as
    SQLite's julianday() gives them), as timestamp[us]: each to the millisecond, rounded as
    SQLite's own datetime() reads a julian day, so that julianday('2024-01-01 10:00:00')
    (2460310.9166666665, a double 10 µs off) is 10:00:00 again. Raises as ``epoch_micros``."""
    if pa.types.is_null(array.type):
        return array.cast(pa.timestamp("us"))
    if pa.types.is_integer(array.type):
        millis = pc.multiply_checked(array.cast(pa.int64()), JULIAN_DAY_MS)
    elif pa.types.is_floating(array.type):
        # SQLite: (sqlite3_int64)(r*86400000.0 + 0.5); the safe cast raises on NaN, ±Infinity.
        scaled = pc.floor(pc.add(pc.multiply(array.cast(pa.float64()), float(JULIAN_DAY_MS)), 0.5))
        millis = pc.cast(scaled, pa.int64(), safe=True)
    else:
        raise pa.ArrowNotImplementedError(f"{array.type} values are no count of days")
    micros = pc.multiply_checked(pc.subtract_checked(millis, JULIAN_1970_MS), 1000)
    return micros.cast(pa.timestamp("us"))
