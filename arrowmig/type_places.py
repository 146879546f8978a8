"""Where a PostgreSQL target gets a PostgreSQL source's enum and domain types: a type of the
schema the run reads goes with its tables into the target schema; one of another schema
(``public.status`` used by ``sales.orders``) into the target's schema of its own name. Two
source types that would still meet under one name are refused before anything is written.
"""

from __future__ import annotations

from arrowmig.argument_words import cast_option
from arrowmig.errors import SchemaError
from arrowmig.model import Column
from arrowmig.schema import qualified


def place_type(
    placed: dict[str, str],
    table: str,
    column: Column,
    name: str,
    schemas: tuple[str | None, str],
) -> tuple[str, str]:
    """Type ``name`` of ``column`` (of the source's schema ``column.pg_type_schema``) as the
    target gets it: its schema there and its qualified name, for ``schemas``, the run's
    source and target schemas. ``placed`` holds, for each type of the run so far, the
    source type it is made from: another source type of the run made there already is
    refused (one would be created and the other refused as a type of its name that
    differs, or both columns would get one type)."""
    read, written = schemas[0] or "public", schemas[1]
    own = column.pg_type_schema or read
    schema = written if own == read else own
    there, source = qualified(name, schema), qualified(name, own)
    before = placed.setdefault(there, source)
    if before != source:
        raise SchemaError(
            f"types {before} and {source} of the source would both be {there} in the target "
            f"(column {table}.{column.name})",
            hint=f"move the tables into the schema of the source's name (--target-schema "
            f"{read}), which keeps the types apart as in the source, or carry the column as "
            f"text with {cast_option(table, column.name, 'text')}",
            table=table,
        )
    return schema, there
