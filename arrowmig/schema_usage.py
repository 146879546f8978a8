"""USAGE on the target schema for the roles a PostgreSQL table's grants are carried to: a
role granted SELECT on a table in a schema it may not use still cannot read it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from arrowmig.endpoints.pg_grants import schema_grants
from arrowmig.model import Table
from arrowmig.schema import quote_ident


def with_schema_usage(table: Table, src: Any, dst: Any) -> Table:
    """``table`` with the source schema's USAGE grants to carry, where the run creates the
    target schema (one that is there keeps its own grants: ``usage_notes``)."""
    if not hasattr(src, "schema_usage") or not hasattr(dst, "schema_exists"):
        return table
    if dst.schema_exists():
        return table
    carried = schema_grants(src.schema_usage(), dst.schema)
    return replace(table, pg_definitions=(*table.pg_definitions, *carried))


def usage_notes(table: Table, dst: Any) -> list[str]:
    """A note naming the roles ``table``'s carried grants are to that lack USAGE on the
    target schema (which is there already: the run leaves its grants alone)."""
    if not hasattr(dst, "lacking_usage"):
        return []
    roles = sorted({r for d in table.pg_definitions if d.kind == "grant" for r in d.roles})
    if not roles or not dst.schema_exists():
        return []
    lacking = dst.lacking_usage(roles)
    if not lacking:
        return []
    return [
        f"{', '.join(lacking)} granted on this table but without USAGE on target schema "
        f"{dst.schema!r}, so cannot read it there; to let it: GRANT USAGE ON SCHEMA "
        f"{quote_ident(dst.schema)} TO {', '.join(map(quote_ident, lacking))}"
    ]
