"""A list appended into an existing array column of another element type (a DuckDB DOUBLE[]
into PostgreSQL's real[], TIMESTAMP[] into DuckDB's DATE[]): each element converted exactly,
as a scalar value is (``conform``), or its row refused naming the element (``validate``)."""

from __future__ import annotations

import decimal
import json
import math
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.conform import conform, conforms, is_list
from arrowmig.model import Column
from arrowmig.schema import forced_arrow_type, is_text_type, pg_array_again, type_words


def leaf_type(t: pa.DataType) -> pa.DataType:
    """The innermost value type of a list (of lists) type; the type itself when no list."""
    while is_list(t):
        t = t.value_type
    return t


def leaves_and_rows(array: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The innermost values of a list array (the array itself when it holds no lists) and,
    for each, the row of ``array`` it is in. Counted from the lengths: ``list_parent_indices``
    counts the values a null list's slot still points at, which ``list_flatten`` leaves out."""
    leaves, rows = array, np.arange(len(array))
    while is_list(leaves.type):
        rows = np.repeat(rows, _lengths(leaves))
        leaves = pc.list_flatten(leaves)
    return leaves, rows


def _lengths(lists: pa.Array) -> np.ndarray:
    """Each list's length, a null list's 0 (``list_flatten`` leaves out what it points at)."""
    lengths = pc.fill_null(pc.list_value_length(lists), 0)
    return np.asarray(lengths.to_numpy(zero_copy_only=False), dtype=np.int64)


def pg_element_words(column: Column) -> str | None:
    """The element type of an existing PostgreSQL array column (or a domain over one) in
    lower-case words without dimensions or typmods (``time(3) with time zone[][]`` to
    ``time with time zone``), or None for a column that is no array."""
    if not pg_array_again(column):
        return None
    array_type = column.pg_type if (column.pg_type or "").endswith("]") else column.source_type
    return _element_words(array_type or "")


def _element_words(array_type: str) -> str:
    element = _DIMENSIONS.sub("", array_type.lower())
    return " ".join(_TYPMOD.sub(" ", element).split())


_DIMENSIONS = re.compile(r"(\s*\[\d*\])+\s*$")
_TYPMOD = re.compile(r"\(\s*\d+\s*\)")


def pg_list_type(arriving: pa.DataType, there: Column) -> pa.DataType | None:
    """The list type (of as many levels as ``arriving``) of the existing PostgreSQL array
    column ``there``'s elements, where arrowmig converts ``arriving``'s elements into them,
    each checked on the way; None where the server reads them as before."""
    element = forced_arrow_type(pg_element_words(there))
    if element is None or not _converted_into(element):
        return None
    if not is_list(arriving) or leaf_type(arriving) == element:
        return None
    if not _converted_here(leaf_type(arriving)):
        return None
    wanted = _with_leaf(arriving, element)
    return wanted if elements_conform(arriving, wanted) else None


def _converted_into(element: pa.DataType) -> bool:
    """PostgreSQL element types arrowmig converts a list's elements into itself: the
    server's reading of their JSON text rounds a double into real and drops a time of day
    from a date without a word, and refuses '1.0' for an integer. Timestamps and times are
    the server's to read (``pg_nanoseconds`` refuses the digits it would round), and so is
    text, which it reads more widely than Arrow does."""
    kinds = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_date32)
    return any(kind(element) for kind in kinds)


def _converted_here(leaf: pa.DataType) -> bool:
    """Elements whose conversion arrowmig checks: numbers, truth values, dates, timestamps."""
    kinds = (pa.types.is_decimal, pa.types.is_timestamp)
    return _converted_into(leaf) or any(kind(leaf) for kind in kinds)


def _with_leaf(t: pa.DataType, leaf: pa.DataType) -> pa.DataType:
    """A list type of ``t``'s levels around ``leaf`` (a fixed-size level becomes a list)."""
    if not is_list(t):
        return leaf
    inner = _with_leaf(t.value_type, leaf)
    return pa.large_list(inner) if pa.types.is_large_list(t) else pa.list_(inner)


def elements_conform(source: pa.DataType, target: pa.DataType) -> bool:
    """Whether lists of ``source`` go into a list column of ``target`` element by element:
    as many levels, and each element converted exactly or refused (``conform_lists``)."""
    if not (is_list(source) and is_list(target)) or pa.types.is_fixed_size_list(target):
        return False
    while is_list(source) and is_list(target):
        source, target = source.value_type, target.value_type
    if is_list(source) or is_list(target):
        return False
    midnights = pa.types.is_timestamp(source) and pa.types.is_date32(target)
    return midnights or conforms(source, target)


def conform_lists(array: pa.Array, target: pa.DataType) -> pa.Array:
    """Lists as lists of ``target``, each element converted exactly (``conform``); raises
    ArrowInvalid where one would not arrive so (a double that float4 cannot hold, a fraction
    into integers, a time of day into dates)."""
    if not is_list(target):
        return conform(array, target)
    lengths = _lengths(array)
    values = conform_lists(pc.list_flatten(array), target.value_type)
    large = pa.types.is_large_list(target)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    kind = pa.LargeListArray if large else pa.ListArray
    mask = array.is_null() if array.null_count else None
    return kind.from_arrays(
        pa.array(offsets, pa.int64() if large else pa.int32()), values, type=target, mask=mask
    )


def why_refused(element: object, target: pa.DataType, words: str) -> str:
    """Why ``element`` (as Python holds it) does not go into elements of ``target``, whose
    type ``words`` names (``real``, ``smallint``)."""
    if pa.types.is_date32(target):
        return "a date would drop its time of day"
    if pa.types.is_floating(target):
        return f"a {words} would round it"
    if pa.types.is_integer(target) and isinstance(element, float | decimal.Decimal):
        if not math.isfinite(element):
            return f"{words} holds no NaN or infinity"
        if element != int(element):
            return f"{words} holds no fraction"
    if pa.types.is_integer(target):
        return f"it is beyond {words}'s range"
    return f"{words} cannot hold it"


def pg_json_elements(column: Column, there: Column) -> tuple[pa.DataType, pa.DataType] | None:
    """For a PostgreSQL source's array, carried as its ``array_to_json`` text, appended into
    an existing PostgreSQL array of another element type that arrowmig checks (``real[]``,
    ``date[]``, ``smallint[]``): the Arrow types of the source's elements (a decimal for
    ``numeric``, its precision each batch's) and of the column's; None otherwise. The server
    reads each element's text into the column's type, and would round 0.1 into real and
    drop 10:00 from a date without a word: each is checked first, as a list's are."""
    if not is_text_type(column.arrow_type) or not (column.source_type or "").endswith("]"):
        return None  # a list (DuckDB's) is converted, and checked, as itself
    source = _element_words(column.source_type)
    target = pg_element_words(there)
    if target is None or target == source:
        return None
    element = forced_arrow_type(target)
    if element is None or not _converted_into(element):
        return None
    # timestamptz text read in the session's UTC (pg_wire), as the server reads it here.
    words = source.removesuffix(" without time zone").replace(
        "timestamp with time zone", "timestamptz"
    )
    arriving = pa.decimal128(1, 0) if words == "numeric" else forced_arrow_type(words)
    if arriving is None or arriving == element or not _converted_here(arriving):
        return None
    if not elements_conform(pa.list_(arriving), pa.list_(element)):
        return None
    return arriving, element


def pg_json_source_type(column: Column) -> str | None:
    """The PostgreSQL array type (``numeric[]``, ``double precision[]``) of the source's
    elements that ``pg_json_elements`` checks on their way into the array of another
    element type the column is planned as, or None where none are checked."""
    found = pg_json_elements(column, column)
    if found is None:
        return None
    return ("numeric" if pa.types.is_decimal(found[0]) else type_words(found[0])) + "[]"


def json_leaves_and_rows(array: pa.Array, element: pa.DataType) -> tuple[pa.Array, np.ndarray]:
    """``leaves_and_rows`` of PostgreSQL arrays carried as ``array_to_json`` text, of any
    dimensions: the innermost elements as ``element`` values (any decimal: as many digits as
    they hold) and the row of each. An element Arrow cannot hold as such (a timestamp's
    infinity, a numeric's NaN or 77th digit) is null here: the server reads it, and refuses
    it where the column cannot hold it."""
    texts: list[str | None] = []
    rows: list[int] = []
    for row, text in enumerate(array.to_pylist()):
        try:
            found = _leaf_texts(json.loads(text, parse_float=str, parse_int=str))
        except (TypeError, ValueError):
            continue  # NULL, or no JSON (a SQLite text): the server's to read, or refuse
        texts.extend(found)
        rows.extend([row] * len(found))
    return _as_elements(texts, element), np.asarray(rows, dtype=np.int64)


def _leaf_texts(value: object) -> list[str | None]:
    """The innermost elements of a JSON array (numbers as their own text) in order."""
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaf_texts(item)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [None if value is None else str(value)]


def _as_elements(texts: list[str | None], element: pa.DataType) -> pa.Array:
    if pa.types.is_decimal(element):
        numbers = [_decimal(t) for t in texts]
        try:
            return pa.array(numbers)  # the precision and scale they need
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            held = [n if n is not None and _held(n) else None for n in numbers]
        try:
            return pa.array(held)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # Digits spanning more than 76 places between them (1e40 and 1e-40): checked as
            # the nearest doubles, which still tell a fraction, a range or a real's rounding.
            return pa.array([None if n is None else float(n) for n in held], pa.float64())
    strings = pa.array(texts, pa.string())
    try:
        return pc.cast(strings, element)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([_one(text, element) for text in texts], element)


def _decimal(text: str | None) -> decimal.Decimal | None:
    try:
        number = decimal.Decimal(text) if text is not None else None
    except decimal.InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def _held(number: decimal.Decimal) -> bool:
    """Whether an Arrow decimal holds the finite ``number`` (76 digits, decimal256's)."""
    digits, exponent = len(number.as_tuple().digits), int(number.as_tuple().exponent)
    return (max(digits, -exponent) if exponent < 0 else digits + exponent) <= 76


def _one(text: str | None, element: pa.DataType) -> object:
    try:
        return pc.cast(pa.array([text], pa.string()), element)[0].as_py()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
