"""Row-level security of a PostgreSQL source table (ENABLE, FORCE and each policy), as
definitions a PostgreSQL target builds again once the table is loaded and other targets name
as not carried, each policy with its statement: a copy without them shows every row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.endpoints.pg_grants import grant_sql
from arrowmig.model import PgDefinition, Table
from arrowmig.schema import quote_ident

ROW_SECURITY_KINDS = ("row_security", "policy")
"""The kinds of ``PgDefinition`` this module makes."""

_COMMANDS = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}


def row_security(query: Query, oid: int, table: str) -> list[PgDefinition]:
    """Table ``oid``'s row-level security, ENABLE and FORCE before its policies (``table``:
    its name, for the statements the plan shows)."""
    enabled, forced = query(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = $1", (oid,)
    )[0]
    definitions = []
    if enabled:
        definitions.append(
            PgDefinition("row_security", "", "ENABLE ROW LEVEL SECURITY", "row-level security")
        )
    if forced:
        label = "row-level security forced on the owner"
        definitions.append(PgDefinition("row_security", "", "FORCE ROW LEVEL SECURITY", label))
    # pg_get_expr writes a name that the reading session's search_path does not show
    # qualified, as pg_dump does.
    for name, permissive, command, roles, using, checking in query(
        "SELECT p.polname, p.polpermissive, p.polcmd::text, "
        "ARRAY(SELECT CASE WHEN r = 0 THEN '' ELSE pg_get_userbyid(r)::text END "
        "FROM unnest(p.polroles) r ORDER BY 1), "
        "pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid) "
        "FROM pg_policy p WHERE p.polrelid = $1 ORDER BY p.polname",
        (oid,),
    ):
        named = tuple(str(r) for r in roles if r)
        to = ", ".join([*(["PUBLIC"] if "" in roles else []), *map(quote_ident, named)])
        sql = (
            f"AS {'PERMISSIVE' if permissive else 'RESTRICTIVE'} FOR {_COMMANDS[command]} TO {to}"
            + (f" USING ({using})" if using is not None else "")
            + (f" WITH CHECK ({checking})" if checking is not None else "")
        )
        label = f"policy {name} ({policy_sql(quote_ident(table), str(name), sql)})"
        definitions.append(PgDefinition("policy", str(name), sql, label, roles=named))
    return definitions


def policy_sql(target: str, name: str, body: str) -> str:
    """``CREATE POLICY`` of policy ``name`` on table ``target`` (``body``: from ``AS`` on)."""
    return f"CREATE POLICY {quote_ident(name)} ON {target} {body}"


def roles_missing(query: Query, roles: list[str]) -> list[str]:
    """Those of ``roles`` the server has no role of."""
    rows = query(
        "SELECT r FROM json_array_elements_text($1::json) r WHERE NOT EXISTS (SELECT 1 "
        "FROM pg_roles WHERE rolname = r) ORDER BY r",
        # As names_json: a SQL_ASCII database refuses a \\u escape.
        (json.dumps(roles, ensure_ascii=False),),
    )
    return [str(r[0]) for r in rows]


def with_roles_the_target_has(
    table: Table, roles_missing: Callable[[list[str]], list[str]] | None
) -> tuple[Table, list[str]]:
    """``table`` less each policy and grant that names a role the target lacks (CREATE
    POLICY or GRANT would fail), with a note for each that gives its statement to run once
    the role is made. Row-level security itself stays on: without the policy, that role sees
    fewer rows in the copy, never more."""
    named = [
        d for d in table.pg_definitions if d.kind in ("policy", "grant", "schema_grant") and d.roles
    ]
    if not named or roles_missing is None:
        return table, []
    missing = set(roles_missing(sorted({r for d in named for r in d.roles})))
    dropped = [d for d in named if missing.intersection(d.roles)]
    notes = [_unheld_note(table.name, d, [r for r in d.roles if r in missing]) for d in dropped]
    labels = {d.label for d in dropped}
    return (
        replace(
            table,
            pg_definitions=tuple(d for d in table.pg_definitions if d not in dropped),
            not_carried=tuple(n for n in table.not_carried if n not in labels),
        ),
        notes,
    )


def _unheld_note(table: str, definition: PgDefinition, missing: list[str]) -> str:
    """What the report says of a policy or grant whose roles ``missing`` the target lacks."""
    roles = ", ".join(repr(r) for r in missing)
    if definition.kind in ("grant", "schema_grant"):
        return (
            f"{definition.label} not carried: the target has no role {roles}; create it, then "
            f"{grant_sql(quote_ident(table), definition)}"
        )
    return (
        f"policy {definition.name} not carried: the target has no role {roles}; create it, "
        f"then {policy_sql(quote_ident(table), definition.name, definition.sql)}, else the "
        "rows the policy shows stay hidden from its roles (row-level security is on)"
    )
