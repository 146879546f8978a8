"""ISO 8601 interval texts (``'P1Y2M'``, ``'PT1H30M'``, ``'P0001-02-03T04:05:06'``) read as
PostgreSQL reads them, for verify: DuckDB's interval cast reads none of them.

A SQLite text loaded into a PostgreSQL interval column is read by the server; verify reads the
same text in DuckDB, and must come to the server's value. The rules follow PostgreSQL's
``DecodeISO8601Interval`` (datetime.c): a fraction of a year is whole months (rounded), of a
month 30 days, of a week 7 days, of a day 24 hours, each rest rounded to a microsecond, in
doubles as the server does (a text with a part finer than a microsecond is never compared
by value: ``normalise._finer_interval``).

PostgreSQL's own output of an interval whose clock is signed apart from its days
(``'-1 days +02:00:00'``), which DuckDB's cast refuses for its ``+``, is rewritten here too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig import interval_text

if TYPE_CHECKING:
    import duckdb  # verify's alone

FUNCTION = "arrowmig_interval_iso"
"""``as_words`` in a DuckDB connection's SQL (``register``), for ``verify``."""

_USECS_PER_SEC = 1_000_000
_USECS_PER_MINUTE = 60 * _USECS_PER_SEC
_USECS_PER_HOUR = 60 * _USECS_PER_MINUTE
_USECS_PER_DAY = 24 * _USECS_PER_HOUR
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
"""What the server's ``strtod`` takes of an ISO field, starting as the server allows (a digit,
'-' or '.'); hex and infinities, which it would take too, are left unread here."""


class _Parts:
    """Months, days and microseconds as the server adds them up."""

    def __init__(self) -> None:
        self.months = 0
        self.days = 0
        self.micros = 0

    def fract_micros(self, frac: float, scale: int) -> None:
        frac *= scale
        whole = int(frac)
        self.micros += whole + round(frac - whole)

    def fract_days(self, frac: float, scale: int) -> None:
        frac *= scale
        whole = int(frac)
        self.days += whole
        self.fract_micros(frac - whole, _USECS_PER_DAY)

    def years(self, val: int, frac: float) -> None:
        self.months += val * 12 + round(frac * 12)

    def month(self, val: int, frac: float) -> None:
        self.months += val
        self.fract_days(frac, 30)

    def day(self, val: int, frac: float, per: int = 1) -> None:
        self.days += val * per
        if per == 1:
            self.fract_micros(frac, _USECS_PER_DAY)
        else:
            self.fract_days(frac, per)

    def weeks(self, val: int, frac: float) -> None:
        self.day(val, frac, 7)

    def time(self, val: int, frac: float, scale: int) -> None:
        self.micros += val * scale
        self.fract_micros(frac, scale)


class _NotIso(ValueError):
    pass


def _number(text: str, at: int) -> tuple[int, float, int, int]:
    """(whole part, fraction, integer digits, end) of the number at ``at``."""
    found = _NUMBER.match(text, at)
    if found is None:
        raise _NotIso(text)
    value = float(found.group())
    if not math.isfinite(value):
        raise _NotIso(text)
    whole = math.trunc(value)
    digits = len(found.group().lstrip("-")) - len(found.group().lstrip("-").lstrip("0123456789"))
    return whole, value - whole, digits, found.end()


def parts(text: str) -> tuple[int, int, int] | None:
    """(months, days, microseconds) of an ISO 8601 interval text as PostgreSQL reads it, or
    None for a text the server does not read as one (it reads only an upper-case ``P`` first,
    no space, no sign before it)."""
    if len(text) < 2 or text[0] != "P":
        return None
    try:
        return _decode(text)
    except _NotIso:
        return None


def _cdiv(a: int, b: int) -> int:
    """C's integer division (toward zero)."""
    quotient = abs(a) // b
    return quotient if a >= 0 else -quotient


def _decode(text: str) -> tuple[int, int, int]:
    """The server's loop: fields with designators, or the alternative format."""
    p = _Parts()
    at, date_part, have_field = 1, True, False
    while at < len(text):
        if text[at] == "T":
            date_part, have_field, at = False, False, at + 1
            continue
        val, frac, digits, at = _number(text, at)
        unit = text[at] if at < len(text) else ""
        at += 1
        if date_part and unit in _DATE_UNITS:
            _DATE_UNITS[unit](p, val, frac)
        elif date_part and unit in ("T", "", "-"):
            if unit != "-" and digits == 8 and not have_field:  # basic: YYYYMMDD
                p.years(_cdiv(val, 10000), 0.0)
                p.month(_cdiv(val, 100) - _cdiv(val, 10000) * 100, 0.0)
                p.day(val - _cdiv(val, 100) * 100, frac)
            else:
                at = _alternative_date(text, at, unit, (val, frac), p, have_field)
            if at >= len(text):
                break
            date_part, have_field = False, False
            continue
        elif not date_part and unit in _TIME_SCALES:
            p.time(val, frac, _TIME_SCALES[unit])
        elif not date_part and unit in ("", ":"):
            if unit == "" and digits == 6 and not have_field:  # basic: hhmmss
                p.time(_cdiv(val, 10000), 0.0, _USECS_PER_HOUR)
                p.time(_cdiv(val, 100) - _cdiv(val, 10000) * 100, 0.0, _USECS_PER_MINUTE)
                p.time(val - _cdiv(val, 100) * 100, 0.0, _USECS_PER_SEC)
                p.fract_micros(frac, 1)
            else:
                _alternative_time(text, at, unit, (val, frac), p, have_field)
            break
        else:
            raise _NotIso(text)
        have_field = True
    return p.months, p.days, p.micros


_DATE_UNITS: dict[str, Callable[[_Parts, int, float], None]] = {
    "Y": _Parts.years,
    "M": _Parts.month,
    "W": _Parts.weeks,
    "D": _Parts.day,
}
_TIME_SCALES = {"H": _USECS_PER_HOUR, "M": _USECS_PER_MINUTE, "S": _USECS_PER_SEC}


def _alternative_date(
    text: str, at: int, unit: str, year: tuple[int, float], p: _Parts, have_field: bool
) -> int:
    """``YYYY-MM-DD`` (each part optional after the year): where the time part starts (past
    a ``T``), or the text's end."""
    if have_field:
        raise _NotIso(text)
    p.years(*year)
    if unit in ("", "T"):
        return at
    val, frac, _, at = _number(text, at)
    p.month(val, frac)
    if at < len(text) and text[at] == "-":
        val, frac, _, at = _number(text, at + 1)
        p.day(val, frac)
    if at < len(text) and text[at] != "T":
        raise _NotIso(text)
    return at + 1


def _alternative_time(
    text: str, at: int, unit: str, hour: tuple[int, float], p: _Parts, have_field: bool
) -> None:
    """``hh:mm:ss`` (minutes and seconds optional), which ends the text."""
    if have_field:
        raise _NotIso(text)
    p.time(*hour, _USECS_PER_HOUR)
    if unit == "":
        return
    val, frac, _, at = _number(text, at)
    p.time(val, frac, _USECS_PER_MINUTE)
    if at >= len(text):
        return
    if text[at] != ":":
        raise _NotIso(text)
    val, frac, _, at = _number(text, at + 1)
    p.time(val, frac, _USECS_PER_SEC)
    if at < len(text):
        raise _NotIso(text)


_INT32 = 2**31
_INT64 = 2**63


_PLUS_CLOCK = r"[+][0-9]+:[0-9]"
"""PostgreSQL's own output of an interval whose clock's sign differs from its days'
(``'-1 days +02:00:00'``): DuckDB's cast reads no ``+`` before a clock."""


def as_words(texts: pa.Array) -> pa.Array:
    """Each ISO 8601 text, and each text in PostgreSQL's output form with a ``+`` clock,
    rewritten as ``'N months N days N microseconds'``, which DuckDB's cast reads to the value
    PostgreSQL reads from the original; every other text as it is (NULL stays NULL). A value
    past the server's range is left as written: no interval."""
    iso = pc.fill_null(pc.starts_with(texts, "P"), False)
    plus = pc.fill_null(pc.match_substring_regex(texts, _PLUS_CLOCK), False)
    rows = pc.indices_nonzero(pc.or_(iso, plus)).to_pylist()
    if not rows:
        return texts
    out = texts.to_pylist()
    for row in rows:
        text = out[row]
        read = parts(text) if text.startswith("P") else interval_text.parse_output(text)
        if read is None:
            continue
        months, days, micros = read
        if abs(months) < _INT32 and abs(days) < _INT32 and abs(micros) < _INT64:
            out[row] = f"{months} months {days} days {micros} microseconds"
    return pa.array(out, pa.string())


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``FUNCTION(VARCHAR) -> VARCHAR`` callable in ``con``'s SQL."""
    from duckdb import func

    con.create_function(
        FUNCTION,
        as_words,
        ["varchar"],
        "varchar",
        type=func.PythonUDFType.ARROW,
        side_effects=False,
    )
