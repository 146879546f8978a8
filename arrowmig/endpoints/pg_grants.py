"""The privileges a PostgreSQL source table grants to other roles (``GRANT SELECT ON t TO
app``, and on some columns: ``GRANT UPDATE (body)``), as definitions a PostgreSQL target
grants again once the table is loaded and other targets name as not carried.
"""

from __future__ import annotations

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.model import PgDefinition
from arrowmig.schema import qualified, quote_ident, quote_literal

_GRANTS_SQL = (
    "SELECT CASE WHEN x.grantee = 0 THEN '' ELSE pg_get_userbyid(x.grantee)::text END AS who, "
    "x.is_grantable, string_agg(x.privilege_type, ', ' ORDER BY x.privilege_type), '' "
    "FROM pg_class c, aclexplode(c.relacl) x WHERE c.oid = $1 AND x.grantee <> c.relowner "
    "GROUP BY 1, 2 UNION ALL "
    "SELECT CASE WHEN x.grantee = 0 THEN '' ELSE pg_get_userbyid(x.grantee)::text END, "
    "x.is_grantable, x.privilege_type, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) "
    "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
    "AND NOT a.attisdropped, aclexplode(a.attacl) x WHERE c.oid = $1 AND x.grantee <> c.relowner "
    "GROUP BY 1, 2, 3 ORDER BY 1, 4, 3, 2"
)
"""Per role (PUBLIC as ''), the table's privileges granted with and without GRANT OPTION,
then each privilege granted on some columns only, with those columns. The owner's own are
left out: the target's owner has them."""


def table_grants(query: Query, oid: int) -> list[PgDefinition]:
    """Table ``oid``'s grants to roles other than its owner, one definition per role, grant
    option and (for column grants) privilege."""
    definitions = []
    for who, grantable, privileges, columns in query(_GRANTS_SQL, (oid,)):
        on = f"{privileges} ({columns})" if columns else str(privileges)
        roles = (str(who),) if who else ()
        option = " with grant option" if grantable else ""
        label = f"grant {on} to {who or 'PUBLIC'}{option}"
        definitions.append(
            PgDefinition("grant", "", on, label, roles=roles, grant_option=bool(grantable))
        )
    return definitions


_SEQUENCE_GRANTS_SQL = (
    "SELECT s.relname, a.attname, CASE WHEN x.grantee = 0 THEN '' "
    "ELSE pg_get_userbyid(x.grantee)::text END, x.is_grantable, "
    "string_agg(x.privilege_type, ', ' ORDER BY x.privilege_type), s.oid::regclass::text "
    "FROM pg_depend d JOIN pg_class s ON s.relkind = 'S' AND s.oid = CASE WHEN "
    "d.classid = 'pg_class'::regclass THEN d.objid ELSE d.refobjid END "
    "LEFT JOIN pg_attribute a ON d.classid = 'pg_class'::regclass "
    "AND a.attrelid = d.refobjid AND a.attnum = d.refobjsubid, aclexplode(s.relacl) x "
    "WHERE d.refclassid = 'pg_class'::regclass AND x.grantee <> s.relowner "
    "AND ((d.classid = 'pg_class'::regclass AND d.refobjid = $1 AND d.deptype IN ('a', 'i')) "
    "OR (d.classid = 'pg_attrdef'::regclass "
    "AND d.objid IN (SELECT oid FROM pg_attrdef WHERE adrelid = $1))) "
    "GROUP BY 1, 2, 3, 4, 6 ORDER BY 1, 2, 3, 4"
)
"""Per sequence a column of the table owns (serial, identity: with that column) or a default
draws from (column NULL), per role and grant option, its privileges and the sequence as
``regclass`` shows it (schema-qualified off the search path); the owner's left out."""


def sequence_grants(
    query: Query, oid: int, keys: set[str], carried: set[str]
) -> tuple[list[PgDefinition], list[str]]:
    """The grants on the sequences table ``oid``'s keys ``keys`` own (made again as their
    identities), and on those of ``carried`` its defaults draw from (made again by the run):
    an application that calls nextval() or currval() needs them as it needs the table's.
    Then the labels of the grants on the sequences its defaults draw from that the run does
    not make (one of another schema): named as not carried."""
    rows = query(_SEQUENCE_GRANTS_SQL, (oid,))
    owned = {str(sequence) for sequence, column, *_ in rows if column}
    definitions, left = [], []
    for sequence, column, who, grantable, privileges, shown in rows:
        if column is None and sequence in owned:
            continue  # a serial's default draws from the sequence it owns
        option = " with grant option" if grantable else ""
        if column is None and sequence not in carried:
            left.append(f"grant {privileges} on sequence {shown} to {who or 'PUBLIC'}{option}")
            continue
        if column and column not in keys:
            continue
        definitions.append(
            PgDefinition(
                "grant",
                str(sequence),
                str(privileges),
                f"grant {privileges} on sequence {sequence} to {who or 'PUBLIC'}{option}",
                roles=(str(who),) if who else (),
                grant_option=bool(grantable),
                column=column,
            )
        )
    return definitions, left


def schema_usage(query: Query, schema: str) -> list[tuple[str, bool]]:
    """The roles (PUBLIC as '') schema ``schema`` grants USAGE to, other than its owner, and
    whether with GRANT OPTION."""
    rows = query(
        "SELECT CASE WHEN x.grantee = 0 THEN '' ELSE pg_get_userbyid(x.grantee)::text END, "
        "x.is_grantable FROM pg_namespace n, aclexplode(n.nspacl) x WHERE n.nspname = $1 "
        "AND x.privilege_type = 'USAGE' AND x.grantee <> n.nspowner ORDER BY 1",
        (schema,),
    )
    return [(str(who), bool(grantable)) for who, grantable in rows]


def schema_grants(usage: list[tuple[str, bool]], schema: str) -> list[PgDefinition]:
    """``usage`` (``schema_usage``) as definitions granting it on target schema ``schema``
    (their ``name``), which a run that creates the schema grants with the tables' own: a
    role granted SELECT on a table it may not look up in its schema still cannot read it."""
    return [
        PgDefinition(
            "schema_grant",
            schema,
            "USAGE",
            f"grant USAGE on schema {schema} to {who or 'PUBLIC'}"
            + (" with grant option" if grantable else ""),
            roles=(who,) if who else (),
            grant_option=grantable,
        )
        for who, grantable in usage
    ]


def lacking_usage(query: Query, schema: str, roles: list[str]) -> list[str]:
    """Those of ``roles`` (each one the server has) without USAGE on schema ``schema``."""
    return [
        r
        for r in roles
        if not query("SELECT has_schema_privilege($1, $2, 'USAGE')", (r, schema))[0][0]
    ]


def grant_sql(target: str, definition: PgDefinition, schema: str | None = None) -> str:
    """``GRANT`` of a ``table_grants`` definition on table ``target`` (of a ``schema_grants``
    one, on its schema; of a ``sequence_grants`` one, on its sequence, of ``schema`` where
    given: the one the target's key column owns, for a key's)."""
    to = ", ".join(map(quote_ident, definition.roles)) or "PUBLIC"
    option = " WITH GRANT OPTION" if definition.grant_option else ""
    if definition.kind == "schema_grant":
        target = f"SCHEMA {quote_ident(definition.name)}"
    elif definition.name and schema is not None and definition.column is not None:
        # Named in the target as the key's identity took it (its source's name where free).
        grant = quote_literal(f"GRANT {definition.sql} ON SEQUENCE %s TO {to}{option}")
        column = quote_literal(definition.column)
        return (
            "DO $arrowmig$ DECLARE s regclass := pg_get_serial_sequence("
            f"{quote_literal(target)}, {column}); BEGIN IF s IS NULL THEN RAISE EXCEPTION "
            f"'column % owns no key sequence', {column}; END IF; "
            f"EXECUTE format({grant}, s); END $arrowmig$"
        )
    elif definition.name:
        target = f"SEQUENCE {qualified(definition.name, schema)}"
    return f"GRANT {definition.sql} ON {target} TO {to}{option}"
