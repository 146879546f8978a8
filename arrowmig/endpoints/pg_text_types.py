"""Existing PostgreSQL columns of a type the database itself defines (an extension's: hstore,
ltree, isbn13; a composite), or of an OID alias type (regclass, regtype), that rows go into as
text, which the server reads as the type."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from arrowmig.defaults import is_citext
from arrowmig.endpoints.pg_binary_forms import OID_ALIASES
from arrowmig.endpoints.pg_dressing import Query
from arrowmig.model import Column, Table

_DEFINED_HERE_SQL = """
SELECT a.attname
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
  AND (t.oid >= 16384 AND t.typtype IN ('b', 'c', 'r', 'm')
       OR t.typnamespace = 'pg_catalog'::regnamespace
          AND ltrim(t.typname, '_') IN ({names}))
""".replace("{names}", ", ".join(f"'{n}'" for n in OID_ALIASES))
"""The columns whose type is a base, composite, range or multirange type the database defines
(FirstNormalObjectId, 16384, on): enums and domains have their own way in. And those of an OID
alias type or an array of one: the name (carried as text, an array as JSON) is looked up in the
target, and only regclass has a cast from text that an INSERT makes by itself ('regtype but
expression is of type text')."""


def with_types_read_from_text(query: Query, target: str, table: Table) -> Table:
    """``table`` (existing ``target``) with each column of such a type, carried as text, cast
    to it on the server as it goes in (``pg_type``): binary COPY of text into an hstore or a
    composite column is refused, and one into isbn13 has no binary form to take at all.
    citext is left alone: its binary form is text's."""
    defined_here = {str(r[0]) for r in query(_DEFINED_HERE_SQL, (target,))}
    return replace(
        table,
        columns=tuple(
            replace(c, pg_type=c.source_type) if _read_from_text(c, defined_here) else c
            for c in table.columns
        ),
    )


def _read_from_text(column: Column, defined_here: set[str]) -> bool:
    # An array of an OID alias type arrives as JSON (a jsonb column where the run creates
    # it): into an existing one, each element is the name the server looks up.
    names_array = column.source_type.removesuffix("[]") in OID_ALIASES
    return (
        column.name in defined_here
        and column.pg_type is None
        and (column.target_type is None or (names_array and column.target_type == "jsonb"))
        and pa.types.is_string(column.arrow_type)
        and not is_citext(column)
    )
