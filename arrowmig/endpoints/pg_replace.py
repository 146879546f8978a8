"""What replacing or emptying a PostgreSQL table would take with it or be refused for: the
views on it, its owner, its row security policies, its partitions, the publications that take
in every new table, and the foreign keys of tables outside the run that TRUNCATE refuses.
"""

from __future__ import annotations

from collections.abc import Collection

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.errors import SchemaError
from arrowmig.model import NOT_KEPT
from arrowmig.schema import qualified


def views_on(query: Query, schema: str, name: str) -> list[str]:
    """The views and materialized views that use table ``name`` (DROP ... CASCADE would
    drop them, and the views on those)."""
    rows = query(
        "SELECT DISTINCT v.oid::regclass::text FROM pg_depend d "
        "JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class "
        "WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = $1::regclass "
        "AND v.oid <> d.refobjid ORDER BY 1",
        (qualified(name, schema),),
    )
    return [str(r[0]) for r in rows]


def sequence_users(query: Query, schema: str, name: str) -> list[tuple[str, str, str]]:
    """What draws from a sequence table ``name`` owns (a serial's, an identity's) outside the
    table, each as (sequence, the name of the user's table when it is one of ``schema``, else
    '', what it is): a default of another table, a view. The sequence goes with the replaced
    table, dropped with what draws from it (DROP ... CASCADE), or renamed with the backup.
    The table's own partitions and inheritance children draw from it too (each has a default
    of its own), but go with it: not counted."""
    rows = query(
        "WITH RECURSIVE kin(oid) AS (SELECT $1::regclass::oid UNION "
        "SELECT i.inhrelid FROM pg_inherits i JOIN kin ON i.inhparent = kin.oid) "
        "SELECT s.oid::regclass::text, CASE WHEN n.nspname = $2 THEN c.relname ELSE '' END, "
        "pg_describe_object(u.classid, u.objid, u.objsubid) FROM pg_depend o "
        "JOIN pg_class s ON s.oid = o.objid AND s.relkind = 'S' "
        "JOIN pg_depend u ON u.refclassid = 'pg_class'::regclass AND u.refobjid = s.oid "
        "AND u.deptype = 'n' "
        "LEFT JOIN pg_attrdef a ON u.classid = 'pg_attrdef'::regclass AND a.oid = u.objid "
        "LEFT JOIN pg_class c ON c.oid = a.adrelid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE o.classid = 'pg_class'::regclass AND o.refobjid = $1::regclass "
        "AND o.deptype IN ('a', 'i') "
        "AND NOT EXISTS (SELECT 1 FROM kin WHERE kin.oid = a.adrelid) ORDER BY 1, 3",
        (qualified(name, schema), schema),
    )
    return [(str(r[0]), str(r[1] or ""), str(r[2])) for r in rows]


def inheritance_children(query: Query, schema: str, name: str) -> list[tuple[str, str]]:
    """The tables that inherit from table ``name``, at any depth (not its partitions, whose
    rows are its own), each as (its name as SQL writes it, its name when it is one of
    ``schema``, else ''). Each holds rows of its own, and goes with the table it inherits
    from when that is dropped (DROP ... CASCADE)."""
    rows = query(
        "WITH RECURSIVE kin(oid) AS (SELECT i.inhrelid FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = $1::regclass AND NOT c.relispartition UNION "
        "SELECT i.inhrelid FROM pg_inherits i JOIN kin ON i.inhparent = kin.oid) "
        "SELECT c.oid::regclass::text, CASE WHEN n.nspname = $2 THEN c.relname ELSE '' END "
        "FROM kin JOIN pg_class c ON c.oid = kin.oid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY 1",
        (qualified(name, schema), schema),
    )
    return [(str(r[0]), str(r[1] or "")) for r in rows]


def owner_unless_mine(query: Query, schema: str, name: str) -> str | None:
    """The owner of table ``name`` when this user may not act as it (neither is it nor
    has its privileges), else None: only the owner may drop or rename a table, which
    ``--mode replace`` does to put the new one in its place."""
    rows = query(
        "SELECT pg_get_userbyid(c.relowner), pg_has_role(c.relowner, 'USAGE') "
        "FROM pg_class c WHERE c.oid = $1::regclass",
        (qualified(name, schema),),
    )
    return str(rows[0][0]) if rows and not rows[0][1] else None


def policies_on(query: Query, schema: str, name: str) -> list[str]:
    """The row security policies of table ``name`` (a replace would drop them)."""
    rows = query(
        "SELECT polname FROM pg_policy WHERE polrelid = $1::regclass ORDER BY 1",
        (qualified(name, schema),),
    )
    return [str(r[0]) for r in rows]


def publishing_every_table(query: Query, schema: str) -> list[str]:
    """The publications that take in every table of the target schema as it is created
    (``FOR ALL TABLES``; PostgreSQL 15: ``FOR TABLES IN SCHEMA``), each as declared."""
    rows = query(
        "SELECT pubname, 'FOR ALL TABLES' FROM pg_publication WHERE puballtables"
        + (
            " UNION SELECT p.pubname, 'FOR TABLES IN SCHEMA ' || quote_ident(n.nspname) "
            "FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid "
            "JOIN pg_namespace n ON n.oid = pn.pnnspid WHERE n.nspname = $1"
            if query("SELECT to_regclass('pg_catalog.pg_publication_namespace')")[0][0]
            else " AND $1::text IS NOT NULL"
        )
        + " ORDER BY 1",
        (schema,),
    )
    return [f"{name} ({scope})" for name, scope in rows]


SHOWN_PARTITIONS = 3
"""How many of the replaced table's partitions its note names."""


def partitioning_replaced(query: Query, schema: str, name: str, *, keep_backup: bool) -> list[str]:
    """What replacing table ``name`` does to its partitioning, when it is partitioned: the new
    table is one plain table (the source's partitioning is not carried either), and the old
    one's partitions go with it, dropped (or kept with it, as its backup)."""
    rows = query(
        "SELECT pg_get_partkeydef(p.oid), c.relname, count(c.oid) OVER () FROM pg_class p "
        "LEFT JOIN pg_inherits i ON i.inhparent = p.oid LEFT JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE p.oid = $1::regclass AND p.relkind = 'p' ORDER BY c.relname",
        (qualified(name, schema),),
    )
    if not rows:
        return []
    count = int(rows[0][2])
    shown = ", ".join(str(r[1]) for r in rows[:SHOWN_PARTITIONS] if r[1] is not None)
    more = f", ... ({count:,} in all)" if count > SHOWN_PARTITIONS else ""
    partitions = f" and its partitions {shown}{more}" if count else ""
    fate = "kept with the old table, its backup" if keep_backup else "dropped with the old table"
    return [
        f"partitioning ({rows[0][0]}){partitions}{NOT_KEPT}the new table is one plain table"
        f"{', and the partitions are ' + fate if count else ''} (--mode truncate keeps them)"
    ]


def partitioned(query: Query, schema: str, names: list[str]) -> set[str]:
    """Those of tables ``names`` that are partitioned."""
    rows = query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = ANY(string_to_array($2, chr(1))) "
        "AND c.relkind = 'p'",
        (schema, "\x01".join(names)),
    )
    return {str(r[0]) for r in rows}


def check_emptying(
    query: Query, schema: str, names: list[str], apart: Collection[tuple[str, str]] = ()
) -> None:
    """Raise SchemaError when a table outside ``names`` has a foreign key to one of them:
    TRUNCATE refuses it (the plan and ``--dry-run`` check it too, as the run would).
    ``apart``: the tables, (schema, name), that a run of several schemas empties with the
    TRUNCATE of their own schema: a key from one of them is refused as the others are, but
    said as what it is (its table is in the run), and before any schema is emptied."""
    if not names:
        return
    outside = query(
        "WITH t AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE n.nspname = $1 AND c.relname = ANY(string_to_array($2, chr(1)))) "
        "SELECT r.conrelid::regclass::text, r.confrelid::regclass::text, n.nspname, c.relname, "
        "quote_ident(r.conname), p.relname FROM pg_constraint r "
        "JOIN pg_class p ON p.oid = r.confrelid JOIN pg_class c ON c.oid = r.conrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE r.contype = 'f' AND r.confrelid IN (SELECT oid FROM t) "
        "AND r.conrelid NOT IN (SELECT oid FROM t) "
        # A partition's copy of its partitioned table's key: the partitioned table is
        # checked itself, and TRUNCATE empties its partitions with it.
        "AND r.conparentid = 0 ORDER BY 1, 2",
        (schema, "\x01".join(names)),
    )
    if not outside:
        return
    child, parent, child_schema, child_name, key, parent_name = outside[0]
    if (child_schema, child_name) in apart:
        raise SchemaError(
            f"cannot empty {parent} for --mode truncate: foreign key {key} of {child} points "
            f"at it, and PostgreSQL refuses to empty it without {child}, which this run "
            f"empties apart, with the tables of schema {child_schema!r}",
            hint=f"use --mode replace, or drop the key first (ALTER TABLE {child} DROP "
            f"CONSTRAINT {key}): the run adds the source's keys between its schemas once "
            "every schema is in",
            table=str(parent_name),
        )
    raise SchemaError(
        f"cannot empty {parent} for --mode truncate: {child}, which this run does not "
        "load, has a foreign key to it",
        # Emptying the child first does not help: TRUNCATE refuses a referenced table
        # whatever the referencing one holds.
        hint=f"add {child} to the run (it is emptied and loaded too), drop the key first "
        f"(ALTER TABLE {child} DROP CONSTRAINT {key}), or use --mode append",
        table=names[0],
    )
