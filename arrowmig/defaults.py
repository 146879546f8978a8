"""Column defaults across dialects: what a source's DEFAULT means, and which of them a target
can hold (re-written by its rules, never spliced); auto-assigned keys are ``auto_keys``'.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa

from arrowmig import interval_text
from arrowmig.auto_keys import identity_note, is_identity, kept_numbering
from arrowmig.model import Column, ColumnDefault, Table
from arrowmig.schema import (
    BOOLEAN_WORDS,
    ddl_type,
    forced_arrow_type,
    is_bytes_type,
    quote_ident,
    quote_literal,
)
from arrowmig.schema import interval_text as schema_interval_text
from arrowmig.temporal_text import time_units

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_STRING = re.compile(r"'((?:[^']|'')*)'")
_TYPE_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_ ]*)'
# A PostgreSQL cast after a literal: '5'::integer, 'x'::character varying(5), '{}'::jsonb,
# 'new'::billing.status (an enum outside the search path: its schema is the source's).
_CASTS = re.compile(
    rf"(?:\s*::\s*{_TYPE_NAME}(?:\.{_TYPE_NAME})?(?:\(\s*\d+\s*(?:,\s*\d+\s*)?\))?(?:\[\])*)*"
)
_SEQUENCE = re.compile(r"nextval\s*\(", re.IGNORECASE)
_BYTES = {
    # SQLite's blob literal, PostgreSQL's bytea as its catalog shows it (hex output), and
    # DuckDB's BLOB, whose text holds a byte as \xHH or as its printable ASCII character.
    "sqlite": re.compile(r"[xX]'((?:[0-9a-fA-F]{2})*)'"),
    "postgresql": re.compile(r"'\\x((?:[0-9a-fA-F]{2})*)'::bytea"),
    "duckdb": re.compile(r"CAST\('((?:[^'\\]|\\x[0-9a-fA-F]{2})*)' AS BLOB\)"),
}

_NOW = {"current_timestamp", "now()", "transaction_timestamp()", "get_current_timestamp()"}
_SQLITE_NOW = {"current_timestamp", "datetime('now')", "datetime()"}
_SQLITE_TODAY = {"current_date", "date('now')", "date()"}
_SQLITE_TIME = {"current_time", "time('now')", "time()"}
_ANY_NOW = "|".join(re.escape(now) for now in sorted(_NOW))
_UTC_WALL_CLOCK = re.compile(
    rf"(?:{_ANY_NOW}) at time zone 'utc'(?:::text)?|timezone\('utc'(?:::text)?, ?(?:{_ANY_NOW})\)"
)
"""The UTC wall clock (a naive timestamp) as PostgreSQL and DuckDB show the defaults arrowmig
writes for SQLite's CURRENT_TIMESTAMP: (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'::text), and
DuckDB's timezone('UTC', CURRENT_TIMESTAMP); lowered, outer parentheses dropped."""
_AS_DAY = re.compile(r"cast\((.*) as (date|time)\)|(.*)::(date|time(?: without time zone)?)")


_RANDOM_UUID = ("gen_random_uuid()", "uuid_generate_v4()", "uuid()", "uuidv4()")
"""A random (version 4) UUID, the usual default of a uuid key: PostgreSQL's own (13+) and
uuid-ossp's, DuckDB's. Written as gen_random_uuid(), which both targets have built in."""


def read_default(sql: str | None, dialect: str) -> ColumnDefault | None:
    """Classify a source's default expression (its text as the catalog shows it)."""
    if sql is None:
        return None
    text = _unwrap(sql.strip())
    lowered = re.sub(r"\s+", " ", text).lower()
    if dialect == "sqlite":
        # SQLite's clock functions give the UTC wall clock as text.
        if lowered in _SQLITE_NOW:
            return ColumnDefault(sql, "now_utc")
        if lowered in _SQLITE_TODAY:
            return ColumnDefault(sql, "today_utc")
        if lowered in _SQLITE_TIME:
            return ColumnDefault(sql, "time_utc")
    elif lowered in _NOW:
        return ColumnDefault(sql, "now")
    elif (utc := _utc_clock(lowered)) is not None:
        return ColumnDefault(sql, utc)
    elif lowered in ("localtimestamp", "current_date"):
        return ColumnDefault(sql, "now_local" if lowered == "localtimestamp" else "today")
    if dialect != "sqlite" and lowered in _RANDOM_UUID:
        return ColumnDefault(sql, "random_uuid")
    if lowered == "null":
        return ColumnDefault(sql, "null")
    blob = _BYTES[dialect].fullmatch(text)
    if blob is not None:
        return ColumnDefault(sql, "bytes", _bytes_hex(blob.group(1), dialect))
    if lowered in ("true", "false"):
        return ColumnDefault(sql, "boolean", lowered)
    if _NUMBER.fullmatch(text):
        return ColumnDefault(sql, "number", text)
    literal = _STRING.match(text)
    if literal and _CASTS.fullmatch(text[literal.end() :]):
        value = literal.group(1).replace("''", "'")
        # PostgreSQL shows negative and big numbers as casted strings: '-5'::integer.
        kind = "number" if literal.end() < len(text) and _NUMBER.fullmatch(value) else "string"
        return ColumnDefault(sql, kind, value)
    if _SEQUENCE.match(text):
        return ColumnDefault(sql, "sequence")
    return ColumnDefault(sql, "expression")


def _bytes_hex(literal: str, dialect: str) -> str:
    """The bytes of a blob literal's inside, as lowercase hex."""
    if dialect != "duckdb":
        return literal.lower()
    parts = re.findall(r"\\x([0-9a-fA-F]{2})|(.)", literal, re.DOTALL)
    return "".join(hexed.lower() if hexed else ch.encode().hex() for hexed, ch in parts)


def _utc_clock(lowered: str) -> str | None:
    """``now_utc``, ``today_utc`` or ``time_utc`` when a PostgreSQL or DuckDB default is
    SQLite's clock, the UTC wall clock (of which CURRENT_DATE is the date and CURRENT_TIME
    the time of day), as arrowmig writes it there: without this a round trip through them
    lost SQLite's DEFAULT CURRENT_TIMESTAMP."""
    part = _AS_DAY.fullmatch(lowered)
    if part is not None:
        clock = _unwrap(part.group(1) or part.group(3))
        kind = "today_utc" if (part.group(2) or part.group(4)) == "date" else "time_utc"
        return kind if _UTC_WALL_CLOCK.fullmatch(clock) else None
    return "now_utc" if _UTC_WALL_CLOCK.fullmatch(lowered) else None


def _unwrap(text: str) -> str:
    """Drop parentheses around the whole expression: SQLite's DEFAULT (5), DuckDB's (-1)."""
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth, quoted = 0, False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and not quoted


def default_sql(column: Column, dialect: str) -> tuple[str | None, str | None]:
    """The DEFAULT expression to create in ``dialect``, or None and why it is left out.

    Literals are parsed and written again by the target's rules; anything else a target
    would have to take on trust (function calls, sequences of another database) is left out.
    """
    d = column.default
    if d is None or d.kind == "null" or column.auto_increment:
        return None, None
    family, arrow_type = _family(column, dialect)
    if family is None or (family == "uuid" and d.kind != "random_uuid"):
        return None, f"arrowmig has no rule for a default of type {column.source_type} in {dialect}"
    if family == "bytes" or d.kind == "bytes":
        if family != "bytes" or d.kind != "bytes":
            return None, f"{d.sql} does not fit the column's type"
        return _bytes_literal(d.value or "", dialect), None
    non_finite = _non_finite(d, arrow_type) if d.kind in ("number", "boolean", "string") else None
    if non_finite is not None:
        return _non_finite_literal(non_finite, dialect)
    if d.kind in ("number", "boolean", "string"):
        sql, why = _literal(d, family, dialect, column.source_type.endswith("]"))
        if sql is not None and arrow_type is not None and not _fits(d.value or "", arrow_type):
            return None, f"{d.sql} is out of the column type's range"
        return sql, why
    if d.kind in ("now", "now_utc", "now_local", "today", "today_utc", "time_utc"):
        return _clock(d.kind, family, dialect)
    if d.kind == "random_uuid":
        if dialect == "sqlite":
            return None, "SQLite has no random UUID function"
        return ("gen_random_uuid()", None) if family == "uuid" else (None, "not a uuid column here")
    if d.kind == "sequence":
        return None, f"the sequence it draws from is not kept in {dialect}"
    return None, "not a portable literal"


_NON_FINITE = {
    "nan": "NaN",
    "inf": "Infinity",
    "infinity": "Infinity",
    "+inf": "Infinity",
    "+infinity": "Infinity",
    "-inf": "-Infinity",
    "-infinity": "-Infinity",
}
"""A float's non-finite values as DuckDB and PostgreSQL spell them, to the one spelling both
read ('NaN', 'Infinity', '-Infinity')."""


def _non_finite(d: ColumnDefault, arrow_type: pa.DataType | None) -> str | None:
    """The non-finite value a float column's default is ('NaN', 'Infinity', '-Infinity'),
    else None: such a default was left out as not fitting the column's type, which holds it."""
    if arrow_type is None or not pa.types.is_floating(arrow_type):
        return None
    return _NON_FINITE.get((d.value or "").strip().lower())


def _non_finite_literal(value: str, dialect: str) -> tuple[str | None, str | None]:
    if dialect == "sqlite":
        if value == "NaN":
            return None, "a SQLite REAL column has no NaN: it would store NULL"
        # SQLite reads a number past a double's range as infinity, as its REALs hold it.
        return ("-9e999" if value.startswith("-") else "9e999"), None
    return quote_literal(value), None


def _family(column: Column, dialect: str) -> tuple[str | None, pa.DataType | None]:
    """What kind of literal the column takes, and the Arrow type that bounds a number."""
    t = column.arrow_type
    if pa.types.is_interval(t) and column.target_type in (None, "interval"):
        # PostgreSQL to PostgreSQL sets the source's own default again (postgres_catalog).
        return ("interval", t) if dialect != "postgresql" else (None, None)
    if column.target_type:
        forced = forced_arrow_type(column.target_type, t)
        lowered = column.target_type.lower()
        if forced is not None:
            t = forced
        elif lowered.startswith(("numeric", "decimal")):
            return "number", None
        elif lowered == "uuid":
            return "uuid", None
        elif lowered in ("json", "jsonb") and not (
            # A PostgreSQL array carried as JSON is an array again in a PostgreSQL target,
            # where a JSON default would not be one of its values.
            dialect == "postgresql" and column.source_type.endswith("]")
        ):
            return "json", None
        else:
            return None, None
    if pa.types.is_boolean(t):
        return "boolean", t
    if is_bytes_type(t):
        return "bytes", t
    if pa.types.is_integer(t):
        return "integer", t
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number", t
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string", t
    if pa.types.is_date(t):
        return "date", t
    if pa.types.is_timestamp(t):
        return ("timestamptz" if t.tz else "timestamp"), t
    if pa.types.is_time(t) and dialect != "sqlite":
        # Into SQLite a time is written with every digit of its unit ('09:30:00.000000'),
        # which neither CURRENT_TIME nor the source's literal would write.
        return "time", t
    return None, None


def _bytes_literal(hexed: str, dialect: str) -> str:
    """Bytes (as hex) as ``dialect``'s blob literal."""
    if dialect == "sqlite":
        return f"X'{hexed}'"
    if dialect == "postgresql":
        return f"'\\x{hexed}'::bytea"
    escaped = "".join(f"\\x{hexed[i : i + 2]}" for i in range(0, len(hexed), 2))
    return f"'{escaped}'::BLOB"


def _fits(value: str, arrow_type: pa.DataType) -> bool:
    """Whether a number literal is a value of the column's type (DuckDB refuses the table
    otherwise; PostgreSQL would fail the first insert that uses the default)."""
    try:
        if pa.types.is_integer(arrow_type):
            pa.scalar(int(value), arrow_type)
        elif pa.types.is_decimal(arrow_type):
            pa.array([Decimal(value)], arrow_type)
        elif pa.types.is_floating(arrow_type):
            number = float(value)
            limit = 3.4e38 if arrow_type.bit_width <= 32 else 1.7e308
            return math.isfinite(number) and abs(number) <= limit
    except (ValueError, ArithmeticError, pa.ArrowInvalid):
        return False
    return True


def _literal(
    d: ColumnDefault, family: str, dialect: str, column_is_array: bool = False
) -> tuple[str | None, str | None]:
    value = d.value or ""
    misfit = (None, f"{d.sql} does not fit the column's type")
    if family == "boolean":
        # A text default of a column cast to boolean ('f', as older Rails wrote) reads as the
        # cast reads its values.
        words = BOOLEAN_WORDS if d.kind == "string" else {"true": True, "false": False}
        truth = {"1": True, "0": False, **words}.get(value.strip().lower())
        if truth is None or (d.kind == "string" and not value.strip()):
            return misfit
        if dialect == "sqlite":
            return ("1" if truth else "0"), None
        return ("TRUE" if truth else "FALSE"), None
    if family == "integer":
        return (value.lstrip("+"), None) if _INTEGER.fullmatch(value) else misfit
    if family == "number":
        return (value.lstrip("+"), None) if _NUMBER.fullmatch(value) else misfit
    if family == "string":
        if d.kind == "boolean" or "\x00" in value:
            return misfit
        return quote_literal(value), None
    if family == "json":  # '0'::jsonb reads as a number
        return _json_literal(value, column_is_array)
    if d.kind != "string":
        return misfit
    if family == "interval":
        return _interval_literal(value, dialect)
    if family == "time":
        try:
            # Microseconds at most: PostgreSQL's and DuckDB's TIME would round a finer one.
            time_units(value, "us")
        except ValueError:
            return misfit
        return quote_literal(value), None
    if value in ("infinity", "-infinity"):
        # Dates and timestamps of PostgreSQL and DuckDB hold them; SQLite holds these texts,
        # as the values are carried there.
        return quote_literal(value), None
    try:
        if family == "date":
            date.fromisoformat(value)
        else:
            stamp = datetime.fromisoformat(value)
            # A naive literal in a zoned column (or the reverse) would be re-zoned silently.
            if (stamp.tzinfo is not None) != (family == "timestamptz"):
                return misfit
    except ValueError:
        return misfit
    return quote_literal(value), None


def _interval_literal(value: str, dialect: str) -> tuple[str | None, str | None]:
    """An interval default, read exactly from its output form ('1 day', '-1 days +02:00:00',
    which DuckDB cannot read) and written by its parts: DuckDB's INTERVAL of months, days and
    microseconds; SQLite the text the column's values get ('0 mons 1 days 0.0 secs')."""
    parts = interval_text.parse_output(value)
    if parts is None:
        return None, f"'{value}' is not an interval as PostgreSQL writes one"
    if dialect == "duckdb":
        months, days, micros = parts
        return f"INTERVAL '{months} months {days} days {micros} microseconds'", None
    (text,) = schema_interval_text(interval_text.as_array(parts)).to_pylist()
    return quote_literal(text), None


def _json_literal(value: str, array: bool) -> tuple[str | None, str | None]:
    """A JSON column's default: a json(b) literal as it is, and the empty array of a
    PostgreSQL array column (``'{}'::text[]``), which travels as JSON; other array literals
    have no JSON text arrowmig writes (their elements' quoting is PostgreSQL's own)."""
    if array:
        if value.strip() == "{}":
            return "'[]'", None
        return None, f"the array literal '{value}' is not written as JSON here"
    try:
        json.loads(value)
    except ValueError:
        return None, f"'{value}' is not JSON"
    return quote_literal(value), None


# The current time for each kind of clock and column: (kind, column family) -> dialect -> SQL.
_CLOCKS: dict[tuple[str, str], dict[str, str]] = {
    ("now", "timestamptz"): {"postgresql": "CURRENT_TIMESTAMP", "duckdb": "CURRENT_TIMESTAMP"},
    ("now_utc", "timestamptz"): {"postgresql": "CURRENT_TIMESTAMP", "duckdb": "CURRENT_TIMESTAMP"},
    ("now_utc", "timestamp"): {
        "postgresql": "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')",
        "duckdb": "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')",
        "sqlite": "CURRENT_TIMESTAMP",
    },
    ("now_utc", "string"): {"sqlite": "CURRENT_TIMESTAMP"},
    # The session's wall clock: DuckDB casts CURRENT_TIMESTAMP to a TIMESTAMP column in its
    # TimeZone, as PostgreSQL does, and has LOCALTIMESTAMP and CURRENT_DATE for the same.
    ("now", "timestamp"): {"postgresql": "LOCALTIMESTAMP", "duckdb": "LOCALTIMESTAMP"},
    ("now_local", "timestamp"): {"postgresql": "LOCALTIMESTAMP", "duckdb": "LOCALTIMESTAMP"},
    ("today", "date"): {"postgresql": "CURRENT_DATE", "duckdb": "CURRENT_DATE"},
    ("today_utc", "date"): {
        "postgresql": "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::date)",
        "duckdb": "(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS DATE))",
        "sqlite": "CURRENT_DATE",
    },
    ("today_utc", "string"): {"sqlite": "CURRENT_DATE"},
    ("time_utc", "time"): {
        "postgresql": "((CURRENT_TIMESTAMP AT TIME ZONE 'UTC')::time)",
        "duckdb": "(CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIME))",
    },
    ("time_utc", "string"): {"sqlite": "CURRENT_TIME"},
}


def _clock(kind: str, family: str, dialect: str) -> tuple[str | None, str | None]:
    sql = _CLOCKS.get((kind, family), {}).get(dialect)
    if sql is None:
        return None, f"this clock, in a {family} column, has no same-zone equivalent here"
    return sql, None


def default_notes(table: Table, dialect: str) -> list[str]:
    """What the plan says about defaults left out and keys that keep (or lose) auto-assignment."""
    notes = []
    set_again = {d.name for d in table.pg_definitions if d.kind in ("default", "sequence_default")}
    for col in table.columns:
        if col.auto_increment:
            notes.append(f"{col.name}: {identity_note(table, col, dialect)}")
            continue
        if dialect == "postgresql" and col.name in set_again:
            continue  # set again as the source wrote it, once the table is loaded
        _sql, why = default_sql(col, dialect)
        if why is not None and col.default is not None:
            notes.append(f"{col.name}: default {col.default.sql} not copied ({why})")
    return notes


def column_definitions(table: Table, dialect: str) -> list[str]:
    """Each column of ``table`` as CREATE TABLE declares it into ``dialect``: name, type,
    ``column_suffix`` and NOT NULL."""
    definitions = []
    for column in table.columns:
        definition = f"{quote_ident(column.name)} {ddl_type(column, dialect)}"
        definition += column_suffix(column, dialect)
        if not column.nullable:
            definition += " NOT NULL"
        definitions.append(definition)
    return definitions


def column_suffix(column: Column, dialect: str) -> str:
    """What follows the column's type in CREATE TABLE: collation, identity and DEFAULT."""
    collate = collate_clause(column, dialect)
    if is_identity(column, dialect):
        options = kept_numbering(column, dialect)
        return (
            collate
            + f" GENERATED {'ALWAYS' if column.identity_always else 'BY DEFAULT'} AS IDENTITY"
            + (f" ({options})" if options else "")
        )
    sql, _why = default_sql(column, dialect)
    return collate + (f" DEFAULT {sql}" if sql is not None else "")


def collate_clause(column: Column, dialect: str) -> str:
    """`` COLLATE x`` where CREATE TABLE declares the column with a collation into
    ``dialect`` (the plan shows it with the type), else ''."""
    collation = kept_collation(column, dialect)
    if (
        dialect == "postgresql"
        and column.pg_collation
        and (column.pg_type or not column.target_type)
    ):
        collation = column.pg_collation  # not after a --cast, which clears pg_type
    return f" COLLATE {collation}" if collation else ""


KEPT_COLLATIONS = {"sqlite": ("NOCASE", "RTRIM"), "duckdb": ("NOCASE", "NOACCENT", "NFC")}
"""The collations (SQLite's built-in ones, DuckDB's) each target has under the same name and
meaning."""


def kept_collation(column: Column, dialect: str) -> str | None:
    """The column's collation where ``dialect`` keeps it (DuckDB: on text columns only)."""
    if column.collation not in KEPT_COLLATIONS.get(dialect, ()):
        return None
    if dialect == "duckdb" and not ddl_type(column, dialect).upper().startswith("VARCHAR"):
        return None
    return column.collation


def collation_notes(table: Table, dialect: str) -> list[str]:
    """What the plan says about collations the target does not keep."""
    notes = []
    for c in table.columns:
        if c.pg_collation and dialect != "postgresql" and c.pg_collation not in _BYTE_ORDER:
            notes.append(
                f"{c.name}: COLLATE {c.pg_collation} not carried (its rules are not known in "
                f"{dialect}: comparisons, sorting and unique indexes on it can differ)"
            )
        if kept_collation(c, dialect) and dialect == "duckdb":
            notes += _keys_comparing_bytes(table, c)
        if not c.collation or kept_collation(c, dialect) or not pa.types.is_string(c.arrow_type):
            continue
        differs = _COLLATION_DIFFERENCE.get(c.collation, "its own rules are not known there")
        what = f"COLLATE {c.collation}"
        if is_citext(c):  # only a PostgreSQL target without the extension gets here
            what, differs = (
                "citext",
                "not in the target, CREATE EXTENSION citext keeps it; case counts",
            )
        notes.append(
            f"{c.name}: {what} not carried ({differs} in {dialect}: comparisons, "
            "sorting and unique indexes on it can differ)"
        )
    return notes


def _keys_comparing_bytes(table: Table, column: Column) -> list[str]:
    """The primary key and unique indexes on ``column`` that compare it bytewise in DuckDB
    though the column keeps its collation: DuckDB's indexes (ART) ignore a collation, so the
    key takes 'Bob' beside 'bob' where the source refused it (checked with DuckDB 2.0; an
    index on lower() would fold more than SQLite's NOCASE, which folds A-Z only)."""
    keys = [f"primary key ({', '.join(table.primary_key)})"]
    keys = keys if column.name in table.primary_key else []
    keys += [
        f"unique index {i.name}"
        for i in table.indexes
        # An index comparing the column under a collation of its own (BINARY) compares bytes.
        if i.unique and column.name in i.columns and column.name not in dict(i.collations)
    ]
    differs = _COLLATION_DIFFERENCE.get(str(column.collation), "its rules are not applied")
    return [
        f"{column.name}: COLLATE {column.collation} not applied by {key} ({differs} in "
        "duckdb's indexes: 'Bob' may be added beside 'bob')"
        for key in keys
    ]


def is_citext(col: Column) -> bool:
    """A column of the citext extension's type (its name qualified when not on the path)."""
    return col.source_type.rsplit(".", 1)[-1].strip('"') == "citext"


_BYTE_ORDER = ('pg_catalog."C"', 'pg_catalog."POSIX"', 'pg_catalog."ucs_basic"')
"""PostgreSQL's collations that order by code point: SQLite's and DuckDB's own default."""
_COLLATION_DIFFERENCE = {
    "NOCASE": "case counts",
    "RTRIM": "trailing spaces count",
    "NOACCENT": "accents count",
    "NFC": "unnormalised text compares apart",
}
