"""Prove after a migration that source and target hold the same rows: DuckDB checksums over
both sides' Arrow streams, and on a mismatch the keys whose rows differ.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import psutil
import pyarrow as pa

from arrowmig import sizes
from arrowmig.argument_words import arg, given
from arrowmig.arguments import NONE, PROGRESS, TEXT, URL, WHOLE, checked
from arrowmig.backups import backup_of
from arrowmig.checksum import Checksum, DiffStore, checksum_reader, count_reader, new_engine
from arrowmig.config import DEFAULT_LOCK_WAIT_S, MigrationConfig, check_lock_wait
from arrowmig.duckdb_unions import tagged_pair
from arrowmig.endpoints.base import CHECKPOINT_TABLE, INTERNAL_PREFIX, Endpoint
from arrowmig.errors import (
    ArrowmigError,
    BeyondArrow,
    SchemaError,
    StopRequested,
    UsageError,
    raised_by_ctrl_c,
    stop_behind,
)
from arrowmig.events import Event, ProgressSink, as_sink, raise_callback_error
from arrowmig.json_array_losses import losses as json_array_losses
from arrowmig.json_array_losses import lost_messages
from arrowmig.large_objects import compared_note
from arrowmig.large_objects import counts as large_objects
from arrowmig.model import ROWID_NAMES, Column, KeyRange, Table
from arrowmig.names import (
    excluded_tables,
    named_tables,
    one_schema,
    same_but_case,
    written,
    written_list,
)
from arrowmig.normalise import (
    INT,
    JSON_TEXT_DIALECTS,
    ColumnPair,
    kind_of,
    pair_columns,
    plain_type,
)
from arrowmig.plan import (
    extension_tables,
    in_this_schema,
    own_named_note,
    own_named_tables,
    partitions_of,
    refuse_unreadable,
    select_tables,
    uncompared_schemas_note,
)
from arrowmig.schema import is_text_cast, qualified
from arrowmig.schema_landing import written_apart
from arrowmig.schemas import refuse_sqlite_schemas, several_schemas
from arrowmig.urls import parse_url
from arrowmig.verify_arrays import by_elements
from arrowmig.verify_cast_values import (
    CastReads,
    as_read,
    converted,
    through_casts,
)
from arrowmig.verify_casts import (
    array_cast_to_text,
    recorded_cast_types,
)
from arrowmig.verify_elsewhere import elsewhere_note
from arrowmig.verify_report import (
    CHANGED,
    DIFFER,
    ERROR,
    MISSING_IN_SOURCE,
    MISSING_IN_TARGET,
    ByteaText,
    RowDiff,
    TableResult,
    VerifyReport,
    describe_diffs,
)
from arrowmig.verify_server_text import counted, read_as_text
from arrowmig.verify_sqlite import (
    as_stored_text,
    check_written,
    classes_apart,
    compare_blobs_made_text,
    compare_storage_classes,
    misformed_rows,
)
from arrowmig.verify_types import type_notes

if TYPE_CHECKING:
    from arrowmig.endpoints.pg_hold import HeldSnapshot

__all__ = ["LEVELS", "RowDiff", "TableResult", "VerifyReport", "verify"]

LEVELS = ("count", "checksum", "diff")
BATCH_ROWS = 100_000
BATCH_BYTES = 16 * 1024 * 1024
"""About the most a batch holds, whatever BATCH_ROWS says: tables of wide rows (megabytes of
blobs each) are read in fewer rows a batch, so memory stays flat."""
PG_MAX_IDENTIFIER_BYTES = 63

T = TypeVar("T")


# -- one side: an endpoint and a DuckDB engine owned by one thread -------------------------


class _Side:
    """An endpoint and a hashing engine living on one thread of their own.

    Endpoints are one connection for one thread; giving each side its own single-thread
    executor keeps every call on the thread that opened it, and lets both sides stream at
    once (the ADBC drivers and DuckDB release the GIL while they work).
    """

    def __init__(self, url: str, schema: str | None, label: str) -> None:
        self.label = label
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"verify-{label}")
        self.endpoint: Endpoint | None = None
        self.engine: duckdb.DuckDBPyConnection | None = None
        self.store_cursor: duckdb.DuckDBPyConnection | None = None
        self.url = url
        self.schema = schema

    def open(self) -> Future[None]:
        return self._pool.submit(self._open)

    def _open(self) -> None:
        from arrowmig.endpoints import open_endpoint
        from arrowmig.endpoints.pg_errors import CREATE_IT_FIRST

        try:
            self.endpoint = open_endpoint(self.url, schema=self.schema, read_only=True)
        except ArrowmigError as exc:
            if exc.hint and exc.hint.startswith(CREATE_IT_FIRST):
                # An empty database created to compare would prove nothing.
                exc.hint = (
                    f"name the database that holds the {self.label}'s tables (verify creates none)"
                )
            raise
        self.engine = new_engine(threads=1)

    def submit(self, fn: Callable[[Endpoint, duckdb.DuckDBPyConnection], T]) -> Future[T]:
        def run() -> T:
            assert self.endpoint is not None and self.engine is not None
            return fn(self.endpoint, self.engine)

        # In the caller's context: its refusals are said in its words (argument_words).
        return self._pool.submit(contextvars.copy_context().run, run)

    def close(self) -> None:
        def shut() -> None:
            if self.engine is not None:
                with contextlib.suppress(Exception):
                    self.engine.close()
            if self.endpoint is not None:
                with contextlib.suppress(Exception):
                    self.endpoint.close()

        with contextlib.suppress(Exception):
            self._pool.submit(shut).result()
        self._pool.shutdown(wait=True)


def _both(src: Future[Any], tgt: Future[Any]) -> tuple[Any, Any]:
    """Wait for both sides; raise the first failure only after both have stopped. A stop
    (Ctrl-C, SIGTERM) met while waiting is raised at once: waiting for the other side first
    kept a Ctrl-C waiting for a whole table's checksum. ``verify`` then interrupts both sides'
    statements and waits for their threads as it closes them."""
    errors = []
    values = []
    for fut in (src, tgt):
        try:
            values.append(fut.result())
        except (KeyboardInterrupt, StopRequested):
            raise  # the main thread's own stop: no side raises these
        except BaseException as exc:
            errors.append(exc)
            values.append(None)
    if errors:
        raise errors[0]
    return values[0], values[1]


class _RssPeak:
    """Samples the process's resident memory in the background: the peak a run reached."""

    def __init__(self, interval_s: float = 0.05) -> None:
        self._proc = psutil.Process()
        self.peak = int(self._proc.memory_info().rss)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval_s,), daemon=True)
        self._thread.start()

    def _run(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            self.peak = max(self.peak, int(self._proc.memory_info().rss))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, int(self._proc.memory_info().rss))
        return self.peak


# -- names ---------------------------------------------------------------------------------


def _match_name(name: str, candidates: list[str], target_dialect: str) -> str | None:
    """The target's name for ``name``, by the migration's rules: the same name; else the
    name PostgreSQL keeps after cutting it at 63 bytes; else the one name equal ignoring case
    (a target that folds case)."""
    if name in candidates:
        return name
    if target_dialect == "postgresql":
        cut = name.encode()[:PG_MAX_IDENTIFIER_BYTES].decode(errors="ignore")
        if cut in candidates:
            return cut
    return same_but_case(name, candidates)


def _schema_as_named(endpoint: Endpoint, schema: str) -> str:
    """The target's schema ``schema`` names: itself; else, where it holds no table, the one
    schema equal to it ignoring case, as tables and columns are matched (another tool wrote
    PostgreSQL's "Sales" into DuckDB as sales, and DuckDB resolves "Sales" to it)."""
    if endpoint.list_tables() or endpoint.list_views():
        return schema
    return same_but_case(schema, endpoint.other_schemas()) or schema


def _is_internal(name: str) -> bool:
    return name == CHECKPOINT_TABLE or name.startswith(INTERNAL_PREFIX)


# -- the API -------------------------------------------------------------------------------


def _own_tables(endpoint: Endpoint, named: bool) -> list[str]:
    """The tables compared by default: not those an extension made (as migrate leaves them
    out), unless tables are named; then views and partitions too, whose rows migrate copies
    as a table of their own when named."""
    if named:
        return [*endpoint.list_tables(), *endpoint.list_views(), *partitions_of(endpoint)]
    extensions = extension_tables(endpoint)
    return [t for t in endpoint.list_tables() if t not in extensions]


@checked(
    source=URL,
    target=URL,
    level=TEXT,
    max_diffs=WHOLE,
    source_schema=TEXT | NONE,
    target_schema=TEXT | NONE,
    progress=PROGRESS,
    batch_rows=WHOLE,
)
def verify(
    source: str,
    target: str,
    *,
    tables: str | list[str] | tuple[str, ...] | None = None,
    exclude: list[str] | tuple[str, ...] | None = (),
    level: str = "checksum",
    max_diffs: int = 20,
    source_schema: str | None = None,
    target_schema: str | None = None,
    progress: ProgressSink | Callable[[Event], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S,
    held: HeldSnapshot | None = None,
) -> VerifyReport:
    """Compare every table (or ``tables``: one name or a list) of ``source`` with ``target``,
    but ``exclude``.

    ``level``: ``count`` compares row counts; ``checksum`` (default) compares an
    order-independent checksum of whole rows and of each column, and on a mismatch lists up
    to ``max_diffs`` differing keys; ``diff`` also matches every row by key on tables whose
    checksums agree. A PostgreSQL source is read in one snapshot, every table compared locked
    against TRUNCATE and ALTER TABLE meanwhile (another session's lock on one is waited for
    up to ``lock_wait_s``); ``held``, a migrate run's hold on it (``migrate --verify``), reads
    it in the run's snapshot instead. Raises ArrowmigError (exit code 2) when a database cannot
    be opened, a named table exists on neither side, or a table to exclude is not in the source.
    """
    check_lock_wait(lock_wait_s)
    tables = named_tables(tables)
    exclude = excluded_tables(exclude)
    if level not in LEVELS:
        raise UsageError(f"unknown {given('level', level)}", hint=f"use one of {', '.join(LEVELS)}")
    if max_diffs < 0:
        raise UsageError(f"{arg('max_diffs')} must be 0 or more, not {max_diffs}")
    if batch_rows < 1:
        raise UsageError(f"{arg('batch_rows')} must be at least 1, not {batch_rows}")
    src_url, tgt_url = parse_url(source), parse_url(target)
    refuse_sqlite_schemas(source, target, source_schema, target_schema)
    sink = as_sink(progress)
    if several_schemas(source_schema) is not None:
        from arrowmig.schemas import verify_schemas

        def hold(relations: list[str]) -> contextlib.AbstractContextManager[HeldSnapshot | None]:
            return _held(held, source, relations, lock_wait_s, sink)

        report = verify_schemas(
            source,
            target,
            tables,
            source_schema,
            target_schema,
            lambda schema, chosen, left_out, one: verify(
                source,
                target,
                # Written as --tables takes them: each is read back as the exact name.
                tables=None if chosen is None else [written(t, dots=True) for t in chosen],
                exclude=[written(t, dots=True) for t in left_out],
                level=level,
                max_diffs=max_diffs,
                # Written as --source-schema takes one name: a comma in it is no list.
                source_schema=written(schema),
                # A SQLite target's one namespace holds the tables named of every schema.
                target_schema=None if tgt_url.kind == "sqlite" else schema,
                progress=sink,  # its guard, raised once every schema is compared
                batch_rows=batch_rows,
                lock_wait_s=lock_wait_s,
                held=one,
            ),
            exclude,
            hold,
        )
        raise_callback_error(sink, progress)
        return report
    source_schema = one_schema(source_schema)
    started = time.perf_counter()
    rss = _RssPeak()
    report = VerifyReport(source=src_url.redacted, target=tgt_url.redacted, level=level)
    src = _Side(source, source_schema, "source")
    tgt = _Side(target, target_schema, "target")
    runner: _TableRunner | None = None
    # The target schema, source schema, tables missing and other schemas that may hold them.
    looked: tuple[str, str | None, list[str], list[str]] | None = None
    holding = contextlib.ExitStack()
    try:
        _both(src.open(), tgt.open())
        if target_schema is not None:
            same = tgt.submit(lambda e, _: _schema_as_named(e, target_schema)).result()
            if same != target_schema:
                tgt.close()
                tgt = _Side(target, same, "target")
                tgt.open().result()
                report.target_schema = same
                report.notes.append(
                    f"the target holds no table in schema {target_schema!r}: schema {same!r}, "
                    "equal to it ignoring case, compared in its place"
                )
        assert src.endpoint is not None and tgt.endpoint is not None
        there = tgt.endpoint.schema
        if there is not None and written_apart(
            src.endpoint.schema, src.endpoint.dialect, there, tgt.endpoint.dialect
        ):
            report.target_schema = there
        target_only: tuple[str, ...] = ()
        if exclude:
            exclude, target_only = _target_only(src.endpoint, tgt.endpoint, exclude)
        if tables is not None or exclude:
            # The tables migrate would move, chosen and refused as it chooses and refuses
            # them. (Without a choice, every table of either side is compared.)
            chosen = src.submit(lambda e, _: _chosen(e, tables, exclude)).result()
            tables = chosen if tables is not None else None
        exclude = in_this_schema(exclude, src.endpoint.schema) or ()
        src_names, tgt_names = _both(
            src.submit(lambda e, _: _own_tables(e, named=bool(tables))),
            tgt.submit(lambda e, _: _own_tables(e, named=bool(tables))),
        )
        assert tgt.endpoint is not None
        pairs = _table_pairs(tables, src_names, tgt_names, tgt.endpoint.dialect)
        if exclude:
            pairs = _leave_out(pairs, exclude, tgt_names, tgt.endpoint.dialect)
        pairs = [p for p in pairs if not (p[0].startswith("\x00") and p[1] in target_only)]
        if not tables:
            views = src.submit(lambda e, _: e.list_views()).result()
            pairs, copied = _copied_views(pairs, views, tgt.endpoint.dialect)
            report.notes.extend([_copied_views_note(copied)] if copied else [])
            pairs, backups = _without_backups(pairs, tgt_names)
            report.notes.extend([_backups_note(backups)] if backups else [])
            left = src.submit(lambda e, _: own_named_note(own_named_tables(e), exclude)).result()
            report.notes.extend([left] if left else [])
        if not pairs:
            raise _nothing_to_compare(src, tgt)
        if source_schema is None and tables is None:  # as a run of this command reads
            schemaless = tgt.endpoint.dialect == "sqlite"
            note = src.submit(
                lambda e, _: uncompared_schemas_note(e, one_schema=schemaless)
            ).result()
            report.notes.extend([note] if note else [])
        assert src.endpoint is not None
        if src.endpoint.dialect == "postgresql":
            schema = src.endpoint.schema
            names = [n for n, _ in pairs if not n.startswith("\x00")]
            if held is None:  # a run's snapshot was taken once its tables were found readable
                # Every missing GRANT named, as migrate names them: the lock would fail on
                # the first table or schema it may not read, with no word of what to grant.
                src.submit(lambda e, _: refuse_unreadable(e, names)).result()
            relations = [qualified(n, schema) for n in names]
            one = holding.enter_context(_held(held, source, relations, lock_wait_s, sink))
            assert one is not None
            src.submit(lambda e, _: e.use_snapshot(one)).result()  # type: ignore[attr-defined]
        missing = [n for n, t in pairs if t is None]
        if missing and target_schema is None and tgt.endpoint.dialect != "sqlite":
            # Not with --target-schema: it was chosen (a run of several schemas names each).
            others = list(tgt.submit(lambda e, _: e.other_schemas()).result())
            looked = (str(there), src.endpoint.schema, missing, others) if others else None
        runner = _TableRunner(src, tgt, level, max_diffs, batch_rows, sink)
        for name, target_name in pairs:
            result = runner.run(name, target_name)
            report.tables.append(result)
            sink.emit(
                Event(
                    "table_done",
                    table=name,
                    rows=result.rows_source or 0,
                    message=result.result,
                )
            )
    finally:
        # Stopped by a signal, both sides may still be writing into the diff store: their
        # statements are interrupted, the sides' threads waited for, and only then the
        # store closed and its temporary directory removed.
        if runner is not None:
            runner.interrupt()
        src.close()
        tgt.close()
        holding.close()
        if runner is not None:
            runner.close()
        report.peak_rss_bytes = rss.stop()
        report.seconds = time.perf_counter() - started
    if looked is not None:  # once the target is closed: a DuckDB file is opened again
        note = elsewhere_note(
            target, *looked, lambda name, names: _match_name(name, names, tgt_url.kind)
        )
        report.notes.extend([note] if note else [])
    sink.emit(Event("summary", report=report.to_dict()))
    raise_callback_error(sink, progress)  # as migrate(): the caller's own, once the run is over
    return report


def _raise_if_stopped(exc: Exception) -> None:
    """A table's error that is a stop, not the table's: a SIGTERM (raised as its
    ``StopRequested``), or a Ctrl-C that DuckDB answered with "Query interrupted" during a
    statement of the main thread (raised as it came, which the command says as a stop)."""
    stop = stop_behind(exc)
    if stop is not None:
        raise stop from exc
    if raised_by_ctrl_c(exc):
        raise exc


@contextlib.contextmanager
def _held(
    held: HeldSnapshot | None,
    source: str,
    relations: list[str],
    lock_wait_s: float,
    sink: ProgressSink,
) -> Iterator[HeldSnapshot | None]:
    """``held`` when given (a run's snapshot); else, for a PostgreSQL source, ``relations``
    locked and a snapshot exported for this verify, as a run holds its source (pg_hold):
    every table compared as of one moment, and none emptied by a TRUNCATE meanwhile."""
    if held is not None or parse_url(source).kind != "postgresql":
        yield held
        return
    from arrowmig.endpoints.pg_hold import hold_source

    def said(table: str, message: str) -> None:
        sink.emit(Event("waiting", table=table, message=message))

    with hold_source(source, relations, lock_wait_s, said) as own:
        yield own


def _chosen(
    src: Endpoint, tables: Sequence[str] | None, exclude: Sequence[str] | None
) -> list[str]:
    """The source tables ``tables`` and ``exclude`` pick, as ``migrate`` picks them
    (``select_tables``): names matched exactly, quoted and schema-qualified names read as it
    reads them, a name the source lacks refused with its words (a mistyped exclusion would
    compare the very table it meant to leave out), each table once."""
    selection = MigrationConfig(
        tables=None if tables is None else tuple(tables), exclude=tuple(exclude or ())
    )
    return select_tables(src, selection, verb="compare")[0]


def _target_only(
    src: Endpoint, tgt: Endpoint, exclude: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``exclude`` split into the names left to ``_chosen`` and the tables, named exactly,
    that only the target holds (a migration tool's own, flyway_schema_history), which
    would otherwise be refused as not in the source, and fail every verify as missing there."""
    known = {*src.list_tables(), *src.list_views()}
    theirs = {*tgt.list_tables(), *tgt.list_views()}
    kept, only = [], []
    for name in exclude:
        [in_source] = in_this_schema((name,), src.schema) or (name,)
        [in_target] = in_this_schema((name,), tgt.schema) or (name,)
        if in_source not in known and in_target in theirs:
            only.append(in_target)
        else:
            kept.append(name)
    return tuple(kept), tuple(only)


def _leave_out(
    pairs: list[tuple[str, str | None]],
    exclude: list[str] | tuple[str, ...],
    tgt_names: list[str],
    tgt_dialect: str,
) -> list[tuple[str, str | None]]:
    """``pairs`` without the tables ``exclude`` names (each one the source has: ``_chosen``),
    and without a table only the target has of a name they match."""
    left_out = set(exclude)
    gone = {_match_name(n, tgt_names, tgt_dialect) for n in left_out} - {None}
    return [
        (name, target)
        for name, target in pairs
        if name not in left_out and not (name.startswith("\x00") and target in gone)
    ]


def _without_backups(
    pairs: list[tuple[str, str | None]], tgt_names: list[str]
) -> tuple[list[tuple[str, str | None]], list[str]]:
    """``pairs`` without the tables only the target holds that are ``--keep-backup``
    backups of a target table (arrowmig's own, as its checkpoints are: the run's source
    never had them), and those left out."""
    backups = [
        target
        for name, target in pairs
        if name.startswith("\x00") and target is not None and backup_of(target, tgt_names)
    ]
    return [p for p in pairs if p[0] not in {f"\x00{b}" for b in backups}], backups


def _copied_views(
    pairs: list[tuple[str, str | None]], views: list[str], tgt_dialect: str
) -> tuple[list[tuple[str, str | None]], list[str]]:
    """``pairs`` with each table only the target holds that is named as a view or virtual
    table of the source (migrate copies their rows into a table when ``--tables`` names them)
    compared with it, not said to exist only in the target; and those views."""
    out: list[tuple[str, str | None]] = []
    copied = []
    for name, target in pairs:
        view = None
        if name.startswith("\x00") and target is not None:
            view = next((v for v in views if _match_name(v, [target], tgt_dialect)), None)
        if view is not None:
            copied.append(view)
        out.append((view, target) if view is not None else (name, target))
    return out, copied


def _copied_views_note(views: list[str]) -> str:
    return (
        f"compared with the target's table of their rows: the source's views and virtual "
        f"tables {', '.join(views)}"
    )


def _backups_note(backups: list[str]) -> str:
    count = f"{len(backups)} backup table{'s' if len(backups) != 1 else ''}"
    return f"left out: {count} of --keep-backup ({', '.join(backups)})"


def _nothing_to_compare(src: _Side, tgt: _Side) -> SchemaError:
    """Neither side has a table: "all tables match" would prove nothing. Most likely the
    tables are in another schema."""
    found = _both(
        src.submit(lambda e, _: e.other_schemas()), tgt.submit(lambda e, _: e.other_schemas())
    )
    others = [
        f"{side.label}: {written_list(list(schemas))}"  # as --source-schema takes them
        for side, schemas in zip((src, tgt), found, strict=True)
        if schemas
    ]
    where = f"; other schemas hold tables ({'; '.join(others)})" if others else ""
    return SchemaError(
        f"nothing to compare: neither side has a table{where}",
        hint="pick the schemas with --source-schema and --target-schema"
        if others
        else "check the URLs",
    )


def _table_pairs(
    wanted: Sequence[str] | None,
    src_names: list[str],
    tgt_names: list[str],
    tgt_dialect: str,
) -> list[tuple[str, str | None]]:
    """(source name or None, target name or None) per table, source tables first; ``wanted``:
    the source tables named (each one the source has: ``_chosen``).

    A table only the target holds is listed as ``("\x00" + name, name)``: NUL cannot
    occur in a table name, so it marks "not in the source" without a third field."""
    src_names = [n for n in src_names if not _is_internal(n)]
    tgt_names = [n for n in tgt_names if not _is_internal(n)]
    pairs: list[tuple[str, str | None]] = []
    if wanted:
        for name in wanted:
            if _is_internal(name):
                raise UsageError(
                    f"{name!r} is arrowmig's internal table and is never compared",
                    hint="leave it out of --tables",
                )
            pairs.append((name, _match_name(name, tgt_names, tgt_dialect)))
        return pairs
    matched: set[str] = set()
    for name in src_names:
        in_tgt = _match_name(name, tgt_names, tgt_dialect)
        if in_tgt is not None:
            matched.add(in_tgt)
        pairs.append((name, in_tgt))
    pairs.extend((f"\x00{n}", n) for n in tgt_names if n not in matched)
    return pairs


# -- one table -----------------------------------------------------------------------------


class _TableRunner:
    """Compares one table at a time, both sides streaming in parallel."""

    def __init__(
        self, src: _Side, tgt: _Side, level: str, max_diffs: int, batch_rows: int, sink: Any
    ) -> None:
        self.src, self.tgt = src, tgt
        self.level, self.max_diffs, self.batch_rows = level, max_diffs, batch_rows
        self.sink = sink
        self._tmp: str | None = None
        self._store: DiffStore | None = None
        self._cast_types: dict[tuple[str, str], str] | None = None
        self._cast_reads: CastReads = {}
        """The source columns of the table being compared that are read through their cast."""

    def interrupt(self) -> None:
        """Stop what the diff store and each side's hashing engine are running (a signal
        stopped the run). The engine too: a side's checksum is one statement over the whole
        table, and closing the side waits for its thread, so a Ctrl-C waited for the
        checksum of the table under way (a minute for 1.5M rows from PostgreSQL)."""
        cursors = [side.store_cursor for side in (self.src, self.tgt)]
        cursors += [side.engine for side in (self.src, self.tgt)]
        if self._store is not None:
            cursors.append(self._store.con)
        for cur in cursors:
            if cur is not None:
                with contextlib.suppress(Exception):
                    cur.interrupt()

    def close(self) -> None:
        """Close the diff store and remove its temporary directory, whatever fails first."""
        try:
            for side in (self.src, self.tgt):
                cur = side.store_cursor
                side.store_cursor = None
                if cur is not None:
                    with contextlib.suppress(Exception):
                        cur.close()
            if self._store is not None:
                with contextlib.suppress(Exception):
                    self._store.close()
        finally:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)

    def store(self) -> DiffStore:
        if self._store is None:
            self._tmp = tempfile.mkdtemp(prefix="arrowmig-verify-")
            self._store = DiffStore(self._tmp)
        return self._store

    def run(self, name: str, target_name: str | None) -> TableResult:
        started = time.perf_counter()
        if name.startswith("\x00"):
            result = TableResult(name[1:], target_name, MISSING_IN_SOURCE, level=self.level)
            assert target_name is not None
            result.message = (
                "the table exists only in the target (--exclude "
                f"{written(target_name, dots=True)} leaves it out)"
            )
            result.rows_target = self._rows_of_one(self.tgt, target_name, result)
            return result
        result = TableResult(name, target_name, level=self.level)
        if target_name is None:
            result.result = MISSING_IN_TARGET
            result.message = "the table exists only in the source"
            result.rows_source = self._rows_of_one(self.src, name, result)
            return result
        self.sink.emit(Event("start", table=name))
        try:
            try:
                self._compare(result, name, target_name)
            except BeyondArrow:
                # Compared again, every PostgreSQL timestamp and interval read as the
                # server's text: only then is a table holding such a value read at all.
                result = TableResult(name, target_name, level=self.level)
                self._compare(result, name, target_name, beyond_arrow=True)
        except BeyondArrow as exc:
            # Without migrate's hint: verify has no --cast, and reads such values as text.
            result.result, result.message = ERROR, exc.message
        except ArrowmigError as exc:
            result.result, result.message = ERROR, str(exc)
        except Exception as exc:  # a driver error the endpoint did not translate
            _raise_if_stopped(exc)
            # DuckDB's errors go on with the SQL and a caret: the first line says what failed.
            first = next((line for line in str(exc).splitlines() if line.strip()), "")
            result.result, result.message = ERROR, f"{type(exc).__name__}: {first.strip()}"
        result.seconds = time.perf_counter() - started
        return result

    def _rows_of_one(self, side: _Side, name: str, result: TableResult) -> int | None:
        """The rows of a table only one side has (what the other side lacks), counted as
        ``--level count`` counts them; None, and the reason said, if it cannot be read."""

        def count(endpoint: Endpoint, engine: duckdb.DuckDBPyConnection) -> int:
            return self._count(endpoint, engine, endpoint.describe(name, profile=False))

        try:
            return int(side.submit(count).result())
        except Exception as exc:  # the table is a difference already: say why it has no count
            _raise_if_stopped(exc)
            first = next((line for line in str(exc).splitlines() if line.strip()), "")
            result.add_message(f"its rows could not be counted: {first.strip()}")
            return None

    def _compare(
        self, result: TableResult, name: str, target_name: str, beyond_arrow: bool = False
    ) -> None:
        # Counting needs the columns' names, not the types a profile scans the values for
        # (a PostgreSQL profile reads every row of some columns: most of a count's time).
        profile = self.level != "count"
        s_table, t_table = _both(
            self.src.submit(lambda e, _: e.describe(name, profile=profile)),
            self.tgt.submit(lambda e, _: e.describe(target_name, profile=profile)),
        )
        s_table = self._as_cast(s_table)
        # The columns each side lacks; the columns both have are paired as read, below.
        _, missing, extra = _column_pairs(
            s_table, t_table, self.src, self.tgt, beyond_arrow, self._sqlite_casts(name)
        )
        if extra:
            extra, result.columns_left_to_target = self._left_to_target(target_name, extra)
        result.missing_columns, result.extra_columns = missing, extra
        if self.level == "count":  # no column's values are read
            result.rows_source, result.rows_target = self._counts(s_table, t_table)
            if result.rows_source != result.rows_target or missing or extra:
                result.result = DIFFER
            return
        pairs, s_read, t_read, (s_sum, t_sum) = self._summed_through_casts(
            result, name, (s_table, t_table), beyond_arrow
        )
        result.columns_checked = len(pairs)
        result.rows_source, result.rows_target = s_sum.rows, t_sum.rows
        for i, pair in enumerate(pairs):
            if (s_sum.column_sums[i], s_sum.column_nulls[i]) != (
                t_sum.column_sums[i],
                t_sum.column_nulls[i],
            ):
                result.differing_columns.append(pair.name)
        summed = result.differing_columns
        result.differing_columns = []
        self._compare_what_sqlite_holds(result, pairs, t_table)
        stored = result.differing_columns
        result.differing_columns = [*summed, *(c for c in stored if c not in summed)]
        if self._from_sqlite_elsewhere():
            compare_blobs_made_text(result, pairs, self._cast_columns(name))
        order = [p.name for p in pairs]
        result.differing_columns.sort(key=order.index)
        _name_zone_named_texts(result, pairs, s_sum, t_sum)
        same = (s_sum.rows, s_sum.row_sum) == (t_sum.rows, t_sum.row_sum)
        # A column whose checksum or null count differs is a difference even where the rows'
        # checksums agree (a value that hashes as NULL does): never "match" beside it.
        if not same or missing or extra or result.differing_columns:
            result.result = DIFFER
        if not same and not result.differing_columns:
            result.message = "values moved between rows (every column's values agree as sets)"
        between_sqlite = self._between_sqlite_files()
        classes = between_sqlite and classes_apart(pairs)
        unequal = not same or bool(result.differing_columns) or classes
        # With --max-diffs 0 too: only the keys tell rows one side lacks (which change every
        # column's checksum) from values that differ; none of them is then read back.
        one_sided = (0, 0)
        if pairs and (self.level == "diff" or unequal):
            one_sided = self._diff(result, s_read, t_read, pairs, stored, (s_sum, t_sum))
        if between_sqlite:
            # Once the rows one side lacks are known, which change the classes' counts too.
            compare_storage_classes(result, pairs, *one_sided)
            result.differing_columns.sort(key=order.index)
            if result.differing_columns:
                result.result = DIFFER
        # Once the rows one side lacks are known: they change every column's checksum.
        self._name_lost_negative_zeros(result, pairs, s_sum, t_sum)
        self._name_lost_json_nulls(result, pairs, s_read, t_read)
        result.differing_columns.sort(key=order.index)
        assert self.src.endpoint is not None and self.tgt.endpoint is not None
        leave_out = {*result.differing_columns, *self._cast_columns(name)}
        if result.rows_source and result.rows_target:  # "values match" says nothing of none
            dialects = (self.src.endpoint.dialect, self.tgt.endpoint.dialect)
            result.type_notes = type_notes(pairs, dialects, leave_out)
        if result.rows_source:
            # Only their numbers are in the rows: a match says nothing of the documents.
            found = self.src.submit(lambda e, _: large_objects(e, s_read.name, s_read.columns))
            result.type_notes += [compared_note(c, n) for c, n in found.result().items()]

    def _summed_through_casts(
        self, result: TableResult, name: str, tables: tuple[Table, Table], beyond_arrow: bool
    ) -> tuple[list[ColumnPair], Table, Table, tuple[Checksum, Checksum]]:
        """The column pairs, the tables read as paired and both sides' checksums, each source
        column the run cast to read its values another way (an epoch, 16 bytes as a uuid)
        converted as migrate converted it (verify_cast_values): a value its cast does not
        convert (migrate refused its row) differs only in its own row."""
        s_table, t_table = tables
        casts = self._casts_of(name)
        s_cast, self._cast_reads = through_casts(s_table, casts)
        pairs, _, _ = _column_pairs(
            s_cast, t_table, self.src, self.tgt, beyond_arrow, self._sqlite_casts(name)
        )
        # Read only the columns both sides have, in pair order.
        s_read = dataclasses.replace(s_cast, columns=tuple(p.source for p in pairs))
        t_read = dataclasses.replace(t_table, columns=tuple(p.target for p in pairs))
        sums = self._checksums(s_read, t_read, pairs)
        paired = {p.source.name for p in pairs}
        result.compared_through_casts = {c: casts[c] for c in self._cast_reads if c in paired}
        return pairs, s_read, t_read, sums

    def _source_reader(
        self, endpoint: Endpoint, table: Table, key_range: KeyRange | None = None
    ) -> pa.RecordBatchReader:
        """The source's rows, each column compared through its cast converted so."""
        reads = self._cast_reads
        return converted(self._reader(endpoint, as_read(table, reads), key_range), reads)

    def _as_cast(self, s_table: Table) -> Table:
        """The source table with each PostgreSQL array the run cast to text read as the
        text it became (verify_casts)."""
        assert self.src.endpoint is not None
        if self.src.endpoint.dialect != "postgresql":
            return s_table
        to_text = frozenset(
            (s_table.name, column)
            for column, to in self._casts_of(s_table.name).items()
            if is_text_cast(to)
        )
        columns = tuple(array_cast_to_text(c, s_table.name, to_text) for c in s_table.columns)
        return dataclasses.replace(s_table, columns=columns)

    def _sqlite_casts(self, table: str) -> frozenset[str]:
        """Between SQLite files, the columns of ``table`` the run cast: written as the cast
        reads them, not carried as the text they store (verify_casts)."""
        if not self._between_sqlite_files():
            return frozenset()
        return self._cast_columns(table)

    def _cast_columns(self, table: str) -> frozenset[str]:
        """The columns of ``table`` the last run loading it cast (recorded in the target)."""
        return frozenset(self._casts_of(table))

    def _casts_of(self, table: str) -> dict[str, str]:
        """The type each column of ``table`` was cast to by the last run loading it."""
        if self._cast_types is None:
            self._cast_types = self.tgt.submit(lambda e, _: recorded_cast_types(e)).result()
        return {c: to for (t, c), to in self._cast_types.items() if t == table}

    def _between_sqlite_files(self) -> bool:
        assert self.src.endpoint is not None and self.tgt.endpoint is not None
        return self.src.endpoint.dialect == "sqlite" == self.tgt.endpoint.dialect

    def _from_sqlite_elsewhere(self) -> bool:
        assert self.src.endpoint is not None and self.tgt.endpoint is not None
        return self.src.endpoint.dialect == "sqlite" != self.tgt.endpoint.dialect

    def _left_to_target(self, name: str, extra: list[str]) -> tuple[list[str], list[str]]:
        """``extra``, the target's columns the source lacks, split in two: those the target
        fills itself (nullable, with a default, identity or generated), which an append
        leaves to it and which hold nothing of the source (a note), and the rest, which no
        copy of the source could have left empty (a difference)."""

        def fillable(endpoint: Endpoint, _: duckdb.DuckDBPyConnection) -> set[str]:
            return endpoint.omittable_columns(name) | endpoint.computed_columns(name)

        own = self.tgt.submit(fillable).result()
        return [c for c in extra if c not in own], [c for c in extra if c in own]

    def _name_lost_negative_zeros(
        self, result: TableResult, pairs: list[ColumnPair], s_sum: Checksum, t_sum: Checksum
    ) -> None:
        """A SQLite target stores -0.0 as 0.0, and an exact-number column (numeric, an
        integer, DECIMAL) as 0 (migrate's report counts them): a column that differs in the
        rows both sides hold, and held fewer -0.0, is named with the cause, the rows still
        listed as any difference. A column of text (a ``--cast`` to text keeps '-0') holds
        no float to lose its sign."""
        assert self.tgt.endpoint is not None
        sqlite = self.tgt.endpoint.dialect == "sqlite"
        for i, pair in enumerate(pairs):
            lost = s_sum.negative_zeros[i] - t_sum.negative_zeros[i]
            if lost <= 0 or pair.name not in result.differing_columns:
                continue
            values = sizes.counted(lost, "value")
            are = "is" if lost == 1 else "are"
            if sqlite and pa.types.is_floating(plain_type(pair.target.arrow_type)):
                result.add_message(
                    f"{pair.name}: {values} of -0.0 in the source {are} 0.0 in the "
                    "target: SQLite REAL columns have no negative zero",
                )
            elif pair.mode in ("float_int", "float_exact") and not sqlite:
                result.add_message(
                    f"{pair.name}: {values} of -0.0 in the source {are} 0 in the "
                    f"target: its {pair.target.source_type} has no negative zero",
                )

    def _name_lost_json_nulls(
        self, result: TableResult, pairs: list[ColumnPair], s_read: Table, t_read: Table
    ) -> None:
        """A jsonb[] or json[] column read as JSON holds a JSON null element as null, as it holds
        an SQL NULL one, and any array read so starts at 1 (``json_array_losses``), so the
        checksums cannot see one made the other: a column whose values held one in the source,
        more than the target's do, is named as differing, with the cause and how many."""
        s_losses, t_losses = _both(
            self.src.submit(lambda e, _: json_array_losses(e, s_read)),
            self.tgt.submit(lambda e, _: json_array_losses(e, t_read)),
        )
        if not (s_losses.json_nulls or s_losses.bounded):
            return
        for pair in pairs:
            said = lost_messages(
                pair.name, (s_losses, pair.source.name), (t_losses, pair.target.name)
            )
            if said and pair.name not in result.differing_columns:
                result.differing_columns.append(pair.name)
            for message in said:
                result.add_message(message)
                result.result = DIFFER

    def _compare_what_sqlite_holds(
        self, result: TableResult, pairs: list[ColumnPair], t_table: Table
    ) -> None:
        """A SQLite target's storage classes, and the exact texts of dates, times and uuids
        from another engine, are part of what its queries answer (verify_sqlite)."""
        assert self.src.endpoint is not None and self.tgt.endpoint is not None
        # Between two SQLite files the storage classes are compared after the keys (_compare).
        if self.tgt.endpoint.dialect != "sqlite" or self.src.endpoint.dialect == "sqlite":
            return
        count_where = self.tgt.endpoint.count_where  # type: ignore[attr-defined]
        check_written(
            result,
            pairs,
            t_table,
            lambda conditions, key: self.tgt.submit(
                lambda _e, _c: count_where(t_table.name, conditions, key)
            ).result(),
        )

    def _reader(
        self, endpoint: Endpoint, table: Table, key_range: KeyRange | None = None
    ) -> pa.RecordBatchReader:
        """One side's rows, in batches of at most batch_rows and about BATCH_BYTES."""
        return endpoint.read(
            table, batch_rows=self.batch_rows, batch_bytes=BATCH_BYTES, key_range=key_range
        )

    def _counts(self, s_table: Table, t_table: Table) -> tuple[int, int]:
        return _both(
            self.src.submit(lambda e, c: self._count(e, c, s_table)),
            self.tgt.submit(lambda e, c: self._count(e, c, t_table)),
        )

    def _count(self, endpoint: Endpoint, engine: duckdb.DuckDBPyConnection, table: Table) -> int:
        """The table's rows: ``count(*)`` run where they are (ten times faster than
        streaming a column of every row here); else a single column read and counted."""
        count_rows = getattr(endpoint, "count_rows", None)
        if count_rows is not None:
            return int(count_rows(table))
        one = counted(table, endpoint.dialect)
        return count_reader(engine, self._reader(endpoint, one))

    def _checksums(
        self, s_table: Table, t_table: Table, pairs: list[ColumnPair]
    ) -> tuple[Checksum, Checksum]:
        s_sql, t_sql = [p.source_sql for p in pairs], [p.target_sql for p in pairs]
        s_names = [c.name for c in s_table.columns]
        t_names = [c.name for c in t_table.columns]
        s_zoned = [p.source_zone_named for p in pairs]
        t_zoned = [p.target_zone_named for p in pairs]
        return _both(
            self.src.submit(
                lambda e, c: checksum_reader(
                    c, self._source_reader(e, s_table), s_sql, s_names, s_zoned
                )
            ),
            self.tgt.submit(
                lambda e, c: checksum_reader(c, self._reader(e, t_table), t_sql, t_names, t_zoned)
            ),
        )

    def _diff(
        self,
        result: TableResult,
        s_table: Table,
        t_table: Table,
        pairs: list[ColumnPair],
        stored: list[str],
        sums: tuple[Checksum, Checksum],
    ) -> tuple[int, int]:
        """The differing keys, the first ``max_diffs`` of them with their rows. ``stored``:
        the columns a SQLite target holds in another form than arrowmig writes (they differ
        whatever the rows); ``sums``: both sides' checksums of the whole table. Returns the
        rows only the source holds and those only the target holds."""
        key = _diff_key(s_table, t_table, pairs)
        result.key = [p.name for p in key]
        store = self.store()
        s_sql, t_sql = [p.source_sql for p in pairs], [p.target_sql for p in pairs]
        s_keys, t_keys = [p.source_sql for p in key], [p.target_sql for p in key]
        s_knames, t_knames = [p.source.name for p in key], [p.target.name for p in key]
        store.prepare("src", s_knames)
        store.prepare("tgt", t_knames)
        for side in (self.src, self.tgt):
            if side.store_cursor is None:
                side.store_cursor = store.cursor()
        s_cur, t_cur = self.src.store_cursor, self.tgt.store_cursor
        assert s_cur is not None and t_cur is not None
        _both(
            self.src.submit(
                lambda e, _: store.load(
                    s_cur,
                    "src",
                    self._source_reader(e, s_table),
                    s_sql,
                    s_keys,
                    s_knames,
                )
            ),
            self.tgt.submit(
                lambda e, _: store.load(
                    t_cur,
                    "tgt",
                    self._reader(e, t_table),
                    t_sql,
                    t_keys,
                    t_knames,
                )
            ),
        )
        misformed = self._misformed_rows(pairs, t_table) if len(key) == 1 else {}
        store.mark(misformed.keys())
        limit = self.max_diffs
        total, rows = store.differences(len(key), limit)
        result.differing_keys = total
        lost = extra = 0
        if total:
            result.result = DIFFER
            lost, extra, shared = store.one_sided()
            if not key:  # rows, each copy one: ``total`` counts distinct rows
                result.differing_keys = lost + extra
            # Without a key a changed value is a row only the source holds and one only the
            # target holds; rows both hold in other counts (a duplicate) are no change.
            apart = None if key else store.rows_apart()
            changed = bool(shared) if apart is None else all(apart)
            copies = store.copies() if apart is None else (lost - apart[0], extra - apart[1])
            _say_one_sided_rows(
                result, (lost, extra), copies, changed=changed, stored=stored, keyed=bool(key)
            )
            if changed and ((lost or extra) if key else shared):
                self._name_columns_of_shared_rows(
                    result, s_table, t_table, pairs, key, sums, stored
                )
        if not rows:
            return lost, extra
        # Two at least: a changed row is one row on each side.
        per_key = max(limit, 2)
        row_counts = store.differing_rows(per_key)
        s_range = _narrow(s_table, key, rows, "source")
        t_range = _narrow(t_table, key, rows, "target")
        s_rows, t_rows = _both(
            self.src.submit(
                lambda e, _: store.fetch_rows(
                    s_cur,
                    self._source_reader(e, s_table, s_range),
                    s_sql,
                    s_keys,
                )
            ),
            self.tgt.submit(
                lambda e, _: store.fetch_rows(
                    t_cur,
                    self._reader(e, t_table, t_range),
                    t_sql,
                    t_keys,
                )
            ),
        )
        result.diffs = describe_diffs(rows, row_counts, key, pairs, s_rows, t_rows)
        if not key:  # listed by value, not by hash: the halves of a change side by side
            result.diffs.sort(key=_by_values)
        _show_misformed(result.diffs, misformed, key[0] if key else None, pairs)
        crowded = sum(1 for *_, n in {r[0]: r for r in row_counts}.values() if n > per_key)
        if crowded:
            result.add_message(
                f"{crowded:,} keys hold more than {per_key:,} differing rows: the first "
                f"{per_key:,} of each are listed"
            )
        return lost, extra

    def _misformed_rows(self, pairs: list[ColumnPair], t_table: Table) -> dict[str, dict[str, Any]]:
        """A SQLite target's rows holding values in another form than arrowmig writes, from
        another engine's source (verify_sqlite), by key."""
        assert self.src.endpoint is not None and self.tgt.endpoint is not None
        if self.tgt.endpoint.dialect != "sqlite" or self.src.endpoint.dialect == "sqlite":
            return {}
        rows_where = self.tgt.endpoint.rows_where  # type: ignore[attr-defined]
        return self.tgt.submit(
            lambda _e, _c: misformed_rows(
                pairs,
                t_table,
                lambda exprs, test, limit: rows_where(t_table.name, exprs, test, limit),
            )
        ).result()

    def _name_columns_of_shared_rows(
        self,
        result: TableResult,
        s_table: Table,
        t_table: Table,
        pairs: list[ColumnPair],
        key: list[ColumnPair],
        sums: tuple[Checksum, Checksum],
        stored: list[str],
    ) -> None:
        """Rows one side lacks change every column's checksum, the key's too: beside values
        that changed, the columns that differ are named from the rows both sides hold, the
        one-sided rows' hashes taken out of each side's sums (one more pass per side).
        Without a key, the rows both sides hold in other counts are taken out instead: what
        is left is the rows only one side holds, whose columns differ where values do."""
        store = self.store()
        s_cur, t_cur = self.src.store_cursor, self.tgt.store_cursor
        assert s_cur is not None and t_cur is not None
        s_sql, t_sql = [p.source_sql for p in pairs], [p.target_sql for p in pairs]
        s_names, t_names = [c.name for c in s_table.columns], [c.name for c in t_table.columns]
        s_keys, t_keys = [p.source_sql for p in key], [p.target_sql for p in key]
        s_one, t_one = _both(
            self.src.submit(
                lambda e, _: store.one_sided_sums(
                    s_cur, self._source_reader(e, s_table), s_sql, s_names, s_keys
                )
            ),
            self.tgt.submit(
                lambda e, _: store.one_sided_sums(
                    t_cur, self._reader(e, t_table), t_sql, t_names, t_keys
                )
            ),
        )
        s_sum, t_sum = sums
        shared = [
            pair.name
            for i, pair in enumerate(pairs)
            if (s_sum.column_sums[i] - s_one[0][i], s_sum.column_nulls[i] - s_one[1][i])
            != (t_sum.column_sums[i] - t_one[0][i], t_sum.column_nulls[i] - t_one[1][i])
            or pair.name in stored
        ]
        result.differing_columns = shared


def _by_values(diff: RowDiff) -> list[tuple[int, float, str]]:
    """A keyless table's differing row ordered by its values, column by column: numbers
    as numbers, whichever side holds them as text ('98' after 50), NULL last."""
    order = []
    for value in (diff.source or diff.target or {}).values():
        if value is None:
            order.append((2, 0.0, ""))
            continue
        try:
            order.append((0, float(value), str(value)))
        except (TypeError, ValueError):
            order.append((1, 0.0, str(value)))
    return order


def _show_misformed(
    diffs: list[RowDiff],
    misformed: dict[str, dict[str, Any]],
    key: ColumnPair | None,
    pairs: list[ColumnPair],
) -> None:
    """A changed row of a marked key (verify_sqlite.misformed_rows) names the columns the
    target holds in another form, with the text it holds: alike by meaning, shown apart."""
    if key is None:
        return
    declared = {p.name: p.source.source_type for p in pairs}
    for diff in diffs:
        if diff.kind != CHANGED or diff.key is None or diff.target is None:
            continue
        # Marked by the key's text as the target holds it: a uuid key held in upper case is
        # the source's key by meaning (the diff's), not by its text.
        held = misformed.get(str(diff.target.get(key.target.name)))
        if held is None:
            held = misformed.get(str(diff.key.get(key.name)), {})
        for column, text in held.items():
            if column not in diff.columns:
                diff.columns.append(column)
            diff.target[column] = text
            if isinstance(text, ByteaText) and diff.source and diff.source.get(column) == text:
                # A blob's bytes held as text that is not UTF-8: shown alike, typed apart.
                diff.types[column] = [declared[column], "text"]


def _say_one_sided_rows(
    result: TableResult,
    sides: tuple[int, int],
    copies: tuple[int, int],
    *,
    changed: bool,
    stored: list[str],
    keyed: bool,
) -> None:
    """Rows only one side holds change every column's checksum: where they are all that
    differs (no value ``changed``), they are said, and no column is named as differing.
    Of them, ``copies`` (fewer, more in the target) are copies of a row both sides hold
    (of a key both hold alike): a row loaded twice, said as such. Without a key a changed
    value is a row only the source holds and one only the target holds: those are counted,
    where the differing rows listed count each."""
    lost, extra = sides
    if changed and keyed:
        return
    fewer, more = copies
    said = [f"rows missing in target: {lost - fewer:,}"] if lost - fewer else []
    said += [f"rows missing in source: {extra - more:,}"] if extra - more else []
    said += [f"copies of a row missing in target: {fewer:,}"] if fewer else []
    said += [f"extra copies of a row in target: {more:,}"] if more else []
    if changed:
        result.add_message("; ".join(said) + " (without a key, a changed row is one of each)")
        return
    result.differing_columns = [c for c in result.differing_columns if c in stored]
    if result.rows_source and result.rows_target:  # else no row is on both sides
        said.append("no value of the rows both sides hold differs")
    result.add_message("; ".join(said))


def _name_zone_named_texts(
    result: TableResult, pairs: list[ColumnPair], s_sum: Checksum, t_sum: Checksum
) -> None:
    """Timestamp texts that name their zone as parsers read apart are compared as text, so
    they differ from every timestamp: the report says why, where a copy looks right."""
    for i, pair in enumerate(pairs):
        for side, (n, least) in (("source", s_sum.zone_named[i]), ("target", t_sum.zone_named[i])):
            if n:
                result.add_message(
                    f"{pair.name}: {n:,} {side} texts name a time zone that PostgreSQL and "
                    f"DuckDB read apart (an abbreviation, PST; a POSIX GMT+2; here {least!r}): "
                    "each is compared as its text, and equals no timestamp"
                )


def _column_pairs(
    s_table: Table,
    t_table: Table,
    src: _Side,
    tgt: _Side,
    beyond_arrow: bool,
    cast: frozenset[str] = frozenset(),
) -> tuple[list[ColumnPair], list[str], list[str]]:
    """The columns both sides have, each pair's own hashing; those only the source has and
    those only the target has. ``beyond_arrow``: a value past Arrow's range was met, and
    every column the server can write as text is read so (verify_server_text). ``cast``:
    the source columns a run between SQLite files cast, compared by value."""
    assert src.endpoint is not None and tgt.endpoint is not None
    dialects = (src.endpoint.dialect, tgt.endpoint.dialect)
    postgres_pair = src.endpoint.dialect == "postgresql" == tgt.endpoint.dialect
    t_names = [c.name for c in t_table.columns]
    pairs: list[ColumnPair] = []
    missing: list[str] = []
    used: set[str] = set()
    for col in s_table.columns:
        t_name = _match_name(col.name, t_names, tgt.endpoint.dialect)
        if t_name is None or t_name in used:
            missing.append(col.name)
            continue
        used.add(t_name)
        t_col = t_table.column(t_name)
        if dialects == ("sqlite", "sqlite") and col.name not in cast:
            col, t_col = as_stored_text(col, t_col)
        if dialects == ("duckdb", "duckdb"):
            col, t_col = tagged_pair(col, t_col)
        pair = pair_columns(
            col,
            t_col,
            postgres_pair=postgres_pair,
            json_text_target=tgt.endpoint.dialect in JSON_TEXT_DIALECTS,
            read_as_text=read_as_text(col, t_col, dialects, beyond_arrow),
        )
        pairs.append(by_elements(pair))
    extra = [n for n in t_names if n not in used]
    return pairs, missing, extra


def _diff_key(s_table: Table, t_table: Table, pairs: list[ColumnPair]) -> list[ColumnPair]:
    """The columns rows are matched on: the source's primary key, else the target's; none
    (a multiset of whole rows) when neither side has one both sides carry."""
    for table, pick in ((s_table, "source"), (t_table, "target")):
        if not table.primary_key:
            continue
        by_name = {getattr(p, pick).name: p for p in pairs}
        if all(k in by_name for k in table.primary_key):
            return [by_name[k] for k in table.primary_key]
    return []


def _narrow(
    table: Table, key: list[ColumnPair], rows: list[tuple[Any, ...]], side: str
) -> KeyRange | None:
    """The smallest split-key range that holds every listed key, to re-read less."""
    if len(key) != 1 or table.split_key is None:
        return None
    col: Column = getattr(key[0], side)
    # A SQLite table's INTEGER PRIMARY KEY is its rowid: the key and the split key agree.
    is_rowid = (
        table.split_key in ROWID_NAMES
        and all(c.name != table.split_key for c in table.columns)
        and table.primary_key == (col.name,)
        and col.auto_increment
    )
    if (col.name != table.split_key and not is_rowid) or kind_of(col) != INT:
        return None
    values = []
    for row in rows:
        try:
            values.append(int(row[3]))
        except (TypeError, ValueError):
            return None
    return KeyRange(after=min(values) - 1, upto=max(values))
