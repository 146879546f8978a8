"""One canonical text per JSON document, for ``verify``: object keys sorted, no whitespace,
numbers written plainly.

JSON objects have no order, and PostgreSQL's JSONB does not keep the one it was given (it
sorts keys by length first): a nested value written as JSON text on one side and read back
from JSONB on the other holds the same keys and values in another order. DuckDB's ``json()``
minifies but keeps the order, so this runs as a DuckDB function written in Python, on JSON
columns only.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

FUNCTION = "arrowmig_canonical_json"


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``FUNCTION(VARCHAR) -> VARCHAR`` callable in ``con``'s SQL."""
    from duckdb import func

    con.create_function(
        FUNCTION,
        canonical_texts,
        ["varchar"],
        "varchar",
        type=func.PythonUDFType.ARROW,
        side_effects=False,
    )


def canonical_texts(texts: pa.Array) -> pa.Array:
    """Each JSON text in canonical form (NULL stays NULL; text that is not JSON stays as it is)."""
    out: list[str | None] = []
    for text in texts.to_pylist():
        if text is None:
            out.append(None)
            continue
        try:
            out.append(canonical(json.loads(text, parse_float=Decimal, parse_int=Decimal)))
        except ValueError:
            out.append(text)
    return pa.array(out, pa.string())


def canonical(value: Any) -> str:
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(f"{json.dumps(k)}:{canonical(v)}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, Decimal):
        # 1e2, 100 and 100.0 are one number; JSONB and JSON text may write it differently.
        return format(value.normalize(), "f")
    return json.dumps(value)
