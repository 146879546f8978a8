"""Dates and timestamps as ISO text, exactly, whatever the year (SQLite keeps them as text).

Arrow's own cast is right for years 1 to 9999 and wrong past them without failing: a date
in 5874897 AD comes out as '<value out of range: 2145042905>', a UTC timestamp in 294247 AD
as a date in 32103. Values outside those years (PostgreSQL's dates reach 5874897 AD and
4713 BC, DuckDB's 290309 BC) are written here instead, with astronomical year numbers as
Arrow writes negative years ('-0043-03-15' is 44 BC).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.infinity import DATE_INFINITY, TIMESTAMP_INFINITY

_FIRST_DAY, _LAST_DAY = -719_162, 2_932_896
"""0001-01-01 and 9999-12-31 in days since 1970-01-01: the years Arrow writes right."""
DATE32_EDGES = (("-5877641", "06-25"), ("5881580", "07-10"))
"""The first and last finite dates a date32 holds (its extremes, -(2**31 - 1) and 2**31 - 1
days, are ±infinity: ``infinity``), as year and month-day: the dates a SQLite date text may
have to be read as a date. DuckDB's dates reach both."""
TIMESTAMP_EDGES = (("-290308", "12-21 19:59:05.224194"), ("294247", "01-10 04:00:54.775806"))
"""The first and last finite instants a microsecond timestamp holds (its extremes,
-(2**63 - 1) and 2**63 - 1, are ±infinity), as year and the rest of the text: the instants a
SQLite timestamp text may have to be read as a timestamp. DuckDB's reach into both years."""
_DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}
NANOS_PER: dict[str, int] = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
"""Nanoseconds in one of each Arrow time unit."""
PER_SECOND: dict[str, int] = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
"""Each Arrow time unit's count in one second."""


def date_text(array: pa.Array) -> pa.Array:
    """A date32 array as 'YYYY-MM-DD'."""
    days = array.view(pa.int32())
    return _patched(array, days, _FIRST_DAY, _LAST_DAY, _date)


def timestamp_text(array: pa.Array) -> pa.Array:
    """A timestamp array as Arrow writes it: 'YYYY-MM-DD HH:MM:SS' with the unit's fraction
    digits, and 'Z' when it has a time zone."""
    if array.type.tz == "UTC":
        # Arrow writes a UTC instant as its naive text and a 'Z', but looks the zone up
        # value by value on the way: 1.0 s per 500,000 values, 40 times the naive cast.
        naive = timestamp_text(array.view(pa.timestamp(array.type.unit)))
        return pc.binary_join_element_wise(naive, pa.scalar("Z"), pa.scalar(""))
    digits = _DIGITS[array.type.unit]
    per_day = 86_400 * 10**digits
    suffix = "Z" if array.type.tz else ""

    def text(value: int) -> str:
        day, moment = divmod(value, per_day)
        second, fraction = divmod(moment, 10**digits)
        clock = f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        return f"{_date(day)} {clock}" + (f".{fraction:0{digits}d}" if digits else "") + suffix

    values = array.view(pa.int64())
    # Nanoseconds span only 1677 to 2262: bounds past int64 leave every value to Arrow.
    low = max(_FIRST_DAY * per_day, -(2**63))
    high = min((_LAST_DAY + 1) * per_day - 1, 2**63 - 1)
    return _patched(array, values, low, high, text)


def python_timestamp_text(text: pa.Array, unit: str) -> pa.Array:
    """``timestamp_text``'s texts of a ``unit`` column as Python's ``str(datetime)`` writes
    them: no fraction when it is zero, six digits otherwise (nine where nanoseconds are set).

    Django, Rails and sqlite3's own adapters write and query SQLite's date columns in this
    form, and SQLite compares them as text: '2024-03-01 10:00:00.000000' is not equal to,
    and sorts after, the '2024-03-01 10:00:00' an application looks it up by."""
    if unit == "us":
        # The common unit, as a plain substring: a '.' is written only before the fraction,
        # so '.000000' is a zero fraction. The regex below took 1.0 s per 2M values, this 0.24.
        return pc.replace_substring(text, pattern=".000000", replacement="")
    end = "(Z?)$"
    if unit == "ms":
        text = pc.replace_substring_regex(
            text, pattern=rf"(\.\d{{3}}){end}", replacement=r"\1000\2"
        )
    elif unit == "ns":
        text = pc.replace_substring_regex(
            text, pattern=rf"(\.\d{{6}})000{end}", replacement=r"\1\2"
        )
    return pc.replace_substring_regex(text, pattern=rf"\.0{{6}}{end}", replacement=r"\1")


def _patched(array: pa.Array, values: pa.Array, low: int, high: int, text: object) -> pa.Array:
    """Arrow's cast to text, with the values outside [low, high] written by ``text``."""
    cast = pc.cast(array, pa.string())
    outside = pc.fill_null(pc.or_(pc.less(values, low), pc.greater(values, high)), False)
    if not pc.any(outside).as_py():
        return cast
    written = cast.to_pylist()
    for row in pc.indices_nonzero(outside).to_pylist():
        written[row] = text(values[row].as_py())  # type: ignore[operator]
    return pa.array(written, pa.string())


def _date(days: int) -> str:
    """Days since 1970-01-01 as a proleptic Gregorian date (H. Hinnant's civil_from_days)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    sign = "-" if year < 0 else ""
    return f"{sign}{abs(year):04d}-{month:02d}-{day:02d}"


# -- and back: the texts above (and ISO 8601 as Python writes it) as Arrow's integers --------

_DATE_TEXT = re.compile(r"(-?\d{4,})-(\d{2})-(\d{2})")
_TIMESTAMP_TEXT = re.compile(
    r"(-?\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?"
)


_SPECIAL = r"^(?:-|[0-9]{5}|infinity)"
"""Texts Arrow's cast does not read: a year outside 0000-9999, and 'infinity', '-infinity'
(as arrowmig writes ±infinity into SQLite)."""


def text_dates(array: pa.Array) -> pa.Array:
    """Texts 'YYYY-MM-DD' as date32, any year as ``date_text`` writes it ('-0043-03-15' is 44
    BC), 'infinity' and '-infinity' as the carried ±infinity; raises ValueError (Arrow's
    ArrowInvalid is one) for a text that is not a date. Arrow's own cast reads years 0000 to
    9999 only: a batch with another text is read here, value by value."""
    if not pc.any(pc.fill_null(pc.match_substring_regex(array, _SPECIAL), False)).as_py():
        return array.cast(pa.date32())
    return pa.array(_special_read(array, date_days, DATE_INFINITY), pa.int32()).view(pa.date32())


def text_timestamps(array: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    """Timestamp texts as ``arrow_type``, any year as ``timestamp_text`` writes it, 'infinity'
    and '-infinity' as the carried ±infinity; raises ValueError for a text that is not one.
    Arrow's own cast reads neither: a batch holding one is read here, value by value."""
    if not pc.any(pc.fill_null(pc.match_substring_regex(array, _SPECIAL), False)).as_py():
        return array.cast(arrow_type)

    def units(text: str) -> int:
        return timestamp_units(text, arrow_type.unit)

    return pa.array(_special_read(array, units, TIMESTAMP_INFINITY), pa.int64()).view(arrow_type)


def _special_read(array: pa.Array, read: Callable[[str], int], infinity: int) -> list[int | None]:
    """Each text as ``read`` gives it, ±infinity as ±``infinity``; a finite value as far out
    raises ValueError (no real date or time is that far: the storage cannot hold it)."""
    values: list[int | None] = []
    for text in array.to_pylist():
        if text is None or text in ("infinity", "-infinity"):
            values.append(None if text is None else -infinity if text[0] == "-" else infinity)
            continue
        value = read(text)
        if not -infinity < value < infinity:
            raise ValueError(f"{text!r} is past the dates Arrow holds")
        values.append(value)
    return values


def date_days(text: str) -> int:
    """'YYYY-MM-DD' (any year, astronomical: '-0043-03-15' is 44 BC) as days since 1970."""
    found = _DATE_TEXT.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"not a date: {text!r}")
    year, month, day = (int(g) for g in found.groups())
    return _days(year, month, day)


def timestamp_units(text: str, unit: str) -> int:
    """A timestamp text as written above or by Python's isoformat (offset or 'Z' optional,
    taken as UTC without one) as ``unit``s since 1970-01-01 UTC; raises ValueError when it
    is not one, or holds digits the unit cannot."""
    found = _TIMESTAMP_TEXT.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"not a timestamp: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in found.groups()[:6])
    fraction, offset = found.group(7) or "", found.group(8) or ""
    nanos = int(fraction.ljust(9, "0")) if fraction else 0
    seconds = _days(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)
    return _in_units(seconds, nanos, unit, text)


_TIME_TEXT = re.compile(r"(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")


def time_units(text: str, unit: str) -> int:
    """'HH:MM:SS[.fraction]' as ``unit``s since midnight, up to PostgreSQL's end of day,
    '24:00:00'; raises ValueError when it is not a time (a date in front of it included), or
    holds digits the unit cannot."""
    found = _TIME_TEXT.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"not a time of day: {text!r}")
    hour, minute, second = (int(g) for g in found.groups()[:3])
    nanos = int((found.group(4) or "").ljust(9, "0"))
    if minute > 59 or second > 59 or hour > 24 or (hour == 24 and (minute or second or nanos)):
        raise ValueError(f"no such time of day: {text!r}")
    return _in_units(hour * 3600 + minute * 60 + second, nanos, unit, text)


def _in_units(seconds: int, nanos: int, unit: str, text: str) -> int:
    """``seconds`` and a fraction of ``nanos`` as a count of ``unit``; raises ValueError
    when the fraction holds digits the unit cannot."""
    per_unit: int = NANOS_PER[unit]
    whole, rest = divmod(nanos, per_unit)
    if rest:
        raise ValueError(f"{text!r} has digits below the column's {unit}")
    per_second: int = 10 ** _DIGITS[unit]
    return seconds * per_second + whole


def _days(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil);
    raises ValueError for a date that does not exist (February 30th)."""
    shifted = year - (month <= 2)
    era = shifted // 400
    yoe = shifted - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    days = era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468
    sign = "-" if year < 0 else ""
    if not 1 <= month <= 12 or _date(days) != f"{sign}{abs(year):04d}-{month:02d}-{day:02d}":
        raise ValueError(f"no such date: {sign}{abs(year):04d}-{month:02d}-{day:02d}")
    return days
