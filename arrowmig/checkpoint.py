"""Resume state, kept in the target itself: the table ``_arrowmig_checkpoints``.

Every committed batch updates its stream's row in the same transaction as the batch, so a
batch and its checkpoint commit together or not at all; a resumed run continues each stream
after its last committed key and never writes a row twice. A run is identified by a
fingerprint of the source and of the options that change the data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from arrowmig.config import MigrationConfig
from arrowmig.endpoints.base import CHECKPOINT_TABLE, INTERNAL_PREFIX, Endpoint
from arrowmig.errors import ArrowmigError
from arrowmig.model import Table
from arrowmig.schema import quote_literal

TABLE_ROW = "*"
"""``stream_name`` of a table's own row (prepared / loaded); streams use their names."""
RUN_ROW = "*"
"""``table_name`` of the run's own row (running / complete)."""

# States of a stream row: running, done. Of a table row: prepared, placed (a staged table
# put in place, its finishing stopped after: ``loading.finish_placed``), loaded. Of the run
# row: running, complete.

_COLUMNS = (
    "run_id",
    "table_name",
    "stream_name",
    "physical_table",
    "after_key",
    "upto_key",
    "last_key",
    "rows_done",
    "state",
    "detail",
    "updated_at",
)


def fingerprint(
    source_label: str, tables: list[Table], config: MigrationConfig
) -> tuple[str, dict[str, Any]]:
    """The run id, and what it was computed from (shown when a resume is refused).

    Options that do not change the data (parallel, batch sizes, progress) are left out, so
    they may change on resume.
    """
    basis = {
        "source": source_label,
        "tables": sorted(t.name for t in tables),
        "schema": {
            t.name: [[c.name, str(c.arrow_type), c.target_type or ""] for c in t.columns]
            for t in sorted(tables, key=lambda t: t.name)
        },
        "mode": config.mode,
        "casts": sorted(list(c) for c in config.casts),
        "on_error": config.on_error,
    }
    flags = result_flags(config)
    if flags:  # left out when none: a run's id stays the one an earlier arrowmig gave it
        basis["flags"] = flags
    return run_id_of(basis), basis


def run_id_of(basis: dict[str, Any]) -> str:
    """The run id ``fingerprint`` gives a run computed from ``basis``."""
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16]


def result_flags(config: MigrationConfig) -> list[str]:
    """The command-line flags, off their defaults, that change what the target ends up
    holding beyond rows: a resume without them would build the keys, foreign keys or
    statistics the interrupted run was told not to, type columns from declared types alone
    or drop the backup it was to keep. Part of the fingerprint, so that such a resume is
    refused, and repeated in the command ``arrowmig status`` gives to continue."""
    return [
        flag
        for flag, given in (
            ("--no-keys", not config.keys),
            # --no-keys builds no foreign keys either: with it, this flag changes nothing.
            ("--no-foreign-keys", config.keys and not config.foreign_keys),
            ("--no-profile", not config.profile),
            ("--no-analyze", not config.analyze),
            ("--keep-backup", config.keep_backup),
            # One word, as ``status`` repeats it in the command that resumes the run.
            ("--target-names=lower", config.target_names == "lower"),
        )
        if given
    ]


@dataclass(frozen=True)
class Row:
    """One row of the checkpoint table."""

    run_id: str
    table_name: str
    stream_name: str
    physical_table: str | None
    after_key: int | None
    upto_key: int | None
    last_key: int | None
    rows_done: int
    state: str
    detail: str | None
    updated_at: str | None


Shape = tuple[tuple[str, str], ...]
"""A table's columns as the target's catalog has them: (name, declared type) in table order;
empty when the table is not there."""


def table_shape(target: Endpoint, name: str) -> Shape:
    return tuple(target.declared_columns(name))


def table_shapes(target: Endpoint, names: list[str]) -> dict[str, Shape]:
    """``table_shape`` of each of ``names``: in one query where the target has one for many
    tables (PostgreSQL), a round trip saved per table."""
    of_many = getattr(target, "declared_columns_of", None)
    if of_many is not None and len(names) > 1:
        found = of_many(names)
        return {name: tuple(found.get(name, ())) for name in names}
    return {name: table_shape(target, name) for name in names}


@dataclass(frozen=True)
class TableDetail:
    """What a table row's ``detail`` records of the table being loaded.

    ``shape`` is the table the rows are written into, as it was when the run created it: a
    resumed run compares it with the table as it is now, because rows appended into a column
    whose type was changed in between (PostgreSQL's binary COPY takes int8 bytes into a
    float8 column) would arrive silently wrong.
    """

    landing: str
    """staged or direct (see ``loading.Landing``)."""
    profiled: bool = False
    """Loaded again with a full profile after a value broke a presumed type."""
    shape: Shape | None = None
    held_before: int | None = None
    """Rows the table held before the run wrote into it (an existing table appended to
    straight); None when an arrowmig before this one recorded the table."""
    left: Any = None
    """A table put in place (placed): what is still to give it of the table it replaced
    (``placed_left.Left``, as JSON data); None when nothing is."""
    notes: tuple[str, ...] = ()
    """A table put in place (placed, loaded): the notes its report gave, which a resumed run
    could not find again (``--mode replace``: the replaced table is gone, and with it what it
    had that the new one lacks; a value that broke a presumed type)."""

    def dump(self) -> str:
        data = {
            "landing": self.landing,
            "profiled": self.profiled,
            "shape": [list(c) for c in self.shape] if self.shape is not None else None,
            "held_before": self.held_before,
        }
        if self.left is not None:
            data["left"] = self.left
        if self.notes:
            data["notes"] = list(self.notes)
        return json.dumps(data)

    @classmethod
    def parse(cls, text: str | None) -> TableDetail:
        try:
            data = json.loads(text or "")
        except json.JSONDecodeError:
            # Recorded by arrowmig before this format: "staged" or "direct", maybe "profiled".
            words = (text or "").split()
            return cls(words[0] if words else "", "profiled" in words)
        shape = data.get("shape")
        held_before = data.get("held_before")
        return cls(
            str(data.get("landing", "")),
            bool(data.get("profiled")),
            tuple((str(n), str(t)) for n, t in shape) if shape is not None else None,
            held_before if isinstance(held_before, int) else None,
            data.get("left"),
            tuple(str(note) for note in data.get("notes") or ()),
        )


def shape_change(recorded: Shape, now: Shape) -> str | None:
    """How ``now`` differs from ``recorded`` (the first difference, in words), or None."""
    before, after = dict(recorded), dict(now)
    for name, declared in recorded:
        if name not in after:
            return f"column {name!r} is gone"
        if after[name] != declared:
            return f"column {name!r} is now {after[name]}, the run was writing {declared}"
    for name, _ in now:
        if name not in before:
            return f"column {name!r} was added"
    if recorded != now:
        return "its columns are in another order"
    return None


ROWS_PER_STATEMENT = 500
"""Rows one statement records: 5,500 parameters, within every target's limit (SQLite's
is 32,766)."""


PUT_IN_PLACE = ("placed", "loaded")
"""States of a table's own row once the table the run loaded is the target's."""


def rows_committed(table_rows: list[Row]) -> int:
    """The rows the target holds of one table, from its rows of one run: those its streams
    committed or, once it was put in place, the count its own row records (a staged table
    without a key keeps no stream rows; an arrowmig before this one recorded 0 there)."""
    streams = sum(r.rows_done for r in table_rows if r.stream_name != TABLE_ROW)
    own = next((r for r in table_rows if r.stream_name == TABLE_ROW), None)
    if own is not None and own.state in PUT_IN_PLACE:
        return max(streams, own.rows_done)
    return streams


def run_rows_committed(rows: list[Row]) -> int:
    """The rows a run's record counts as committed (``rows_committed``), over its tables."""
    by_table: dict[str, list[Row]] = {}
    for r in rows:
        if r.table_name != RUN_ROW:
            by_table.setdefault(r.table_name, []).append(r)
    return sum(rows_committed(table_rows) for table_rows in by_table.values())


@dataclass(frozen=True)
class Superseded:
    """A run retired by a later one (``CheckpointStore.supersede``)."""

    run_id: str
    appended: int
    """The rows it had appended (--mode append) to the tables, still there: 0 for a run of
    another mode, whose rows the later run's own mode may have removed."""
    staging_dropped: tuple[str, ...] = ()
    """The staging tables it had kept for its --resume, dropped: no run can use them now."""


_STAGE_PREFIX = f"{INTERNAL_PREFIX}stage_"
"""How a staging table's name begins (``loading.staging_name``)."""


SETTLED = ("complete", "superseded")
"""States of a run row with nothing left to continue."""


def run_basis(run_row: Row) -> dict[str, Any]:
    """What a run was computed from (``fingerprint``) and more, as its own row keeps it."""
    try:
        basis = json.loads(run_row.detail or "{}")
    except ValueError:
        return {}
    return basis if isinstance(basis, dict) else {}


def run_row(run_id: str, state: str, basis: dict[str, Any], *, rows: int = 0) -> Row:
    """The run's own row; ``rows``: all it moved, kept once the tables' rows are forgotten."""
    return Row(
        run_id,
        RUN_ROW,
        TABLE_ROW,
        None,
        None,
        None,
        None,
        rows,
        state,
        json.dumps(basis, sort_keys=True),
        None,
    )


def superseded_text(run_row: Row, target: str) -> str:
    """'the run R in T was superseded by run S, which loaded 'x' afresh at ...': why a
    superseded run (``CheckpointStore.supersede``) cannot go on."""
    by = run_basis(run_row).get("superseded_by")
    by = by if isinstance(by, dict) else {}
    return (
        f"the run {run_row.run_id} in {target} was superseded by run {by.get('run_id', '?')}, "
        f"which loaded {by.get('table', '?')!r} afresh at {by.get('at', '?')}: what the "
        "earlier run committed is no longer what the table holds"
    )


CHECKPOINT_COLUMNS = (
    "run_id",
    "table_name",
    "stream_name",
    "physical_table",
    "after_key",
    "upto_key",
    "last_key",
    "rows_done",
    "state",
    "detail",
    "updated_at",
)
"""The checkpoint table's columns, in the order ``create_sql`` makes them."""


def create_sql(table: str) -> str:
    """The statement that creates the checkpoint table (``table``: its name, qualified)."""
    return (
        f"CREATE TABLE IF NOT EXISTS {table} (run_id TEXT NOT NULL, table_name TEXT NOT NULL, "
        "stream_name TEXT NOT NULL, physical_table TEXT, after_key BIGINT, upto_key BIGINT, "
        "last_key BIGINT, rows_done BIGINT NOT NULL, state TEXT NOT NULL, detail TEXT, "
        "updated_at TEXT, PRIMARY KEY (run_id, table_name, stream_name))"
    )


def _literal(value: str | int | None) -> str:
    """A checkpoint value written into a statement (``CheckpointStore.upsert_sql``)."""
    if value is None:
        return "NULL"
    return str(int(value)) if isinstance(value, int) else quote_literal(value)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CheckpointStore:
    """Reads and writes the checkpoint table through one target endpoint."""

    def __init__(self, target: Endpoint) -> None:
        self.target = target
        self.table = target.qualify(CHECKPOINT_TABLE)

    def ensure(self) -> None:
        if getattr(self.target, "ensure_schema", None):
            self.target.ensure_schema()  # type: ignore[attr-defined]
        try:
            self.target.execute(create_sql(self.table))
        except ArrowmigError:
            # Runs into other tables of one database, started together, create it at once.
            # PostgreSQL's IF NOT EXISTS looks before it creates, so the later of two failed
            # on the catalog's unique index once the first committed ("duplicate key value
            # violates unique constraint pg_type_typname_nsp_index"). The table is there
            # then, which is all this asks for.
            if not self._there_after_failure():
                raise

    def _there_after_failure(self) -> bool:
        try:
            return self.exists()
        except ArrowmigError:
            return False  # the failure that led here says more than this one

    def exists(self) -> bool:
        return self.target.table_exists(CHECKPOINT_TABLE)

    def rows(self, run_id: str | None = None) -> list[Row]:
        if not self.exists():
            return []
        sql = f"SELECT {', '.join(_COLUMNS)} FROM {self.table}"
        params: tuple[Any, ...] = ()
        if run_id is not None:
            sql += f" WHERE run_id = {self.target.param(1)}"
            params = (run_id,)
        return [
            Row(*r)
            for r in self.target.execute(sql + " ORDER BY run_id, table_name, stream_name", params)
        ]

    def unfinished_run_loading(self, table: str) -> Row | None:
        """The run row of a run not finished (interrupted, killed, failed) that loads ``table``,
        which ``--resume`` continues; None when there is none (every run that loaded it
        completed)."""
        rows = self.rows()
        runs = {r.run_id: r for r in rows if r.table_name == RUN_ROW}
        for row in rows:
            own = runs.get(row.run_id)
            if own is None or own.state in SETTLED:
                continue
            recorded = run_basis(own).get("tables")
            listed = isinstance(recorded, list) and table in recorded
            if listed or (row.table_name == table and row.stream_name == TABLE_ROW):
                return own
        return None

    def stream_row(self, run_id: str, table: str, stream: str) -> Row | None:
        """One stream's row (what the target holds of it, read back after a failure)."""
        p = self.target.param
        found = self.target.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM {self.table} "
            f"WHERE run_id = {p(1)} AND table_name = {p(2)} AND stream_name = {p(3)}",
            (run_id, table, stream),
        )
        return Row(*found[0]) if found else None

    def upsert(self, row: Row) -> tuple[str, tuple[Any, ...]]:
        """The statement (and parameters) that records ``row``: run it with a batch, or alone."""
        return self._upsert([row])

    def upsert_sql(self, row: Row) -> str:
        """``upsert`` as one statement with its values written in: one of several run together
        (``run_in_transaction`` takes no parameters), as a table's put in place is."""
        sql, params = self._upsert([row], literal=True)
        assert not params
        return sql

    def _upsert(self, rows: list[Row], *, literal: bool = False) -> tuple[str, tuple[Any, ...]]:
        """One statement that records ``rows`` (each of another stream or table); ``literal``:
        with the values in the statement, not as parameters."""
        values = []
        params: list[Any] = []
        now = _now()
        for row in rows:
            row_values = (
                row.run_id,
                row.table_name,
                row.stream_name,
                row.physical_table,
                row.after_key,
                row.upto_key,
                row.last_key,
                row.rows_done,
                row.state,
                row.detail,
                now,
            )
            if literal:
                v = [_literal(value) for value in row_values]
            else:
                v = [self.target.param(len(params) + i + 1) for i in range(len(row_values))]
                params += row_values
            values.append(
                f"({v[0]}, {v[1]}, {v[2]}, {v[3]}, CAST({v[4]} AS BIGINT), "
                f"CAST({v[5]} AS BIGINT), CAST({v[6]} AS BIGINT), "
                f"CAST({v[7]} AS BIGINT), {v[8]}, {v[9]}, {v[10]})"
            )
        sql = (
            f"INSERT INTO {self.table} ({', '.join(_COLUMNS)}) VALUES {', '.join(values)} "
            "ON CONFLICT (run_id, table_name, stream_name) DO UPDATE SET "
            "physical_table = excluded.physical_table, last_key = excluded.last_key, "
            "rows_done = excluded.rows_done, state = excluded.state, detail = excluded.detail, "
            "updated_at = excluded.updated_at"
        )
        return sql, tuple(params)

    def record(self, row: Row, *, durable: bool = False) -> None:
        """Record ``row`` in a transaction of its own; ``durable``: on disk, with every commit
        before it, when this returns (a table done, the run's end: what a run reports), even
        on a connection whose other commits do not wait (``defer_durability``)."""
        self.record_all([row], durable=durable)

    def record_all(self, rows: list[Row], *, durable: bool = False) -> None:
        """Record ``rows`` (each of another stream or table), in their order, a statement
        for up to ``ROWS_PER_STATEMENT`` of them: a round trip per row saved. ``durable``:
        as ``record``'s, the last statement."""
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            sql, params = self._upsert(rows[start : start + ROWS_PER_STATEMENT])
            last = start + ROWS_PER_STATEMENT >= len(rows)
            durably = getattr(self.target, "execute_durably", None) if durable and last else None
            (durably or self.target.execute)(sql, params)

    def forget_run(self, run_id: str, *, keep_run_row: bool = False) -> None:
        """Remove a run's rows (all but its own row when ``keep_run_row``)."""
        if not self.exists():
            return
        p = self.target.param
        sql = f"DELETE FROM {self.table} WHERE run_id = {p(1)}"
        if keep_run_row:
            sql += f" AND table_name <> {p(2)}"
            self.target.execute(sql, (run_id, RUN_ROW))
        else:
            self.target.execute(sql, (run_id,))

    def forget_table(self, run_id: str, table: str) -> None:
        """Remove one table's rows of a run (it is being loaded again from the start)."""
        if not self.exists():
            return
        p = self.target.param
        self.target.execute(
            f"DELETE FROM {self.table} WHERE run_id = {p(1)} AND table_name = {p(2)}",
            (run_id, table),
        )

    def supersede(self, run_id: str, tables: Collection[str]) -> list[Superseded]:
        """Retire every other run not complete that loads any of ``tables``: run ``run_id``
        writes them afresh, so what those runs committed of them is gone or mixed with other
        rows, and a resume of theirs would write their rows on top (duplicates). Each keeps
        only its own row, marked superseded with the run and table that did it (``status``
        says so; ``--resume`` refuses it); returns them, with the rows each had appended."""
        if not tables or not self.exists():
            return []
        wanted = set(tables)
        by_run: dict[str, list[Row]] = {}
        for row in self.rows():
            if row.run_id != run_id:
                by_run.setdefault(row.run_id, []).append(row)
        retired = []
        for other, rows in by_run.items():
            own = next((r for r in rows if r.table_name == RUN_ROW), None)
            if own is not None and own.state in SETTLED:
                continue
            basis = run_basis(own) if own is not None else {}
            recorded = basis.get("tables")
            loads = set(map(str, recorded)) if isinstance(recorded, list) else set()
            loads |= {r.table_name for r in rows if r.table_name != RUN_ROW}
            overlap = sorted(loads & wanted)
            if not overlap:
                continue
            basis["superseded_by"] = {"run_id": run_id, "table": overlap[0], "at": _now()}
            appended = run_rows_committed(rows) if basis.get("mode") == "append" else 0
            # Marked first: stopped in between, the run is superseded with its rows still
            # there; the other way round it had no rows at all, and a --resume started afresh.
            # The rows it appended stay in the tables: its row keeps their count, which
            # `arrowmig status` shows once its tables' rows are forgotten.
            self.record(run_row(other, "superseded", basis, rows=appended), durable=True)
            self.forget_run(other, keep_run_row=True)
            # Its staging tables hold rows only its resume would have put in place: with it
            # retired they would stay forever (copies of the rows, taking room).
            stages = sorted({r.physical_table or "" for r in rows} - {""})
            # Those of the tables it put in place were renamed so: gone under these names.
            stages = [
                stage
                for stage in stages
                if stage.startswith(_STAGE_PREFIX) and self.target.table_exists(stage)
            ]
            for stage in stages:
                self.target.drop_table(stage)
            retired.append(Superseded(other, appended, tuple(stages)))
        return retired

    def clean(self) -> int:
        """Remove the rows of complete and superseded runs; returns how many runs were
        removed. The table itself goes once no run is left in it (a run creates it again),
        unless another user owns it (it created it, and granted this one its use): only its
        owner may drop it, and it is left empty."""
        done = [r.run_id for r in self.rows() if r.table_name == RUN_ROW and r.state in SETTLED]
        for run_id in done:
            self.forget_run(run_id)
        self._drop_if_empty()
        return len(done)

    def forget_complete_run(self, run_id: str) -> None:
        """Remove every row of run ``run_id`` once it is complete, and the table with them
        when no other run is left in it (as ``clean``): a run whose target is a dataset of
        its own making (``generate``) leaves no bookkeeping in it. An unfinished run keeps
        its rows, for ``status`` to offer it again."""
        rows = self.rows(run_id)
        if not any(r.table_name == RUN_ROW and r.state == "complete" for r in rows):
            return
        self.forget_run(run_id)
        self._drop_if_empty()

    def _drop_if_empty(self) -> None:
        if self.exists() and not self.rows() and self._owned():
            self.target.drop_table(CHECKPOINT_TABLE)

    def _owned(self) -> bool:
        """This user may drop the table (a target without owners: always)."""
        owner_unless_mine = getattr(self.target, "owner_unless_mine", None)
        return owner_unless_mine is None or owner_unless_mine(CHECKPOINT_TABLE) is None
