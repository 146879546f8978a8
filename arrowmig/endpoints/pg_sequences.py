"""The sequences a PostgreSQL target table's columns draw from, and moving a shared one (a
number several tables draw, a "global ticket number") past the values a run loaded.

Loaded rows bring their values with them, which a sequence never sees: left behind them, the
next insert that leaves the column out takes a loaded value. A sequence the column owns
(serial, identity) is moved with its table (``auto_keys.identity_resets``,
``PostgresEndpoint.advance_key_sequences``); a shared one is moved here, by every table of
the run that draws from it, each move forward only, under a lock, so that tables finishing
at once leave it past the largest of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arrowmig.errors import SchemaError
from arrowmig.key_numbering import furthest, setval_arguments
from arrowmig.model import PgDefinition, Table
from arrowmig.schema import qualified, quote_ident, quote_literal

Query = Callable[..., list[tuple[Any, ...]]]
RunTogether = Callable[[list[str], str, str], None]
"""``PostgresEndpoint.run_in_transaction``: statements that commit together, told as ``what``."""

_LOCKS = 0x617271  # 'arq': the first key of the advisory locks taken to move a sequence


@dataclass(frozen=True)
class Drawn:
    """A column whose default is ``nextval()`` of a sequence (or an identity's own)."""

    column: str
    sequence: str
    """As ``regclass`` shows it: schema-qualified where it is not on the search path."""
    owned: bool
    """The column owns it (serial, identity): no other table draws from it."""
    movable: bool
    """The user may move it (UPDATE on it) and read where it stands, as a load must: SELECT
    (USAGE does for one the column owns, read by ``pg_sequence_last_value``)."""
    step: int
    """Its increment: a sequence counting down (below 0) moves below the smallest key."""
    name: str
    """Its own name (``relname``), unqualified and unquoted."""


def drawn_sequences(query: Query, target: str) -> list[Drawn]:
    """The sequences the integer columns of ``target`` (a qualified table name) draw from."""
    rows = query(
        "SELECT a.attname, q.seq::text, pg_get_serial_sequence($1, a.attname) IS NOT NULL, "
        "has_sequence_privilege(q.seq, 'UPDATE') AND has_sequence_privilege(q.seq, CASE WHEN "
        "pg_get_serial_sequence($1, a.attname) IS NULL THEN 'SELECT' ELSE 'SELECT, USAGE' END), "
        "(SELECT seqincrement FROM pg_sequence WHERE seqrelid = q.seq), "
        "(SELECT relname FROM pg_class WHERE oid = q.seq) "
        "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid "
        "AND d.adnum = a.attnum "
        "LEFT JOIN pg_depend p ON p.classid = 'pg_attrdef'::regclass AND p.objid = d.oid "
        "AND p.refclassid = 'pg_class'::regclass "
        "LEFT JOIN pg_class s ON s.oid = p.refobjid AND s.relkind = 'S' "
        "AND pg_get_expr(d.adbin, d.adrelid) ~ '^nextval\\(' "
        "CROSS JOIN LATERAL (SELECT coalesce(pg_get_serial_sequence($1, a.attname)::regclass, "
        "s.oid::regclass) AS seq) q "
        "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) "
        "AND q.seq IS NOT NULL ORDER BY a.attnum",
        (target,),
    )
    # A serial's default depends on its column as well as on its sequence: a row for each.
    return list(
        dict.fromkeys(
            Drawn(str(r[0]), str(r[1]), bool(r[2]), bool(r[3]), int(r[4]), str(r[5])) for r in rows
        )
    )


def source_marks(table: Table) -> dict[str, int]:
    """For each column of ``table`` drawing from a source sequence, the last value that
    sequence handed out: a target sequence moves past it too, so that a number the source
    gave a row since deleted is not handed out again."""
    marks = {c.name: c.key_high_water for c in table.columns if c.key_high_water is not None}
    last = {d.name: d.value for d in table.pg_definitions if d.kind == "sequence"}
    for d in table.pg_definitions:
        value = last.get(d.sql)
        if d.kind == "sequence_default" and value is not None and d.name not in marks:
            marks[d.name] = value
    return {name: int(value) for name, value in marks.items() if value is not None}


def shared_marks(query: Query, target: str, table: Table) -> dict[str, tuple[int, bool, bool]]:
    """Each shared sequence the columns of ``target`` draw from, the value it must be past
    (the largest value now in those columns, and the source's marks; the smallest, for a
    sequence counting down), whether it counts down, and whether other tables draw from it
    too in the source (one no other table draws from is not called shared)."""
    marks = source_marks(table)
    alone = {c.name for c in table.columns if c.sequence_alone}
    wanted: dict[str, tuple[int, bool, bool]] = {}
    for drawn in drawn_sequences(query, target):
        if drawn.owned:
            continue
        down = drawn.step < 0
        column = quote_ident(drawn.column)
        loaded = query(f"SELECT {'min' if down else 'max'}({column}) FROM {target}")[0][0]
        before = wanted.get(drawn.sequence, (None, down, False))[0]
        mark = furthest(down, loaded, marks.get(drawn.column), before)
        if mark is not None:
            wanted[drawn.sequence] = (mark, down, drawn.column not in alone)
    return wanted


def move_forward(sequence: str, mark: int) -> list[str]:
    """Statements (one transaction) that leave ``sequence`` handing out numbers past
    ``mark`` in its direction (below it, counting down), within its bounds, never moving it
    back (another table of the run, or the application, may have taken it further): the
    lock makes two tables' moves one after the other."""
    literal = quote_literal(sequence)
    # The last number handed out; one step before the first, for a sequence never called.
    position = (
        f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - q.seqincrement END "
        f"FROM {sequence}"
    )
    further = (
        f"CASE WHEN q.seqincrement < 0 THEN {int(mark)} < ({position}) "
        f"ELSE {int(mark)} > ({position}) END"
    )
    return [
        f"SELECT pg_advisory_xact_lock({_LOCKS}, {literal}::regclass::oid::int)",
        f"SELECT setval({literal}::regclass, {setval_arguments(str(int(mark)))}) "
        f"FROM pg_sequence q WHERE q.seqrelid = {literal}::regclass AND {further}",
    ]


def refuse_unmovable(query: Query, schema: str, name: str) -> None:
    """Refuse to load table ``name`` when this user may not move a key sequence it draws from
    past the loaded keys: the run would end done, and the next insert take a loaded key."""
    drawn = drawn_sequences(query, qualified(name, schema))
    unmovable = sorted({d.sequence for d in drawn if not d.movable})
    if unmovable:
        sequences = ", ".join(unmovable)
        user = str(query("SELECT current_user")[0][0])
        raise SchemaError(
            f"cannot load {name!r}: user {user!r} may not move its key sequence "
            f"{sequences} past the keys the run loads (that takes UPDATE on it, and SELECT "
            "to read where it stands), so the next insert would take a loaded key; nothing "
            "has been emptied or written",
            hint=f"GRANT SELECT, UPDATE ON SEQUENCE {sequences} TO {quote_ident(user)}",
            table=name,
        )


def add_sequence(
    query: Query, run_together: RunTogether, schema: str, table: str, definition: PgDefinition
) -> str:
    """Create a sequence a default draws from, at the source's last value; one of its
    name that is there already is kept (an application's, or made for another table of
    the run), its definition and value as they are: a key drawing from it moves it past
    the loaded keys afterwards (``PostgresEndpoint.advance_shared_sequences``)."""
    sequence = qualified(definition.name, schema)
    # Only a sequence is kept: a table of the name is the plan's to avoid (``sequence_names``),
    # and CREATE SEQUENCE says so should one appear since.
    found = query(
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'S'",
        (schema, definition.name),
    )
    if found:
        return f"{definition.label} (there already: kept)"
    statements = [f"CREATE SEQUENCE {sequence} {definition.sql}"]
    if definition.value is not None:
        literal = quote_literal(sequence)
        statements.append(f"SELECT setval({literal}::regclass, {int(definition.value)})")
    run_together(statements, f"creating {definition.label}", table)
    at = "" if definition.value is None else f", at {definition.value:,}"
    return f"{definition.label}{at}"
