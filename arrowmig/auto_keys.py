"""Auto-assigned keys (serial, identity, rowid, a DuckDB sequence default) in each target:
how each is created, what the plan says of it, and the statements that restart its sequence
past the loaded keys, numbering as the source's did where the target can (``key_numbering``).
"""

from __future__ import annotations

from arrowmig.key_numbering import described, sequence_options, setval_arguments
from arrowmig.model import Column, Table
from arrowmig.schema import ddl_type, qualified, quote_ident, quote_literal

_INTEGER_DDL = ("SMALLINT", "INTEGER", "BIGINT")

SHARED_MOVED = "shared sequence"
"""How the report's ``built`` names a shared sequence the run moved past a table's keys."""


def sequence_moved(sequence: str, mark: int, *, down: bool, shared: bool) -> str:
    """How the report's ``built`` names a sequence the run moved past (or below) ``mark``,
    drawn from without being owned: "shared" only where other tables draw from it too, as
    the plan says (``_shared``)."""
    where = f"{'below' if down else 'past'} {mark:,}"
    return f"{SHARED_MOVED} {sequence} {where}" if shared else f"sequence {sequence} moved {where}"


def said_moved(built: str) -> bool:
    """Whether a ``built`` entry is one ``sequence_moved`` wrote."""
    if built.startswith(f"{SHARED_MOVED} "):
        return True
    words = built.rsplit(" ", 3)
    return built.startswith("sequence ") and len(words) == 4 and words[1] == "moved"


def identity_note(table: Table, column: Column, dialect: str) -> str:
    """What the plan says of an auto-assigned key in ``dialect``: kept (and how it numbers,
    from where), numbered differently, or not kept."""
    if dialect == "postgresql" and column.shared_sequence is not None:
        noun = _noun(table, column)
        down = _counts_down(column, dialect)
        past = _past(column, down, f"{noun} of each of the run's tables", noun)
        return (
            f"auto-assigned {noun} kept: it draws from sequence {column.shared_sequence}, "
            f"{_shared(column)}, moved {past}"
        )
    apart = (
        ""
        if column.shared_sequence is None
        else f"; it numbers on its own, apart from the tables it shared sequence "
        f"{column.shared_sequence} with"
    )
    return _own_numbering_note(table, column, dialect) + apart


def _noun(table: Table, column: Column) -> str:
    """What a column drawing from a sequence it does not own is called: a key where it is
    one, else a value (``n int NOT NULL DEFAULT nextval('invoice_no')`` numbers no row)."""
    return "key" if column.name in table.primary_key else "value"


def _shared(column: Column) -> str:
    """How the plan says whom a key's ``shared_sequence`` is shared with."""
    return (
        "which no other table draws from" if column.sequence_alone else "shared with other tables"
    )


def _counts_down(column: Column, dialect: str) -> bool:
    """Whether the key's sequence in ``dialect`` counts down (the source's did, and the
    target keeps its numbering)."""
    numbering = column.key_numbering
    return bool(numbering and numbering.descending and kept_numbering(column, dialect))


def _past(column: Column, down: bool, loaded: str = "loaded key", noun: str = "key") -> str:
    """Where a key's sequence restarts: past the largest key, or below the smallest for one
    that counts down, and past the last the source handed out, or, where its sequence has
    handed none out yet, so that it hands out none before the first the source would."""
    text = f"below the smallest {loaded}" if down else f"past the largest {loaded}"
    if column.key_high_water is None:
        return text
    if column.key_sequence_unused:
        # The mark is one step before the sequence's start: no key the source ever gave.
        step = column.key_numbering.increment if column.key_numbering else 1
        return (
            f"{text}, and not before key {column.key_high_water + step:,}, the first the source's "
            "sequence would hand out (it has handed out none yet)"
        )
    return f"{text} and {noun} {column.key_high_water:,}, the last the source handed out"


def _own_numbering_note(table: Table, column: Column, dialect: str) -> str:
    options = kept_numbering(column, dialect)
    past = _past(column, _counts_down(column, dialect))
    source = "" if column.key_numbering is None else described(column.key_numbering)
    if dialect == "postgresql":
        if is_identity(column, dialect):
            kind = "identity, ALWAYS" if column.identity_always else "identity"
            if column.key_sequence:
                kind += f", sequence {column.key_sequence}"
            if options is None:
                return (
                    f"auto-assigned key numbered differently ({kind} counting up by 1: the "
                    f"source's {source} does not fit {ddl_type(column, dialect)}), "
                    f"restarted {past}"
                )
            return f"auto-assigned key kept ({kind}{', ' + options if options else ''}), restarted {past}"
        return "auto-assigned key not kept: its target type is not an integer"
    if dialect == "sqlite":
        # SQLite numbers past the largest rowid by itself, when the key is the rowid; up by
        # 1 only, whatever the source's sequence did.
        if column is autoincrement_key(table):
            what = f"INTEGER PRIMARY KEY AUTOINCREMENT, its counter {past}"
            if options is None:
                if column.key_numbering and column.key_numbering.descending:
                    what = "INTEGER PRIMARY KEY AUTOINCREMENT, past the largest loaded key"
                return (
                    f"auto-assigned key numbered differently (SQLite's {what}): it counts up "
                    f"by 1, where the source's sequence had {source}"
                )
            return f"auto-assigned key kept ({what})"
        if table.primary_key == (column.name,) and ddl_type(column, dialect) == "INTEGER":
            if options is None:
                return (
                    "auto-assigned key numbered differently (an INTEGER PRIMARY KEY: SQLite's "
                    f"rowid): it counts up by 1 past the largest key, where the source's "
                    f"sequence had {source}"
                )
            return "auto-assigned key kept (an INTEGER PRIMARY KEY: SQLite's rowid)"
        return "auto-assigned key not kept: not the table's single INTEGER PRIMARY KEY"
    if takes_key_sequence(column, dialect):
        sequence = f"sequence {key_sequence_name(table.name, column)!r}"
        if options is None:
            return (
                f"auto-assigned key numbered differently ({sequence} as its default, counting "
                f"up by 1: the source's {source} does not fit {ddl_type(column, dialect)}), "
                f"started {past}"
            )
        return (
            f"auto-assigned key kept ({sequence} as its default"
            f"{', ' + options if options else ''}), started {past}"
        )
    return "auto-assigned key not kept: its target type is not an integer"


def unkept_key_notes(notes: list[str], unkept: dict[str, str]) -> list[str]:
    """The plan's notes, where each key it said the target numbers could not be numbered
    after all (``TableLoad.unkept_keys``: its sequence not created) said not to be, and why:
    the report never says "kept" beside "not created"."""
    said = {c: f"{c}: auto-assigned key not kept: {why}" for c, why in unkept.items()}
    told = _key_notes_replaced(notes, said)
    return told + list(said.values())


def used_up_key_notes(notes: list[str], used_up: set[str]) -> list[str]:
    """The plan's notes, where each key whose sequence the loaded keys used up
    (``TableLoad.used_up_keys``: one at its type's largest) is said to be: the plan's
    "restarted past the largest loaded key" beside "used up at" said two things at once."""
    said = {
        c: f"{c}: auto-assigned key used up: a loaded key is the last value its numbering can "
        "hand out, so an insert that leaves the key out fails"
        for c in used_up
    }
    return _key_notes_replaced(notes, said)


def _key_notes_replaced(notes: list[str], said: dict[str, str]) -> list[str]:
    """``notes``, each plan note of a key in ``said`` replaced by (and popped from) it."""
    return [
        next((said.pop(c) for c in list(said) if n.startswith(f"{c}: auto-assigned key ")), n)
        for n in notes
    ]


_UNFINISHED = "auto-assigned key's sequence not "
"""How ``unfinished_key_notes`` opens its word on a key, after the column's name."""


def unfinished_key_notes(
    notes: list[str], table: Table, dialect: str, status: str = "failed"
) -> list[str]:
    """The plan's notes of a created table that failed (``status``), or was interrupted,
    before it was finished: the finishing is what moves each key's own sequence past the
    loaded keys (PostgreSQL) or creates it there (DuckDB), so the note that said it does says
    it was not done. SQLite's counter follows the rows as they go in; a shared sequence is
    moved for the whole run."""
    if dialect not in ("postgresql", "duckdb"):
        return notes
    verb = "restarted" if dialect == "postgresql" else "created"
    why = (
        "the run was stopped before the table was finished (--resume does it)"
        if status == "interrupted"
        else "the table failed before it was finished"
    )
    told = {
        f"{c.name}: {identity_note(table, c, dialect)}": f"{c.name}: {_UNFINISHED}{verb} past "
        f"the loaded keys: {why}"
        for c in table.columns
        # DuckDB gives a key that shared a sequence one of its own, created as the others.
        if c.auto_increment and (c.shared_sequence is None or dialect == "duckdb")
    }
    return [told.get(n, n) for n in notes]


def without_unfinished_key_notes(notes: list[str]) -> list[str]:
    """``notes`` less those ``unfinished_key_notes`` wrote: of a failed table dropped again
    (empty), whose key sequence went with it, there is nothing left to restart."""
    return [n for n in notes if f": {_UNFINISHED}" not in n]


def unmoved_shared_key_notes(notes: list[str], table: Table, dialect: str) -> list[str]:
    """The plan's notes of a table whose shared sequences the run did not move: it was
    stopped before its wrap-up, which moves them past every table's keys (PostgreSQL)."""
    if dialect != "postgresql":
        return notes
    told = {
        f"{c.name}: {identity_note(table, c, dialect)}": f"{c.name}: auto-assigned "
        f"{_noun(table, c)} kept: it draws from sequence {c.shared_sequence}, {_shared(c)}, not moved "
        "past the loaded keys: the run was stopped before it moved them (--resume does it)"
        for c in table.columns
        if c.auto_increment and c.shared_sequence is not None
    }
    return [told.get(n, n) for n in notes]


def kept_numbering(column: Column, dialect: str) -> str | None:
    """The sequence options (``INCREMENT BY -1 MAXVALUE -1``) that keep the source's
    numbering of an auto-assigned key in ``dialect``: "" for the default numbering; None
    where the target cannot keep it: SQLite's rowid counts up by 1 only, and a type the
    key was cast to may not hold the source's bounds (the key then counts up by 1)."""
    if dialect == "sqlite":
        return "" if column.key_numbering is None else None
    key_type = ddl_type(column, dialect)
    if key_type not in _INTEGER_DDL:
        return None
    return sequence_options(column.key_numbering, key_type)


def autoincrement_key(table: Table) -> Column | None:
    """The single INTEGER key a SQLite target declares AUTOINCREMENT: one whose source never
    hands a key out twice (SQLite AUTOINCREMENT, a sequence), which a plain rowid would."""
    if len(table.primary_key) != 1:
        return None
    col = next((c for c in table.columns if c.name == table.primary_key[0]), None)
    if col is None or col.key_high_water is None or not col.auto_increment:
        return None
    return col if ddl_type(col, "sqlite").upper() == "INTEGER" else None


def is_identity(column: Column, dialect: str) -> bool:
    """Whether the column is created as an identity column in ``dialect`` (PostgreSQL only)."""
    return (
        dialect == "postgresql"
        and column.auto_increment
        and column.shared_sequence is None  # it keeps drawing from the shared sequence
        and ddl_type(column, dialect) in _INTEGER_DDL
    )


def takes_key_sequence(column: Column, dialect: str) -> bool:
    """Whether the column gets a sequence of its own as its default (DuckDB only), created
    once the table is loaded, started past the largest loaded key."""
    return (
        dialect == "duckdb" and column.auto_increment and ddl_type(column, dialect) in _INTEGER_DDL
    )


def serial_sequence_name(table: str, column: str) -> str:
    """The name PostgreSQL gives the sequence a serial or identity column owns."""
    return f"{table}_{column}_seq"


def key_sequence_name(table: str, column: Column) -> str:
    """The sequence behind an auto-assigned key (a PostgreSQL identity's, a DuckDB key's):
    the source's own name for it (``Column.key_sequence``), else PostgreSQL's serial naming."""
    return column.key_sequence or serial_sequence_name(table, column.name)


def identity_resets(table: Table, schema: str | None) -> list[str]:
    """PostgreSQL: move each key sequence of ``table`` past its largest value (below the
    smallest, for one counting down), within its bounds (``key_numbering.restart``).

    Keys were loaded as explicit values, which never advance the sequence; without this
    the next insert that lets the key default would collide with a loaded row. A column
    of an existing table without a sequence is left alone.
    """
    statements = []
    target = qualified(table.name, schema)
    for col in table.columns:
        if not is_identity(col, "postgresql"):
            continue
        down = _counts_down(col, "postgresql")
        mark = f"(SELECT {'min' if down else 'max'}({quote_ident(col.name)}) FROM {target})"
        if col.key_high_water is not None:  # past the source's deleted keys too
            mark = f"{'LEAST' if down else 'GREATEST'}({mark}, {int(col.key_high_water)})"
        statements.append(
            f"SELECT setval(k.s, {setval_arguments('k.m')}) FROM (SELECT "
            f"pg_get_serial_sequence({quote_literal(target)}, {quote_literal(col.name)})::regclass AS s, "
            f"{mark} AS m) AS k JOIN pg_sequence q ON q.seqrelid = k.s WHERE k.m IS NOT NULL"
        )
    return statements


def sequence_renames(table: Table, schema: str | None, *, kept_only: bool = False) -> list[str]:
    """PostgreSQL: after a staging table took the final name, give each of its key sequences
    the source's name for it, else the name PostgreSQL would have given it
    (``<table>_<column>_seq``): it was named after the staging table, and scripts call
    setval() and nextval() by that name. A name another relation holds (the backup table's
    sequence, with --keep-backup, or one of the schema's own: ``sequence_names_sql``) or too
    long is passed over. ``kept_only``: only the keys whose source named the sequence
    otherwise (a table just created under its own name)."""
    statements = []
    target = qualified(table.name, schema)
    for col in table.columns:
        if not is_identity(col, "postgresql") or (kept_only and col.key_sequence is None):
            continue
        wanted = (key_sequence_name(table.name, col), serial_sequence_name(table.name, col.name))
        names = {n: qualified(n, schema) for n in wanted if len(n.encode()) <= 63}
        if not names:
            continue
        # The first name that is its own already or free.
        steps = "".join(
            f"ELSIF s = to_regclass({quote_literal(q)}) THEN NULL; "
            f"ELSIF to_regclass({quote_literal(q)}) IS NULL THEN EXECUTE format("
            f"'ALTER SEQUENCE %s RENAME TO %I', s, {quote_literal(n)}); "
            for n, q in names.items()
        )
        statements.append(
            "DO $arrowmig$ DECLARE s regclass := pg_get_serial_sequence("
            f"{quote_literal(target)}, {quote_literal(col.name)}); BEGIN "
            f"IF s IS NULL THEN NULL; {steps}END IF; END $arrowmig$"
        )
    return statements


def sequence_names_sql(table: Table, schema: str | None) -> str | None:
    """PostgreSQL: a query of the identity columns of ``table`` whose sequence did not get
    the source's name for it (``sequence_renames``: another relation holds it): (column,
    the name wanted, the name it has). None when the source named none otherwise."""
    wanted = [
        (c.name, c.key_sequence)
        for c in table.columns
        if c.key_sequence and is_identity(c, "postgresql")
    ]
    if not wanted:
        return None
    target = quote_literal(qualified(table.name, schema))
    names = ", ".join(f"({quote_literal(c)}, {quote_literal(s)})" for c, s in wanted)
    return (
        f"SELECT c.name, c.wanted, s.relname FROM (VALUES {names}) AS c(name, wanted) "
        f"JOIN pg_class s ON s.oid = pg_get_serial_sequence({target}, c.name)::regclass "
        "WHERE s.relname <> c.wanted"
    )


def sequence_name_note(
    column: str,
    wanted: str,
    named: str,
    schema: str | None,
    held_by: str = "another relation of the schema",
) -> str:
    """What the report says of a key sequence that did not get the source's name for it
    (``schema``: the target's, in which the SQL it suggests names the sequence; ``held_by``:
    what holds the name, where the plan knows it)."""
    return (
        f"{column}: key sequence named {named}, not {wanted} as in the source: {held_by} "
        f"holds that name (rename it, then ALTER SEQUENCE "
        f"{qualified(named, schema)} RENAME TO {quote_ident(wanted)})"
    )


def used_up_sql(table: Table, schema: str | None) -> str | None:
    """PostgreSQL: a query of the identity columns of ``table`` whose sequence, moved past
    the loaded keys (``identity_resets``), has no value left to hand out (a key loaded at
    its type's largest value): (column, sequence, its last value). None when the table has
    no identity column. Such a key is said to be used up, as DuckDB's is: the next insert
    that leaves it out fails."""
    columns = [c.name for c in table.columns if is_identity(c, "postgresql")]
    if not columns:
        return None
    target = quote_literal(qualified(table.name, schema))
    names = ", ".join(f"({quote_literal(c)})" for c in columns)
    # pg_sequence_last_value of these sequences only: the pg_sequences view calls it on every
    # sequence in the database, waiting on any another session holds (another worker's, as
    # it swaps a table in place: a deadlock).
    return (
        "SELECT name, s::text, last FROM (SELECT c.name, k.s, q.seqincrement, q.seqmin, "
        "q.seqmax, pg_sequence_last_value(k.s) AS last FROM (VALUES "
        f"{names}) AS c(name) CROSS JOIN LATERAL (SELECT "
        f"pg_get_serial_sequence({target}, c.name)::regclass AS s) AS k "
        "JOIN pg_sequence q ON q.seqrelid = k.s WHERE NOT q.seqcycle OFFSET 0) AS v "
        "WHERE last IS NOT NULL AND last::numeric + seqincrement NOT BETWEEN seqmin AND seqmax"
    )


def used_up_note(table: Table, column: str, sequence: str, last: int) -> str:
    """What the report says of a PostgreSQL key sequence with no value left: as DuckDB's
    report says it (``DuckDBEndpoint.add_key_sequences``), with the numbering kept."""
    options = kept_numbering(table.column(column), "postgresql")
    return (
        f"sequence {sequence} for {column} ({options + ', ' if options else ''}used up at {last:,})"
    )
