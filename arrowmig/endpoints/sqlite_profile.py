"""SQLite stores any value in any column: this module measures what each column holds, with one
cheap scan per table and a second only for columns that surprise it, and reads declared types.

``sqlite_types`` turns these profiles into Arrow types; the profile itself decides nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arrowmig.epochs import JULIAN_DAYS
from arrowmig.schema import BOOLEAN_WORDS, quote_ident, quote_literal
from arrowmig.temporal_text import DATE32_EDGES, TIMESTAMP_EDGES

_DIGITS4 = "[0-9][0-9][0-9][0-9]"
_DATE_GLOB = f"{_DIGITS4}-[0-9][0-9]-[0-9][0-9]"
_TIME_GLOB = "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
_INFINITIES = "('infinity', '-infinity')"
"""arrowmig's SQLite text of ±infinity, a value of every date/time format."""


@dataclass(frozen=True)
class ColumnProfile:
    """Counts of each storage class in one column, the integer range, lengths and formats.

    The counts are always exact. ``profile_table`` gathers the other details only where the
    column's decision reads them; ``parse_profile`` (every aggregate) has them all.
    """

    integers: int = 0
    reals: int = 0
    texts: int = 0
    blobs: int = 0
    nulls: int = 0
    min_int: int | None = None
    max_int: int | None = None
    max_text_chars: int | None = None
    """Longest text in characters (SQLite's length(), which stops at a NUL)."""
    max_blob_bytes: int | None = None
    date_texts: int = 0
    """Texts that are exactly ``YYYY-MM-DD`` and a real calendar date."""
    ts_texts: int = 0
    """Texts that are exactly ``YYYY-MM-DD HH:MM:SS[.f{1,9}]`` or the same with ``T``, valid,
    no zone. One count for both: applications write both into one column (``datetime()`` and
    ``isoformat()``), and PostgreSQL and DuckDB read each as the same instant."""
    ts_zone_texts: int = 0
    """Texts that are exactly ``YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}]`` and a UTC offset (``Z`` or
    ``±HH:MM``, as SQLAlchemy and pandas write zoned times), valid."""
    decimal_texts: int = 0
    """Texts that are exact decimal literals (sign, digits, at most one point)."""
    decimal_reals: int = 0
    """Reals of a DECIMAL(p,s) column that are each the double nearest a decimal of s places
    below 10^(p-s) (``0.99`` in DECIMAL(10,2); not ``0.1 + 0.2``)."""
    decimal_int_digits: int = 0
    """Most digits before the point among those texts (leading zeros not counted)."""
    decimal_frac_digits: int = 0
    """Most digits after the point among those texts."""
    json_texts: int = 0
    """Texts that are well-formed JSON (RFC 8259, SQLite's json_valid), in a JSON column."""
    time_texts: int = 0
    """Texts that are exactly ``HH:MM:SS[.f{1,9}]`` and a real time of day, in a TIME column."""
    fraction_digits: int = 0
    """Most digits of a second among the texts of a date/time column (more than six: it is
    read in nanoseconds, as arrowmig writes them into SQLite); 0 where the first scan proved
    a format of at most six. A TIME column's are read from ``max_text_chars``."""
    beyond_nanos: int = 0
    """Texts of a date/time column that name no instant a nanosecond timestamp holds (before
    1677-09-21 00:12:44 or after 2262-04-11 23:47:16.854775806): with any, a column
    of more than six digits of a second is text, not TIMESTAMP_NS."""
    boolean_texts: int = 0
    """Texts that are a word ``--cast ...=boolean`` converts ('t', 'false', 'yes', any case,
    spaces around), in a BOOLEAN column."""
    julian_numbers: int = 0
    """Integers and reals of a date/time column that are julian days of the years 1 to 9999
    (``epochs.JULIAN_DAYS``), as SQLite's julianday() writes them: counted by a full profile."""

    @property
    def classes(self) -> tuple[str, ...]:
        found = []
        for name, count in (
            ("integer", self.integers),
            ("real", self.reals),
            ("text", self.texts),
            ("blob", self.blobs),
        ):
            if count:
                found.append(name)
        return tuple(found)


# -- declared types ---------------------------------------------------------------------------


def affinity(declared: str) -> str:
    """SQLite's column affinity rules (section 3.1 of the datatype documentation)."""
    d = declared.upper()
    if "INT" in d:
        return "integer"
    if "CHAR" in d or "CLOB" in d or "TEXT" in d:
        return "text"
    if "BLOB" in d or not d:
        return "blob"
    if "REAL" in d or "FLOA" in d or "DOUB" in d:
        return "real"
    return "numeric"


def is_boolean(declared: str) -> bool:
    """Whether the declared type is BOOL or BOOLEAN (SQLite stores them as integers)."""
    return bool(re.match(r"^\s*BOOL(EAN)?\b", declared, re.IGNORECASE))


def is_json(declared: str) -> bool:
    """Whether the declared type is JSON (Rails' ``t.json``; SQLite stores the text)."""
    return bool(re.match(r"^\s*JSONB?\s*$", declared, re.IGNORECASE))


def decimal_spec(declared: str) -> tuple[int, int] | bool | None:
    """(p, s) for DECIMAL(p,s)/NUMERIC(p,s); True for a bare DECIMAL/NUMERIC; else None."""
    m = re.match(
        r"^\s*(?:DECIMAL|NUMERIC|NUMBER|DEC)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$",
        declared,
        re.IGNORECASE,
    )
    if not m:
        return None
    if m.group(1) is None:
        return True
    precision = int(m.group(1))
    scale = int(m.group(2) or 0)
    if precision < 1 or scale > precision:
        return None
    return precision, scale


def is_time(declared: str) -> bool:
    """Whether the declared type is TIME (Django's TimeField; SQLite stores the text)."""
    return bool(re.match(r"^\s*TIME\s*(\(\s*\d+\s*\))?\s*$", declared, re.IGNORECASE))


def is_interval(declared: str) -> bool:
    """Whether the declared type is INTERVAL (``interval``, ``INTERVAL DAY TO SECOND``): its
    name holds INT, so SQLite gives it INTEGER affinity, yet it holds interval texts."""
    return bool(re.match(r"^\s*INTERVAL\b", declared, re.IGNORECASE))


def date_kind(declared: str) -> str | None:
    """``date``, ``timestamp`` or ``timestamptz`` (TIMESTAMPTZ, as arrowmig writes zoned times
    to SQLite, and TIMESTAMP WITH TIME ZONE) for declared date/time types; TIME has its own
    rule (``is_time``)."""
    d = declared.strip().upper()
    if re.match(r"^TIMESTAMP(TZ\b|\s+WITH\s+TIME\s+ZONE\b)", d):
        return "timestamptz"
    if re.match(r"^(DATETIME|TIMESTAMP)\b", d):
        return "timestamp"
    if re.match(r"^DATE\b", d):
        return "date"
    return None


def varchar_limit(declared: str) -> int | None:
    """n for VARCHAR(n) and its spellings; None for any other type."""
    m = re.match(
        r"^\s*(?:N?VARCHAR|VARYING\s+CHARACTER|NATIONAL\s+VARYING\s+CHARACTER|CHARACTER\s+VARYING)"
        r"\s*\(\s*(\d+)\s*\)\s*$",
        declared,
        re.IGNORECASE,
    )
    return int(m.group(1)) if m else None


# -- the profile query ------------------------------------------------------------------------
#
# SQLite's cost is per aggregate per row: asking every column for every class count, range,
# length and format (14 aggregates each) took longer than reading the whole table. So the
# profile asks only what the decisions need, in at most two scans:
#
# 0. When a declared type says nothing about the class (untyped, DECIMAL, other NUMERIC), the
#    first row's class is taken as the guess (LIMIT 1: free). A date/time column's first text
#    names the format to expect (LIMIT 1 again).
# 1. One scan proves, per column in one aggregate, that the column holds the expected class
#    alone (typeof() is exact, whatever the column's affinity: views and edited schemas break
#    affinity), and, for date/time columns, the expected format; it gathers the details that
#    this declared type's decision reads, nothing else.
# 2. Only the columns whose proof fails get a second scan with every aggregate, so their
#    classes, ranges and formats, and the notes built from them, are exact.
#
# DECIMAL/NUMERIC columns expect integers and reals together (``_number_aggregates``): numeric
# affinity stores a whole real (3.0) as an integer, so nearly every such column mixes them.
# Columns whose declared type guesses nothing and whose first row is NULL get every aggregate
# in scan 1. A scan may run in parts (rowid ranges on several connections; see ``Scan``).

_CLASS_FIELDS = {"integer": "integers", "real": "reals", "text": "texts", "blob": "blobs"}
"""Storage class -> the ColumnProfile field counting it."""

_Aggregate = tuple[str, str]
"""The ColumnProfile field (or ``expected``) and the SQL aggregate that measures it."""

_SURPRISE = 2**40
"""Weight of a value of an unexpected class in scan 1's sum: more than any table has rows."""

EXACT_FLOAT_INT = 2**53
"""Integers up to this magnitude survive a trip through a 64-bit float unchanged."""

NUMBER = "number"
"""The class expected of a DECIMAL/NUMERIC column: integers and reals (see
``_number_aggregates``)."""

Query = Callable[[str], list[tuple[Any, ...]]]
"""Runs one SELECT and returns its rows."""


def expected_class(declared: str) -> str | None:
    """The one storage class a column of this declared type normally holds, or None where the
    type does not say (untyped, DECIMAL/NUMERIC and other NUMERIC affinity, where integers and
    reals mix). Only a guess that saves work: a wrong one costs a second scan, never a decision.
    """
    if is_boolean(declared):
        return "integer"
    if date_kind(declared) or is_interval(declared):
        return "text"
    if decimal_spec(declared) is not None:
        return None
    kind = affinity(declared)
    if kind == "numeric" or (kind == "blob" and not declared.strip()):
        return None
    return kind


_MICRO_DIGITS, _NANO_DIGITS = 6, 9
"""Digits of a second a timestamp text may have, as the first scan proves a format (what a
presumed type reads), and as a full profile counts them."""


def _date_formats(c: str, digits: int = _NANO_DIGITS) -> dict[str, str]:
    """Per format field, the test that a text value is exactly that format and a real date,
    or ±infinity (``_INFINITIES``).

    Timestamps of years 0000 to 9999 are tested by ``_timestamp_formats``; another year,
    as arrowmig writes it into SQLite (``temporal_text``), is moved to the year of 2000 to
    2399 that has the same calendar (``_year_shifted``) and tested the same way.
    """
    plain = _timestamp_formats(c, digits)
    wide = _timestamp_formats(_year_shifted(c), digits)
    formats = {"date_texts": f"({_date_test(c)} OR {c} IN {_INFINITIES})"}
    for field, test in plain.items():
        # Each test a WHEN, never a THEN's value: SQLite short-circuits AND and OR only in a
        # condition, and as a value would run datetime() on every row whatever came first.
        formats[field] = (
            f"(CASE WHEN substr({c},5,1) = '-' THEN (CASE WHEN {test} THEN 1 ELSE 0 END) "
            f"WHEN {c} IN {_INFINITIES} THEN 1 WHEN {wide[field]} THEN 1 ELSE 0 END)"
        )
    return formats


def _year_shifted(c: str) -> str:
    """The text ``c`` with its year, one outside 0000-9999 written as ``temporal_text`` does
    (astronomical, at least four digits, no leading zero past them) within the years Arrow's
    timestamps hold, replaced by the year of 2000 to 2399 on whose calendar it falls (the
    Gregorian calendar repeats every 400 years); NULL for any other text. The year is
    compared as an integer before ``abs()``, which fails the query on the smallest one."""
    ends = f"instr(substr({c},2),'-')"
    year_text = f"substr({c},1,{ends})"
    year = f"CAST({year_text} AS INTEGER)"
    written = f"(CASE WHEN {year} < 0 THEN '-' ELSE '' END) || printf('%04d', abs({year}))"
    (low, first), (high, last) = TIMESTAMP_EDGES
    # In the edge years the rest of the text (less a zone of no offset) is compared as text
    # with the edge instant; with another offset, which moves the instant, only its day,
    # which must be strictly inside.
    rest = f"replace(substr({c},{ends}+1),'T',' ')"
    zone = (
        f"(CASE WHEN substr({c},-1) = 'Z' THEN 1 WHEN length({c}) > 19 "
        f"AND substr({c},-6,1) IN ('+','-') THEN 6 ELSE 0 END)"
    )
    moved = f"({zone} = 6 AND substr({c},-5) <> '00:00')"
    bare = f"substr({rest},1,length({rest}) - {zone})"
    day = f"substr({rest},1,6)"
    return (
        f"(CASE WHEN {year} NOT BETWEEN {low} AND {high} THEN NULL "
        f"WHEN {year} = {low} AND (CASE WHEN {moved} THEN {day} <= '-{first[:5]}' "
        f"ELSE {bare} < '-{first}' END) THEN NULL "
        f"WHEN {year} = {high} AND (CASE WHEN {moved} THEN {day} >= '-{last[:5]}' "
        f"ELSE {bare} > '-{last}' END) THEN NULL "
        f"WHEN {written} = {year_text} "
        f"THEN ((({year} % 400) + 400) % 400 + 2000) || substr({c},{ends}+1) END)"
    )


def _timestamp_formats(c: str, digits: int) -> dict[str, str]:
    """Per timestamp format field, the test that a text of a year 0000 to 9999 is exactly
    that format and a real date and time.

    ``date()``/``datetime()`` without a modifier give back only a canonical text
    (``YYYY-MM-DD[ HH:MM:SS]``) of a real calendar date unchanged: anything else comes back
    moved (2023-02-30 as 2023-03-02), reformatted or NULL, so comparing with the value proves
    the format and the date at once, with no GLOB. Hour 24 is the one value they keep that is
    not real; the fraction is checked apart. Year 0000 is 1 BC (astronomical years, as Arrow,
    DuckDB and arrowmig's own SQLite texts number them). Tested against Python's calendar.
    """
    head = f"substr({c},1,19)"
    frac = (
        f"(length({c})=19 OR (substr({c},20,1)='.' AND length({c}) BETWEEN 21 AND {20 + digits} "
        f"AND substr({c},21) NOT GLOB '*[^0-9]*'))"
    )
    real = f"substr({c},12,2) <> '24'"
    t_head = f"replace({head},'T',' ')"
    # With an offset: the time, then an optional fraction, then Z or +HH:MM (hours to 23).
    tail = f"substr({c},20)"
    zone = (
        f"(CASE WHEN {tail} GLOB '*Z' THEN 1 WHEN {tail} GLOB '*[+-][0-2][0-9]:[0-5][0-9]' "
        f"AND substr({c},-5,2) <= '23' THEN 6 ELSE 0 END)"
    )
    zone_frac = f"substr({tail},1,length({tail})-{zone})"
    zoned = (
        f"{zone} > 0 AND substr({c},11,1) IN (' ','T') AND datetime({t_head}) = {t_head} "
        f"AND {real} AND ({zone_frac} = '' OR ({zone_frac} GLOB '.[0-9]*' AND "
        f"length({zone_frac}) <= {1 + digits} AND substr({zone_frac},2) NOT GLOB '*[^0-9]*'))"
    )
    return {
        "ts_texts": (
            f"substr({c},11,1) IN (' ','T') AND datetime({t_head}) = {t_head} AND {real} AND {frac}"
        ),
        "ts_zone_texts": zoned,
    }


def _date_test(c: str) -> str:
    """Whether the text ``c`` is a real date in the form arrowmig writes (``temporal_text``):
    'YYYY-MM-DD' for years 0000 to 9999, which ``date()`` gives back unchanged; another year
    astronomical ('-0043-03-15' is 44 BC, '12345-01-01'), in at least four digits and with no
    leading zero past them, proven on the same day of the year 2000 to 2399 that has it (the
    Gregorian calendar repeats every 400 years), within the dates date32 holds.

    The years are compared as integers, in a CASE that orders the tests: a text compared
    with '0001' in a DATE column (NUMERIC affinity) is compared as a number, where any text
    is larger, and ``abs()`` of the smallest integer fails the query."""
    year_text = f"substr({c},1,length({c})-6)"
    year = f"CAST({year_text} AS INTEGER)"
    written = f"(CASE WHEN {year} < 0 THEN '-' ELSE '' END) || printf('%04d', abs({year}))"
    day = f"substr({c},-6)"
    shifted = f"((({year} % 400) + 400) % 400 + 2000) || {day}"
    (low, first), (high, last) = DATE32_EDGES
    return (
        f"(CASE WHEN substr({c},1,1) <> '-' AND date({c}) = {c} THEN 1 "
        f"WHEN {c} NOT GLOB '*[0-9]-[0-9][0-9]-[0-9][0-9]' OR {year} NOT BETWEEN {low} AND "
        f"{high} OR ({year} = {low} AND {day} < '-{first}') "
        f"OR ({year} = {high} AND {day} > '-{last}') THEN 0 "
        f"WHEN {written} = {year_text} AND date({shifted}) = {shifted} THEN 1 "
        "ELSE 0 END) = 1"
    )


def _time_aggregate(c: str) -> _Aggregate:
    """Texts that are exactly HH:MM:SS[.f{1,9}] and a real time: ``time()`` gives back only
    its canonical HH:MM:SS of a time unchanged. It keeps hour 24, of which only 24:00:00, the
    end of the day, is a time (PostgreSQL's and DuckDB's too), with a fraction of zeros as
    arrowmig writes it into SQLite ('24:00:00.000000')."""
    head = f"substr({c},1,8)"
    frac = (
        f"(length({c})=8 OR (substr({c},9,1)='.' AND length({c}) BETWEEN 10 AND 18 "
        f"AND substr({c},10) NOT GLOB '*[^0-9]*'))"
    )
    day_end = f"(substr({c},1,2) <> '24' OR {c} = '24:00:00' OR rtrim({c},'0') = '24:00:00.')"
    test = f"typeof({c})='text' AND time({head}) = {head} AND {frac} AND {day_end}"
    return ("time_texts", f"count(CASE WHEN {test} THEN 1 END)")


def _date_aggregates(c: str) -> list[_Aggregate]:
    return [
        (field, f"count(CASE WHEN typeof({c})='text' AND {test} THEN 1 END)")
        for field, test in _date_formats(c).items()
    ] + [_fraction_aggregate(c), _beyond_nanos_aggregate(c)]


_NANO_EDGES = ("1677-09-21 00:12:44", "2262-04-11 23:47:16.854775806")
"""The first and last instants a nanosecond timestamp (DuckDB's TIMESTAMP_NS) holds that the
reader reads, as text: a text 'YYYY-MM-DD HH:MM:SS[.f]' between them, compared as text, is
one it holds. The first is a whole second: Arrow reads a text's seconds in nanoseconds before
its fraction, which overflows in the second 00:12:43 before the first instant (.145224192)."""


def _zoned(c: str) -> str:
    """Whether a timestamp text ends in a UTC offset ('Z' or '±HH:MM')."""
    return f"(length({c}) > 19 AND (substr({c},-1) = 'Z' OR substr({c},-6,1) IN ('+','-')))"


def _beyond_nanos_aggregate(c: str) -> _Aggregate:
    """Texts a nanosecond timestamp cannot hold: another year than four digits, or a plain
    text outside ``_NANO_EDGES``; a zoned one (its offset moves the instant up to a day)
    whose day is not strictly inside them. Asked only where every format is counted."""
    first, last = _NANO_EDGES
    zoned = _zoned(c)
    inside = (
        f"CASE WHEN {c} IN {_INFINITIES} THEN 1 WHEN substr({c},5,1) <> '-' "
        f"OR substr({c},1,1) = '-' THEN 0 "
        f"WHEN {zoned} THEN substr({c},1,10) > '{first[:10]}' "
        f"AND substr({c},1,10) < '{last[:10]}' "
        f"ELSE replace({c},'T',' ') BETWEEN '{first}' AND '{last}' END"
    )
    return (
        "beyond_nanos",
        f"count(CASE WHEN typeof({c})='text' AND ({inside}) = 0 THEN 1 END)",
    )


def _fraction_aggregate(c: str) -> _Aggregate:
    """The most digits after the point of a text, less a zone ('Z' or '+HH:MM') after them.
    Asked only where every format is counted: a scan that proves one format asks it of six
    digits at most (``_expected_aggregates``), so that the common column pays nothing."""
    zone = f"(CASE WHEN substr({c},-1) = 'Z' THEN 1 WHEN substr({c},-6,1) IN ('+','-') THEN 6 ELSE 0 END)"
    digits = f"length({c}) - instr({c},'.') - {zone}"
    return (
        "fraction_digits",
        f"max(CASE WHEN typeof({c})='text' AND instr({c},'.') > 0 THEN {digits} END)",
    )


def _decimal_aggregates(c: str, declared: str) -> list[_Aggregate]:
    t = f"(CASE WHEN substr({c},1,1) IN ('-','+') THEN substr({c},2) ELSE {c} END)"
    valid = (
        f"typeof({c})='text' AND {t} <> '' AND {t} NOT GLOB '*[^0-9.]*' AND {t} GLOB '*[0-9]*' "
        f"AND length({t}) - length(replace({t},'.','')) <= 1"
    )
    whole = f"(CASE WHEN instr({t},'.') > 0 THEN substr({t},1,instr({t},'.')-1) ELSE {t} END)"
    parts = [
        ("decimal_texts", f"count(CASE WHEN {valid} THEN 1 END)"),
        ("decimal_int_digits", f"max(CASE WHEN {valid} THEN length(ltrim({whole},'0')) END)"),
        (
            "decimal_frac_digits",
            f"max(CASE WHEN {valid} THEN (CASE WHEN instr({t},'.') > 0 "
            f"THEN length({t}) - instr({t},'.') ELSE 0 END) END)",
        ),
    ]
    spec = decimal_spec(declared)
    if isinstance(spec, tuple):
        # A real fits DECIMAL(p,s) when it is the double nearest a decimal of s places
        # (round() gives back that double) below 10^(p-s): that decimal, as read
        # (sqlite_types.read_expression prints it with s places), reads back as the same
        # double. Arithmetic, not text: CAST(real AS TEXT) per row made the profile 17 times
        # slower.
        precision, scale = spec
        fits = f"round({c},{scale}) = {c} AND abs({c}) < 1e{precision - scale}"
        parts.append(
            ("decimal_reals", f"count(CASE WHEN typeof({c})='real' AND {fits} THEN 1 END)")
        )
    return parts


def _int_range(c: str) -> list[_Aggregate]:
    # Guarded even where every value should be an integer: an aggregate that returned a text
    # would be decoded by the driver, and a text that is not UTF-8 would fail the profile.
    return [
        ("min_int", f"min(CASE WHEN typeof({c})='integer' THEN {c} END)"),
        ("max_int", f"max(CASE WHEN typeof({c})='integer' THEN {c} END)"),
    ]


def _all_aggregates(name: str, declared: str) -> list[_Aggregate]:
    """Every class count, the integer range, lengths, and the formats the declared type uses."""
    c = quote_ident(name)
    parts = [
        (field, f"count(CASE WHEN typeof({c})='{kind}' THEN 1 END)")
        for kind, field in _CLASS_FIELDS.items()
    ]
    parts += _int_range(c)
    parts += [
        ("max_text_chars", f"max(CASE WHEN typeof({c})='text' THEN length({c}) END)"),
        ("max_blob_bytes", f"max(CASE WHEN typeof({c})='blob' THEN length({c}) END)"),
    ]
    if date_kind(declared):
        parts += [*_date_aggregates(c), _julian_aggregate(c)]
    if decimal_spec(declared) is not None:
        parts += _decimal_aggregates(c, declared)
    if is_json(declared):
        parts.append(_json_aggregate(c))
    if is_time(declared):
        parts.append(_time_aggregate(c))
    if is_boolean(declared):
        parts.append(_boolean_aggregate(c))
    return parts


def _julian_aggregate(c: str) -> _Aggregate:
    # Numbers of a date column are a surprise its first scan leaves to this full profile: the
    # common column of date texts pays nothing for it.
    first, last = JULIAN_DAYS
    test = f"typeof({c}) IN ('integer', 'real') AND {c} BETWEEN {first} AND {last}"
    return ("julian_numbers", f"count(CASE WHEN {test} THEN 1 END)")


def _boolean_aggregate(c: str) -> _Aggregate:
    words = ", ".join(quote_literal(w) for w in BOOLEAN_WORDS)
    test = f"typeof({c})='text' AND lower(trim({c})) IN ({words})"
    return ("boolean_texts", f"count(CASE WHEN {test} THEN 1 END)")


def _json_aggregate(c: str) -> _Aggregate:
    return ("json_texts", f"count(CASE WHEN typeof({c})='text' AND json_valid({c}) THEN 1 END)")


def _expected_aggregates(
    name: str, declared: str, expected: str, date_format: str | None = None
) -> list[_Aggregate]:
    """Proof that the column holds ``expected`` alone, and the details its decision reads then
    (see ``sqlite_types._choose_profiled``); the details are read only when the proof holds.

    The proof is one aggregate (each costs per row): a value of the expected class adds 1, a
    NULL 0, any other value ``_SURPRISE``. The sum is below ``_SURPRISE`` exactly when no other
    class occurs, and is then the count of the expected class. ``total()`` adds in doubles and
    never overflows; its sum of ones is exact far beyond any table's size.

    With ``date_format`` (a date/time column whose sample has that shape) the proof also asks
    every text to have that format: one aggregate instead of four, and any other value is a
    surprise that the second scan counts exactly.
    """
    c = quote_ident(name)
    if date_format is not None:
        # At most microseconds: a column with more is a surprise, profiled in full.
        test = _date_formats(c, _MICRO_DIGITS)[date_format]
        return [
            (
                "expected",
                f"total(CASE WHEN {c} IS NULL THEN 0 WHEN typeof({c})='text' AND {test} "
                f"THEN 1 ELSE {_SURPRISE} END)",
            )
        ]
    parts = [
        (
            "expected",
            f"total(CASE typeof({c}) WHEN '{expected}' THEN 1 WHEN 'null' THEN 0 "
            f"ELSE {_SURPRISE} END)",
        )
    ]
    if expected == "integer" and (is_boolean(declared) or decimal_spec(declared) is not None):
        parts += _int_range(c)
    if expected == "real" and decimal_spec(declared) is not None:
        parts += _decimal_aggregates(c, declared)
    if expected == "text":
        if varchar_limit(declared) is not None or is_time(declared):
            # A TIME's longest text says its fraction: more than 15 characters, nanoseconds.
            parts.append(("max_text_chars", f"max(length({c}))"))
        if date_kind(declared):
            parts += _date_aggregates(c)
        if decimal_spec(declared) is not None:
            parts += _decimal_aggregates(c, declared)
        if is_json(declared):
            parts.append(_json_aggregate(c))
        if is_time(declared):
            parts.append(_time_aggregate(c))
        if is_boolean(declared):
            parts.append(_boolean_aggregate(c))
    return parts


def _number_aggregates(name: str, declared: str) -> list[_Aggregate]:
    """Proof that a DECIMAL/NUMERIC column holds integers and reals only, each of which its
    declared type's decision keeps exact (``sqlite_types._exact_decimal``), in two aggregates
    instead of a class count per class, the integer range and four decimal details: an
    integer of at most p-s digits (of at most 2^53 in a bare NUMERIC, which a double may
    carry), a real that is the double nearest a decimal of (p,s) (any real in a bare NUMERIC).

    Each sum counts its class, or is at least ``_SURPRISE`` when a value breaks the proof;
    the column is then profiled in full by the second scan.
    """
    c = quote_ident(name)
    spec = decimal_spec(declared)
    if isinstance(spec, tuple):
        precision, scale = spec
        bound = f"1e{precision - scale}"
        # Compared, not abs(): abs() of the least int64 fails the whole query.
        int_fits = f"{c} > -{bound} AND {c} < {bound}"
        real_fits = f"round({c},{scale}) = {c} AND abs({c}) < {bound}"
    else:
        int_fits = f"{c} BETWEEN -{EXACT_FLOAT_INT} AND {EXACT_FLOAT_INT}"
        real_fits = "1"
    return [
        (
            "integers",
            f"total(CASE typeof({c}) WHEN 'integer' THEN (CASE WHEN {int_fits} THEN 1 "
            f"ELSE {_SURPRISE} END) WHEN 'real' THEN 0 WHEN 'null' THEN 0 ELSE {_SURPRISE} END)",
        ),
        (
            "reals",
            f"total(CASE WHEN typeof({c})='real' THEN (CASE WHEN {real_fits} THEN 1 "
            f"ELSE {_SURPRISE} END) ELSE 0 END)",
        ),
    ]


def _select_list(plan: list[list[_Aggregate]]) -> str:
    return ", ".join(["count(*)"] + [sql for aggregates in plan for _, sql in aggregates])


def _select(table_sql: str, plan: list[list[_Aggregate]]) -> str:
    return f"SELECT {_select_list(plan)} FROM {table_sql}"


def _merge(rows: list[tuple[Any, ...]], plan: list[list[_Aggregate]]) -> tuple[Any, ...]:
    """One row from the rows of a scan done in parts: counts and totals add, min/max compare."""
    if len(rows) == 1:
        return rows[0]
    kinds = ["count"] + [sql.split("(", 1)[0] for aggregates in plan for _, sql in aggregates]
    merged: list[Any] = []
    for i, kind in enumerate(kinds):
        values = [r[i] for r in rows if r[i] is not None]
        if kind in ("count", "total"):
            merged.append(sum(values))
        elif not values:
            merged.append(None)
        else:
            merged.append(min(values) if kind == "min" else max(values))
    return tuple(merged)


def _split(row: tuple[object, ...], plan: list[list[_Aggregate]]) -> list[dict[str, object]]:
    values, at = [], 1
    for aggregates in plan:
        values.append({field: row[at + k] for k, (field, _) in enumerate(aggregates)})
        at += len(aggregates)
    return values


def _int(value: object) -> int:
    return 0 if value is None else int(value)  # type: ignore[call-overload]


def _opt(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _profile(values: dict[str, object], total: int) -> ColumnProfile:
    counts = [_int(values.get(field)) for field in _CLASS_FIELDS.values()]
    return ColumnProfile(
        integers=counts[0],
        reals=counts[1],
        texts=counts[2],
        blobs=counts[3],
        nulls=total - sum(counts),
        min_int=_opt(values.get("min_int")),
        max_int=_opt(values.get("max_int")),
        max_text_chars=_opt(values.get("max_text_chars")),
        max_blob_bytes=_opt(values.get("max_blob_bytes")),
        date_texts=_int(values.get("date_texts")),
        ts_texts=_int(values.get("ts_texts")),
        ts_zone_texts=_int(values.get("ts_zone_texts")),
        decimal_texts=_int(values.get("decimal_texts")),
        decimal_reals=_int(values.get("decimal_reals")),
        decimal_int_digits=_int(values.get("decimal_int_digits")),
        decimal_frac_digits=_int(values.get("decimal_frac_digits")),
        json_texts=_int(values.get("json_texts")),
        time_texts=_int(values.get("time_texts")),
        fraction_digits=_int(values.get("fraction_digits")),
        beyond_nanos=_int(values.get("beyond_nanos")),
        boolean_texts=_int(values.get("boolean_texts")),
        julian_numbers=_int(values.get("julian_numbers")),
    )


def profile_sql(table_sql: str, columns: list[str], declared: list[str] | None = None) -> str:
    """One SELECT with every aggregate for every column: scan 2 uses it for the columns that
    surprised scan 1, and it is the reference the cheaper profile is tested and timed against."""
    types = declared if declared is not None else [""] * len(columns)
    return _select(table_sql, [_all_aggregates(n, d) for n, d in zip(columns, types, strict=True)])


def parse_profile(
    row: tuple[object, ...], columns: list[str], declared: list[str] | None = None
) -> tuple[int, list[ColumnProfile]]:
    """The row count and the profiles from the row ``profile_sql`` returned."""
    types = declared if declared is not None else [""] * len(columns)
    plan = [_all_aggregates(n, d) for n, d in zip(columns, types, strict=True)]
    total = _int(row[0])
    return total, [_profile(v, total) for v in _split(row, plan)]


Scan = Callable[[str, str | None], list[tuple[Any, ...]]]
"""Runs ``SELECT <select list> FROM <the table> [WHERE <condition>]`` and returns its row, or
one row per part when the endpoint scans the table in parts at once (rowid ranges on several
connections)."""


def profile_table(
    query: Query,
    table_sql: str,
    columns: list[str],
    declared: list[str],
    scan: Scan | None = None,
) -> tuple[int, list[ColumnProfile]]:
    """The row count and each column's profile, with as few aggregates as the decisions need.

    A profile proven to hold one class carries only the details its declared type's decision
    reads (``min_int``/``max_int`` for BOOLEAN and DECIMAL, ``max_text_chars`` for VARCHAR(n),
    format counts for DATE/TIMESTAMP, DECIMAL texts and reals); the others are left None or 0.
    Class counts and NULL counts are always exact. ``query`` runs the small statements; ``scan`` the full
    scans (by default ``query`` over the whole table).
    """
    if scan is None:
        scan = _whole_table_scan(query, table_sql)
    expected: list[str | None] = [expected_class(d) for d in declared]
    if None in expected:
        first = query(
            f"SELECT {', '.join(f'typeof({quote_ident(n)})' for n in columns)} "
            f"FROM {table_sql} LIMIT 1"
        )
        if first:
            expected = [
                str(k) if e is None and k in _CLASS_FIELDS else e
                for e, k in zip(expected, first[0], strict=True)
            ]
    # A DECIMAL/NUMERIC column whose first value is a number or NULL expects numbers.
    expected = [
        NUMBER if decimal_spec(d) is not None and e in (None, "integer", "real") else e
        for d, e in zip(declared, expected, strict=True)
    ]
    formats = _date_format_guesses(query, table_sql, columns, declared, expected)
    plan = [
        _all_aggregates(n, d)
        if e is None
        else _number_aggregates(n, d)
        if e == NUMBER
        else _expected_aggregates(n, d, e, f)
        for n, d, e, f in zip(columns, declared, expected, formats, strict=True)
    ]
    row = _merge(scan(_select_list(plan), None), plan)
    total = _int(row[0])
    profiles: list[ColumnProfile | None] = []
    surprised = []
    for i, (kind, values) in enumerate(zip(expected, _split(row, plan), strict=True)):
        if kind is None:
            profiles.append(_profile(values, total))
        elif kind == NUMBER:
            if max(_int(values["integers"]), _int(values["reals"])) < _SURPRISE:
                # Every real fits (p,s), every integer fits too: what the decision reads.
                values["decimal_reals"] = values["reals"]
                profiles.append(_profile(values, total))
            else:
                profiles.append(None)
                surprised.append(i)
        elif float(values["expected"] or 0) < _SURPRISE:  # type: ignore[arg-type]
            values[_CLASS_FIELDS[kind]] = values["expected"]
            if formats[i] is not None:
                values[formats[i]] = values["expected"]  # type: ignore[index]
            profiles.append(_profile(values, total))
        else:
            profiles.append(None)
            surprised.append(i)
    if surprised:
        again = [_all_aggregates(columns[i], declared[i]) for i in surprised]
        row = _merge(scan(_select_list(again), None), again)
        for i, values in zip(surprised, _split(row, again), strict=True):
            profiles[i] = _profile(values, _int(row[0]))
    done = [p for p in profiles if p is not None]
    assert len(done) == len(columns)
    return total, done


def _date_format_guesses(
    query: Query,
    table_sql: str,
    columns: list[str],
    declared: list[str],
    expected: list[str | None],
) -> list[str | None]:
    """For each date/time column expected to hold text, the format its first text has."""
    dated = [
        i
        for i, (d, e) in enumerate(zip(declared, expected, strict=True))
        if e == "text" and date_kind(d)
    ]
    guesses: list[str | None] = [None] * len(columns)
    if not dated:
        return guesses
    # The shape is named in SQL: a sample handed back as text would be decoded by the
    # driver, and one that is not UTF-8 would fail the profile.
    shapes = {
        "ts_zone_texts": f"'{_DATE_GLOB}?{_TIME_GLOB}*[Z+-]*'",  # first: the others match it
        "date_texts": f"'{_DATE_GLOB}'",
        "ts_texts": f"'{_DATE_GLOB}[ T]{_TIME_GLOB}*'",
    }
    samples = []
    for c in (quote_ident(columns[i]) for i in dated):
        shape = " ".join(f"WHEN {c} GLOB {g} THEN '{f}'" for f, g in shapes.items())
        # ±infinity is a value of every format: the first other text names it.
        samples.append(
            f"(SELECT CASE {shape} END FROM {table_sql} WHERE typeof({c})='text' "
            f"AND {c} NOT IN {_INFINITIES} LIMIT 1)"
        )
    (row,) = query(f"SELECT {', '.join(samples)}")
    for i, shape_found in zip(dated, row, strict=True):
        guesses[i] = str(shape_found) if shape_found in shapes else None
    return guesses


def _whole_table_scan(query: Query, table_sql: str) -> Scan:
    def scan(select_list: str, where: str | None) -> list[tuple[Any, ...]]:
        condition = f" WHERE {where}" if where else ""
        return query(f"SELECT {select_list} FROM {table_sql}{condition}")

    return scan


# -- presumed from the declared type, proven while reading -------------------------------------
#
# Most columns hold what their declared type says, and for many the typed read proves it
# anyway: asked for INT64, the driver fails on any real, text or blob ("Type mismatch"). For
# those columns the profile's scan is work done twice. On phase3 it was about a quarter of
# arrowmig's CPU, half of it checking timestamps with datetime() row by row, which Arrow's
# cast does per batch in a fraction of the time. So a migration presumes what a profile would
# find where the declared type settles the decision, and the read proves it batch by batch
# (``Column.proof``). A value that breaks a proof stops the table, which is then profiled in
# full and loaded again (runner.py): it costs time, never a value.
#
# What proves each kind:
#   integer     the driver's INT64 read fails on any other class ("Type mismatch"), or, when
#               the first batch mixes classes, hands over a wider type (checked per batch)
#   real        the same for text and blobs; REAL affinity stores integers as reals
#   boolean     the INT64 read, and every value 0 or 1 (checked per batch)
#   date_texts, ts_texts, ts_zone_texts
#               every value a text of that exact format (checked per batch; a timestamp's
#               date and time apart by a space or a T, either on any value) and a real date
#               (Arrow's cast); the format is the column's first text
#   text        TEXT affinity stores numbers as text; a blob is found by one scan of
#               comparisons (no function per row: a tenth of the profile's cost)
#   varchar     as text, and no value longer than n (checked per batch)
#   blob        anything but a blob found by the same scan
#   decimal     DECIMAL(p,s) with p <= 15, holding some number: read as it is stored, the
#               driver hands over integers as doubles (exact: these are below 10^15) and
#               fails on text and blobs; every double is the double nearest a decimal of s
#               places below 10^(p-s) (checked per batch, ``sqlite_proofs``). Past 15 digits
#               a double no longer carries each such decimal. A column of NULLs only is
#               text to the profile (its declaration decides), so it is not presumed.
#
# Bare DECIMAL/NUMERIC, DECIMAL(p,s) of more than 15 digits, untyped columns, and date/time
# columns without a text to take the format from, are profiled as before.

PROVEN_BY_SCAN = ("text", "varchar", "blob")
DATE_PROOFS = ("date_texts", "ts_texts", "ts_zone_texts")
DOUBLE_DECIMAL_DIGITS = 15
"""Every decimal of at most this many significant digits is the shortest text of its
nearest double, and no two such decimals of one scale share a double."""


def presumable(declared: str) -> str | None:
    """The proof a column of this declared type can be presumed under (before the date
    format is known: ``date`` stands for the three formats), or None to profile it."""
    if is_boolean(declared):
        return "boolean"
    if date_kind(declared):
        return "date"
    if varchar_limit(declared) is not None:
        return "varchar"
    spec = decimal_spec(declared)
    if isinstance(spec, tuple) and spec[0] <= DOUBLE_DECIMAL_DIGITS:
        return "decimal"
    return expected_class(declared)  # integer, real, text, blob; None where it does not say


def presumed_profile(proof: str) -> ColumnProfile:
    """What a profile finds in a column whose values all pass ``proof``: the type decision
    (``sqlite_types.choose``) reads the same as from a scan."""
    if proof == "integer":
        return ColumnProfile(integers=1)
    if proof == "boolean":
        return ColumnProfile(integers=1, min_int=0, max_int=1)
    if proof == "real":
        return ColumnProfile(reals=1)
    if proof == "blob":
        return ColumnProfile(blobs=1)
    if proof == "varchar":
        return ColumnProfile(texts=1, max_text_chars=0)
    if proof in DATE_PROOFS:
        return ColumnProfile(texts=1, **{proof: 1})
    if proof == "decimal":
        return ColumnProfile(integers=1, reals=1, decimal_reals=1)
    return ColumnProfile(texts=1)


def presume_columns(
    query: Query, table_sql: str, columns: list[str], declared: list[str], scan: Scan | None
) -> list[str | None]:
    """Per column, the proof its type is presumed under, or None where it must be profiled.

    Runs the format samples of date/time columns and the look for a value in DECIMAL(p,s)
    columns (LIMIT 1 each) and, when some column is presumed to be text or blob, one scan of
    comparisons that finds any value of another class; if it finds one, those columns are
    profiled instead.
    """
    if scan is None:
        scan = _whole_table_scan(query, table_sql)
    proofs = [presumable(d) for d in declared]
    expected = ["text" if p == "date" else None for p in proofs]
    formats = _date_format_guesses(query, table_sql, columns, declared, expected)
    proofs = [f if p == "date" else p for p, f in zip(proofs, formats, strict=True)]
    proofs = _decimals_with_a_value(query, table_sql, columns, proofs)
    # Comparisons order classes: NULL < numbers < text < blob, so `c >= x''` is a blob and
    # `c < x''` anything else that is not NULL, without a function call per row.
    scanned = PROVEN_BY_SCAN + DATE_PROOFS
    tests = [
        _not_of_its_class(quote_ident(c), p, d)
        for c, p, d in zip(columns, proofs, declared, strict=True)
        if p in scanned
    ]
    if tests:
        rows = scan("count(*)", " OR ".join(tests))
        if sum(_int(r[0]) for r in rows):
            proofs = [None if p in scanned else p for p in proofs]
    return proofs


def _not_of_its_class(c: str, proof: str, declared: str) -> str:
    """The comparison true for a value of another class than ``proof`` presumes. Text in a
    column of another affinity than TEXT (INTERVAL's is INTEGER) may also have been stored as
    a number ('5' becomes 5), which `c < ''` finds."""
    if proof == "blob":
        return f"{c} < x''"
    if proof == "text" and affinity(declared) != "text":
        return f"({c} < '' OR {c} >= x'')"
    return f"{c} >= x''"


def _decimals_with_a_value(
    query: Query, table_sql: str, columns: list[str], proofs: list[str | None]
) -> list[str | None]:
    """``proofs`` without the DECIMAL(p,s) presumption of a column that holds no value: the
    profile's choice for it is its declaration's affinity (text), not the decimal."""
    decimals = [i for i, p in enumerate(proofs) if p == "decimal"]
    if not decimals:
        return proofs
    looks = [
        f"(SELECT 1 FROM {table_sql} WHERE {quote_ident(columns[i])} IS NOT NULL LIMIT 1)"
        for i in decimals
    ]
    (row,) = query(f"SELECT {', '.join(looks)}")
    held = {i for i, found in zip(decimals, row, strict=True) if found is not None}
    return [None if p == "decimal" and i not in held else p for i, p in enumerate(proofs)]
