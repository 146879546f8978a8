"""Screening a batch before it is written: values the target cannot hold exactly (text that
is not valid UTF-8, NUL bytes in PostgreSQL text). Each problem names row, column and reason,
so the run can stop with a precise message (--on-error fail) or set the row aside (reject).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arrowmig import array_elements, interval_text, json_canon, nested_json, pg_input_text
from arrowmig.argument_words import cast_option
from arrowmig.conform import conform
from arrowmig.endpoints import decimal_fit, duckdb_enums, input_changes, lost_zeros, pg_char
from arrowmig.endpoints import pg_duckdb_twins as twins
from arrowmig.endpoints.duckdb_casts import CastScreen
from arrowmig.endpoints.pg_ranges import HINT as RANGE_HINT
from arrowmig.endpoints.pg_ranges import outside_range
from arrowmig.endpoints.precision import changed_by_column, changed_by_duckdb_column
from arrowmig.endpoints.sqlite_affinity import changed_by_affinity, may_change
from arrowmig.endpoints.sqlite_profile import affinity
from arrowmig.errors import DataError
from arrowmig.infinity import is_finite, value_at
from arrowmig.model import Column, Table
from arrowmig.number_spelling import misspelled
from arrowmig.pg_nanoseconds import array_element_kind, finer_elements
from arrowmig.schema import (
    UUID_CAST,
    cast_as_asked,
    column_to_wire,
    ddl_type,
    forced_arrow_type,
    is_bytes_type,
    is_pg_interval,
    is_text_cast,
    is_text_type,
    numbers_as_text,
    text_limit,
    travelling_type,
    type_words,
    wire_type,
)

DEFAULT_HINT = (
    "fix the value in the source, --cast the column (e.g. to bytea), or use --on-error reject"
)


@dataclass(frozen=True)
class Problem:
    """One value that cannot travel."""

    row: int
    """Index of the row within its batch."""
    column: str
    reason: str
    hint: str = DEFAULT_HINT
    """What to do about it; ``{cast}`` becomes ``--cast TABLE.COLUMN=text``."""


def render_value(value: object, limit: int = 40) -> str:
    """A short, safe rendering of a value for an error message: a date, time or decimal as
    its quoted text ('1996-07-04 00:00:00'), not Python's repr of the object; a NULL as SQL
    says it, not as Python's None."""
    if value is None:
        return "NULL"
    if isinstance(value, dt.date | dt.time | decimal.Decimal):
        value = str(value)
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def screen_batch(
    batch: pa.RecordBatch,
    table: Table,
    dialect: str,
    target: Table | None = None,
    casts: CastScreen | None = None,
) -> list[Problem]:
    """Every problem in the batch (cheap vectorised checks first; Python only on failure).
    ``target``: the existing table appended to, whose column types the values must take.
    ``casts``: the screen of DuckDB's casts that the caller's batches share, on this thread
    (one of the batch's own when None)."""
    with contextlib.ExitStack() as owned:
        if casts is None:
            casts = owned.enter_context(CastScreen())
        return _screen(batch, table, dialect, target, casts)


def _screen(
    batch: pa.RecordBatch, table: Table, dialect: str, target: Table | None, casts: CastScreen
) -> list[Problem]:
    converted: dict[str, tuple[pa.Array, str]] = {}
    for i, field in enumerate(batch.schema):
        type_sql = _converted_by_duckdb(field.type, table, target, field.name, dialect)
        if type_sql is not None:
            converted[field.name] = (batch.column(i), type_sql)
    # One query for every column of the batch that DuckDB converts, not one per column.
    refused_by_duckdb = casts.refused_by_column(converted)
    problems: list[Problem] = []
    for i, field in enumerate(batch.schema):
        cast = _cast_problems(
            batch.column(i),
            table,
            field.name,
            dialect,
            casts,
            refused_by_duckdb.get(field.name),
            _read_into(table, target, field.name),
        )
        problems.extend(cast)
        if target is not None:
            told = {p.row for p in cast}  # a value the --cast refused is named once
            more = _conform_problems(batch.column(i), table, target, field.name, dialect)
            problems.extend(p for p in more if p.row not in told)
            named = told | {p.row for p in more}
            spelled = _number_spelling_problems(batch.column(i), table, target, field.name)
            problems.extend(p for p in spelled if p.row not in named)
            signed = _negative_zero_problems(batch.column(i), table, target, field.name)
            problems.extend(p for p in signed if p.row not in named)
            if dialect == "postgresql":
                problems.extend(_length_problems(batch.column(i), table, target, field.name))
                problems.extend(_char_problems(batch.column(i), table, target, field.name))
                changed = _changed_by_input(batch.column(i), table, target, field.name)
                problems.extend(p for p in changed if p.row not in told)
            if dialect == "duckdb":
                problems.extend(_enum_problems(batch.column(i), table, target, field.name))
            if dialect in ("postgresql", "duckdb"):
                rounded = _precision_problems(batch.column(i), table, target, field.name, dialect)
                problems.extend(p for p in rounded if p.row not in told)
        if dialect == "sqlite" and target is not None:
            refused = {p.row for p in cast}
            problems.extend(
                _changed_by_affinity(batch.column(i), table, target, field.name, refused)
            )
        travels_as = _travels_as(table, field)
        if dialect == "sqlite" and travels_as in (pa.float32(), pa.float64()):
            written = _as_cast(batch.column(i), table, field.name, {p.row for p in cast})
            problems.extend(_nan_problems(written, field.name))
        if (
            dialect == "postgresql"
            and pa.types.is_timestamp(travels_as)
            and travels_as.unit == "ns"
        ):
            problems.extend(
                _nanosecond_problems(
                    batch.column(i), field.name, _coarser_there(target, field.name)
                )
            )
        if dialect == "postgresql" and (
            pa.types.is_timestamp(travels_as) or pa.types.is_date(travels_as)
        ):
            outside = outside_range(batch.column(i))
            if outside is not None:
                hits, reason = outside
                problems.extend(_problems_where(hits, field.name, reason, RANGE_HINT))
        if dialect == "postgresql" and nested_json.is_nested(travels_as):
            problems.extend(_nested_nul_problems(batch.column(i), field.name))
        if dialect == "postgresql" and text_into_array(field.type, table, target, field.name):
            reason = (
                "text that is no JSON array, as text goes into an existing array column "
                "('[1,2]' into integer[], not '{1,2}')"
            )
            array_type = ddl_type(target.column(field.name), "postgresql") if target else ""
            # Formatted once more with the text cast: PostgreSQL's array braces doubled.
            hint = (
                "write the array as JSON in the source, or "
                f"{cast_option(table.name, field.name, array_type)} to have the server read "
                "PostgreSQL's own array text ('{{1,2}}'), or use --on-error reject to set such "
                "rows aside"
            )
            problems.extend(
                _problems_where(_no_json_arrays(batch.column(i)), field.name, reason, hint)
            )
        if dialect == "postgresql" and _text_into_jsonb(field.type, table, target, field.name):
            problems.extend(_repeated_key_problems(batch.column(i), field.name))
        if text_into_bits(field.type, table, target, field.name, dialect):
            empty = twins.empty_bits(batch.column(i))
            reason, hint = twins.EMPTY_BITS_REASON, twins.EMPTY_BITS_HINT
            problems.extend(_problems_where(empty, field.name, reason, hint))
        if dialect in ("postgresql", "duckdb") and text_into_interval(
            field.type, table, target, field.name
        ):
            reason = "value does not convert to the target column's interval"
            hint = _VALUE_HINT  # as text it would go into the interval column again
            problems.extend(
                _interval_problems(batch.column(i), field.name, reason, hint, hint, dialect)
            )
        read_as = text_read_by_server(field.type, table, target, field.name)
        if dialect == "postgresql" and read_as is not None:
            unreadable = pg_input_text.unreadable_texts(read_as, batch.column(i))
            reason = f"value does not convert to the target column's {read_as}"
            if target is not None and target.column(field.name).source_type.lower() == "money":
                reason = MONEY_TEXT_REASON  # a money column takes text as its numeric amount
            problems.extend(_problems_where(unreadable, field.name, reason, _VALUE_HINT))
        if dialect == "postgresql" and pa.types.is_time(travels_as) and travels_as.unit == "ns":
            problems.extend(
                _time_nanosecond_problems(
                    batch.column(i), field.name, _coarser_there(target, field.name)
                )
            )
        if dialect == "postgresql" and target is not None and nested_json.is_nested(travels_as):
            problems.extend(_element_nanosecond_problems(batch.column(i), target, field.name))
        if not is_text_type(field.type) or is_bytes_type(travels_as):
            continue  # text cast to bytea arrives as its UTF-8 bytes, NULs and all
        array = batch.column(i)
        try:
            array.validate(full=True)
        except pa.ArrowInvalid:
            problems.extend(
                Problem(r, field.name, "text is not valid UTF-8") for r in invalid_utf8_rows(array)
            )
            array = array.cast(pa.binary())  # NUL bytes are still looked for, as bytes
        if dialect == "postgresql":
            problems.extend(_nul_problems(array, field.name))
    problems.sort(key=lambda p: p.row)  # the first bad row is the one an error names
    return problems


def _travels_as(table: Table, field: pa.Field) -> pa.DataType:
    """The type a column's values are written as: its ``--cast`` type, if it has one."""
    try:
        column = table.column(field.name)
        forced = forced_arrow_type(column.target_type, column.arrow_type)
    except KeyError:
        forced = None
    return forced or field.type


def converted_by_duckdb(table: Table, target: Table) -> list[str]:
    """The text columns of ``table`` that DuckDB's insert converts into the existing
    ``target`` table's columns (``_converted_by_duckdb``: 'nope' into a UUID column), whose
    refusals the screen finds: what a truncate reads before it empties the table."""
    return [
        c.name
        for c in table.columns
        if _converted_by_duckdb(c.arrow_type, table, target, c.name, "duckdb") is not None
    ]


def _column_and_landing(
    table: Table, target: Table | None, name: str
) -> tuple[Column, Column] | None:
    """The source column ``name`` and the column it lands in: ``target``'s (an existing
    table's), else the one created from it; None where either table lacks it."""
    try:
        column = table.column(name)
        return column, column if target is None else target.column(name)
    except KeyError:
        return None


def _converted_by_duckdb(
    arrow_type: pa.DataType, table: Table, target: Table | None, name: str, dialect: str
) -> str | None:
    """The DuckDB type whose conversion of a text column the screen tries first, as DuckDB's
    insert would convert it: that of the column it goes into (``target``'s, where given),
    declared by its --cast, by the type its source carries as text (uuid, json), or by the
    existing column appended to (a UUID, TIME or INTERVAL); None for a column converted
    otherwise, or not written to DuckDB."""
    if dialect != "duckdb" or not is_text_type(arrow_type):
        return None
    pair = _column_and_landing(table, target, name)
    if pair is None:
        return None
    column, there = pair
    if forced_arrow_type(column.target_type, arrow_type) is not None:
        return None  # converted client-side, value by value
    if decimal_fit.declared(column.target_type, dialect) is not None:
        return None  # decimal_fit's to look at
    if not is_text_type(travelling_type(there)):
        return None  # converted client-side into the existing column's type (``conform``)
    if target is not None and duckdb_enums.enum_labels(there.duckdb_type or "") is not None:
        return None  # an existing ENUM column: each text no label of it is ``_enum_problems``'
    return ddl_type(there, "duckdb")


def text_into_bits(
    arrow_type: pa.DataType, table: Table, target: Table | None, name: str, dialect: str
) -> bool:
    """Whether text goes into a DuckDB BIT column (one created so, or an existing one), where
    ``twins.empty_bits`` are looked for: what a truncate reads before it empties the table."""
    if dialect != "duckdb" or not is_text_type(arrow_type):
        return False
    pair = _column_and_landing(table, target, name)
    if pair is None:
        return False
    column, there = pair
    # A --cast to text makes a created column VARCHAR, not an existing BIT one.
    return is_text_type(travelling_type(column)) and ddl_type(there, "duckdb").upper() == "BIT"


def _read_into(table: Table, target: Table | None, name: str) -> str | None:
    """The type of the existing column (``target``'s) that reads the column's text itself,
    with no --cast converting it first (a uuid, a time, an interval); None otherwise."""
    if target is None:
        return None
    try:
        column, there = table.column(name), target.column(name)
    except KeyError:
        return None
    if column.target_type or not is_text_type(travelling_type(there)):
        return None
    return there.target_type


def _cast_problems(
    array: pa.Array,
    table: Table,
    name: str,
    dialect: str,
    casts: CastScreen,
    refused_by_duckdb: list[int] | None,
    read_into: str | None = None,
) -> list[Problem]:
    """Values that a ``--cast`` target type cannot take (e.g. 'N/A' cast to integer, 123456.7
    cast to numeric(5,2)), or, with no --cast, the existing column that reads the text
    (``read_into``: its type). ``refused_by_duckdb``: the rows DuckDB's own cast of the
    column refuses, when DuckDB converts it (``_converted_by_duckdb``)."""
    try:
        column = table.column(name)
    except KeyError:
        return []
    target = forced_arrow_type(column.target_type, array.type)
    limit = text_limit(column.target_type or "") if dialect == "postgresql" else None
    if limit is not None and is_text_type(array.type):
        # The server refuses the batch naming no row, or cuts off spaces past the limit.
        longer = pc.greater(pc.utf8_length(array), limit)
        why = f"value does not convert to {column.target_type}: longer than {limit} characters"
        # Spaces past the limit the server cuts off unsaid: the refusal says so, lest the
        # user see no reason why the text does not fit.
        spaces = pc.match_substring_regex(pc.utf8_slice_codeunits(array, limit), "^ +$")
        cut = f"{why}, and PostgreSQL would cut off the spaces past them without a word"
        too_long = _problems_where(pc.and_not(longer, spaces), name, why, _CAST_HINT)
        too_long += _problems_where(pc.and_(longer, spaces), name, cut, _CAST_HINT)
        return sorted(too_long, key=lambda p: p.row)
    if target == array.type:
        return []
    reason = f"value does not convert to {column.target_type}"
    hint = _CAST_HINT
    if read_into is not None:
        # As the target column's own type refuses it: no --cast of this column to change.
        reason = f"value does not convert to the target column's {read_into}"
        hint = _VALUE_HINT
    if target is None:
        if decimal_fit.declared(column.target_type, dialect) is not None:
            sent = column_to_wire(array, column, dialect)
            misfit = decimal_fit.misfits(sent, column.target_type, dialect, casts)
            return [Problem(row, name, why, _CAST_HINT) for row, why in misfit]
        if not is_text_type(array.type):
            return []
        found: list[Problem] = []
        if _is_interval(column.target_type):
            # The server's parse rounds ('0.00000001 minutes' is 0.6 µs: 1 µs), unsaid.
            found = _interval_problems(array, name, reason, _CAST_HINT, _FINER_HINT, dialect)
        if _TIME_TYPE.match(column.target_type or read_into or ""):
            # The writer or the server takes such text as a time and drops its date unsaid.
            holds_date = pc.match_substring_regex(array, _DATE_IN_TEXT)
            found = _problems_where(holds_date, name, f"{reason}: it holds a date", hint)
            # And rounds (PostgreSQL) or cuts (DuckDB) a seventh digit of a second unsaid.
            finer = pc.match_substring_regex(array, _FINER_IN_TEXT)
            why = f"{reason} exactly: {_FINER_TIME}"
            more = _problems_where(finer, name, why, hint if read_into else _FINER_HINT)
            dated = {p.row for p in found}
            found += [p for p in more if p.row not in dated]
            if not input_changes.keeps_zone(column.target_type or read_into or ""):
                # And drops an offset: '12:34:56+02' arrives as 12:34:56, two hours off.
                zoned = input_changes.zone_in_time(array)
                why = f"{reason} exactly: {input_changes.ZONE_REASON}"
                told = {p.row for p in found}
                found += [p for p in _problems_where(zoned, name, why, hint) if p.row not in told]
        if refused_by_duckdb:
            # DuckDB's insert converts the text and fails the whole batch on one it cannot
            # read; PostgreSQL's refusal carries a SQLSTATE, and its batch is written in halves.
            told = {p.row for p in found}
            found += [Problem(r, name, reason, hint) for r in refused_by_duckdb if r not in told]
        return found
    if pa.types.is_date32(target) and pa.types.is_timestamp(array.type):
        reason += ": it holds a time of day (the date alone would be kept)"
        hint = _TIME_OF_DAY_HINT
    elif is_bytes_type(array.type) and pa.types.is_string(target):
        uuid = (column.target_type or "").strip().lower() == UUID_CAST
        reason += ": it is not 16 bytes" if uuid else ": its bytes are not UTF-8 text"
        if not uuid:
            hint = _BYTES_NOT_TEXT_HINT  # cast to text already: not that cast again
    problem = Problem(0, name, reason, hint)
    return _unconverted(array, lambda a: cast_as_asked(a, column), problem)


def _interval_problems(
    array: pa.Array, name: str, reason: str, hint: str, finer_hint: str, dialect: str
) -> list[Problem]:
    """Interval texts the server would round ('0.00000001 minutes' is 0.6 µs: 1 µs, unsaid)
    or PostgreSQL could not read at all ('banana'): the second named before the write, as the
    server's refusal would come after --mode truncate emptied an existing interval column's
    table. DuckDB reads texts of its own ('1 quarter'): its cast screens them (``CastScreen``)."""
    finer = interval_text.finer_texts(array)
    found = _problems_where(finer, name, f"{reason} exactly: {_FINER}", finer_hint)
    if dialect != "postgresql":
        return found
    unreadable = interval_text.unreadable_texts(array)
    return found + _problems_where(unreadable, name, reason, hint)


def text_into_interval(
    arrow_type: pa.DataType, table: Table, target: Table | None, name: str
) -> bool:
    """Whether the column's text goes into an existing PostgreSQL interval column, for the
    server to convert, without a --cast to interval (whose own screening looks)."""
    if target is None or not is_text_type(arrow_type):
        return False
    try:
        column, there = table.column(name), target.column(name)
    except KeyError:
        return False
    return not _is_interval(column.target_type) and _is_interval(ddl_type(there, "postgresql"))


MONEY_TEXT_REASON = (
    "value does not convert to the target column's money, which takes an amount as a plain "
    "number (1234.50, not $1,234.50)"
)


def text_read_by_server(
    arrow_type: pa.DataType, table: Table, target: Table | None, name: str
) -> str | None:
    """The type whose input function the server reads the column's text with, in an existing
    PostgreSQL column (uuid, inet, jsonb, time, ...: ``pg_input_text``), or None: text it cannot
    read ('banana') would stop the load after --mode truncate emptied the table."""
    if target is None or not is_text_type(arrow_type):
        return None
    try:
        there = target.column(name)
    except KeyError:
        return None
    type_sql = ddl_type(there, "postgresql").strip().lower()
    return type_sql if pg_input_text.screens(type_sql) else None


_CAST_HINT = (
    "fix the value in the source, --cast the column to another type (e.g. {cast}), or use "
    "--on-error reject to set such rows aside"
)
_BYTES_NOT_TEXT_HINT = (
    "fix the value in the source, leave out the --cast to text (the bytes then travel as "
    "they are), or use --on-error reject to set such rows aside"
)
_VALUE_HINT = "fix the value in the source, or use --on-error reject to set such rows aside"
_TIME_OF_DAY_HINT = (
    "fix the value in the source, make the target column a timestamp (which keeps the time), "
    "or use --on-error reject to set such rows aside"
)
_TIME_TYPE = re.compile(
    r"^\s*(time|timetz)\s*(\(\s*\d+\s*\))?(\s+with(out)?\s+time\s+zone)?\s*$", re.IGNORECASE
)


def _is_interval(type_sql: str | None) -> bool:
    """A PostgreSQL interval type however written (``INTERVAL``, ``interval second(0)``), not
    an array of them, whose text no interval grammar reads (``schema.is_pg_interval``)."""
    return is_pg_interval((type_sql or "").strip().lower())


_FINER = (
    "it holds a part finer than a microsecond, which intervals cannot hold (it would be rounded)"
)
_FINER_HINT = "keep every digit as text with {cast}, or set such rows aside with --on-error reject"
_FINER_TIME = "it holds a part finer than a microsecond, which times cannot hold"
_FINER_IN_TEXT = r"\.\d{6}\d*[1-9]"
"""A fraction of a second with a digit other than 0 past its sixth: '09:30:00.1234567'."""
_DATE_IN_TEXT = r"\d{4}-\d{1,2}-\d{1,2}|\d{1,4}/\d{1,2}/\d{1,4}"
"""A date in a text cast to time: ISO '2024-01-02' or '01/02/2024'."""


def _conform_problems(
    array: pa.Array, table: Table, target: Table, name: str, dialect: str
) -> list[Problem]:
    """Values that the existing column appended to cannot hold exactly (``conform``), after
    the column's --cast."""
    try:
        there = target.column(name)
        column = table.column(name)
    except KeyError:
        return []
    wanted = there.arrow_type
    carried = array_elements.pg_json_elements(column, there)
    if carried is not None:
        leaves, rows = array_elements.json_leaves_and_rows(array, carried[0])
        return _element_problems(leaves, rows, there, carried[1], dialect)
    if wanted == array.type:
        return []
    if dialect == "postgresql" and _nanoseconds_named(table, array.type, name, wanted):
        return []  # named by _nanosecond_problems, in words that say what is wrong
    if array_elements.elements_conform(array.type, wanted):
        leaves, rows = array_elements.leaves_and_rows(array)
        element = array_elements.leaf_type(wanted)
        return _element_problems(leaves, rows, there, element, dialect)
    # A DuckDB column in DuckDB's words (DECIMAL(38,0), not numeric(38,0)); not its
    # source_type, which is the source column's (TEXT for a text appended into a TIMESTAMP).
    declared = ddl_type(there, "duckdb") if dialect == "duckdb" else type_words(wanted)
    reason = f"value does not fit the target column's type ({declared}) exactly"
    dated = pa.types.is_timestamp(wanted) or pa.types.is_date32(wanted)
    # A text that is no date: no wider column would take it.
    hint = _DATE_TEXT_HINT if dated and is_text_type(array.type) else _CONFORM_HINT
    problem = Problem(0, name, reason, hint)
    return _unconverted(array, lambda a: conform(cast_as_asked(a, column), wanted), problem)


def _number_spelling_problems(
    array: pa.Array, table: Table, target: Table, name: str
) -> list[Problem]:
    """Text going into an existing exact-number column (``number_spelling``) that would
    arrive as another value: '00012' as the number 12, '12.5' into HUGEINT as 13. A column
    --cast, or of numbers carried as text (a numeric, a HUGEINT), is converted as asked."""
    try:
        there, column = target.column(name), table.column(name)
    except KeyError:
        return []
    exact = pa.types.is_decimal(there.arrow_type) or numbers_as_text(there, there.arrow_type)
    if not exact or column.target_type is not None:
        return []
    declared = there.duckdb_type or there.pg_type or type_words(there.arrow_type)
    if not pa.types.is_decimal(there.arrow_type):
        declared = there.duckdb_type or there.target_type or declared
    return [
        Problem(
            row,
            name,
            f"the target column's {declared} would store the text as the number {stored}",
            _SPELLING_HINT,
        )
        for row, stored in misspelled(array, _rounding_scale(there))
    ]


def _rounding_scale(there: Column) -> int | None:
    """0 for a DuckDB integer column carried as text (HUGEINT), whose cast rounds a fraction
    unsaid; None for others: an unbounded numeric keeps every place, ``conform`` checks a
    decimal's values and ``precision`` a numeric(50,2)'s."""
    return 0 if (there.duckdb_type or "").upper() in _WHOLE_DUCKDB else None


_WHOLE_DUCKDB = ("HUGEINT", "UHUGEINT", "VARINT", "BIGNUM")
"""DuckDB's integer types carried as text, whose cast rounds a fraction ('12.5' is 13)."""


def _negative_zero_problems(
    array: pa.Array, table: Table, target: Table, name: str
) -> list[Problem]:
    """A double's ``-0.0`` going into an existing exact-number column (numeric, an integer,
    DECIMAL), which has no negative zero and would store it as ``0``: a value the column
    cannot hold, as 1.5 into an integer. A column --cast is converted as asked (and noted,
    ``lost_zeros``)."""
    try:
        there, column = target.column(name), table.column(name)
    except KeyError:
        return []
    exact = lost_zeros.holds_no_negative_zero(there)
    if not (exact and pa.types.is_floating(array.type)) or column.target_type is not None:
        return []
    declared = lost_zeros.declared(there) or type_words(there.arrow_type)
    reason = f"the target column's {declared} has no negative zero and would store it as 0"
    return _problems_where(lost_zeros.negative_zero_mask(array), name, reason, _NEGATIVE_ZERO_HINT)


_NEGATIVE_ZERO_HINT = (
    "fix the value in the source (0.0), make the target column a double, or use --on-error "
    "reject to set such rows aside"
)

_SPELLING_HINT = (
    "fix the value in the source (the number as the column writes it), or use --on-error "
    "reject to set such rows aside"
)


def _element_problems(
    leaves: pa.Array, rows: np.ndarray, there: Column, element: pa.DataType, dialect: str
) -> list[Problem]:
    """Rows of lists (or PostgreSQL arrays carried as JSON) appended into an existing array
    column of another element type, ``element`` (a DOUBLE[] into real[], a timestamp[] into
    date[]), holding an element that would not arrive exactly, each named with its first such
    element: ``leaves`` are the elements of every row, ``rows`` the row of each."""
    refused = _refused_rows(leaves, 0, lambda a: conform(a, element))
    first: dict[int, int] = {}
    for at in refused:
        first.setdefault(int(rows[at]), at)
    declared = ddl_type(there, dialect)
    problems = []
    for row, at in first.items():
        value = value_at(leaves, at)
        why = array_elements.why_refused(value, element, type_words(element))
        reason = (
            f"its element {render_value(value)} does not go into the target column's "
            f"{declared} exactly ({why})"
        )
        problems.append(Problem(row, there.name, reason, _ELEMENT_HINT))
    return problems


_ELEMENT_HINT = (
    "fix the value in the source, make the target column an array of a type that holds it "
    "(or jsonb), or use --on-error reject to set such rows aside"
)


def _unconverted(
    array: pa.Array, convert: Callable[[pa.Array], pa.Array], problem: Problem
) -> list[Problem]:
    """``problem`` at each row whose value ``convert`` refuses."""
    return [replace(problem, row=row) for row in _refused_rows(array, 0, convert)]


def _refused_rows(
    array: pa.Array, first: int, convert: Callable[[pa.Array], pa.Array]
) -> list[int]:
    """The rows (counted from ``first``) whose value ``convert`` refuses. The array is tried
    whole, and a part that fails is tried in halves: a few bad values among many rows cost
    a few conversions each, where one conversion per row made a batch of 100,000 rows with
    one 'N/A' in it take 100,000 (a table with one bad value in 50,000 loaded 6x slower).
    Small parts go a row at a time, so that a batch of mostly bad values costs about one
    conversion per row, as before."""
    try:
        convert(array)
        return []
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if len(array) > _ROW_BY_ROW:
        half = len(array) // 2
        return _refused_rows(array.slice(0, half), first, convert) + _refused_rows(
            array.slice(half), first + half, convert
        )
    refused = []
    for row in range(len(array)):
        if not array[row].is_valid:
            continue
        try:
            convert(array.slice(row, 1))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            refused.append(first + row)
    return refused


_ROW_BY_ROW = 16
"""A failing part of at most this many rows is tried a row at a time, not halved again."""


def _length_problems(array: pa.Array, table: Table, target: Table, name: str) -> list[Problem]:
    """Text longer than the PostgreSQL column's varchar(n) or char(n): the server refuses the
    whole batch, or, when the excess is spaces, cuts them off without a word. A column the
    source holds to the same limit (every created table) needs no look."""
    try:
        column, source = target.column(name), table.column(name)
    except KeyError:
        return []
    declared = column.pg_type or column.target_type or ""
    n = text_limit(declared)
    if n is None or not is_text_type(array.type):
        return []
    if (source.pg_type or source.target_type or "") == declared:
        return []
    reason = f"text longer than the target column's {n} characters"
    return _problems_where(pc.greater(pc.utf8_length(array), n), name, reason, _CONFORM_HINT)


def _enum_problems(array: pa.Array, table: Table, target: Table, name: str) -> list[Problem]:
    """Text that is no label of the existing DuckDB ENUM column it goes into: DuckDB refuses
    the whole batch, naming no row."""
    try:
        there, column = target.column(name), table.column(name)
    except KeyError:
        return []
    labels = duckdb_enums.enum_labels(there.duckdb_type or "")
    if labels is None or not is_text_type(array.type) or column.target_type:
        return []
    reason = f"text that is no label of the target column's {there.duckdb_type}"
    hint = f"{duckdb_enums.remedy(name)}, or fix the value in the source"
    return _problems_where(duckdb_enums.unlabelled(array, labels), name, reason, hint)


def _char_problems(array: pa.Array, table: Table, target: Table, name: str) -> list[Problem]:
    """Text that a PostgreSQL "char" column would cut to its first byte (``pg_char``)."""
    try:
        there, column = target.column(name), table.column(name)
    except KeyError:
        return []
    if not is_text_type(array.type) or not pg_char.screens(column, there):
        return []
    return _problems_where(pg_char.not_one_byte(array), name, pg_char.REASON, _CONFORM_HINT)


def _changed_by_input(array: pa.Array, table: Table, target: Table, name: str) -> list[Problem]:
    """Values a PostgreSQL column's input would change unsaid (``input_changes``): text longer
    than a name holds, which it cuts, and an amount money rounds to its fraction digits (a
    number as the text it is written as)."""
    try:
        there, column = target.column(name), table.column(name)
    except KeyError:
        return []
    if is_text_type(array.type) and input_changes.name_screens(column, there):
        too_long = input_changes.longer_than_a_name(array)
        return _problems_where(too_long, name, input_changes.NAME_REASON, input_changes.NAME_HINT)
    digits = there.money_digits
    if digits is None:
        return []
    try:
        written = conform(cast_as_asked(array, column), there.arrow_type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return []  # named by _conform_problems
    if not is_text_type(written.type):
        return []
    rounded = input_changes.more_decimals_than(written, digits)
    reason = input_changes.money_reason(digits)
    return _problems_where(rounded, name, reason, input_changes.MONEY_HINT)


def _precision_problems(
    array: pa.Array, table: Table, target: Table, name: str, dialect: str
) -> list[Problem]:
    """Times, timestamps and intervals that the PostgreSQL or DuckDB column's fewer fractional
    digits or interval fields would round or cut (``precision``), as the values are written."""
    rule = _precision_rule(table, target, name, dialect)
    if rule is None:
        return []
    there, column, declared, changed = rule
    try:
        written = conform(cast_as_asked(array, column), there.arrow_type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return []  # named by _conform_problems
    hits = changed(declared, written)
    if hits is None:
        return []
    reason = f"the target column's type ({declared}) would round or cut the value"
    return _problems_where(hits, name, reason, _CONFORM_HINT)


def _precision_rule(
    table: Table, target: Table, name: str, dialect: str
) -> tuple[Column, Column, str, Callable[[str, pa.Array], pa.Array | None]] | None:
    """The target column ``name``, its source column, the target's declared type and the
    check of its precision, where that type is not the source's own (a created column
    keeps every value)."""
    try:
        there, column = target.column(name), table.column(name)
    except KeyError:
        return None
    if dialect == "duckdb":
        declared, theirs, changed = there.duckdb_type, column.duckdb_type, changed_by_duckdb_column
    else:
        declared, theirs, changed = there.pg_type, column.pg_type, changed_by_column
    if not declared or (theirs or "") == declared:
        return None
    return there, column, declared, changed


def stored_otherwise(table: Table, target: Table, dialect: str) -> list[str]:
    """The columns of ``table`` whose values the existing ``target`` table's columns may
    store otherwise than written, which ``screen_batch`` looks for batch by batch: a SQLite
    column's affinity, a PostgreSQL or DuckDB time column's precision or number type, a
    PostgreSQL jsonb column's one value per key. What a truncate reads before it empties the
    table."""
    names = []
    for column in table.columns:
        if dialect == "sqlite":
            found = _affinity_declared(table, target, column.name, column.arrow_type) is not None
        elif dialect in ("postgresql", "duckdb"):
            rule = _precision_rule(table, target, column.name, dialect)
            # Only times, timestamps and intervals have a precision to lose.
            found = rule is not None and pa.types.is_temporal(rule[0].arrow_type)
            found = found or _into_other_numbers(table, target, column.name)
            if dialect == "postgresql":  # a document with a key twice
                found = found or _text_into_jsonb(column.arrow_type, table, target, column.name)
        else:
            found = False
        if found:
            names.append(column.name)
    return names


def _into_other_numbers(table: Table, target: Table, name: str) -> bool:
    """Whether the values go into an existing decimal or float column of another type than
    they travel as, which ``_conform_problems`` checks value by value: 0.1 + 0.2 into
    numeric(12,2) would round, 1.005 as text too, 99999 would not fit numeric(4,1)."""
    try:
        column, there = table.column(name), target.column(name)
    except KeyError:
        return False
    travels = travelling_type(column)
    wanted = there.arrow_type
    numbers = pa.types.is_decimal(wanted) or pa.types.is_floating(wanted)
    return bool(numbers and travels != wanted)


_DATE_TEXT_HINT = (
    "fix the value in the source (dates and timestamps are read from ISO 8601 text, "
    "'2024-03-01' or '2024-03-01 10:00:00+02:00', and 'infinity'), or use --on-error reject to "
    "set such rows aside"
)
_CONFORM_HINT = (
    "fix the value in the source, widen the target column, or use --on-error reject to set "
    "such rows aside"
)


def _changed_by_affinity(
    array: pa.Array, table: Table, target: Table, name: str, refused: set[int]
) -> list[Problem]:
    """Values that the SQLite column's affinity would hold otherwise than they are written
    (``sqlite_affinity``): text '0012' as the INTEGER 12, a decimal of 30 digits as a rounded
    REAL, a UBIGINT past 2**63 - 1 too. A created column declares what arrowmig writes; an
    existing one that is not STRICT keeps its declared type's affinity. ``refused``: rows a
    --cast refused, named already."""
    declared = _affinity_declared(table, target, name, array.type)
    if declared is None:
        return []
    column = table.column(name)
    travels = forced_arrow_type(column.target_type, array.type) or array.type
    try:
        written = column_to_wire(_as_cast(array, table, name, refused), column, "sqlite")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return []  # a value the writer cannot convert fails it, named
    numbers = (
        pa.types.is_decimal(travels)
        or pa.types.is_integer(travels)
        or numbers_as_text(column, travels)
    )
    what = "number" if numbers or not is_text_type(written.type) else "text"
    hint = _NUMBER_HINT if what == "number" else _TEXT_HINT
    return [
        Problem(
            changed.row,
            name,
            f"the target column's {affinity(declared).upper()} affinity would store the {what} "
            f"as {changed.stored}",
            hint,
        )
        for changed in changed_by_affinity(declared, written, numbers)
    ]


def _affinity_declared(table: Table, target: Table, name: str, arriving: pa.DataType) -> str | None:
    """The declared type of the SQLite column ``name``, where its affinity may store the
    source column's values (read as ``arriving``) otherwise than they are written."""
    try:
        declared = target.column(name).sqlite_type
        column = table.column(name)
    except KeyError:
        return None
    travels = forced_arrow_type(column.target_type, arriving) or arriving
    if declared is None or not may_change(declared, wire_type(column, "sqlite")):
        return None
    if pa.types.is_temporal(travels):
        return None  # the text of a date, time or interval never spells a number
    return declared


_NUMBER_HINT = (
    "declare the target column TEXT, use --mode replace (the column it creates keeps every "
    "digit), or use --on-error reject to set such rows aside"
)
_TEXT_HINT = (
    "declare the target column TEXT (it keeps text as written), or use --on-error reject to "
    "set such rows aside"
)


def bad_rows(problems: list[Problem]) -> list[int]:
    """The distinct rows that have at least one problem, in order."""
    return sorted({p.row for p in problems})


def without_rows(batch: pa.RecordBatch, rows: list[int]) -> pa.RecordBatch:
    """The batch with ``rows`` taken out (order kept)."""
    if not rows:
        return batch
    mask = [True] * batch.num_rows
    for row in rows:
        mask[row] = False
    return batch.filter(pa.array(mask, pa.bool_()))


def invalid_utf8_rows(array: pa.Array) -> list[int]:
    rows = []
    for index, value in enumerate(array.cast(pa.binary()).to_pylist()):
        if value is None:
            continue
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            rows.append(index)
    return rows


def describe_key(
    table: Table, keys: pa.Array | None, row: int, batch: pa.RecordBatch | None = None
) -> str:
    if (
        batch is not None
        and table.primary_key
        and all(c in batch.schema.names for c in table.primary_key)
    ):
        values = [
            batch.column(batch.schema.get_field_index(c))[row].as_py() for c in table.primary_key
        ]
        return ", ".join(f"{c} {v!r}" for c, v in zip(table.primary_key, values, strict=True))
    if keys is None or table.split_key is None:
        return f"row {row + 1} of its batch"
    return f"{table.split_key} {keys[row].as_py()}"


def problem_error(
    problem: Problem, batch: pa.RecordBatch, table: Table, keys: pa.Array | None
) -> DataError:
    """The one-line error for ``--on-error fail``: table, column, key, value and the way past it."""
    array = batch.column(batch.schema.get_field_index(problem.column))
    value = (
        text_or_bytes(array.cast(pa.binary())[problem.row].as_py())
        if is_text_type(array.type)
        else value_at(array, problem.row)
    )
    return DataError(
        f"table {table.name!r}, column {problem.column!r}, {describe_key(table, keys, problem.row, batch)}: "
        f"{problem.reason}: {render_value(value)}",
        hint=problem.hint.format(cast=cast_option(table.name, problem.column, "text")),
        table=table.name,
        column=problem.column,
    )


SERVER_REFUSED_HINT = (
    "fix the value in the source (or the target column's type or constraint), or set such "
    "rows aside with --on-error reject"
)


def refused_row_error(
    column: str, reason: str, row: pa.RecordBatch, table: Table, keys: pa.Array | None
) -> DataError:
    """The one-line error for ``--on-error fail`` of the one ``row`` the target's server
    refused with ``reason``: its table and key (its values, for a table without one), and
    its column and value where the server's error names the column (``*`` where it does
    not: a CHECK, a bit's digit)."""
    names = row.schema.names
    if column not in names and len(names) == 1:
        column = names[0]
    keyed = bool(table.primary_key and all(c in names for c in table.primary_key)) or (
        keys is not None and table.split_key is not None
    )
    if keyed and column in names:
        return problem_error(Problem(0, column, reason, SERVER_REFUSED_HINT), row, table, keys)
    # A batch of one row, found by writing halves: "row 1 of its batch" would say nothing.
    values = ", ".join(f"{n} {render_value(value_at(row.column(n), 0))}" for n in names)
    where = describe_key(table, keys, 0, row) if keyed else f"row ({values})"
    named = f"column {column!r}, " if column in names else ""
    return DataError(
        f"table {table.name!r}, {named}{where}: {reason}",
        hint=SERVER_REFUSED_HINT,
        table=table.name,
        column=column if column in names else None,
    )


def problems_error(
    problems: list[Problem], batch: pa.RecordBatch, table: Table, keys: pa.Array | None
) -> DataError:
    """The one-line error for ``--on-error fail`` of a batch's problems (``screen_batch``'s,
    first row first): the first as ``problem_error`` names it, then the first of each other
    column, so that one run names every column to fix, not one column per run."""
    firsts: dict[str, Problem] = {}
    for problem in problems:
        firsts.setdefault(problem.column, problem)
    first = problem_error(problems[0], batch, table, keys)
    if len(firsts) == 1:
        return first
    others = [p for c, p in firsts.items() if c != problems[0].column]
    also = "; ".join(
        problem_error(p, batch, table, keys).message.removeprefix(f"table {table.name!r}, ")
        for p in others
    )
    return DataError(
        f"{first.message}; also {also}",
        hint=_merged_hint(
            [(p.hint, cast_option(table.name, p.column, "text")) for p in firsts.values()]
        ),
        table=table.name,
        column=first.column,
    )


_REJECT_WAY = "set such rows aside with --on-error reject"
_REJECT_TAIL = re.compile(
    r",? or (?:use --on-error reject(?: to set such rows aside)?|"
    r"set such rows aside with --on-error reject)$"
)
"""How every screening hint ends: its ways on, then ', or' setting the rows aside."""
_AS_TEXT = re.compile(r"^keep (?:every digit|the value) as text with \{cast\}$")


def _merged_hint(hints: list[tuple[str, str]]) -> str:
    """One hint for the problems of several columns (each a hint and its column's --cast):
    each way on said once, with the --cast of every column it names, and the way of setting
    rows aside, which every hint ends with, said last, once."""
    tailed = all(_REJECT_TAIL.search(hint) for hint, _ in hints)
    ways: dict[str, list[str]] = {}
    for hint, cast in hints:
        way = _REJECT_TAIL.sub("", hint) if tailed else hint
        if _AS_TEXT.match(way):
            way = "keep the values as text with {cast}"  # every digit, or the value: one cast
        ways.setdefault(way, []).append(cast)
    said = "; ".join(w.format(cast=" ".join(c)) for w, c in ways.items() if w)
    if not tailed:  # a hint of another shape: each as it is, nothing dropped
        return said
    return f"{said}, or {_REJECT_WAY}" if said else _REJECT_WAY


def text_or_bytes(raw: bytes | None) -> str | bytes | None:
    """A text value as text where it is UTF-8 ('abcd'), else as the bytes it is (b'\\xff')."""
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _problems_where(
    hits: pa.Array, column: str, reason: str, hint: str = DEFAULT_HINT
) -> list[Problem]:
    """One problem per row where ``hits`` (a boolean array, nulls false) is true."""
    if not pc.any(hits).as_py():
        return []
    rows = pc.indices_nonzero(pc.fill_null(hits, False)).to_pylist()
    return [Problem(r, column, reason, hint) for r in rows]


def _as_cast(array: pa.Array, table: Table, name: str, refused: set[int]) -> pa.Array:
    """A column's values as its ``--cast`` writes them (text cast to real: 'nan' is a NaN),
    the rows the cast refuses, already named, as nulls: NaN is looked for in what is written,
    not in the text, which has no NaN (and Arrow no kernel to look for one in)."""
    if pa.types.is_floating(array.type):
        return array  # as written: float32 from double rounds no number to NaN
    if refused:
        mask = pa.array([row in refused for row in range(len(array))])
        array = pc.if_else(mask, pa.nulls(len(array), array.type), array)
    return cast_as_asked(array, table.column(name))


NAN_REASON = "NaN, which SQLite cannot store (it would become NULL)"
"""Why a NaN bound for SQLite is refused: the reject file's reason, by which the report
counts the NaN each column set aside (``rejects.count_rejects``)."""


def _nan_problems(array: pa.Array, column: str) -> list[Problem]:
    """Rows of a float array holding NaN: SQLite has no NaN and would store NULL instead."""
    reason = NAN_REASON
    hint = "keep it as the text 'nan' with {cast}, or set such rows aside with --on-error reject"
    return _problems_where(pc.is_nan(array), column, reason, hint)


def _nanoseconds_named(table: Table, handed: pa.DataType, name: str, wanted: pa.DataType) -> bool:
    """Whether a nanosecond timestamp or time goes, as it is, into an existing PostgreSQL
    column of microseconds: ``_nanosecond_problems`` and ``_time_nanosecond_problems`` name
    each value with digits below a microsecond (and ±infinity goes in), so the generic "does
    not fit exactly", with its "widen the target column" (there is no wider one), is not
    said of it as well."""
    travels = _travels_as(table, pa.field(name, handed))
    return bool(
        (pa.types.is_timestamp(travels) or pa.types.is_time(travels))
        and travels.unit == "ns"
        and (pa.types.is_timestamp(wanted) or pa.types.is_time(wanted))
        and pa.types.is_timestamp(wanted) == pa.types.is_timestamp(travels)
        and wanted.unit == "us"
    )


def _coarser_there(target: Table | None, name: str) -> bool:
    """Whether the table loaded into has the column as timestamps or times of a coarser
    unit than nanoseconds: an existing one (a created one keeps the source's type)."""
    if target is None:
        return False
    try:
        wanted = target.column(name).arrow_type
    except KeyError:
        return False
    temporal = pa.types.is_timestamp(wanted) or pa.types.is_time(wanted)
    return bool(temporal and wanted.unit != "ns")


_NANOSECONDS_HINT = (
    "keep every digit as text with {cast}, or set such rows aside with --on-error reject"
)
_NANOSECONDS_EXISTING_HINT = (
    "fix the value in the source, make the target column text and load it with {cast} "
    "(which keeps every digit), or set such rows aside with --on-error reject"
)
"""Into an existing column of microseconds a --cast to text alone does not help: the server
reads the text into that column again."""


def _nanosecond_problems(array: pa.Array, column: str, existing: bool = False) -> list[Problem]:
    """Rows of a nanosecond timestamp array whose value is not a whole microsecond.
    ``existing``: going into an existing column, which a --cast cannot change."""
    # ±infinity is no instant: it arrives as PostgreSQL's infinity, whatever the unit.
    partial = pc.not_equal(pc.remainder(array.view(pa.int64()), 1000), 0)
    hits = pc.and_(partial, is_finite(array))
    reason = "nanoseconds, which PostgreSQL's microsecond timestamps cannot hold"
    hint = _NANOSECONDS_EXISTING_HINT if existing else _NANOSECONDS_HINT
    return _problems_where(hits, column, reason, hint)


def _time_nanosecond_problems(
    array: pa.Array, column: str, existing: bool = False
) -> list[Problem]:
    """Rows of a nanosecond time array (DuckDB's TIME_NS) whose value is not a whole
    microsecond: PostgreSQL's time would round it (23:59:59.999999999 to 24:00:00)."""
    hits = pc.not_equal(pc.remainder(array.view(pa.int64()), 1000), 0)
    reason = "nanoseconds, which PostgreSQL's microsecond times cannot hold"
    hint = _NANOSECONDS_EXISTING_HINT if existing else _NANOSECONDS_HINT
    return _problems_where(hits, column, reason, hint)


def _element_nanosecond_problems(array: pa.Array, target: Table, column: str) -> list[Problem]:
    """Rows of a list of nanosecond timestamps or times (DuckDB's TIMESTAMP_NS[]) appended
    into an existing PostgreSQL array of them, with an element that is not a whole
    microsecond: the server reads each element as text and would round it without a word."""
    try:
        there = target.column(column)
    except KeyError:
        return []
    kind = array_element_kind(there)
    if kind is None:
        return []
    declared = there.pg_type or there.source_type
    return [
        Problem(
            row,
            column,
            f"its element {render_value(element)} holds nanoseconds, which the target column's "
            f"{declared} cannot hold (PostgreSQL's {kind} are microseconds)",
            _ELEMENT_NANOSECONDS_HINT,
        )
        for row, element in finer_elements(array).items()
    ]


_ELEMENT_NANOSECONDS_HINT = (
    "fix the value in the source, make the target column jsonb or text[] (which keep every "
    "digit), or use --on-error reject to set such rows aside"
)


def _nul_problems(array: pa.Array, column: str) -> list[Problem]:
    """Rows of a text (or binary) array holding a NUL byte."""
    if not _data_holds_nul(array):
        return []
    reason = "text contains a NUL byte, which PostgreSQL text cannot store"
    return _problems_where(pc.match_substring(array, b"\x00"), column, reason)


def _nested_nul_problems(array: pa.Array, column: str) -> list[Problem]:
    """Rows of a nested array (bound for jsonb) with a NUL character in a text inside."""
    reason = (
        "a text inside the nested value contains a NUL byte, which PostgreSQL's jsonb cannot store"
    )
    hint = "keep the JSON text as it is with {cast}, or set such rows aside with --on-error reject"
    return [Problem(row, column, reason, hint) for row in nested_json.nul_rows(array)]


def _text_into_jsonb(
    arrow_type: pa.DataType, table: Table, target: Table | None, name: str
) -> bool:
    """Whether the column's text becomes jsonb (by --cast, or appended into a jsonb column),
    from documents that jsonb did not write already (a PostgreSQL jsonb source's)."""
    if not is_text_type(arrow_type):
        return False
    try:
        column = table.column(name)
        there = target.column(name) if target is not None else column
    except KeyError:
        return False
    if column.source_type == column.target_type == "jsonb":
        return False
    return ddl_type(there, "postgresql").strip().lower() == "jsonb"


def text_into_array(arrow_type: pa.DataType, table: Table, target: Table | None, name: str) -> bool:
    """Whether the column's text (not a PostgreSQL source's array, carried as JSON already)
    goes into an existing PostgreSQL array column, which reads it as a JSON array on the
    server (``schema.pg_server_expression``): other text failed the batch naming no row."""
    if not is_text_type(arrow_type) or target is None:
        return False
    try:
        column, there = table.column(name), target.column(name)
    except KeyError:
        return False
    if column.source_type.strip().endswith("]"):
        return False
    # A --cast the server converts reads the text in its own form ('{1,2}' for integer[]); a
    # cast to text leaves the text as it was, bound for the array as JSON all the same.
    if column.target_type and not is_text_cast(column.target_type):
        return False
    return ddl_type(there, "postgresql").strip().endswith("]")


def _no_json_arrays(array: pa.Array) -> pa.Array:
    """Per value, whether it is a text that is no JSON array (NULL: false)."""

    def no_array(text: str | None) -> bool:
        if text is None:
            return False
        try:
            return not isinstance(json.loads(text), list)
        except ValueError:
            return True

    return pa.array([no_array(t) for t in array.to_pylist()], pa.bool_())


def _repeated_key_problems(array: pa.Array, column: str) -> list[Problem]:
    """Rows of JSON text with a key that comes twice in one object: jsonb keeps its last
    value alone, and the value an application read (SQLite's json_extract reads the first)
    would be gone without a word."""
    problems = []
    for row, text in enumerate(array.to_pylist()):
        key = None if text is None else json_canon.repeated_key(text)
        if key is not None:
            reason = (
                f"the JSON repeats the key {key!r} in one object, and jsonb would keep "
                "only its last value"
            )
            problems.append(Problem(row, column, reason, _REPEATED_KEY_HINT))
    return problems


_REPEATED_KEY_HINT = (
    "keep each document's exact text with {cast} (or =json), fix the document in the source, "
    "or use --on-error reject to set such rows aside"
)


def check_no_nul(batch: pa.RecordBatch, table: Table, keys: pa.Array | None) -> None:
    """Last line of defence in the PostgreSQL writer: refuse NUL bytes loudly.

    Only the NUL search: the pipeline has screened every batch fully before it gets here
    (UTF-8 and all), and screening it twice cost a second pass over all its text.
    """
    for i, field in enumerate(batch.schema):
        if is_text_type(field.type):
            # As bytes (no copy): whatever the text holds, valid UTF-8 or not.
            view = batch.column(i).cast(
                pa.binary() if pa.types.is_string(field.type) else pa.large_binary()
            )
            problems = _nul_problems(view, field.name)
            if problems:
                raise problem_error(problems[0], batch, table, keys)


NUL_SCAN_CHUNK = 1 << 20
"""Bytes of text data searched at a time: memchr over a copy this size stays cheap in memory."""


def _data_holds_nul(array: pa.Array) -> bool:
    """Whether the bytes behind a text or binary ``array``'s values (as sliced) hold a NUL.

    One memchr over the data buffer is some 20 times faster than searching value by value;
    only a hit needs the per-value search that names the row. (A null slot's bytes count here,
    so a hit may be false; the per-value search then finds nothing.)
    """
    if len(array) == 0:
        return False
    large = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    offset_format = "=q" if large else "=i"
    _, offsets, values = array.buffers()
    first = array.offset * struct.calcsize(offset_format)
    last = (array.offset + len(array)) * struct.calcsize(offset_format)
    start = struct.unpack_from(offset_format, offsets, first)[0]
    end = struct.unpack_from(offset_format, offsets, last)[0]
    if end <= start:
        return False
    data = memoryview(values)
    return any(
        data[at : min(at + NUL_SCAN_CHUNK, end)].tobytes().find(b"\x00") >= 0
        for at in range(start, end, NUL_SCAN_CHUNK)
    )


_CHARACTER_BYTES = re.compile(r"(?:0x[0-9a-f]{2} ?)+")
"""The bytes PostgreSQL names in 22P05 (untranslatable_character), in any language of its
messages: 'character with byte sequence 0xe6 0x97 0xa5 in encoding "UTF8" has no equivalent
in encoding "LATIN1"'."""


def refused_character(message: str) -> str | None:
    """The character a 22P05 (untranslatable_character) message names, if it names one."""
    found = _CHARACTER_BYTES.search(message)
    if found is None:
        return None
    try:
        return bytes(int(b, 16) for b in found.group().split()).decode("utf-8")
    except ValueError:
        return None


def lacked_character_words(character: str, encoding: str) -> str:
    """'the target database's encoding LATIN1 has no character '日' (U+65E5)'."""
    return (
        f"the target database's encoding {encoding} has no character "
        f"{character!r} (U+{ord(character[0]):04X})"
    )


def untranslatable_problem(message: str, batch: pa.RecordBatch, encoding: str) -> Problem | None:
    """The value whose character a PostgreSQL target database of ``encoding`` has no
    equivalent for (the server refused the batch's COPY with 22P05, naming the character's
    UTF-8 bytes, not its row); None if the message or the batch does not tell.

    The COPY stopped at the first such character, field by field in order: the row is the
    first that holds this character, and its column the first of that row that holds it."""
    character = refused_character(message)
    if character is None:
        return None
    first: tuple[int, str] | None = None
    for i, field in enumerate(batch.schema):
        if not is_text_type(field.type):
            continue
        hits = pc.fill_null(pc.match_substring(batch.column(i), character), False)
        if pc.any(hits).as_py():
            row = pc.index(hits, True).as_py()
            if first is None or row < first[0]:
                first = (row, field.name)
    if first is None:
        return None
    return Problem(
        first[0],
        first[1],
        lacked_character_words(character, encoding),
        hint=(
            "load it into a database created WITH ENCODING 'UTF8', fix the value in the "
            "source, --cast the column to bytea, or use --on-error reject"
        ),
    )
