"""Verify's word on a column whose values match but whose target type is narrower than the
source's (real for double precision, integer for bigint) or of another family (text for date).

Verify compares values: a target table another tool created passes while every value fits, and
the next value written (a bigint past 2^31, a third decimal) is refused or rounded there. The
types arrowmig itself picks (README's type mapping) and a ``--cast`` the run recorded are not
noted: they are the run's own choices. A DuckDB LIST, STRUCT or MAP in a DuckDB column of
another nested type is noted member by member (``verify_members``).
"""

from __future__ import annotations

from collections.abc import Collection

import pyarrow as pa

from arrowmig import normalise
from arrowmig.endpoints.duckdb import is_nested_type
from arrowmig.endpoints.sqlite_profile import decimal_spec, varchar_limit
from arrowmig.model import Column
from arrowmig.normalise import (
    DECIMAL,
    INTERVAL,
    NUMTEXT,
    TEXT,
    TIMESTAMP,
    ColumnPair,
    kind_of,
    plain_type,
)
from arrowmig.schema import ddl_type, is_pg_interval, is_pg_timestamp, text_limit
from arrowmig.verify_arrays import elements
from arrowmig.verify_members import paired_members

NOTED_DIALECTS = ("postgresql", "duckdb")
"""Targets whose declared types hold a value to them; a SQLite type is an affinity, and what a
SQLite target holds is checked value by value (``verify_sqlite``)."""

HELD_AS_TEXT_BY_SQLITE = frozenset(
    {
        normalise.DATE,
        normalise.TIME,
        normalise.TIMESTAMP,
        normalise.INTERVAL,
        normalise.UUID,
        normalise.JSON,
        normalise.NESTED,
    }
)
"""Kinds SQLite has no type for, so that its text is how it holds them (a PostgreSQL interval
copied to SQLite and back): a SQLite text column has no stronger type for such a target to
lose, and matching values say the target read each text as its own type. Numbers and bytes,
which SQLite does type, are still noted."""


def type_notes(
    pairs: list[ColumnPair], dialects: tuple[str, str], leave_out: Collection[str]
) -> list[str]:
    """``column: values match, but ...`` for each compared column (not in ``leave_out``: those
    that differ, or were cast) whose target type is narrower or of another family.
    ``dialects``: the source's and the target's. The caller asks only where both sides hold
    rows: of a table with none on one side, no values match."""
    source_dialect, target_dialect = dialects
    if target_dialect not in NOTED_DIALECTS:
        return []
    notes = []
    for pair in pairs:
        if pair.name in leave_out or pair.source.name in leave_out:
            continue
        if source_dialect == "sqlite" and _held_as_text(pair.source, pair.target):
            continue
        note = _note(pair, dialects)
        if note:
            notes.append(note)
    return notes


def _note(pair: ColumnPair, dialects: tuple[str, str]) -> str | None:
    source, target = pair.source, pair.target
    if (
        dialects == ("duckdb", "duckdb")
        and is_nested_type(source.source_type)
        and is_nested_type(target.source_type)
        and _spelled(source.source_type) != _spelled(target.source_type)
    ):
        return _members_note(pair.name, source, target)
    how = _apart(source, target, dialects)
    if how is None:
        return None
    return (
        f"{pair.name}: values match, but the target's type is {how} (source "
        f"{source.source_type or '(none)'}, target {target.source_type})"
    )


def _members_note(name: str, source: Column, target: Column) -> str:
    """A DuckDB LIST, STRUCT or MAP into one of another DuckDB type, said member by member:
    arrowmig creates each as the source's own type, so a member apart is another's doing (or
    an older arrowmig's: a UUID member as VARCHAR), and every one is said, wider ones too (a
    VARCHAR member takes text a UUID or ENUM member refused)."""
    members = paired_members(name, source.source_type, target.source_type)
    if members is None:
        return (
            f"{name}: values match, but the target's type is nested otherwise (source "
            f"{source.source_type}, target {target.source_type})"
        )
    said = [
        f"{path} is {_kinds_apart(theirs, ours, ('duckdb', 'duckdb')) or 'of another type'} "
        f"(source {theirs.source_type}, target {ours.source_type})"
        for path, theirs, ours in members
    ]
    differ = "a member's type differs" if len(said) == 1 else "members' types differ"
    return f"{name}: values match, but {differ} in the target: {'; '.join(said)}"


def _held_as_text(source: Column, target: Column) -> bool:
    """A SQLite text column whose target is of a kind SQLite holds as text; or a SQLite
    column of such a kind (DATETIME) whose target is unbounded text, which arrowmig picks
    itself where the column's values are not all of its type (digits below a microsecond,
    forms that do not parse)."""
    source_kind, target_kind = kind_of(source), kind_of(target)
    if source_kind == TEXT:
        return target_kind in HELD_AS_TEXT_BY_SQLITE
    return (
        source_kind in HELD_AS_TEXT_BY_SQLITE
        and target_kind == TEXT
        and text_limit(target.source_type) is None
    )


def _declared_kind(column: Column, dialect: str) -> str:
    """``kind_of``, but a timestamp or interval the server writes as text for verify
    (``verify_server_text``: into a text column, or past Arrow's range) keeps its kind: an
    interval into text is of another family, as a date into text is."""
    kind = kind_of(column)
    if kind != TEXT:
        return kind
    declared = column.source_type
    if (dialect == "postgresql" and is_pg_interval(declared)) or (
        dialect == "duckdb" and declared == "INTERVAL"
    ):
        return INTERVAL
    if dialect == "postgresql" and is_pg_timestamp(declared):
        return TIMESTAMP
    return kind


def _apart(source: Column, target: Column, dialects: tuple[str, str]) -> str | None:
    """ "narrower", "of another family", or None where the target holds what the source can."""
    target_dialect = dialects[1]
    if _spelled(source.source_type) == _spelled(target.source_type):
        return None
    arrays = elements(source), elements(target)
    if arrays[0] is not None and arrays[1] is not None:
        # Arrays of arrays alike (DECIMAL(6,2)[] and numeric(6,2)[], INTEGER[][] and
        # integer[], whose type has no dimensions): as their elements are.
        return _apart(arrays[0].column, arrays[1].column, dialects)
    try:
        if _spelled(ddl_type(source, target_dialect)) == _spelled(target.source_type):
            return None  # arrowmig's own pick for the source's type
    except ValueError:
        pass
    return _kinds_apart(source, target, dialects)


def _kinds_apart(source: Column, target: Column, dialects: tuple[str, str]) -> str | None:
    """``_apart`` by the kinds and Arrow types of the two sides' values alone."""
    target_dialect = dialects[1]
    sk, tk = _declared_kind(source, dialects[0]), _declared_kind(target, target_dialect)
    st, tt = plain_type(source.arrow_type), plain_type(target.arrow_type)
    if dialects[0] == "sqlite" and tk == DECIMAL:
        declared = _sqlite_decimal(source.source_type)
        if declared is not None:
            # Django's `decimal` is read as the numbers SQLite stored (reals, integers), but
            # it is a decimal column: against a numeric(p,s) it is narrower, not another family.
            sk, st = DECIMAL, declared
    if {sk, tk} <= {DECIMAL, NUMTEXT}:
        return _narrower_decimal(st, tt)
    if sk != tk or pa.types.is_boolean(st) != pa.types.is_boolean(tt):
        return "of another family"
    if (pa.types.is_integer(st) and pa.types.is_integer(tt)) or (
        pa.types.is_floating(st) and pa.types.is_floating(tt)
    ):
        return "narrower" if tt.bit_width < st.bit_width else None
    both_timestamps = pa.types.is_timestamp(st) and pa.types.is_timestamp(tt)
    if sk == TIMESTAMP and both_timestamps and (st.tz is None) != (tt.tz is None):
        return "of another family"  # an instant against a wall-clock time
    limit = text_limit(target.source_type) if target_dialect == "postgresql" else None
    if pa.types.is_string(tt) and limit is not None:
        held = text_limit(source.source_type)
        if held is None and dialects[0] == "sqlite":
            held = varchar_limit(source.source_type)  # NVARCHAR(n), as Chinook declares
        return "narrower" if held is None or limit < held else None
    return None


def _sqlite_decimal(declared: str) -> pa.DataType | None:
    """A SQLite DECIMAL(p,s) as decimal128(p,s); a bare DECIMAL or NUMERIC (or one past
    decimal128's 38 digits) as string, which ``_narrower_decimal`` takes as unbounded; None
    for another declared type."""
    spec = decimal_spec(declared)
    if spec is None:
        return None
    if isinstance(spec, tuple) and spec[0] <= 38:
        return pa.decimal128(*spec)
    return pa.string()


def _narrower_decimal(source: pa.DataType, target: pa.DataType) -> str | None:
    """An unbounded numeric (read as text) into a bounded one, or fewer digits either side
    of the point."""
    if not pa.types.is_decimal(target):
        return None  # unbounded: holds any
    if not pa.types.is_decimal(source):
        return "narrower"
    whole = source.precision - source.scale
    return (
        "narrower"
        if target.scale < source.scale or target.precision - target.scale < whole
        else None
    )


def _spelled(type_name: str) -> str:
    return " ".join(type_name.lower().split())
