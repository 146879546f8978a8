"""SQLite stores any value in any column: this module looks at the values (one aggregate
pass per table) and picks, per column, an Arrow type that holds every one of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from arrowmig.model import Column
from arrowmig.schema import quote_ident

EXACT_FLOAT_INT = 2**53
"""Integers up to this magnitude survive a trip through a 64-bit float unchanged."""


@dataclass(frozen=True)
class ColumnProfile:
    """Counts of each storage class in one column, and the integer range."""

    integers: int = 0
    reals: int = 0
    texts: int = 0
    blobs: int = 0
    nulls: int = 0
    min_int: int | None = None
    max_int: int | None = None

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


def profile_sql(table_sql: str, columns: list[str]) -> str:
    """One SELECT that counts storage classes for every column of a table in one scan."""
    parts = ["count(*)"]
    for name in columns:
        c = quote_ident(name)
        parts += [
            f"count(CASE WHEN typeof({c})='integer' THEN 1 END)",
            f"count(CASE WHEN typeof({c})='real' THEN 1 END)",
            f"count(CASE WHEN typeof({c})='text' THEN 1 END)",
            f"count(CASE WHEN typeof({c})='blob' THEN 1 END)",
            f"min(CASE WHEN typeof({c})='integer' THEN {c} END)",
            f"max(CASE WHEN typeof({c})='integer' THEN {c} END)",
        ]
    return f"SELECT {', '.join(parts)} FROM {table_sql}"


def parse_profile(row: tuple[object, ...], columns: list[str]) -> tuple[int, list[ColumnProfile]]:
    total = int(row[0])  # type: ignore[call-overload]
    profiles = []
    for i in range(len(columns)):
        ints, reals, texts, blobs, lo, hi = row[1 + 6 * i : 7 + 6 * i]
        counted = int(ints) + int(reals) + int(texts) + int(blobs)  # type: ignore[call-overload]
        profiles.append(
            ColumnProfile(
                integers=int(ints),  # type: ignore[call-overload]
                reals=int(reals),  # type: ignore[call-overload]
                texts=int(texts),  # type: ignore[call-overload]
                blobs=int(blobs),  # type: ignore[call-overload]
                nulls=total - counted,
                min_int=None if lo is None else int(lo),  # type: ignore[call-overload]
                max_int=None if hi is None else int(hi),  # type: ignore[call-overload]
            )
        )
    return total, profiles


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


def choose(name: str, declared: str, profile: ColumnProfile | None, notnull: bool) -> Column:
    """Pick the Arrow type that holds every value of the column."""
    classes = profile.classes if profile is not None else ()
    notes: list[str] = []
    if profile is None or not classes:
        arrow_type = _declared_arrow_type(declared)
    elif classes == ("integer",):
        arrow_type = pa.int64()
        if _is_boolean(declared) and profile.min_int is not None and profile.max_int is not None:
            if profile.min_int >= 0 and profile.max_int <= 1:
                arrow_type = pa.bool_()
            else:
                notes.append(
                    f"declared {declared} but holds integers other than 0/1: kept as BIGINT"
                )
    elif classes == ("real",):
        arrow_type = pa.float64()
    elif set(classes) == {"integer", "real"}:
        biggest = max(abs(profile.min_int or 0), abs(profile.max_int or 0))
        if biggest <= EXACT_FLOAT_INT:
            arrow_type = pa.float64()
            notes.append(
                "integers and reals mixed: stored as DOUBLE PRECISION (every integer is exact)"
            )
        else:
            arrow_type = pa.string()
            notes.append(
                "integers beyond 2^53 mixed with reals: kept as exact text (a double would round them)"
            )
    elif "blob" in classes:
        arrow_type = pa.binary()
        if len(classes) > 1:
            notes.append(
                f"mixed storage classes {'/'.join(classes)}: stored as bytes (text as UTF-8)"
            )
    else:
        arrow_type = pa.string()
        if len(classes) > 1:
            notes.append(f"mixed storage classes {'/'.join(classes)}: stored as text")
    if (
        profile is not None
        and classes
        and not notes
        and affinity(declared) not in _natural(arrow_type)
    ):
        notes.append(f"declared {declared or 'untyped'} but every value is {'/'.join(classes)}")
    return Column(
        name=name,
        arrow_type=arrow_type,
        source_type=declared,
        nullable=not notnull,
        observed=classes,
        notes=tuple(notes),
    )


def _natural(arrow_type: pa.DataType) -> tuple[str, ...]:
    if pa.types.is_boolean(arrow_type):
        return ("integer", "numeric")
    if pa.types.is_integer(arrow_type):
        return ("integer", "numeric")
    if pa.types.is_floating(arrow_type):
        return ("real", "numeric")
    if pa.types.is_binary(arrow_type):
        return ("blob",)
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
    if pa.types.is_string(arrow_type) and classes not in ((), ("text",)):
        # The bundled SQLite (3.53) prints reals with round-trip precision, so this is exact.
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
    return "''"
