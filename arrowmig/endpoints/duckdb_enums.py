"""The labels of an existing DuckDB ENUM column, read from its type as DuckDB spells it
(``ENUM('sad', 'it''s')``, named types included), and the texts that are none of them: an
append or truncate checks them before it writes, as it does a PostgreSQL enum's."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

_LABEL = re.compile(r"'((?:[^']|'')*)'")
"""One quoted label; a quote inside it is doubled."""


def enum_labels(data_type: str) -> tuple[str, ...] | None:
    """The labels of a DuckDB ``ENUM(...)`` column type in order; None for any other type (a
    LIST of an ENUM too: its elements travel inside JSON or a list, looked at elsewhere)."""
    if not data_type.startswith("ENUM(") or not data_type.endswith(")"):
        return None
    return tuple(m.replace("''", "'") for m in _LABEL.findall(data_type[len("ENUM(") : -1]))


def remedy(column: str) -> str:
    """How the target's column could take another label (DuckDB has no ALTER TYPE ... ADD
    VALUE: the column is given a wider ENUM)."""
    return f"give the target column the label (ALTER TABLE ... ALTER {column} TYPE ENUM(...))"


def unlabelled(array: pa.Array, labels: tuple[str, ...]) -> pa.Array:
    """True where a text of ``array`` is none of ``labels`` (DuckDB refuses it: 'Could not
    convert string'); NULLs are false."""
    held = pc.is_in(array.cast(pa.string()), value_set=pa.array(labels, pa.string()))
    return pc.and_(pc.invert(held), pc.is_valid(array))
