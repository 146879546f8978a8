"""PostgreSQL ``oid`` columns that name large objects (``lo_import``, ``lo_from_bytea``, the
``lo`` extension's domain, Hibernate's and JDBC's ``@Lob``), counted for the plan and the report.

Such a column holds only the object's number; its bytes live in ``pg_largeobject``, which
no table copy reads. The numbers arrive exactly, so nothing looks wrong, yet on the target they
name no large object (or another one): the application's documents are gone. There is no form
to carry them in the column itself; the note says which columns and how many values, and the
ways to carry the contents (``lo_get`` in a view, read as ``bytea``; into a PostgreSQL
target, ``pg_dump -b``'s large objects, which keep their numbers).
"""

from __future__ import annotations

import re
from typing import Any

from arrowmig.model import Column
from arrowmig.plan import MigrationPlan
from arrowmig.schema import quote_ident
from arrowmig.sizes import counted

MARK = " name large objects"
"""In each note of this kind, and in no other."""


def _holds_oids(column: Column) -> bool:
    """Whether the column is an ``oid``, or a domain over one (the ``lo`` extension's ``lo``)."""
    if column.source_type.strip().lower() == "oid":
        return True
    definition = column.pg_domain[1] if column.pg_domain else ""
    return definition.lower().split()[:2] == ["as", "oid"]


def counts(endpoint: Any, table_name: str, columns: tuple[Column, ...]) -> dict[str, int]:
    """Per ``oid`` column of the table read from ``endpoint`` (a PostgreSQL one), how many of
    its values name a large object of the source; empty for any other endpoint or table."""
    if getattr(endpoint, "dialect", None) != "postgresql":
        return {}
    oids = [c for c in columns if _holds_oids(c)]
    if not oids:
        return {}
    # pg_largeobject_metadata is readable by every role (pg_largeobject is not), and its
    # oid is indexed: one lookup per value.
    sql = ", ".join(
        f"count(*) FILTER (WHERE EXISTS (SELECT FROM pg_catalog.pg_largeobject_metadata m "
        f"WHERE m.oid = {quote_ident(c.name)}))"
        for c in oids
    )
    (found,) = endpoint.select_from(table_name, sql)
    return {c.name: int(n) for c, n in zip(oids, found, strict=True) if n}


def with_large_object_notes(src: Any, plan: MigrationPlan) -> MigrationPlan:
    """``plan`` with a note on each ``oid`` column of a PostgreSQL source whose values name
    large objects, saying how many, that their contents are not copied, and how to copy them."""
    for table in plan.tables:
        source = table.source
        for column, n in counts(src, source.name, source.columns).items():
            table.notes.append(_note(source.name, column, n))
    return plan


def _note(table: str, column: str, n: int) -> str:
    values = counted(n, "value")
    c = _as_typed(column)
    return (
        f"{column}: {values}{MARK} (pg_largeobject), whose contents are not copied: only "
        "their numbers arrive, which on the target name no large object, or another one; to "
        f"carry the contents, copy with --tables a view of {_as_typed(table)} that selects "
        f"lo_get({c}) AS {c} (bytea) in its place, or, into PostgreSQL, restore the large "
        "objects of a pg_dump -b, which keeps their numbers"
    )


def _as_typed(name: str) -> str:
    """``name`` as one would type it in SQL: quoted only where it must be."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else quote_ident(name)


def compared_note(column: str, n: int) -> str:
    """``verify``'s note on such a column: it compares the numbers, not what they name."""
    if n == 1:
        said = "1 value names a large object (pg_largeobject) in the source: its number is "
        said += "compared, not the object's contents"
    else:
        said = f"{n:,} values name large objects (pg_largeobject) in the source: their "
        said += "numbers are compared, not the objects' contents"
    return f"{column}: {said}, which no table copy carries"
