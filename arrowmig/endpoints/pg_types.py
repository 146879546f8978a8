"""A PostgreSQL target's types beyond the built-in ones: whether it takes a --cast's type, an
enum of the source's name that is there already, and dropping the types a failed table made.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from arrowmig.argument_words import cast_option
from arrowmig.endpoints.common import short_driver_message
from arrowmig.endpoints.pg_dressing import Query
from arrowmig.errors import ArrowmigError, SchemaError
from arrowmig.schema import qualified

Run = Callable[..., None]
"""``PostgresEndpoint._run``: statements whose rows are not wanted, told as ``what``."""


def type_refusal(query: Query, type_sql: str, arriving: str | None) -> str | None:
    """Why the server would refuse a column of ``type_sql`` (a --cast), or values of type
    ``arriving`` converted to it; None when it takes both. Asked before anything is
    written: a cast of NULL names an unknown type or a missing conversion, and writes
    nothing."""
    trials = [f"SELECT CAST(NULL AS {type_sql})"]
    if arriving is not None:
        trials.append(f"SELECT CAST(CAST(NULL AS {arriving}) AS {type_sql})")
    for sql in trials:
        try:
            query(sql)
        except Exception as exc:
            return short_driver_message(exc)
    return None


def enum_of(query: Query, type_sql: str) -> tuple[str, tuple[str, ...]] | None:
    """The name (as PostgreSQL writes it) and labels of ``type_sql`` (a --cast) where it is
    an enum of the target's; None for any other type."""
    found = query(
        "SELECT format_type(t.oid, NULL), ARRAY(SELECT enumlabel::text FROM pg_enum "
        "WHERE enumtypid = t.oid ORDER BY enumsortorder) FROM pg_type t "
        "WHERE t.oid = to_regtype($1) AND t.typtype = 'e'",
        (type_sql,),
    )
    if not found:
        return None
    return str(found[0][0]), tuple(str(label) for label in found[0][1])


def check_enum(
    query: Query, schema: str, table: str, column: str, name: str, labels: tuple[str, ...]
) -> None:
    """Refuse a type ``name`` in the target schema that is not this enum: the same labels
    in the same order (their order is how they sort). No such type is fine."""
    found = query(
        "SELECT t.typtype = 'e', array_to_string(ARRAY(SELECT enumlabel FROM pg_enum "
        "WHERE enumtypid = t.oid ORDER BY enumsortorder), chr(1)) FROM pg_type t "
        "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2",
        (schema, name),
    )
    if found and (not found[0][0] or str(found[0][1]).split("\x01") != list(labels)):
        raise SchemaError(
            f"type {qualified(name, schema)} exists in the target but is not the "
            f"source's enum ({', '.join(labels)})",
            hint="drop or rename it, or carry the column as text with "
            + cast_option(table, column, "text"),
            table=table,
        )


def drop_types(run: Run, types: Collection[str]) -> tuple[list[str], list[str]]:
    """Drop these types (a failed table's, dropped again) where nothing else uses them;
    the types dropped, and those kept (another table's column or a type uses them)."""
    dropped, kept = [], []
    # A domain may be over an enum created before it: the last created go first.
    for target in reversed(list(types)):
        try:
            run(f"DROP TYPE IF EXISTS {target}", f"dropping {target}")
        except ArrowmigError as exc:
            in_use = getattr(exc, "sqlstate", None) == "2BP01"  # dependent objects
            kept.append(target if in_use else f"{target} ({exc.message})")
        else:
            dropped.append(target)
    return dropped, kept
