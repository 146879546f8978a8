"""The Arrow type a DuckDB target is given a nested column in: an ENUM inside a fixed-size
array as its labels' text, which DuckDB's Arrow scan reads as the ENUM's indices otherwise.
"""

from __future__ import annotations

import pyarrow as pa


def scannable(t: pa.DataType) -> pa.DataType:
    """``t`` with every dictionary inside a fixed-size list (a DuckDB ``ENUM(...)[2]``, at any
    depth) as its values: DuckDB scans such a dictionary as its indices, which no ENUM takes
    ("Unimplemented type for cast (UTINYINT -> ENUM(...))"); it casts the labels' text back
    into the ENUM as it inserts. Other types as they are."""
    return _rebuilt(t, inside_fixed=False)


def _rebuilt(t: pa.DataType, inside_fixed: bool) -> pa.DataType:
    if pa.types.is_dictionary(t):
        return _rebuilt(t.value_type, inside_fixed) if inside_fixed else t
    if pa.types.is_fixed_size_list(t):
        return pa.list_(_member(t.value_field, True), t.list_size)
    if pa.types.is_list(t):
        return pa.list_(_member(t.value_field, inside_fixed))
    if pa.types.is_large_list(t):
        return pa.large_list(_member(t.value_field, inside_fixed))
    if pa.types.is_map(t):
        key, item = _member(t.key_field, inside_fixed), _member(t.item_field, inside_fixed)
        return pa.map_(key, item, t.keys_sorted)
    if pa.types.is_struct(t):
        return pa.struct([_member(f, inside_fixed) for f in t])
    return t


def _member(field: pa.Field, inside_fixed: bool) -> pa.Field:
    return field.with_type(_rebuilt(field.type, inside_fixed))
