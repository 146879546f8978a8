"""Nested values (DuckDB LIST, STRUCT, MAP) as JSON text, for targets that keep them as JSON
(PostgreSQL JSONB, SQLite TEXT), and for ``verify``, which compares them in the same form.

Each member is written as arrowmig writes that type as text elsewhere, exactly: a JSON number
for integers and decimals (every digit; JSONB keeps them), a double's shortest round-trip
digits, ``"NaN"``/``"Infinity"``/``"-Infinity"`` for the floats JSON has no number for (as
PostgreSQL's ``to_json`` writes them), bytes as PostgreSQL's bytea hex text (``"\\x00ff"``),
dates and timestamps as ISO text with every digit (nanoseconds, years past 9999) and
``"infinity"``/``"-infinity"``, times as ``HH:MM:SS.ffffff``, intervals as PostgreSQL interval
input (``"14 mons 3 days 0.5 secs"``), a MAP as an object keyed by its keys' text.

Encoding works column-wise on Arrow arrays, one child array at a time, so each type's text
comes from the same functions that write it at the top level.
"""

from __future__ import annotations

import json
import math

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig import infinity, temporal_text
from arrowmig.conform import decimal_text


def is_nested(t: pa.DataType) -> bool:
    """Whether values of ``t`` travel as JSON where the target has no such type."""
    return bool(
        pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_fixed_size_list(t)
        or pa.types.is_struct(t)
        or pa.types.is_map(t)
    )


def json_texts(array: pa.Array) -> pa.Array:
    """Each value of a nested array as JSON text (a null value stays null)."""
    return pa.array(_fragments(array), pa.string())


def _fragments(array: pa.Array) -> list[str | None]:
    """Per slot, the JSON text of the value, or None where it is null."""
    array = _unwrapped(array)
    t = array.type
    if pa.types.is_struct(t):
        return _struct(array)
    if pa.types.is_map(t):
        return _map(array)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _list(array)
    return _leaves(array)


def _unwrapped(array: pa.Array) -> pa.Array:
    """The values of an extension or dictionary array, as an array of their own type."""
    while True:
        if isinstance(array.type, pa.ExtensionType):
            array = array.storage
        elif pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        else:
            return array


def _struct(array: pa.StructArray) -> list[str | None]:
    t = array.type
    names = [json.dumps(t.field(i).name, ensure_ascii=False) for i in range(t.num_fields)]
    members = [_fragments(child) for child in array.flatten()]  # offset and nulls applied
    out: list[str | None] = []
    for row, valid in enumerate(array.is_valid().to_pylist()):
        if not valid:
            out.append(None)
            continue
        pairs = (
            f"{name}:{_or_null(values[row])}" for name, values in zip(names, members, strict=True)
        )
        out.append("{" + ",".join(pairs) + "}")
    return out


def _list(array: pa.Array) -> list[str | None]:
    items = _fragments(array.flatten())  # the values of valid lists only, in order
    return _grouped(array, [_or_null(item) for item in items], "[", "]")


def _map(array: pa.MapArray) -> list[str | None]:
    # keys and items are the whole children; offsets (a slice's own) say which are whose.
    keys = _fragments(array.keys)
    values = _fragments(array.items)
    offsets = array.offsets.to_pylist()
    out: list[str | None] = []
    for row, valid in enumerate(array.is_valid().to_pylist()):
        if not valid:
            out.append(None)
            continue
        span = range(offsets[row], offsets[row + 1])
        out.append(
            "{" + ",".join(f"{_key_text(keys[i])}:{_or_null(values[i])}" for i in span) + "}"
        )
    return out


def _grouped(array: pa.Array, items: list[str], opening: str, closing: str) -> list[str | None]:
    """``items`` cut into each valid list's share, in order, and joined between brackets."""
    lengths = pc.list_value_length(array).to_pylist()
    out: list[str | None] = []
    at = 0
    for length in lengths:
        if length is None:
            out.append(None)
            continue
        out.append(opening + ",".join(items[at : at + length]) + closing)
        at += length
    return out


def _key_text(key: str | None) -> str:
    """A MAP key as a JSON object key: a string's own text, anything else its JSON text
    (``1`` becomes ``"1"``, as DuckDB's ``to_json`` writes a MAP)."""
    if key is None:
        return '"null"'
    return key if key.startswith('"') else json.dumps(key)


def _or_null(fragment: str | None) -> str:
    return "null" if fragment is None else fragment


def _leaves(array: pa.Array) -> list[str | None]:
    """JSON text of scalar values: numbers as numbers, everything else as a JSON string of
    the text arrowmig writes for that type."""
    t = array.type
    if pa.types.is_null(t):
        return [None] * len(array)
    if pa.types.is_boolean(t):
        return [None if v is None else ("true" if v else "false") for v in array.to_pylist()]
    if pa.types.is_integer(t):
        return [None if v is None else str(v) for v in array.to_pylist()]
    if pa.types.is_decimal(t):
        return list(decimal_text(array).to_pylist())
    if pa.types.is_floating(t):
        return [None if v is None else _float(v) for v in array.to_pylist()]
    return [None if v is None else json.dumps(v, ensure_ascii=False) for v in scalar_texts(array)]


def _float(value: float) -> str:
    if math.isnan(value):
        return '"NaN"'
    if math.isinf(value):
        return '"Infinity"' if value > 0 else '"-Infinity"'
    return repr(float(value))


def scalar_texts(array: pa.Array) -> list[str | None]:
    """Scalars that JSON holds as strings, as the text arrowmig writes for their type (also a
    reject file's timestamps, which a SQLite column keeps as that text)."""
    # Imported here: schema imports this module.
    from arrowmig.schema import interval_text, time_text, timestamp_text

    t = array.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return list(array.to_pylist())
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return [None if v is None else "\\x" + v.hex() for v in array.to_pylist()]
    if pa.types.is_timestamp(t):
        if t.tz:
            # One form for every instant: in UTC, written with its +00:00 offset.
            array = array.cast(pa.timestamp(t.unit, tz="UTC"))
        return list(infinity.as_text(array, timestamp_text).to_pylist())
    if pa.types.is_date32(t):
        return list(infinity.as_text(array, temporal_text.date_text).to_pylist())
    if pa.types.is_date64(t):
        return scalar_texts(pc.cast(array, pa.date32()))
    if pa.types.is_time(t):
        return list(time_text(array).to_pylist())
    if pa.types.is_interval(t) or pa.types.is_duration(t):
        return list(interval_text(array).to_pylist())
    return list(pc.cast(array, pa.string()).to_pylist())


def nul_rows(array: pa.Array) -> list[int]:
    """Rows of a nested array whose JSON holds a NUL character (PostgreSQL's jsonb has none)."""
    texts = json_texts(array)
    # \u0000 not itself escaped: preceded by an even number of backslashes.
    escaped_nul = r"(?:^|[^\\])(?:\\\\)*\\u0000"
    hits = pc.fill_null(pc.match_substring_regex(texts, escaped_nul), False)
    return [int(i) for i in pc.indices_nonzero(hits).to_pylist()]


# A double's -0.0 as ``_float`` writes it, where a number ends: the rows worth parsing.
_NEGATIVE_ZERO_TEXT = r"-0\.0(?:[,\]}]|$)"


def negative_zeros_in_texts(array: pa.Array) -> int:
    """The numbers ``-0.0`` in ``array``'s JSON texts of nested values (``json_texts``): those
    of an append into an existing column, converted before they reach its writer. Strings
    that spell it (a MAP's keys) are no numbers, and jsonb keeps them."""
    found = 0

    def number(text: str) -> float:
        nonlocal found
        value = float(text)
        found += value == 0 and text.startswith("-")
        return value

    hits = pc.match_substring_regex(array, _NEGATIVE_ZERO_TEXT)
    for text in pc.filter(array, hits).to_pylist():
        json.loads(text, parse_float=number)
    return found


def negative_zeros(array: pa.Array) -> int:
    """The floats of ``-0.0`` inside a nested array's values: PostgreSQL's jsonb, whose numbers
    are numerics, stores each as ``0``."""
    array = _unwrapped(array)
    t = array.type
    if pa.types.is_floating(t):
        # 1/x tells the sign of a zero: -inf for -0.0.
        zero = pc.equal(array, pa.scalar(0.0, t))
        negative = pc.and_(zero, pc.less(pc.divide(pa.scalar(1.0, t), array), 0.0))
        return int(pc.sum(negative).as_py() or 0)
    if pa.types.is_struct(t):
        return sum(negative_zeros(child) for child in array.flatten())
    if pa.types.is_map(t):
        # items are the whole child: the slice's share is between its offsets. Its keys are
        # JSON strings ("-0.0"), which jsonb keeps as written.
        offsets = array.offsets
        start, end = offsets[0].as_py(), offsets[len(offsets) - 1].as_py()
        return negative_zeros(array.items.slice(start, end - start))
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return negative_zeros(array.flatten())
    return 0
