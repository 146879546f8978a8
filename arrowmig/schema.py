"""Type mapping, in one place: Arrow types to each target's DDL, and batches to the exact
Arrow types each target's writer needs ("wire" types). See the README's mapping table.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig import infinity, nested_json, temporal_text
from arrowmig.conform import (
    dates_of_midnights,
    decimal_as_float,
    decimal_text,
    exact_cast,
    temporal_of_text,
)
from arrowmig.duckdb_enum_arrays import scannable
from arrowmig.epochs import epoch_micros, julian_micros
from arrowmig.errors import SchemaError
from arrowmig.model import (
    FOREIGN_KEY_ACTIONS,
    FOREIGN_KEY_TIMINGS,
    Column,
    ForeignKey,
    Index,
    Table,
    timing_label,
)
from arrowmig.pg_numeric import MAX_DECIMAL128_DIGITS, holding_decimal, parse_numeric

# Target types that PostgreSQL cannot receive straight from an Arrow column through COPY
# BINARY (its binary formats differ from text): they are ingested as text into a staging
# table and converted by the server in the same transaction.
PG_TEXT_CARRIED = ("jsonb", "json", "uuid", "numeric", "inet", "cidr", "macaddr", "interval", "xml")


def is_text_type(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def numbers_as_text(column: Column, arriving: pa.DataType) -> bool:
    """Whether a column's values are exact numbers carried as their text (DuckDB's HUGEINT
    and UHUGEINT, an unbounded PostgreSQL numeric): into an integer column each is parsed,
    and one that is no integer of the column's range is a bad value of its row."""
    numeric = (column.target_type or "").strip().lower().startswith(("numeric", "decimal"))
    return numeric and is_text_type(arriving)


def is_pg_interval(declared: str) -> bool:
    """A PostgreSQL interval column (``interval``, ``interval second(3)``, ``interval year
    to month``; not an array of them). DuckDB declares 'INTERVAL', in capitals."""
    return declared.startswith("interval") and not declared.endswith("]")


_PG_TIMESTAMP = re.compile(r"timestamp(tz)?(\(\d+\))?( with(out)? time zone)?")


def is_pg_timestamp(declared: str) -> bool:
    """A PostgreSQL timestamp or timestamptz column, any precision, as ``format_type``
    declares it ('timestamp(3) with time zone'; not an array of them)."""
    return _PG_TIMESTAMP.fullmatch(declared) is not None


def is_bytes_type(t: pa.DataType) -> bool:
    return bool(
        pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)
    )


def quote_ident(name: str) -> str:
    """Quote an identifier the way PostgreSQL, SQLite and DuckDB all accept."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A string literal all three accept (PostgreSQL's standard_conforming_strings is on)."""
    return "'" + text.replace("'", "''") + "'"


_LIMITED_TEXT = re.compile(
    r"^(?:character varying|varchar|character|char|bpchar)\s*\(\s*(\d+)\s*\)$", re.IGNORECASE
)


def text_limit(declared: str) -> int | None:
    """The n of a PostgreSQL ``varchar(n)`` or ``char(n)`` (``character varying(10)``), which
    the server holds its text to; None for any other type."""
    limit = _LIMITED_TEXT.match(declared.strip())
    return int(limit.group(1)) if limit else None


def qualified(name: str, schema: str | None, catalog: str | None = None) -> str:
    """``schema.name``, or ``catalog.schema.name`` where a two-part name could be read as
    ``catalog.name`` (a DuckDB file named like a schema it holds)."""
    if not schema:
        return quote_ident(name)
    prefix = f"{quote_ident(catalog)}." if catalog else ""
    return f"{prefix}{quote_ident(schema)}.{quote_ident(name)}"


# -- Arrow -> target DDL ---------------------------------------------------------------------


def ddl_type(column: Column, dialect: str) -> str:
    """The column type to create in ``dialect`` for a column of this Arrow type."""
    if dialect == "postgresql" and column.pg_type:
        return column.pg_type  # a --cast clears it
    if dialect == "duckdb" and column.duckdb_type:
        return column.duckdb_type  # and this one
    if dialect == "sqlite" and column.sqlite_type is not None:
        return column.sqlite_type  # and this one; '' declares no type, as the source did
    if (
        column.target_type == "numeric"
        and dialect != "postgresql"
        and pa.types.is_floating(column.arrow_type)
    ):
        # Doubles PostgreSQL keeps as numeric: elsewhere they stay doubles (DuckDB's bare
        # DECIMAL is DECIMAL(18,3), and a SQLite NUMERIC would hold the same double anyway).
        return ddl_type(replace(column, target_type=None), dialect)
    if column.target_type:
        return _forced_type(column.target_type, dialect)
    t = column.arrow_type
    if dialect == "postgresql":
        return _pg_type(t, column.name)
    if dialect == "duckdb":
        return _duckdb_type(t, column.name)
    if dialect == "sqlite":
        return _sqlite_type(t)
    raise ValueError(dialect)


def _forced_type(target_type: str, dialect: str) -> str:
    lowered = target_type.lower()
    if lowered in EPOCH_UNITS:
        return _forced_type("timestamptz", dialect)
    if dialect == "sqlite":
        # SQLite keeps structured and exact values as text: a declared NUMERIC would let its
        # numeric affinity turn '1.10' into the float 1.1.
        if lowered.startswith(
            ("json", "uuid", "numeric", "decimal", "inet", "cidr", "macaddr", "xml", "interval")
        ):
            return "TEXT"
        return upper_words(target_type)
    if dialect == "duckdb":
        if lowered == "jsonb":
            return "JSON"
        if lowered in ("inet", "cidr", "macaddr", "xml"):
            return "VARCHAR"
        if lowered.startswith(("numeric", "decimal")):
            declared = parse_numeric(lowered)
            held = holding_decimal(*declared) if declared else None
            if held is None or held[0] > MAX_DECIMAL128_DIGITS:
                return "VARCHAR"  # unbounded or wide numeric: DuckDB decimals stop at 38 digits
            if declared is not None and held != declared:
                # numeric(5,-2) or numeric(3,5) (PostgreSQL's): DuckDB's scale is 0 to width.
                return f"DECIMAL({held[0]},{held[1]})"
    return upper_words(target_type)


_QUOTED = re.compile(r"""("(?:[^"]|"")*"|'(?:[^']|'')*')""")


def upper_words(type_sql: str) -> str:
    """A type as written (a --cast's, a catalog's), its words upper-cased as plans show types,
    but not what is quoted: an enum's labels (ENUM('sad') made ENUM('SAD') refused 'sad') and a type's quoted
    name (PostgreSQL's "Mood" is not "MOOD")."""
    parts = _QUOTED.split(type_sql)
    return "".join(part if i % 2 else part.upper() for i, part in enumerate(parts))


CORE_DATA_EPOCH = "epoch_2001_s"
"""``--cast T.C=epoch_2001_s``: seconds since 2001-01-01 UTC, Core Data's (NSDate's) dates."""
CORE_DATA_START_US = 978_307_200 * 1_000_000
"""2001-01-01 UTC, in microseconds since 1970."""


# Forced (--cast) target types that have an exact Arrow type: batches are converted to it
# client-side, so a value that does not convert is caught per row by screening.
_FORCED_ARROW = {
    "smallint": pa.int16(),
    "int2": pa.int16(),
    "integer": pa.int32(),
    "int": pa.int32(),
    "int4": pa.int32(),
    "bigint": pa.int64(),
    "int8": pa.int64(),
    "real": pa.float32(),
    "float4": pa.float32(),
    "double precision": pa.float64(),
    "double": pa.float64(),
    "float8": pa.float64(),
    "float": pa.float64(),
    "boolean": pa.bool_(),
    "bool": pa.bool_(),
    "text": pa.string(),
    "varchar": pa.string(),
    "bytea": pa.binary(),
    "blob": pa.binary(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
}


JULIAN_CAST = "julian"
"""``--cast T.C=julian``: julian days, SQLite's julianday() (``epochs.julian_micros``)."""

EPOCH_UNITS = {
    "epoch_s": 1_000_000,
    "epoch_ms": 1_000,
    "epoch_us": 1,
    CORE_DATA_EPOCH: 1_000_000,
    JULIAN_CAST: 86_400_000_000,
}
"""``--cast T.C=epoch_ms``: integers counted from 1970-01-01 UTC in that unit (Prisma stores
its SQLite DateTime as milliseconds; ``epoch_2001_s`` counts from 2001, ``julian`` days from
-4713-11-24 12:00), as instants (timestamptz); the unit's microseconds (julian's only says
what a day is: ``cast_as_asked`` converts it by ``epochs.julian_micros``, from its offset)."""


INTERVAL_MICROSECONDS = "interval"
"""``--cast T.C=interval`` on integers: microseconds, as Django's DurationField stores a
timedelta in SQLite (PostgreSQL's own cast reads a bare number as seconds)."""


def forced_arrow_type(
    target_type: str | None, source: pa.DataType | None = None
) -> pa.DataType | None:
    """The Arrow type a forced target type is converted to client-side from values of
    ``source``, or None (the writer, or the server, converts them)."""
    if not target_type:
        return None
    lowered = re.sub(r"\s+", " ", target_type.strip().lower())
    if lowered in EPOCH_UNITS:
        return pa.timestamp("us", tz="UTC")
    if lowered == INTERVAL_MICROSECONDS and source is not None and pa.types.is_integer(source):
        return pa.duration("us")
    if re.match(r"^(varchar|character varying) ?\(\d+\)$", lowered):
        return pa.string()
    if lowered == UUID_CAST and source is not None and is_bytes_type(source):
        return pa.string()  # its text, which every target's uuid column takes
    return _FORCED_ARROW.get(lowered)


def travelling_type(column: Column) -> pa.DataType:
    """The Arrow type ``column``'s values are written as: its forced (``--cast``) type where
    that is converted client-side, else the type they are read as."""
    return forced_arrow_type(column.target_type, column.arrow_type) or column.arrow_type


def is_text_cast(type_name: str) -> bool:
    """Whether ``--cast T.C=type_name`` makes the column text (text, varchar(n), ...)."""
    forced = forced_arrow_type(type_name)
    return forced is not None and is_text_type(forced)


UUID_CAST = "uuid"
"""``--cast T.C=uuid`` on bytes: each 16-byte value as its UUID, bytes in order (how Room and
Core Data keep one in a BLOB). Text goes as it is, for the target to parse."""


def _uuid_bytes(column: Column, arriving: pa.DataType) -> bool:
    return (column.target_type or "").strip().lower() == UUID_CAST and is_bytes_type(arriving)


def uuid_text(array: pa.Array) -> pa.Array:
    """16-byte values as lower-case 8-4-4-4-12 UUID text; raises ArrowInvalid on any other
    length (no UUID is shorter or longer)."""
    lengths = pc.binary_length(array)
    if not pc.all(pc.fill_null(pc.equal(lengths, 16), True), min_count=0).as_py():
        raise pa.ArrowInvalid("a value that is not 16 bytes")
    hexed = [None if v is None else str(uuid.UUID(bytes=v)) for v in array.to_pylist()]
    return pa.array(hexed, pa.string())


def type_words(t: pa.DataType) -> str:
    """An Arrow type in the SQL words a user knows it by (``decimal128(10, 2)`` is
    ``numeric(10,2)``)."""
    if pa.types.is_decimal(t):
        return f"numeric({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return "timestamptz" if t.tz else "timestamp"
    if pa.types.is_duration(t) or pa.types.is_interval(t):
        return "interval"
    words = {
        pa.string(): "text",
        pa.large_string(): "text",
        pa.bool_(): "boolean",
        pa.int16(): "smallint",
        pa.int32(): "integer",
        pa.int64(): "bigint",
        pa.float32(): "real",
        pa.float64(): "double precision",
        pa.date32(): "date",
        pa.binary(): "bytea",
        pa.large_binary(): "bytea",
    }
    return words.get(t, str(t))


def _pg_type(t: pa.DataType, name: str) -> str:
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_uint8(t):
        return "SMALLINT"
    if pa.types.is_int32(t) or pa.types.is_uint16(t):
        return "INTEGER"
    if pa.types.is_int64(t) or pa.types.is_uint32(t):
        return "BIGINT"
    if pa.types.is_uint64(t):
        return "NUMERIC(20,0)"
    if pa.types.is_float16(t) or pa.types.is_float32(t):
        return "REAL"
    if pa.types.is_float64(t):
        return "DOUBLE PRECISION"
    if pa.types.is_decimal(t):
        return f"NUMERIC({t.precision},{t.scale})"
    if is_text_type(t) or pa.types.is_null(t):
        return "TEXT"
    if is_bytes_type(t):
        return "BYTEA"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    if pa.types.is_time(t):
        return "TIME"
    if pa.types.is_duration(t) or pa.types.is_interval(t):
        return "INTERVAL"
    if nested_json.is_nested(t):
        return "JSONB"
    raise SchemaError(f"column {name!r} has Arrow type {t} that PostgreSQL cannot hold")


def _duckdb_type(t: pa.DataType, name: str) -> str:
    simple = {
        pa.bool_(): "BOOLEAN",
        pa.int8(): "TINYINT",
        pa.int16(): "SMALLINT",
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.uint8(): "UTINYINT",
        pa.uint16(): "USMALLINT",
        pa.uint32(): "UINTEGER",
        pa.uint64(): "UBIGINT",
        pa.float16(): "FLOAT",
        pa.float32(): "FLOAT",
        pa.float64(): "DOUBLE",
        pa.string(): "VARCHAR",
        pa.large_string(): "VARCHAR",
        pa.binary(): "BLOB",
        pa.large_binary(): "BLOB",
        pa.date32(): "DATE",
        pa.date64(): "DATE",
        pa.null(): "VARCHAR",
    }
    if t in simple:
        return simple[t]
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        # Nanoseconds are kept: DuckDB's TIMESTAMP and TIMESTAMPTZ would round them to µs.
        nanos = "_NS" if t.unit == "ns" else ""
        return ("TIMESTAMPTZ" if t.tz else "TIMESTAMP") + nanos
    if pa.types.is_time(t):
        return "TIME_NS" if t.unit == "ns" else "TIME"
    if pa.types.is_duration(t) or pa.types.is_interval(t):
        return "INTERVAL"
    if pa.types.is_fixed_size_binary(t):
        return "BLOB"
    if pa.types.is_map(t):
        # Only inside a LIST or STRUCT (a top-level MAP is read as JSON): kept as the MAP.
        return f"MAP({_duckdb_type(t.key_type, name)}, {_duckdb_type(t.item_type, name)})"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _duckdb_type(t.value_type, name) + "[]"
    if pa.types.is_fixed_size_list(t):
        return f"{_duckdb_type(t.value_type, name)}[{t.list_size}]"  # DuckDB's ARRAY
    if pa.types.is_struct(t):
        fields = [t.field(i) for i in range(t.num_fields)]
        if not fields or len({f.name.lower() for f in fields}) < len(fields):
            return "JSON"  # DuckDB's STRUCT needs fields, named apart whatever their case
        members = ", ".join(f"{quote_ident(f.name)} {_duckdb_type(f.type, name)}" for f in fields)
        return f"STRUCT({members})"
    raise SchemaError(f"column {name!r} has Arrow type {t} that DuckDB cannot hold here")


def _sqlite_type(t: pa.DataType) -> str:
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_integer(t):
        return "TEXT" if pa.types.is_uint64(t) else "INTEGER"
    if pa.types.is_floating(t):
        return "REAL"
    if is_bytes_type(t):
        return "BLOB"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    if pa.types.is_time(t):
        return "TIME"
    # Decimals, text, intervals, lists and structs are kept as text: exact and readable.
    return "TEXT"


# -- batches -> the Arrow types a target's writer takes ------------------------------------


def wire_type(column: Column, dialect: str) -> pa.DataType:
    """The Arrow type a column must have when written to ``dialect``."""
    t = column.arrow_type
    forced = (column.target_type or "").lower()
    if dialect == "postgresql" and forced.startswith(PG_TEXT_CARRIED):
        return pa.string()
    converted = forced_arrow_type(column.target_type, t)
    if converted is not None:
        return wire_type(Column(column.name, converted), dialect)
    if dialect == "postgresql" and server_converts(column.target_type):
        return pa.string()
    if dialect == "postgresql":
        if pa.types.is_uint64(t) or pa.types.is_duration(t) or pa.types.is_interval(t):
            return pa.string()
        if nested_json.is_nested(t):
            return pa.string()
        if pa.types.is_uint8(t):
            return pa.int16()
        if pa.types.is_uint16(t):
            return pa.int32()
        if pa.types.is_uint32(t):
            return pa.int64()
        if pa.types.is_float16(t):
            return pa.float32()
        if pa.types.is_large_string(t) or pa.types.is_null(t):
            return pa.string()
        if pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
            return pa.binary()
        if pa.types.is_date64(t):
            return pa.date32()
        if pa.types.is_timestamp(t):
            return pa.timestamp("us", tz=t.tz)
        if pa.types.is_time(t):
            return pa.time64("us")
        if pa.types.is_decimal256(t):
            return pa.string()  # past 38 digits: exact text, converted by the server
        return t
    if dialect == "sqlite":
        if pa.types.is_boolean(t) or (pa.types.is_integer(t) and not pa.types.is_uint64(t)):
            return pa.int64()
        if pa.types.is_floating(t):
            return pa.float64()
        if is_bytes_type(t):
            return pa.binary()
        return pa.string()
    return scannable(t)  # DuckDB reads any Arrow type it can store (but see scannable)


def needs_text_staging(table: Table) -> bool:
    """Whether a PostgreSQL load must convert text-carried columns on the server."""
    return any(_pg_text_carried(c) for c in table.columns)


def is_pg_string_type(declared: str) -> bool:
    """Whether a PostgreSQL type is one of its string types, whose values are Arrow's text."""
    return declared in ("text", "name", "citext") or declared.startswith("character")


def _pg_text_carried(column: Column) -> bool:
    if column.pg_domain is not None and column.pg_type is not None:
        # A domain's values travel as its base type: as they are (an integer, a string), or
        # as the text the server converts (an inet, an array as JSON, a tsvector).
        return pa.types.is_string(wire_type(column, "postgresql")) and not is_pg_string_type(
            column.source_type
        )
    if column.pg_type is not None:
        return not column.pg_binary  # a varchar(n)'s values travel as text: no cast
    forced = column.target_type
    return (
        (
            pa.types.is_string(wire_type(column, "postgresql"))
            and not (
                pa.types.is_string(column.arrow_type)
                or pa.types.is_large_string(column.arrow_type)
                or pa.types.is_null(column.arrow_type)
            )
        )
        or (forced or "").lower().startswith(PG_TEXT_CARRIED)
        or (server_converts(forced) and forced_arrow_type(forced, column.arrow_type) is None)
    )


_LENGTH_LIMITED = re.compile(
    r"^\s*(char|character|bpchar|nchar|bit|varbit|bit varying|varchar|character varying)\b",
    re.IGNORECASE,
)


def server_converts(target_type: str | None) -> bool:
    """Whether a --cast type arrowmig does not convert itself reaches PostgreSQL as text, for
    the server to convert: the source's binary form is another type's (an integer sent
    as binary into ``money`` would be read as cents: 5 became $0.05). Types with a length
    stay binary: an explicit cast from text would cut a value to fit (``'abcd'::char(3)``),
    where COPY refuses it."""
    if not target_type or forced_arrow_type(target_type) is not None:
        return False
    return _LENGTH_LIMITED.match(target_type) is None


def pg_server_cast(column: Column) -> str | None:
    """The SQL type a text-carried column is cast to on the server, or None."""
    return ddl_type(column, "postgresql") if _pg_text_carried(column) else None


def pg_server_expression(column: Column, source: str) -> str:
    """The SQL that turns the text-carried value ``source`` into the column's type.

    An array of a PostgreSQL source travels as JSON (``array_to_json``): a one-level array is
    taken apart by ``json_array_elements_text`` (exact text of every element, NULLs kept; a
    json[] or jsonb[] by ``json_array_elements``, each element's JSON text), a nested one is
    rewritten into an array literal by ``PG_ARRAY_LITERAL_FUNCTION``. Plain
    ``json`` keeps each number's text as the source wrote it (jsonb would turn -0 into 0).
    """
    cast = pg_server_cast(column)
    if cast is None:
        return source
    # A type the user asked for by --cast rounds as asked (the plan says so); a column that
    # is there before the run (pg_type, from the catalog) does not get to.
    unbounded = unbounded_pg_type(cast) if column.pg_type else None
    if unbounded is None:
        return _pg_converted(column, source, _through_source_elements(column, cast))
    # A cast to a type with a length, precision or fields (numeric(6,2), varchar(3)[],
    # timestamp(0)) rounds or cuts what does not fit, where COPY would refuse it: the value
    # is kept only when it reads back as the unbounded type's value, else the row is refused.
    fitted = _pg_converted(column, source, cast)
    same = (
        f"({fitted})::{unbounded} IS NOT DISTINCT FROM ({_pg_converted(column, source, unbounded)})"
    )
    return f"{PG_EXACT}({fitted}, {same}, {quote_literal(column.name)}, {source}::text)"


def _through_source_elements(column: Column, cast: str) -> str:
    """``cast``, after the PostgreSQL source's own array type where each element was checked
    on its way into an array of another element type (``array_elements.pg_json_elements``):
    an integer's input reads no '2.0' of a numeric nor '1e+15' of a double, which are
    integers exactly."""
    from arrowmig.array_elements import pg_json_source_type  # which imports this module

    through = pg_json_source_type(column)
    return cast if through is None else f"{through}::{cast}"


def pg_array_again(column: Column) -> bool:
    """Whether a column travelling as JSON is a PostgreSQL array again in the target: an
    array type, or a domain over one (its source type is the array it is built on)."""
    if column.pg_type is None:
        return False  # a --cast clears it
    return column.pg_type.endswith("]") or (
        column.pg_domain is not None and column.source_type.endswith("]")
    )


def _pg_converted(column: Column, source: str, cast: str) -> str:
    if not pg_array_again(column):
        return f"{source}::{cast}"
    as_json = f"{source}::json"
    documents = _json_documents(column, cast)
    # A json or jsonb element is the JSON text of its value, which json_array_elements keeps
    # as written ('"s"', '{"b":1, "a":2}'); json_array_elements_text would unquote a string
    # (s, no JSON). A JSON null is a NULL element, as json_array_elements_text makes it.
    element = "CASE WHEN json_typeof(e) <> 'null' THEN e::text END" if documents else "e"
    elements = "json_array_elements" if documents else "json_array_elements_text"
    return (
        f"CASE WHEN {source} IS NULL THEN NULL "
        f"WHEN json_typeof({as_json} -> 0) = 'array' "
        f"THEN {PG_ARRAY_LITERAL}({PG_RECTANGULAR}({as_json}, {quote_literal(column.name)}), "
        f"{'true' if documents else 'false'})::{cast} "
        f"ELSE ARRAY(SELECT {element} FROM {elements}({as_json}) "
        f"WITH ORDINALITY AS t(e, n) ORDER BY n)::{cast} END"
    )


def _json_documents(column: Column, cast: str) -> bool:
    """Whether the JSON array ``column`` travels as holds the json or jsonb elements of the
    array it becomes as JSON values: a PostgreSQL json[] or jsonb[], read by array_to_json.
    A DuckDB LIST of JSON holds strings of JSON text (``nested_json``), and so does the text
    of other sources, as it always was read."""
    element = _TYPMOD.sub("", cast).removesuffix("[]").strip().lower()
    listed = column.nested_text or nested_json.is_nested(column.arrow_type)
    from_json_array = column.source_type.strip().lower() in ("json[]", "jsonb[]")
    return element in ("json", "jsonb") and from_json_array and not listed


_TYPMOD = re.compile(r"\(\s*\d+\s*(,\s*-?\d+\s*)?\)")


def unbounded_pg_type(type_name: str) -> str | None:
    """``type_name`` without its length, precision or interval fields (``numeric(6,2)[]`` to
    ``numeric[]``), or None when it has none. Where the bare name still limits (``bit`` is
    ``bit(1)``, ``character`` is ``character(1)``), the unlimited type of the same values."""
    array = "[]" if type_name.endswith("[]") else ""
    base = type_name.removesuffix("[]").strip()
    bare = _TYPMOD.sub("", base).strip()
    lowered = bare.lower()
    if lowered.startswith("interval") and lowered != "interval":
        return "interval" + array  # interval day, interval year to month, ...
    if bare == base:
        return None
    if lowered in ("bit", "character", "char", "bpchar"):
        bare = {"bit": "bit varying"}.get(lowered, "bpchar")
    return " ".join(bare.split()) + array


PG_EXACT = "pg_temp.arrowmig_exact"

PG_EXACT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {PG_EXACT}(fitted anyelement, exact boolean, what text, original text)
RETURNS anyelement LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
  IF NOT exact THEN
    RAISE EXCEPTION 'column %: value % would be stored as %, which the column''s type '
      'cannot hold exactly', what, original, fitted USING ERRCODE = '22000';
  END IF;
  RETURN fitted;
END $f$
"""
"""``fitted`` when ``exact``, else the row is refused (a data exception, which
``--on-error reject`` sets aside) naming the column and both values. What to do is the
endpoint's hint (``INEXACT_HINT``), not the server's text: a row set aside keeps the text,
and advised --on-error reject to a run that has it."""

INEXACT = "cannot hold exactly"
"""What ``PG_EXACT``'s refusal says, which tells it from other data exceptions."""
INEXACT_HINT = "widen the target column, or use --on-error reject to set such rows aside"
"""The way past a value ``PG_EXACT`` refuses, when the run stops on it."""


PG_ARRAY_LITERAL = "pg_temp.arrowmig_array_literal"

PG_ARRAY_LITERAL_FUNCTION = rf"""
CREATE OR REPLACE FUNCTION {PG_ARRAY_LITERAL}(j json, documents boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
  CASE
    WHEN json_typeof(j) = 'array' THEN
      RETURN '{{' || coalesce((SELECT string_agg({PG_ARRAY_LITERAL}(e, documents), ',' ORDER BY n)
                               FROM json_array_elements(j) WITH ORDINALITY AS t(e, n)), '') || '}}';
    WHEN json_typeof(j) = 'null' THEN RETURN 'NULL';
    WHEN json_typeof(j) = 'string' AND NOT documents THEN
      RETURN '"' || replace(replace(j #>> '{{}}', '\', '\\'), '"', '\"') || '"';
    ELSE RETURN '"' || replace(replace(j::text, '\', '\\'), '"', '\"') || '"';
  END CASE;
END $f$
"""
"""A nested JSON array as a PostgreSQL array literal (``[[1,null],["a\"b"]]`` to
``{{"1",NULL},{"a\"b"}}``), each element quoted and escaped; with ``documents`` (the
elements of a json[] or jsonb[]) a string as its JSON text (``"\"s\""``), not unquoted. A
temporary function (pg_temp): it lives as long as arrowmig's connection and leaves nothing in
the database."""

PG_RECTANGULAR = "pg_temp.arrowmig_rectangular"

RAGGED = "a PostgreSQL array cannot hold"
"""What ``PG_RECTANGULAR``'s refusal says, which tells it from other data exceptions."""
RAGGED_HINT = (
    "a PostgreSQL array's sub-arrays all have one length and none is empty or NULL: fix the "
    "value in the source, make the target column jsonb (which holds any list), or use "
    "--on-error reject to set such rows aside"
)
"""The way past a value ``PG_RECTANGULAR`` refuses, when the run stops on it."""

PG_RECTANGULAR_FUNCTION = rf"""
CREATE OR REPLACE FUNCTION pg_temp.arrowmig_shape(j json) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE shapes text[];
BEGIN
  IF json_typeof(j) <> 'array' THEN RETURN ''; END IF;
  IF json_array_length(j) = 0 THEN RETURN NULL; END IF;
  SELECT array_agg(DISTINCT coalesce(pg_temp.arrowmig_shape(e), '?')) INTO shapes
    FROM json_array_elements(j) AS t(e);
  IF cardinality(shapes) > 1 OR shapes[1] = '?' THEN RETURN NULL; END IF;
  RETURN json_array_length(j) || '[' || shapes[1];
END $f$;
CREATE OR REPLACE FUNCTION {PG_RECTANGULAR}(j json, what text) RETURNS json
LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
  IF pg_temp.arrowmig_shape(j) IS NULL THEN
    RAISE EXCEPTION 'column %: value % has sub-arrays of different lengths (or an empty or '
      'NULL one), which {RAGGED}', what, j USING ERRCODE = '22000';
  END IF;
  RETURN j;
END $f$
"""
"""``j``, a nested JSON array, when the array it becomes is rectangular, else the row is
refused naming the column and the value (a data exception, which ``--on-error reject`` sets
aside): the server's own refusal of the literal ('malformed array literal') named neither."""


def to_wire(batch: pa.RecordBatch, table: Table, dialect: str) -> pa.RecordBatch:
    """Convert a batch to the exact Arrow types ``dialect``'s writer takes, without loss."""
    arrays = []
    fields = []
    for col, array in zip(table.columns, batch.columns, strict=True):
        arrays.append(column_to_wire(array, col, dialect))
        fields.append(pa.field(col.name, arrays[-1].type))
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


def column_to_wire(array: pa.Array, column: Column, dialect: str) -> pa.Array:
    """One column's values as ``dialect``'s writer takes them (``to_wire``)."""
    return _convert(array, wire_type(column, dialect), column)


def _convert(array: pa.Array, target: pa.DataType, column: Column) -> pa.Array:
    # A --cast first where the writer converts its result further (a boolean goes to SQLite as
    # 0/1; PostgreSQL's boolean words are the cast's own), and an epoch's unit and bytes as a
    # uuid always; a cast to the wire type itself (text) is done below, years past 9999 and
    # infinities included.
    forced = forced_arrow_type(column.target_type, column.arrow_type)
    epoch = (column.target_type or "").strip().lower() in EPOCH_UNITS
    uuid_bytes = _uuid_bytes(column, array.type)
    if forced is not None and array.type != forced and (forced != target or epoch or uuid_bytes):
        array = cast_as_asked(array, column)
    source = array.type
    if source == target:
        return array
    if pa.types.is_string(target):
        if nested_json.is_nested(source):
            return nested_json.json_texts(array)
        if pa.types.is_interval(source) or pa.types.is_duration(source):
            return interval_text(array)
        if pa.types.is_timestamp(source):
            return infinity.as_text(array, timestamp_text)
        if pa.types.is_date32(source):
            return infinity.as_text(array, temporal_text.date_text)
        if pa.types.is_time(source):
            return time_text(array)
        if pa.types.is_floating(source):
            return pc.cast(array, pa.string())
        if pa.types.is_decimal(source):
            return decimal_text(array)
    if pa.types.is_timestamp(source) and pa.types.is_timestamp(target):
        # Narrowing ns to µs must not drop nanoseconds silently: safe cast raises instead.
        return infinity.cast_timestamps(array, target)
    return forced_cast(array, target)


BOOLEAN_WORDS = {
    **dict.fromkeys(("t", "true", "y", "yes", "on", "1"), True),
    **dict.fromkeys(("f", "false", "n", "no", "off", "0"), False),
}
"""The texts a ``--cast ...=boolean`` takes, in any case, spaces around ignored: PostgreSQL's
boolean input (older Rails wrote 't' and 'f' to SQLite). Arrow's cast knows only true/false/1/0."""


def forced_cast(array: pa.Array, target: pa.DataType) -> pa.Array:
    """The safe cast a ``--cast`` asks for; raises ArrowInvalid on a value that does not fit."""
    if pa.types.is_boolean(target) and (
        pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    ):
        words = pc.utf8_lower(pc.utf8_trim_whitespace(array))
        trues = pc.is_in(words, value_set=pa.array([w for w, v in BOOLEAN_WORDS.items() if v]))
        falses = pc.is_in(words, value_set=pa.array([w for w, v in BOOLEAN_WORDS.items() if not v]))
        known = pc.or_(pc.or_(trues, falses), pc.is_null(array))
        if not pc.all(known, min_count=0).as_py():  # no values (all rejected): null by default
            raise pa.ArrowInvalid("a text that is no boolean word")
        return pc.if_else(pc.is_null(array), pa.scalar(None, pa.bool_()), trues)
    if pa.types.is_boolean(target) and (
        pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
    ):
        # Arrow's cast makes any number but 0 true: a 2 (a third state) would become true.
        truth = pc.or_(pc.equal(array, 0), pc.equal(array, 1))
        if not pc.all(truth, min_count=0).as_py():
            raise pa.ArrowInvalid("a number other than 0 and 1, which is no truth value")
    # Text without a zone taken as UTC, as appending into a timestamptz column takes it;
    # 'infinity' as infinity, as arrowmig writes it into SQLite.
    temporal = temporal_of_text(array, target)
    if temporal is not None:
        return temporal
    if pa.types.is_decimal(array.type) and pa.types.is_floating(target):
        return decimal_as_float(array, target)  # Arrow's own cast is not correctly rounded
    if pa.types.is_timestamp(array.type) and pa.types.is_date32(target):
        return dates_of_midnights(array)
    if pa.types.is_timestamp(target) and (
        pa.types.is_date32(array.type) or pa.types.is_timestamp(array.type)
    ):
        # ±infinity stays ±infinity: a date's (2**31 - 1 days) overflowed the cast to
        # microseconds, and --cast T.C=timestamp refused every infinite date.
        return infinity.cast_timestamps(array, target)
    return exact_cast(array, target)


def cast_as_asked(array: pa.Array, column: Column) -> pa.Array:
    """The values in the column's ``--cast`` type where it is converted client-side (raises
    ArrowInvalid on a value that does not convert), else as they are."""
    forced = forced_arrow_type(column.target_type, array.type)
    if forced is None or forced == array.type:
        return array
    asked = (column.target_type or "").strip().lower()
    factor = EPOCH_UNITS.get(asked)
    if factor is not None and not is_text_type(array.type):
        # Counted in the unit asked for; an epoch beyond the microsecond range raises. (Text
        # is parsed as timestamp text, as =timestamptz parses it.)
        if asked == JULIAN_CAST:
            return julian_micros(array).cast(forced)
        start = CORE_DATA_START_US if asked == CORE_DATA_EPOCH else 0
        return epoch_micros(array, factor, start).cast(forced)
    if _uuid_bytes(column, array.type):
        return uuid_text(array)
    if pa.types.is_string(forced):
        # As the writers write text: infinities, years past 9999, intervals, lists as JSON.
        return _convert(array, forced, replace(column, target_type=None))
    return forced_cast(array, forced)


def timestamp_text(array: pa.Array) -> pa.Array:
    text = temporal_text.python_timestamp_text(temporal_text.timestamp_text(array), array.type.unit)
    if array.type.tz:
        # Arrow writes a trailing Z for UTC; an explicit offset is what every reader parses.
        # The Z is the text's only letter: replaced as a plain substring (the regex "Z$" took
        # 1.9 s per 2M values, this 0.4).
        text = pc.replace_substring(text, pattern="Z", replacement="+00:00")
    return text


def time_text(array: pa.Array) -> pa.Array:
    """Times as Arrow writes them ('HH:MM:SS.ffffff'), and PostgreSQL's end of day, time
    '24:00:00', which Arrow's cast writes as '<value out of range: 86400000000>' unfailing."""
    digits = {"s": 0, "ms": 3, "us": 6, "ns": 9}[array.type.unit]
    storage = pa.int64() if array.type.bit_width == 64 else pa.int32()
    end_of_day = pc.equal(array.view(storage), 86400 * 10**digits)
    text = pc.cast(array, pa.string())
    if not pc.any(end_of_day).as_py():
        return text
    end_text = "24:00:00" + ("." + "0" * digits if digits else "")
    return pc.if_else(pc.fill_null(end_of_day, False), pa.scalar(end_text), text)


def interval_text(array: pa.Array) -> pa.Array:
    """Intervals and durations as PostgreSQL interval input, every digit kept."""
    values: list[str | None] = []
    if pa.types.is_duration(array.type):
        # As integers in the array's unit: Python's timedelta stops at microseconds.
        per_second = temporal_text.PER_SECOND[array.type.unit]
        for count in array.view(pa.int64()).to_pylist():
            text = _exact_seconds(count * (10**9 // per_second)) if count is not None else None
            values.append(None if text is None else f"{text} seconds")
        return pa.array(values, pa.string())
    for item in array.to_pylist():
        if item is None:
            values.append(None)
        else:
            seconds = _exact_seconds(item.nanoseconds)
            values.append(f"{item.months} mons {item.days} days {seconds} secs")
    return pa.array(values, pa.string())


def _exact_seconds(nanoseconds: int) -> str:
    """Nanoseconds as decimal seconds, every digit kept and no exponent ('1e-06' is not
    interval syntax, and a float loses nanoseconds past 2**53)."""
    whole, fraction = divmod(abs(nanoseconds), 1_000_000_000)
    digits = f"{whole}.{fraction:09d}".rstrip("0")
    return ("-" if nanoseconds < 0 else "") + (digits + "0" if digits.endswith(".") else digits)


def key_statements(
    table: Table, dialect: str, target: str | None, *, fresh: bool = False
) -> list[tuple[str, str]]:
    """(DDL, what it builds) for the primary key and indexes of a loaded table; ``target`` is
    the table as the statements name it (the endpoint's ``qualify``), None when unqualified.
    An index there already by its name (a retried build) is passed over; ``fresh``: the table
    was made in the statements' own transaction, so nothing of it can be there, and a name
    taken fails the statement rather than being passed over in silence.

    SQLite cannot add a primary key to an existing table; it is declared at CREATE TABLE, so
    it appears here with an empty statement (built already, still reported).
    """
    target = target or quote_ident(table.name)
    steps: list[tuple[str, str]] = []
    if table.primary_key:
        cols = ", ".join(quote_ident(c) for c in table.primary_key)
        # Deferrable only in PostgreSQL (the plan names it as not carried elsewhere).
        timing = table.primary_key_timing if dialect == "postgresql" else ""
        named = table.primary_key_name if dialect == "postgresql" else ""
        constraint = f"CONSTRAINT {quote_ident(named)} " if named else ""
        sql = (
            ""
            if dialect == "sqlite"
            else f"ALTER TABLE {target} ADD {constraint}PRIMARY KEY ({cols})"
        )
        steps.append((f"{sql} {timing}".rstrip(), primary_key_label(table.primary_key, timing)))
    for index in table.indexes:
        kind = "UNIQUE INDEX" if index.unique else "INDEX"
        ordered = dialect in ("postgresql", "sqlite")
        collated = dict(index.collations) if dialect == "sqlite" else {}
        cols = ", ".join(
            quote_ident(c)
            + (f" COLLATE {collated[c]}" if c in collated else "")
            + (" DESC" if ordered and c in index.descending else "")
            for c in index.columns
        )
        if index.postgres_keys and dialect == "postgresql":
            cols = index.postgres_keys  # operator classes, collations, NULLS orders kept
        label = index_label(index, dialect)
        include = ""
        if index.include and dialect == "postgresql":
            include = f" INCLUDE ({', '.join(quote_ident(c) for c in index.include)})"
        nulls = index.nulls_not_distinct and dialect == "postgresql"
        if index.constraint and index.unique and dialect == "postgresql":
            # Added as a constraint again; one there already (a retried build) is kept.
            add = (
                f"ALTER TABLE {target} ADD CONSTRAINT {quote_ident(index.name)} "
                f"UNIQUE{' NULLS NOT DISTINCT' if nulls else ''} ({cols}){include}"
                + (f" {index.timing}" if index.timing else "")
            )
            kept = (
                f"DO $arrowmig$ BEGIN {add}; EXCEPTION WHEN duplicate_table OR "
                "duplicate_object THEN NULL; END $arrowmig$"
            )
            steps.append((add if fresh else kept, label))
            continue
        if_not_exists = "" if fresh else " IF NOT EXISTS"
        steps.append(
            (
                f"CREATE {kind}{if_not_exists} {quote_ident(index.name)} ON {target} ({cols})"
                + include
                + (" NULLS NOT DISTINCT" if nulls else ""),
                label,
            )
        )
    return steps


def primary_key_label(columns: tuple[str, ...], timing: str = "") -> str:
    """How the report names a primary key built on ``columns`` (``timing``: as it is built)."""
    return f"primary key ({', '.join(columns)}){timing_label(timing)}"


def index_label(index: Index, dialect: str) -> str:
    """How the report names an index (or a unique constraint, into PostgreSQL) once built."""
    if index.constraint and index.unique and dialect == "postgresql":
        return f"unique constraint {index.name}{timing_label(index.timing)}"
    return f"{'unique ' if index.unique else ''}index {index.name}"


def enforces_uniqueness(label: str) -> bool:
    """Whether a label of ``key_statements`` names a primary key or a unique constraint or
    index: without it the target takes rows the source refuses."""
    return label.startswith(("primary key (", "unique "))


def index_form_notes(table: Table, dialect: str) -> list[str]:
    """The plan's words for each index a target builds plainer than its source: into a
    target other than PostgreSQL, a NULLS NOT DISTINCT one as a plain unique index (it takes
    keys alike but for NULLs), and one whose columns have an operator class, collation or
    NULLS order of PostgreSQL's on the plain columns; into one other than SQLite, one that
    compares a SQLite column under another collation than the column's own."""
    notes = []
    if table.primary_key_timing and dialect != "postgresql":
        notes.append(
            f"{table.primary_key_timing} of primary key ({', '.join(table.primary_key)}) "
            f"({dialect} checks it at each statement)"
        )
    for i in table.indexes:
        if i.collations and dialect != "sqlite":
            notes.append(f"the collations of index {i.name} (built without them)")
        if dialect == "postgresql":
            continue
        if i.timing:
            notes.append(
                f"{i.timing} of unique constraint {i.name} ({dialect} checks it at each statement)"
            )
        if i.nulls_not_distinct:
            notes.append(
                f"NULLS NOT DISTINCT of unique index {i.name} (built without it: keys alike "
                "but for NULLs are taken)"
            )
        if i.postgres_keys:
            notes.append(f"index {i.name} on ({i.postgres_keys}): built on the plain columns")
    return notes


def foreign_key_clause(fk: ForeignKey, parent: str) -> str:
    """``FOREIGN KEY (...) REFERENCES parent (...)`` with its actions, for ``CREATE TABLE`` or
    ``ALTER TABLE ... ADD``; ``parent`` is the referenced table as the target names it."""
    cols = ", ".join(quote_ident(c) for c in fk.columns)
    refs = ", ".join(quote_ident(c) for c in fk.ref_columns)
    clause = f"FOREIGN KEY ({cols}) REFERENCES {parent} ({refs})"
    if fk.name and len(fk.name.encode()) <= 63:  # a longer one PostgreSQL would cut short
        clause = f"CONSTRAINT {quote_ident(fk.name)} {clause}"
    for event, action in (("DELETE", fk.on_delete), ("UPDATE", fk.on_update)):
        if action not in FOREIGN_KEY_ACTIONS:
            raise SchemaError(f"{fk.label}: unknown action ON {event} {action!r}")
        if action != "NO ACTION":
            clause += f" ON {event} {action}"
    if fk.timing not in FOREIGN_KEY_TIMINGS:
        raise SchemaError(f"{fk.label}: unknown timing {fk.timing!r}")
    return f"{clause} {fk.timing}".rstrip()
