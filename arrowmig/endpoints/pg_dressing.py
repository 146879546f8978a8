"""What a PostgreSQL table has beyond its columns, keys and rows, read so that ``--mode
replace`` gives it to the new table of the same name (the old one takes it with it).

Each item is one statement, applied on its own: one the new table cannot take (a column it
lacks) is named in the report, the others still apply. The owner comes last: the statements
before it need the rights of the user who runs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from arrowmig.model import PgDefinition
from arrowmig.schema import quote_ident, quote_literal

Query = Callable[..., list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Dressing:
    """One thing the replaced table had, and the statement that gives it to the new one."""

    label: str
    """How the report names it (``SELECT (id, name) to reader``, ``index users_lower``)."""
    sql: str | None
    """None: the new table cannot take it, and ``why`` says why."""
    why: str = ""
    caveat: str = ""
    """Said in the report when it is kept: what keeping it does not undo."""
    key: str = ""
    """What makes it the same as one the new table has or will have (an index's
    ``index_key``): given only where the new table has none like it."""
    name: str = ""
    """Its name, where one of the new table's own could take it (the source's wins)."""
    builds_index: bool = False
    """An index, or a constraint built on one: ``--no-keys`` builds none."""
    recreate: str = ""
    """Where it is not kept: the statement that would give it to the new table by hand."""
    checks: tuple[str, ...] = ()
    """Queries that fail once it is given where the new table cannot really take it (SQLite
    compiles a trigger only as it fires: one on a column the new table lacks would make every
    insert fail); ``undo`` then takes it away again."""
    undo: str = ""
    typed: tuple[str, str] | None = None
    """A column's default: the column and its type in the replaced table. The default is
    kept only on a new column of the same type: one of another type would take it by an
    assignment cast that changes it (``1.5`` into an integer is 2) or fails at every insert
    that leaves the column out (``'unknown'`` into a BIGINT)."""
    tried: bool = False
    """Whether the new columns' types decide if the new table takes it (a CHECK, or an
    index's expressions, predicate or operator classes: ``a > 0`` on a column now text has
    no operator): the plan tries it on an empty stand-in of the new table
    (``stand_in.tried``), as the run gives it."""

    def not_kept(self, why: str) -> Dressing:
        """This item named as not kept, for ``why``, with the statement that would add it."""
        return replace(self, sql=None, why=why, recreate=self.recreate or self.sql or "")


def given(
    item: Dressing,
    run: Callable[[str], object],
    check: Callable[[str], object],
    failure: type[Exception],
) -> Dressing:
    """``item`` given to a table as the run gives it and the plan tries it: its statement
    through ``run``, then its ``checks`` through ``check`` (one that fails takes it away
    again, ``undo``). ``item`` as it is where all pass, else named not kept with what
    failed (a ``failure``: an error that ends only this item)."""
    if item.sql is None:
        return item
    try:
        run(item.sql)
    except failure as exc:
        return item.not_kept(str(exc))
    try:
        for query in item.checks:
            check(query)
    except failure as exc:
        run(item.undo)
        return item.not_kept(str(exc))
    return item


def index_sql(target: str, definition: PgDefinition) -> str:
    """``CREATE INDEX`` of an index only PostgreSQL builds (``definition.sql`` is its
    ``USING ...`` part), on ``target``."""
    unique = "UNIQUE " if definition.unique else ""
    return f"CREATE {unique}INDEX {quote_ident(definition.name)} ON {target}{definition.sql}"


def index_key(unique: bool, using: str) -> str:
    """What makes two indexes of one table the same, whatever their names."""
    return ("UNIQUE " if unique else "") + using


_INDEX_SQL = (
    "SELECT ic.relname, i.indisunique, substring(pg_get_indexdef(i.indexrelid) from ' USING .*$') "
    "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = $1::regclass "
)


def index_keys(query: Query, target: str) -> dict[str, str]:
    """The indexes table ``target`` has now, by name: each one's ``index_key``."""
    return {str(n): index_key(bool(u), str(s)) for n, u, s in query(_INDEX_SQL, (target,))}


def columns_used(kind: str, oid: str, table: str) -> str:
    """SQL: the columns of table ``table`` (an oid expression) that object ``oid`` of catalog
    ``kind`` (``pg_trigger``, ``pg_rewrite``, ``pg_class`` for an index) depends on, as
    PostgreSQL records them: an index's keys, expressions and predicate, a trigger's UPDATE OF
    columns and WHEN, a rule's qualification and actions, a statistics object's columns."""
    return (
        "ARRAY(SELECT a.attname::text FROM pg_depend dep JOIN pg_attribute a "
        "ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid "
        f"WHERE dep.classid = '{kind}'::regclass AND dep.objid = {oid} "
        f"AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = {table} "
        "AND dep.refobjsubid > 0 ORDER BY a.attnum)"
    )


def lacking(label: str, sql: str, used: Sequence[str], columns: Collection[str]) -> Dressing | None:
    """``label`` (given by ``sql``) named as not kept when the new table, with ``columns``,
    lacks a column of ``used``: PostgreSQL would refuse it (or, for a trigger, a rule, take
    it and fail at the first row it fires on)."""
    gone = [c for c in used if c not in columns]
    if not gone:
        return None
    return Dressing(label, None, _not_in_new_table(gone[0]), recreate=sql)


def read_dressing(query: Query, target: str, columns: Collection[str]) -> list[Dressing]:
    """What table ``target`` (qualified) has that a new table of its name, with ``columns``,
    should get: privileges (on the table and on columns), triggers, row security, comment,
    indexes that back no constraint, replica identity, statistics objects and targets,
    storage parameters, publication membership, owner."""
    rows = query(
        "SELECT pg_get_userbyid(c.relowner), c.relowner = (SELECT oid FROM pg_roles WHERE "
        "rolname = current_user), obj_description(c.oid, 'pg_class'), "
        "(SELECT string_agg(CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE "
        "quote_ident(pg_get_userbyid(a.grantee)) END || chr(2) || a.privilege_type || chr(2) "
        "|| a.is_grantable::text, chr(1)) FROM aclexplode(c.relacl) a "
        "WHERE a.grantee <> c.relowner), c.relrowsecurity, c.relforcerowsecurity, "
        "c.relreplident::text, array_to_string(c.reloptions, ', ') "
        "FROM pg_class c WHERE c.oid = $1::regclass",
        (target,),
    )
    if not rows:
        return []
    owner, own, comment, grants, row_security, forced, identity, options = rows[0]
    dressing = []
    for grant in str(grants).split("\x01") if grants else []:
        grantee, privilege, grantable = grant.split("\x02")
        option = " WITH GRANT OPTION" if grantable == "true" else ""
        dressing.append(
            Dressing(
                f"{privilege} to {grantee}", f"GRANT {privilege} ON {target} TO {grantee}{option}"
            )
        )
    dressing += _column_grants(query, target, set(columns))
    for trigger, definition, used in query(
        "SELECT t.tgname, pg_get_triggerdef(t.oid), "
        + columns_used("pg_trigger", "t.oid", "t.tgrelid")
        + " FROM pg_trigger t WHERE t.tgrelid = $1::regclass AND NOT t.tgisinternal ORDER BY 1",
        (target,),
    ):
        label, sql = f"trigger {trigger}", str(definition)
        dressing.append(lacking(label, sql, used, columns) or Dressing(label, sql))
    if row_security:
        dressing.append(Dressing("row security", f"ALTER TABLE {target} ENABLE ROW LEVEL SECURITY"))
    if forced:
        dressing.append(
            Dressing("forced row security", f"ALTER TABLE {target} FORCE ROW LEVEL SECURITY")
        )
    if comment is not None:
        literal = quote_literal(str(comment))
        dressing.append(Dressing("comment", f"COMMENT ON TABLE {target} IS {literal}"))
    dressing += _indexes(query, target, columns)
    dressing += _replica_identity(query, target, str(identity))
    dressing += _statistics(query, target, set(columns))
    if options:
        dressing.append(
            Dressing(f"storage parameters ({options})", f"ALTER TABLE {target} SET ({options})")
        )
    dressing += _publications(query, target)
    if not own:
        owner_sql = f"ALTER TABLE {target} OWNER TO {quote_ident(str(owner))}"
        dressing.append(Dressing(f"owner {owner}", owner_sql))
    return dressing


def _column_grants(query: Query, target: str, columns: set[str]) -> list[Dressing]:
    """Privileges granted on some columns only (``GRANT SELECT (id, name)``): one GRANT per
    grantee and privilege, on the columns the new table still has."""
    rows = query(
        "SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) "
        "END, x.privilege_type, x.is_grantable, array_agg(a.attname::text ORDER BY a.attnum) "
        "FROM pg_attribute a, aclexplode(a.attacl) x WHERE a.attrelid = $1::regclass "
        "AND a.attnum > 0 AND NOT a.attisdropped "
        "AND x.grantee <> (SELECT relowner FROM pg_class WHERE oid = $1::regclass) "
        "GROUP BY 1, 2, 3 ORDER BY 1, 2",
        (target,),
    )
    dressing = []
    for grantee, privilege, grantable, granted in rows:
        kept = [c for c in granted if c in columns]
        for gone in (c for c in granted if c not in columns):
            dressing.append(
                Dressing(f"{privilege} ({gone}) to {grantee}", None, _not_in_new_table(gone))
            )
        if kept:
            names = ", ".join(quote_ident(c) for c in kept)
            option = " WITH GRANT OPTION" if grantable else ""
            dressing.append(
                Dressing(
                    f"{privilege} ({', '.join(kept)}) to {grantee}",
                    f"GRANT {privilege} ({names}) ON {target} TO {grantee}{option}",
                )
            )
    return dressing


def _indexes(query: Query, target: str, columns: Collection[str]) -> list[Dressing]:
    """Indexes that back no constraint (a key or unique constraint comes from the source)."""
    rows = query(
        "SELECT ic.relname, i.indisunique, substring(pg_get_indexdef(i.indexrelid) "
        "from ' USING .*$'), " + columns_used("pg_class", "i.indexrelid", "i.indrelid") + " "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "WHERE i.indrelid = $1::regclass AND i.indisvalid AND NOT EXISTS (SELECT 1 FROM "
        "pg_constraint WHERE conrelid = i.indrelid AND conindid = i.indexrelid) ORDER BY 1",
        (target,),
    )
    dressing = []
    for name, unique, using, used in rows:
        label = f"{'unique ' if unique else ''}index {name}"
        definition = PgDefinition("index", str(name), str(using), label, unique=bool(unique))
        key = index_key(definition.unique, definition.sql)
        sql = index_sql(target, definition)
        item = lacking(label, sql, used, columns)
        if item is not None:
            dressing.append(replace(item, key=key, builds_index=True))
            continue
        dressing.append(
            Dressing(label, sql, key=key, name=str(name), builds_index=True, tried=True)
        )
    return dressing


def _replica_identity(query: Query, target: str, identity: str) -> list[Dressing]:
    """What logical replication sends to identify an updated or deleted row, where it is not
    the primary key (the default)."""
    sql = f"ALTER TABLE {target} REPLICA IDENTITY "
    if identity == "f":
        return [Dressing("replica identity FULL", sql + "FULL")]
    if identity == "n":
        return [Dressing("replica identity NOTHING", sql + "NOTHING")]
    if identity != "i":
        return []
    rows = query(
        "SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "WHERE i.indrelid = $1::regclass AND i.indisreplident",
        (target,),
    )
    return [
        Dressing(f"replica identity index {r[0]}", f"{sql}USING INDEX {quote_ident(str(r[0]))}")
        for r in rows
    ]


def _statistics(query: Query, target: str, columns: set[str]) -> list[Dressing]:
    """Extended statistics objects (``CREATE STATISTICS``) and their targets, and the
    columns' own statistics targets and options (``SET STATISTICS 500``, ``n_distinct``)."""
    dressing = []
    for name, definition, aim, qualified_name, used in query(
        "SELECT s.stxname, pg_get_statisticsobjdef(s.oid), "
        "(to_jsonb(s) ->> 'stxstattarget')::int, quote_ident(n.nspname) || '.' || "
        "quote_ident(s.stxname), " + columns_used("pg_statistic_ext", "s.oid", "s.stxrelid") + " "
        "FROM pg_statistic_ext s "
        "JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE s.stxrelid = $1::regclass ORDER BY 1",
        (target,),
    ):
        wanted = [(f"statistics {name}", str(definition))]
        if aim is not None and aim >= 0:
            aim_sql = f"ALTER STATISTICS {qualified_name} SET STATISTICS {aim}"
            wanted.append((f"statistics target {aim} on {name}", aim_sql))
        for label, sql in wanted:
            dressing.append(lacking(label, sql, used, columns) or Dressing(label, sql))
    # Of a column's options, the planner's (a server may keep its own there too).
    for name, column_aim, options in query(
        "SELECT attname, attstattarget, (SELECT string_agg(o, ', ') FROM unnest(attoptions) o "
        "WHERE o ~ '^n_distinct(_inherited)?=') AS planner FROM pg_attribute "
        "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (target,),
    ):
        column = f"ALTER TABLE {target} ALTER COLUMN {quote_ident(str(name))}"
        wanted = []
        if column_aim is not None and column_aim >= 0:
            wanted.append(
                (f"statistics target {column_aim} on {name}", f"SET STATISTICS {column_aim}")
            )
        if options:
            wanted.append((f"{options} on {name}", f"SET ({options})"))
        for label, change in wanted:
            if name in columns:
                dressing.append(Dressing(label, f"{column} {change}"))
            else:
                dressing.append(Dressing(label, None, _not_in_new_table(str(name))))
    return dressing


_NOT_SENT = (
    "the rows this run loaded went into a new table before it joined the publication, so they "
    "were not sent to subscribers, which still hold the old rows (--mode truncate loads into "
    "the table itself)"
)


def _publications(query: Query, target: str) -> list[Dressing]:
    """The publications that name the table (``FOR TABLE users``), with their column list
    and row filter (PostgreSQL 15); one FOR ALL TABLES or for its schema takes in the new
    table by itself."""
    rows = query(
        "SELECT p.pubname, pt.r ->> 'rowfilter', CASE WHEN to_jsonb(pr) ->> 'prattrs' IS NOT NULL "
        "THEN ARRAY(SELECT jsonb_array_elements_text(pt.r -> 'attnames')) END "
        "FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid "
        "JOIN pg_class c ON c.oid = pr.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL (SELECT to_jsonb(t) AS r FROM pg_publication_tables t "
        "WHERE t.pubname = p.pubname AND t.schemaname = n.nspname AND t.tablename = c.relname) pt "
        "WHERE pr.prrelid = $1::regclass ORDER BY 1",
        (target,),
    )
    dressing = []
    for name, row_filter, listed in rows:
        table = target + (f" ({', '.join(quote_ident(c) for c in listed)})" if listed else "")
        where = f" WHERE ({row_filter})" if row_filter else ""
        sql = f"ALTER PUBLICATION {quote_ident(str(name))} ADD TABLE {table}{where}"
        caveat = f"publication {name}: {_NOT_SENT}"
        dressing.append(Dressing(f"publication {name}", sql, caveat=caveat))
    return dressing


def _not_in_new_table(column: str) -> str:
    return f"the new table has no column {column!r}"


def to_give(dressing: Sequence[Dressing], *, commented: bool, indexes: bool) -> list[Dressing]:
    """``dressing`` as a new table is given it: ``commented``, it has the source's comment,
    which wins; ``indexes`` False (--no-keys), it gets no index, nor a constraint built on one
    (named, with its statement)."""
    given = []
    for item in dressing:
        if commented and item.label == "comment":
            continue
        if item.builds_index and not indexes:
            item = item.not_kept("--no-keys builds none")
        given.append(item)
    return given


def of_same_type(dressing: Sequence[Dressing], types: Mapping[str, str]) -> list[Dressing]:
    """``dressing`` with each default whose column the new table (its columns' types as the
    catalog declares them: ``types``) has with another type named, not given."""
    kept = []
    for item in dressing:
        if item.typed and item.sql is not None:
            column, was = item.typed
            now = types.get(column)
            if now is not None and now != was:
                item = item.not_kept(f"the column's type changed from {was} to {now}")
        kept.append(item)
    return kept


def still_to_give(
    dressing: Sequence[Dressing],
    have: Collection[str],
    taken: Collection[str],
    types: Mapping[str, str] | None = None,
) -> list[Dressing]:
    """``dressing`` less what the new table has or will have (``have``: the ``key`` of each),
    whatever its name; one whose name the new table's own takes (``taken``) is named, not
    given: the source's wins. ``types``: the new table's columns' types, which make a cast
    of a column to its own type the same as none (``without_own_type_casts``)."""
    if types is not None:
        have = {without_own_type_casts(key, types) for key in have}
    have = {_unquoted(key) for key in have}
    kept = []
    for item in dressing:
        key = without_own_type_casts(item.key, types) if types is not None else item.key
        if key and _unquoted(key) in have:
            continue
        if item.name and item.name in taken:
            item = item.not_kept("the new table has another of that name")
        kept.append(item)
    return kept


_QUOTED_PLAIN = re.compile(r'"([a-z_][a-z0-9_$]*)"')


def _unquoted(key: str) -> str:
    """``key`` with each quoted plain name unquoted: the server quotes a reserved word
    (``PRIMARY KEY ("from")``), which a key told before the table is built cannot know."""
    return _QUOTED_PLAIN.sub(r"\1", key)


def without_own_type_casts(key: str, types: Mapping[str, str]) -> str:
    """An index's ``key`` with each cast of a column to the type the new table gives it
    dropped: ``lower((email)::text)`` on a citext column is ``lower(email)`` once the column
    is text, as the server writes it (it adds no cast of a value to its own type)."""
    for column, declared in types.items():
        # The server quotes a name only where it must: either spelling may be in the key.
        for named in {quote_ident(column), column}:
            spelled = re.escape(named)
            cast = rf"(?<![\w$\"])(?:\({spelled}\)|{spelled})::{re.escape(declared)}(?![\w$])"
            key = re.sub(cast, named.replace("\\", "\\\\"), key)
    return key
