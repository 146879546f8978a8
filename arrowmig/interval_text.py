"""Interval texts read exactly, in Python: PostgreSQL's output form (a default as the catalog
shows it), and whether a text holds a part an interval cannot (finer than a microsecond).

PostgreSQL and DuckDB intervals hold months, days and microseconds; each server rounds or
cuts what an input text says below a microsecond (``'0.00000001 minutes'`` is 0.6 µs: 1 µs in
PostgreSQL and DuckDB, and ``'0.00000000001 days'`` 1 µs in one and 0 in the other), without
a word. Which texts do is worked out here exactly, in integers, not by either server's parse.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import duckdb  # verify's alone: a run that reads none has no need of it

FUNCTION = "arrowmig_interval_finer"
"""``finer_than_microsecond`` in a DuckDB connection's SQL (``register``), for ``verify``."""

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


# -- parts finer than a microsecond -----------------------------------------------------------

_MICROS_PER_UNIT = {
    "microsecond": 1,
    "millisecond": 1_000,
    "second": 1_000_000,
    "minute": 60_000_000,
    "hour": 3_600_000_000,
    "day": 86_400_000_000,
    "week": 7 * 86_400_000_000,
    # A fraction of a month is 30 days, of a year whole months: their fraction of a month is
    # 30 days' microseconds too (PostgreSQL: '0.01 mons' is 07:12:00).
    "month": 30 * 86_400_000_000,
}
_UNIT_WORDS = {
    "microsecond": ("us", "usec", "usecs", "microsecond", "microseconds", "microsecon"),
    "millisecond": ("ms", "msec", "msecs", "millisecond", "milliseconds", "millisecon"),
    "second": ("s", "sec", "secs", "second", "seconds"),
    "minute": ("m", "min", "mins", "minute", "minutes"),
    "hour": ("h", "hr", "hrs", "hour", "hours"),
    "day": ("d", "day", "days"),
    "week": ("w", "week", "weeks"),
    "month": ("mon", "mons", "month", "months"),
}
_UNIT_OF = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_NUMBER_UNIT = re.compile(
    r"(?<![\w.:])([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([a-z]+)\b", re.IGNORECASE
)
_CLOCK_FRACTION = re.compile(r"\d:\d+[.](\d+)")
"""The fraction of a second at a clock's end (``01:02:03.0000009``, ``02:03.0000009``)."""
_ISO_PART = re.compile(r"([+-]?\d+(?:[.,]\d+)?)([YMWDHS])", re.IGNORECASE)


def finer_than_microsecond(text: str) -> bool:
    """Whether an interval text holds a non-zero part below a microsecond, which PostgreSQL
    and DuckDB would round or cut: a fraction of any unit (``'0.00000001 minutes'``,
    ``'1.123456789 hours'``), a clock's seventh fraction digit, or an ISO 8601 part
    (``PT0.0000001S``). Each part is judged on its own."""
    lowered = text.strip().lower()
    if lowered.startswith("p"):
        return _iso_finer(lowered)
    for fraction in _CLOCK_FRACTION.findall(lowered):
        if fraction[6:].strip("0"):
            return True
    for number, word in _NUMBER_UNIT.findall(lowered):
        unit = _UNIT_OF.get(word)
        if unit is not None and not _whole(number, _MICROS_PER_UNIT[unit]):
            return True
    return False


def _iso_finer(text: str) -> bool:
    """ISO 8601 (``P1DT0.0000001S``): M before T is months, after it minutes; the alternative
    form's clock (``P0001-02-03T04:05:06.0000001``) as any clock."""
    date_part, _, time_part = text[1:].partition("t")
    if any(fraction[6:].strip("0") for fraction in _CLOCK_FRACTION.findall(time_part)):
        return True
    units = {"w": "week", "d": "day", "m": "month"}
    for part, per in ((date_part, units), (time_part, {"h": "hour", "m": "minute", "s": "second"})):
        for number, letter in _ISO_PART.findall(part):
            unit = per.get(letter)
            if unit is not None and not _whole(number.replace(",", "."), _MICROS_PER_UNIT[unit]):
                return True
    return False


def _whole(number: str, micros_per_unit: int) -> bool:
    """Whether ``number`` of a unit is a whole number of microseconds: its digits times the
    unit's microseconds divide by its power of ten, in integers (exact, and quicker than
    Fraction)."""
    try:
        exact = Decimal(number)
    except InvalidOperation:
        return True  # not a number: the server refuses the text, nothing is rounded
    if not exact.is_finite():
        return True
    _sign, digits, exponent = exact.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return True
    whole = int("".join(map(str, digits)) or "0")
    return bool(whole * micros_per_unit % int(10**-exponent) == 0)


_MAYBE_FINER = r"[.,][0-9]|[0-9][eE]"
"""A text without a fraction or an exponent holds whole units only: looked at no further."""
_AS_WRITTEN = r"^-?[0-9]+ mons -?[0-9]+ days -?[0-9]+([.][0-9]{1,6})? secs$"
"""An interval as arrowmig writes one to SQLite (``schema.interval_text``) from a PostgreSQL or
DuckDB value: whole microseconds, looked at no further (most texts verify meets)."""


def finer_texts(texts: pa.Array) -> pa.Array:
    """``finer_than_microsecond`` per text (NULL stays NULL), in Python only for the texts
    with a fraction or an exponent that are not as arrowmig writes intervals."""
    maybe = pc.and_(
        pc.match_substring_regex(texts, _MAYBE_FINER),
        pc.invert(pc.match_substring_regex(texts, _AS_WRITTEN)),
    )
    rows = pc.indices_nonzero(pc.fill_null(maybe, False)).to_pylist()
    if not rows:
        return maybe
    finer = maybe.to_pylist()
    for row, text in zip(rows, texts.take(rows).to_pylist(), strict=True):
        finer[row] = finer_than_microsecond(text)
    return pa.array(finer, pa.bool_())


# -- texts that are no interval ---------------------------------------------------------------

_UNIT = (
    r"(?:microsecon[a-z]*|us(?:ecs?|econds?)?|millisecon[a-z]*|ms(?:ecs?|econds?)?|"
    r"s(?:ecs?|econds?)?|m(?:ins?|inutes?)?|h(?:rs?|ours?)?|d(?:ays?)?|w(?:eeks?)?|"
    r"mons?|months?|y(?:rs?|ears?)?|dec(?:s|ades?)?|c(?:ent|entury|enturies)?|"
    r"mils?|millenni(?:um[a-z]*|a)|qtrs?|quarters?|timezone(?:_[hm])?|ago|infinity|e)"
)
_READABLE = (
    rf"(?i)^[0-9+\-.,:@\s]*(?:{_UNIT}[0-9+\-.,:@\s]+)*{_UNIT}?$"
    r"|(?i)^\s*[+-]?P[0-9YMWDTHS+\-.,:\s]*$"
)
"""Interval input as PostgreSQL reads it, loosely: numbers, clocks, signs, commas and units
in any order ('1 year, 2 mons -3 days', '1h30m', '-1 days +02:00:00', '@ 1 day ago', SQL's
'1-2 3 4:05:06'), and ISO 8601 ('P1Y2M', 'P0001-02', 'P1Y2M3DT4:05:06'). A word counts only
whole (every run of letters is one unit), as the server reads '1hour' but not '1 hourly'; the
server looks at a word's first ten letters alone ('microseconds', 'millenniums').
Broad by design, never stricter than the server: a text it lets by is still the server's to
read; one it stops would stop a run the server would have loaded."""
_SOMETHING = r"(?i)[0-9.]|infinity|^\s*[+-]?P"
"""PostgreSQL reads no interval from signs, commas or units alone ('', 'day', 'ago'); a lone
'.' is a number to it."""


def unreadable_texts(texts: pa.Array) -> pa.Array:
    """Per text, whether it is no interval PostgreSQL could read ('banana', ''); NULL stays
    NULL."""
    readable = pc.and_(
        pc.match_substring_regex(texts, _READABLE), pc.match_substring_regex(texts, _SOMETHING)
    )
    return pc.invert(readable)


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``FUNCTION(VARCHAR) -> BOOLEAN`` callable in ``con``'s SQL."""
    from duckdb import func

    con.create_function(
        FUNCTION,
        finer_texts,
        ["varchar"],
        "boolean",
        type=func.PythonUDFType.ARROW,
        side_effects=False,
    )
