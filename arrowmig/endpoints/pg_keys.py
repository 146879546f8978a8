"""The keys, indexes and PostgreSQL-only definitions a PostgreSQL target builds once a table is
loaded: those already there as asked (built by an attempt whose connection was lost), those
whose name another relation holds, and the statement that builds each definition again.
"""

from __future__ import annotations

from collections.abc import Sequence

from arrowmig.endpoints import postgres_catalog
from arrowmig.endpoints.common import index_name_taken
from arrowmig.endpoints.pg_dressing import Query, index_sql
from arrowmig.endpoints.pg_grants import grant_sql
from arrowmig.endpoints.pg_policies import policy_sql
from arrowmig.endpoints.pg_storage import STORAGE_KIND
from arrowmig.model import Index, PgDefinition, Table
from arrowmig.schema import index_label, primary_key_label, qualified, quote_ident, quote_literal


def keys_in_place(query: Query, schema: str, table: Table) -> tuple[set[str], dict[str, str]]:
    """The keys and indexes of ``table`` the target holds already as asked (an earlier
    attempt built them before its connection was lost: built, not built again), and
    those whose name another relation holds (CREATE INDEX IF NOT EXISTS would pass
    over them in silence), with why they cannot be built."""
    (primary_key, timing), indexes = postgres_catalog.keys_of(query, schema, table.name)
    in_place = set()
    if table.primary_key and (primary_key, timing) == (table.primary_key, table.primary_key_timing):
        in_place.add(primary_key_label(primary_key, timing))
    built = [i for i in table.indexes if any(same_index(i, there) for there in indexes)]
    in_place.update(index_label(i, "postgresql") for i in built)
    missing = [i for i in table.indexes if i not in built]
    return in_place, index_names_taken(query, schema, table.name, missing)


def index_names_taken(
    query: Query, schema: str, table: str, indexes: Sequence[Index], *, replacing: bool = False
) -> dict[str, str]:
    """Those of ``indexes`` (to build on ``table``) whose name another relation of the
    schema holds, each with why it cannot be built (CREATE INDEX IF NOT EXISTS would pass
    over it in silence). ``replacing``: ``table`` is the one being replaced, whose
    indexes go with it."""
    owners = postgres_catalog.index_owners(query, schema, [i.name for i in indexes])
    refused = {}
    for index in indexes:
        if index.name not in owners:
            continue
        owner = owners[index.name]
        if owner is None:
            held_by = "a table, view or sequence"
        elif owner == table and replacing:
            continue
        elif owner == table:
            held_by = f"another index of {owner!r} (other columns or options)"
        else:
            held_by = f"an index of {owner!r}"
        refused[index_label(index, "postgresql")] = index_name_taken(index.name, held_by)
    return refused


def definition_sql(target: str, schema: str, definition: PgDefinition) -> str:
    """The statement that builds a PostgreSQL source's CHECK or EXCLUDE constraint, an index
    only PostgreSQL has, or a default that is an expression (or draws from a sequence), on
    table ``target`` again, as the source defined it (a sequence itself: ``add_sequence``)."""
    if definition.kind == "index":
        sql = index_sql(target, definition)
    elif definition.kind == "default":
        column = quote_ident(definition.name)
        sql = f"ALTER TABLE {target} ALTER COLUMN {column} SET DEFAULT {definition.sql}"
    elif definition.kind == "sequence_default":
        column = quote_ident(definition.name)
        sequence = quote_literal(qualified(definition.sql, schema))
        sql = (
            f"ALTER TABLE {target} ALTER COLUMN {column} SET DEFAULT nextval({sequence}::regclass)"
        )
    elif definition.kind in ("row_security", STORAGE_KIND):
        sql = f"ALTER TABLE {target} {definition.sql}"
    elif definition.kind == "policy":
        sql = policy_sql(target, definition.name, definition.sql)
    elif definition.kind in ("grant", "schema_grant"):
        sql = grant_sql(target, definition, schema)
    else:
        sql = f"ALTER TABLE {target} ADD CONSTRAINT {quote_ident(definition.name)} {definition.sql}"
    return sql


def same_index(wanted: Index, there: Index) -> bool:
    """Whether an index the target holds is the one to build (the catalog lists the
    descending columns in key order, the plan in its own)."""
    return (
        wanted.name == there.name
        and wanted.columns == there.columns
        and wanted.unique == there.unique
        and wanted.include == there.include
        and set(wanted.descending) == set(there.descending)
        and wanted.constraint == there.constraint
        and wanted.nulls_not_distinct == there.nulls_not_distinct
        and wanted.timing == there.timing
    )
