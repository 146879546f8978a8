"""The per-batch proofs of column types presumed from SQLite declarations (``Column.proof``).

``sqlite_profile`` explains which columns are presumed and why; this module checks a batch
as the driver hands it over, before the cast to the column's type, and names the first
value that breaks the presumption. The driver's own "Type mismatch" covers the classes
(integer, real, boolean, decimal); what is left is the range of booleans, the exact format of
dates and timestamps (their calendar is checked by the cast that follows), VARCHAR(n) lengths,
and that each double of a DECIMAL(p,s) is the double nearest a decimal of that type.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.conform import exact_cast
from arrowmig.endpoints.sqlite_profile import varchar_limit
from arrowmig.errors import DataError, TypeSurprise
from arrowmig.model import ROWID_NAMES, Column, Table
from arrowmig.temporal_text import text_dates, text_timestamps

_YEAR_BC = "(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_YEAR = f"(?:[0-9]{{4}}|-{_YEAR_BC}|-?[1-9][0-9]{{4,6}})"
_DAY = "-[0-9]{2}-[0-9]{2}"
_DATE = f"{_YEAR}{_DAY}"
_TIME = "[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,6})?"
_INFINITY = "-?infinity|"
FORMATS = {
    "date_texts": f"^(?:{_INFINITY}{_DATE})$",
    "ts_texts": f"^(?:{_INFINITY}{_DATE}[ T]{_TIME})$",
    "ts_zone_texts": (
        f"^(?:{_INFINITY}{_DATE}[ T]{_TIME}(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]))$"
    ),
}
"""The exact text of each date/time format the profile recognises (at most microseconds, no
zone); the cast then rejects impossible dates and times. Any year, astronomical, as arrowmig
writes them into SQLite ('-0043-03-15' is 44 BC, year 0000 is 1 BC, '12345-01-01'), and
'infinity' and '-infinity', its text of ±infinity."""

_DRIVER_MISMATCH = re.compile(r"Type mismatch in column (\d+): expected \S+ but got ([^\n]+)")
_UNPARSED = re.compile(r"Failed to parse string: (.*) as a scalar of type")


_READ_AS = {
    "integer": pa.int64(),
    "boolean": pa.int64(),
    "real": pa.float64(),
    "decimal": pa.float64(),
    "blob": pa.binary(),
}
"""The type the driver hands over for a column whose values all pass the proof (the others:
text). The driver takes its types from the first batch, and widens them when that batch mixes
classes: anything else is a surprise."""


_COMPUTED = ("boolean", "varchar", "decimal", *FORMATS)
"""The proofs that look at every value (the others look at the type the driver read)."""

StoredValue = Callable[[Column, int], "str | None"]
"""The value a column holds in the source at a row of the batch, in words for a message
(``stored_words``); None where it cannot say. The driver hands a real over in a column it
reads as text as 7 digits ('1.672537e+09' for 1672537182.8658521): not the value."""

FirstMisfit = Callable[[Column, tuple[str, ...]], "int | None"]
"""The batch's first row whose value in a column is stored in none of the storage classes
given (nor NULL); None where it cannot say. A column the driver widened to text or bytes
holds every value in the driver's words ('1.000000e+00' for the integer 1): only the
source tells which row is the first that does not fit."""


def stored_words(kind: str, value: object) -> str:
    """A value as SQLite stores it (``typeof`` and the value), for a message: a number by
    its class and exact value (a real as its shortest round-trip text), a text quoted."""
    if kind in ("real", "integer"):
        return f"the {kind} {value!r}"
    if kind == "blob" and isinstance(value, bytes):
        return f"a blob of {len(value)} bytes"
    return repr(value)


def check_batch(
    table: Table, column: Column, array: pa.Array, stored: StoredValue | None = None
) -> None:
    """Raise TypeSurprise naming the first value of ``array`` (as read) that ``column.proof``
    does not allow; as ``stored`` says it is stored, where it can."""
    proof = column.proof
    if proof is None:
        return
    read_as = _READ_AS.get(proof, pa.string())
    if array.type != read_as:
        raise surprise(table, column, f"holds values read as {array.type}, not {read_as}")
    if proof == "boolean":
        bad = pc.or_(pc.less(array, 0), pc.greater(array, 1))
    elif proof in FORMATS:
        bad = pc.invert(pc.match_substring_regex(array, FORMATS[proof]))
    elif proof == "varchar":
        limit = varchar_limit(column.source_type) or 0
        bad = pc.greater(pc.utf8_length(array), limit)
    elif proof == "decimal":
        bad = _off_the_decimals(array, column.arrow_type)
    else:
        return
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        shown = stored(column, row) if stored is not None else None
        raise surprise(table, column, f"holds {shown or _shown(array, row)}")


def typed_arrays(
    table: Table,
    arrays: list[pa.Array],
    keys: pa.Array | None,
    stored: StoredValue | None = None,
    misfit: FirstMisfit | None = None,
) -> list[pa.Array]:
    """Each column's array as the driver handed it over, proven (``check_batch``, a value
    that fails named as ``stored`` says) and cast to the column's type (``cast_or_surprise``).

    Columns under the same proof, read as and cast to the same types, are checked and cast as
    one array: a compute call costs tens of microseconds before its first value (a regular
    expression is compiled per call), and a 1 MiB batch of a wide table holds a few hundred
    rows of each of hundreds of columns. A value that fails the joined array is looked for
    column by column, so the error names its column as before.
    """
    out = list(arrays)
    groups: dict[tuple[object, ...], list[int]] = {}
    for i, (col, arr) in enumerate(zip(table.columns, arrays, strict=True)):
        if col.proof not in _COMPUTED and arr.type == col.arrow_type:
            check_batch(table, col, arr, stored)  # the type alone: joining would only copy
            continue
        limit = varchar_limit(col.source_type) if col.proof == "varchar" else None
        groups.setdefault((col.proof, limit, arr.type, col.arrow_type), []).append(i)
    for members in groups.values():
        if len(members) > 1:
            try:
                joined = pa.concat_arrays([arrays[i] for i in members])
                column = table.columns[members[0]]
                check_batch(table, column, joined)
                if joined.type != column.arrow_type:
                    joined = _cast(joined, column.arrow_type)
            except (TypeSurprise, ValueError, pa.ArrowNotImplementedError):
                pass  # found again below, in its own column
            else:
                at = 0
                for i in members:
                    out[i] = joined.slice(at, len(arrays[i]))
                    at += len(arrays[i])
                continue
        for i in members:
            col = table.columns[i]
            check_batch(table, col, arrays[i], stored)
            if arrays[i].type != col.arrow_type:
                out[i] = cast_or_surprise(table, col, arrays[i], keys, stored, misfit)
    return out


def _shown(array: pa.Array, row: int) -> str:
    """One value for a message; a text that is not valid UTF-8 is shown with replacements
    (screening names such values later, by their own rules)."""
    if pa.types.is_string(array.type):
        raw = array.cast(pa.binary())[row].as_py()
        return repr(raw.decode("utf-8", errors="replace"))
    return repr(array[row].as_py())


def cast_or_surprise(
    table: Table,
    column: Column,
    array: pa.Array,
    keys: pa.Array | None = None,
    stored: StoredValue | None = None,
    misfit: FirstMisfit | None = None,
) -> pa.Array:
    """The cast to the column's type; for a presumed column, a value that cannot be cast
    (an impossible date) is a surprise, not a failure. Otherwise (a declared type trusted by
    ``--no-profile``) the failure names the table, column, value and, from ``keys``, its row."""
    try:
        return _cast(array, column.arrow_type)
    except (ValueError, pa.ArrowNotImplementedError) as exc:
        if column.proof is None:
            raise _unreadable(table, column, array, keys, stored, misfit) from exc
        found = _UNPARSED.search(str(exc))
        value = found.group(1) if found else "a value"
        raise surprise(table, column, f"holds {value}, not a valid {column.arrow_type}") from exc


def _cast(array: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    """The cast to ``arrow_type``; date and timestamp texts of any year (Arrow's cast reads
    0000-9999) and ±infinity;
    doubles proven by ``_off_the_decimals`` as the decimals they are nearest to."""
    if arrow_type == pa.date32() and pa.types.is_string(array.type):
        return text_dates(array)
    if pa.types.is_timestamp(arrow_type) and pa.types.is_string(array.type):
        return text_timestamps(array, arrow_type)
    if pa.types.is_decimal(arrow_type) and pa.types.is_float64(array.type):
        # The unscaled integers, exact in int64, given the scale: the decimal's own digits,
        # whatever rounding Arrow's cast of a double to a decimal would do.
        return _units(array, arrow_type.scale).cast(pa.int64()).cast(_UNSCALED).view(arrow_type)
    return exact_cast(array, arrow_type)


_UNSCALED = pa.decimal128(19, 0)
"""Holds every int64; the same 16 bytes a value as any decimal128 of another scale."""


def _units(array: pa.Array, scale: int) -> pa.Array:
    """Each double times 10^scale, rounded to a whole number (a double still)."""
    return pc.round(pc.multiply(array, float(10**scale)))


def _off_the_decimals(array: pa.Array, arrow_type: pa.DataType) -> pa.Array:
    """Where a double is not the double nearest a decimal of ``arrow_type`` (p <= 15): what
    the profile's ``round(c,s) = c AND abs(c) < 10^(p-s)`` finds, per batch.

    Such a decimal k/10^s has |k| < 10^15, and its double is x = k/10^s·(1+e), |e| <= 2^-53:
    x·10^s, computed with one more rounding, is within |k|·2^-52 < 0.25 of k, so rounding it
    to a whole number gives k, and k/10^s (k and 10^s exact doubles, divided with one
    rounding) is x again. A double that is no such decimal's gives back another double, or
    lies past the bound (as infinity does)."""
    unit = float(10**arrow_type.scale)
    bound = float(10 ** (arrow_type.precision - arrow_type.scale))
    moved = pc.not_equal(pc.divide(_units(array, arrow_type.scale), unit), array)
    return pc.or_(moved, pc.greater_equal(pc.abs(array), bound))


_FITTING_CLASSES = {"int": ("integer",), "float": ("integer", "real")}
"""The storage classes a declared type read as integers or as floats holds values of."""


def _unreadable(
    table: Table,
    column: Column,
    array: pa.Array,
    keys: pa.Array | None,
    stored: StoredValue | None = None,
    misfit: FirstMisfit | None = None,
) -> DataError:
    kind = "int" if pa.types.is_integer(column.arrow_type) else None
    kind = "float" if pa.types.is_floating(column.arrow_type) else kind
    found = misfit(column, _FITTING_CLASSES[kind]) if misfit is not None and kind else None
    lo = found if found is not None else _first_uncast(array, column.arrow_type)
    words = stored(column, lo) if stored is not None and found is not None else None
    return _unread_value(table, column, array, lo, keys, words)


def check_unproven_classes(
    table: Table,
    arrays: list[pa.Array],
    found: pa.Array,
    keys: pa.Array | None,
    stored: StoredValue | None = None,
) -> None:
    """Raise the DataError of the batch's first value of another class than its column is
    read as, where ``found`` (``sqlite_types.unproven_class_column``) names one: the read by
    declared types alone (``--no-profile``) stops its table rather than convert it."""
    if found.null_count == len(found):
        return
    row = pc.index(pc.is_valid(found), True).as_py()
    at = found[row].as_py()
    column = table.columns[at]
    words = stored(column, row) if stored is not None else None
    raise _unread_value(table, column, arrays[at], row, keys, words)


def _unread_value(
    table: Table,
    column: Column,
    array: pa.Array,
    lo: int,
    keys: pa.Array | None,
    words: str | None,
) -> DataError:
    """The error naming the value at row ``lo`` (as ``words`` says it is stored, else as
    read), its key, and its column's declared type, which does not read it."""
    where = ""
    if keys is not None and table.split_key is not None and lo < len(keys):
        key = table.split_key
        # An INTEGER PRIMARY KEY is the rowid: named as the user knows it.
        if key in ROWID_NAMES and len(table.primary_key) == 1:
            pk = [c for c in table.columns if c.name == table.primary_key[0]]
            key = pk[0].name if pk and pk[0].auto_increment else key
        where = f" ({key} {keys[lo].as_py()})"
    declared = column.source_type or "untyped"
    profiled = bool(column.observed)
    return DataError(
        f"table {table.name!r}, column {column.name!r} holds {words or _shown(array, lo)}{where}, "
        "which "
        f"its declared type {declared} does not read as {column.arrow_type}",
        hint="--cast the column to a type that holds it"
        if profiled
        else "run without --no-profile, so that arrowmig picks the column's type from its values",
        table=table.name,
        column=column.name,
    )


def _first_uncast(array: pa.Array, arrow_type: pa.DataType) -> int:
    """The first value that does not cast: the Arrow cast names no row, so the batch is
    halved. The driver widened the column to the class it found (text, a real)."""
    lo, hi = 0, len(array)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            _cast(array.slice(lo, mid - lo), arrow_type)
            lo = mid
        except (ValueError, pa.ArrowNotImplementedError):
            hi = mid
    return lo


def driver_surprise(table: Table, exc: Exception) -> TypeSurprise | None:
    """The driver's "Type mismatch in column N" as a surprise, when column N was presumed."""
    found = _DRIVER_MISMATCH.search(str(exc))
    if found is None:
        return None
    index = int(found.group(1))
    if index >= len(table.columns) or table.columns[index].proof is None:
        return None
    got = found.group(2).strip().split("/")[0].lower()
    return surprise(table, table.columns[index], f"holds a {got} value")


def surprise(table: Table, column: Column, what: str) -> TypeSurprise:
    return TypeSurprise(
        f"table {table.name!r}, column {column.name!r} {what}, though declared "
        f"{column.source_type or 'untyped'}",
        table=table.name,
        column=column.name,
    )
