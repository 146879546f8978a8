"""What a column of fewer fractional digits or interval fields would do to a value.

PostgreSQL's COPY stores a value into ``timestamp(0)``, ``time(3)``, ``interval second(0)`` or
``interval day`` rounded or cut to the column's precision, without a word (``10:00:00.7``
became ``10:00:01``), and DuckDB's insert into ``TIMESTAMP_S`` or ``TIMESTAMP_MS`` does the same
(``1999-12-31 23:59:59.999999`` became ``2000-01-01 00:00:00``). A created column has its
source's precision, so only a column that was there before (an append, a truncate) can do
that: such values are found before they are written, to be refused or set aside like any
value the target cannot hold exactly.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.infinity import is_finite
from arrowmig.temporal_text import PER_SECOND

_PRECISION = re.compile(r"\(\s*(\d+)\s*\)")
_INTERVAL_FIELDS = re.compile(
    r"^interval\s+(year|month|day|hour|minute|second)(?:\s+to\s+(month|hour|minute|second))?",
    re.IGNORECASE,
)
_NANOS = {"hour": 3_600 * 10**9, "minute": 60 * 10**9}


def changed_by_column(declared: str, array: pa.Array) -> pa.Array | None:
    """Where (a boolean mask, nulls false) the column ``declared`` (PostgreSQL's own spelling,
    ``timestamp(0) without time zone``) would store another value than ``array``'s; None when
    it keeps every value of the array's type."""
    name = declared.strip().lower()
    if name.endswith("]"):
        return None  # arrays are converted, and checked, by the server (schema.PG_EXACT)
    match = _PRECISION.search(name)
    digits = int(match.group(1)) if match else None
    if name.startswith("interval"):
        if not pa.types.is_interval(array.type):
            return None
        return _interval_changed(array, _interval_resolution(name, digits))
    if digits is None or digits >= 6:
        return None
    return _fraction_changed(array, digits)


DUCKDB_DIGITS = {"TIMESTAMP_S": 0, "TIMESTAMP_MS": 3}
"""DuckDB's types of fewer fractional digits than a TIMESTAMP's six (its TIME, TIMESTAMPTZ and
INTERVAL take no precision; a DECIMAL's places are ``conform``'s)."""


def changed_by_duckdb_column(declared: str, array: pa.Array) -> pa.Array | None:
    """Like ``changed_by_column`` for a DuckDB column of the type ``declared``."""
    digits = DUCKDB_DIGITS.get(declared.strip().upper())
    return None if digits is None else _fraction_changed(array, digits)


def _fraction_changed(array: pa.Array, digits: int) -> pa.Array | None:
    """Where a time or timestamp has a fraction of a second past ``digits`` places."""
    if not (pa.types.is_timestamp(array.type) or pa.types.is_time(array.type)):
        return None
    step = PER_SECOND[array.type.unit] // 10**digits
    if step <= 1:
        return None
    off = pc.not_equal(pc.remainder(array.view(_integer_of(array.type)), step), 0)
    if pa.types.is_timestamp(array.type):
        off = pc.and_(off, is_finite(array))  # ±infinity is kept as it is
    return pc.fill_null(off, False)


def _integer_of(arrow_type: pa.DataType) -> pa.DataType:
    return pa.int32() if pa.types.is_time32(arrow_type) else pa.int64()


def _interval_resolution(name: str, digits: int | None) -> tuple[int, bool, int]:
    """(months a value must be a multiple of, whether it may hold days, nanoseconds its time
    must be a multiple of), as PostgreSQL's interval typmod cuts a value to its last field."""
    fields = _INTERVAL_FIELDS.match(name)
    last = (fields.group(2) or fields.group(1)).lower() if fields else "second"
    if last == "year":
        return 12, False, 0
    if last == "month":
        return 1, False, 0
    if last == "day":
        return 1, True, 0
    if last in _NANOS:
        return 1, True, _NANOS[last]
    return 1, True, 10 ** (9 - min(digits if digits is not None else 6, 6))


def _interval_changed(array: pa.Array, resolution: tuple[int, bool, int]) -> pa.Array:
    months_step, days_kept, nanos_step = resolution
    layout = np.dtype([("months", "<i4"), ("days", "<i4"), ("nanos", "<i8")])
    parts = np.frombuffer(array.buffers()[1], dtype=layout, count=array.offset + len(array))[
        array.offset :
    ]
    changed = parts["months"] % months_step != 0
    if not days_kept:
        changed |= parts["days"] != 0
    changed |= parts["nanos"] % nanos_step != 0 if nanos_step else parts["nanos"] != 0
    valid = np.asarray(pc.is_valid(array))
    return pa.array(changed & valid)
