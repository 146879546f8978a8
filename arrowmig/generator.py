"""The sports-betting test dataset as a source: each table's shape, and its rows streamed as
Arrow from the DuckDB SQL in ``dataset_sql``.

``GeneratedSource`` is a source endpoint like any database, so ``generate`` rehearses ``migrate``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import duckdb
import pyarrow as pa

from arrowmig.argument_words import arg, given, options_named
from arrowmig.arguments import NONE, PROGRESS, TEXT, URL, WHOLE, Takes, checked, instance_of
from arrowmig.checkpoint import CheckpointStore
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.dataset_sql import (
    BETS,
    MATCHES,
    MAX_SEED,
    ODDS,
    PLAYERS,
    STATCAST,
    TABLES,
    macros,
    table_sql,
)
from arrowmig.duckdb_connection import connect_duckdb
from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.base import ClosedOnExit
from arrowmig.endpoints.common import KEY_COLUMN
from arrowmig.errors import SchemaError, UsageError
from arrowmig.events import as_sink, raise_callback_error
from arrowmig.generated_runs import source_label
from arrowmig.migrate import transfer
from arrowmig.model import Column, ForeignKey, Index, KeyRange, Table, TableLoad
from arrowmig.names import named_tables
from arrowmig.plan import TABLE_EXISTS_HINT
from arrowmig.schema import quote_ident
from arrowmig.unknown_tables import did_you_mean, per_name
from arrowmig.urls import EndpointUrl

if TYPE_CHECKING:
    from arrowmig.endpoints.base import Endpoint
    from arrowmig.events import Event, ProgressSink
    from arrowmig.report import MigrationReport

__all__ = ["SCALES", "TABLES", "GeneratedSource", "generate", "table_counts"]

SCALES: dict[str, dict[str, int]] = {
    "small": dict(zip(TABLES, (2_000, 8_000, 150_000, 100_000, 300_000), strict=True)),
    "phase3": dict(zip(TABLES, (10_000, 50_000, 500_000, 399_920, 2_000_000), strict=True)),
    "medium": dict(zip(TABLES, (10_000, 40_000, 600_000, 410_000, 1_500_000), strict=True)),
    "large": dict(zip(TABLES, (50_000, 200_000, 3_000_000, 2_550_000, 7_000_000), strict=True)),
    "xlarge": dict(zip(TABLES, (200_000, 800_000, 15_000_000, 9_000_000, 30_000_000), strict=True)),
}
"""Rows per table at each scale; totals 560K, 2,959,920, 2.56M, 12.8M and 55M."""

GENERATE_BATCH_BYTES = 2 * 1024 * 1024
"""Generation's batch limit, twice migrate's: its memory bar is 1 GiB, not migrate's 0.01 MB
per 1,000 rows, and into SQLite (one writer) half the transactions is what took it past the
0.35x target (README, "arrowmig generate", Speed and memory)."""


# ---------------------------------------------------------------------------------------------
# The shape of each table: columns (name, Arrow type, DuckDB type, nullable), keys, indexes.
# ---------------------------------------------------------------------------------------------

_I64, _F64, _STR, _BOOL = pa.int64(), pa.float64(), pa.string(), pa.bool_()
_DATE, _TS, _MONEY = pa.date32(), pa.timestamp("us"), pa.decimal128(12, 2)
_DUCK = {
    _I64: "BIGINT",
    _F64: "DOUBLE",
    _STR: "VARCHAR",
    _BOOL: "BOOLEAN",
    _DATE: "DATE",
    _TS: "TIMESTAMP",
    _MONEY: "DECIMAL(12,2)",
}
_SQLITE_MONEY = "DECIMAL(12,2)"
"""How a SQLite target declares money (others take decimal(12,2) as it is). A decimal would be
TEXT there, and a migrate of the generated file then gave PostgreSQL text columns. Declared so,
SQLite's numeric affinity stores each amount as an INTEGER or as the REAL nearest its cents
(exact: 12 digits are fewer than a double's 15), which a SQLite source proves and reads back as
decimal(12,2)."""


@dataclass(frozen=True)
class _Spec:
    columns: tuple[tuple[str, pa.DataType, bool], ...]
    """(name, Arrow type, nullable)."""
    foreign_keys: tuple[tuple[str, str], ...] = ()
    """(column, parent table); the parent's key is always ``id``."""
    timestamps: tuple[str, ...] = ()
    """Timestamp columns a real backend would index."""


_SPECS: dict[str, _Spec] = {
    PLAYERS: _Spec(
        (
            ("id", _I64, False),
            ("name", _STR, False),
            ("team", _STR, True),
            ("position", _STR, False),
            ("birth_date", _DATE, True),
            ("height_cm", _F64, True),
            ("weight_kg", _F64, True),
            ("active", _BOOL, False),
            ("rating", _F64, True),
            ("created_at", _TS, False),
        ),
        timestamps=("created_at",),
    ),
    MATCHES: _Spec(
        (
            ("id", _I64, False),
            ("sport", _STR, False),
            ("league", _STR, False),
            ("home_team", _STR, False),
            ("away_team", _STR, False),
            ("start_time", _TS, False),
            ("venue", _STR, True),
            ("status", _STR, False),
            ("home_score", _I64, True),
            ("away_score", _I64, True),
        ),
        timestamps=("start_time",),
    ),
    BETS: _Spec(
        (
            ("id", _I64, False),
            ("player_id", _I64, False),
            ("match_id", _I64, False),
            ("market", _STR, False),
            ("selection", _STR, False),
            ("stake", _MONEY, False),
            ("odds", _F64, False),
            ("status", _STR, False),
            ("placed_at", _TS, False),
            ("settled_at", _TS, True),
            ("payout", _MONEY, True),
        ),
        foreign_keys=(("player_id", PLAYERS), ("match_id", MATCHES)),
        timestamps=("placed_at",),
    ),
    ODDS: _Spec(
        (
            ("id", _I64, False),
            ("match_id", _I64, False),
            ("bookmaker", _STR, False),
            ("market", _STR, False),
            ("home_odds", _F64, False),
            ("draw_odds", _F64, True),
            ("away_odds", _F64, False),
            ("captured_at", _TS, False),
        ),
        foreign_keys=(("match_id", MATCHES),),
        timestamps=("captured_at",),
    ),
    STATCAST: _Spec(
        (
            ("id", _I64, False),
            ("player_id", _I64, False),
            ("match_id", _I64, False),
            ("pitch_type", _STR, True),
            ("release_speed", _F64, True),
            ("spin_rate", _F64, True),
            ("plate_x", _F64, True),
            ("plate_z", _F64, True),
            ("launch_speed", _F64, True),
            ("launch_angle", _F64, True),
            ("description", _STR, False),
            ("recorded_at", _TS, False),
        ),
        foreign_keys=(("player_id", PLAYERS), ("match_id", MATCHES)),
        timestamps=("recorded_at",),
    ),
}


def table_counts(
    scale: str = "small",
    rows: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Rows per table for ``scale`` with ``rows`` overrides applied; UsageError when invalid."""
    if scale not in SCALES:
        raise UsageError(
            f"unknown {given('scale', scale)}",
            hint=f"use one of {', '.join(SCALES)} (and {_rows_given('table', 'N')} for exact "
            "counts)",
        )
    counts = dict(SCALES[scale])
    _check_table_names(rows or {})
    for name, n in (rows or {}).items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise UsageError(
                f"row count for {name} must be a whole number of at least 0, not {n!r}",
                hint=f"write {_rows_given(name, 'N')}",
            )
        counts[name] = n
    return counts


def _rows_given(table: str, count: str) -> str:
    """A row count as the caller writes it: ``--rows T=N``, or ``rows={"T": N}``."""
    return f"--rows {table}={count}" if options_named() else f"rows={{{table!r}: {count}}}"


def _check_table_names(names: Iterable[str]) -> None:
    """Refuse every name that is no generated table at once, each with the one it may mean."""
    unknown = [name for name in names if name not in _SPECS]
    if not unknown:
        return
    said = ", ".join(repr(name) for name in unknown)
    close = per_name(unknown, lambda name: did_you_mean(name, list(TABLES)))
    raise UsageError(
        f"unknown generated table{'s' if len(unknown) > 1 else ''} {said}",
        hint="; ".join([*close, f"use one of {', '.join(TABLES)}"]),
    )


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise UsageError(
            f"{arg('seed')} must be a whole number from 0 to {MAX_SEED}, not {seed!r}",
            hint=f"pass {given('seed', 42)} (any non-negative integer)",
        )
    return seed


class GeneratedSource(ClosedOnExit):
    """A read-only source endpoint whose tables are generated on the fly by DuckDB.

    Each instance owns one in-memory DuckDB connection; open one per thread.
    """

    dialect = "duckdb"
    schema: str | None = None
    nan_free = True
    """Its floats come of finite arithmetic on uniforms in [0, 1), never NaN: a SQLite target
    is not told of NaN it cannot store (``generate`` has no --cast or --on-error to offer)."""

    def __init__(
        self,
        *,
        scale: str = "small",
        seed: int = 42,
        tables: Sequence[str] | None = None,
        rows: Mapping[str, int] | None = None,
        threads: int | None = None,
        keys: bool = True,
    ) -> None:
        self.seed = _check_seed(seed)
        self.keys = keys
        """False offers tables without primary key, indexes or foreign keys (load only)."""
        self.command_flags = () if keys else ("--no-keys",)
        """The options of ``arrowmig generate`` that built this source, off their defaults: a
        run records them, for the command ``arrowmig status`` gives to do it again."""
        self.counts = table_counts(scale, rows)
        if tables is not None:
            _check_table_names(tables)
        chosen = set(TABLES if tables is None else tables)
        self.tables = tuple(t for t in TABLES if t in chosen)
        """The tables this source offers, parents first."""
        self._check_parents()
        target = source_label(scale, seed, rows)
        self.url = EndpointUrl(kind="generated", target=target, redacted=target)
        config: dict[str, Any] = {} if threads is None else {"threads": threads}
        self._con = connect_duckdb(":memory:", **config)
        self._lock = threading.Lock()
        self._readers: list[tuple[pa.RecordBatchReader, duckdb.DuckDBPyConnection]] = []
        for statement in self.setup_sql():
            self._con.execute(statement)

    def setup_sql(self, *, temporary: bool = False) -> list[str]:
        """The statements defining the macros ``sql()`` uses (temporary ones leave no trace)."""
        statements = macros(self.seed, self.counts)
        if temporary:
            statements = [s.replace("CREATE MACRO", "CREATE TEMP MACRO", 1) for s in statements]
        return statements

    def _check_parents(self) -> None:
        # A chosen child always refers to its parents' rows, generated in this run or not.
        for name in self.tables:
            if not self.counts[name]:
                continue
            for column, parent in _SPECS[name].foreign_keys:
                if self.counts[parent] == 0:
                    raise UsageError(
                        f"{name}.{column} needs rows in {parent}, which has none",
                        hint=f"give {parent} at least one row ({_rows_given(parent, 'N')})",
                    )

    # -- both sides -----------------------------------------------------------------------
    def end_reads(self) -> None:
        """Close every reader handed out, and the cursor each one ran on."""
        with self._lock:
            readers, self._readers = self._readers, []
        for reader, cursor in readers:
            with contextlib.suppress(Exception):
                reader.close()
            with contextlib.suppress(Exception):
                cursor.close()

    def close(self) -> None:
        self.end_reads()
        self._con.close()

    def list_tables(self) -> list[str]:
        return list(self.tables)

    def list_views(self) -> list[str]:
        return []

    def other_schemas(self) -> dict[str, int]:
        return {}

    def table_exists(self, name: str) -> bool:
        return name in self.tables

    # -- source side ----------------------------------------------------------------------
    def describe(
        self, name: str, *, profile: bool = True, workers: int = 1, presume: bool = False
    ) -> Table:
        if name not in self.tables:
            raise SchemaError(
                f"no generated table {name!r}", hint=f"use one of {', '.join(self.tables)}"
            )
        spec = _SPECS[name]
        columns = tuple(
            Column(
                name=c,
                arrow_type=t,
                source_type=_DUCK[t],
                nullable=nullable,
                sqlite_type=_SQLITE_MONEY if t == _MONEY else None,
            )
            for c, t, nullable in spec.columns
        )
        fk_columns = [c for c, _ in spec.foreign_keys]
        indexes = tuple(
            Index(name=f"ix_{name}_{c}", columns=(c,)) for c in (*fk_columns, *spec.timestamps)
        )
        foreign_keys = tuple(
            ForeignKey(columns=(c,), ref_table=parent, ref_columns=("id",))
            for c, parent in spec.foreign_keys
            if parent in self.tables
        )
        return Table(
            name=name,
            columns=columns,
            primary_key=("id",) if self.keys else (),
            indexes=indexes if self.keys else (),
            foreign_keys=foreign_keys if self.keys else (),
            row_count=self.counts[name],
            split_key="id",
        )

    def key_bounds(self, table: Table) -> tuple[Any, Any] | None:
        n = self.counts[table.name]
        return (1, n) if n else None

    def sql(
        self, name: str, *, after: int = 0, upto: int | None = None, with_key: bool = False
    ) -> str:
        """The query that generates rows ``(after, upto]`` of ``name`` with their final types.

        It runs only on this source's connection, where its macros live.
        """
        n = self.counts[name]
        lo = max(0, after) + 1
        hi = min(n, n if upto is None else upto) + 1
        body = table_sql(name, self.counts).format(lo=lo, hi=max(lo, hi))
        casts = ", ".join(f'"{c}"::{_DUCK[t]} AS "{c}"' for c, t, _ in _SPECS[name].columns)
        if with_key:
            casts += f', id AS "{KEY_COLUMN}"'
        return f"SELECT {casts} FROM ({body})"

    def read(
        self,
        table: Table,
        *,
        batch_rows: int,
        key_range: KeyRange | None = None,
        with_key: bool = False,
        batch_bytes: int | None = None,
    ) -> pa.RecordBatchReader:
        after = 0 if key_range is None or key_range.after is None else int(key_range.after)
        upto = None if key_range is None or key_range.upto is None else int(key_range.upto)
        query = self.sql(table.name, after=after, upto=upto, with_key=with_key)
        schema = table.arrow_schema
        if with_key:
            schema = schema.append(pa.field(KEY_COLUMN, pa.int64()))
        # A cursor per read: an open DuckDB result blocks its connection for any other query.
        cursor = self._con.cursor()
        reader = cursor.sql(query).to_arrow_reader(batch_rows)
        if not reader.schema.equals(schema):
            reader = reader.cast(schema)
        with self._lock:
            self._readers.append((reader, cursor))
        return reader

    # -- target side: a generated source cannot be written to ---------------------------------
    def _read_only(self) -> SchemaError:
        return SchemaError(
            "a generated dataset is a source only", hint="write it into a database URL"
        )

    def check_names(self, table: Table) -> None:
        raise self._read_only()

    def create_table(self, table: Table) -> None:
        raise self._read_only()

    def qualify(self, name: str) -> str:
        return quote_ident(name)

    def drop_table(self, name: str) -> None:
        raise self._read_only()

    def truncate_table(self, name: str) -> None:
        raise self._read_only()

    def existing_table(self, name: str) -> Table:
        raise self._read_only()

    def declared_columns(self, name: str) -> list[tuple[str, str]]:
        raise self._read_only()

    def omittable_columns(self, name: str) -> set[str]:
        raise self._read_only()

    def computed_columns(self, name: str) -> set[str]:
        raise self._read_only()

    def write_batch(
        self,
        table: Table,
        batch: pa.RecordBatch,
        *,
        after: tuple[str, tuple[Any, ...]] | None = None,
    ) -> None:
        raise self._read_only()

    def param(self, index: int) -> str:
        return f"${index}"

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise self._read_only()

    def run_in_transaction(
        self, statements: list[str], what: str, table: str | None = None
    ) -> None:
        raise self._read_only()

    def finish_table(self, table: Table) -> TableLoad:
        raise self._read_only()

    def stop(self) -> None:
        """Never a target: nothing of it to cancel."""


ROW_COUNTS = Takes(
    'a mapping of table names to row counts ({"large_players": 500})',
    lambda v: isinstance(v, Mapping),
)
THREADS = Takes("a whole number of at least 1", lambda v: WHOLE.accepts(v) and cast(int, v) >= 1)


@checked(
    target=URL,
    scale=TEXT,
    config=instance_of(MigrationConfig) | NONE,
    progress=PROGRESS,
    threads=THREADS | NONE,
    rows=ROW_COUNTS | NONE,
)
def generate(
    target: str,
    *,
    scale: str = "small",
    seed: int = 42,
    tables: Sequence[str] | None = None,
    rows: Mapping[str, int] | None = None,
    config: MigrationConfig | None = None,
    progress: ProgressSink | Callable[[Event], None] | None = None,
    threads: int | None = None,
    keys: bool = True,
) -> MigrationReport:
    """Generate the sports-betting dataset into ``target`` through the ``migrate`` path.

    ``scale`` picks the row counts (see ``SCALES``), ``rows`` overrides single tables, and
    ``tables`` limits the run to some of them. ``threads`` caps DuckDB's threads per stream;
    the data is the same whatever it is. ``keys=False`` loads without primary keys, indexes
    and foreign keys. Raises UsageError for a bad scale, seed, table or row count before the
    target is opened.
    """
    started = time.monotonic()  # the report's seconds: the whole call (as migrate's)
    tables = named_tables(tables)  # one name, or a list of them; "--tables" on the CLI
    _refuse_unused(config)
    # Validate before anything touches the target.
    GeneratedSource(scale=scale, seed=seed, tables=tables, rows=rows).close()
    chosen = tuple(t for t in TABLES if tables is None or t in tables)
    base = config or MigrationConfig(batch=BatchConfig(batch_bytes=GENERATE_BATCH_BYTES))
    if base.tables is None:
        base = replace(base, tables=chosen)

    def open_source() -> Endpoint:
        return GeneratedSource(
            scale=scale, seed=seed, tables=tables, rows=rows, threads=threads, keys=keys
        )

    sink = as_sink(progress)
    try:
        report: MigrationReport = transfer(
            open_source, target, config=base, progress=sink, started=started
        )
    except SchemaError as exc:
        if exc.hint is not None and exc.hint.endswith(TABLE_EXISTS_HINT):
            exc.hint = GENERATED_TABLE_EXISTS_HINT  # generate has no --resume to offer
        raise
    if report.run_id is not None and report.unwritten is None:
        # The generated tables are the dataset: a complete run's checkpoint rows would be
        # copied with it as a table of data (and listed by `arrowmig status` of every copy).
        # Not where DuckDB could not write its log into the file: opening it again would
        # replay the log and fail the same way (the report says what to do, and status then
        # folds the log in, rows and all).
        with open_endpoint(target, schema=base.target_schema) as dst:
            CheckpointStore(dst).forget_complete_run(report.run_id)
    raise_callback_error(sink, progress)  # as migrate(): the caller's own, once the run is over
    return report


def _refuse_unused(config: MigrationConfig | None) -> None:
    """Settings of ``config`` generate has no use for, refused rather than ignored."""
    if config is None:
        return
    if config.verify:
        raise UsageError(
            "generate() cannot verify (config verify=True): its rows are made as they are "
            "written, with no source to compare them to",
            hint="leave verify out; to compare the generated tables with a copy of them, "
            "call arrowmig.verify() after generate() (the same seed gives the same rows again)",
        )
    if config.source_schema is not None:
        raise UsageError(
            "generate() has no source schema (config source_schema=...)",
            hint="leave source_schema out; target_schema picks where the tables go",
        )


GENERATED_TABLE_EXISTS_HINT = (
    "generate it again with --mode replace (the same seed gives the same rows), or drop it first"
)
"""What to do about a table that exists already (an interrupted generate left it)."""
