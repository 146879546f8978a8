"""DuckDB UNION columns, which Arrow cannot carry (arrowmig reads each value as its member's
text): refusing to write into an existing one, and verify comparing two by member and value.
"""

from __future__ import annotations

import re
from dataclasses import replace

from arrowmig.append_refusal import cannot_load
from arrowmig.errors import SchemaError
from arrowmig.model import Column, Table

_QUOTED = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
"""A quoted field name or ENUM label, which may spell anything ("union", 'UNION(x)')."""
_UNION = re.compile(r"\bUNION\(")


def holds_union(data_type: str) -> bool:
    """Whether a DuckDB type is or holds a UNION (a field named "union" or an ENUM label
    'UNION(x)' is none)."""
    return bool(_UNION.search(_QUOTED.sub("", data_type)))


def tagged_pair(source: Column, target: Column) -> tuple[Column, Column]:
    """A pair of DuckDB columns as verify reads them: both read as their JSON where both hold
    a UNION, so that a value of another member (``5`` against ``'5'``) or a NULL against a
    member that is NULL differs; each as it is otherwise (a UNION against the VARCHAR
    arrowmig created for it holds the member's text, which is compared)."""
    if holds_union(source.source_type) and holds_union(target.source_type):
        return replace(source, union_tagged=True), replace(target, union_tagged=True)
    return source, target


def refuse_union_targets(source: Table, existing: Table, mode: str) -> SchemaError | None:
    """The refusal for the existing DuckDB table's UNION columns (alone or nested) that the
    source writes, or None. Values reach such a column as text, which DuckDB casts into the
    first member taking it: an INTEGER member's 5 came back as a VARCHAR member's '5', and a
    NULL as a UNION whose member is NULL (no longer ``IS NULL``), with verify blind to both."""
    written = {c.name for c in source.columns}
    unions = [c.name for c in existing.columns if c.name in written and holds_union(c.source_type)]
    if not unions:
        return None
    said = ", ".join(repr(name) for name in unions)
    return SchemaError(
        f"{cannot_load(source.name, mode)}: target column{'s' if len(unions) > 1 else ''} "
        f"{said} {'are' if len(unions) > 1 else 'is a'} DuckDB UNION"
        f"{'s' if len(unions) > 1 else ''}, which arrowmig writes only through text: which "
        "member a value was (5 or '5') would be lost, and a NULL would arrive as a UNION "
        "holding NULL; nothing has been emptied or written",
        hint=f"copy the table with DuckDB itself (ATTACH the source; INSERT INTO "
        f"{source.name} SELECT ...), leave it out with --exclude {source.name}, or use "
        "--mode replace, which recreates the column as VARCHAR holding each value's text",
        table=source.name,
    )
