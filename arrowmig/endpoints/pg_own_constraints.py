"""The constraints, NOT NULLs, column defaults and rules of a PostgreSQL table that ``--mode
replace`` replaces: the new table, built from the source's, gets those it lacks, each
constraint and NOT NULL checked against the new rows as it is added (a default only on a column
of its old type); one it cannot take is named with the statement to add it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from arrowmig.backups import backup_of
from arrowmig.endpoints.pg_dressing import (
    Dressing,
    Query,
    columns_used,
    index_key,
    index_keys,
    lacking,
)
from arrowmig.errors import TransientError
from arrowmig.model import Index, Table
from arrowmig.run_tables import RunTables
from arrowmig.schema import ddl_type, quote_ident

_KINDS = {"c": "check", "f": "foreign key", "u": "unique", "p": "primary key", "x": "exclusion"}

# A constraint's definition, the columns of its own table (a foreign key's in its order) and
# the table it points at (a foreign key), and the USING part of the index it is built on
# (unique, key, exclusion).
_CONSTRAINTS_SQL = (
    "SELECT c.conname, c.contype, pg_get_constraintdef(c.oid), "
    "ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, pos) "
    "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.pos), "
    "rn.nspname, r.relname, substring(pg_get_indexdef(c.conindid) from ' USING .*$') "
    "FROM pg_constraint c LEFT JOIN pg_class r ON r.oid = c.confrelid "
    "LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace "
    "WHERE c.conrelid = $1::regclass AND c.contype IN ('c', 'f', 'u', 'p', 'x') AND c.conislocal "
    "ORDER BY 1"
)


# Whether a column's default draws from a sequence the replaced table owns (a serial's:
# OWNED BY one of its columns), which goes with it.
_DRAWS_FROM_OWN_SEQUENCE = (
    "EXISTS (SELECT 1 FROM pg_depend ds JOIN pg_depend os ON os.classid = 'pg_class'::regclass "
    "AND os.objid = ds.refobjid AND os.refclassid = 'pg_class'::regclass "
    "AND os.refobjid = a.attrelid AND os.deptype IN ('a', 'i') "
    "WHERE ds.classid = 'pg_attrdef'::regclass AND ds.objid = d.oid "
    "AND ds.refclassid = 'pg_class'::regclass)"
)

_TYPES_SQL = (
    "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
    "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped"
)


def _constraints(query: Query, target: str) -> list[tuple[Any, ...]]:
    """``_CONSTRAINTS_SQL``'s rows for table ``target``. ``pg_get_constraintdef`` reads the
    catalog as of its own call, after the statement's snapshot was taken: a constraint
    dropped (and committed) by another session in between comes back without a definition,
    such as a key of this table dropped with the table it points at by a worker replacing
    that one. Read again, it is gone: a retry of the table's wrap-up reads what there is."""
    rows = query(_CONSTRAINTS_SQL, (target,))
    gone = [str(r[0]) for r in rows if r[2] is None]
    if gone:
        raise TransientError(
            f"constraint {', '.join(gone)} of {target} was dropped as it was read (by "
            "another session, or with a table it points at that was replaced meanwhile): "
            "reading its constraints again",
            table=target,
        )
    return rows


def column_types(query: Query, target: str) -> dict[str, str]:
    """The declared type of each column of table ``target``, as the catalog shows it."""
    return {str(name): str(declared) for name, declared in query(_TYPES_SQL, (target,))}


def planned_types(query: Query, table: Table) -> dict[str, str]:
    """``column_types`` of the new ``table``, told before it is built: a type with a modifier
    as the source's catalog wrote it (``numeric(10,2)``), others as the server names them."""
    types = {}
    for column in table.columns:
        declared = ddl_type(column, "postgresql")
        if "(" not in declared:
            rows = query("SELECT format_type(to_regtype($1), NULL)", (declared,))
            declared = str(rows[0][0]) if rows and rows[0][0] is not None else declared
        types[column.name] = declared
    return types


_REPLACED_WITH_SOURCE_KEYS = "which this run replaces with the source's keys"


def _constraint_key(
    kind: str, definition: str, columns: Collection[str], points_at: str, using: str | None
) -> str:
    """What makes two constraints of one table the same, whatever their names: the index a
    unique or key constraint is built on (the source's are built as unique indexes); a
    foreign key's columns and table; else its definition."""
    if kind in "up" and using is not None:
        return index_key(True, using)
    if kind == "f":
        return foreign_key_key(columns, points_at)
    return "CONSTRAINT " + definition.removesuffix(" NOT VALID")


def foreign_key_key(columns: Collection[str], points_at: str) -> str:
    return f"FOREIGN KEY ({', '.join(columns)}) -> {points_at}"


def read_own_constraints(
    query: Query, target: str, schema: str, columns: Collection[str], moved: RunTables
) -> list[Dressing]:
    """The constraints of table ``target`` (qualified), its NOT NULLs, defaults and rules, as
    ``Dressing``; ``columns``: the new table's; ``moved``: the run's tables of ``schema`` and,
    in a run of several schemas, every schema's: the keys into them are the source's (one
    carried over would point at the table the run drops, or has dropped)."""
    dressing = []
    for name, kind, definition, own, nsp, points_at, using in _constraints(query, target):
        label = f"{_KINDS[kind]} {name}"
        sql = f"ALTER TABLE {target} ADD CONSTRAINT {quote_ident(str(name))} {definition}"
        key = _constraint_key(kind, str(definition), own, str(points_at), using)
        if any(c not in columns for c in own):
            gone = next(c for c in own if c not in columns)
            dressing.append(
                Dressing(label, None, f"the new table has no column {gone!r}", recreate=sql)
            )
        elif kind == "f" and nsp != schema and moved.moves(str(nsp), str(points_at)):
            # A schema's run adds no key into another; the run of every schema adds the
            # source's at its end (``schemas.add_foreign_keys_between``).
            why = f"it points at {nsp}.{points_at}, {_REPLACED_WITH_SOURCE_KEYS}"
            dressing.append(Dressing(label, None, why, key=key, recreate=sql))
        elif (
            kind == "f"
            and nsp == schema
            and (points_at in moved or backup_of(str(points_at), moved) is not None)
        ):
            # A table the run has already put in place with --keep-backup left the old key
            # pointing at its backup: the same table, for this purpose.
            replaced = backup_of(str(points_at), moved) or points_at
            why = f"it points at {replaced!r}, {_REPLACED_WITH_SOURCE_KEYS}"
            dressing.append(Dressing(label, None, why, key=key, recreate=sql))
        else:
            builds_index = using is not None
            # Not a foreign key: a temporary stand-in may have none to the target's tables,
            # and trying one would lock the table it points at.
            dressing.append(
                Dressing(
                    label,
                    sql,
                    key=key,
                    name=str(name),
                    builds_index=builds_index,
                    tried=kind != "f",
                )
            )
    for column, not_null, default, declared, owned_sequence in query(
        "SELECT a.attname, a.attnotnull, pg_get_expr(d.adbin, d.adrelid), "
        "format_type(a.atttypid, a.atttypmod), " + _DRAWS_FROM_OWN_SEQUENCE + " "
        "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid "
        "AND d.adnum = a.attnum WHERE a.attrelid = $1::regclass AND a.attnum > 0 "
        "AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity = '' ORDER BY a.attnum",
        (target,),
    ):
        if column not in columns:
            continue
        alter = f"ALTER TABLE {target} ALTER COLUMN {quote_ident(str(column))}"
        if not_null:
            dressing.append(
                Dressing(f"NOT NULL on {column}", f"{alter} SET NOT NULL", key=f"NOT NULL {column}")
            )
        if default is None:
            continue
        label, key, sql = (
            f"default {default} on {column}",
            f"DEFAULT {column}",
            f"{alter} SET DEFAULT {default}",
        )
        if owned_sequence:
            # The sequence goes with the table that owns it (or stays the backup's); one
            # owned by nothing, or by another table, stays and is drawn from as before.
            why = "it draws from the replaced table's sequence"
            dressing.append(Dressing(label, None, why, key=key, recreate=sql))
        else:
            dressing.append(Dressing(label, sql, key=key, typed=(str(column), str(declared))))
    for rule, definition, used in query(
        "SELECT r.rulename, pg_get_ruledef(r.oid), "
        + columns_used("pg_rewrite", "r.oid", "r.ev_class")
        + " FROM pg_rewrite r WHERE r.ev_class = $1::regclass AND r.rulename <> '_RETURN' "
        "ORDER BY 1",
        (target,),
    ):
        label, sql = f"rule {rule}", str(definition).rstrip(";")
        dressing.append(lacking(label, sql, used, columns) or Dressing(label, sql, name=str(rule)))
    return dressing


def present(query: Query, target: str) -> tuple[set[str], set[str]]:
    """What table ``target`` (the new one, in place) has, as ``Dressing.key``s, and the names
    its indexes, constraints and rules take."""
    have: set[str] = set()
    taken: set[str] = set()
    indexes = index_keys(query, target)
    have.update(indexes.values())
    taken.update(indexes)
    for name, kind, definition, own, _nsp, points_at, using in _constraints(query, target):
        have.add(_constraint_key(kind, str(definition), own, str(points_at), using))
        taken.add(str(name))
    for column, not_null, has_default in query(
        "SELECT attname, attnotnull, atthasdef OR attidentity <> '' OR attgenerated <> '' "
        "FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
        (target,),
    ):
        if not_null:
            have.add(f"NOT NULL {column}")
        if has_default:
            have.add(f"DEFAULT {column}")
    taken.update(
        str(r[0])
        for r in query("SELECT rulename FROM pg_rewrite WHERE ev_class = $1::regclass", (target,))
    )
    return have, taken


def coming(table: Table) -> tuple[set[str], set[str]]:
    """What the new ``table`` will have once every table is loaded, as ``present`` says it:
    the source's PostgreSQL-only indexes, constraints and defaults, and its foreign keys."""
    have: set[str] = set()
    taken: set[str] = set()
    for d in table.pg_definitions:
        if d.kind == "index":
            have.add(index_key(d.unique, d.sql))
        elif d.kind == "constraint":
            have.add("CONSTRAINT " + d.sql.removesuffix(" NOT VALID"))
        elif d.kind in ("default", "sequence_default"):
            # Set once every table is loaded, after the replaced table's are given: the
            # source's default wins (a key's ``nextval`` of a sequence of the source's too).
            have.add(f"DEFAULT {d.name}")
            continue
        else:
            continue
        taken.add(d.name)
    for key in table.foreign_keys:
        have.add(foreign_key_key(key.columns, key.ref_table))
        if key.name:
            taken.add(key.name)
    return have, taken


_ACTION = re.compile(
    r"\bON (DELETE|UPDATE) (NO ACTION|RESTRICT|CASCADE|SET NULL|SET DEFAULT)(?: \([^)]*\))?"
)


def _actions(definition: str) -> tuple[str, str]:
    """A foreign key's ON DELETE and ON UPDATE actions, as ``pg_get_constraintdef`` writes
    them (NO ACTION where it writes none)."""
    found = {event: action for event, action in _ACTION.findall(definition)}
    return found.get("DELETE", "NO ACTION"), found.get("UPDATE", "NO ACTION")


def other_actions(dressing: Sequence[Dressing], table: Table) -> list[Dressing]:
    """``dressing`` with each foreign key of the replaced table that the source's key on the
    same columns to the same table (which the new table gets instead: the source's wins)
    does not match in what it does, ON DELETE CASCADE say, named with both: dropped as the
    same key, what it did would be lost unsaid."""
    sources = {foreign_key_key(k.columns, k.ref_table): k for k in table.foreign_keys}
    named = []
    for item in dressing:
        source = sources.get(item.key) if item.key.startswith("FOREIGN KEY ") else None
        definition = item.sql or item.recreate
        if source is not None and _actions(definition) != (source.on_delete, source.on_update):
            old_delete, old_update = _actions(definition)
            why = (
                f"the source's key on ({', '.join(source.columns)}) to {source.ref_table}, "
                f"which the new table has instead, is ON DELETE {source.on_delete} ON UPDATE "
                f"{source.on_update}, where this one is ON DELETE {old_delete} ON UPDATE "
                f"{old_update}"
            )
            item = replace(item, sql=None, why=why, key="", recreate=definition)
        named.append(item)
    return named


def planned(table: Table) -> tuple[set[str], set[str]]:
    """What the new ``table`` will have, as ``present`` says it, told from the source's table
    before it is built (for the plan: its keys' columns as PostgreSQL shows plain names)."""
    have, taken = coming(table)
    if table.primary_key:
        have.add(index_key(True, f" USING btree ({', '.join(map(_shown, table.primary_key))})"))
        taken.add(f"{table.name}_pkey")
    for index in table.indexes:
        # Each index, unique or not: a replaced table's index of the same definition (a
        # table arrowmig built, replaced again) is there already, not one to give or lose.
        have.add(_index_key(index))
        taken.add(index.name)
    for column in table.columns:
        if not column.nullable or column.name in table.primary_key:
            have.add(f"NOT NULL {column.name}")
        if column.default is not None or column.auto_increment:
            have.add(f"DEFAULT {column.name}")
    return have, taken


def _index_key(index: Index) -> str:
    """``index_key`` of ``index`` as the run builds it (``schema.key_statements``), in
    ``pg_get_indexdef``'s words."""
    keys = index.postgres_keys or ", ".join(
        _shown(c) + (" DESC" if c in index.descending else "") for c in index.columns
    )
    include = f" INCLUDE ({', '.join(map(_shown, index.include))})" if index.include else ""
    nulls = " NULLS NOT DISTINCT" if index.nulls_not_distinct else ""
    return index_key(index.unique, f" USING btree ({keys}){include}{nulls}")


_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


def _shown(column: str) -> str:
    """A column as ``pg_get_indexdef`` writes it: double-quoted unless its name is plain (a
    reserved word it also quotes is not known here: such an index reads as another)."""
    return column if _PLAIN.fullmatch(column) else quote_ident(column)
