"""±infinity of dates and timestamps, which PostgreSQL and DuckDB have and Arrow does not.

arrowmig carries them the way DuckDB writes them into Arrow: the extreme values of the
type's storage (a timestamp of ±(2**63 - 1) µs, a date32 of ±(2**31 - 1) days); no real date
or time is that far out. Each endpoint maps its own form to this one and back:

- the ADBC PostgreSQL driver shifts values between PostgreSQL's epoch (2000) and Arrow's
  (1970) without checking, so it reads -infinity and infinity as two values wrapped around to
  the far negative end; the PostgreSQL source maps those (``from_postgres_driver``). Its binary
  COPY cannot write +infinity at all, so a PostgreSQL target sends a batch that holds any with
  the infinities apart, and the server puts them back (``pg_values.infinities_apart``).
- DuckDB reads and writes the carried form as it is.
- SQLite has no such values: they are written as the text 'infinity' and '-infinity'.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

TIMESTAMP_INFINITY = 2**63 - 1
DATE_INFINITY = 2**31 - 1

_PG_EPOCH_SHIFT_US = 946_684_800_000_000
_PG_EPOCH_SHIFT_DAYS = 10_957
# What the ADBC PostgreSQL driver reads for -infinity and infinity: PostgreSQL stores them as
# the storage type's minimum and maximum, and the driver's shift by the epoch wraps around.
_PG_TIMESTAMP = {-(2**63) + _PG_EPOCH_SHIFT_US: -1, -(2**63) + _PG_EPOCH_SHIFT_US - 1: 1}
_PG_DATE = {-(2**31) + _PG_EPOCH_SHIFT_DAYS: -1, -(2**31) + _PG_EPOCH_SHIFT_DAYS - 1: 1}
PG_EARLIEST_SECONDS = -210_866_803_200
"""4714-11-24 00:00:00 BC, PostgreSQL's first timestamp, in seconds from 1970."""
_PG_EARLIEST_US = PG_EARLIEST_SECONDS * 10**6
"""The same in microseconds. The driver reads a timestamp later than Arrow's last (294247 AD;
PostgreSQL's go to 294276 AD) wrapped around to below it."""


class OutOfRange(ValueError):
    """A value the driver read wrapped around: it has no Arrow form."""


def _storage(t: pa.DataType) -> tuple[pa.DataType, int] | None:
    """The integer storage of a date or timestamp type and its carried infinity, or None."""
    if pa.types.is_timestamp(t):
        return pa.int64(), TIMESTAMP_INFINITY
    if pa.types.is_date32(t):
        return pa.int32(), DATE_INFINITY
    return None


def from_postgres_driver(array: pa.Array) -> pa.Array:
    """``array`` as read by the ADBC PostgreSQL driver, with its ±infinity in the carried form."""
    storage = _storage(array.type)
    if storage is None or len(array) == 0 or array.null_count == len(array):
        return array
    int_type, infinity = storage
    sentinels = _PG_TIMESTAMP if int_type == pa.int64() else _PG_DATE
    values = array.view(int_type)
    lowest = pc.min(values).as_py()
    if lowest is None or lowest > max(sentinels):
        return array  # the usual case: one pass, nothing to map
    for sentinel, sign in sentinels.items():
        values = pc.if_else(
            pc.equal(values, sentinel), pa.scalar(sign * infinity, int_type), values
        )
    if int_type == pa.int64():
        wrapped = pc.and_(
            pc.less(values, _PG_EARLIEST_US), pc.not_equal(values, -TIMESTAMP_INFINITY)
        )
        if pc.any(wrapped).as_py():
            raise OutOfRange(
                "a timestamp later than 294247-01-10 AD, the last one Arrow's microseconds "
                "can hold (the driver would hand on a wrong one)"
            )
    return values.view(array.type)


def infinity_signs(array: pa.Array) -> pa.Array | None:
    """Per row 1 (infinity), -1 (-infinity) or 0 (finite or null) for a date or timestamp
    array holding ±infinity in the carried form; None when it holds none (the usual case,
    found in one pass)."""
    storage = _storage(array.type)
    if storage is None or len(array) == 0 or array.null_count == len(array):
        return None
    int_type, infinity = storage
    values = array.view(int_type)
    bounds = pc.min_max(values)
    if bounds["min"].as_py() > -infinity and bounds["max"].as_py() < infinity:
        return None
    one, minus_one, zero = (pa.scalar(v, pa.int8()) for v in (1, -1, 0))
    signs = pc.if_else(
        pc.equal(values, infinity),
        one,
        pc.if_else(pc.equal(values, -infinity), minus_one, zero),
    )
    return pc.fill_null(signs, zero)


def as_text(array: pa.Array, to_text: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """A date or timestamp array as text: ``to_text`` of the finite values, 'infinity' and
    '-infinity' for the others."""
    signs = infinity_signs(array)
    if signs is None:
        return to_text(array)
    finite = pc.if_else(pc.equal(signs, 0), array, pa.scalar(None, array.type))
    text = to_text(finite)
    text = pc.if_else(pc.equal(signs, 1), pa.scalar("infinity"), text)
    return pc.if_else(pc.equal(signs, -1), pa.scalar("-infinity"), text)


def cast_timestamps(array: pa.Array, target: pa.DataType) -> pa.Array:
    """A timestamp array in another unit, its ±infinity still ±infinity (the carried form is
    the storage's extreme in every unit, which no other unit can reach by multiplying or
    dividing). A finite value the target unit cannot hold exactly raises ArrowInvalid."""
    signs = infinity_signs(array)
    if signs is None:
        return pc.cast(array, target, safe=True)
    finite = pc.cast(pc.if_else(pc.equal(signs, 0), array, pa.scalar(None, array.type)), target)
    return _put_back(finite, signs)


def from_text(
    text: pa.Array, target: pa.DataType, read: Callable[[pa.Array], pa.Array]
) -> pa.Array:
    """Date or timestamp texts as ``target``: 'infinity' and '-infinity' (in any case, as
    PostgreSQL reads them; arrowmig's SQLite text of them) as the carried ±infinity, which
    Arrow's parse of a text refuses, and every other text as ``read`` gives it."""
    folded = pc.utf8_lower(pc.utf8_trim_whitespace(text))
    one, minus_one, zero = (pa.scalar(v, pa.int8()) for v in (1, -1, 0))
    signs = pc.fill_null(
        pc.if_else(
            pc.equal(folded, "infinity"),
            one,
            pc.if_else(pc.equal(folded, "-infinity"), minus_one, zero),
        ),
        zero,
    )
    if not pc.any(pc.not_equal(signs, zero)).as_py():
        return read(text)
    return _put_back(read(pc.if_else(pc.equal(signs, 0), text, pa.scalar(None, text.type))), signs)


def _put_back(finite: pa.Array, signs: pa.Array) -> pa.Array:
    """``finite`` (a date or timestamp array) with the carried ±infinity where ``signs`` is
    ±1 (``infinity_signs``)."""
    storage = _storage(finite.type)
    assert storage is not None
    int_type, infinity = storage
    values = finite.view(int_type)
    for sign in (1, -1):
        values = pc.if_else(pc.equal(signs, sign), pa.scalar(sign * infinity, int_type), values)
    return values.view(finite.type)


def is_finite(array: pa.Array) -> pa.Array:
    """Per row, whether a date or timestamp is not ±infinity (nulls count as finite)."""
    signs = infinity_signs(array)
    if signs is None:
        return pa.array([True] * len(array), pa.bool_())
    return pc.equal(signs, 0)


def value_at(array: pa.Array, row: int) -> object:
    """``array[row].as_py()``, or its text where Python's datetime cannot hold it: 'infinity',
    '-infinity', timestamps with nanoseconds, and years before 1 AD or after 9999 (a nested
    value holding one: its JSON text); times (PostgreSQL's '24:00:00' included) and
    intervals always as their exact text."""
    one = array.slice(row, 1)
    if one[0].is_valid and (
        pa.types.is_time(array.type)
        or pa.types.is_interval(array.type)
        or pa.types.is_duration(array.type)
    ):
        # Python's time wraps 24:00:00 round to 00:00:00, and an interval has no text of its
        # own: both as the text the writers send (PostgreSQL interval input for intervals).
        # Imported here: schema imports this module.
        from arrowmig.schema import interval_text, time_text

        text = time_text(one) if pa.types.is_time(array.type) else interval_text(one)
        return text[0].as_py()
    signs = infinity_signs(one)
    if signs is not None and signs[0].as_py():
        return "infinity" if signs[0].as_py() > 0 else "-infinity"
    if pa.types.is_timestamp(array.type) and array.type.unit == "ns":
        return one.cast(pa.string())[0].as_py()
    try:
        return one[0].as_py()
    except (OverflowError, ValueError):
        # A year Python's date cannot hold (before 1 AD, after 9999): its exact ISO text.
        from arrowmig.temporal_text import date_text, timestamp_text

        if pa.types.is_date32(array.type):
            return date_text(one)[0].as_py()
        if pa.types.is_timestamp(array.type):
            return timestamp_text(one)[0].as_py()
        from arrowmig import nested_json  # which imports this module

        if nested_json.is_nested(array.type):
            # A list or struct holding such a value, or nanoseconds: its JSON text, every digit.
            return nested_json.json_texts(one)[0].as_py()
        raise
