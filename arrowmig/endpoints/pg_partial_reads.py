"""PostgreSQL source tables a read would not return whole, refused before anything is
written: one whose row-level security policies apply to the reading user, a materialized
view never populated. Each refusal says why, and the way on."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from arrowmig.endpoints.pg_dressing import Query
from arrowmig.endpoints.postgres_catalog import names_json
from arrowmig.errors import SchemaError
from arrowmig.names import written
from arrowmig.schema import qualified, quote_ident


def refuse_partial_reads(query: Query, where: str, schema: str, name: str) -> None:
    """Refuse table ``name`` of ``schema`` in ``where`` (the source, redacted) if reading
    it would not give every row."""
    refuse_partial_reads_of(query, where, schema, [name])


def refuse_partial_reads_of(query: Query, where: str, schema: str, names: list[str]) -> None:
    """``refuse_partial_reads`` of each of ``names`` in turn, looked up in one query."""
    targets = [qualified(name, schema) for name in names]
    rows = query(
        "SELECT x.n, c.relrowsecurity AND (c.relforcerowsecurity OR NOT pg_has_role(c.relowner, "
        "'USAGE')) AND NOT (r.rolsuper OR r.rolbypassrls), r.rolname, "
        "pg_has_role(c.relowner, 'USAGE'), c.relkind = 'm' AND NOT c.relispopulated "
        "FROM json_array_elements_text($1::json) WITH ORDINALITY AS x(target, n), pg_class c, "
        "pg_roles r WHERE c.oid = to_regclass(x.target) AND r.rolname = current_user "
        "ORDER BY x.n",
        (names_json(targets),),
    )
    for nth, *found in rows:
        name = names[int(nth) - 1]
        _refuse(where, name, targets[int(nth) - 1], *found)


def _refuse(
    where: str, name: str, target: str, hidden: bool, user: str, owns: bool, unpopulated: bool
) -> None:
    leave_out = f"leave it out with --exclude {shlex.quote(written(name))}"
    if unpopulated:
        raise unpopulated_view(where, name, target)
    if hidden and owns:
        # The owner's own reads are filtered only by FORCE: "connect as the owner" would
        # send the user back to where they are.
        raise SchemaError(
            f"table {name!r} in {where} has FORCE ROW LEVEL SECURITY, so its policies apply "
            f"to its owner {user!r} too: only the rows they show would be copied",
            hint="connect as a superuser or a role with BYPASSRLS (as pg_dump requires), or "
            f"run ALTER TABLE {target} NO FORCE ROW LEVEL SECURITY for the copy (FORCE again "
            f"after it), or {leave_out}",
            table=name,
        )
    if hidden:
        # Read with row_security off, as pg_dump reads (and arrowmig's reading sessions do).
        raise SchemaError(
            f"table {name!r} in {where} has row-level security policies that apply to "
            f"{user!r}: only the rows they show would be copied",
            hint="connect as the table's owner or a role with BYPASSRLS (as pg_dump requires), "
            f"or {leave_out}",
            table=name,
        )


_UNPOPULATED = re.compile(r'materialized view "((?:[^"]|"")+)" has not been populated')


def unpopulated_view(where: str, name: str, target: str) -> SchemaError:
    """A materialized view created WITH NO DATA (``target``: its qualified name): reading it
    fails, and would fail again in every run (not a lock, nor a passing state)."""
    return SchemaError(
        f"materialized view {name!r} in {where} has not been populated (it was created WITH "
        "NO DATA): it has no rows to read",
        hint=f"run REFRESH MATERIALIZED VIEW {target} in the source first, or leave it out "
        f"with --exclude {shlex.quote(written(name))}",
        table=name,
    )


def unpopulated_in(message: str, where: str, relations: Sequence[str]) -> SchemaError | None:
    """The error for a server's ``message`` that a materialized view of ``relations`` (the
    run's qualified names) is not populated; None for any other message."""
    found = _UNPOPULATED.search(message)
    if found is None:
        return None
    name = found.group(1)
    target = next((r for r in relations if r.endswith("." + quote_ident(name))), name)
    return unpopulated_view(where, name, target)
