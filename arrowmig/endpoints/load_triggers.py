"""The triggers of an existing target table that --mode append and truncate set off: the rows
go in by INSERT or COPY into the table itself, so each row trigger on INSERT (and, where
truncate empties a SQLite table with DELETE, on DELETE) runs for every row, and may change
or refuse what was loaded. The plan and the report name them (``trigger_note``), as
pg_restore users look for --disable-triggers."""

from __future__ import annotations

import re

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.endpoints.sqlite_ddl import _STRING_OR_COMMENT
from arrowmig.schema import qualified

# pg_trigger.tgtype bits (PostgreSQL's trigger.h): a row trigger (1) fired by INSERT (4).
_ROW_ON_INSERT = 1 | 4


def pg_load_triggers(query: Query, schema: str, name: str) -> list[str]:
    """The user's row triggers on INSERT into ``name`` that fire in an ordinary session:
    enabled as origin or always ('R' fires only under session_replication_role = replica,
    'D' never; internal ones are foreign-key checks). A partitioned table's rows go into its
    partitions, whose own triggers fire too: named ``partition.trigger`` (not the clones of
    the table's triggers a partition is given: tgparentid, PostgreSQL 13's column, read
    through to_jsonb; before it a clone was internal)."""
    rows = query(
        "WITH RECURSIVE tree(oid) AS (SELECT $1::regclass::oid UNION ALL "
        "SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relispartition) "
        "SELECT CASE WHEN g.tgrelid = $1::regclass THEN g.tgname "
        "ELSE c.relname || '.' || g.tgname END "
        "FROM tree JOIN pg_trigger g ON g.tgrelid = tree.oid JOIN pg_class c ON c.oid = g.tgrelid "
        "WHERE NOT g.tgisinternal AND coalesce((to_jsonb(g) ->> 'tgparentid')::oid, 0) = 0 "
        f"AND g.tgenabled IN ('O', 'A') AND g.tgtype::int & {_ROW_ON_INSERT} = {_ROW_ON_INSERT} "
        "ORDER BY g.tgrelid <> $1::regclass, 1",
        (qualified(name, schema),),
    )
    return [str(r[0]) for r in rows]


# The event of a CREATE TRIGGER, the first of these words once strings and comments are
# gone (a name such as insert_log is one word; a quoted name is skipped as one).
_EVENT = re.compile(r'"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|\b(INSERT|DELETE|UPDATE)\b', re.IGNORECASE)


def sqlite_load_triggers(query: Query, name: str, mode: str) -> list[str]:
    """The triggers on ``name`` that loading fires: those on INSERT, and with ``--mode
    truncate`` those on DELETE (SQLite empties the table with DELETE, row by row)."""
    fired = {"INSERT", "DELETE"} if mode == "truncate" else {"INSERT"}
    rows = query(
        # Spelt as its CREATE TRIGGER wrote it (ON Users for users).
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
        "COLLATE NOCASE ORDER BY name",
        (name,),
    )
    return [str(trigger) for trigger, sql in rows if _event(str(sql)) in fired]


def _event(create_trigger: str) -> str | None:
    for match in _EVENT.finditer(_STRING_OR_COMMENT.sub(" ", create_trigger)):
        if match.group(1):
            return match.group(1).upper()
    return None


def trigger_note(triggers: list[str], dialect: str) -> str:
    """What the plan and report say of the triggers the load sets off."""
    named = ", ".join(triggers)
    avoid = (
        "to load the rows as they are, disable them for the run "
        "(ALTER TABLE ... DISABLE TRIGGER ...) and enable them after"
        if dialect == "postgresql"
        else "to load the rows as they are, drop them for the run and create them again after"
    )
    return (
        f"the target table's triggers fire on every row loaded and may change or refuse it: "
        f"{named} ({avoid}; --mode replace builds a new table and gives it the triggers "
        "after the rows are in)"
    )


def pg_foreign_key_checked(query: Query, schema: str, name: str, constraint: str) -> bool:
    """Whether PostgreSQL checks the rows loaded into table ``name`` against its foreign key
    ``constraint``: not when its check trigger is disabled (``ALTER TABLE ... DISABLE TRIGGER
    ALL``, as ``pg_restore --disable-triggers`` does) or fires only as a replica. A key whose
    check triggers are not on the table itself (a partitioned table's, on its partitions) is
    taken as checked."""
    rows = query(
        "SELECT bool_or(g.tgenabled IN ('O', 'A')) FROM pg_constraint c JOIN pg_trigger g "
        "ON g.tgconstraint = c.oid AND g.tgrelid = c.conrelid "
        "AND g.tgfoid = 'pg_catalog.\"RI_FKey_check_ins\"'::regproc "
        "WHERE c.conrelid = $1::regclass AND c.conname = $2 AND c.contype = 'f'",
        (qualified(name, schema), constraint),
    )
    return rows[0][0] is not False
