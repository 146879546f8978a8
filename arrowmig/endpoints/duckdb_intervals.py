"""DuckDB intervals past Arrow's: a time part of more than 9,223,372,036,854,775 microseconds
(2,562,047 hours 47 minutes; DuckDB's go to 2,562,047,788 hours).

DuckDB hands an INTERVAL to Arrow as month_day_nano, its microseconds times 1,000 in 64 bits,
and such a time part wraps round without a word (3,000,000 hours arrived as -2,124,095 hours
on every target, and verify, reading both DuckDB sides through the same wrapped value, said
they matched). Each read of a column holding intervals, nested ones too, checks its values in
the query and fails it naming the value (``BeyondArrow``). ``--cast T.C=interval`` (or
``=text``) reads an INTERVAL column as text made by DuckDB, exact, in the form arrowmig writes
every interval cast to text (``schema.interval_text``: '0 mons 0 days 10800000000.0 secs'),
which PostgreSQL and DuckDB take back as an interval; a nested one is converted in a view (a
cast to text would be carried as JSON, through Arrow).
"""

from __future__ import annotations

import re

import pyarrow as pa

from arrowmig.argument_words import cast_option
from arrowmig.errors import BeyondArrow
from arrowmig.model import Column
from arrowmig.schema import quote_ident, quote_literal

LARGEST_MICROSECONDS = (2**63 - 1) // 1_000
"""The longest time part (either sign) whose nanoseconds fit Arrow's 64 bits (a signed count:
its least, -2**63, is no longer a whole microsecond further). Typed out by hand it once lost
three digits, and every interval past 2,562 hours was refused."""

_LIMIT = (
    f"{LARGEST_MICROSECONDS // 3_600_000_000:,} hours "
    f"{LARGEST_MICROSECONDS // 60_000_000 % 60} minutes"
)
"""The limit as the error says it: 2,562,047 hours 47 minutes."""

_MARK = "arrowmig: interval beyond Arrow: "
"""Starts the error the query raises for such a value, followed by ``i`` (an INTERVAL column)
or ``n`` (one nested in a column), the column's name (its length, a colon, the name: any name
reads back whole), and the value's text."""

_RAISED = re.compile(re.escape(_MARK) + r"([in])(\d+):")

_SHOWN = 200
"""The characters of a value the error shows (a long list's text is cut)."""


def _time_part(value: str) -> str:
    """An interval's time part in microseconds (DuckDB splits it into hours, minutes and
    microseconds when asked)."""
    return (
        f"(datepart('hour', {value})::HUGEINT * 3600000000 "
        f"+ datepart('minute', {value})::HUGEINT * 60000000 "
        f"+ datepart('microseconds', {value}))"
    )


def _too_long(value: str, arrow_type: pa.DataType, depth: int = 0) -> str | None:
    """A condition true when ``value`` (of ``arrow_type`` as read) holds an interval Arrow
    would wrap, at any depth; None when the type holds no interval."""
    if pa.types.is_interval(arrow_type):
        return f"abs({_time_part(value)}) > {LARGEST_MICROSECONDS}"
    if pa.types.is_map(arrow_type):
        keys = _too_long_in_list(f"map_keys({value})", arrow_type.key_type, depth)
        items = _too_long_in_list(f"map_values({value})", arrow_type.item_type, depth)
        return " OR ".join(f"({c})" for c in (keys, items) if c) or None
    if (
        pa.types.is_list(arrow_type)
        or pa.types.is_large_list(arrow_type)
        or pa.types.is_fixed_size_list(arrow_type)
    ):
        return _too_long_in_list(value, arrow_type.value_type, depth)
    if pa.types.is_struct(arrow_type):
        members = [
            _too_long(f"struct_extract({value}, {quote_literal(field.name)})", field.type, depth)
            for field in arrow_type
        ]
        return " OR ".join(f"coalesce({m}, false)" for m in members if m) or None
    return None


def _too_long_in_list(value: str, item_type: pa.DataType, depth: int) -> str | None:
    item = f"v{depth}"
    inner = _too_long(item, item_type, depth + 1)
    if inner is None:
        return None
    return f"coalesce(list_bool_or(list_transform({value}, lambda {item}: {inner})), false)"


def guarded(expression: str, column: Column) -> str:
    """``expression`` (the column as read) as it is, but failing the query at a value Arrow
    would wrap."""
    condition = _too_long(expression, column.arrow_type)
    if condition is None:
        return expression
    kind = "i" if pa.types.is_interval(column.arrow_type) else "n"
    mark = quote_literal(f"{_MARK}{kind}{len(column.name)}:{column.name}")
    return (
        f"CASE WHEN {condition} THEN error({mark} || left(CAST({expression} AS VARCHAR), "
        f"{_SHOWN})) ELSE {expression} END"
    )


def as_text(expression: str) -> str:
    """An INTERVAL column as the text arrowmig writes for an interval cast to text
    (``schema.interval_text``), every microsecond kept."""
    t = _time_part(expression)
    months = f"datepart('year', {expression}) * 12 + datepart('month', {expression})"
    fraction = f"rtrim(lpad(CAST(abs({t}) % 1000000 AS VARCHAR), 6, '0'), '0')"
    return (
        f"CASE WHEN {expression} IS NOT NULL THEN "
        f"CAST({months} AS VARCHAR) || ' mons ' || CAST(datepart('day', {expression}) AS VARCHAR) "
        f"|| ' days ' || CASE WHEN {t} < 0 THEN '-' ELSE '' END "
        f"|| CAST(abs({t}) // 1000000 AS VARCHAR) || '.' "
        f"|| CASE WHEN {fraction} = '' THEN '0' ELSE {fraction} END || ' secs' END"
    )


def read_as_text(column: Column) -> bool:
    """Whether a DuckDB INTERVAL column is read as its text (cast to text by the plan)."""
    return column.source_type == "INTERVAL" and pa.types.is_string(column.arrow_type)


def beyond_arrow(exc: BaseException, table: str | None) -> BeyondArrow | None:
    """The error a guarded read raised, as one naming the value and the way past; None
    for any other error."""
    text = str(exc)
    found = _RAISED.search(text)
    if found is None:
        return None
    start = found.end()
    column = text[start : start + int(found.group(2))]
    value = text[start + len(column) :].split("\n", 1)[0].strip()
    if found.group(1) == "i":
        hint = (
            f"carry it exactly: {cast_option(str(table), column, 'interval')} (read as "
            "DuckDB's text of it, an interval again in the target), or =text"
        )
    else:
        hint = (
            f"convert the column in a view (CAST({quote_ident(column)} AS VARCHAR), DuckDB's "
            "text of it) and name the view with --tables"
        )
    return BeyondArrow(
        f"table {table!r}, column {column!r}: {value} holds an interval whose time part "
        f"passes {_LIMIT}, which Arrow's intervals cannot hold (nanoseconds in 64 bits)",
        hint=hint,
        table=table,
        column=column,
    )
