"""The members of a DuckDB LIST, STRUCT, MAP or fixed-size array, paired between a source and
a target column, for verify's word on a member whose type differs (``verify_types``).

Values are compared whole: a UUID member matched its VARCHAR copy, and verify said nothing of
the target's type (an older arrowmig created such members as VARCHAR or TIMESTAMP).
"""

from __future__ import annotations

import contextlib
import re

import pyarrow as pa

from arrowmig.duckdb_connection import connect_duckdb
from arrowmig.endpoints.common import split_top_level
from arrowmig.endpoints.duckdb import as_read
from arrowmig.model import Column

_ARRAY_SUFFIX = re.compile(r"\s*\[(\d*)\]$")
_FIELD = re.compile(r'\s*("(?:[^"]|"")*"|\S+)\s+(.+)', re.DOTALL)

MemberPair = tuple[str, Column, Column]
"""A member's path (``s.u``, ``a[]``, ``m.key``), its column in the source and the target."""


def paired_members(name: str, source: str, target: str) -> list[MemberPair] | None:
    """The members of column ``name`` whose types ``source`` and ``target`` (two DuckDB nested
    types) spell apart, each read as ``describe`` reads a column of its type; None where the
    two are not nested alike (a LIST against a fixed-size array, other fields, a MAP against
    a STRUCT), which no pairing of members covers."""
    theirs, ours = leaves(source, name), leaves(target, name)
    if list(theirs) != list(ours):
        return None
    apart = [p for p in theirs if _spelled(theirs[p]) != _spelled(ours[p])]
    if not apart:
        return None  # every member alike, the types spelled apart: nested otherwise
    handed_out = _arrow_types({*(theirs[p] for p in apart), *(ours[p] for p in apart)})
    return [(p, _member(p, theirs[p], handed_out), _member(p, ours[p], handed_out)) for p in apart]


def _member(path: str, declared: str, handed_out: dict[str, pa.DataType]) -> Column:
    # A type DuckDB knows only in its own file (an extension's) is taken for text.
    return as_read(path, declared, handed_out.get(declared, pa.string()))


def leaves(declared: str, path: str) -> dict[str, str]:
    """Each member of the DuckDB type ``declared`` that holds no other, by its path from
    ``path`` (``c.field``, ``c[]`` for a list's elements, ``c[3]`` for a fixed-size
    array's, ``c.key`` and ``c.value`` for a MAP's), with its type, in the type's order."""
    declared = declared.strip()
    suffix = _ARRAY_SUFFIX.search(declared)
    if suffix is not None:
        return leaves(declared[: suffix.start()], f"{path}[{suffix.group(1)}]")
    opening = declared.upper().partition("(")[0].strip()
    if opening == "STRUCT" and declared.endswith(")"):
        found: dict[str, str] = {}
        for part in split_top_level(declared[declared.index("(") + 1 : -1]):
            field = _FIELD.fullmatch(part)
            if field is None:
                return {path: declared}
            found.update(leaves(field.group(2), f"{path}.{_unquoted(field.group(1))}"))
        return found
    if opening == "MAP" and declared.endswith(")"):
        parts = split_top_level(declared[declared.index("(") + 1 : -1])
        if len(parts) == 2:
            return {**leaves(parts[0], f"{path}.key"), **leaves(parts[1], f"{path}.value")}
    return {path: declared}


def _unquoted(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def _arrow_types(declared: set[str]) -> dict[str, pa.DataType]:
    """The Arrow type DuckDB hands out for each of the types ``declared``, in one query; none
    where DuckDB knows one of them only in its own file (a type of an extension not loaded)."""
    ordered = sorted(declared)
    casts = ", ".join(f"CAST(NULL AS {t}) AS c{i}" for i, t in enumerate(ordered))
    with contextlib.closing(connect_duckdb()) as engine:
        try:
            schema = engine.sql(f"SELECT {casts}").to_arrow_table().schema
        except Exception:
            return {}
    return {t: schema.field(i).type for i, t in enumerate(ordered)}


def _spelled(type_name: str) -> str:
    return " ".join(type_name.lower().split())
