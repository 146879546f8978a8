"""PostgreSQL's catalogs read into arrowmig's table model: each column's type, default and
identity, the primary key, indexes, foreign keys and row count of one table.

The declared type is the truth: a type with no exact Arrow form is carried as text or refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

from arrowmig.auto_keys import serial_sequence_name
from arrowmig.defaults import default_sql, is_citext, read_default
from arrowmig.endpoints import pg_duckdb_twins as twins
from arrowmig.endpoints.common import generated_column
from arrowmig.endpoints.pg_binary_forms import OID_ALIASES
from arrowmig.endpoints.pg_grants import sequence_grants, table_grants
from arrowmig.endpoints.pg_policies import row_security
from arrowmig.endpoints.pg_scans import EXACT_BELOW, ScanCounts, TableScan, read_scans
from arrowmig.endpoints.pg_storage import storage_settings, unkept_settings
from arrowmig.errors import SchemaError
from arrowmig.key_numbering import numbering_of
from arrowmig.model import (
    FOREIGN_KEY_TIMINGS,
    Column,
    ForeignKey,
    Index,
    KeyNumbering,
    PgDefinition,
    Table,
)
from arrowmig.pg_numeric import (
    MAX_DECIMAL128_DIGITS,
    holding_decimal,
    is_ordinary,
    numeric_typmod,
)
from arrowmig.schema import qualified, quote_literal

if TYPE_CHECKING:
    from arrowmig.endpoints.pg_catalog_bulk import ManyTables


class Query(Protocol):
    """Runs one statement with ``$n`` parameters in its own transaction and returns its rows."""

    def __call__(
        self, sql: str, params: tuple[Any, ...] | None = None, /
    ) -> list[tuple[Any, ...]]: ...


# PostgreSQL base types with an exact Arrow twin that the driver reads natively.
_NATIVE = {
    "bool": pa.bool_(),
    "int2": pa.int16(),
    "int4": pa.int32(),
    "int8": pa.int64(),
    "float4": pa.float32(),
    "float8": pa.float64(),
    "text": pa.string(),
    "varchar": pa.string(),
    "bpchar": pa.string(),
    "name": pa.string(),
    "citext": pa.string(),
    "bytea": pa.binary(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "time": pa.time64("us"),
    "interval": pa.month_day_nano_interval(),
}
_LIMITED = {"varchar", "bpchar", "time", "timestamp", "timestamptz", "interval"}
"""Types whose modifier (a length, a precision, an interval's fields) PostgreSQL targets keep;
other targets take the type without it."""
# Types whose text form is exact and portable: carried as text (and noted in the plan).
_EXACT_TEXT = {
    "timetz",
    "bit",
    "varbit",
    "macaddr8",
    "tsvector",
    "tsquery",
    "char",
    "oid",
    "pg_lsn",
    # Vectors of the system catalogs: arrays to the catalog, but with a text form of their own
    # ('1 2'), not an array literal.
    "oidvector",
    "int2vector",
}
# Object identifier types name a database object ('orders', 'int4'): the name is exact text,
# but the object it names may not exist in the target, where the cast back would fail the table.
_OBJECT_NAMES = frozenset(OID_ALIASES)
# Types read as their text form and re-created by type name on PostgreSQL targets.
_TEXT_WITH_TYPE = {
    "uuid": "uuid",
    "json": "json",
    "jsonb": "jsonb",
    "inet": "inet",
    "cidr": "cidr",
    "macaddr": "macaddr",
    "xml": "xml",
}


def list_tables(query: Query, schema: str, *, own_named: bool = False) -> list[str]:
    """The tables of ``schema``, partitions and arrowmig's own tables left out (those only,
    ``own_named``)."""
    rows = query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind IN ('r','p') AND NOT c.relispartition "
        f"AND c.relname {'' if own_named else 'NOT '}LIKE '\\_arrowmig\\_%' ORDER BY c.relname",
        (schema,),
    )
    return [r[0] for r in rows]


def partitions(query: Query, schema: str) -> dict[str, str]:
    """The partitions in ``schema`` (list_tables leaves them out: their rows are the parent
    table's), each with the table it is a partition of (``schema.parent`` when in another
    schema)."""
    rows = query(
        "SELECT c.relname, CASE WHEN pn.nspname = $1 THEN p.relname "
        "ELSE pn.nspname || '.' || p.relname END "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent "
        "JOIN pg_namespace pn ON pn.oid = p.relnamespace "
        "WHERE n.nspname = $1 AND c.relispartition ORDER BY 1",
        (schema,),
    )
    return {str(r[0]): str(r[1]) for r in rows}


_EXTENSION_MEMBER = (
    "EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
    "AND d.objid = c.oid AND d.deptype = 'e')"
)
"""A table an extension created (PostGIS's spatial_ref_sys): CREATE EXTENSION makes it."""


def extension_tables(query: Query, schema: str) -> dict[str, str]:
    """The tables of ``schema`` that belong to an extension, and its name."""
    rows = query(
        "SELECT c.relname, e.extname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid "
        "AND d.deptype = 'e' JOIN pg_extension e ON e.oid = d.refobjid "
        "WHERE n.nspname = $1 AND c.relkind IN ('r','p') ORDER BY 1",
        (schema,),
    )
    return {str(r[0]): str(r[1]) for r in rows}


def list_views(query: Query, schema: str) -> list[str]:
    rows = query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relkind IN ('v','m') ORDER BY c.relname",
        (schema,),
    )
    return [r[0] for r in rows]


def other_schemas(query: Query, schema: str) -> dict[str, int]:
    rows = query(
        "SELECT n.nspname, count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname <> $1 AND n.nspname <> 'information_schema' "
        "AND n.nspname NOT LIKE 'pg\\_%' AND c.relkind IN ('r','p') AND NOT c.relispartition "
        f"AND c.relname NOT LIKE '\\_arrowmig\\_%' AND NOT {_EXTENSION_MEMBER} GROUP BY 1 ORDER BY 1",
        (schema,),
    )
    return {str(r[0]): int(r[1]) for r in rows}


def table_exists(query: Query, schema: str, name: str) -> bool:
    rows = query(
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2",
        (schema, name),
    )
    return bool(rows)


def tables_present(query: Query, schema: str, names: list[str]) -> set[str]:
    """Which of ``names`` ``table_exists`` finds in ``schema``: one query for any number."""
    if not names:
        return set()
    rows = query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE n.nspname = $1 AND c.relname IN ({_NAMES_IN_JSON})",
        (schema, names_json(names)),
    )
    return {str(r[0]) for r in rows}


_NAMES_IN_JSON = "SELECT json_array_elements_text($2::json)"
"""The names of a query about many tables at once, given as one JSON array (any name fits)."""


def names_json(names: list[str]) -> str:
    """``names`` as the JSON array a query about many tables takes, its characters as they
    are: a SQL_ASCII database refuses a \\u escape of one past ASCII (no conversion from
    UTF8), and the characters travel as the session's other text does."""
    return json.dumps(names, ensure_ascii=False)


def declared_columns_of(
    query: Query, schema: str, names: list[str]
) -> dict[str, list[tuple[str, str]]]:
    """``declared_columns`` of each of ``names`` in one query (none for a table not there)."""
    columns: dict[str, list[tuple[str, str]]] = {name: [] for name in names}
    if not names:
        return columns
    rows = query(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE n.nspname = $1 AND c.relname IN ({_NAMES_IN_JSON}) AND a.attnum > 0 "
        "AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
        (schema, names_json(names)),
    )
    for table, name, declared in rows:
        columns[str(table)].append((str(name), str(declared)))
    return columns


def keys_of(
    query: Query, schema: str, name: str
) -> tuple[tuple[tuple[str, ...], str], list[Index]]:
    """The primary key (its columns and timing) and the btree indexes a table has now, in the
    model's terms (a build retried after a lost connection compares them with what it was to
    build)."""
    rows = query(
        "SELECT c.oid, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r','p','v','m')",
        (schema, name),
    )
    if rows and not rows[0][1]:
        # No index at all, as a table the run has just loaded: one query, not three.
        return ((), ""), []
    oid = _oid(query, schema, name, "the target")
    columns, timing, _ = _primary_key(query, oid)
    return (columns, timing), _indexes(query, oid)[0]


def index_owners(query: Query, schema: str, names: list[str]) -> dict[str, str | None]:
    """Which of ``names`` are already taken in ``schema`` (index names are per schema), each
    with the table whose index holds it (None: a table, view or sequence holds it)."""
    if not names:
        return {}
    rows = query(
        "SELECT c.relname, t.relname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_index x ON x.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE n.nspname = $1 AND c.relname = ANY(string_to_array($2, chr(1)))",
        (schema, "\x01".join(names)),
    )
    return {str(index): None if table is None else str(table) for index, table in rows}


_HOLDERS = {"i": "an index", "I": "an index", "v": "a view", "m": "a materialized view"}
"""What the plan says holds a name, by pg_class.relkind (else "a table")."""


def names_held(
    query: Query, schema: str, names: list[str], replaced: str | None = None
) -> dict[str, str]:
    """Which of ``names`` a relation other than a sequence holds in ``schema``, each with what
    holds it ("a table"): a sequence or key of the run cannot take the name (``sequence_names``,
    ``key_names``). ``replaced``: a table the run replaces, whose own indexes and partitions'
    (dropped, or renamed with the backup, before the new keys are built) hold nothing."""
    if not names:
        return {}
    rows = query(
        "WITH RECURSIVE kin(oid) AS (SELECT to_regclass($3) UNION "
        "SELECT i.inhrelid FROM pg_inherits i JOIN kin ON i.inhparent = kin.oid) "
        "SELECT c.relname, c.relkind::text FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 "
        "AND c.relkind <> 'S' AND c.relname = ANY(string_to_array($2, chr(1))) "
        "AND NOT EXISTS (SELECT 1 FROM pg_index x JOIN kin ON kin.oid = x.indrelid "
        "WHERE x.indexrelid = c.oid)",
        (schema, "\x01".join(names), None if replaced is None else qualified(replaced, schema)),
    )
    return {str(name): _HOLDERS.get(str(kind), "a table") for name, kind in rows}


def declared_columns(query: Query, schema: str, name: str) -> list[tuple[str, str]]:
    rows = query(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        (schema, name),
    )
    return [(str(r[0]), str(r[1])) for r in rows]


def omittable_columns(query: Query, schema: str, name: str) -> set[str]:
    """Columns an insert may leave out: nullable, with a default, an identity or generated."""
    return _columns_where(
        query,
        schema,
        name,
        "NOT a.attnotnull OR a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''",
    )


def computed_columns(query: Query, schema: str, name: str) -> set[str]:
    """Generated columns, which the server computes and COPY may not write."""
    return _columns_where(query, schema, name, "a.attgenerated <> ''")


def _columns_where(query: Query, schema: str, name: str, condition: str) -> set[str]:
    rows = query(
        "SELECT a.attname FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped "
        f"AND ({condition})",
        (schema, name),
    )
    return {str(r[0]) for r in rows}


def describe(
    query: Query,
    schema: str,
    name: str,
    *,
    where: str,
    specials: str = "ignore",
) -> Table:
    """``describe_unscanned``, then its scan of the table's rows."""
    scan, table = describe_unscanned(query, schema, name, where=where, specials=specials)
    return table(read_scans(query, [scan])[0])


def describe_unscanned(
    query: Query,
    schema: str,
    name: str,
    *,
    where: str,
    specials: str = "ignore",
    many: ManyTables | None = None,
) -> tuple[TableScan, Callable[[ScanCounts], Table]]:
    """Table ``name`` of ``schema`` as the catalogs declare it; ``where`` names the database
    (redacted) in the error for a table that is not there.

    ``specials``: what to do about NaN and ±Infinity, which a numeric(p,s) column may hold and
    an Arrow decimal cannot: ``presume`` there are none (the read proves it, and a value that
    breaks it has the table looked at and loaded again), ``look`` (one scan; such a column is
    carried as its text), or ``ignore`` (such a value fails the table).

    ``many``: the tables described together with this one (``pg_catalog_bulk``), whose
    statements about one table run once for them all.

    What is read of the table's rows (``pg_scans``: its exact count when small, its NaN) is
    left to the caller, which may read several tables' at once: the table is the second
    half of the answer, given the scan's counts."""
    if many is None:
        oid, of_table = _oid(query, schema, name, where), query
    else:
        found = many.oid_of(name)
        if found is None:
            raise _not_found(name, schema, where)
        oid, of_table = found, many.about(found)
    rows = of_table(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typtype, "
        "a.atttypmod, a.attnotnull, t.typcategory, "
        # A generated column's adbin is its generation expression, not a default.
        "CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END, "
        "a.attidentity::text, a.atttypid, t.typelem, coalesce(et.typtype::text, ''), "
        "CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END, "
        # A serial or identity column's sequence may be past the largest key (deleted rows);
        # its name is read too, for a sequence never called (NULL here: see _last_handed_out).
        "CASE WHEN has_sequence_privilege(q.seq, 'SELECT') THEN pg_sequence_last_value(q.seq) END, "
        "CASE WHEN has_sequence_privilege(q.seq, 'SELECT') THEN q.seq::text END, "
        "pg_get_serial_sequence(a.attrelid::regclass::text, a.attname) IS NOT NULL, "
        "(SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co "
        "JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation "
        "AND a.attcollation <> t.typcollation), "
        "nullif(col_description(a.attrelid, a.attnum), ''), "
        # How the key's sequence steps (pg_sequence is readable by every user).
        "sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcycle, format_type(sq.seqtypid, NULL), "
        # Its name, kept where it is not <table>_<column>_seq (Column.key_sequence).
        "(SELECT relname FROM pg_class WHERE oid = q.seq) "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A' "
        "AND t.typname NOT IN ('oidvector', 'int2vector') "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "LEFT JOIN LATERAL (SELECT coalesce(pg_get_serial_sequence("
        "a.attrelid::regclass::text, a.attname)::regclass, to_regclass(replace((regexp_match("
        "pg_get_expr(d.adbin, d.adrelid), '^nextval\\(''(.+)''::regclass\\)$'))[1], "
        # The name as a literal shows it: a quote in it doubled ('"it''s"').
        "'''''', ''''))) AS seq) q "
        "ON true LEFT JOIN pg_sequence sq ON sq.seqrelid = q.seq "
        "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (oid,),
    )
    columns = tuple(
        generated_column(
            _with_default(
                replace(_described_column(query, r, name), pg_collation=r[16], comment=r[17]),
                r[7],
                r[8] or ("owned" if r[15] else ""),
                *_last_handed_out(query, r[13], r[14], r[18]),
                None if r[18] is None else numbering_of(*r[18:23]),
                _own_sequence_name(name, r[0], r[23]) if r[8] or r[15] else None,
            ),
            r[12],
        )
        for r in rows
    )
    # Columns whose default draws from a sequence of their own (serial, identity): the
    # others' nextval() defaults draw from a sequence several tables may share.
    owning = {str(r[0]) for r in rows if r[8] or r[15]}
    sequence_defaults, alone = _sequence_defaults(of_table, oid, columns, owning)
    shared = {d.name: d.sql for d in sequence_defaults if d.kind == "sequence_default"}
    columns = tuple(
        replace(c, shared_sequence=shared[c.name], sequence_alone=c.name in alone)
        if c.auto_increment and c.name in shared
        else _numbering_apart(c)
        if c.auto_increment and c.name not in owning
        else c
        for c in columns
    )
    # Given once the sequences are made: after sequence_defaults.
    on_sequences, grants_left = sequence_grants(
        of_table,
        oid,
        {c.name for c in columns if c.auto_increment and c.shared_sequence is None},
        {d.name for d in sequence_defaults if d.kind == "sequence"},
    )
    pk, pk_timing, pk_name = _primary_key(of_table, oid)
    split_key = None
    if len(pk) == 1:
        col = next(c for c in columns if c.name == pk[0])
        if pa.types.is_integer(col.arrow_type):
            split_key = pk[0]
    indexes, only_postgres = _indexes(of_table, oid)
    only_postgres += _checks(of_table, oid)
    only_postgres += row_security(of_table, oid, name)
    only_postgres += table_grants(of_table, oid)
    only_postgres += storage_settings(of_table, oid)
    unkept = unkept_settings(of_table, oid, {i.name for i in indexes})
    parents, children, own_rows_only = _inheritance(of_table, oid)
    source = from_clause(schema, name, own_rows_only)
    if specials == "presume":
        columns = tuple(
            replace(c, proof="decimal") if pa.types.is_decimal(c.arrow_type) else c for c in columns
        )
    decimals = [c.name for c in columns if pa.types.is_decimal(c.arrow_type)]
    estimate = float(of_table("SELECT reltuples FROM pg_class WHERE oid = $1", (oid,))[0][0])
    # Never analysed (below 0), or small enough that an exact count is cheap.
    scan = TableScan(
        source,
        count_rows=estimate < EXACT_BELOW,
        decimals=tuple(decimals) if specials == "look" else (),
    )
    foreign_keys, foreign_keys_elsewhere = _foreign_keys(of_table, oid)
    comment, persistence = of_table(
        "SELECT nullif(obj_description($1::oid, 'pg_class'), ''), relpersistence::text "
        "FROM pg_class WHERE oid = $1",
        (oid,),
    )[0]
    not_carried = (
        *(d.label for d in only_postgres),
        *_triggers_and_partitioning(of_table, oid),
        *parents,
        *children,
        *foreign_keys_elsewhere,
        *(d.label for d in on_sequences),
        *grants_left,
        *unkept,
    )

    def table(counts: ScanCounts) -> Table:
        scanned = _with_specials_as_text(columns, counts.specials)
        return Table(
            name=name,
            columns=scanned,
            primary_key=pk,
            primary_key_timing=pk_timing,
            primary_key_name=pk_name,
            indexes=tuple(indexes),
            foreign_keys=tuple(foreign_keys),
            not_carried=not_carried,
            pg_definitions=(
                *only_postgres,
                *_expression_defaults(scanned),
                *sequence_defaults,
                *on_sequences,
            ),
            row_count=int(estimate) if counts.rows is None else counts.rows,
            split_key=split_key,
            own_rows_only=own_rows_only,
            comment=comment,
            unlogged=persistence == "u",
        )

    return scan, table


def _expression_defaults(columns: tuple[Column, ...]) -> list[PgDefinition]:
    """Defaults that are expressions (function calls), or literals arrowmig writes no default
    for in PostgreSQL ('{}'::text[], '1 mon'::interval): set again on a PostgreSQL target once
    the table is loaded, as the source wrote them (each one that the target cannot take is
    named); other targets name them as not copied. One that calls ``nextval()`` is not among
    them: its sequence, named as text, could find another of that name in the target (a copy
    into another schema of the same database finds the source's own); a default that is
    ``nextval()`` alone is set again by ``_sequence_defaults``, its sequence named exactly."""
    definitions = []
    for c in columns:
        if c.default is None or c.auto_increment:
            continue
        if c.default.kind == "expression" and "nextval(" not in c.default.sql.lower():
            sql = c.default.sql
        elif c.default.kind in ("string", "number") and default_sql(c, "postgresql")[1]:
            # The literal without its casts: the column's type reads it, as the source's
            # did; a cast would name the type's schema in the source.
            sql = quote_literal(c.default.value or "")
        else:
            continue
        definitions.append(
            PgDefinition("default", c.name, sql, f"default {c.default.sql} on {c.name}")
        )
    return definitions


_NEXTVAL = re.compile(r"nextval\('(?:[^']|'')+'::regclass\)")


def _sequence_defaults(
    query: Query, oid: int, columns: tuple[Column, ...], owning: set[str]
) -> tuple[list[PgDefinition], set[str]]:
    """A default that is ``nextval()`` on a sequence the column does not own (``owning``:
    those that own theirs), in the table's schema: the sequence is created in the target
    schema with the source's definition and last value (one of its name that is there is
    kept, and moved past the loaded keys), and the default draws from it, named exactly; a
    key's too, so that the tables sharing a ticket number keep sharing it. A sequence the
    user may not read is left out: its default is named as not copied, a key's becomes an
    identity of its own. Then the columns whose sequence no other table draws from."""
    drawing = {
        c.name
        for c in columns
        if c.default is not None
        and c.default.kind == "sequence"
        and c.name not in owning
        and _NEXTVAL.fullmatch(c.default.sql.strip())
    }
    if not drawing:
        return [], set()
    rows = query(
        "SELECT a.attname, s.relname, format_type(q.seqtypid, NULL), q.seqstart, "
        "q.seqincrement, q.seqmin, q.seqmax, q.seqcache, q.seqcycle, "
        "CASE WHEN has_sequence_privilege(s.oid, 'SELECT') THEN pg_sequence_last_value(s.oid) END, "
        "has_sequence_privilege(s.oid, 'SELECT'), "
        # How many tables' defaults draw from it: one alone is not called shared.
        "(SELECT count(DISTINCT u.adrelid) FROM pg_depend o JOIN pg_attrdef u "
        "ON o.classid = 'pg_attrdef'::regclass AND u.oid = o.objid "
        "WHERE o.refclassid = 'pg_class'::regclass AND o.refobjid = s.oid) "
        "FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
        "JOIN pg_depend p ON p.classid = 'pg_attrdef'::regclass AND p.objid = d.oid "
        "AND p.refclassid = 'pg_class'::regclass "
        "JOIN pg_class s ON s.oid = p.refobjid AND s.relkind = 'S' "
        "JOIN pg_sequence q ON q.seqrelid = s.oid "
        "WHERE d.adrelid = $1 AND s.relnamespace = (SELECT relnamespace FROM pg_class "
        "WHERE oid = $1) ORDER BY a.attnum",
        (oid,),
    )
    definitions: list[PgDefinition] = []
    alone = set()
    for row in rows:
        column, sequence, type_name, start, step, low, high, cache, cycle, last = row[:10]
        readable, tables = row[10:]
        if column not in drawing or not readable:
            continue
        if tables == 1:
            alone.add(str(column))
        if not any(d.kind == "sequence" and d.name == sequence for d in definitions):
            definitions.append(
                PgDefinition(
                    "sequence",
                    str(sequence),
                    f"AS {type_name} INCREMENT BY {int(step)} MINVALUE {int(low)} "
                    f"MAXVALUE {int(high)} START WITH {int(start)} CACHE {int(cache)} "
                    f"{'CYCLE' if cycle else 'NO CYCLE'}",
                    f"sequence {sequence}",
                    value=None if last is None else int(last),
                )
            )
        definitions.append(
            PgDefinition(
                "sequence_default",
                str(column),
                str(sequence),
                f"default nextval({sequence}) on {column}",
            )
        )
    return definitions, alone


def _with_specials_as_text(
    columns: tuple[Column, ...], specials: dict[str, int]
) -> tuple[Column, ...]:
    """The numeric(p,s) columns that hold NaN or ±Infinity (``specials``: how many each),
    carried as their exact text instead: numeric(p,s) again on PostgreSQL targets (the
    server parses the text back), text elsewhere."""
    return tuple(
        replace(
            c,
            arrow_type=pa.string(),
            pg_type=c.source_type,
            pg_binary=False,
            notes=(
                *c.notes,
                f"holds NaN or Infinity ({specials[c.name]:,} of them), which an Arrow decimal "
                f"cannot hold: carried as its text ({c.source_type} again on PostgreSQL "
                "targets, text elsewhere)",
            ),
        )
        if c.name in specials
        else c
        for c in columns
    )


def from_clause(schema: str, name: str, own_rows_only: bool) -> str:
    """What a read of the table selects from: ``ONLY`` the table when others inherit from it."""
    return ("ONLY " if own_rows_only else "") + qualified(name, schema)


def _inheritance(query: Query, oid: int) -> tuple[list[str], list[str], bool]:
    """The plan's words for a table's inheritance (not carried: each table arrives on its own),
    and whether it is a plain table with children, read ``ONLY`` for its own rows. A partitioned
    table's partitions are its rows, so it is read whole."""
    rows = query(
        "SELECT c.relkind::text, "
        "ARRAY(SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent "
        "WHERE i.inhrelid = c.oid AND p.relkind = 'r' ORDER BY i.inhseqno)::text[], "
        "ARRAY(SELECT k.relname FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid "
        "WHERE i.inhparent = c.oid AND NOT k.relispartition ORDER BY 1)::text[] "
        "FROM pg_class c WHERE c.oid = $1",
        (oid,),
    )
    relkind, parents, children = rows[0][0], list(rows[0][1] or []), list(rows[0][2] or [])
    parent_notes = (
        [
            f"inheritance from {', '.join(parents)}: arrives as a table of its own, with the "
            "inherited columns and its own rows"
        ]
        if parents
        else []
    )
    child_notes = (
        [
            f"inherited by {', '.join(children)}: only its own rows are copied (each child's rows "
            "arrive with the child)"
        ]
        if children and relkind == "r"
        else []
    )
    return parent_notes, child_notes, bool(children) and relkind == "r"


def _oid(query: Query, schema: str, name: str, where: str) -> int:
    rows = query(
        "SELECT c.oid, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r','p','v','m')",
        (schema, name),
    )
    if not rows:
        raise _not_found(name, schema, where)
    return int(rows[0][0])


def _not_found(name: str, schema: str, where: str) -> SchemaError:
    return SchemaError(
        f"table {name!r} not found in schema {schema!r} of {where}",
        hint="check the name (case matters) or pick the schema with --source-schema",
        table=name,
    )


def _primary_key(query: Query, oid: int) -> tuple[tuple[str, ...], str, str]:
    """The primary key's columns, its timing (``FOREIGN_KEY_TIMINGS``), and its constraint
    name unless PostgreSQL's own (``<table>_pkey``; a renamed table's is given its own)."""
    rows = query(
        "SELECT a.attname, c.condeferrable, c.condeferred, "
        "CASE WHEN c.conname <> r.relname || '_pkey' THEN c.conname ELSE '' END "
        "FROM pg_index i JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "ON k.ord <= i.indnkeyatts JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = k.attnum "
        "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype = 'p' "
        "JOIN pg_class r ON r.oid = i.indrelid "
        "WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.ord",
        (oid,),
    )
    if not rows:
        return (), "", ""
    return tuple(r[0] for r in rows), _timing(rows[0][1], rows[0][2]), str(rows[0][3] or "")


def _timing(deferrable: bool | None, deferred: bool | None) -> str:
    """A constraint's ``condeferrable`` and ``condeferred`` as ``FOREIGN_KEY_TIMINGS`` word it."""
    return FOREIGN_KEY_TIMINGS[2 if deferred else 1] if deferrable else ""


def _indexes(query: Query, oid: int) -> tuple[list[Index], list[PgDefinition]]:
    """The indexes every target can build, and those only PostgreSQL can, each with its
    definition and why no other target gets it."""
    rows = query(
        "SELECT ic.relname, i.indisunique, array_to_string(array_agg(a.attname ORDER BY k.ord) "
        "FILTER (WHERE k.ord <= i.indnkeyatts), chr(1)), bool_or(k.attnum = 0), "
        "i.indpred IS NOT NULL, am.amname, "
        "substring(pg_get_indexdef(i.indexrelid) from ' USING .*$'), "
        "i.indexrelid IN (SELECT conindid FROM pg_constraint "
        "WHERE conrelid = $1), array_to_string(array_agg(a.attname ORDER BY k.ord) "
        "FILTER (WHERE k.ord > i.indnkeyatts), chr(1)), "
        "array_to_string(array_agg(a.attname ORDER BY k.ord) FILTER (WHERE k.ord <= "
        "i.indnkeyatts AND i.indoption[k.ord::int - 1] & 1 = 1), chr(1)), "
        "uc.oid IS NOT NULL, uc.condeferrable, uc.condeferred, "
        # The column is PostgreSQL 15's: read through to_jsonb, older servers lack it.
        "coalesce((to_jsonb(i) ->> 'indnullsnotdistinct')::bool, false), "
        # A key column's operator class (text_pattern_ops), collation or NULLS order other
        # than its default: only PostgreSQL's own definition keeps them.
        "EXISTS (SELECT 1 FROM unnest(i.indclass::oid[], i.indcollation::oid[], "
        "i.indoption::int2[], i.indkey::int2[]) WITH ORDINALITY AS o(opc, coll, opt, att, n) "
        "LEFT JOIN pg_attribute oa ON oa.attrelid = i.indrelid AND oa.attnum = o.att "
        "WHERE o.n <= i.indnkeyatts AND (NOT (SELECT opcdefault FROM pg_opclass "
        "WHERE oid = o.opc) OR (o.coll <> 0 AND o.coll IS DISTINCT FROM oa.attcollation) "
        "OR (o.opt & 1 <> 0) <> (o.opt & 2 <> 0))) "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "JOIN pg_am am ON am.oid = ic.relam "
        "JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true "
        "LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        # The unique constraint the index is built for, if it is one's.
        "LEFT JOIN pg_constraint uc ON uc.conindid = i.indexrelid AND uc.conrelid = $1 "
        "AND uc.contype = 'u' "
        "WHERE i.indrelid = $1 AND NOT i.indisprimary "
        "GROUP BY ic.relname, i.indisunique, i.indpred, am.amname, i.indexrelid, i.*, "
        "uc.oid, uc.condeferrable, uc.condeferred "
        "ORDER BY ic.relname",
        (oid,),
    )
    found: list[Index] = []
    only_postgres: list[PgDefinition] = []
    for row in rows:
        name, unique, columns, on_expression, partial, method, sql, of_constraint = row[:8]
        included, descending, unique_constraint, deferrable, deferred = row[8:13]
        nulls_not_distinct, special = row[13:]
        if on_expression:
            why = "on an expression"
        elif partial:
            why = "partial: its WHERE is not carried"
        elif method != "btree":
            why = f"{method}, which only PostgreSQL has"
        else:
            # INCLUDE columns cover queries and do not make rows unique: kept apart.
            include = tuple(included.split("\x01")) if included else ()
            desc = tuple(descending.split("\x01")) if descending else ()
            found.append(
                Index(
                    name,
                    tuple(columns.split("\x01")),
                    bool(unique),
                    include,
                    desc,
                    constraint=bool(unique_constraint),
                    timing=_timing(deferrable, deferred),
                    nulls_not_distinct=bool(nulls_not_distinct),
                    postgres_keys=_key_list(sql) if special else None,
                )
            )
            continue
        if not of_constraint:  # an exclusion constraint's index comes with its constraint
            label = f"index {name} ({why})"
            only_postgres.append(PgDefinition("index", name, sql, label, bool(unique)))
    return found, only_postgres


def _key_list(using: str) -> str | None:
    """The key columns of ``USING btree (...) [INCLUDE (...)]`` as PostgreSQL wrote them."""
    start = using.find("(")
    depth, quoted = 0, False
    for i in range(start, len(using)):
        ch = using[i]
        if ch == '"':
            quoted = not quoted  # a doubled quote inside a name toggles twice
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
            if depth == 0:
                return using[start + 1 : i]
    return None


def _checks(query: Query, oid: int) -> list[PgDefinition]:
    """CHECK and EXCLUDE constraints, with their definitions."""
    rows = query(
        "SELECT conname, pg_get_constraintdef(oid), contype = 'x' FROM pg_constraint "
        "WHERE conrelid = $1 AND contype IN ('c', 'x') ORDER BY conname",
        (oid,),
    )
    return [
        PgDefinition(
            "constraint", r[0], r[1], f"{'EXCLUDE' if r[2] else 'CHECK'} constraint {r[0]}"
        )
        for r in rows
    ]


def _triggers_and_partitioning(query: Query, oid: int) -> list[str]:
    """Triggers, which no target gets (their functions stay behind), and a table's
    partitioning (its rows arrive in one table): named for the plan and report."""
    rows = query(
        "SELECT 'partitioning (' || pg_get_partkeydef($1) || '): the rows arrive in one table' "
        "WHERE pg_get_partkeydef($1) IS NOT NULL "
        "UNION ALL SELECT 'trigger ' || tgname FROM (SELECT tgname FROM pg_trigger "
        "WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY 1) t",
        (oid,),
    )
    return [str(r[0]) for r in rows]


_OWN_FOREIGN_KEY = (
    "NOT EXISTS (SELECT 1 FROM pg_constraint o WHERE o.oid = c.conparentid "
    "AND o.conrelid = c.conrelid)"
)
"""Leaves out the copies PostgreSQL makes of a key into a partitioned table, one per
partition, on the same table as the key (``conparentid`` the key): they come and go with
the key and its partitions, and are no key of the user's. A partition's copy of its
partitioned table's key (on the partition) stays: a partition moved as a table of its own
keeps its keys."""

_FOREIGN_KEY_COLUMNS = (
    "c.conname, rc.relname, "
    "array_to_string(ARRAY(SELECT attname FROM pg_attribute a, unnest(c.conkey) WITH ORDINALITY k(n, o) "
    "WHERE a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o), chr(1)), "
    "array_to_string(ARRAY(SELECT attname FROM pg_attribute a, unnest(c.confkey) WITH ORDINALITY k(n, o) "
    "WHERE a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o), chr(1)), "
    "c.confdeltype::text, c.confupdtype::text, c.condeferrable, c.condeferred, c.convalidated"
)


def _foreign_key(row: tuple[Any, ...], ref_schema: str | None = None) -> ForeignKey:
    """A foreign key from the columns of ``_FOREIGN_KEY_COLUMNS``."""
    return ForeignKey(
        tuple(row[2].split("\x01")),
        row[1],
        tuple(row[3].split("\x01")),
        on_delete=_PG_FK_ACTIONS.get(row[4], "NO ACTION"),
        on_update=_PG_FK_ACTIONS.get(row[5], "NO ACTION"),
        timing=_timing(row[6], row[7]),
        name=row[0],
        ref_schema=ref_schema,
        valid=bool(row[8]),
    )


def _foreign_keys(query: Query, oid: int) -> tuple[list[ForeignKey], list[str]]:
    """The table's foreign keys within its schema, and the words for those into another
    schema: a run reads one schema, so such a key has no table to point at (and one of the
    same name in this schema would be the wrong one)."""
    rows = query(
        f"SELECT {_FOREIGN_KEY_COLUMNS}, "
        "CASE WHEN rc.relnamespace <> c.connamespace THEN "
        "(SELECT nspname FROM pg_namespace WHERE oid = rc.relnamespace) END "
        "FROM pg_constraint c JOIN pg_class rc ON rc.oid = c.confrelid "
        "WHERE c.conrelid = $1 AND c.contype = 'f'"
        f" AND {_OWN_FOREIGN_KEY} ORDER BY c.conname",
        (oid,),
    )
    elsewhere = [
        f"foreign key {r[0]} ({', '.join(r[2].split(chr(1)))}) -> {r[9]}.{r[1]}: into another "
        "schema, which this run does not read"
        for r in rows
        if r[9] is not None
    ]
    return [_foreign_key(r) for r in rows if r[9] is None], elsewhere


def foreign_keys_on(query: Query, table: str) -> list[tuple[ForeignKey, bool]]:
    """The foreign keys ``table`` (qualified) has now, each with whether its rows were
    checked (a key added NOT VALID by a run stopped before it checked it was not)."""
    rows = query(
        f"SELECT {_FOREIGN_KEY_COLUMNS}, "
        "CASE WHEN rc.relnamespace <> c.connamespace THEN "
        "(SELECT nspname FROM pg_namespace WHERE oid = rc.relnamespace) END "
        "FROM pg_constraint c JOIN pg_class rc ON rc.oid = c.confrelid "
        "WHERE c.conrelid = $1::regclass AND c.contype = 'f'"
        f" AND {_OWN_FOREIGN_KEY} ORDER BY c.conname",
        (table,),
    )
    return [(_foreign_key(r, r[9]), bool(r[8])) for r in rows]


def foreign_keys_between(query: Query, schemas: list[str]) -> list[tuple[str, str, ForeignKey]]:
    """The foreign keys from a table of one of ``schemas`` to a table of another of them:
    (schema, table, key with its ``ref_schema``)."""
    rows = query(
        f"SELECT {_FOREIGN_KEY_COLUMNS}, rn.nspname, n.nspname, t.relname "
        "FROM pg_constraint c JOIN pg_class rc ON rc.oid = c.confrelid "
        "JOIN pg_namespace rn ON rn.oid = rc.relnamespace "
        "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
        f"WHERE c.contype = 'f' AND {_OWN_FOREIGN_KEY} AND n.nspname <> rn.nspname "
        "AND n.nspname = ANY(string_to_array($1, chr(1))) "
        "AND rn.nspname = ANY(string_to_array($1, chr(1))) ORDER BY n.nspname, t.relname, c.conname",
        ("\x01".join(schemas),),
    )
    return [(str(r[10]), str(r[11]), _foreign_key(r, str(r[9]))) for r in rows]


_PG_FK_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}
"""pg_constraint's confdeltype / confupdtype codes."""


_MONEY = 790
"""money, whose text follows the server's locale: an array of it stays JSONB. (A json[] is
json[] again, each element's text as written: ``schema.pg_server_expression``.)"""

FIRST_USER_OID = 16384
"""PostgreSQL's FirstNormalObjectId: types below it are built in, so every server has them."""


def _described_column(query: Query, row: tuple[Any, ...], table: str) -> Column:
    """One row of ``describe``'s column query as a column: domains, enums (and arrays of
    them) and the types a PostgreSQL target gets back from their text are told apart here."""
    name, formatted, _typname, typtype, _typmod, notnull, _category = row[:7]
    type_oid, element_oid, element_typtype = int(row[9]), int(row[10]), row[11]
    if typtype == "d":
        return _domain_column(query, name, formatted, type_oid, bool(notnull), table=table)
    col = _column(*row[:7], table=table)
    if typtype == "e":
        return _with_enum(query, col, type_oid)
    enum_array = _enum_of_array(query, col, element_oid, element_typtype)
    if enum_array is not None:
        return enum_array
    if is_citext(col):
        return _as_citext(col)
    return _reparsed_on_postgres(col, typtype, type_oid, element_oid, element_typtype)


def _as_citext(col: Column) -> Column:
    """A citext column, or a domain over citext: read as text like any other; what makes it
    citext is how it compares."""
    note = (
        "citext: case-insensitive text (citext again on PostgreSQL targets that have the "
        "extension, COLLATE NOCASE on SQLite and DuckDB)"
    )
    return replace(col, collation="NOCASE", notes=(*col.notes, note))


def _enum_of_array(
    query: Query, col: Column, element_oid: int, element_typtype: str
) -> Column | None:
    """An array of an enum, or of a domain over one (``st_d[]``), as an array of the enum:
    the enum array again on PostgreSQL targets, as a column of the domain is the enum
    (the domain and its CHECK constraints are not re-created). None for another array."""
    if element_typtype == "e":
        return _with_enum(query, col, element_oid, array=True)
    if element_typtype != "d":
        return None
    base_oid, base_typtype = element_oid, "d"
    while base_typtype == "d":  # a domain may be built on another domain
        base_oid, base_typtype = query(
            "SELECT b.oid, b.typtype FROM pg_type t JOIN pg_type b ON b.oid = t.typbasetype "
            "WHERE t.oid = $1",
            (base_oid,),
        )[0]
    if base_typtype != "e":
        return None
    return _with_enum(query, col, int(base_oid), array=True, element_domain=True)


def _with_enum(
    query: Query, col: Column, enum_oid: int, *, array: bool = False, element_domain: bool = False
) -> Column:
    """An enum column, or an array of one (``element_domain``: of a domain over it): the
    enum's name and labels go with it, for a PostgreSQL target to create the type where it
    is missing."""
    rows = query(
        "SELECT t.typname, ARRAY(SELECT enumlabel::text FROM pg_enum WHERE enumtypid = t.oid "
        "ORDER BY enumsortorder), n.nspname::text FROM pg_type t "
        "JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1",
        (enum_oid,),
    )
    name, labels = str(rows[0][0]), tuple(str(label) for label in rows[0][1])
    col = replace(col, pg_type_schema=str(rows[0][2]))
    if array:
        again = (
            f"an array of enum {name} on PostgreSQL targets, without the domain of its elements"
            if element_domain
            else f"{col.source_type} again on PostgreSQL targets"
        )
        note = (
            f"array {col.source_type} carried as JSON ({again}, the enum created there when "
            "missing; JSON on DuckDB, text on SQLite), never flattened"
        )
        col = replace(col, notes=(note,))
    return replace(col, pg_enum=(name, labels))


def _reparsed_on_postgres(
    col: Column, typtype: str, type_oid: int, element_oid: int, element_typtype: str
) -> Column:
    """A built-in base, range or multirange type carried as text (tsvector, point, int4range,
    bit(3), ...) is that type again on a PostgreSQL target, and so is an array of a built-in
    base type (carried as JSON). Enums, composites and extension types (hstore, PostGIS), and
    arrays of them, stay text or JSON: the target may not have them."""
    if element_typtype:
        if element_typtype != "b" or element_oid >= FIRST_USER_OID or element_oid == _MONEY:
            return col
        if col.source_type.removesuffix("[]") in _OBJECT_NAMES:
            # As the type alone is (_OBJECT_NAMES): a name the target lacks, a table the run
            # makes later among them, would fail the table.
            return col
        note = (
            f"array {col.source_type} carried as JSON ({col.source_type} again on PostgreSQL "
            "targets, JSON on DuckDB, text on SQLite), never flattened"
        )
        return replace(col, pg_type=col.source_type, notes=(note,))
    carried_as_text = pa.types.is_string(col.arrow_type) and col.target_type is None
    if col.source_type in _OBJECT_NAMES:
        return col
    if not (
        carried_as_text and col.notes and typtype in ("b", "r", "m") and type_oid < FIRST_USER_OID
    ):
        return col
    twin = twins.on_duckdb(col.source_type)
    if twin is not None:
        note = twins.duckdb_note(col.source_type, twin)
        return replace(col, pg_type=col.source_type, duckdb_type=twin, notes=(note,))
    note = (
        f"type {col.source_type} has no Arrow equivalent: carried as its exact text form "
        f"({col.source_type} again on PostgreSQL targets, text elsewhere)"
    )
    return replace(col, pg_type=col.source_type, notes=(note,))


def _last_handed_out(
    query: Query, last_value: int | None, sequence: str | None, step: int | None
) -> tuple[int | None, bool]:
    """The last key a column's sequence handed out, and whether it has handed none out yet:
    ``last_value`` once it was called; for a
    sequence never called (``pg_sequence_last_value`` is NULL: ``START WITH 100``, or
    ``setval(s, n, false)``), one step (``step``, its increment) before the value it will
    hand out next, which may be past every key (rows inserted with explicit keys).
    ``sequence``: its name, when readable."""
    if last_value is not None or sequence is None or step is None:
        return last_value, False
    rows = query(f"SELECT last_value - {int(step)} FROM {sequence} WHERE NOT is_called")
    return (int(rows[0][0]), True) if rows else (None, False)


def _with_default(
    col: Column,
    default: str | None,
    identity: str,
    last_value: int | None,
    unused: bool,
    numbering: KeyNumbering | None,
    sequence_name: str | None = None,
) -> Column:
    """``identity`` is pg_attribute.attidentity: 'a' (ALWAYS), 'd' (BY DEFAULT), ``owned``
    (a serial: the column owns the sequence its default draws from) or '';
    ``last_value`` the last value of the sequence the column draws from, if any (``unused``:
    one step before its first, as it has handed out none), ``numbering`` how it steps, and
    ``sequence_name`` its name where it is not PostgreSQL's own (``_own_sequence_name``)."""
    parsed = read_default(default, "postgresql")
    # serial and identity columns take their key from a sequence, and so does a key drawing
    # from a sequence it does not own (several tables share it): a PostgreSQL target keeps
    # it drawing from that sequence (``Column.shared_sequence``), other targets number it
    # on its own, past the loaded keys and the sequence's last value.
    sequence = bool(identity) or (parsed is not None and parsed.kind == "sequence")
    auto = sequence and not col.nullable and pa.types.is_integer(col.arrow_type)
    return replace(
        col,
        default=parsed,
        auto_increment=auto,
        identity_always=identity == "a",
        key_high_water=int(last_value) if auto and last_value is not None else None,
        key_sequence_unused=auto and last_value is not None and unused,
        key_numbering=numbering if auto else None,
        key_sequence=sequence_name if auto else None,
    )


def _numbering_apart(column: Column) -> Column:
    """A key drawing from a sequence it does not own that the run does not carry (one of
    another schema, or one this user may not read): it numbers on its own in every target,
    apart from the tables that shared the sequence, and the plan says so."""
    assert column.default is not None  # an auto-assigned key's nextval()
    return replace(
        column,
        notes=(
            *column.notes,
            f"its default {column.default.sql} is not carried (the sequence is in another "
            "schema, or this user may not read it): the key numbers on its own, apart from "
            "any table that shares that sequence",
        ),
    )


def _own_sequence_name(table: str, column: str, sequence: str | None) -> str | None:
    """The name of the sequence a serial or identity column owns, where it is not the one
    PostgreSQL gives (``<table>_<column>_seq``), which a target gives its own table anyway."""
    return None if sequence in (None, serial_sequence_name(table, column)) else sequence


_DOMAIN_NOTE = "domain "
"""How a column's note on what its domain becomes in a table the run creates begins."""


def is_domain_note(note: str) -> bool:
    """Whether a column's ``note`` says what its domain becomes in a table the run creates
    (``_domain_column``): nothing to a table that exists, which keeps its own types."""
    return note.startswith(_DOMAIN_NOTE)


def _domain_column(
    query: Query, name: str, domain: str, type_oid: int, notnull: bool, *, table: str
) -> Column:
    """A column of a domain type: carried as the type the domain is built on (the driver
    reads it as that type). A domain over a built-in type is that domain again on PostgreSQL
    targets; another keeps the type it is built on where that type is kept, and says so."""
    own_oid, under, defaulted = type_oid, [], False
    while True:  # a domain may be built on another domain
        (
            base_oid,
            formatted,
            typname,
            typtype,
            typmod,
            category,
            domain_notnull,
            domain_default,
            element_oid,
            element_typtype,
        ) = query(
            "SELECT t.typbasetype, format_type(t.typbasetype, t.typtypmod), b.typname, "
            "b.typtype, t.typtypmod, b.typcategory, t.typnotnull, t.typdefault IS NOT NULL, "
            "b.typelem, coalesce(e.typtype::text, '') FROM pg_type t "
            "JOIN pg_type b ON b.oid = t.typbasetype "
            "LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A' "
            "AND b.typname NOT IN ('oidvector', 'int2vector') WHERE t.oid = $1",
            (type_oid,),
        )[0]
        notnull = notnull or bool(domain_notnull)
        defaulted = defaulted or bool(domain_default)
        if typtype != "d":
            break
        under.append(str(formatted))
        type_oid = int(base_oid)
    col = _column(name, formatted, typname, typtype, typmod, notnull, category, table=table)
    # The source type stays the base type: reading, writing and verify treat the values as
    # that type (a domain over money or an array is read as money or an array is).
    base = _described_base(query, col, typtype, int(base_oid), int(element_oid), element_typtype)
    kept = not base.notes or base.pg_type is not None or base.pg_enum is not None
    over_citext = is_citext(base)
    kept = kept or over_citext
    if (int(base_oid) < FIRST_USER_OID or over_citext) and kept and base.pg_enum is None:
        # A domain over domains is created as one domain over the built-in type with the
        # rules of them all (DOMAIN_DEFINITION_SQL): the values and what the column accepts
        # are the source's, without a type of the target for each domain it is built on.
        # One over citext is created where the target names citext as the source does (its
        # CHECKs may name it: VALUE ~ '@'::citext); elsewhere the column is what citext is.
        domain_name, definition, schema = query(
            DOMAIN_DEFINITION_SQL + "WHERE t.oid = $1", (own_oid,)
        )[0]
        form, elsewhere = _carried_form(base)
        chain = (
            f", as one domain over {formatted} with those of domain {', '.join(under)} it is "
            "built on"
            if under
            else ""
        )
        left = " and default" if defaulted else ""
        targets = "PostgreSQL targets" + (f" that have {formatted}" if over_citext else "")
        others = "elsewhere as citext arrives," if over_citext else "on SQLite and DuckDB"
        note = (
            f"{_DOMAIN_NOTE}{domain} carried as {formatted}, the type it is built on{form} ({domain} "
            f"again on {targets}, created there with its CHECK constraints when "
            f"missing{chain}{elsewhere}; {others} without its CHECK constraints{left})"
        )
        made = (str(domain_name), str(definition))
        notes = (*base.notes, note) if over_citext else (note,)  # citext's says what it becomes
        return replace(base, notes=notes, pg_domain=made, pg_type_schema=str(schema))
    if kept:
        note = (
            f"{_DOMAIN_NOTE}{domain} carried as {formatted}, the type it is built on "
            "(the domain and its CHECK constraints are not re-created)"
        )
    else:  # the type it is built on is not kept either: its note says what it becomes
        note = (
            f"{_DOMAIN_NOTE}{domain} not re-created (nor its CHECK constraints), as {formatted} "
            "is not"
        )
    return replace(base, notes=(*base.notes, note))


def _described_base(
    query: Query, col: Column, typtype: str, type_oid: int, element_oid: int, element_typtype: str
) -> Column:
    """The type a domain is built on, as a column of that type is described: an enum (or an
    array of one) created again, a built-in type carried as text or JSON that type again."""
    if typtype == "e":
        return _with_enum(query, col, type_oid)
    enum_array = _enum_of_array(query, col, element_oid, element_typtype)
    if enum_array is not None:
        return enum_array
    if is_citext(col):
        return _as_citext(col)  # COLLATE NOCASE elsewhere, and named where citext is missing
    return _reparsed_on_postgres(col, typtype, type_oid, element_oid, element_typtype)


def _carried_form(base: Column) -> tuple[str, str]:
    """How a domain's values travel where its base type's do not travel as themselves (an
    array as JSON, tsvector as its text), and what other targets get: for its note."""
    if base.pg_type is None:
        return "", ""
    if base.source_type.endswith("]"):
        return ", as JSON", "; JSON on DuckDB, text on SQLite, never flattened"
    if base.duckdb_type is not None:  # a timetz or bit string: DuckDB has its twin
        return ", as its exact text form", f"; {base.duckdb_type} on DuckDB, text on SQLite"
    return ", as its exact text form", "; text elsewhere"


DOMAIN_DEFINITION_SQL = (
    "SELECT t.typname, 'AS ' || format_type(ch.base, ch.typmod) "
    "|| CASE WHEN ch.notnull THEN ' NOT NULL' ELSE '' END "
    "|| coalesce(' DEFAULT ' || ch.typdefault, '') || coalesce(ch.checks, ''), "
    "(SELECT nspname::text FROM pg_namespace WHERE oid = t.typnamespace) FROM pg_type t "
    "CROSS JOIN LATERAL (WITH RECURSIVE chain(oid, depth) AS (SELECT t.oid, 0 UNION ALL "
    "SELECT d.typbasetype, chain.depth + 1 FROM chain JOIN pg_type d ON d.oid = chain.oid "
    "WHERE d.typtype = 'd') "
    "SELECT (array_agg(d.typbasetype ORDER BY chain.depth DESC))[1] AS base, "
    "(array_agg(d.typtypmod ORDER BY chain.depth DESC))[1] AS typmod, "
    "bool_or(d.typnotnull) AS notnull, (array_agg(d.typdefault ORDER BY chain.depth) "
    "FILTER (WHERE d.typdefault IS NOT NULL))[1] AS typdefault, "
    "(SELECT string_agg(' CONSTRAINT ' || quote_ident(k.conname || CASE WHEN k.nth = 1 "
    "THEN '' ELSE '_' || k.nth END) || ' ' || k.def, '' ORDER BY k.conname, k.nth) "
    "FROM (SELECT c.conname, "
    "pg_get_constraintdef(c.oid) AS def, row_number() OVER (PARTITION BY c.conname "
    "ORDER BY chain.depth) AS nth FROM pg_constraint c JOIN chain ON c.contypid = chain.oid) k) "
    "AS checks "
    "FROM chain JOIN pg_type d ON d.oid = chain.oid AND d.typtype = 'd') ch "
)
"""A domain's name, its definition as ``CREATE DOMAIN name`` takes it, and its schema; the
source and the target read it alike, so one of the same name is the same domain when the
definitions match. A domain over domains reads as one over the built-in type they are built
on, with all their CHECK constraints (one named as another nearer it numbered, ``c_2``: a
domain holds one of a name), NOT NULL if any has it, and the nearest default."""


def _column(
    name: str,
    formatted: str,
    typname: str,
    typtype: str,
    typmod: int,
    notnull: bool,
    category: str,
    *,
    table: str | None = None,
) -> Column:
    notes: tuple[str, ...] = ()
    target: str | None = None
    limited: str | None = None
    if typname in _NATIVE:
        arrow_type = _NATIVE[typname]
        if typname == "interval":
            target = "interval"
        if typname in _LIMITED and typmod >= 0:
            # varchar(30), char(3), timestamp(3): the same on PostgreSQL targets.
            limited = formatted
        elif typname == "name":
            # The catalogs' identifier type: at most 63 bytes, compared and sorted under the
            # "C" collation. Text would lose both; a name's value always fits name again.
            limited = formatted
    elif typname == "numeric":
        arrow_type, target, limited, notes = _numeric_column(typmod, formatted)
    elif typname in _TEXT_WITH_TYPE:
        arrow_type, target = pa.string(), _TEXT_WITH_TYPE[typname]
    elif typname in _OBJECT_NAMES:
        arrow_type = pa.string()
        notes = (
            f"type {formatted} names a database object: carried as its text form, text on "
            "every target (the object it names may not be there)",
        )
    elif category == "A" and typname not in _EXACT_TEXT:
        # Read as JSON (array_to_json), so nested arrays keep their shape.
        arrow_type, target = pa.string(), "jsonb"
        notes = (
            f"array {formatted} carried as JSON (jsonb on PostgreSQL, JSON on DuckDB, "
            "text on SQLite), never flattened",
        )
    elif typname == "money":
        # Its text form follows the server's locale ('$1,234.50'); its numeric value is exact.
        arrow_type, target = pa.string(), "numeric"
        notes = ("money carried as its exact amount, numeric (the currency format is not kept)",)
    elif typtype == "e":
        arrow_type = pa.string()
        notes = (
            f"enum {formatted} carried as text ({formatted} again on PostgreSQL targets, "
            "created there when missing)",
        )
    elif typname in _EXACT_TEXT:
        arrow_type = pa.string()
        notes = (f"type {formatted} has no Arrow equivalent: carried as its text form",)
    else:
        # Geometric, range, composite and extension types (PostGIS geometry, hstore, ltree,
        # ...): the text form is what pg_dump writes and reads back, so it is exact.
        arrow_type = pa.string()
        notes = (
            f"type {formatted} has no Arrow equivalent: carried as its text form (text in "
            "the target, where it can be cast back)",
        )
    return Column(
        name=name,
        arrow_type=arrow_type,
        source_type=formatted,
        nullable=not notnull,
        target_type=target,
        notes=notes,
        pg_type=limited,
        # An interval travels as text (its Arrow form has no binary COPY twin in the driver),
        # and so does a numeric kept as declared: the server checks each value fits it.
        pg_binary=limited is not None and typname not in ("interval", "numeric"),
    )


def _numeric_column(
    typmod: int, formatted: str
) -> tuple[pa.DataType, str | None, str | None, tuple[str, ...]]:
    """A numeric column's Arrow type, forced target type, PostgreSQL type and notes.

    A decimal of its precision and scale where Arrow has one; else its exact text. A
    ``numeric(5,-2)`` or ``numeric(3,5)`` (PostgreSQL 15) is the same type again on PostgreSQL
    targets, and elsewhere the ordinary decimal that holds its values (DuckDB has no such
    scale). Where the column keeps its declared type but its values travel as text, the server
    checks each one fits it: an append into an existing ``numeric(50,2)`` must not round
    1.234 to 1.23, as a cast to it would."""
    declared = numeric_typmod(typmod)
    if declared is None:
        return pa.string(), "numeric", None, ()
    precision, scale = declared
    held = holding_decimal(precision, scale)
    ordinary = is_ordinary(precision, scale)
    if held[0] <= MAX_DECIMAL128_DIGITS:
        if ordinary:
            return pa.decimal128(precision, scale), None, None, ()
        wide = f"({held[0]},{held[1]})"
        note = (
            f"{formatted} (its scale is below 0 or above its precision) carried as "
            f"numeric{wide}, which holds each of its values exactly: DECIMAL{wide} on DuckDB, "
            f"text on SQLite, {formatted} again on PostgreSQL targets"
        )
        return pa.decimal128(*held), None, formatted, (note,)
    notes: tuple[str, ...] = ()
    if not ordinary:
        notes = (
            f"{formatted} (its scale is below 0 or above its precision) carried as its exact "
            f"text, past the {MAX_DECIMAL128_DIGITS} digits of DuckDB's DECIMAL: VARCHAR on "
            f"DuckDB, text on SQLite, {formatted} again on PostgreSQL targets",
        )
    return pa.string(), formatted, formatted, notes
