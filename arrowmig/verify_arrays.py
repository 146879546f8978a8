"""Verify's arrays: a DuckDB LIST against a PostgreSQL array, compared element by element
under the rule of the elements' pair, and each side's element type for verify's type notes.

A LIST is hashed as the JSON text migrate writes of it (``nested_json``), a PostgreSQL array
as the server's ``array_to_json``: the same timestamp is ``"2024-01-01 00:00:00.500000"`` on
one side and ``"2024-01-01T00:00:00.5"`` on the other, a real ``0.10000000149011612`` (its
double) and ``0.1``, a jsonb document a string of JSON text and a JSON value. Compared as
JSON, such arrays differed where every value was kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from arrowmig import json_canon
from arrowmig.model import Column
from arrowmig.nested_json import is_nested
from arrowmig.normalise import (
    DATE,
    FLOAT,
    FLOAT_TEXT,
    INTERVAL,
    JSON,
    TIME,
    TIMESTAMP,
    ColumnPair,
    is_ns,
    kind_of,
    plain_type,
    quote,
    salted,
    text_side_sql,
)
from arrowmig.schema import forced_arrow_type

if TYPE_CHECKING:
    import duckdb

FUNCTION = "arrowmig_array_leaves"
"""``leaves`` in a DuckDB connection's SQL (``register``)."""

RESPELLED = frozenset({TIMESTAMP, TIME, INTERVAL, FLOAT, JSON})
"""Element kinds whose text the two sides write apart for one value. Others (integers,
numerics, text, dates, bytes, uuids, booleans) are written alike, and their JSON compares."""


@dataclass(frozen=True)
class Elements:
    """What an array column holds: its elements as a column of their own, and how deep."""

    column: Column
    """The element: its Arrow type and its declared type (``numeric(6,2)``, ``TIMESTAMP``)."""
    depth: int | None
    """Lists down to the element (``INTEGER[][]``: 2); None for a PostgreSQL array, whose type
    has no dimensions (an ``integer[]`` holds ``{{1,2},{3,4}}``)."""


def elements(column: Column) -> Elements | None:
    """The elements of a LIST read as Arrow lists, or of a PostgreSQL array read as JSON
    (``pg_values.read_expression``); None for a column of neither."""
    t, declared, depth = plain_type(column.arrow_type), column.source_type.strip(), 0
    while is_nested(t) and not (pa.types.is_struct(t) or pa.types.is_map(t)):
        t, declared, depth = plain_type(t.value_type), _ARRAY_SUFFIX.sub("", declared), depth + 1
    if depth:
        return Elements(Column(column.name, t, declared), depth)
    if column.target_type == "jsonb" and declared.endswith("]") and pa.types.is_string(t):
        element = _ARRAY_SUFFIX.sub("", declared)
        return Elements(Column(column.name, _pg_element_type(element), element), None)
    return None


_ARRAY_SUFFIX = re.compile(r"\s*\[\d*\]$")

_PG_LONG_NAMES = {
    "timestamp without time zone": pa.timestamp("us"),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
    "time without time zone": pa.time64("us"),
}
"""``format_type``'s words for the types ``schema.forced_arrow_type`` knows by short names."""

_MODIFIER = re.compile(r"\(\d+(,\d+)?\)")


def _pg_element_type(declared: str) -> pa.DataType:
    if declared.startswith("interval"):
        return pa.month_day_nano_interval()
    numeric = re.fullmatch(r"numeric\((\d+),(\d+)\)", declared)
    if numeric and int(numeric.group(1)) <= 38:  # wider: exact text, as at the top level
        return pa.decimal128(int(numeric.group(1)), int(numeric.group(2)))
    # As the catalog reads the type at the top level; any other (text, jsonb, uuid, an enum) is
    # text to Arrow, its kind told by its declared name, as the top level's is.
    words = " ".join(_MODIFIER.sub("", declared).split())
    return _PG_LONG_NAMES.get(words) or forced_arrow_type(words) or pa.string()


def by_elements(pair: ColumnPair) -> ColumnPair:
    """``pair`` compared element by element where a LIST meets a PostgreSQL array of a kind
    written apart (``RESPELLED``): each element's text under its pair's rule (a timestamp's
    as its instant, a real's as the float it reads back as at its width, an interval's
    parsed, a jsonb document canonical), the array's shape as it is. Any other pair as it
    was."""
    s_of, t_of = elements(pair.source), elements(pair.target)
    if s_of is None or t_of is None or (s_of.depth is None) == (t_of.depth is None):
        return pair
    kind = kind_of(s_of.column)
    if {kind, kind_of(t_of.column)} == {DATE, TIMESTAMP}:
        # A date as its midnight UTC, as verify compares a date with a timestamp: a midnight
        # TIMESTAMP appended into a date[] is that date.
        kind = TIMESTAMP
    elif kind != kind_of(t_of.column) or kind not in RESPELLED:
        return pair
    depth = s_of.depth or t_of.depth or 0
    ns = is_ns(s_of.column.arrow_type) or is_ns(t_of.column.arrow_type)
    source = salted(_side_sql(pair.source, s_of, kind, depth, ns))
    target = salted(_side_sql(pair.target, t_of, kind, depth, ns))
    return replace(pair, mode=f"array:{kind}", source_sql=source, target_sql=target)


def _side_sql(column: Column, of: Elements, kind: str, depth: int, ns: bool) -> str:
    """The hash of one side's array: of its shape, then of each element's text as the rule
    of its pair's ``kind`` hashes a text (``text_side_sql``). A text that is no array of that
    depth only equals itself."""
    mode = kind
    if kind == FLOAT:
        # Each side's text read back at its own width: a real's '0.1' is the float
        # 0.10000000149011612 a double side writes for it, and no double 0.1.
        mode = FLOAT_TEXT + ("32" if pa.types.is_float32(of.column.arrow_type) else "64")
    # A PostgreSQL jsonb[] holds each document as a JSON value; a LIST of JSON as its text.
    reading = "text" if kind != JSON else "value" if of.depth is None else "document"
    leaves = f"{FUNCTION}({quote(column.name)}::VARCHAR, {depth}, '{reading}')"
    element = text_side_sql("e", mode, ns)
    # The shape first (i = 1), then the elements: one call of FUNCTION per value.
    hashed = f"lambda e, i: CASE WHEN i = 1 THEN hash(e) ELSE {element} END"
    return f"hash(list_transform({leaves}, {hashed}))"


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``FUNCTION(VARCHAR, INTEGER, VARCHAR) -> VARCHAR[]`` callable in ``con``'s SQL."""
    from duckdb import func

    con.create_function(
        FUNCTION,
        leaves,
        ["varchar", "integer", "varchar"],
        "varchar[]",
        type=func.PythonUDFType.ARROW,
        side_effects=False,
    )


def leaves(texts: pa.Array, depths: pa.Array, readings: pa.Array) -> pa.Array:
    """Per JSON array text, ``[shape, element, element, ...]``: the shape its lists make
    ``depth`` deep (``[[0,0],null,[]]``), then its elements in order as text, NULL for null.
    ``reading`` says what an element is: ``text`` (a string as itself, a number as written,
    an array or object below the depth as its canonical JSON), ``value`` (a JSON value: its
    canonical text) or ``document`` (a string of JSON text: its canonical text). A text that
    is no JSON array of that depth is ``['\x01' + text]``: it only equals itself. NULL stays
    NULL."""
    out: list[list[str | None] | None] = []
    for text, depth, reading in zip(
        texts.to_pylist(), depths.to_pylist(), readings.to_pylist(), strict=True
    ):
        if text is None:
            out.append(None)
            continue
        found: list[Any] = []
        try:
            shape = _shape(_parse(text, reading), depth, found)
        except (ValueError, RecursionError):
            out.append(["\x01" + text])
            continue
        out.append([json.dumps(shape, separators=(",", ":")), *_texts(found, reading)])
    return pa.array(out, pa.list_(pa.string()))


def _parse(text: str, reading: str) -> Any:
    if reading == "text":
        # Every number as written: PostgreSQL writes a real's -0 as the JSON integer -0,
        # which an int would read as 0.
        return json.loads(text, parse_float=Decimal, parse_int=Decimal)
    return json_canon.parse(text)


def _shape(value: Any, depth: int, found: list[Any]) -> Any:
    """``value``'s lists ``depth`` deep with each element replaced by 0, the elements
    appended to ``found``; raises ValueError where a list is not where one should be."""
    if depth == 0:
        found.append(value)
        return 0
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValueError("not a list at this depth")
    return [_shape(item, depth - 1, found) for item in value]


def _texts(found: list[Any], reading: str) -> list[str | None]:
    if reading == "document":
        found = [_document(v) for v in found]
    elif reading == "text":
        return [_scalar_text(v) for v in found]
    # A JSON null and an SQL NULL element are one in array_to_json ('{null}' and '{"null"}'
    # of a jsonb[] both read [null]): compared as one.
    return [None if v is None else json_canon.canonical(v) for v in found]


def _scalar_text(value: Any) -> str | None:
    """A string as itself, a number (an exact Decimal) as written (``-0.0`` keeps its sign),
    anything else as its canonical JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return json_canon.canonical(value)


def _document(value: Any) -> Any:
    """A LIST of JSON's element, a string of JSON text, as the value it holds."""
    if not isinstance(value, str):
        return value
    try:
        return json_canon.parse(value)
    except ValueError:
        return "\x01" + value  # no JSON: only equals itself
