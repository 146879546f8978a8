"""Values appended into an existing table take the types of its columns, and only where they
arrive exactly: Django's ``decimal`` prices, which SQLite stored as reals, go into the
``numeric(10,2)`` column ``manage.py migrate`` created in PostgreSQL when each one reads back as
the same double, and a value that would change (``0.1 + 0.2`` into two places, ``70000`` into a
``smallint``) is a problem of its row (``validate._conform_problems``), never rounded silently.
Dates and timestamps kept as text (a SQLite column of mixed formats) go into date and timestamp
columns where Arrow's strict ISO parser reads them; numbers go into text columns (and into an
unbounded ``numeric``, which travels as text) as their exact text.
"""

from __future__ import annotations

import decimal
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig import infinity


def conforms(source: pa.DataType, target: pa.DataType) -> bool:
    """Whether values of ``source`` can go into a column of ``target``, each checked on the
    way (``conform``): the same kind of value, or a number into another kind of number."""
    if source == target:
        return True
    if is_list(source) and is_list(target):
        from arrowmig import array_elements  # which imports this module

        return array_elements.elements_conform(source, target)
    for kind in _KINDS:
        if kind(source) and kind(target):
            return True
    if _is_number(source) and _is_number(target):
        return True
    if _is_text(source) and (pa.types.is_date32(target) or pa.types.is_timestamp(target)):
        return True
    if _is_text(source) and pa.types.is_decimal(target):
        # Numbers kept as their exact text (an unbounded PostgreSQL numeric) into
        # numeric(p,s): parsed exactly; one with more places or digits is refused, not rounded.
        return True
    if pa.types.is_duration(source) and pa.types.is_interval(target):
        return True  # as that many seconds (--cast T.C=interval: Django's microseconds)
    if _is_number(source) and _is_text(target):
        # As its exact text: integers and decimals as written, a double as its shortest
        # round-trip text (what an unbounded PostgreSQL numeric, carried as text, parses).
        return True
    return bool(pa.types.is_boolean(source) and pa.types.is_integer(target))


def conform(array: pa.Array, target: pa.DataType) -> pa.Array:
    """``array`` as ``target``; raises ArrowInvalid when a value would not arrive exactly.

    Arrow's safe cast already refuses overflow, lost decimal places and text that is no
    number; it rounds floats silently (into float4, into a decimal, from a decimal), so those
    are converted back and compared: a double goes into numeric(p,s) when the decimal stored
    reads back as the same double. Decimals become doubles correctly rounded
    (``decimal_as_float``), both ways.
    """
    if array.type == target:
        return array
    if _is_text(target):
        from arrowmig import nested_json  # which imports this module

        if nested_json.is_nested(array.type):
            return nested_json.json_texts(array)  # the JSON a created column gets
    if is_list(array.type) and is_list(target):
        from arrowmig import array_elements  # which imports this module

        return array_elements.conform_lists(array, target)  # element by element
    temporal = temporal_of_text(array, target)
    if temporal is not None:
        return temporal
    if pa.types.is_timestamp(array.type) and pa.types.is_date32(target):
        # An epoch or julian cast's instants (plan._counted_days): Arrow's cast would drop
        # a time of day without a word. A zoned one is its UTC date, as its zone is UTC.
        return dates_of_midnights(array)
    if pa.types.is_decimal(array.type) and _is_text(target):
        return decimal_text(array).cast(target)
    if pa.types.is_duration(array.type) and pa.types.is_interval(target):
        return _as_interval(array)
    if pa.types.is_decimal(array.type) and pa.types.is_floating(target):
        converted = decimal_as_float(array, target)
    elif pa.types.is_integer(array.type) and pa.types.is_decimal(target):
        converted = pc.cast(_integers_as_decimal(array, target.scale), target, safe=True)
    elif pa.types.is_timestamp(array.type) and pa.types.is_timestamp(target):
        # ±infinity is the storage's extreme in every unit: a plain cast of a TIMESTAMP_NS
        # infinity to microseconds would refuse it as a value with nanoseconds.
        converted = infinity.cast_timestamps(array, target)
    else:
        converted = exact_cast(array, target)
    if _may_round(array.type, target):
        back = _read_back(converted, array.type)
        same = pc.equal(back, array)
        if pa.types.is_floating(array.type):
            same = pc.or_(same, pc.and_(pc.is_nan(array), pc.is_nan(back)))
        # min_count=0: all() of no values (a batch whose every row was rejected) is true,
        # where by default it is null.
        if not pc.all(pc.fill_null(same, True), min_count=0).as_py():
            raise pa.ArrowInvalid(f"a value would not arrive exactly as {target}")
    return converted


def exact_cast(array: pa.Array, target: pa.DataType) -> pa.Array:
    """Arrow's safe cast, except that a number's text parsed into a decimal is checked: Arrow
    gathers the digits into a 128- or 256-bit integer that wraps silently, so the text of
    UHUGEINT's maximum, 2**128 - 1, became -1 in a numeric(38,0) and 2**128 + 5 became 5."""
    converted = pc.cast(array, target, safe=True)
    if _is_text(array.type) and pa.types.is_decimal(target):
        _refuse_wrapped(array, converted)
    return converted


_DIGITS_NO_WRAP = 38
"""A text of at most this many characters, and no exponent, holds at most 38 digits: below
10**38, which is below 2**127, so Arrow's parse of it cannot wrap."""


def _refuse_wrapped(texts: pa.Array, parsed: pa.Array) -> None:
    """Raises ArrowInvalid where a long text (or one with an exponent) did not parse as its
    own value. Such texts are rare, and each is compared as a Python Decimal."""
    trimmed = pc.utf8_trim_whitespace(texts)
    long = pc.or_(
        pc.greater(pc.utf8_length(trimmed), _DIGITS_NO_WRAP),
        pc.match_substring_regex(trimmed, "[eE]"),
    )
    rows = pc.indices_nonzero(pc.fill_null(long, False))
    if len(rows) == 0:
        return
    for text, value in zip(
        pc.take(trimmed, rows).to_pylist(), pc.take(parsed, rows).to_pylist(), strict=True
    ):
        try:
            same = decimal.Decimal(text) == value
        except decimal.InvalidOperation:
            same = False
        if not same:
            raise pa.ArrowInvalid(f"{text[:40]} has more digits than {parsed.type} holds")


def decimal_as_float(array: pa.Array, target: pa.DataType) -> pa.Array:
    """Decimals as the nearest float of ``target``, correctly rounded.

    Arrow's own decimal-to-double cast is not: 18.40 becomes 18.400000000000002, the double
    after 18.4 (some 14% of all two-place values). The unscaled integer of a decimal of at most
    15 digits is exact as a double, and so is a power of ten up to 10**22; IEEE division of
    the two is correctly rounded, so the quotient is the nearest double. Any other decimal (or
    a float32 target, which that quotient would round twice) goes through its text, which
    Arrow parses correctly rounded.
    """
    if not pa.types.is_decimal128(array.type) or array.type.precision > 15:
        return pc.cast(pc.cast(array, pa.string()), target)
    if array.type.scale < 0 or not pa.types.is_float64(target):
        return pc.cast(pc.cast(array, pa.string()), target)
    import numpy as np

    # Little-endian 128-bit integers: below 10**15 the low word, as signed, is the value.
    words = np.frombuffer(array.buffers()[1], dtype="<i8")
    low = words[2 * array.offset : 2 * (array.offset + len(array)) : 2]
    values = low.astype(np.float64) / float(10**array.type.scale)
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    return pa.array(values, pa.float64(), mask=None if array.null_count == 0 else ~valid)


_INTEGER_DIGITS = {8: 3, 16: 5, 32: 10, 64: 19}
"""Decimal digits of the widest value of a signed integer type of that many bits (an unsigned
one of 64 bits has 20)."""


def _integers_as_decimal(array: pa.Array, scale: int) -> pa.Array:
    """Integers as decimals of ``scale`` places wide enough for every integer of their type.

    Arrow casts an integer type only into a decimal that holds the type's whole range: an
    ``integer`` into ``numeric(10,2)`` was refused for every value, 0 included ("Precision
    is not great enough"). Through this wider decimal, the cast to the column's own checks
    each value instead (999 fits ``numeric(4,1)``, 12345 does not)."""
    width = array.type.bit_width
    digits = 20 if pa.types.is_uint64(array.type) else _INTEGER_DIGITS[width]
    precision = digits + max(scale, 0)
    wide = pa.decimal128(precision, scale) if precision <= 38 else pa.decimal256(precision, scale)
    return pc.cast(array, wide)


def decimal_text(array: pa.Array) -> pa.Array:
    """Decimals as plain fixed-point text with their scale ('0.00000001', '0.00000000').

    Arrow's cast writes scientific notation where the exponent is small ('1E-8', '0E-8' in a
    numeric(20,8)): the same number, but not the text a text column, its queries and its
    sorting expect. Only those values are rewritten.
    """
    text = pc.cast(array, pa.string())
    scientific = pc.fill_null(pc.match_substring(text, "E"), False)
    if not pc.any(scientific).as_py():
        return text
    # In Python only the values Arrow wrote so, not the whole batch.
    fixed = [format(decimal.Decimal(v), "f") for v in pc.filter(array, scientific).to_pylist()]
    return pc.replace_with_mask(text, scientific, pa.array(fixed, pa.string()))


def temporal_of_text(array: pa.Array, target: pa.DataType) -> pa.Array | None:
    """Date or timestamp texts as ``target`` (``instants``, ``dates_of_texts``, Arrow's ISO
    parse for a timestamp without a zone), 'infinity' and '-infinity' as ±infinity; None when
    ``array`` is no text or ``target`` no date or timestamp type."""
    if not _is_text(array.type):
        return None
    if pa.types.is_timestamp(target) and target.tz is not None:
        return infinity.from_text(array, target, partial(instants, target=target))
    if pa.types.is_timestamp(target):
        return infinity.from_text(array, target, partial(exact_cast, target=target))
    if pa.types.is_date32(target):
        return infinity.from_text(array, target, dates_of_texts)
    return None


def instants(text: pa.Array, target: pa.DataType) -> pa.Array:
    """Timestamp texts as instants: with their offset, or taken as UTC without one (as typed
    timestamps without a zone are; the plan says so). Arrow parses a text with an offset
    only into a zoned type and one without only into a naive type: each group apart."""
    offset = r"\d:\d\d.*(Z|[+-]\d\d(:?\d\d)?)$"  # after a time: '2024-01-02' has none
    zoned = pc.fill_null(pc.match_substring_regex(text, offset), False)
    none = pa.scalar(None, text.type)
    with_offset = pc.cast(pc.if_else(zoned, text, none), target, safe=True)
    naive = pc.cast(pc.if_else(zoned, none, text), pa.timestamp(target.unit), safe=True)
    return pc.if_else(zoned, with_offset, pc.cast(naive, target))


def dates_of_texts(array: pa.Array) -> pa.Array:
    """Date texts as dates, and timestamp texts ('2024-01-02 00:00:00', 'T' too) each only where
    it is a midnight, as PostgreSQL's '...'::date takes them: Arrow's text-to-date cast reads
    'YYYY-MM-DD' alone."""
    timed = pc.fill_null(pc.match_substring_regex(array, r"\d[ T]\d\d:\d\d"), False)
    if not pc.any(timed).as_py():
        return pc.cast(array, pa.date32(), safe=True)
    none = pa.scalar(None, array.type)
    dates = pc.cast(pc.if_else(timed, none, array), pa.date32(), safe=True)
    stamps = pc.cast(pc.if_else(timed, array, none), pa.timestamp("us"), safe=True)
    return pc.if_else(timed, dates_of_midnights(stamps), dates)


def dates_of_midnights(array: pa.Array) -> pa.Array:
    """Timestamps as dates, each only where it is a midnight: Arrow's cast, even safe, drops
    a time of day without a word ('1996-07-05 13:45' became 1996-07-05). ±infinity becomes
    the date's ±infinity: Arrow's cast of its carried form is a date out of range, which read
    back is no midnight (told as a time of day, which it does not hold)."""
    signs = infinity.infinity_signs(array)
    finite = array if signs is None else pc.if_else(pc.equal(signs, 0), array, None)
    dates = pc.cast(finite, pa.date32())
    timed = pc.not_equal(pc.cast(dates, array.type), finite)
    if pc.any(pc.fill_null(timed, False)).as_py():
        raise pa.ArrowInvalid("a timestamp with a time of day, which a date would drop")
    if signs is None:
        return dates
    days = dates.view(pa.int32())
    for sign in (1, -1):
        days = pc.if_else(
            pc.equal(signs, sign), pa.scalar(sign * infinity.DATE_INFINITY, pa.int32()), days
        )
    return days.view(pa.date32())


def _as_interval(durations: pa.Array) -> pa.Array:
    """Durations as intervals of no months and no days, every nanosecond kept (a day of
    PostgreSQL's interval is a calendar day, not 86,400 seconds)."""
    import numpy as np

    from arrowmig.temporal_text import NANOS_PER

    per_unit = NANOS_PER[durations.type.unit]
    values = durations.view(pa.int64()).fill_null(0).to_numpy()
    if np.any(np.abs(values) > (2**63 - 1) // per_unit):
        raise pa.ArrowInvalid("a duration beyond an interval's nanoseconds")
    # Built as its buffer (months int32, days int32, nanoseconds int64 per value): a
    # column of a million durations is one vector operation, not a million tuples.
    layout = np.zeros(len(values), dtype=[("months", "<i4"), ("days", "<i4"), ("nanos", "<i8")])
    layout["nanos"] = values * per_unit
    # is_valid() is a new array, its bitmap from the first value whatever the slice.
    validity = durations.is_valid().buffers()[1] if durations.null_count else None
    return pa.Array.from_buffers(
        pa.month_day_nano_interval(),
        len(values),
        [validity, pa.py_buffer(layout.tobytes())],
        null_count=durations.null_count,
    )


def is_list(t: pa.DataType) -> bool:
    """A list type of any kind: variable, large or fixed-size."""
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t))


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _read_back(converted: pa.Array, source: pa.DataType) -> pa.Array:
    """A converted array as the source's type again, to compare with what was converted."""
    if pa.types.is_decimal(converted.type) and pa.types.is_floating(source):
        return decimal_as_float(converted, source)
    return pc.cast(converted, source, safe=False)


def _may_round(source: pa.DataType, target: pa.DataType) -> bool:
    """Casts that round rather than raise (integers and floats meet by Arrow's own checks)."""
    if pa.types.is_floating(source) and pa.types.is_floating(target):
        return bool(target.bit_width < source.bit_width)
    return bool(
        (pa.types.is_floating(source) and pa.types.is_decimal(target))
        or (pa.types.is_decimal(source) and pa.types.is_floating(target))
    )


def _is_number(t: pa.DataType) -> bool:
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t))


_KINDS = (
    pa.types.is_integer,
    pa.types.is_floating,
    _is_text,
    lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t),
    pa.types.is_timestamp,
    pa.types.is_decimal,
)
