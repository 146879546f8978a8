"""The normalisation rules of ``verify``: what kind of value each column carries, and the
DuckDB SQL that brings a source column and its target column to one canonical form and hashes it.

Only Arrow and declared types come in; nothing here knows which database a column came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pyarrow as pa

from arrowmig import interval_iso, interval_text, json_canon, number_spelling
from arrowmig.model import Column
from arrowmig.schema import BOOLEAN_WORDS

# -- kinds: what a column's values are, whatever the physical type carrying them -----------

INT = "int"
"""Integers of any width, signed or not, and booleans (0/1)."""
DECIMAL = "decimal"
"""Exact decimals carried as Arrow decimals."""
NUMTEXT = "numtext"
"""Exact numbers carried as text (PostgreSQL numeric, decimals kept as text in SQLite)."""
FLOAT = "float"
TEXT = "text"
BINARY = "binary"
DATE = "date"
TIME = "time"
TIMESTAMP = "timestamp"
"""Naive timestamps (taken as UTC) and time-zone-aware ones (instants), any unit."""
INTERVAL = "interval"
UUID = "uuid"
JSON = "json"
NESTED = "nested"

JSON_TEXT_DIALECTS = ("postgresql", "duckdb")
"""Targets whose json type keeps each document's text as written (PostgreSQL's json, DuckDB's
JSON: DuckDB's ``=`` tells ``{"b":1,"a":2}`` from ``{"a":2,"b":1}``); jsonb does not."""

_NUMERIC_SOURCE = re.compile(r"^\s*(numeric|decimal)", re.IGNORECASE)
_JSON_SOURCE = re.compile(r"^\s*jsonb?\b", re.IGNORECASE)
_UUID_SOURCE = re.compile(r"^\s*uuid\b", re.IGNORECASE)

# Epoch values of the timestamp family, and times of day, are compared in nanoseconds only when
# one side carries nanoseconds; otherwise microseconds (the unit every database here stores)
# suffice.


def kind_of(column: Column) -> str:
    """The kind of values a column carries, from its Arrow type and its declared type."""
    t = column.arrow_type
    if isinstance(t, pa.ExtensionType):
        name = getattr(t, "extension_name", "")
        type_name = ""
        try:
            type_name = str(getattr(t, "type_name", ""))
        except Exception:  # opaque types without a type_name
            type_name = ""
        label = f"{name} {type_name} {column.source_type} {column.target_type or ''}".lower()
        if "uuid" in label:
            return UUID
        if "json" in label:
            return JSON
        if "numeric" in label:
            return NUMTEXT
        return kind_of(Column(column.name, t.storage_type, column.source_type))
    if pa.types.is_dictionary(t):
        return kind_of(Column(column.name, t.value_type, column.source_type))
    if pa.types.is_boolean(t) or pa.types.is_integer(t):
        return INT
    if pa.types.is_decimal(t):
        return DECIMAL
    if pa.types.is_floating(t):
        return FLOAT
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        declared = column.target_type or column.source_type
        # A SQLite NUMERIC column its profile found text in (and kept as text) holds the
        # exact texts written, numbers among them: compared as text, so '2.5' is not '2.50'.
        kept_as_text = bool(column.observed) and column.target_type is None
        if _NUMERIC_SOURCE.match(declared) and not kept_as_text:
            return NUMTEXT
        if _JSON_SOURCE.match(declared):
            return JSON
        if _UUID_SOURCE.match(declared):
            return UUID
        return TEXT
    if pa.types.is_fixed_size_binary(t) and t.byte_width == 16:
        if _UUID_SOURCE.match(column.source_type):
            return UUID
        return BINARY
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return BINARY
    if pa.types.is_binary_view(t):
        return BINARY
    if pa.types.is_date(t):
        return DATE
    if pa.types.is_time(t):
        return TIME
    if pa.types.is_timestamp(t):
        return TIMESTAMP
    if pa.types.is_duration(t) or pa.types.is_interval(t):
        return INTERVAL
    if pa.types.is_null(t):
        return TEXT
    return NESTED


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def is_ns(t: pa.DataType) -> bool:
    t = plain_type(t)
    return bool((pa.types.is_timestamp(t) or pa.types.is_time(t)) and t.unit == "ns")


def plain_type(t: pa.DataType) -> pa.DataType:
    """The type DuckDB scans in place of ``t``: an extension's storage, a dictionary's values,
    float32 for a half float (which DuckDB cannot read)."""
    if isinstance(t, pa.ExtensionType):
        return plain_type(t.storage_type)
    if pa.types.is_dictionary(t):
        return plain_type(t.value_type)
    if pa.types.is_float16(t):
        return pa.float32()
    return t


# -- canonical SQL per kind ---------------------------------------------------------------


def _canon_numtext(x: str) -> str:
    """Exact number text in one spelling: no '+', no leading or trailing zeros, '-0' is '0'.

    ``1.50``, ``+1.5`` and ``01.5`` are the same number; ``1.5`` and ``1.50000001`` are not.
    Text that is not a plain decimal number is kept as it is (it then only equals itself).
    """
    t = "trim(__num::VARCHAR)"
    t = f"regexp_replace({t}, '^\\+', '')"
    # A zero before a bare point first: DuckDB prints a DECIMAL(4,4) as '.5000' and its zero
    # as '.0000', which the steps below would otherwise leave as '' where the other side's
    # '0.0000' becomes '0'.
    t = f"regexp_replace({t}, '^(-?)\\.', '\\10.')"
    # strip trailing zeros of a fraction, then a bare trailing point
    t = f"regexp_replace({t}, '^(-?[0-9]*\\.[0-9]*?)0+$', '\\1')"
    t = f"regexp_replace({t}, '^(-?[0-9]*)\\.$', '\\1')"
    # strip leading zeros of the integer part (keep one before the point)
    t = f"regexp_replace({t}, '^(-?)0+([0-9])', '\\1\\2')"
    plain = once(t, "__canon", "(CASE WHEN __canon = '-0' THEN '0' ELSE __canon END)")
    return once(x, "__num", _non_finite_spelled("__num", plain))


def once(value: str, name: str, body: str) -> str:
    """``body``, in which ``name`` stands for ``value``, with ``value`` computed once a row.

    Written out in place, a value a rule names ten times is ten copies of its expression,
    and rules built of rules multiply them: a SQLite column of numeric text hashed as
    17 KB of SQL, and DuckDB's planner took half a second and 6 MB for each such column (a
    500-column table took a minute and 1.2 GB to verify). As a lambda's argument it is
    planned once. ``name`` is a lambda parameter, unique among the rules nested in ``body``
    (``__num``...); ``body`` names no column itself. Only where the rule reads ``value``:
    within a CASE branch it is computed for that branch's rows alone."""
    return f"list_transform([{value}], lambda {name}: {body})[1]"


_NON_FINITE = {
    "nan": ("nan", "+nan", "-nan"),
    "inf": ("inf", "+inf", "infinity", "+infinity"),
    "-inf": ("-inf", "-infinity"),
}
"""The one spelling of each non-finite number, and the spellings it stands for: PostgreSQL
writes a numeric's or a float's as NaN, Infinity and -Infinity, DuckDB a double's as nan, inf,
-inf and -nan (a NaN's sign is not kept alike by every database), and both read any case."""


def _non_finite_spelled(x: str, otherwise: str) -> str:
    """``x``'s text in its one spelling if it is a non-finite number (``_NON_FINITE``), else
    ``otherwise``: a numeric NaN against a double NaN was 'NaN' against 'nan'."""
    w = f"lower(trim({x}::VARCHAR))"
    cases = "".join(
        f"WHEN {w} IN ({', '.join(repr(s) for s in spellings)}) THEN '{one}' "
        for one, spellings in _NON_FINITE.items()
    )
    return f"(CASE {cases}ELSE {otherwise} END)"


def _float_as_exact_text(x: str) -> str:
    """A double as the shortest decimal text that reads back as the same double.

    Used only when the other side holds exact numbers: the double then equals the decimal
    whose text it prints as, and no other.
    """
    d = "__float"
    integral = f"({d} = trunc({d}) AND abs({d}) < 9.2e18)"
    written = (
        f"(CASE WHEN {_negative_zero(d)} THEN '-0' WHEN {integral} THEN {d}::HUGEINT::VARCHAR "
        f"WHEN abs({d})::VARCHAR LIKE '%e%' THEN {_canon_numtext(_without_exponent(d))} "
        f"ELSE {d}::VARCHAR END)"
    )
    return once(f"{x}::DOUBLE", d, _non_finite_spelled(f"{d}::VARCHAR", written))


def _without_exponent(d: str) -> str:
    """A double's shortest text with its exponent written out: ``1e+20`` as
    ``100000000000000000000``, ``-1.5e-07`` as ``-0.00000015`` (the exact side is plain)."""
    return f"((CASE WHEN {d} < 0 THEN '-' ELSE '' END) || {_written_out(f'abs({d})::VARCHAR')})"


_EXPONENT_TEXT = "'^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)e[+-]?[0-9]{1,4}$'"
"""A number text with an exponent to write out. At most four exponent digits: '1e99999999999'
overflows the INTEGER the exponent is read as, and '1e999999999' would write out a gigabyte;
such a text (no load holds it as an exact number) is compared as written."""


def _exponent_text_written_out(x: str) -> str:
    """Number text with an exponent written out, every digit as written (``'1.0e-05'`` as
    ``'0.000010'``); any other text as it is. SQLite prints a real of a NUMERIC column so
    (the shortest text that reads back as the double, its exponent below 1e-4 and from 1e15),
    and migrate writes that text into an exact number, which holds it written out."""
    t = "lower(trim(__text::VARCHAR))"
    sign = f"(CASE WHEN {t} LIKE '-%' THEN '-' ELSE '' END)"
    written = _written_out(f"regexp_replace({t}, '^[+-]', '')")
    return once(
        x,
        "__text",
        f"(CASE WHEN regexp_matches({t}, {_EXPONENT_TEXT}) THEN {sign} || {written} "
        "ELSE __text::VARCHAR END)",
    )


def _written_out(t: str) -> str:
    """The unsigned number text ``t`` with an exponent (``1.5e-07``) without it."""
    mantissa = "split_part(__exponent, 'e', 1)"
    whole = f"(CASE WHEN strpos({mantissa}, '.') > 0 THEN strpos({mantissa}, '.') - 1 ELSE length({mantissa}) END)"
    # The digits, and how many of them stand before the point.
    parts = f"{{'digits': replace({mantissa}, '.', ''), 'at': ({whole} + split_part(__exponent, 'e', 2)::INTEGER)}}"
    digits, at = "__parts.digits", "__parts.at"
    return once(
        once(t, "__exponent", parts),
        "__parts",
        f"(CASE WHEN {at} >= length({digits}) THEN {digits} || repeat('0', {at} - length({digits})) "
        f"WHEN {at} <= 0 THEN '0.' || repeat('0', -{at}) || {digits} "
        f"ELSE substr({digits}, 1, {at}) || '.' || substr({digits}, {at} + 1) END)",
    )


_MICROS_PER_DAY = 86_400_000_000

_INFINITE_EPOCH = 2**100
"""The epoch ±infinity hash as: further out than any real date or time, in µs or ns."""


def _with_infinities(v: str, epoch: str, *, date: bool = False) -> str:
    """``epoch`` of the date or timestamp ``v``, with ±infinity as ±_INFINITE_EPOCH.

    DuckDB's epoch functions give NULL for ±infinity: both would hash as NULL, so an infinity
    that became NULL or changed sign went unseen."""
    sign = f"(CASE WHEN {v}::VARCHAR LIKE '-%' THEN -1 ELSE 1 END)"
    # Through TIMESTAMPTZ: DuckDB has no isinf of TIMESTAMPTZ_NS (nor of TIME, which is never
    # infinite); every timestamp type converts, its infinities kept. A date is asked itself:
    # one past the timestamps' range (5874897-12-31) cannot convert.
    infinite = f"isinf({v})" if date else f"isinf(({v})::TIMESTAMPTZ)"
    return f"(CASE WHEN {infinite} THEN {sign} * {_INFINITE_EPOCH}::HUGEINT ELSE {epoch} END)"


_BIGINT_RANGE = f"BETWEEN {-(2**63)} AND {2**63 - 1}"


def _hash_huge(v: str) -> str:
    """The hash of the HUGEINT ``v`` (an epoch, an integer of any width), one that tells every
    two values apart as a 64-bit hash can.

    Never DuckDB's own hash of a HUGEINT: that is the XOR of its two 64-bit halves' hashes,
    so -1 (both halves all ones) hashes as 0 does, ``(a << 64) + b`` as ``(b << 64) + a``, and
    the epoch of infinity (``_INFINITE_EPOCH``) as 2**36 µs: a numeric -0.01 became 0.00, and
    1969-12-31 23:59:59.999999 became 1970-01-01, unseen. A value that fits 64 bits is hashed
    as a BIGINT (DuckDB's hash of one is a bijection); a wider one, which is rare (an infinity,
    nanoseconds past 2262, an unsigned integer past 2**63), as its text."""
    return once(
        v,
        "__huge",
        f"(CASE WHEN __huge {_BIGINT_RANGE} THEN hash(__huge::BIGINT) ELSE hash(__huge::VARCHAR) END)",
    )


def _hash_decimal(x: str, width: int, scale: int) -> str:
    """The hash of the decimal ``x`` as a DECIMAL(``width``, ``scale``) (width 18 or 38), one
    that tells every two values apart as a 64-bit hash can. A DECIMAL(18) is a BIGINT of its
    digits, hashed as one (a bijection); a DECIMAL(38) is a 128-bit integer, whose own hash
    DuckDB takes as ``_hash_huge`` tells (-0.01 hashed as 0.00 does): one that fits 18
    digits is hashed as a DECIMAL(18), a wider one as its text (DuckDB writes every digit of
    its scale)."""
    if width <= 18:
        return f"hash({x}::DECIMAL(18,{scale}))"
    d = f"{x}::DECIMAL(38,{scale})"
    if scale > 18:
        return f"hash({d}::VARCHAR)"
    return (
        f"(CASE WHEN abs({d}) < 1{'0' * (18 - scale)} THEN hash({d}::DECIMAL(18,{scale})) "
        f"ELSE hash({d}::VARCHAR) END)"
    )


def _ts_epoch(x: str, t: pa.DataType, ns: bool) -> str:
    """Epoch of a timestamp (naive ones taken as UTC) in the pair's unit, as HUGEINT."""
    t = plain_type(t)
    if pa.types.is_timestamp(t) and t.unit == "ns":
        value = f"epoch_ns({x})::HUGEINT"
        return _with_infinities(x, value if ns else f"({value} // 1000)")
    if pa.types.is_date(t):
        # Counted in days: a date past the timestamps' range (PostgreSQL's 5874897-12-31)
        # failed the table's checksum where it was cast to a TIMESTAMP first.
        value = f"(({x})::DATE - DATE '1970-01-01')::HUGEINT * {_MICROS_PER_DAY}"
        return _with_infinities(x, f"({value} * 1000)" if ns else value, date=True)
    if pa.types.is_timestamp(t) and t.unit in ("s", "ms") and not t.tz:
        # DuckDB's epoch_us of a TIMESTAMP_S or _MS goes through nanoseconds and overflows
        # outside about 1677-2262 (9999-12-31); a TIMESTAMP holds years 1-9999 exactly.
        value = f"epoch_us({x}::TIMESTAMP)::HUGEINT"
    else:
        value = f"epoch_us({x})::HUGEINT"
    return _with_infinities(x, f"({value} * 1000)" if ns else value)


def _parsed(x: str, parse_type: str, canon: str, *, hashed: bool = False) -> str:
    """Hash text parsed as ``parse_type``; text that does not parse only equals itself.

    ``canon`` is written in terms of ``{v}``, the parsed value (``hashed``: it is the hash
    already). Without the CASE an unparsable value would become NULL and hash like a real NULL.
    """
    v = "__parsed"
    value = canon.format(v=v) if hashed else f"hash({canon.format(v=v)})"
    body = (
        f"(CASE WHEN __read IS NOT NULL AND {v} IS NULL "
        f"THEN hash('\\x01unparsed', __read::VARCHAR) ELSE {value} END)"
    )
    return once(x, "__read", once(f"TRY_CAST(__read AS {parse_type})", v, body))


def _finer_than_unit(x: str, ns: bool, parsed: str) -> str:
    """``parsed``, the hash of a timestamp or time text, unless the text holds a non-zero
    digit of a second past the pair's unit (the 7th in microseconds, the 10th in
    nanoseconds): no value of the other side's type can hold it, and DuckDB's parse would
    cut it off (``'10:00:00.1234569'`` read as 10:00:00.123456, equal to a copy that lost
    0.9 µs). Such a text then only equals itself."""
    digits = 9 if ns else 6
    finer = f"regexp_matches({x}::VARCHAR, ':[0-9][0-9][.][0-9]{{{digits}}}[0-9]*[1-9]')"
    return f"(CASE WHEN {finer} THEN hash('\\x01finer', {x}::VARCHAR) ELSE {parsed} END)"


def _timestamp_text(x: str, ns: bool) -> str:
    """The hash of a timestamp text as the epoch of the instant it names, in µs (ns with
    ``ns``), as a timestamp's side hashes (``_ts_epoch``)."""
    # Text with an offset must be read as TIMESTAMPTZ (TIMESTAMP drops the offset); text
    # without one is taken as UTC because the session time zone is UTC.
    t = "__stamp"
    if ns:
        parsed = _parsed_ns_timestamp(t)
    else:
        epoch = _with_infinities("{v}", "epoch_us({v})::HUGEINT")
        parsed = _parsed(t, "TIMESTAMPTZ", _hash_huge(epoch), hashed=True)
    return once(x, t, _zone_named_as_text(t, _finer_than_unit(t, ns, parsed)))


_TIME_OF_DAY = "'^\\s*[0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?\\s*$'"
"""A text that is a time of day and nothing more (``HH:MM[:SS[.f]]``)."""


def _time_of_day_only(x: str, parsed: str) -> str:
    """``parsed``, the hash of a time text, unless the text holds more than a time of day:
    DuckDB's TIME cast, as PostgreSQL's time input, reads the time of ``'1999-12-31
    12:34:56'`` (and midnight of ``'2024-01-03'``) and drops the date, and drops an offset
    (``'12:34:56+02'``). Such a text then only equals itself."""
    whole = f"regexp_matches({x}::VARCHAR, {_TIME_OF_DAY})"
    return f"(CASE WHEN NOT {whole} THEN hash('\\x01unparsed', {x}::VARCHAR) ELSE {parsed} END)"


def _finer_interval(x: str, parsed: str) -> str:
    """``parsed``, the hash of an interval text, unless the text holds a part finer than a
    microsecond: PostgreSQL and DuckDB intervals hold microseconds, and DuckDB's parse rounds
    or cuts the rest (``'0.0000004 seconds'`` read as 0, ``'0.00000001 minutes'`` as 1 µs,
    equal to a copy that lost it). Such a text then only equals itself. Which texts do is
    worked out exactly (``interval_text``), for every unit: a pattern per unit
    cannot tell ``'0.00000005 minutes'`` (3 µs) from ``'0.00000001 minutes'``."""
    finer = f"{interval_text.FUNCTION}({x}::VARCHAR)"
    return f"(CASE WHEN {finer} THEN hash('\\x01finer', {x}::VARCHAR) ELSE {parsed} END)"


_ZONE_WORD = "'[0-9.]\\s*([A-Za-z][A-Za-z_/]*([+-][0-9]{1,2}(:?[0-9][0-9])?)?)\\s*$'"
"""A timestamp text's zone written in letters at its end (``PST``, ``GMT+2``, ``Europe/Paris``):
group 1."""

_READ_ALIKE = ("Z", "UTC", "GMT", "AD", "BC")
"""Words at a timestamp text's end that every parser reads alike (UTC), or that name no zone
(an era: a text DuckDB cannot parse only equals itself already)."""


def zone_named(x: str) -> str:
    """Whether the timestamp text ``x`` ends in a zone abbreviation or a POSIX-style zone
    (``'2024-06-01 10:00:00 PST'``, ``'... GMT+2'``), which parsers read apart: PostgreSQL's
    PST is a fixed -08:00 and DuckDB's Los Angeles time (-07:00 in June); PostgreSQL reads
    GMT+2 as POSIX does (two hours west, -02:00) and DuckDB as +02:00. A full zone name
    (``Europe/Paris``) is read from the same zone database by both."""
    word = f"regexp_extract({x}::VARCHAR, {_ZONE_WORD}, 1)"
    alike = ", ".join(f"'{w}'" for w in _READ_ALIKE)
    return f"({word} <> '' AND upper({word}) NOT IN ({alike}) AND strpos({word}, '/') = 0)"


def _zone_named_as_text(x: str, parsed: str) -> str:
    """``parsed``, the hash of a timestamp text, unless the text names its zone in a way
    parsers read apart (``zone_named``): such a text then only equals itself, and no
    timestamp, whichever engine's reading the other side holds."""
    return f"(CASE WHEN {zone_named(x)} THEN hash('\\x01zone', {x}::VARCHAR) ELSE {parsed} END)"


def _negative_zero(d: str) -> str:
    """Whether the double ``d`` is ``-0.0``: no integer or exact number holds it, so against
    one it is no zero (a column that stores it as ``0`` changed it; migrate's report says so)."""
    return f"({d} = 0 AND signbit({d}))"


def _float_hash(d: str) -> str:
    """The hash of the double ``d`` and of a zero's sign: DuckDB hashes -0.0 as 0.0, yet
    they differ (``atan2(0, d)`` is pi for one and 0 for the other, their texts differ). Only
    a zero's sign is added: a NaN's sign is not kept alike by every database."""
    return f"hash({d}, {_negative_zero(d)})"


def _parsed_ns_timestamp(x: str) -> str:
    """Like ``_parsed`` for timestamp text compared in nanoseconds. Text without an offset
    (how nanoseconds without a zone are written to SQLite) is read as TIMESTAMP_NS, which
    would drop an offset; text with one as TIMESTAMPTZ, which keeps microseconds (the digits
    past them cut off), and the nanoseconds past those are read from the text itself."""
    has_offset = f"regexp_matches({x}, '([+-][0-9][0-9](:?[0-9][0-9])?|Z)$')"
    zoned = f"TRY_CAST({x} AS TIMESTAMPTZ)"
    beyond_micros = f"rpad(regexp_extract({x}, '\\.[0-9]{{6}}([0-9]{{1,3}})', 1), 3, '0')::HUGEINT"
    naive = f"TRY_CAST({x} AS TIMESTAMP_NS)"
    epoch = (
        f"(CASE WHEN {has_offset} "
        f"THEN {_with_infinities(zoned, f'epoch_us({zoned})::HUGEINT * 1000 + {beyond_micros}')} "
        f"ELSE {_with_infinities(naive, f'epoch_ns({naive})::HUGEINT')} END)"
    )
    return (
        f"(CASE WHEN {x} IS NOT NULL AND {epoch} IS NULL "
        f"THEN hash('\\x01unparsed', {x}::VARCHAR) ELSE {_hash_huge(epoch)} END)"
    )


@dataclass(frozen=True)
class ColumnPair:
    """One column as both sides carry it, and the SQL that hashes each side alike."""

    name: str
    """The target's name for it (what reports show): verify names a table as the target holds
    it, and its columns and keys so too (``--target-names lower``: ``id``, not ``ID``)."""
    source: Column
    target: Column
    mode: str
    """The canonical form both sides are brought to (a kind, or ``text`` as the fallback)."""
    source_sql: str
    """A DuckDB expression giving the UBIGINT hash of the source value (NULL hashes too)."""
    target_sql: str
    source_zone_named: str | None = None
    """A DuckDB condition true of a source value compared as its own text because its
    reading depends on the parser (``zone_named``), for the report to count; None where no
    value is."""
    target_zone_named: str | None = None


def pair_columns(
    source: Column,
    target: Column,
    *,
    postgres_pair: bool = False,
    json_text_target: bool = False,
    read_as_text: tuple[bool, bool] = (False, False),
) -> ColumnPair:
    """Decide how a source column and its target column are hashed so that equal values
    hash equal and unequal values differ, whatever physical types carry them.

    ``postgres_pair``: both sides are PostgreSQL, which keeps an unbounded numeric's scale
    (``1.50`` and ``1.5000`` print apart): such a column of the same declared type on both
    sides compares its exact text, and so does an array of the same declared type on both
    sides (``same_pg_array``). ``json_text_target``: the target keeps a json column's
    documents as written (key order, spacing, duplicate keys: PostgreSQL's json, DuckDB's
    JSON; ``JSON_TEXT_DIALECTS``): such a column written from text compares that text exactly. ``read_as_text``: the (source,
    target) column is read as the text of its value (a timestamp or interval past Arrow's
    range, written by the server): compared as its kind still, the text parsed where it can
    be and otherwise as itself; the pair's columns are then of text."""
    if postgres_pair and same_pg_array(source, target):
        source, target = _array_text(source), _array_text(target)
        sides = [salted(f"hash({quote(c.name)}::VARCHAR)") for c in (source, target)]
        return ColumnPair(target.name, source, target, TEXT, *sides)
    sk, tk = kind_of(source), kind_of(target)
    ns = is_ns(source.arrow_type) or is_ns(target.arrow_type)
    mode = _pair_mode(sk, tk, source.arrow_type, target.arrow_type)
    if read_as_text[0]:
        source, sk = _of_text(source), TEXT
    if read_as_text[1]:
        target, tk = _of_text(target), TEXT
    if mode == INT_TEXT:
        source, target = _whole_reals_read(source), _whole_reals_read(target)
    declared = {source.source_type.strip().lower(), target.source_type.strip().lower()}
    if postgres_pair and declared == {"numeric"} and sk == tk:
        mode = TEXT
    if json_text_target and _json_from_text(source, target, sk):
        mode = TEXT
    src = _side_sql(_number_text(source, mode), sk, source.arrow_type, mode, ns)
    tgt = _side_sql(_number_text(target, mode), tk, target.arrow_type, mode, ns)
    if mode == NUMTEXT:
        src = _spelled_or_itself(quote(source.name), src) if sk == TEXT else src
        tgt = _spelled_or_itself(quote(target.name), tgt) if tk == TEXT else tgt
    # DuckDB hashes 0, 0.0, false and 1970-01-01 to 0, and hash(0, 0) is 0 too: a row of
    # zeros would add nothing to a sum. XOR with an odd constant moves that fixed point.
    zoned = [zone_named(quote(c.name)) if k == TEXT and mode in (TIMESTAMP, DATE_TEXT) else None
             for c, k in ((source, sk), (target, tk))]  # fmt: skip
    return ColumnPair(target.name, source, target, mode, salted(src), salted(tgt), *zoned)


def same_pg_array(source: Column, target: Column) -> bool:
    """Whether both columns are PostgreSQL arrays of one declared type (``integer[]``,
    ``numeric(6,2)[]``, ``json[]``). Their text (``'[0:1]={1,2}'``, ``{{1,2},{3,4}}``) spells
    every element as the type writes it, the bounds and the dimensions, which their JSON loses
    (``[1,2]`` for both ``{1,2}`` and ``'[0:1]={1,2}'``; ``null`` for the jsonb ``'null'`` and
    for NULL) or respells (a json element's keys reordered, canonical): compared so, a copy
    equals its source only where every element, bound and dimension was kept. Both sessions
    write it alike (``pg_wire.PINNED_SETTINGS``: UTC, ISO dates, every float digit)."""
    declared = source.source_type.strip().lower()
    return declared.endswith("]") and declared == target.source_type.strip().lower()


def _array_text(column: Column) -> Column:
    """An array column read as the server's text of it (``pg_values.read_expression``)."""
    return replace(column, arrow_type=pa.string(), target_type=None)


def _whole_reals_read(column: Column) -> Column:
    """A column of text holding reals (a SQLite column mixing text with numbers), compared
    with integers: its whole reals read as the integers they equal, as a real of a column of
    numbers is compared (``float_int``), so that the verdict on a value is not the other
    rows'; a text ``'6.0'`` still only equals itself."""
    if "real" in column.observed and pa.types.is_string(plain_type(column.arrow_type)):
        return replace(column, whole_reals_as_integers=True)
    return column


def _of_text(column: Column) -> Column:
    return replace(column, arrow_type=pa.string())


def _json_from_text(source: Column, target: Column, source_kind: str) -> bool:
    """Whether a json column (PostgreSQL's json, DuckDB's JSON) holds the source's text as it
    was: written from text or JSON text (SQLite's JSON, DuckDB's, PostgreSQL's json), each
    document kept as written.
    jsonb canonicalises, and JSON arrowmig writes from a nested value is its own text: those
    stay normalised (sorted keys, minified)."""
    return (
        target.source_type.strip().lower() == "json"
        and source_kind in (TEXT, JSON)
        and pa.types.is_string(plain_type(source.arrow_type))
        and source.source_type.strip().lower() != "jsonb"
    )


def _number_text(column: Column, mode: str) -> str:
    """The column as its pair's SQL reads it: a text compared with exact numbers or doubles
    with its exponent written out, every digit as written (``'1e3'`` as ``1000``, ``'1.0e-05'``
    as ``0.000010``). SQLite prints a real in a column read as text so (below 1e-4 and from
    1e15), and migrate writes that text, which an exact number holds written out; a text
    written so is the same number, whatever the other rows of its column hold."""
    name = quote(column.name)
    if mode in (NUMTEXT, "float_exact") and pa.types.is_string(plain_type(column.arrow_type)):
        return _exponent_text_written_out(name)
    return name


def _spelled_or_itself(x: str, hashed: str) -> str:
    """``hashed``, the hash of the text ``x`` as the number it spells, where the text is that
    number's own spelling (``number_spelling``): any other text ('00012', '+5', ' 7', '-0')
    only equals itself, as against an integer. An exact-number column stores the number
    such a text spells (12, 5, 7, 0), and migrate refuses it."""
    text = f"{x}::VARCHAR"
    plain = (
        f"regexp_full_match({text}, '{number_spelling.PLAIN_NUMBER}|{number_spelling.NON_FINITE}')"
    )
    signed_zero = f"regexp_full_match({text}, '{number_spelling.NEGATIVE_ZERO}')"
    return (
        f"(CASE WHEN {x} IS NULL OR ({plain} AND NOT {signed_zero}) THEN {hashed} "
        f"ELSE hash('\\x01spelled', {text}) END)"
    )


_SALT = 0x9E3779B97F4A7C15


def salted(sql: str) -> str:
    """A column's hash as a pair's side gives it (``ColumnPair.source_sql``)."""
    return f"xor({sql}, {_SALT}::UBIGINT)"


def _pair_mode(sk: str, tk: str, st: pa.DataType, tt: pa.DataType) -> str:
    kinds = {sk, tk}
    if sk == tk:
        if sk == DECIMAL:
            return _decimal_mode(plain_type(st), plain_type(tt))
        if sk == NESTED and plain_type(st) != plain_type(tt):
            # A LIST of DOUBLE appended into a LIST of INTEGER: [1.0] arrived as [1]. Their
            # JSON texts differ in spelling only; compared as JSON values, as against a
            # PostgreSQL array, each number by its value ([1.5] still differs from [1]).
            return NESTED_JSON
        return sk
    if kinds == {TEXT, INT} and (pa.types.is_boolean(st) or pa.types.is_boolean(tt)):
        return BOOL_TEXT
    if kinds == {TEXT, INT}:
        return INT_TEXT
    if kinds <= {INT, DECIMAL, NUMTEXT}:
        return NUMTEXT
    if FLOAT in kinds and kinds <= {INT, FLOAT}:
        return "float_int"
    if (sk, tk) == (FLOAT, TEXT):
        # A float written as text (--cast T.C=text, an existing text column) is written as
        # its shortest round-trip text: the text must read back as the same float.
        return FLOAT_TEXT + ("32" if pa.types.is_float32(plain_type(st)) else "64")
    if FLOAT in kinds and kinds <= {FLOAT, DECIMAL, NUMTEXT, INT}:
        return "float_exact"
    if TEXT in kinds:
        other = (kinds - {TEXT}).pop()
        if other in (
            TIMESTAMP, DATE, TIME, INTERVAL, NUMTEXT, DECIMAL, INT, UUID, JSON, FLOAT, NESTED
        ):  # fmt: skip
            named = {DECIMAL: NUMTEXT, INT: NUMTEXT, FLOAT: "float_exact", NESTED: NESTED_JSON}
            return named.get(other, DATE_TEXT if other == DATE else other)
    if kinds == {DATE, TIMESTAMP}:
        return TIMESTAMP
    if kinds == {UUID, BINARY}:
        return UUID
    if kinds == {JSON, NESTED}:
        return NESTED_JSON
    return "text"


NESTED_JSON = "nested_json"
"""A nested value against JSON or text: ``JSON``, but a double's ``-0.0`` inside is not ``0``
(``json_canon.SIGNED_FUNCTION``). In a JSON document ``-0.0`` and ``0`` are one number, as
jsonb holds them; a double inside a LIST or STRUCT is a double, whose zero has a sign."""


DECIMAL_MODE = "decimal:"
"""Decimals against decimals (``decimal:18,2``): both as a DECIMAL(width, scale) that holds
either side's values exactly (``_hash_decimal``)."""

FLOAT_TEXT = "float_text:"
"""A source float against target text (``float_text:32`` or ``:64``, the float's width): the
text parsed as a float of that width must be the same float; text that does not parse only
equals itself."""

DATE_TEXT = "date_text"
"""Text against dates: a date's text parsed as the DATE, a text with a time of day as the
instant it names (``_timestamp_text``), the date as its midnight UTC, both as epoch µs. A text
that holds more than a date (``'2024-01-03 12:34:56'``, ``'2024-01-03T23:30:00-05:00'``, a
microsecond past midnight), which PostgreSQL's date input cuts off without a word, so differs;
a midnight (``'2024-01-03 00:00:00'``, what ``--cast T.C=date`` turns into its date) does not."""

INT_TEXT = "int_text"
"""Text against integers: the text must be the integer's own ('12'), as arrowmig writes an
integer into a text column; '0012', ' 42' and '+5', which SQLite's INTEGER affinity stores as
12, 42 and 5, are other values."""

BOOL_TEXT = "bool_text"
"""Text against booleans: PostgreSQL's boolean words (``t``, ``yes``, ``on``, ``1``, any case)
are the boolean they mean, as ``--cast T.C=boolean`` converted them; other text only equals
itself."""


def _boolean_words(value: bool) -> str:
    return ", ".join(f"'{w}'" for w, v in BOOLEAN_WORDS.items() if v is value)


def _decimal_mode(st: pa.DataType, tt: pa.DataType) -> str:
    scale = max(st.scale, tt.scale)
    whole = max(st.precision - st.scale, tt.precision - tt.scale)
    # Both sides are cast to one DECIMAL(18, s) or (38, s) that holds either exactly (DuckDB
    # hashes a decimal as its integer of digits, so scales and widths must agree); wider ones
    # are compared as canonical text.
    digits = whole + scale
    if digits > 38:
        return NUMTEXT
    return f"{DECIMAL_MODE}{18 if digits <= 18 else 38},{scale}"


def text_side_sql(x: str, mode: str, ns: bool) -> str:
    """The hash of the text ``x`` as a text side of a pair compared as ``mode`` is hashed (an
    array's element, ``verify_arrays``)."""
    return _side_sql(x, TEXT, pa.string(), mode, ns)


def _side_sql(x: str, kind: str, t: pa.DataType, mode: str, ns: bool) -> str:
    t = plain_type(t)
    if mode.startswith(DECIMAL_MODE):
        width, scale = mode.removeprefix(DECIMAL_MODE).split(",")
        return _hash_decimal(x, int(width), int(scale))
    if mode == INT:
        # A uint64 past 2**63 is no BIGINT: hashed as _hash_huge does, not as the BIGINT of
        # its bits (18446744073709551615 is not -1).
        return _hash_huge(f"{x}::HUGEINT") if pa.types.is_uint64(t) else f"hash({x}::BIGINT)"
    if mode == FLOAT:
        # float32 -> DOUBLE is exact, so a float and a double agree only on exact values.
        return _float_hash(f"{x}::DOUBLE")
    if mode == "float_int":
        if kind == FLOAT:
            d = f"{x}::DOUBLE"
            return (
                f"(CASE WHEN {d} = trunc({d}) AND abs({d}) < 9.2e18 AND NOT {_negative_zero(d)} "
                f"THEN {_hash_huge(f'{d}::HUGEINT')} ELSE {_float_hash(d)} END)"
            )
        return _hash_huge(f"{x}::HUGEINT")
    if mode.startswith(FLOAT_TEXT):
        width = "FLOAT" if mode.endswith("32") else "DOUBLE"
        if kind == FLOAT:
            return _float_hash(f"{x}::{width}::DOUBLE")
        # Read back as the float it was written from, hashed as the float's side is.
        return _parsed(x, width, _float_hash("{v}::DOUBLE"), hashed=True)
    if mode == "float_exact":
        if kind == FLOAT:
            return f"hash({_float_as_exact_text(x)})"
        if kind == TEXT:
            return f"hash({_canon_numtext(x)})"
        return f"hash({_canon_numtext(x)})"
    if mode == NUMTEXT:
        return f"hash({_canon_numtext(x)})"
    if mode == INT_TEXT:
        return f"hash({x}::HUGEINT::VARCHAR)" if kind == INT else f"hash({x}::VARCHAR)"
    if mode == BOOL_TEXT:
        if kind != TEXT:
            return f"hash({x}::BOOLEAN)"
        w = f"lower(trim({x}::VARCHAR))"
        return (
            f"(CASE WHEN {w} IN ({_boolean_words(True)}) THEN hash(true) "
            f"WHEN {w} IN ({_boolean_words(False)}) THEN hash(false) ELSE hash({x}::VARCHAR) END)"
        )
    if mode == TIMESTAMP:
        return _timestamp_text(x, ns) if kind == TEXT else _hash_huge(_ts_epoch(x, t, ns))
    if mode == DATE:
        return _parsed(x, "DATE", "{v}") if kind == TEXT else f"hash({x}::DATE)"
    if mode == DATE_TEXT:
        if kind != TEXT:
            return _hash_huge(_ts_epoch(x, t, False))
        # DuckDB's DATE cast, as PostgreSQL's, reads the date of '2024-01-03 12:34:56' and
        # drops the rest: a text with a time of day (a ':') is read as the instant instead.
        date = _parsed(x, "DATE", _hash_huge(_ts_epoch("{v}", pa.date32(), False)), hashed=True)
        return f"(CASE WHEN strpos({x}::VARCHAR, ':') > 0 THEN {_timestamp_text(x, False)} ELSE {date} END)"
    if mode == TIME:
        # DuckDB's TIME holds microseconds: a cast to it would round 23:59:59.999999999 up
        # to 24:00:00, and so make a rounded copy equal to its source.
        time_type = "TIME_NS" if ns else "TIME"
        if kind == TEXT:
            return _time_of_day_only(x, _finer_than_unit(x, ns, _parsed(x, time_type, "{v}")))
        return f"hash({x}::{time_type})"
    if mode == UUID:
        if kind == BINARY:
            return f"hash(lower(hex({x})))"
        return f"hash(lower(replace({x}::VARCHAR, '-', '')))"
    if mode in (JSON, NESTED_JSON):
        # Minified JSON: whitespace differences between a text copy and jsonb do not count.
        # Keys sorted too: JSON objects have no order, and JSONB reorders them (json_canon).
        # Nested values arrive as JSON text already (checksum.plain_reader), and the text itself
        # goes to json_canon: DuckDB's json() reads numbers as doubles, and jsonb keeps them
        # exact (0.1 and 0.10000000000000001 are two values there).
        j = f"TRY_CAST({x} AS JSON)"
        canonical = json_canon.SIGNED_FUNCTION if mode == NESTED_JSON else json_canon.FUNCTION
        canon = f"{canonical}({x}::VARCHAR)"
        return f"(CASE WHEN {x} IS NOT NULL AND {j} IS NULL THEN hash('\\x01', {x}::VARCHAR) ELSE hash({canon}) END)"
    if mode == INTERVAL:
        # The text form keeps what the value holds ('1 day' and '24:00:00' are stored apart);
        # text (an interval written to SQLite, '0 mons 1 days 1.5 secs') is parsed first;
        # ISO 8601 text ('P1Y2M'), which DuckDB does not read, as PostgreSQL reads it.
        if kind == TEXT:
            words = f"{interval_iso.FUNCTION}({x}::VARCHAR)"
            return _finer_interval(x, _parsed(words, "INTERVAL", "{v}::VARCHAR"))
        return f"hash({x}::INTERVAL::VARCHAR)"
    if mode == TEXT:
        if kind in (TEXT, NUMTEXT, JSON, UUID):
            return f"hash({x}::VARCHAR)"
        if kind == BINARY:
            return f"hash({x}::BLOB)"
        return f"hash({x}::VARCHAR)"
    if mode == BINARY:
        return f"hash({x}::BLOB)"
    return f"hash({x})"
