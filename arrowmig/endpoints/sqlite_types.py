"""Picks, per SQLite column, an Arrow type that holds every value its profile found, and the
SELECT expression that hands the driver those values in that type's storage class.

The rules (the README's "SQLite sources: profiled, then mapped" has them as a table): integers
stay BIGINT; reals are doubles; integers mixed with reals become doubles only while every
integer is exact in a double; DECIMAL(p,s) keeps its precision when every value fits it (a real
fits when it is the double nearest a decimal of s places), and is a double when SQLite stored
reals that do not; BOOLEAN is boolean only for 0/1; dates, timestamps and times stored as text become dates,
timestamps and times only when every value has one exact format (a timestamp's date and time
apart by a space or a T, either); VARCHAR(n) is varchar(n) only
when every value fits. Anything else is text (or bytes), and flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pyarrow as pa

from arrowmig.argument_words import CAST_THIS
from arrowmig.endpoints.sqlite_profile import (
    EXACT_FLOAT_INT,
    ColumnProfile,
    affinity,
    date_kind,
    decimal_spec,
    is_boolean,
    is_interval,
    is_json,
    is_time,
    varchar_limit,
)
from arrowmig.model import Column
from arrowmig.pg_numeric import MAX_DECIMAL128_DIGITS, numeric_postgresql_declares
from arrowmig.schema import CORE_DATA_EPOCH, JULIAN_CAST, quote_ident


@dataclass(frozen=True)
class _Choice:
    arrow_type: pa.DataType
    target_type: str | None = None
    note: str | None = None
    julian_range: bool = False
    """Every number is in the julian-day range (``Column.julian_range``)."""


def choose(
    name: str, declared: str, profile: ColumnProfile | None, notnull: bool, table: str = ""
) -> Column:
    """Pick the Arrow type (and, where needed, the target type) that holds every value of
    column ``name`` of ``table``."""
    classes = profile.classes if profile is not None else ()
    if profile is None:
        choice = _Choice(_declared_arrow_type(declared))
    elif not classes:
        choice = _as_declared(declared)
    else:
        choice = _choose_profiled(declared, profile, classes)
    if _core_data_date(table, name, declared, choice.arrow_type):
        choice = replace(choice, note=_core_data_note(declared, choice.arrow_type))
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
        class_counts=(
            None
            if profile is None
            else (profile.integers, profile.reals, profile.texts, profile.blobs)
        ),
        notes=tuple(notes),
        julian_range=choice.julian_range,
    )


_CHOICE_NOTE_OPENINGS = (
    "declared ",
    "integers and reals mixed: ",
    "integers beyond 2^53 mixed with reals: ",
    "mixed storage classes ",
    "exact decimal text: ",
)
"""How every note of ``choose`` opens (and ``pg_nanoseconds``' text in its place)."""


def classes_mixed(column: Column) -> bool:
    """Whether the profile found values of several storage classes in the source ``column``:
    read as one Arrow type, some arrive as another class than they are stored as (1 as 1.0,
    or as bytes)."""
    return len(set(column.observed) - {"null"}) > 1


def classes_lost_in(column: Column, declared: str) -> bool:
    """Whether writing the mixed ``column`` as its one Arrow type into an existing column
    ``declared`` so (of a table that is not STRICT) stores some value in another class than
    SQLite's own copy would: bytes stay bytes under every affinity (the integer 1 as x'31'),
    and a column without affinity (untyped, BLOB) turns nothing back (1 stays '1')."""
    if not classes_mixed(column):
        return False
    travels = column.arrow_type
    return (
        pa.types.is_binary(travels)
        or pa.types.is_large_binary(travels)
        or (affinity(declared) == "blob")
    )


def is_type_choice_note(note: str) -> bool:
    """Whether a column's ``note`` says which type its profile chose (``choose``): the type
    of a column the run creates. A column that exists keeps its own type, and the values are
    converted to it or refused by it (``preflight``, --on-error reject), whatever was chosen."""
    return note.startswith(_CHOICE_NOTE_OPENINGS)


_CORE_DATA_NAME = re.compile(r"^Z[A-Z0-9_]+$")
"""Core Data's tables and columns: ZNOTE.ZCREATIONDATE, Z_PRIMARYKEY."""


def _core_data_date(table: str, name: str, declared: str, arrow_type: pa.DataType) -> bool:
    """Whether this is a date of a Core Data store held as numbers: seconds since 2001, not
    since 1970 as the epoch_s this module otherwise suggests."""
    numbers = pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)
    return core_data_shaped(table, name) and numbers and date_kind(declared) is not None


def core_data_shaped(table: str, name: str) -> bool:
    """Whether a table and column are named as Core Data names them (ZNOTE.ZCREATIONDATE)."""
    return bool(_CORE_DATA_NAME.match(table) and _CORE_DATA_NAME.match(name))


def _core_data_note(declared: str, arrow_type: pa.DataType) -> str:
    kept = "BIGINT" if pa.types.is_integer(arrow_type) else "DOUBLE"
    return (
        f"declared {declared} but holds numbers: kept as {kept} (a Core Data table: "
        f"--cast {CAST_THIS}={CORE_DATA_EPOCH} reads seconds since 2001-01-01 UTC, as Core "
        "Data stores dates; epoch_s would put each 31 years early)"
    )


def _as_declared(declared: str) -> _Choice:
    """A column with no value at all (an app's fresh schema): the declaration decides, as
    values that prove it would (a VARCHAR(n) holds every one of none), never text for a
    DATETIME or DECIMAL(10,2) that nothing contradicts."""
    limit = varchar_limit(declared)
    if limit is not None:
        return _Choice(pa.string(), target_type=f"varchar({limit})")
    kind = date_kind(declared)
    if kind is not None:
        return _Choice(_DATE_TYPES[kind])
    if is_time(declared):
        return _Choice(pa.time64("us"))
    if is_interval(declared):
        return _Choice(pa.string())  # as its texts would be: INTEGER affinity is by its name only
    if is_json(declared):
        return _Choice(pa.string(), target_type="json")
    spec = decimal_spec(declared)
    if isinstance(spec, tuple):
        if spec[0] <= MAX_DECIMAL128_DIGITS:
            return _Choice(pa.decimal128(*spec))
        return _Choice(pa.string(), target_type=f"numeric({spec[0]},{spec[1]})")
    if spec is True:
        return _Choice(pa.float64(), target_type="numeric")  # as a bare DECIMAL of reals
    return _Choice(_declared_arrow_type(declared))


_DATE_TYPES = {
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
}


def _choose_profiled(declared: str, p: ColumnProfile, classes: tuple[str, ...]) -> _Choice:
    decimal = decimal_spec(declared)
    if decimal is not None and set(classes) <= {"integer", "real", "text"}:
        exact = _exact_decimal(declared, decimal, p, classes)
        if exact is not None:
            return exact
    dated = date_kind(declared)
    if dated and classes == ("text",):
        return _date_choice(declared, p)
    if classes == ("integer",):
        return _integer_choice(declared, p)
    if classes == ("real",):
        if isinstance(decimal, tuple):
            return _Choice(
                pa.float64(),
                note=f"declared {declared} but holds reals that it cannot hold exactly: a 64-bit "
                f"float keeps each value (--cast {CAST_THIS}="
                f"{numeric_postgresql_declares(*decimal)} rounds instead)",
            )
        if dated and _julian_days(p):
            return _Choice(pa.float64(), note=_julian_note(declared, "DOUBLE"), julian_range=True)
        if dated:
            return _Choice(
                pa.float64(),
                note=f"declared {declared} but holds reals: kept as DOUBLE (their unit is not "
                f"guessed at: --cast {CAST_THIS}=epoch_s reads seconds since 1970, as Python's "
                "time.time() writes them; epoch_ms, epoch_us)",
            )
        return _Choice(pa.float64())
    if set(classes) == {"integer", "real"}:
        biggest = max(abs(p.min_int or 0), abs(p.max_int or 0))
        if biggest <= EXACT_FLOAT_INT:
            if dated and _julian_days(p):
                # A DATETIME's NUMERIC affinity stores julianday() of noon as an integer.
                return _Choice(
                    pa.float64(), note=_julian_note(declared, "DOUBLE"), julian_range=True
                )
            why = "integers and reals mixed: stored as a 64-bit float (every integer is exact)"
            if isinstance(decimal, tuple):
                why = (
                    f"declared {declared} but holds reals that it cannot hold exactly: a 64-bit "
                    f"float keeps each value (--cast {CAST_THIS}="
                    f"{numeric_postgresql_declares(*decimal)} rounds)"
                )
            return _Choice(pa.float64(), note=why)
        return _Choice(
            pa.string(),
            target_type="numeric",
            note="integers beyond 2^53 mixed with reals: NUMERIC (a double would round them); "
            "each integer is exact, each real its round-trip text as SQLite writes it (15 "
            "significant digits, or 17 where 15 do not read back: the real 2^63 as "
            "9.2233720368547758e+18, the real 2^64 as 1.8446744073709552e+19, in a numeric "
            "18446744073709552000: the same double, not its exact value 18446744073709551616)",
        )
    if "blob" in classes:
        return _Choice(pa.binary(), note=_bytes_note(classes) if len(classes) > 1 else None)
    if classes == ("text",) and is_time(declared):
        if p.time_texts == p.texts:
            # Read as micro- or nanoseconds of the day (read_expression).
            return _Choice(pa.time64("ns" if (p.max_text_chars or 0) > 15 else "us"))
        return _Choice(
            pa.string(),
            note=f"declared {declared} but {p.texts - p.time_texts:,} of {p.texts:,} values are "
            "not a time of day as HH:MM:SS[.fffffffff]: kept as text",
        )
    if classes == ("text",):
        return _text_choice(declared, p)
    if is_boolean(declared) and classes == ("integer", "text") and _zeros_and_ones(p):
        # Rails 5 writes 1/0 where Rails 4 wrote 't'/'f': a table written by both. The cast
        # is named whatever the texts are, with the count of those it would not convert.
        return _boolean_text_choice(declared, p, "0/1 and text")
    why = f"mixed storage classes {'/'.join(classes)}: stored as text"
    if dated:
        why += " (integers in a date/time column are not guessed at)"
    return _Choice(pa.string(), note=why)


def _bytes_note(classes: tuple[str, ...]) -> str:
    """What a column of blobs and other classes becomes as bytes: each value the bytes of its
    text, so that values SQLite tells apart by class (the integer 1, the text '1', the blob
    x'31') become one, and verify, which compares the bytes, cannot tell them apart."""
    how = {
        "integer": "an integer as the bytes of its decimal text (1 as b'1')",
        "real": "a real as the bytes of its round-trip text as SQLite writes it (1.0 as b'1.0', "
        "1e308 as b'1.0e+308')",
        "text": "text as its UTF-8 bytes",
    }
    said = "; ".join(how[c] for c in classes if c in how)
    return (
        f"mixed storage classes {'/'.join(classes)}: stored as bytes ({said}): a value of "
        "another class that spells a blob's bytes becomes that blob (the integer 1, the text "
        "'1' and the blob x'31' are all b'1'), and verify, comparing bytes, sees no difference"
    )


def _julian_days(p: ColumnProfile) -> bool:
    """Whether every number of a date/time column is a julian day of the years 1 to 9999:
    as seconds since 1970 they would all fall in January and February 1970."""
    return 0 < p.julian_numbers == p.integers + p.reals


def _julian_note(declared: str, kept: str) -> str:
    # The range is a guess at the unit, not a proof: 2024001 is a julian day of 829 BC and an
    # ordinal date (YYYYDDD) of 2024-01-01.
    ordinal = "; 7-digit integers may instead be ordinal dates, YYYYDDD" if kept == "BIGINT" else ""
    return (
        f"declared {declared} but holds numbers in the julian-day range, as SQLite's "
        f"julianday() writes them: kept as {kept} (--cast {CAST_THIS}={JULIAN_CAST} reads them "
        f"as julian days; epoch_s would put each in 1970{ordinal})"
    )


def _integer_choice(declared: str, p: ColumnProfile) -> _Choice:
    if is_boolean(declared) and p.min_int is not None and p.max_int is not None:
        if p.min_int >= 0 and p.max_int <= 1:
            return _Choice(pa.bool_())
        return _Choice(
            pa.int64(),
            note=f"declared {declared} but holds integers other than 0/1: kept as BIGINT",
        )
    if date_kind(declared) and _julian_days(p):
        return _Choice(pa.int64(), note=_julian_note(declared, "BIGINT"), julian_range=True)
    if date_kind(declared):
        return _Choice(
            pa.int64(),
            note=f"declared {declared} but holds integers: kept as BIGINT (their unit is not "
            f"guessed at: --cast {CAST_THIS}=epoch_ms reads milliseconds since 1970, as Prisma "
            "stores dates; epoch_s, epoch_us)",
        )
    return _Choice(pa.int64())


def _exact_decimal(
    declared: str, spec: tuple[int, int] | bool, p: ColumnProfile, classes: tuple[str, ...]
) -> _Choice | None:
    """NUMERIC as declared when every value is an integer, an exact decimal text, or a real
    that is the double nearest a decimal of DECIMAL(p,s) (Chinook's ``NUMERIC(10,2)`` prices:
    SQLite's numeric affinity stored ``0.99`` as a real, and ``0.99`` reads back as that same
    double). A bare NUMERIC
    (Django's ``decimal``, Northwind's prices) holds any real: each is the decimal of its
    shortest round-trip text, so PostgreSQL's unbounded numeric keeps it exactly."""
    if p.decimal_texts != p.texts:
        return None  # some text is not a number: the text rule decides
    if p.reals and isinstance(spec, tuple) and p.decimal_reals != p.reals:
        return None  # a real that no decimal of this type is: the double rule decides
    int_digits = max(
        p.decimal_int_digits,
        len(str(abs(p.min_int))) if p.min_int else 0,
        len(str(abs(p.max_int))) if p.max_int else 0,
    )
    if spec is True:
        if classes == ("integer",):
            return None  # a bare NUMERIC of integers is simply BIGINT
        if "text" in classes:
            return _Choice(pa.string(), target_type="numeric", note="exact decimal text: NUMERIC")
        if max(abs(p.min_int or 0), abs(p.max_int or 0)) > EXACT_FLOAT_INT:
            return None  # integers a double would round: the exact-text rule decides
        # Doubles on the way; PostgreSQL parses each one's shortest text into numeric, other
        # targets keep the double (DuckDB's bare DECIMAL would be (18,3)).
        return _Choice(pa.float64(), target_type="numeric")
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
    if p.reals:
        return None  # reals that do not fit (p,s): a double holds each exactly
    return _Choice(
        pa.string(),
        target_type="numeric",
        note=f"declared {declared} but holds exact values that do not fit it: unbounded NUMERIC",
    )


def _date_choice(declared: str, p: ColumnProfile) -> _Choice:
    # Nanoseconds as arrowmig writes them (TIMESTAMP_NS) are read as such when every value is
    # an instant TIMESTAMP_NS holds; otherwise (and into PostgreSQL, ``pg_nanoseconds``) the
    # column is text, every digit carried.
    if p.fraction_digits > 6 and p.beyond_nanos:
        return _Choice(
            pa.string(),
            note=f"declared {declared} but holds digits below a microsecond, and "
            f"{p.beyond_nanos:,} of {p.texts:,} values are outside the instants a nanosecond "
            "timestamp holds (1677-09-21 to 2262-04-11): kept as text, every digit carried",
        )
    unit = "ns" if p.fraction_digits > 6 else "us"
    formats = [
        (p.date_texts, "date", pa.date32(), "YYYY-MM-DD"),
        # A space or a T between date and time, either on any value: both name the same
        # instant to PostgreSQL, DuckDB and Arrow's cast.
        (p.ts_texts, "timestamp", pa.timestamp(unit), "YYYY-MM-DD HH:MM:SS[.ffffff] (or with T)"),
        (
            p.ts_zone_texts,
            "timestamptz",
            pa.timestamp(unit, tz="UTC"),
            "YYYY-MM-DD HH:MM:SS[.ffffff] (or with T) and a UTC offset (each kept as the "
            "instant it names)",
        ),
    ]
    # ±infinity is a value of every format: a column of nothing else is what it is declared.
    fitting = sorted(
        (f for f in formats if f[0] == p.texts), key=lambda f: f[1] != date_kind(declared)
    )
    if fitting:
        _, kind, arrow_type, pattern = fitting[0]
        note = None
        if kind != date_kind(declared):
            note = f"declared {declared} but every value is {pattern}: {kind.upper()}"
        return _Choice(arrow_type, note=note)
    best = max(p.date_texts, p.ts_texts, p.ts_zone_texts)
    return _Choice(
        pa.string(),
        note=f"declared {declared} but {p.texts - best:,} of {p.texts:,} values do not share one "
        "exact date/time format (YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS[.ffffff] with a space or "
        "a T, any mix of the two, and a UTC offset on every value or on none; at most "
        "nanoseconds): kept as text",
    )


_BOOLEAN_CAST = f"--cast {CAST_THIS}=boolean converts 't', 'true', 'yes', '1' and their opposites"


def _zeros_and_ones(p: ColumnProfile) -> bool:
    """Whether every integer is 0 or 1."""
    return p.min_int is not None and p.max_int is not None and 0 <= p.min_int <= p.max_int <= 1


def _boolean_text_choice(declared: str, p: ColumnProfile, holds: str) -> _Choice:
    """Text, with the ``--cast`` that converts the boolean words and the count of texts that
    are none of them: 't'/'f' (older Rails), 'true', 'yes': which texts mean true is not
    guessed at."""
    others = p.texts - p.boolean_texts
    also = f"; {others:,} of {p.texts:,} texts are none of them" if others else ""
    return _Choice(
        pa.string(),
        note=f"declared {declared} but holds {holds}: kept as text ({_BOOLEAN_CAST}{also})",
    )


def _text_choice(declared: str, p: ColumnProfile) -> _Choice:
    if is_boolean(declared):
        return _boolean_text_choice(declared, p, "text")
    if is_json(declared):
        if p.json_texts == p.texts:
            # PostgreSQL's json keeps each document's exact text (jsonb would reorder keys,
            # drop duplicates and respace): JSON operators work, nothing changes.
            return _Choice(pa.string(), target_type="json")
        return _Choice(
            pa.string(),
            note=f"declared {declared} but {p.texts - p.json_texts:,} of {p.texts:,} values are "
            "not well-formed JSON: text",
        )
    limit = varchar_limit(declared)
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
    if is_boolean(declared):
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
    if column.proof == "decimal":
        # As stored: the driver reads integers and reals as doubles and fails on anything
        # else; each batch's doubles are then proven and made decimals (``sqlite_proofs``).
        return c
    if pa.types.is_time(arrow_type):
        # 'HH:MM:SS[.f]' as micro- or nanoseconds of the day (Arrow cannot cast text to a
        # time).
        digits = 9 if arrow_type.unit == "ns" else 6
        fraction = f"CAST(substr(substr({c},10) || '{'0' * digits}',1,{digits}) AS INTEGER)"
        return (
            f"(CAST(substr({c},1,2) AS INTEGER)*3600 + CAST(substr({c},4,2) AS INTEGER)*60 "
            f"+ CAST(substr({c},7,2) AS INTEGER))*{10**digits} "
            f"+ (CASE WHEN length({c}) > 9 THEN {fraction} ELSE 0 END)"
        )
    if pa.types.is_floating(arrow_type) and classes != ("real",):
        return f"CAST({c} AS REAL)"
    if pa.types.is_decimal(arrow_type) and "real" in classes:
        # Each real as the decimal of s places it is nearest to (the profile proved it is).
        return (
            f"CASE WHEN typeof({c})='real' THEN printf('%.{arrow_type.scale}f', {c}) "
            f"ELSE CAST({c} AS TEXT) END"
        )
    real_text = (
        f"CASE WHEN typeof({c})='real' AND {c} = 0 AND atan2({c}, -1.0) < 0 "
        f"THEN '-0.0' ELSE CAST({c} AS TEXT) END"
    )
    if (pa.types.is_string(arrow_type) or pa.types.is_decimal(arrow_type)) and classes not in (
        (),
        ("text",),
    ):
        # The bundled SQLite (3.53) prints reals with round-trip precision, so this is exact,
        # except for -0.0, which it prints as 0.0 (atan2 tells the zeros apart).
        if "real" in classes and column.whole_reals_as_integers:
            whole = f"typeof({c})='real' AND {c} = CAST({c} AS INTEGER) AND abs({c}) < 9.2e18"
            return f"CASE WHEN {whole} THEN CAST(CAST({c} AS INTEGER) AS TEXT) ELSE {real_text} END"
        if "real" in classes:
            return real_text
        return f"CAST({c} AS TEXT)"
    if pa.types.is_string(arrow_type) and not classes and affinity(column.source_type) != "text":
        # Not profiled (--no-profile): a NUMERIC or untyped column read as text may hold reals,
        # which the driver would write into text as C's %e (3.14159265358979 as 3.141593e+00).
        return f"CASE WHEN typeof({c})='real' THEN {real_text} ELSE {c} END"
    if pa.types.is_binary(arrow_type) and classes not in ((), ("blob",)):
        if "real" in classes:  # -0.0 as b'-0.0', not 0.0's bytes (see real_text)
            return (
                f"CASE WHEN typeof({c})='real' AND {c} = 0 AND atan2({c}, -1.0) < 0 "
                f"THEN CAST('-0.0' AS BLOB) ELSE CAST({c} AS BLOB) END"
            )
        return f"CAST({c} AS BLOB)"
    return c


def unproven_class_test(column: Column) -> str | None:
    """For a column read by its declared type alone (``--no-profile``: neither profiled nor
    presumed), the comparison true for a value that the read would change without a word: a
    blob where text is read (the driver hands x'41' over as 'A'), anything but a blob where
    bytes are (the text 'abc' and the integer 42 as b'abc' and b'42'), a boolean number other
    than 0 and 1 (2 as true) or a blob (text such as 'true' is the boolean read's to convert),
    and text or a blob where doubles are (the driver reads 'abc', '' and x'41' as 0.0 and
    '1.5x' as 1.5). None where the driver's int64 read refuses another class itself (a value
    the first batch's cast does not take, "Type mismatch" past it), and for columns whose
    classes are proven otherwise.
    Comparisons order classes NULL < numbers < text < blob: no function call per row."""
    if column.proof is not None or column.class_counts is not None:
        return None
    c = quote_ident(column.name)
    if pa.types.is_boolean(column.arrow_type):
        # Numbers sort below '' and blobs from x'' up: text is neither.
        return f"({c} < '' AND {c} NOT IN (0, 1)) OR {c} >= x''"
    if pa.types.is_binary(column.arrow_type):
        return f"{c} < x''"
    if pa.types.is_string(column.arrow_type):
        return f"{c} >= x''"
    if pa.types.is_floating(column.arrow_type):
        # Text and blobs both sort from '' up. A REAL column's affinity made numeric-looking
        # text a number as it was stored: what is still text is not one.
        return f"{c} >= ''"
    return None


def unproven_class_column(columns: tuple[Column, ...]) -> str | None:
    """The SELECT expression of a row's first column (its index) holding a value of another
    class than the column is read as (``unproven_class_test``), NULL where none does; None
    when no column needs the test."""
    tests = [(i, unproven_class_test(c)) for i, c in enumerate(columns)]
    whens = [f"WHEN {test} THEN {i}" for i, test in tests if test is not None]
    return f"CASE {' '.join(whens)} END" if whens else None


def primer_literal(column: Column) -> str:
    """A literal of the column's class for the typed first row that fixes the driver's types."""
    arrow_type = column.arrow_type
    if column.proof == "decimal":
        return "0.5"  # read as doubles (read_expression)
    if pa.types.is_boolean(arrow_type) or pa.types.is_integer(arrow_type):
        return "0"
    if pa.types.is_time(arrow_type):
        return "0"  # read as microseconds (read_expression)
    if pa.types.is_floating(arrow_type):
        return "0.5"
    if pa.types.is_binary(arrow_type):
        return "x''"
    return "''"  # text, and the types converted from text (decimal, date, timestamp)
