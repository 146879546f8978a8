"""SQLite stores any value in any column: this module looks at the values (one cheap scan per
table, a second only for columns that surprise it) and picks, per column, an Arrow type that
holds every one of them.

The rules (docs/types.md has them as a table): integers stay BIGINT; reals are doubles;
integers mixed with reals become doubles only while every integer is exact in a double;
DECIMAL(p,s) keeps its precision when the values are exact, and is a double when SQLite
already stored them as reals; BOOLEAN is boolean only for 0/1; dates and timestamps stored as
text become dates and timestamps only when every value has one exact format; VARCHAR(n) is
varchar(n) only when every value fits. Anything else is text (or bytes), and flagged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from arrowmig.model import Column
from arrowmig.schema import quote_ident

EXACT_FLOAT_INT = 2**53
"""Integers up to this magnitude survive a trip through a 64-bit float unchanged."""

MAX_DECIMAL128_DIGITS = 38

_DIGITS4 = "[0-9][0-9][0-9][0-9]"
_DATE_GLOB = f"{_DIGITS4}-[0-9][0-9]-[0-9][0-9]"
_TIME_GLOB = "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"


@dataclass(frozen=True)
class ColumnProfile:
    """Counts of each storage class in one column, the integer range, lengths and formats.

    The counts are always exact. ``profile_table`` gathers the other details only where the
    column's decision reads them; ``parse_profile`` (every aggregate) has them all.
    """

    integers: int = 0
    reals: int = 0
    texts: int = 0
    blobs: int = 0
    nulls: int = 0
    min_int: int | None = None
    max_int: int | None = None
    max_text_chars: int | None = None
    """Longest text in characters (SQLite's length(), which stops at a NUL)."""
    max_blob_bytes: int | None = None
    date_texts: int = 0
    """Texts that are exactly ``YYYY-MM-DD`` and a real calendar date."""
    ts_space_texts: int = 0
    """Texts that are exactly ``YYYY-MM-DD HH:MM:SS[.f{1,6}]``, valid, no zone."""
    ts_t_texts: int = 0
    """Texts that are exactly ``YYYY-MM-DDTHH:MM:SS[.f{1,6}]``, valid, no zone."""
    decimal_texts: int = 0
    """Texts that are exact decimal literals (sign, digits, at most one point)."""
    decimal_int_digits: int = 0
    """Most digits before the point among those texts (leading zeros not counted)."""
    decimal_frac_digits: int = 0
    """Most digits after the point among those texts."""

    @property
    def classes(self) -> tuple[str, ...]:
        found = []
        for name, count in (
            ("integer", self.integers),
            ("real", self.reals),
            ("text", self.texts),
            ("blob", self.blobs),
        ):
            if count:
                found.append(name)
        return tuple(found)


# -- declared types ---------------------------------------------------------------------------


def affinity(declared: str) -> str:
    """SQLite's column affinity rules (section 3.1 of the datatype documentation)."""
    d = declared.upper()
    if "INT" in d:
        return "integer"
    if "CHAR" in d or "CLOB" in d or "TEXT" in d:
        return "text"
    if "BLOB" in d or not d:
        return "blob"
    if "REAL" in d or "FLOA" in d or "DOUB" in d:
        return "real"
    return "numeric"


def _is_boolean(declared: str) -> bool:
    return bool(re.match(r"^\s*BOOL(EAN)?\b", declared, re.IGNORECASE))


def _decimal_spec(declared: str) -> tuple[int, int] | bool | None:
    """(p, s) for DECIMAL(p,s)/NUMERIC(p,s); True for a bare DECIMAL/NUMERIC; else None."""
    m = re.match(
        r"^\s*(?:DECIMAL|NUMERIC|NUMBER|DEC)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$",
        declared,
        re.IGNORECASE,
    )
    if not m:
        return None
    if m.group(1) is None:
        return True
    precision = int(m.group(1))
    scale = int(m.group(2) or 0)
    if precision < 1 or scale > precision:
        return None
    return precision, scale


def _date_kind(declared: str) -> str | None:
    """``date`` or ``timestamp`` for declared date/time types (TIME alone is left as text)."""
    d = declared.strip().upper()
    if re.match(r"^(DATETIME|TIMESTAMP)\b", d):
        return "timestamp"
    if re.match(r"^DATE\b", d):
        return "date"
    return None


def _varchar_limit(declared: str) -> int | None:
    m = re.match(
        r"^\s*(?:N?VARCHAR|VARYING\s+CHARACTER|NATIONAL\s+VARYING\s+CHARACTER|CHARACTER\s+VARYING)"
        r"\s*\(\s*(\d+)\s*\)\s*$",
        declared,
        re.IGNORECASE,
    )
    return int(m.group(1)) if m else None


# -- the profile query ------------------------------------------------------------------------
#
# SQLite's cost is per aggregate per row: asking every column for every class count, range,
# length and format (14 aggregates each) took longer than reading the whole table. So the
# profile asks only what the decisions need, in at most three statements:
#
# 0. When a declared type says nothing about the class (untyped, DECIMAL, other NUMERIC), the
#    first row's class is taken as the guess (LIMIT 1: free).
# 1. One scan proves, per column in one aggregate, that the column holds the expected class
#    alone (typeof() is exact, whatever the column's affinity: views and edited schemas break
#    affinity), and gathers the details that this declared type's decision reads, nothing else.
# 2. Only the columns whose proof fails get a second scan with every aggregate, so their
#    classes, ranges and formats, and the notes built from them, are exact.
#
# Columns whose declared type guesses nothing and whose first row is NULL get every aggregate
# in scan 1.

_CLASS_FIELDS = {"integer": "integers", "real": "reals", "text": "texts", "blob": "blobs"}
"""Storage class -> the ColumnProfile field counting it."""

_Aggregate = tuple[str, str]
"""The ColumnProfile field (or ``expected``) and the SQL aggregate that measures it."""

_SURPRISE = 2**40
"""Weight of a value of an unexpected class in scan 1's sum: more than any table has rows."""

Query = Callable[[str], list[tuple[Any, ...]]]
"""Runs one SELECT and returns its rows."""


def expected_class(declared: str) -> str | None:
    """The one storage class a column of this declared type normally holds, or None where the
    type does not say (untyped, DECIMAL/NUMERIC and other NUMERIC affinity, where integers and
    reals mix). Only a guess that saves work: a wrong one costs a second scan, never a decision.
    """
    if _is_boolean(declared):
        return "integer"
    if _date_kind(declared):
        return "text"
    if _decimal_spec(declared) is not None:
        return None
    kind = affinity(declared)
    if kind == "numeric" or (kind == "blob" and not declared.strip()):
        return None
    return kind


def _date_aggregates(c: str) -> list[_Aggregate]:
    is_text = f"typeof({c})='text'"
    head = f"substr({c},1,19)"
    frac = (
        f"(length({c})=19 OR (substr({c},20,1)='.' AND length({c}) BETWEEN 21 AND 26 "
        f"AND substr({c},21) NOT GLOB '*[^0-9]*'))"
    )
    return [
        (
            "date_texts",
            f"count(CASE WHEN {is_text} AND {c} GLOB '{_DATE_GLOB}' AND {c} >= '0001' "
            f"AND date({c},'+0 days') = {c} THEN 1 END)",
        ),
        (
            "ts_space_texts",
            f"count(CASE WHEN {is_text} AND {c} GLOB '{_DATE_GLOB} {_TIME_GLOB}*' "
            f"AND {c} >= '0001' AND datetime({head},'+0 days') = {head} AND {frac} THEN 1 END)",
        ),
        (
            "ts_t_texts",
            f"count(CASE WHEN {is_text} AND {c} GLOB '{_DATE_GLOB}T{_TIME_GLOB}*' "
            f"AND {c} >= '0001' AND datetime(replace({head},'T',' '),'+0 days') = "
            f"replace({head},'T',' ') AND {frac} THEN 1 END)",
        ),
    ]


def _decimal_aggregates(c: str) -> list[_Aggregate]:
    t = f"(CASE WHEN substr({c},1,1) IN ('-','+') THEN substr({c},2) ELSE {c} END)"
    valid = (
        f"typeof({c})='text' AND {t} <> '' AND {t} NOT GLOB '*[^0-9.]*' AND {t} GLOB '*[0-9]*' "
        f"AND length({t}) - length(replace({t},'.','')) <= 1"
    )
    whole = f"(CASE WHEN instr({t},'.') > 0 THEN substr({t},1,instr({t},'.')-1) ELSE {t} END)"
    return [
        ("decimal_texts", f"count(CASE WHEN {valid} THEN 1 END)"),
        ("decimal_int_digits", f"max(CASE WHEN {valid} THEN length(ltrim({whole},'0')) END)"),
        (
            "decimal_frac_digits",
            f"max(CASE WHEN {valid} THEN (CASE WHEN instr({t},'.') > 0 "
            f"THEN length({t}) - instr({t},'.') ELSE 0 END) END)",
        ),
    ]


def _int_range(c: str) -> list[_Aggregate]:
    # Guarded even where every value should be an integer: an aggregate that returned a text
    # would be decoded by the driver, and a text that is not UTF-8 would fail the profile.
    return [
        ("min_int", f"min(CASE WHEN typeof({c})='integer' THEN {c} END)"),
        ("max_int", f"max(CASE WHEN typeof({c})='integer' THEN {c} END)"),
    ]


def _all_aggregates(name: str, declared: str) -> list[_Aggregate]:
    """Every class count, the integer range, lengths, and the formats the declared type uses."""
    c = quote_ident(name)
    parts = [
        (field, f"count(CASE WHEN typeof({c})='{kind}' THEN 1 END)")
        for kind, field in _CLASS_FIELDS.items()
    ]
    parts += _int_range(c)
    parts += [
        ("max_text_chars", f"max(CASE WHEN typeof({c})='text' THEN length({c}) END)"),
        ("max_blob_bytes", f"max(CASE WHEN typeof({c})='blob' THEN length({c}) END)"),
    ]
    if _date_kind(declared):
        parts += _date_aggregates(c)
    if _decimal_spec(declared) is not None:
        parts += _decimal_aggregates(c)
    return parts


def _expected_aggregates(name: str, declared: str, expected: str) -> list[_Aggregate]:
    """Proof that the column holds ``expected`` alone, and the details its decision reads then
    (see ``_choose_profiled``); the details are read only when the proof holds.

    The proof is one aggregate (each costs per row): a value of the expected class adds 1, a
    NULL 0, any other value ``_SURPRISE``. The sum is below ``_SURPRISE`` exactly when no other
    class occurs, and is then the count of the expected class. ``total()`` adds in doubles and
    never overflows; its sum of ones is exact far beyond any table's size.
    """
    c = quote_ident(name)
    parts = [
        (
            "expected",
            f"total(CASE typeof({c}) WHEN '{expected}' THEN 1 WHEN 'null' THEN 0 "
            f"ELSE {_SURPRISE} END)",
        )
    ]
    if expected == "integer" and (_is_boolean(declared) or _decimal_spec(declared) is not None):
        parts += _int_range(c)
    if expected == "text":
        if _varchar_limit(declared) is not None:
            parts.append(("max_text_chars", f"max(length({c}))"))
        if _date_kind(declared):
            parts += _date_aggregates(c)
        if _decimal_spec(declared) is not None:
            parts += _decimal_aggregates(c)
    return parts


def _select(table_sql: str, plan: list[list[_Aggregate]]) -> str:
    parts = ["count(*)"] + [sql for aggregates in plan for _, sql in aggregates]
    return f"SELECT {', '.join(parts)} FROM {table_sql}"


def _split(row: tuple[object, ...], plan: list[list[_Aggregate]]) -> list[dict[str, object]]:
    values, at = [], 1
    for aggregates in plan:
        values.append({field: row[at + k] for k, (field, _) in enumerate(aggregates)})
        at += len(aggregates)
    return values


def _int(value: object) -> int:
    return 0 if value is None else int(value)  # type: ignore[call-overload]


def _opt(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _profile(values: dict[str, object], total: int) -> ColumnProfile:
    counts = [_int(values.get(field)) for field in _CLASS_FIELDS.values()]
    return ColumnProfile(
        integers=counts[0],
        reals=counts[1],
        texts=counts[2],
        blobs=counts[3],
        nulls=total - sum(counts),
        min_int=_opt(values.get("min_int")),
        max_int=_opt(values.get("max_int")),
        max_text_chars=_opt(values.get("max_text_chars")),
        max_blob_bytes=_opt(values.get("max_blob_bytes")),
        date_texts=_int(values.get("date_texts")),
        ts_space_texts=_int(values.get("ts_space_texts")),
        ts_t_texts=_int(values.get("ts_t_texts")),
        decimal_texts=_int(values.get("decimal_texts")),
        decimal_int_digits=_int(values.get("decimal_int_digits")),
        decimal_frac_digits=_int(values.get("decimal_frac_digits")),
    )


def profile_sql(table_sql: str, columns: list[str], declared: list[str] | None = None) -> str:
    """One SELECT with every aggregate for every column: scan 2 uses it for the columns that
    surprised scan 1, and it is the reference the cheaper profile is tested and timed against."""
    types = declared if declared is not None else [""] * len(columns)
    return _select(table_sql, [_all_aggregates(n, d) for n, d in zip(columns, types, strict=True)])


def parse_profile(
    row: tuple[object, ...], columns: list[str], declared: list[str] | None = None
) -> tuple[int, list[ColumnProfile]]:
    """The row count and the profiles from the row ``profile_sql`` returned."""
    types = declared if declared is not None else [""] * len(columns)
    plan = [_all_aggregates(n, d) for n, d in zip(columns, types, strict=True)]
    total = _int(row[0])
    return total, [_profile(v, total) for v in _split(row, plan)]


def profile_table(
    query: Query, table_sql: str, columns: list[str], declared: list[str]
) -> tuple[int, list[ColumnProfile]]:
    """The row count and each column's profile, with as few aggregates as the decisions need.

    A profile proven to hold one class carries only the details its declared type's decision
    reads (``min_int``/``max_int`` for BOOLEAN and DECIMAL, ``max_text_chars`` for VARCHAR(n),
    format counts for DATE/TIMESTAMP and DECIMAL); the others are left None or 0. Class counts
    and NULL counts are always exact.
    """
    expected = [expected_class(d) for d in declared]
    if None in expected:
        first = query(
            f"SELECT {', '.join(f'typeof({quote_ident(n)})' for n in columns)} "
            f"FROM {table_sql} LIMIT 1"
        )
        if first:
            expected = [
                str(k) if e is None and k in _CLASS_FIELDS else e
                for e, k in zip(expected, first[0], strict=True)
            ]
    plan = [
        _all_aggregates(n, d) if e is None else _expected_aggregates(n, d, e)
        for n, d, e in zip(columns, declared, expected, strict=True)
    ]
    (row,) = query(_select(table_sql, plan))
    total = _int(row[0])
    profiles: list[ColumnProfile | None] = []
    surprised = []
    for i, (kind, values) in enumerate(zip(expected, _split(row, plan), strict=True)):
        if kind is None:
            profiles.append(_profile(values, total))
        elif float(values["expected"] or 0) < _SURPRISE:  # type: ignore[arg-type]
            values[_CLASS_FIELDS[kind]] = values["expected"]
            profiles.append(_profile(values, total))
        else:
            profiles.append(None)
            surprised.append(i)
    if surprised:
        again = [_all_aggregates(columns[i], declared[i]) for i in surprised]
        (row,) = query(_select(table_sql, again))
        for i, values in zip(surprised, _split(row, again), strict=True):
            profiles[i] = _profile(values, _int(row[0]))
    done = [p for p in profiles if p is not None]
    assert len(done) == len(columns)
    return total, done


# -- choosing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Choice:
    arrow_type: pa.DataType
    target_type: str | None = None
    note: str | None = None


def choose(name: str, declared: str, profile: ColumnProfile | None, notnull: bool) -> Column:
    """Pick the Arrow type (and, where needed, the target type) that holds every value."""
    classes = profile.classes if profile is not None else ()
    if profile is None or not classes:
        choice = _Choice(_declared_arrow_type(declared))
    else:
        choice = _choose_profiled(declared, profile, classes)
    notes = [choice.note] if choice.note else []
    if (
        profile is not None
        and classes
        and not notes
        and affinity(declared) not in _natural(choice.arrow_type)
    ):
        notes.append(f"declared {declared or 'untyped'} but every value is {'/'.join(classes)}")
    return Column(
        name=name,
        arrow_type=choice.arrow_type,
        source_type=declared,
        nullable=not notnull,
        target_type=choice.target_type,
        observed=classes,
        notes=tuple(notes),
    )


def _choose_profiled(declared: str, p: ColumnProfile, classes: tuple[str, ...]) -> _Choice:
    decimal = _decimal_spec(declared)
    if decimal is not None and set(classes) <= {"integer", "text"}:
        exact = _exact_decimal(declared, decimal, p, classes)
        if exact is not None:
            return exact
    date_kind = _date_kind(declared)
    if date_kind and classes == ("text",):
        return _date_choice(declared, p)
    if classes == ("integer",):
        return _integer_choice(declared, p)
    if classes == ("real",):
        if isinstance(decimal, tuple):
            return _Choice(
                pa.float64(),
                note=f"declared {declared} but stored as REAL: DOUBLE PRECISION keeps each value "
                f"exactly (--cast TABLE.COLUMN=numeric({decimal[0]},{decimal[1]}) rounds instead)",
            )
        if date_kind:
            return _Choice(
                pa.float64(), note=f"declared {declared} but holds reals: not guessed at"
            )
        return _Choice(pa.float64())
    if set(classes) == {"integer", "real"}:
        biggest = max(abs(p.min_int or 0), abs(p.max_int or 0))
        if biggest <= EXACT_FLOAT_INT:
            why = "integers and reals mixed: stored as DOUBLE PRECISION (every integer is exact)"
            if isinstance(decimal, tuple):
                why = (
                    f"declared {declared} but holds reals: DOUBLE PRECISION keeps each value "
                    f"exactly (--cast TABLE.COLUMN=numeric({decimal[0]},{decimal[1]}) rounds)"
                )
            return _Choice(pa.float64(), note=why)
        return _Choice(
            pa.string(),
            target_type="numeric",
            note="integers beyond 2^53 mixed with reals: NUMERIC (a double would round them)",
        )
    if "blob" in classes:
        note = None
        if len(classes) > 1:
            note = f"mixed storage classes {'/'.join(classes)}: stored as bytes (text as UTF-8)"
        return _Choice(pa.binary(), note=note)
    if classes == ("text",):
        return _text_choice(declared, p)
    why = f"mixed storage classes {'/'.join(classes)}: stored as text"
    if date_kind:
        why += " (integers in a date/time column are not guessed at)"
    return _Choice(pa.string(), note=why)


def _integer_choice(declared: str, p: ColumnProfile) -> _Choice:
    if _is_boolean(declared) and p.min_int is not None and p.max_int is not None:
        if p.min_int >= 0 and p.max_int <= 1:
            return _Choice(pa.bool_())
        return _Choice(
            pa.int64(),
            note=f"declared {declared} but holds integers other than 0/1: kept as BIGINT",
        )
    if _date_kind(declared):
        return _Choice(
            pa.int64(),
            note=f"declared {declared} but holds integers: kept as BIGINT (Unix epochs are not "
            "guessed at)",
        )
    return _Choice(pa.int64())


def _exact_decimal(
    declared: str, spec: tuple[int, int] | bool, p: ColumnProfile, classes: tuple[str, ...]
) -> _Choice | None:
    """NUMERIC as declared when every value is an integer or an exact decimal text."""
    if p.decimal_texts != p.texts:
        return None  # some text is not a number: the text rule decides
    int_digits = max(
        p.decimal_int_digits,
        len(str(abs(p.min_int))) if p.min_int else 0,
        len(str(abs(p.max_int))) if p.max_int else 0,
    )
    if spec is True:
        if classes == ("integer",):
            return None  # a bare NUMERIC of integers is simply BIGINT
        return _Choice(pa.string(), target_type="numeric", note="exact decimal text: NUMERIC")
    assert isinstance(spec, tuple)
    precision, scale = spec
    if int_digits <= precision - scale and p.decimal_frac_digits <= scale:
        if precision <= MAX_DECIMAL128_DIGITS:
            return _Choice(pa.decimal128(precision, scale))
        return _Choice(pa.string(), target_type=f"numeric({precision},{scale})")
    if classes == ("integer",):
        return _Choice(
            pa.int64(),
            note=f"declared {declared} but holds integers of {int_digits} digits: kept as BIGINT",
        )
    return _Choice(
        pa.string(),
        target_type="numeric",
        note=f"declared {declared} but holds exact values that do not fit it: unbounded NUMERIC",
    )


def _date_choice(declared: str, p: ColumnProfile) -> _Choice:
    fmt = {
        p.date_texts: ("date", pa.date32(), "YYYY-MM-DD"),
        p.ts_space_texts: ("timestamp", pa.timestamp("us"), "YYYY-MM-DD HH:MM:SS[.ffffff]"),
        p.ts_t_texts: ("timestamp", pa.timestamp("us"), "YYYY-MM-DDTHH:MM:SS[.ffffff]"),
    }.get(p.texts)
    if fmt is not None:
        kind, arrow_type, pattern = fmt
        note = None
        if kind != _date_kind(declared):
            note = f"declared {declared} but every value is {pattern}: {kind.upper()}"
        return _Choice(arrow_type, note=note)
    best = max(p.date_texts, p.ts_space_texts, p.ts_t_texts)
    return _Choice(
        pa.string(),
        note=f"declared {declared} but {p.texts - best:,} of {p.texts:,} values do not share one "
        "exact date/time format (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS[.ffffff] or with T; no time "
        "zone, at most microseconds): kept as text",
    )


def _text_choice(declared: str, p: ColumnProfile) -> _Choice:
    limit = _varchar_limit(declared)
    if limit is not None:
        longest = p.max_text_chars or 0
        if longest <= limit:
            return _Choice(pa.string(), target_type=f"varchar({limit})")
        return _Choice(
            pa.string(),
            note=f"declared {declared} but holds values of up to {longest:,} characters: text",
        )
    return _Choice(pa.string())


def _natural(arrow_type: pa.DataType) -> tuple[str, ...]:
    if pa.types.is_boolean(arrow_type):
        return ("integer", "numeric")
    if pa.types.is_integer(arrow_type):
        return ("integer", "numeric")
    if pa.types.is_floating(arrow_type):
        return ("real", "numeric")
    if pa.types.is_binary(arrow_type):
        return ("blob",)
    if pa.types.is_decimal(arrow_type):
        return ("numeric",)
    return ("text", "numeric", "blob")


def _declared_arrow_type(declared: str) -> pa.DataType:
    if _is_boolean(declared):
        return pa.bool_()
    return {
        "integer": pa.int64(),
        "real": pa.float64(),
        "text": pa.string(),
        "blob": pa.string() if not declared else pa.binary(),
        "numeric": pa.string(),
    }[affinity(declared)]


def read_expression(column: Column) -> str:
    """The SELECT expression that hands the driver one storage class for this column."""
    c = quote_ident(column.name)
    arrow_type, classes = column.arrow_type, column.observed
    if pa.types.is_floating(arrow_type) and classes != ("real",):
        return f"CAST({c} AS REAL)"
    if (pa.types.is_string(arrow_type) or pa.types.is_decimal(arrow_type)) and classes not in (
        (),
        ("text",),
    ):
        # The bundled SQLite (3.53) prints reals with round-trip precision, so this is exact,
        # except for -0.0, which it prints as 0.0 (atan2 tells the zeros apart).
        if "real" in classes:
            return (
                f"CASE WHEN typeof({c})='real' AND {c} = 0 AND atan2({c}, -1.0) < 0 "
                f"THEN '-0.0' ELSE CAST({c} AS TEXT) END"
            )
        return f"CAST({c} AS TEXT)"
    if pa.types.is_binary(arrow_type) and classes not in ((), ("blob",)):
        return f"CAST({c} AS BLOB)"
    return c


def primer_literal(arrow_type: pa.DataType) -> str:
    """A literal of the column's class for the typed first row that fixes the driver's types."""
    if pa.types.is_boolean(arrow_type) or pa.types.is_integer(arrow_type):
        return "0"
    if pa.types.is_floating(arrow_type):
        return "0.5"
    if pa.types.is_binary(arrow_type):
        return "x''"
    return "''"  # text, and the types converted from text (decimal, date, timestamp)
