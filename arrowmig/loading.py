"""Where a table's rows land while it loads, and how it is put in place.

A table with a split key loads straight into its target, batch by batch, each batch with its
checkpoint, so a crash is resumed after the last committed key. A table without one, and
every table in ``--mode replace``, loads into a staging table that is moved into place in one
transaction at the end (keys and indexes built there too): a crash never leaves part of it
behind, and a replaced table is never missing or half-loaded.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import pyarrow as pa

from arrowmig.auto_keys import identity_resets, sequence_renames
from arrowmig.backup_copies import backup_copy, backup_indexes
from arrowmig.backups import MAX_NAME_BYTES, backup_name, name_hash
from arrowmig.endpoints.base import INTERNAL_PREFIX, Endpoint
from arrowmig.endpoints.common import (
    STATISTICS_LEFT,
    leaving,
    not_built,
    out_of_room,
    raise_if_resumable,
)
from arrowmig.endpoints.pg_dressing import Dressing, to_give
from arrowmig.errors import ArrowmigError, StatementStopped, TransferError
from arrowmig.meter import FinishWork
from arrowmig.model import Table, TableLoad
from arrowmig.placed_left import Left, Record, give_left
from arrowmig.schema import key_statements, quote_ident

STAGE_PREFIX = f"{INTERNAL_PREFIX}stage_"
WRITES_KEPT = "(with any rows other sessions wrote to it during the run)"
"""Said of a replaced table's backup: the new table lacks what was written to the old one."""


def staging_name(table: str) -> str:
    """A short internal name (under every target's length limit) for a table's staging copy."""
    return STAGE_PREFIX + name_hash(table)


def suffixed(name: str, suffix: str) -> str:
    """``name`` + ``suffix`` within PostgreSQL's 63 bytes (a longer one it would cut short, and
    two cut alike would collide): a long name is shortened and told apart by a hash."""
    whole = name + suffix
    if len(whole.encode()) <= MAX_NAME_BYTES:
        return whole
    digest = "_" + hashlib.sha1(name.encode()).hexdigest()[:8]
    room = MAX_NAME_BYTES - len((digest + suffix).encode())
    head = name.encode()[:room].decode(errors="ignore")
    return head + digest + suffix


@dataclass(frozen=True)
class Landing:
    """Where one table's batches are written, and how it is finished."""

    final: Table
    """The table as it will be named and shaped in the target."""
    action: str
    """create, replace, append or truncate."""
    staged: bool
    """True: batches go to a staging table moved into place at the end."""

    @property
    def physical(self) -> Table:
        """The table batches are written into."""
        return (
            replace(self.final, name=staging_name(self.final.name)) if self.staged else self.final
        )

    @property
    def resumable(self) -> bool:
        """Whether a crash can be resumed after the last committed key. Not an unlogged
        table's: a crash of the server empties it, while the (logged) checkpoints still
        count its committed rows."""
        return self.final.split_key is not None and not self.final.unlogged


def named_as_final(exc: ArrowmigError, landing: Landing) -> None:
    """Have ``exc`` name the table the user will find where it names its staging table: a
    write's error (``writing '_arrowmig_stage_8efd86fb78a5': ...``) named a table that no
    one created and that is gone once the run ends."""
    if landing.staged:
        stage, final = landing.physical.name, landing.final.name
        exc.message = exc.message.replace(repr(stage), repr(final))
        exc.table = final if exc.table == stage else exc.table


def describe_landing(landing: Landing) -> str:
    """One line for the plan: where the rows land and what a resume does."""
    key = landing.final.split_key
    if landing.staged and landing.resumable:
        return (
            f"into a staging table, put in place in one transaction at the end; "
            f"a resumed run continues after the last committed {key}"
        )
    if landing.staged:
        why = "no integer key to continue after"
        if len(landing.final.primary_key) > 1:  # pagila's payment (payment_date, payment_id)
            why = (
                "no key of one integer column to continue after (its primary key is "
                f"({', '.join(landing.final.primary_key)}))"
            )
        if landing.final.unlogged:
            why = "unlogged as in the source (a crash of the server empties it)"
        return (
            f"into a staging table, put in place in one transaction at the end; {why}, "
            "so a resumed run loads it again from the start"
        )
    return f"straight into the target, batch by batch; a resumed run continues after the last committed {key}"


def landing_for(target: Table, source: Table, action: str) -> Landing:
    # An unlogged table is staged, so that a resume can load it again whole (``resumable``).
    staged = action == "replace" or source.split_key is None or target.unlogged
    return Landing(replace(target, split_key=source.split_key), action, staged)


def emptied_by_a_crash(dst: Endpoint, landing: Landing) -> bool:
    """Whether an unlogged table that the interrupted run had put in place is empty now: a
    crash of the PostgreSQL server empties every unlogged table, while the checkpoints
    still say it was loaded. (One empty in the source is loaded again at no cost.)"""
    name = landing.final.name
    if not landing.final.unlogged or not dst.table_exists(name):
        return False
    return not dst.execute(f"SELECT 1 FROM {dst.qualify(name)} LIMIT 1")


def emptied_first(landing: Landing, dialect: str) -> bool:
    """Whether ``--mode truncate`` empties this table before loading (``empty_tables``); a
    staged one is emptied when its rows are put in place, except into PostgreSQL, which
    empties tables that reference each other only together, in one TRUNCATE: there the
    run's staged tables are in it too."""
    return landing.action == "truncate" and (not landing.staged or dialect == "postgresql")


def empty_tables(dst: Endpoint, names: list[str], *, checked: bool = False) -> None:
    """Empty the tables ``--mode truncate`` loads into, before any is loaded: together where
    the target can (PostgreSQL refuses to empty a table a foreign key points at on its own).
    ``checked``: ``check_emptying`` has looked at these tables already (a run does before it
    records itself), not again."""
    if not names:
        return
    truncate_tables = getattr(dst, "truncate_tables", None)
    if truncate_tables is not None:
        truncate_tables(names, checked=checked)
        return
    for name in names:
        dst.truncate_table(name)


def check_emptying(
    dst: Endpoint, names: list[str], apart: Collection[tuple[str, str]] = ()
) -> None:
    """Refuse, as ``empty_tables`` would, to empty tables the target cannot empty (PostgreSQL:
    one a table outside them has a foreign key to); for the plan, which empties nothing.
    ``apart``: in a run of several schemas, the other schemas' tables, (target schema, name),
    each schema's run empties on its own (``schemas.emptied_apart``)."""
    check = getattr(dst, "check_emptying", None)
    if check is not None:
        check(names, apart)


def prepare(dst: Endpoint, landing: Landing, *, emptied: bool = False) -> None:
    """Create (or empty) what the batches are written into. Nothing else is touched yet.
    ``emptied``: ``empty_tables`` emptied it already, with the run's other tables."""
    if landing.staged:
        dst.drop_table(landing.physical.name)
        dst.create_table(landing.physical)
        return
    if landing.action == "truncate":
        if not emptied:
            dst.truncate_table(landing.final.name)
    elif landing.action == "create" or not dst.table_exists(landing.final.name):
        dst.create_table(landing.final)


def _written_notes(dst: Endpoint, written: str, shown: str) -> list[str]:
    """What the target changed in the values written into table ``written`` (a SQLite
    target's -0.0 stored as 0.0), told of table ``shown``, the name the user knows."""
    pop_notes = getattr(dst, "pop_notes", None)
    return list(pop_notes(written, shown)) if pop_notes is not None else []


def finish(
    dst: Endpoint,
    landing: Landing,
    *,
    keep_backup: bool = False,
    analyze: bool = True,
    moved: Collection[str] = (),
    indexes: bool = True,
    placed: Record | None = None,
    held: str | None = None,
) -> TableLoad:
    """Build keys and indexes, and move a staging table into place, in one transaction.
    ``moved``: the run's target tables (their foreign keys are the run's to add); ``indexes``:
    False (--no-keys) builds none of a replaced table's own either; ``placed``: the statement
    that records a staged table put in place with what is left to give it, committed with it
    and as each is given (``finish_placed``); ``held``: a statement that fails unless the run
    still holds the table (``run_lock``), first in the put in place of a staged one.

    A stop (``StatementStopped``), or a failure ``--resume`` gets past (a full disk, memory:
    ``resumable``), is raised, not noted, with what it left undone: a table loaded straight
    is built again as far as it got (what is there is passed over), and a staged one goes on
    after its put in place (``finish_placed``)."""
    final = landing.final
    statistics = [STATISTICS_LEFT] if analyze and dst.dialect == "postgresql" else []
    if not landing.staged:
        if landing.action in ("append", "truncate"):
            # An existing table keeps its own keys, indexes and constraints; its key
            # sequences are moved past the keys that arrived.
            load = TableLoad()
            load.skipped.extend(_written_notes(dst, final.name, final.name))
            _advance_key_sequences(dst, final, load)
            return load
        with leaving(*statistics):
            load = dst.finish_table(final)
        if analyze:
            _analyze(dst, final, load)
        return load
    target = dst.qualify(final.name)
    stage = dst.qualify(landing.physical.name)
    load = TableLoad()
    load.skipped.extend(_written_notes(dst, landing.physical.name, final.name))
    statements: list[str] = []
    exists = dst.table_exists(final.name)
    pointing_in: list[tuple[str, str, str]] = []
    unheld_before: dict[str, str] = {}
    unheld_keys_into = getattr(dst, "unheld_keys_into", None)  # SQLite's
    dressing: list[Dressing] = []
    if landing.action in ("create", "replace") or not exists:
        if exists and dst.dialect == "postgresql":
            pointing_in = dst.foreign_keys_into(final.name, moved)  # type: ignore[attr-defined]
            if not keep_backup:  # (a backup keeps them, pointing at it)
                every = dst.foreign_keys_into(final.name, ())  # type: ignore[attr-defined]
                load.keys_dropped_with_it = [
                    (*key, _oid(dst, key[0])) for key in every if key not in pointing_in
                ]
        if exists and unheld_keys_into is not None:
            unheld_before = unheld_keys_into(final.name, moved)
        table_dressing = getattr(dst, "table_dressing", None)
        if exists and table_dressing is not None:
            dressing = table_dressing(final.name, [c.name for c in final.columns], moved)
            dressing = to_give(dressing, commented=bool(final.comment), indexes=indexes)
        if exists:
            statements += _set_aside(dst, final.name, keep_backup, load)
        statements.append(f"ALTER TABLE {stage} RENAME TO {quote_ident(final.name)}")
        statements += _key_statements(dst, final, load, _names_taken(dst, final))
    else:
        cols = ", ".join(quote_ident(c.name) for c in final.columns)
        if landing.action == "truncate":
            statements.append(f"DELETE FROM {_own_rows(dst, final.name)}")
        # A PostgreSQL GENERATED ALWAYS identity takes the loaded keys only when told to
        # (COPY takes them as they come).
        overriding = " OVERRIDING SYSTEM VALUE" if dst.dialect == "postgresql" else ""
        statements.append(f"INSERT INTO {target} ({cols}){overriding} SELECT {cols} FROM {stage}")
        statements.append(f"DROP TABLE {stage}")
    created = landing.action in ("create", "replace") or not exists
    if dst.dialect == "postgresql" and created:
        # Keys arrived as explicit values: move each key sequence past them, in the same
        # transaction, so the next insert that leaves the key out does not collide.
        statements += identity_resets(final, dst.schema)
        statements += sequence_renames(final, dst.schema)
    left = Left(tuple(dressing), tuple(pointing_in))
    if placed is not None:
        # With the rows put in place, not after: stopped from here on, a resume must not
        # look for the staging table, gone now, but go on after it, and give the new table
        # what the replaced one had, read from it before and gone with it (``placed_left``).
        statements.append(placed(left))
    if held is not None:
        statements.insert(0, held)
    what = f"putting {final.name!r} in place"
    take_alone = getattr(dst, "take_alone", None)  # PostgreSQL's
    if exists and created and take_alone is not None:
        # Its lock first, in short tries: a DROP or RENAME waiting in the lock queue holds
        # up every other session's statement on the table for as long as it waits.
        take_alone([final.name], what, final.name)
    dst.run_in_transaction(statements, what, final.name)
    # The key sequences and statistics a stop (or a full disk) leaves to --resume
    # (``finish_placed``). What the replaced table had (its dressing, other tables' keys into
    # it) is given all the same, a stop naming each item it cut short, with how to add it.
    stopped: TransferError | None = None
    try:
        with leaving(*statistics):
            _key_sequences(dst, final, load, created=created)
    except TransferError as cut:
        stopped = _left_for_resume(cut)
    give_left(dst, final, left, load, placed)
    if exists and landing.action in ("create", "replace") and unheld_keys_into is not None:
        # SQLite keeps other tables' keys by this table's name: those the new table cannot
        # hold, as the old one did, are named (what they did, ON DELETE CASCADE, is gone).
        after = unheld_keys_into(final.name, moved).items()
        load.skipped.extend(note for key, note in after if key not in unheld_before)
    if analyze and stopped is None:
        try:
            _analyze(dst, final, load)
        except TransferError as cut:
            stopped = _left_for_resume(cut)
    if stopped is not None:
        stopped.notes = (*stopped.notes, *load.skipped)  # what it could not give, told
        raise stopped
    return load


def _oid(dst: Endpoint, table: str) -> int:
    """A PostgreSQL table's OID (qualified ``table``): the same table, not one of its name."""
    return int(dst.execute("SELECT $1::regclass::oid::int8", (table,))[0][0])


def _left_for_resume(cut: TransferError) -> TransferError:
    """A step after a staged table was put in place that ``cut`` cut short: left for
    ``--resume`` (a stop, a full disk, memory), the rest given first; any other error (a lost
    connection, which a retry on a new connection gets past at once) is raised now."""
    if isinstance(cut, StatementStopped) or out_of_room(cut):
        return cut
    raise cut


def finish_placed(
    dst: Endpoint,
    landing: Landing,
    *,
    analyze: bool = True,
    left: Left | None = None,
    placed: Record | None = None,
) -> TableLoad:
    """The rest of ``finish`` for a staged table the interrupted run put in place, with its
    keys and indexes, and was stopped after: its key sequences, what is ``left`` to give it
    of the table it replaced (``placed``: as ``finish``'s) and its statistics."""
    load = TableLoad()
    created = landing.action in ("create", "replace")
    with leaving(*([STATISTICS_LEFT] if analyze and dst.dialect == "postgresql" else [])):
        _key_sequences(dst, landing.final, load, created=created)
    give_left(dst, landing.final, left or Left(), load, placed)
    if analyze:
        _analyze(dst, landing.final, load)
    return load


def _key_sequences(dst: Endpoint, table: Table, load: TableLoad, *, created: bool) -> None:
    """A table put in place: its key sequences past the loaded keys (DuckDB creates them;
    PostgreSQL moved them with the put in place, and says which are used up), or past the
    keys added to an existing one."""
    if not created:
        _advance_key_sequences(dst, table, load)
        return
    # Before the replaced table's own are given: a key's default is the source's (the
    # plan says so), not the old one's, set and then replaced.
    add_key_sequences = getattr(dst, "add_key_sequences", None)  # DuckDB's
    if add_key_sequences is not None:
        add_key_sequences(table, load)
    note_key_sequences = getattr(dst, "note_key_sequences", None)  # PostgreSQL's
    if note_key_sequences is not None:
        note_key_sequences(table, load)


def finish_work(landing: Landing, dialect: str, *, analyze: bool) -> FinishWork:
    """What ``finish`` will do once the table's rows are in, for the ETA to weigh."""
    final = landing.final
    analyzed = 0.0
    if analyze and dialect == "postgresql":
        analyzed = sum(key_weight(final, (column.name,)) for column in final.columns)
    if landing.action in ("append", "truncate"):
        # An existing table keeps its own keys; rows that were staged are copied over once.
        return FinishWork(copies=1, analyzed=analyzed) if landing.staged else FinishWork()
    keys = [key_weight(final, index.columns) for index in final.indexes]
    if final.primary_key and dialect != "sqlite":  # SQLite's is declared with the table
        keys.append(key_weight(final, final.primary_key))
    return FinishWork(keys=tuple(keys), analyzed=analyzed)


def key_weight(table: Table, columns: Sequence[str]) -> float:
    """What building a key over ``columns`` costs a row, against a key over one integer. Its
    entries are sorted: text compares by collation, decimals digit by digit. Into PostgreSQL,
    per million rows on the shared 2-core host: integer 0.6-1.0 s, two integers 0.6,
    timestamptz 0.7, numeric 1.5, text of 10 characters 1.4-1.7, of 32 characters 2.4."""
    types = {column.name: column.arrow_type for column in table.columns}
    return 1.0 + sum(_compared_cost(types.get(name)) for name in columns)


_BY_BYTES = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_binary,
    pa.types.is_large_binary,
)
_FIXED = (pa.types.is_integer, pa.types.is_floating, pa.types.is_temporal, pa.types.is_boolean)


def _compared_cost(kind: pa.DataType | None) -> float:
    """What a key column adds to a key's cost: nothing for numbers and times."""
    if kind is not None and any(test(kind) for test in _FIXED):
        return 0.0
    if kind is not None and any(test(kind) for test in _BY_BYTES):
        return 2.0
    return 1.0  # decimals, uuids, JSON and the like, or an expression


ANALYZE_WORTH_NAMING_S = 2.0
"""An ANALYZE that took longer is named in the report with its time (a table of hundreds of
columns can spend longer on it than on its rows)."""


def _analyze(dst: Endpoint, table: Table, load: TableLoad) -> None:
    """PostgreSQL: gather the planner's statistics for a table arrowmig created."""
    if dst.dialect != "postgresql":
        return
    started = time.monotonic()
    try:
        dst.execute(f"ANALYZE {dst.qualify(table.name)}")
    except ArrowmigError as exc:
        raise_if_resumable(exc, STATISTICS_LEFT)  # the table is --resume's to finish
        load.skipped.append(f"statistics not gathered (autovacuum will): {exc}")
        return
    seconds = time.monotonic() - started
    if seconds >= ANALYZE_WORTH_NAMING_S:
        load.built.append(
            f"statistics (ANALYZE, {seconds:.1f} s; --no-analyze leaves them to autovacuum)"
        )


def advance_failed_append(dst: Endpoint, landing: Landing) -> TableLoad:
    """The key sequences of an existing table an append (or truncate) failed in, moved past
    the rows it committed before it failed, as a finished one's are: those rows stay, and
    the application's next insert would take one of their keys."""
    load = TableLoad()
    if not landing.staged:  # a staged table's rows never reached the existing one
        _advance_key_sequences(dst, landing.final, load)
    return load


def _advance_key_sequences(dst: Endpoint, table: Table, load: TableLoad) -> None:
    advance = getattr(dst, "advance_key_sequences", None)  # each target has its own
    if advance is not None:
        advance(table, load)


def _set_aside(dst: Endpoint, name: str, keep_backup: bool, load: TableLoad) -> list[str]:
    target = dst.qualify(name)
    if not keep_backup:
        return [f"DROP TABLE {target}" + (" CASCADE" if dst.dialect == "postgresql" else "")]
    backup, tag = backup_name(name, dst.table_exists)
    # The new rows are the source's: what the application wrote to the old table while the
    # run loaded is in the backup only (without --keep-backup, it is gone with the table).
    load.built.append(f"previous table kept as {backup!r} {WRITES_KEPT}")
    if dst.dialect == "duckdb":
        # DuckDB cannot rename a table that has indexes: it is built again as it was (keys,
        # defaults, CHECKs), copied and dropped.
        return backup_copy(dst, name, backup, tag)
    statements = [f"ALTER TABLE {target} RENAME TO {quote_ident(backup)}"]
    if dst.dialect == "sqlite":
        # SQLite renames no index, and its index names are the database's: each is built
        # again on the backup under a name of its own, freeing the old one for the new table.
        return statements + backup_indexes(dst, name, quote_ident(backup), tag)
    # Index names are per schema: free the old ones for the new table's indexes.
    for (index,) in _index_names(dst, name):
        statements.append(
            f"ALTER INDEX {dst.qualify(index)} RENAME TO {quote_ident(suffixed(index, '_bak_' + tag))}"
        )
    if dst.dialect == "postgresql":
        # PostgreSQL names a new key after the table and its columns, avoiding names taken in
        # the schema: the backup gives its keys up, so the new table's keep the same names
        # (bets_player_id_fkey, not bets_player_id_fkey1 after a replace).
        kept = dst.qualify(backup)
        for constraint in _own_constraint_names(dst, name):
            statements.append(
                f"ALTER TABLE {kept} RENAME CONSTRAINT {quote_ident(constraint)} "
                f"TO {quote_ident(suffixed(constraint, '_bak_' + tag))}"
            )
        # So are sequences: the new table's key sequences keep their names (the source's,
        # or <table>_<column>_seq), which scripts call nextval() by.
        for (sequence,) in dst.execute(
            "SELECT s.relname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid "
            "AND s.relkind = 'S' WHERE d.classid = 'pg_class'::regclass "
            "AND d.refobjid = $1::regclass AND d.deptype IN ('a', 'i') ORDER BY 1",
            (dst.qualify(name),),
        ):
            statements.append(
                f"ALTER SEQUENCE {dst.qualify(sequence)} "
                f"RENAME TO {quote_ident(suffixed(sequence, '_bak_' + tag))}"
            )
        # Statistics objects are named per schema too: the new table gets the old ones again.
        for statistics in _statistics_names(dst, name):
            statements.append(
                f"ALTER STATISTICS {dst.qualify(statistics)} "
                f"RENAME TO {quote_ident(suffixed(statistics, '_bak_' + tag))}"
            )
    return statements


def _own_constraint_names(dst: Endpoint, table: str) -> list[str]:
    """A PostgreSQL table's foreign key and check constraints (those of its indexes are
    renamed with them)."""
    rows = dst.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = $1::regclass "
        "AND contype IN ('f', 'c') ORDER BY conname",
        (dst.qualify(table),),
    )
    return [str(r[0]) for r in rows]


def _statistics_names(dst: Endpoint, table: str) -> list[str]:
    """A PostgreSQL table's extended statistics objects (``CREATE STATISTICS``)."""
    rows = dst.execute(
        "SELECT stxname FROM pg_statistic_ext WHERE stxrelid = $1::regclass ORDER BY 1",
        (dst.qualify(table),),
    )
    return [str(r[0]) for r in rows]


def _index_names(dst: Endpoint, table: str) -> list[tuple[str]]:
    if dst.dialect == "postgresql":
        rows = dst.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2",
            (dst.schema, table),
        )
    else:
        rows = dst.execute("SELECT name FROM pragma_index_list(?)", (table,))
    return [(str(r[0]),) for r in rows]


def _names_taken(dst: Endpoint, table: Table) -> dict[str, str]:
    """The indexes of a table put in place whose name another table's index (or a relation)
    holds: the replaced table's own go with it."""
    taken = getattr(dst, "index_names_taken", None)
    return taken(table.name, table.indexes, replacing=True) if taken is not None else {}


def _key_statements(
    dst: Endpoint, table: Table, load: TableLoad, refused: dict[str, str]
) -> list[str]:
    statements = []
    for sql, label in key_statements(table, dst.dialect, dst.qualify(table.name), fresh=True):
        if label in refused:
            not_built(load, label, refused[label])
            continue
        if sql:
            statements.append(sql)
        load.built.append(label)
    return statements


def _own_rows(dst: Endpoint, name: str) -> str:
    """Table ``name`` as a DELETE that empties it names it: a PostgreSQL table ``ONLY``, as
    its inheritance children hold rows of their own (the source's parent was read FROM ONLY),
    tables the run was not given; a partitioned one whole, as its partitions hold its rows."""
    target = dst.qualify(name)
    if dst.dialect != "postgresql" or name in dst.partitioned_tables([name]):  # type: ignore[attr-defined]
        return target
    return f"ONLY {target}"
