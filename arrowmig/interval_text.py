"""Interval texts read exactly, in Python: PostgreSQL's output form (a default as the catalog
shows it)."""

from __future__ import annotations

import re

import pyarrow as pa

_OUTPUT = re.compile(
    r"(?:(?P<years>[+-]?\d+) years? ?)?"
    r"(?:(?P<months>[+-]?\d+) (?:mons?|months?) ?)?"
    r"(?:(?P<days>[+-]?\d+) days? ?)?"
    r"(?:(?P<sign>[+-])?(?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d)(?:\.(?P<f>\d{1,6}))?)?"
)
"""An interval as PostgreSQL writes it under IntervalStyle postgres, which arrowmig pins
(``1 year 2 mons -3 days +04:05:06.5``), and as DuckDB writes it (``2 months``)."""


def parse_output(text: str) -> tuple[int, int, int] | None:
    """(months, days, microseconds) of an interval in its output form, or None for any other
    text (input forms such as ``'36 hours'`` are left to the servers, which read them apart)."""
    found = _OUTPUT.fullmatch(text.strip())
    if found is None or not text.strip():
        return None
    part = found.groupdict()
    months = int(part["years"] or 0) * 12 + int(part["months"] or 0)
    micros = 0
    if part["h"] is not None:
        seconds = int(part["h"]) * 3600 + int(part["m"]) * 60 + int(part["s"])
        micros = seconds * 1_000_000 + int((part["f"] or "").ljust(6, "0"))
        micros = -micros if part["sign"] == "-" else micros
    return months, int(part["days"] or 0), micros


def as_array(parts: tuple[int, int, int]) -> pa.Array:
    """One interval of (months, days, microseconds) as an Arrow interval array."""
    months, days, micros = parts
    return pa.array([pa.MonthDayNano([months, days, micros * 1000])], pa.month_day_nano_interval())
