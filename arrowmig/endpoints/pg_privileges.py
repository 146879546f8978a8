"""What a PostgreSQL user lacks to read a run's tables (USAGE on a schema, SELECT on a table or
on some of its columns), found before anything is written and named all at once, each with
the GRANT that gives it; and what it lacks to record its run in a checkpoint table another
user created."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from arrowmig.endpoints.base import CHECKPOINT_TABLE
from arrowmig.errors import SchemaError
from arrowmig.names import shown, written
from arrowmig.schema import qualified, quote_ident

Query = Callable[..., list[tuple[Any, ...]]]


@dataclass(frozen=True)
class ReadRefusal:
    """One privilege the user lacks: USAGE on ``schema`` (``table`` None), or SELECT on
    ``table``, on all its columns or, where SELECT is granted on some columns only, on
    ``columns``."""

    schema: str
    table: str | None
    columns: tuple[str, ...] = ()
    """The columns it may not read, when it may read others (a column-level grant)."""
    tables: tuple[str, ...] = ()
    """With USAGE: the run's tables in the schema, which --exclude would leave out."""

    def what(self, several_schemas: bool) -> str:
        if self.table is None:
            return f"USAGE on schema {self.schema!r}"
        table = self.shown(self.table, several_schemas)
        if self.columns:
            plural = "s" if len(self.columns) > 1 else ""
            return f"SELECT on column{plural} {', '.join(self.columns)} of table {table!r}"
        return f"SELECT on table {table!r}"

    def shown(self, table: str, several_schemas: bool) -> str:
        """A table as the run names it (``schema.table`` in a run of several schemas), as
        --exclude takes it back."""
        return shown(self.schema, table) if several_schemas else written(table)

    def grant(self, who: str) -> str:
        to = quote_ident(who)
        if self.table is None:
            return f"GRANT USAGE ON SCHEMA {quote_ident(self.schema)} TO {to}"
        on = qualified(self.table, self.schema)
        if self.columns:
            listed = ", ".join(quote_ident(c) for c in self.columns)
            return f"GRANT SELECT ({listed}) ON {on} TO {to}"
        return f"GRANT SELECT ON {on} TO {to}"

    def excluded(self, several_schemas: bool) -> tuple[str, ...]:
        """What --exclude takes to leave out the tables this refusal stops."""
        tables = self.tables if self.table is None else (self.table,)
        return tuple(self.shown(t, several_schemas) for t in tables)


def read_refusals(query: Query, schema: str, names: Sequence[str]) -> list[ReadRefusal]:
    """Every privilege the user lacks to read the tables ``names`` of ``schema``. A table
    whose every column is granted counts as granted (PostgreSQL reads it so)."""
    if not names:
        return []  # nothing to read (has_schema_privilege raises for a schema not there)
    refusals = []
    if not query("SELECT has_schema_privilege($1, 'USAGE')", (schema,))[0][0]:
        refusals.append(ReadRefusal(schema, None, tables=tuple(names)))
    rows = query(
        "SELECT c.relname, a.attname, has_column_privilege(c.oid, a.attnum, 'SELECT') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE n.nspname = $1 AND NOT has_table_privilege(c.oid, 'SELECT') "
        "ORDER BY c.relname, a.attnum",
        (schema,),
    )
    granted: dict[str, list[bool]] = {}
    refused: dict[str, list[str]] = {}
    for table, column, allowed in rows:
        granted.setdefault(str(table), []).append(bool(allowed))
        if not allowed:
            refused.setdefault(str(table), []).append(str(column))
    for name in names:
        if name in refused:
            some = any(granted[name])  # a column-level grant: name the columns it lacks
            refusals.append(ReadRefusal(schema, name, tuple(refused[name]) if some else ()))
    return refusals


def refused_error(
    where: str, who: str, refusals: list[ReadRefusal], several_schemas: bool = False
) -> SchemaError:
    """One error naming every refusal with its GRANT, and the --exclude that leaves the
    tables out; ``where`` is the source, redacted."""
    excluded = ",".join(dict.fromkeys(t for r in refusals for t in r.excluded(several_schemas)))
    grants = "; ".join(r.grant(who) for r in refusals)
    leave_out = f"--exclude {shlex.quote(excluded)}"
    if len(refusals) > 1:
        return SchemaError(
            f"no permission to read the run's tables in {where}, {len(refusals)} privileges "
            f"missing: {'; '.join(r.what(several_schemas) for r in refusals)}",
            hint=f"{grants}; or leave the tables out with {leave_out}",
        )
    refusal = refusals[0]
    said = f"schema {refusal.schema!r}: " if several_schemas else ""
    if refusal.table is None:
        return SchemaError(
            f"{said}no permission to read schema {refusal.schema!r} in {where}: USAGE on the "
            "schema is missing",
            hint=f"{grants} (and SELECT on its tables), or leave its tables out with {leave_out}",
        )
    if refusal.columns:
        plural = "s" if len(refusal.columns) > 1 else ""
        return SchemaError(
            f"{said}no permission to read column{plural} {', '.join(refusal.columns)} of table "
            f"{refusal.table!r} in {where}: SELECT is granted on its other columns only",
            hint=f"{grants}, or leave the table out with {leave_out}",
            table=refusal.table,
        )
    return SchemaError(
        f"{said}no permission to read table {refusal.table!r} in {where}",
        hint=f"{grants}, or leave it out with {leave_out}",
        table=refusal.table,
    )


CHECKPOINT_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
"""What a run does to the checkpoint table: reads the interrupted run, records its progress
(an upsert), forgets a table loaded again."""


def checkpoint_refusal(query: Query, schema: str, where: str) -> SchemaError | None:
    """Why this user may not record its run in the schema's checkpoint table, or None. The
    first user to write into a schema creates the table and owns it; another user writing
    there later has no privilege on it unless the owner grants it, and failed at its first
    statement with a hint to grant CREATE on the schema, which it already had."""
    return _checkpoint_refusal(
        query,
        schema,
        where,
        CHECKPOINT_PRIVILEGES,
        "record its run in",
        done="; nothing has been written",
        instead="write into another schema with --target-schema (a run keeps its checkpoint "
        "table in the schema it writes to)",
    )


def checkpoint_read_refusal(
    query: Query, schema: str, where: str, privileges: tuple[str, ...], doing: str
) -> SchemaError | None:
    """Why this user may not do what ``arrowmig status`` does to the schema's checkpoint
    table (``privileges``: SELECT to list the runs, DELETE too for --clean; ``doing``, as
    "read"), or None: the server's own refusal got the hint for a run that creates tables,
    of no use to one that only reads them."""
    return _checkpoint_refusal(query, schema, where, privileges, doing)


def _checkpoint_refusal(
    query: Query,
    schema: str,
    where: str,
    privileges: tuple[str, ...],
    doing: str,
    *,
    done: str = "",
    instead: str = "",
) -> SchemaError | None:
    """The refusal naming the ``privileges`` this user lacks on the checkpoint table (the
    GRANT its owner runs), for ``doing`` it; None when it lacks none, or the table is not
    there yet (the run creates it, and owns it)."""
    checks = ", ".join(f"has_table_privilege(c.oid, '{p}')" for p in privileges)
    # Found by name, not to_regclass: that raises for a schema this user has no USAGE on,
    # an error no caller expects from a check (the read after it says it, translated).
    rows = query(
        f"SELECT pg_get_userbyid(c.relowner), current_user, "
        f"has_schema_privilege(n.oid, 'USAGE'), {checks} FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
        (schema, CHECKPOINT_TABLE),
    )
    if not rows:
        return None
    owner, user, usage, *granted = rows[0]
    lacking = ", ".join(p for p, ok in zip(privileges, granted, strict=True) if not ok)
    if not lacking and usage:
        return None
    table = qualified(CHECKPOINT_TABLE, schema)
    grants = [f"GRANT USAGE ON SCHEMA {quote_ident(schema)}"] if not usage else []
    grants += [f"GRANT {lacking} ON {table}"] if lacking else []
    missing = " and ".join(
        ([f"USAGE on schema {quote_ident(schema)}"] if not usage else [])
        + ([f"{lacking} on the table"] if lacking else [])
    )
    return SchemaError(
        f"user {user!r} may not {doing} arrowmig's checkpoint table {table} in {where}: "
        f"{owner!r} created it, and {user!r} lacks {missing}{done}",
        hint=f"have {owner!r} (or a superuser) run "
        + "; ".join(f"{g} TO {quote_ident(str(user))}" for g in grants)
        + f", or {instead or f'connect as {owner!r}'}",
    )


def create_refusal(
    query: Query, schema: str, where: str, tables: Sequence[str]
) -> SchemaError | None:
    """Why this user may not create what a run creates in ``schema`` (``tables``, and the
    checkpoint table where it is not there yet), or None. Found before anything is written:
    the first CREATE TABLE failed with the server's words alone, which name neither the
    user nor the database ("permission denied for schema public")."""
    rows = query(
        "SELECT current_user, has_schema_privilege(n.oid, 'CREATE'), EXISTS (SELECT FROM pg_class "
        "c WHERE c.relnamespace = n.oid AND c.relname = $2) FROM pg_namespace n "
        "WHERE n.nspname = $1",
        (schema, CHECKPOINT_TABLE),
    )
    if not rows:
        return None  # the run creates the schema: CREATE on the database, which it says then
    user, may_create, checkpoints_there = rows[0]
    if may_create or (checkpoints_there and not tables):
        return None
    creating = []
    if tables:
        more = len(tables) - 1
        creating.append(f"table {tables[0]!r}" + (f" and {more} more" if more else ""))
    if not checkpoints_there:
        creating.append(f"its checkpoint table {CHECKPOINT_TABLE}")
    return SchemaError(
        f"user {user!r} may not create tables in schema {schema!r} of {where}: CREATE on the "
        f"schema is missing, and the run creates {' and '.join(creating)} there; nothing has "
        "been written",
        hint=f"have the schema's owner (or a superuser) run GRANT CREATE ON SCHEMA "
        f"{quote_ident(schema)} TO {quote_ident(str(user))}, or write into a schema it may "
        "create in with --target-schema",
        table=tables[0] if tables else None,
    )
