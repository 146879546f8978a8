"""Dates and timestamps outside PostgreSQL's range, found before they are written.

PostgreSQL's dates and timestamps start at 4714-11-24 BC, and its dates end in 5874897 AD.
DuckDB's go further back (to 290308 BC and 5877641 BC), and the driver's binary COPY, which
counts from 2000-01-01, overflows on those within about 30 years (a timestamp) of DuckDB's
limit: the whole table failed with the empty "Error occurred writing COPY data:", which
--on-error reject could not set aside. Every such value is named instead, row by row, like
any other the target refuses. (Arrow's microsecond timestamps end in 294247 AD, before
PostgreSQL's last.) ±infinity is PostgreSQL's too, and left alone.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.infinity import PG_EARLIEST_SECONDS, is_finite
from arrowmig.temporal_text import PER_SECOND

EARLIEST_DAY = -2_440_588
"""4714-11-24 BC, PostgreSQL's first date, in days from 1970-01-01."""

LAST_DAY = 2_145_042_905
"""5874897-12-31, PostgreSQL's last date, in days from 1970-01-01."""

_BEFORE = "before 4714-11-24 BC, PostgreSQL's earliest timestamp"
_OUTSIDE = "outside PostgreSQL's dates (4714-11-24 BC to 5874897-12-31 AD)"

HINT = "keep the value as text with {cast}, or set such rows aside with --on-error reject"


def outside_range(array: pa.Array) -> tuple[pa.Array, str] | None:
    """Per row, whether a date or timestamp lies outside PostgreSQL's range (nulls and
    ±infinity false), and the reason to give; None for an array of another type."""
    if pa.types.is_timestamp(array.type):
        # The earliest in the array's own unit (a whole number of seconds in every unit):
        # values are compared as they are, never multiplied (which could overflow).
        earliest = PG_EARLIEST_SECONDS * PER_SECOND[array.type.unit]
        if earliest < -(2**63):  # nanoseconds: every one lies after 1677 AD
            return None
        outside, reason = pc.less(array.view(pa.int64()), earliest), _BEFORE
    elif pa.types.is_date32(array.type):
        days = array.view(pa.int32())
        outside = pc.or_(pc.less(days, EARLIEST_DAY), pc.greater(days, LAST_DAY))
        reason = _OUTSIDE
    else:
        return None
    return pc.and_(pc.fill_null(outside, False), is_finite(array)), reason


def may_be_outside(arrow_type: pa.DataType) -> bool:
    """Whether values of ``arrow_type`` can lie outside PostgreSQL's range (``outside_range``
    looks at them): dates, and timestamps of a unit that reaches before 4714 BC."""
    return outside_range(pa.array([], arrow_type)) is not None
