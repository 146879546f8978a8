"""The migrate verb: plan, prepare the target (or pick up an interrupted run), run the
streams, put tables in place, report.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol, TypeVar

from arrowmig.argument_words import arg, given
from arrowmig.arguments import NONE, PROGRESS, URL, checked, instance_of
from arrowmig.auto_keys import said_moved, unmoved_shared_key_notes, without_unfinished_key_notes
from arrowmig.casts import casts_in_schema
from arrowmig.checkpoint import (
    RUN_ROW,
    TABLE_ROW,
    CheckpointStore,
    Row,
    Shape,
    TableDetail,
    fingerprint,
    rows_committed,
    run_basis,
    run_id_of,
    run_row,
    shape_change,
    superseded_text,
    table_shape,
)
from arrowmig.config import MigrationConfig
from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.base import Endpoint, Source, describe_each
from arrowmig.endpoints.common import together
from arrowmig.endpoints.duckdb_closing import FileClosing, stopped_message, unwritten_message
from arrowmig.endpoints.pg_wire import PROCESS_TOKEN
from arrowmig.errors import (
    LOCK_LOST,
    ArrowmigError,
    ConnectError,
    SchemaError,
    StopRequested,
    TransientError,
    UsageError,
)
from arrowmig.events import Event, ProgressSink, as_sink, raise_callback_error
from arrowmig.folders import refuse_unwritable_file
from arrowmig.held_signals import raise_held_here
from arrowmig.json_array_losses import with_json_array_notes
from arrowmig.kept_keys import DroppedKey, give_back
from arrowmig.large_objects import with_large_object_notes
from arrowmig.loading import (
    advance_failed_append,
    check_emptying,
    describe_landing,
    emptied_by_a_crash,
    emptied_first,
    empty_tables,
    landing_for,
    prepare,
)
from arrowmig.meter import RunMeter
from arrowmig.model import KeyRange, Table
from arrowmig.names import named_tables, one_schema
from arrowmig.pg_range_notes import with_range_notes
from arrowmig.pipeline import through_restarts
from arrowmig.plan import (
    APPENDED_KEYS_NOTE,
    MigrationPlan,
    Stream,
    TablePlan,
    build_plan,
    refuse_unreadable,
    select_tables,
    source_streams,
    split_note,
    stream_counts,
)
from arrowmig.reject_folder import run_reject_folder
from arrowmig.rejects import check_reject_dir, check_reject_dir_unmade, set_aside_earlier
from arrowmig.report import MigrationReport
from arrowmig.rerun_refusal import (
    forget_statement,
    refuse_append_again,
    started_afresh,
    superseded_note,
)
from arrowmig.resume_rows import check_rows_held, held_before
from arrowmig.rowpath import peak_rss_bytes
from arrowmig.run_lock import TablesHeld, exclusive_tables, target_kept_open
from arrowmig.run_source import how_sources_differ, without_password
from arrowmig.runner import (
    Runner,
    StreamWork,
    TableWork,
    add_foreign_keys,
    add_pg_definitions,
    advance_shared_sequences,
    record_prepared,
)
from arrowmig.scheduler import run_stoppable
from arrowmig.schemas import (
    SchemaRun,
    SeveralPlans,
    emptied_apart,
    keys_between_schemas,
    refuse_sqlite_schemas,
    several_schemas,
)
from arrowmig.status import resume_command
from arrowmig.target_names import with_target_schema
from arrowmig.urls import EndpointUrl, parse_url

if TYPE_CHECKING:
    from arrowmig.endpoints.pg_hold import Blocker, HeldSnapshot

__all__ = ["StopRequested", "explain", "migrate", "transfer"]

Progress = ProgressSink | Callable[[Event], None] | None


@checked(source=URL, target=URL, config=instance_of(MigrationConfig) | NONE, progress=PROGRESS)
def migrate(
    source: str,
    target: str,
    *,
    tables: str | list[str] | tuple[str, ...] | None = None,
    config: MigrationConfig | None = None,
    progress: Progress = None,
) -> MigrationReport:
    """Copy tables from ``source`` to ``target`` (URLs or paths); returns the report.

    ``tables`` is one table name or a list of them (or ``config.tables``, not both).
    Raises an ArrowmigError before writing anything when the run cannot work (bad URL,
    unreachable server, missing table, existing target table in create mode).

    Once writing has begun, a table that fails raises nothing: the run goes on with the other
    tables and returns the report, where that table's ``status`` is ``"failed"`` with its
    ``error``, ``report.ok`` is False and ``report.exit_code`` 1 (a key not built, or a row
    rejected, says so the same way). Ctrl-C raises ``arrowmig.Interrupted`` (a
    KeyboardInterrupt) once the call has cleaned up; its ``report`` is the run so far, which
    ``MigrationConfig(resume=True)`` continues. ``progress`` takes a callback or a sink of
    ``arrowmig.events.Event``; an exception it raises is raised once the run has ended.
    """
    started = time.monotonic()  # the report's seconds: the whole call, its planning included
    config = config or MigrationConfig()
    if tables is not None:
        if config.tables is not None:
            raise UsageError(
                "migrate() was given tables= and config.tables; which tables to move is unclear",
                hint="name the tables in one of them",
            )
        config = replace(config, tables=named_tables(tables))
    parse_url(source), parse_url(target)
    refuse_sqlite_schemas(source, target, config.source_schema, config.target_schema)
    config = with_target_schema(config)
    sink = as_sink(progress)
    report = _migrate(source, target, config, sink, started)
    raise_callback_error(
        sink, progress
    )  # the caller's own exception (its note says when it was raised)
    return report


def _with_closing_peak(report: MigrationReport, high_before: int) -> None:
    """The process's high-water mark as the run's peak when the run set a new one after the
    meter's last sample: closing a DuckDB target checkpoints it, which peaked at 867 MiB where
    the report said 531 (values of megabytes). With --verify, a checkpoint that peaks below
    the verify's mark is not seen."""
    high = peak_rss_bytes()
    if high > high_before and high > report.peak_rss_bytes and report.peak_rss_bytes:
        report.peak_rss_bytes = high


def _migrate(
    source: str, target: str, config: MigrationConfig, sink: ProgressSink, started: float
) -> MigrationReport:
    high_before = peak_rss_bytes()
    runs: list[SchemaRun] | None = None
    if several_schemas(config.source_schema) is not None:
        from arrowmig.schemas import schema_runs

        with _stopped_before_writing([]):
            runs = schema_runs(source, target, config)
    else:
        config = _one_schema(config)
    # The run's summary is its last event: held back while the schemas' runs (each its own
    # summary) and the verify that follows them still have to finish.
    # And for a DuckDB target: its file's checkpoint as it closes, at the hold's end, may fail.
    held_back = runs is not None or config.verify or parse_url(target).kind == "duckdb"
    inner = SummaryLast(sink) if held_back else sink
    # The verify, and every schema's run, within the run's hold on a DuckDB target.
    with contextlib.ExitStack() as hold:
        hold.enter_context(_target_locks_said(target, config, sink))
        hold.enter_context(_sqlite_locks_said(source, target, sink))
        # A stop as the hold is taken (DuckDB's module loading, the source's locks) comes
        # before anything is written: said so, not as a run to resume.
        with _stopped_before_writing([]):
            closing = hold.enter_context(target_kept_open(target))
            held = hold.enter_context(_held_source(source, target, config, runs, sink))
        if runs is not None:
            from arrowmig.schemas import InSchema, migrate_schemas, table_pairs

            every_table = table_pairs(runs)
            with _stopped_before_writing([]), _nothing_written_yet():
                described = _plan_every_schema(source, target, runs, held, every_table)

            report = migrate_schemas(
                source,
                target,
                config,
                runs,
                lambda run: _migrate_schema(
                    source,
                    target,
                    run.config,
                    InSchema(inner, run.schema),
                    held,
                    run_tables=every_table,
                    described=described.get(run.schema, {}),
                ),
                started=started,
            )
        else:
            report = _migrate_schema(source, target, config, inner, held, started=started)
        if held is not None and held.unlocked:
            report.notes.append(_unlocked_note(held.unlocked))
        if config.verify and not report.resumable:
            from arrowmig.run_verify import verify_run

            # The run's memory is the load's, as its seconds are: taken before the verify,
            # which reports its own peak (its 288 MiB was the run's, where the load's was 167).
            _with_closing_peak(report, high_before)
            verify_run(source, target, report, config, held)
            high_before = peak_rss_bytes()  # a mark set from now on is the target's closing
    _with_closing_peak(report, high_before)
    _say_unwritten(report, target, closing)
    if held_back:
        sink.emit(Event("summary", rows=report.rows, bytes=report.bytes, report=report.to_dict()))
    return report


def _plan_every_schema(
    source: str,
    target: str,
    runs: list[SchemaRun],
    held: HeldSnapshot | None,
    every_table: Collection[tuple[str, str]],
) -> dict[str, dict[str, Table]]:
    """Every schema's plan, from the run's snapshot, before the first schema is written: what
    cannot work in any of them (an append a column refuses) is refused with nothing moved.

    Returns each schema's tables as described for its plan, for its run to plan from again
    (``transfer``'s ``described``): read from the run's snapshot, with its tables locked,
    they are what the run reads, and describing 1,000 tables again took 50 s. A source read
    without a snapshot (DuckDB) gives none: its run describes its tables as it finds them."""
    from arrowmig.schemas import plans_of_every_schema

    described: dict[str, dict[str, Table]] = {}

    def plan_one(run: SchemaRun) -> MigrationPlan:
        open_source = _source_opener(source, run.config, held)
        with contextlib.ExitStack() as opened:
            src = opened.enter_context(open_source())
            url = parse_url(target)
            dst = None
            if url.kind == "postgresql" or url.path.exists():
                dst = opened.enter_context(
                    open_endpoint(target, schema=run.config.target_schema, read_only=True)
                )
            # Described as the run describes them (``_parallel_describe``): the checks made
            # now are those of the plan the run follows.
            describe = _parallel_describe(src, open_source, run.config)

            def describe_all(names: list[str]) -> dict[str, Table]:
                tables = describe(names)
                if held is not None:
                    described[run.schema] = tables
                return tables

            plan = build_plan(
                src,
                dst,
                run.config,
                dialect=url.kind,
                defer_conflicts=True,
                describe_all=describe_all,
                run_tables=every_table,
            )
            if dst is not None and run.config.mode == "append" and not run.config.resume:
                _refuse_appending_again(src, dst, parse_url(source).redacted, plan, run.config)
            if dst is not None and not run.config.resume:
                # A key between two schemas' tables refuses the TRUNCATE of one: found as its
                # schema's run begins, the schemas moved before had been emptied. (A resume
                # does not empty the tables its earlier run prepared: its run checks.)
                check_emptying(
                    dst, _emptied_first(plan, dst.dialect), emptied_apart(run.config, every_table)
                )
            return plan

    plans_of_every_schema(runs, plan_one)
    return described


def _refuse_appending_again(
    src: Source, dst: Endpoint, label: str, plan: MigrationPlan, config: MigrationConfig
) -> None:
    """One schema's append refused with every schema unwritten when its earlier run of this
    command, interrupted or failed, committed rows (``refuse_append_again``): its run id is
    the one ``_transfer`` computes from the same plan."""
    run_id, _ = fingerprint(_source_identity(src, label), [p.source for p in plan.tables], config)
    refuse_append_again(CheckpointStore(dst), run_id)


@contextmanager
def _held_source(
    source: str,
    target: str,
    config: MigrationConfig,
    runs: list[SchemaRun] | None,
    sink: ProgressSink,
) -> Iterator[HeldSnapshot | None]:
    """A PostgreSQL source held for the run (``pg_hold``): every table it reads locked, then
    one snapshot exported for every connection, schema and stream, and for ``--verify``;
    other sources are read as they are (None)."""
    if parse_url(source).kind != "postgresql":
        yield None
        return
    from arrowmig.endpoints.pg_hold import hold_source
    from arrowmig.schema import qualified

    if runs is not None:
        from arrowmig.schemas import tables_of

        relations = tables_of(runs)
    else:
        # The tables the plan will choose, by its own rules (a name not there is refused now,
        # with the plan's words), before anything is locked or written.
        with open_endpoint(source, schema=config.source_schema, read_only=True) as lister:
            names = select_tables(lister, config, parse_url(target).kind)[0]
            # Refused as the plan refuses them, every missing GRANT named: the lock would
            # fail first, on the first table or schema it may not read.
            refuse_unreadable(lister, names)
            relations = [qualified(n, lister.schema) for n in names]

    def said(table: str, message: str) -> None:
        sink.emit(Event("waiting", table=table, message=message))

    with hold_source(source, relations, config.lock_wait_s, said) as held:
        yield held


@contextmanager
def _target_locks_said(target: str, config: MigrationConfig, sink: ProgressSink) -> Iterator[None]:
    """A PostgreSQL target's table another session keeps locked is said while the run waits
    for it, as a source's is (``waiting`` events): the run was silent for minutes."""
    if parse_url(target).kind != "postgresql":
        yield
        return
    from arrowmig.endpoints.pg_target_locks import watching_target_locks

    def said(table: str, blocker: Blocker) -> None:
        message = (
            f"waiting for a lock on {table} held by {blocker.said()}: a statement on the "
            f"target waits for a lock up to --batch-timeout ({config.batch_timeout_s:.15g} s)"
        )
        sink.emit(Event("waiting", table=table, message=message))

    with watching_target_locks(target, said):
        yield


@contextmanager
def _sqlite_locks_said(source: str, target: str, sink: ProgressSink) -> Iterator[None]:
    """Another process's lock on a SQLite source or target that the run waits for is said
    after a few seconds (``waiting`` events), as a PostgreSQL one is: SQLite waits for it in
    silence, up to a minute per statement (``BUSY_TIMEOUT_MS``), planning included."""
    from arrowmig.endpoints.sqlite import BUSY_TIMEOUT_MS
    from arrowmig.endpoints.sqlite_locks import watching_sqlite_locks

    with contextlib.ExitStack() as watches:
        for url, writing in ((source, False), (target, True)):
            parsed = parse_url(url)
            if parsed.kind != "sqlite":
                continue
            path = parsed.target

            def said(pid: int, path: str = path, writing: bool = writing) -> None:
                message = (
                    f"waiting for a lock on SQLite file {path!r} held by another process "
                    f"(pid {pid}): the run's {'writes' if writing else 'reads'} wait for it, "
                    f"up to {BUSY_TIMEOUT_MS // 1000} s per statement"
                )
                sink.emit(Event("waiting", table=os.path.basename(path), message=message))

            watches.enter_context(watching_sqlite_locks(path, writing, said))
        yield


def _unlocked_note(tables: tuple[str, ...]) -> str:
    return (
        f"not locked while the run read them: {', '.join(tables)} (this user reads them by "
        "grants on their columns, and LOCK TABLE needs SELECT on the table): a TRUNCATE or "
        "ALTER TABLE meanwhile would not have waited for the run; arrowmig verify compares them"
    )


class SummaryLast:
    """Passes events on, but for the ``summary``: the run sends its own, whole, at its end."""

    def __init__(self, sink: ProgressSink) -> None:
        self.sink = sink

    def emit(self, event: Event) -> None:
        if event.event != "summary":
            self.sink.emit(event)


def _migrate_schema(
    source: str,
    target: str,
    config: MigrationConfig,
    progress: Progress,
    held: HeldSnapshot | None,
    *,
    run_tables: Collection[tuple[str, str]] = (),
    described: Mapping[str, Table] | None = None,
    started: float | None = None,
) -> MigrationReport:
    """A run of one schema; a PostgreSQL source is read from ``held``'s snapshot;
    ``run_tables``: in a run of several schemas, every table it moves (``table_pairs``);
    ``described``: its tables as already described from that snapshot (``_plan_every_schema``);
    ``started``: when the run began (``transfer``)."""
    return transfer(
        _source_opener(source, config, held),
        target,
        config=config,
        progress=progress,
        source_label=parse_url(source).redacted,
        run_tables=run_tables,
        described=described,
        started=started,
    )


def _source_opener(
    source: str, config: MigrationConfig, held: HeldSnapshot | None
) -> Callable[[], Endpoint]:
    """Opens a connection to the run's schema of ``source``, reading ``held``'s snapshot."""
    source_url = parse_url(source)

    def open_source() -> Endpoint:
        try:
            endpoint = open_endpoint(source, schema=config.source_schema, read_only=True)
        except ConnectError as exc:
            if held is not None:
                _refuse_a_lost_snapshot(source_url, held, exc)
            raise
        if held is not None:
            try:
                endpoint.use_snapshot(held)  # type: ignore[attr-defined]
            except BaseException:
                endpoint.close()
                raise
        return endpoint

    return open_source


def _refuse_a_lost_snapshot(source: EndpointUrl, held: HeldSnapshot, exc: ConnectError) -> None:
    """A source that refuses a new connection of the run as it restarts (a stream's first, a
    retry's) took the run's snapshot with it: ``SnapshotLost`` at once, which no retry spends
    itself on, rather than retries that could only end on the refusal or the lost snapshot."""
    from arrowmig.endpoints.pg_hold import snapshot_gone, snapshot_lost

    if snapshot_gone(source.target, held.id):
        raise snapshot_lost(None) from exc


def _holding(dst: Endpoint, held: TablesHeld) -> Endpoint:
    """``dst``, committing each batch only while the run holds its tables (``run_lock``)."""
    check = held.batch_check_sql()
    require_lock = getattr(dst, "require_lock", None)  # PostgreSQL's
    if check is not None and require_lock is not None and held.regain is not None:
        require_lock(check, held.regain)
    return dst


@contextmanager
def _open_target_beside(src: Source, target: str, config: MigrationConfig) -> Iterator[Endpoint]:
    """The run's target, once it is known not to be the DuckDB file the run reads."""
    _refuse_writing_the_file_read(src, parse_url(target), config)
    with open_target(target, config) as dst:
        yield dst


def open_target(target: str, config: MigrationConfig) -> Endpoint:
    """A connection of the run to its target. Its commits may return before they are on
    disk (PostgreSQL, ``defer_durability``); what the run reports, each table done and the
    run's end, is recorded ``durable``."""
    endpoint = open_endpoint(
        target, schema=config.target_schema, create=True, timeout_s=config.batch_timeout_s
    )
    defer = getattr(endpoint, "defer_durability", None)
    if defer is not None:
        try:
            defer()
        except BaseException:
            endpoint.close()
            raise
    return endpoint


def transfer(
    open_source: Callable[[], Source],
    target: str,
    *,
    config: MigrationConfig,
    progress: Progress = None,
    source_label: str | None = None,
    run_tables: Collection[tuple[str, str]] = (),
    described: Mapping[str, Table] | None = None,
    started: float | None = None,
) -> MigrationReport:
    """The engine behind migrate and generate: any source into the ``target`` URL.
    ``run_tables``: a run of several schemas gives every table it moves, (schema, name); a
    replaced table's foreign key into one of them is the run's to add, not the old one's.
    ``described``: tables already described from the snapshot the run reads, not again.
    ``started``: the ``time.monotonic()`` the run began at, which the report's seconds count
    from (the caller's locking and describing before this are the run's too); else now."""
    started = time.monotonic() if started is None else started
    sink = as_sink(progress)
    with contextlib.ExitStack() as held:  # the run's hold on its target tables
        closing = held.enter_context(target_kept_open(target))
        report = _transfer(
            open_source,
            target,
            config,
            sink,
            source_label,
            held,
            run_tables,
            described or {},
            started,
        )
    # The summary once the target is closed: a DuckDB file's closing checkpoint may fail.
    _say_unwritten(report, target, closing)
    sink.emit(Event("summary", rows=report.rows, bytes=report.bytes, report=report.to_dict()))
    return report


def _say_unwritten(report: MigrationReport, target: str, closing: FileClosing) -> None:
    """A DuckDB target whose checkpoint failed as the run closed it, in the report: done
    otherwise, the run would say done of rows held in the file's write-ahead log only. And a
    stop that came then, after the run had finished: the run is done all the same."""
    names = [t.name for t in report.tables] or report.done_before
    if closing.unwritten is not None:
        report.unwritten = unwritten_message(parse_url(target).target, names, closing.unwritten)
    if closing.stopped is not None:
        report.notes.append(stopped_message(parse_url(target).target, names, closing))


def _transfer(
    open_source: Callable[[], Source],
    target: str,
    config: MigrationConfig,
    sink: ProgressSink,
    source_label: str | None,
    held: contextlib.ExitStack,
    run_tables: Collection[tuple[str, str]],
    described: Mapping[str, Table],
    started: float,
) -> MigrationReport:

    def replan(src: Source, dst: Endpoint, name: str) -> TablePlan:
        """One table's plan from a full profile of its values (a presumed type was broken)."""
        one = replace(
            config, tables=(name,), exclude=(), casts=tuple(c for c in config.casts if c[0] == name)
        )
        return build_plan(
            src,
            dst,
            one,
            defer_conflicts=True,
            describe_all=lambda names: {
                n: src.describe(n, profile=True, workers=config.parallel) for n in names
            },
        ).tables[0]

    check_reject_dir(config)  # before the target is opened (a new file is made then)
    meter = RunMeter()
    written: list[bool] = []
    with (
        _stopped_before_writing(written),
        open_source() as src,
        _open_target_beside(src, target, config) as dst,
    ):
        label = source_label or src.url.redacted
        _refuse_reading_own_target(src, dst, config)
        with _nothing_written_yet():
            plan = build_plan(
                src,
                dst,
                config,
                defer_conflicts=True,
                describe_all=_but_those_described(
                    described, _parallel_describe(src, open_source, config)
                ),
                run_tables=run_tables,
            )
            plan = with_large_object_notes(src, with_json_array_notes(src, plan))
        run_id, basis = fingerprint(
            _source_identity(src, label), [p.source for p in plan.tables], config
        )
        store = CheckpointStore(dst)
        if config.resume:
            run_id, basis = _id_recorded(store, run_id, basis)
        report = MigrationReport(
            source=label,
            target=dst.url.redacted,
            mode=config.mode,
            skipped_views=plan.skipped_views,
            run_id=run_id,
            notes=list(plan.notes),
            target_schema=plan.schemas[1] if plan.schemas else None,
        )
        earlier = _earlier_run(store, run_id, plan, config, basis)
        if earlier is not None and any(
            r.table_name == RUN_ROW and r.state == "complete" for r in earlier
        ):
            report.notes.append(f"run {run_id} already completed: nothing to resume")
            report.done_before = [p.source.name for p in plan.tables]
            report.seconds = time.monotonic() - started
            return report
        config, folder_notes = run_reject_folder(config, _run_basis(earlier), run_id)
        report.notes.extend(folder_notes)
        # Before anything is written: no other run may write these tables meanwhile.
        tables_held = held.enter_context(
            exclusive_tables(target, dst.schema, [p.target.name for p in plan.tables])
        )

        def connect_target() -> Endpoint:
            """A writer's connection, committing no batch once the run lost its lock."""
            return _holding(open_target(target, config), tables_held)

        _holding(dst, tables_held)
        # Each table's rows of the interrupted run, sorted out once (not per table: 2,000
        # tables resumed compared millions of rows).
        earlier_rows = _by_table(earlier)
        if not config.resume:
            report.notes.extend(started_afresh(store, run_id, config.mode, config.target_schema))
        conflicts = [c for c in plan.conflicts if not _prepared(earlier_rows, c.table)]
        if conflicts:
            raise conflicts[0]
        to_empty = _tables_to_empty(plan, earlier_rows, dst.dialect)
        with _nothing_written_yet():
            # A --mode truncate the target refuses is refused here, before the run records
            # itself (and creates the checkpoint table): a run refused before writing anything
            # leaves no run behind for status to offer to resume, nor to supersede later.
            check_emptying(
                dst, [p.target.name for p in to_empty], emptied_apart(config, run_tables)
            )
            store.ensure()
        if earlier is None:
            store.forget_run(run_id)
        # The run row keeps, beside what the fingerprint was computed from, the SQLite target's
        # own journal mode, read before this run first set WAL: a run killed before it put it
        # back leaves WAL on, which a resumed run must not take for the file's own.
        own_mode = _own_journal_mode(dst, earlier)
        # And, for `arrowmig status`, the process (its lock tells a live run from a dead one)
        # and the source schema (part of the command that resumes it).
        # And when each run of it began reading the source: a resumed run's copy holds the
        # rows of two (or more) moments, which its report says. And where it puts rejected
        # rows, its default folder's too: a resume puts its own there (``reject_folder``). And
        # the options that built a generated source (``arrowmig status`` repeats them).
        read_before = _read_at(earlier)
        read_now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        basis = {
            **basis,
            "target_journal_mode": own_mode,
            "pid": os.getpid(),
            "run_token": PROCESS_TOKEN,
            "source_schema": config.source_schema,
            "read_at": [*read_before, read_now],
            "reject_dir": _reject_dir(config),
            "source_flags": list(getattr(src, "command_flags", ())),
        }
        # Recorded before any table is created: a run killed from here on is found by --resume.
        written.append(True)
        store.record(run_row(run_id, "running", basis), durable=True)
        # The tables this run writes afresh: an older run not complete that loads any of them
        # can no longer be continued (its resume would write its rows on top of these).
        fresh_names = [
            p.source.name for p in plan.tables if not _prepared(earlier_rows, p.source.name)
        ]
        for other in store.supersede(run_id, fresh_names):
            report.notes.append(superseded_note(other, config.mode))
        if plan.sqlite_header:
            dst.set_header_values(plan.sqlite_header)  # type: ignore[attr-defined]
        if earlier is None:  # a new run: its reject files hold its own rows only
            report.notes.extend(set_aside_earlier(config, [p.source.name for p in plan.tables]))
        again = _loaded_again(earlier)
        plan.tables = [
            replan(src, dst, p.source.name) if p.source.name in again else p for p in plan.tables
        ]
        with _while_preparing():
            emptied = _empty_fresh_tables(dst, to_empty)
            counts = stream_counts(plan.tables, src, config)

        def prepare_lot(s: Source, d: Endpoint, lot: list[TablePlan]) -> list[TableWork]:
            fresh: list[TableWork] = []
            works = [
                _table_work(
                    s,
                    d,
                    p,
                    config,
                    earlier_rows.get(p.source.name, []),
                    p.source.name in again,
                    emptied,
                    fresh,
                    counts[p.source.name],
                )
                for p in lot
            ]
            if fresh:
                record_prepared(store if d is dst else CheckpointStore(d), run_id, fresh)
            return works

        spares: list[tuple[Source, Endpoint]] = []
        try:
            with _while_preparing():
                work = _prepare_all(
                    plan.tables,
                    prepare_lot,
                    (src, dst),
                    lambda: (open_source(), connect_target()),
                    config.parallel,
                    spares,
                )
        except BaseException:
            _close_pairs(spares)  # a signal: closed now, not by the garbage collector
            raise
        meter.set_baseline()
    try:
        moments: list[str] | None = None
        if _committed_any(earlier) and any(w.streams for w in work):
            moments = [*read_before, read_now]
            report.notes.append(_two_moments_note(moments))
        runner = Runner(
            plan=plan,
            work=work,
            config=config,
            report=report,
            meter=meter,
            sink=sink,
            open_source=open_source,
            open_target=connect_target,
            run_id=run_id,
            replan=replan,
            spares=spares,  # closed by its scheduler, whatever happens
            run_tables=run_tables,
            tables_held=tables_held,
        )
    except BaseException:
        _close_pairs(spares)
        raise
    meter.start_sampling()
    try:
        runner.execute(lambda w: _finish_without_streams(target, config, runner, w))
    finally:
        meter.stop_sampling()
        report.seconds = time.monotonic() - started
        report.peak_rss_bytes = meter.peak_rss
        report.baseline_rss_bytes = meter.baseline_rss
    report.interrupted = runner.interrupted
    _say_emptied(work, emptied, report, dst.dialect)
    lost = runner.interrupted is None and tables_held.lost()
    if lost:
        # Another run may be writing these tables now: nothing more is written (no keys,
        # staging tables left as they are, the run not recorded: it shares its record with
        # a run of the same command).
        report.unfinished = (
            f"{LOCK_LOST} (its session was ended: a server restart, a terminated backend or "
            "a lost connection, and it could not take them again), so another run may be "
            "writing them: the run stopped, writing nothing more; once no other run writes "
            "these tables, run the same command with --resume"
        )
    elif runner.interrupted is None:
        _finish_run(
            lambda dst: _wrap_up(
                dst,
                config,
                plan,
                report,
                run_id,
                basis,
                lambda: open_target(target, config),
                (meter, sink),
                moments,
                runner.keys_dropped,
            ),
            target,
            config,
            report,
        )
        report.seconds = time.monotonic() - started  # the foreign keys are part of the run
    if report.interrupted is not None:
        _mark_run("interrupted", target, config, run_id, _with_failures(basis, report), report)
        _shared_sequences_left(plan, report)
    elif report.unfinished is not None and not lost:
        unfinished = {**_with_failures(basis, report), "unfinished": report.unfinished}
        _mark_run("failed", target, config, run_id, unfinished, report)
    if own_mode is not None and report.unfinished is None:
        _restore_journal_mode(target, config, own_mode, stopped=report.interrupted is not None)
    return report


def _shared_sequences_left(plan: MigrationPlan, report: MigrationReport) -> None:
    """A stopped run's tables whose shared sequences its wrap-up did not move (none is
    named as built) are not said to have been moved."""
    by_name = {t.name: t for t in report.tables}
    for p in plan.tables:
        table_report = by_name.get(p.source.name)
        if table_report is None or any(said_moved(b) for b in table_report.built):
            continue
        table_report.notes = unmoved_shared_key_notes(
            table_report.notes, p.target, plan.target_dialect
        )


def _parallel_describe(
    src: Source, open_source: Callable[[], Source], config: MigrationConfig
) -> Callable[[list[str]], dict[str, Table]]:
    """Describe tables on ``config.parallel`` connections at once.

    Profiling a SQLite table is a full scan that uses one core; with several tables, two
    connections profile two tables at a time (largest first), which halves the planning time
    on two cores.

    Types are presumed from declarations where the reads prove them (``Column.proof``) in
    create and replace modes, where a table that breaks one is the run's own to load again;
    appending into an existing table profiles in full.
    """
    presume = config.mode in ("create", "replace")

    def describe_all(names: list[str]) -> dict[str, Table]:
        workers = min(config.parallel, len(names))
        if workers <= 1 or hasattr(src, "describe_many"):
            # A source that describes many tables at once (PostgreSQL) does so on its own
            # connection: each other one would cost its opening (~0.3 s) and read the
            # catalogs again.
            return describe_each(
                src, names, profile=config.profile, workers=config.parallel, presume=presume
            )
        described = _on_own_connections(
            names,
            lambda conns, name: conns[0].describe(
                name, profile=config.profile, workers=config.parallel, presume=presume
            ),
            lambda: (open_source(),),
            workers,
        )
        return dict(zip(names, described, strict=True))

    return describe_all


def _but_those_described(
    described: Mapping[str, Table], describe: Callable[[list[str]], dict[str, Table]]
) -> Callable[[list[str]], dict[str, Table]]:
    """``describe`` of the tables not in ``described``, and those as they are there."""

    def describe_all(names: list[str]) -> dict[str, Table]:
        found = describe([n for n in names if n not in described])
        return {name: described[name] if name in described else found[name] for name in names}

    return describe_all


T = TypeVar("T")
W = TypeVar("W")


class _Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=tuple[_Closable, ...])


def _on_own_connections(
    items: list[T],
    work: Callable[[C, T], W],
    connect: Callable[[], C],
    workers: int,
    kept: list[C] | None = None,
) -> list[W]:
    """``work(connections, item)`` for each item, in order, on ``workers`` threads: each
    thread opens its own connections once (``connect``), all closed at the end, or, when
    every item is done, handed to ``kept`` (the caller's to close)."""
    local = threading.local()
    opened: list[C] = []
    lock = threading.Lock()
    stop = threading.Event()
    done: list[W] = []

    def one(item: T) -> W:
        if stop.is_set():  # a signal: what has not begun does not
            raise _Stopped()
        conns: C | None = getattr(local, "conns", None)
        if conns is None:
            conns = connect()
            local.conns = conns
            with lock:
                opened.append(conns)
        return work(conns, item)

    def all_items() -> None:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="arrowmig-plan") as pool:
            done.extend(pool.map(one, items))

    try:
        run_stoppable(all_items, stop)
        if kept is not None:
            kept.extend(opened)
            opened.clear()
        return done
    finally:
        for conns in opened:
            for conn in conns:
                conn.close()


def _close_pairs(pairs: list[tuple[Source, Endpoint]]) -> None:
    """Close connections no worker took (the garbage collector would say it could not)."""
    for pair in pairs:
        for conn in pair:
            with contextlib.suppress(Exception):
                conn.close()
    pairs.clear()


class _Stopped(Exception):
    """An item not begun because a signal stopped the run (``_on_own_connections``)."""


def _wrap_up(
    dst: Endpoint,
    config: MigrationConfig,
    plan: MigrationPlan,
    report: MigrationReport,
    run_id: str,
    basis: dict[str, object],
    connect: Callable[[], AbstractContextManager[Endpoint]],
    progress: tuple[RunMeter, ProgressSink],
    moments: list[str] | None,
    keys_dropped: Sequence[DroppedKey] = (),
) -> None:
    """PostgreSQL-only constraints and indexes, and the sequences tables share moved past
    their keys; foreign keys (checked on ``connect``'s connections, each one counted on the
    run's meter and told to its sink), then (when every table is done) mark the run
    complete. ``moments``: when the source was read, for a
    resumed run whose copy holds rows of several (a key its rows break is said so);
    ``keys_dropped``: keys of the run's tables a replaced parent dropped, given back to the
    old tables of those whose replace failed."""
    add_pg_definitions(dst, plan, report)
    advance_shared_sequences(dst, plan, report)
    refused = add_foreign_keys(dst, config, plan, report, connect, *progress)
    give_back(dst, keys_dropped, report)
    for table, fk, error in refused:
        if moments and getattr(error, "sqlstate", None) == "23503":  # foreign_key_violation
            report.notes.append(
                f"{table}: {fk.label} not created: its rows break it, most likely because this "
                f"resumed run read the source at {' and '.join(_moments(moments))}, and a row "
                "one moment refers to is gone in the other; load the tables again from one "
                "snapshot: the same command without --resume, with --mode replace"
            )
    _drop_failed_staging(dst, plan, report, run_id)
    _drop_failed_empty_tables(dst, plan, report, run_id)
    _advance_failed_appends(dst, plan, report)
    if not all(t.status == "done" for t in report.tables):
        # Finished, with failures: no longer running (a --resume still picks it up).
        recorded = _with_failures(basis, report)
        CheckpointStore(dst).record(run_row(run_id, "failed", recorded), durable=True)
    else:
        # Done: only the run's own row stays, so a later --resume says there is nothing to do.
        # Marked complete first: killed in between, a resume finds the run complete (the other
        # way round, it found a running run with no table prepared, and refused the tables).
        store = CheckpointStore(dst)
        store.record(run_row(run_id, "complete", basis, rows=report.rows), durable=True)
        store.forget_run(run_id, keep_run_row=True)


def _with_failures(basis: dict[str, object], report: MigrationReport) -> dict[str, object]:
    """The run's row's ``basis`` with each failed table's error: `arrowmig status` says
    what failed, and what a resume would meet again, also of a run whose wrap-up failed or
    that a signal stopped."""
    failed = {t.name: t.error for t in report.tables if t.status == "failed" and t.error}
    return {**basis, "failed": failed} if failed else basis


def _finish_run(
    wrap_up: Callable[[Endpoint], None],
    target: str,
    config: MigrationConfig,
    report: MigrationReport,
) -> None:
    """Keys, foreign keys and the run's completion, once the tables are loaded.

    A signal meanwhile stops the run as one during the streams does (the rows are in; what
    is left, ``--resume`` builds and checks); a target lost for good (its retries spent)
    leaves the run unfinished, said in the report: either way the user gets the report and
    the way on, not a bare error as if nothing had been written.
    """
    try:
        _with_target_retries(wrap_up, target, config)
    except (StopRequested, KeyboardInterrupt) as stop:
        name = stop.signal_name if isinstance(stop, StopRequested) else "SIGINT"
        report.interrupted = name
        report.notes.append(
            f"stopped by {name} while building keys and foreign keys after the rows were in: "
            "a foreign key not yet checked is left NOT VALID; --resume checks it, and builds "
            "what is left"
        )
    except ArrowmigError as exc:
        report.unfinished = (
            f"the rows committed are kept, but the keys, foreign keys and the run's completion "
            f"could not be written: {exc}"
        )


def _mark_run(
    state: str,
    target: str,
    config: MigrationConfig,
    run_id: str,
    basis: dict[str, object],
    report: MigrationReport,
) -> None:
    """Record how the run ended, when it could not say so itself: ``interrupted`` by a signal,
    or ``failed`` when its completion could not be written (``arrowmig status`` would call
    it interrupted, as a run that died); a run that got as far as marking itself complete
    stays so."""
    try:
        with _open_after_stop(target, config) as dst:
            store = CheckpointStore(dst)
            if any(r.table_name == RUN_ROW and r.state == "complete" for r in store.rows(run_id)):
                return
            store.record(run_row(run_id, state, basis), durable=True)
    except ArrowmigError as exc:
        # The target takes no more writes (its disk full, its server gone): status cannot
        # tell this run from one that died, and says interrupted.
        shown = "" if state == "interrupted" else " (arrowmig status will call it interrupted)"
        report.notes.append(f"the run could not be recorded as {state}{shown}: {exc}")


def _own_journal_mode(dst: Endpoint, earlier: list[Row] | None) -> str | None:
    """A SQLite target's journal mode before arrowmig set WAL: as the interrupted run recorded
    it, else as the file has it now; None for other targets."""
    import json

    read_mode = getattr(dst, "journal_mode", None)
    if read_mode is None:
        return None
    run_row = next((r for r in earlier or [] if r.table_name == RUN_ROW), None)
    if run_row is not None:
        with contextlib.suppress(ValueError, AttributeError):
            recorded = json.loads(run_row.detail or "{}").get("target_journal_mode")
            if isinstance(recorded, str):
                return recorded
    return str(read_mode())


def _restore_journal_mode(
    target: str, config: MigrationConfig, mode: str, *, stopped: bool = False
) -> None:
    """Put a SQLite target back in its own journal mode once the run's connections are
    closed (each puts back only the mode it found, which after a killed run was WAL)."""
    opener = _open_after_stop if stopped else open_target
    with contextlib.suppress(ArrowmigError), opener(target, config) as dst:
        dst.restore_journal_mode(mode)  # type: ignore[attr-defined]


_AFTER_STOP_WAIT_S = 1.0
"""How long the bookkeeping after a signal waits for a lock another session holds."""


def _open_after_stop(target: str, config: MigrationConfig) -> Endpoint:
    """A connection for what a stopped run records: it waits for a lock held elsewhere (the
    one the stopped batches waited for) ``_AFTER_STOP_WAIT_S``, not the run's --batch-timeout
    or SQLite's minute; the report then says what could not be recorded."""
    dst = open_target(target, config)
    limit = getattr(dst, "set_statement_timeout", None)
    if limit is not None:
        try:
            limit(_AFTER_STOP_WAIT_S)
        except BaseException:
            dst.close()
            raise
    return dst


def _drop_failed_staging(
    dst: Endpoint, plan: MigrationPlan, report: MigrationReport, run_id: str
) -> None:
    """A failed table's staging table, when a --resume would load it again from the start
    anyway (no usable key, or no row in it yet), is dropped; one a resume continues is
    kept, and named."""
    failed = {t.name: t for t in report.tables if t.status == "failed"}
    for p in plan.tables:
        table_report = failed.get(p.source.name)
        landing = landing_for(p.target, p.source, p.action)
        if table_report is None or not landing.staged:
            continue
        stage = landing.physical.name
        try:
            if not dst.table_exists(stage):
                continue
            if landing.resumable and _holds_rows(dst, stage):
                table_report.notes.append(
                    f"its staging table {stage!r} is kept: --resume continues after its rows"
                )
                continue
            dst.drop_table(stage)
            CheckpointStore(dst).forget_table(run_id, p.source.name)
        except ArrowmigError as exc:
            table_report.notes.append(f"its staging table {stage!r} was not dropped: {exc}")


def _holds_rows(dst: Endpoint, name: str) -> bool:
    return bool(dst.execute(f"SELECT 1 FROM {dst.qualify(name)} LIMIT 1"))


@contextmanager
def _stopped_before_writing(written: list[bool]) -> Iterator[None]:
    """A signal before the run recorded itself (planning, profiling) leaves nothing to
    resume: the stop says so (the same command, without --resume, starts afresh)."""
    try:
        yield
        raise_held_here()  # one held while DuckDB's module loaded lands in this block
    except KeyboardInterrupt:
        if written:
            raise
        raise StopRequested("SIGINT", nothing_written=True) from None
    except StopRequested as stop:
        if written:
            raise
        raise StopRequested(stop.signal_name, nothing_written=True) from None


@contextmanager
def _nothing_written_yet() -> Iterator[None]:
    """Planning, and the run's first write: a transient error there (a table or file another
    session holds locked, a lost connection) stops the run before anything is written, which
    is exit code 2, as for a target that cannot be reached."""
    try:
        yield
    except TransientError as exc:
        # A lost connection says nothing of what to do: nothing was written, so run again.
        hint = exc.hint or "nothing was written; run the same command again"
        raise ConnectError(exc.message, hint=hint, table=exc.table) from exc


@contextmanager
def _while_preparing() -> Iterator[None]:
    """Creating or emptying the target's tables, each recorded for --resume: a connection
    lost there (the source's, or the target's) ended the run with the driver's words alone
    (`reading the catalog: terminating connection due to administrator command`, exit 1),
    its tables emptied under --mode truncate without a word of it or of the way on."""
    try:
        yield
    except TransientError as exc:
        if not exc.hint:
            exc.hint = (
                "the run stopped as it prepared the target's tables: some may be created or "
                "emptied already (arrowmig status TARGET lists the run); run the same command "
                "with --resume"
            )
        raise


def _advance_failed_appends(dst: Endpoint, plan: MigrationPlan, report: MigrationReport) -> None:
    """The key sequences of each existing table an append or truncate failed in, moved past
    the rows it committed (they stay, as the report says), where the plan said a finished one
    has them moved: said as done, or not said where no row arrived."""
    failed = {t.name: t for t in report.tables if t.status == "failed"}
    for p in plan.tables:
        table_report = failed.get(p.source.name)
        if table_report is None or p.action not in ("append", "truncate"):
            continue
        table_report.notes = [n for n in table_report.notes if APPENDED_KEYS_NOTE not in n]
        if not table_report.rows:
            continue
        try:
            load = advance_failed_append(dst, landing_for(p.target, p.source, p.action))
        except ArrowmigError as exc:  # the target may be what failed (a lost connection)
            table_report.notes.append(
                f"its key sequences were not moved past the {table_report.rows:,} rows it "
                f"committed ({exc}); --resume moves them"
            )
            continue
        table_report.built.extend(load.built)
        table_report.notes.extend(load.skipped)


def _drop_failed_empty_tables(
    dst: Endpoint, plan: MigrationPlan, report: MigrationReport, run_id: str
) -> None:
    """A table the run created that failed with none of its rows in it is dropped, so that
    the same command run again once the cause is fixed (a --cast) is not refused because the
    table exists. Only an empty one: a table holding rows is kept for --resume to continue."""
    failed = {t.name: t for t in report.tables if t.status == "failed"}
    store = CheckpointStore(dst)
    for p in plan.tables:
        table_report = failed.get(p.source.name)
        landing = landing_for(p.target, p.source, p.action)
        if table_report is None or p.action != "create" or landing.staged:
            continue
        name = landing.final.name
        if table_report.rows:
            # Its checkpoints count rows committed: kept, without asking the target, which
            # may be what failed (another session's lock on the table, a full disk).
            table_report.notes.append(
                f"{name!r} keeps the {table_report.rows:,} rows committed before it failed: "
                "once the cause is fixed, run the same command with --resume, which continues "
                "after them"
            )
            continue
        try:
            if not dst.table_exists(name) or _holds_rows(dst, name):
                continue
            dst.drop_table(name)
            store.forget_table(run_id, p.source.name)
        except ArrowmigError as exc:
            # Left in the target (another session holds it locked, most often): a run of the
            # same command would be refused because it exists, so the way on is said.
            why = exc.message.partition(": ")[2] or exc.message  # not 'running a statement'
            table_report.notes.append(
                f"the empty table {name!r} it created is left in the target: it could not be "
                f"dropped ({why}); once that is over, go on with --resume, or drop it (DROP "
                f"TABLE {dst.qualify(name)}) and run the same command again"
            )
            continue
        # Its key sequence went with it: "not restarted past the loaded keys" is moot.
        table_report.notes = without_unfinished_key_notes(table_report.notes)
        table_report.notes.append(
            f"the empty table {name!r} it created was dropped{_types_dropped(dst, p)}: once "
            "the cause is fixed, the same command creates it again"
        )


def _types_dropped(dst: Endpoint, table_plan: TablePlan) -> str:
    """The types (PostgreSQL enums, domains) the run created for a table it dropped again,
    dropped too unless another table uses them: said as ', with the types ...'."""
    drop = getattr(dst, "drop_types", None)
    if drop is None or not table_plan.types_created:
        return ""
    dropped, kept = drop(table_plan.types_created)
    said = f", with the types it created for it: {', '.join(dropped)}" if dropped else ""
    if kept:
        said += f" (types kept, as another table uses them: {', '.join(kept)})"
    return said


def _with_target_retries(
    action: Callable[[Endpoint], None],
    target: str,
    config: MigrationConfig,
    on_retry: Callable[[str], None] | None = None,
) -> None:
    """Open the target and run ``action``, through a server restart (transient errors),
    each retry told to ``on_retry``."""

    def attempt() -> None:
        with open_target(target, config) as dst:
            action(dst)

    through_restarts(attempt, config.retries, lambda: None, on_retry)


def _refuse_reading_own_target(src: Source, dst: Endpoint, config: MigrationConfig) -> None:
    """A run whose tables are its own source: replace and truncate would destroy the tables
    being read, append would copy them into themselves (a keyless table doubled)."""
    if src.url.kind != dst.url.kind:
        return
    _refuse_writing_the_file_read(src, dst.url, config)
    same_place = src.url.target == dst.url.target
    if src.url.kind == "postgresql" and not same_place:
        # The same database by another URL (localhost and 127.0.0.1): truncate would wait
        # out --batch-timeout for the lock the run's own source holds.
        same_place = _same_postgres_database(src, dst)
    elif src.url.kind != "postgresql":
        same_place = _same_file(src.url.target, dst.url.target)
    if same_place and (src.schema or "") == (dst.schema or ""):
        raise _same_database(config, dst.dialect)


def _refuse_writing_the_file_read(
    src: Source, target: EndpointUrl, config: MigrationConfig
) -> None:
    """Before the target opens: a DuckDB file a run reads is open read-only in its process
    (one connection a file), so the run cannot write it, in another schema either."""
    if not (src.url.kind == target.kind == "duckdb" and _same_file(src.url.target, target.target)):
        return
    if src.schema == (config.target_schema or "main"):
        raise _same_database(config, "duckdb")
    raise UsageError(
        f"source and target are the same DuckDB file, which the run reads read-only: it "
        f"cannot write it, into schema {config.target_schema or 'main'!r} either",
        hint=_another_target("duckdb"),
    )


def _same_file(one: str, other: str) -> bool:
    """The same file however it is named: another path, a symbolic or a hard link."""
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _same_database(config: MigrationConfig, dialect: str) -> UsageError:
    what = {
        "append": "append them into themselves",
        "create": "find every one of them there already",
    }.get(config.mode, "destroy them")
    return UsageError(
        "source and target are the same database: "
        f"{given('mode', config.mode, typed=True)} would {what} while reading its tables",
        hint=_another_target(dialect),
    )


def _same_postgres_database(src: Source, dst: Endpoint) -> bool:
    """The cluster's identity where both sessions may read it, else whether the target sees
    the source's session hold a lock in its own database (pg_control_system revoked)."""
    ours = getattr(src, "database_identity", lambda: None)()
    if ours is not None and (theirs := dst.database_identity()) is not None:  # type: ignore[attr-defined]
        return bool(ours == theirs)
    session_mark = getattr(src, "session_mark", None)
    if session_mark is None:
        return False
    try:
        with session_mark() as (pid, key):
            return bool(dst.sees_session_mark(pid, key))  # type: ignore[attr-defined]
    except Exception:  # advisory locks revoked too: told apart as before, by the URL alone
        return False


def _another_target(dialect: str) -> str:
    """Where else to write, as the target's kind allows: a SQLite file has no schemas, and
    a DuckDB file read as the source cannot be written in the same run, in any schema."""
    if dialect != "postgresql":
        return "pick another target file"
    return f"pick another target database or schema ({arg('target_schema')})"


def _earlier_run(
    store: CheckpointStore,
    run_id: str,
    plan: MigrationPlan,
    config: MigrationConfig,
    basis: dict[str, object],
) -> list[Row] | None:
    """The checkpoint rows of the interrupted run to continue, or None to start afresh."""
    if not config.resume:
        return None
    rows = store.rows(run_id)
    own = next((r for r in rows if r.table_name == RUN_ROW), None)
    if own is not None and own.state == "superseded":
        raise SchemaError(
            f"cannot resume: {superseded_text(own, store.target.url.redacted)}",
            hint="nothing is left to resume: to load the tables again, run the same command without "
            "--resume (with --mode replace where they exist)",
        )
    names = {p.source.name for p in plan.tables}
    if rows and own is not None and own.state == "complete":
        # This very command's run completed, but another of these tables' runs (of another
        # mode) is not: "nothing to resume" would hide the run the user meant.
        _refuse_another_unfinished(store, run_id, names, basis, config.target_schema)
    if rows:
        return rows
    _refuse_another_unfinished(store, run_id, names, basis, config.target_schema)
    if config.mode == "create":
        # Started afresh, create mode would refuse the tables a finished run made, and
        # recommend the very --resume given: say which run it found, and how it differs.
        for row in store.rows():
            recorded = run_basis(row) if row.table_name == RUN_ROW else {}
            loaded = names & set(_as_names(recorded.get("tables")))
            if row.state == "complete" and loaded:
                raise SchemaError(
                    f"cannot resume: the run {row.run_id} in {store.target.url.redacted} that "
                    f"loaded {sorted(loaded)[0]!r} finished, and "
                    + _how_it_differs(recorded, basis),
                    hint="nothing is left to resume: to load the tables again, use --mode "
                    "replace, append or truncate without --resume",
                )
    return None


def _refuse_another_unfinished(
    store: CheckpointStore,
    run_id: str,
    names: set[str],
    basis: dict[str, object],
    target_schema: str | None,
) -> None:
    """Refuse a --resume that is not the run left unfinished loading any of ``names``,
    naming how the two differ and the command that continues that run."""
    everything = store.rows()
    unfinished = {r.run_id for r in everything if r.table_name == RUN_ROW and r.state != "complete"}
    clashing = [
        r
        for r in everything
        if r.table_name in names
        and r.stream_name == TABLE_ROW
        and r.run_id != run_id
        and r.run_id in unfinished
    ]
    if not clashing:
        return
    other = clashing[0].run_id
    run_row = next(r for r in everything if r.run_id == other and r.table_name == RUN_ROW)
    recorded = run_basis(run_row)
    where = f"the interrupted run {other} in {store.target.url.redacted}"
    changed = _columns_changed(recorded, basis)
    if changed is not None:
        table, what = changed
        # Not the user's to undo (the application changed its schema): the rows committed
        # were read with the old columns, and only loading the tables again goes on.
        raise SchemaError(
            f"cannot resume: {where} read {table!r} of the source as it was then; {what}",
            hint="its committed rows cannot be continued with other columns: load the "
            "tables again, with the same command without --resume and with --mode replace",
            table=table,
        )
    command = resume_command(recorded, store.target.url.redacted, target_schema)
    how = (
        f"continue it with {command}"
        if command
        else "run again as the interrupted run did (same source and options)"
    )
    raise SchemaError(
        f"cannot resume: {where} " + _how_it_differs(recorded, basis),
        hint=f"{how}; the rows it committed stay until then",
    )


def _as_names(value: object) -> list[str]:
    """The table names a run row recorded (a JSON list), or none."""
    return [str(v) for v in value] if isinstance(value, list) else []


def _source_identity(src: Source, label: str) -> str:
    """The source as a run's fingerprint knows it: a file by its absolute path, however it
    was spelled (``./a.db``, ``/data/a.db``, from another folder), so that the same file is
    the same run and another file of the same name is not; a server by its URL without the
    password, wherever that was given (the URL, PGPASSWORD, ~/.pgpass)."""
    if src.url.kind in ("sqlite", "duckdb") and src.url.target:
        from pathlib import Path

        return str(Path(src.url.target).resolve())
    return without_password(label) if src.url.kind == "postgresql" else label


def _id_recorded(
    store: CheckpointStore, run_id: str, basis: dict[str, object]
) -> tuple[str, dict[str, object]]:
    """``run_id`` and ``basis``, or those an arrowmig before this one gave the same run: its
    fingerprint held the source's password masked (``user:***@host``), so the run it recorded
    had another id than the same command has now. Kept as recorded, so that the run is found
    again if it is interrupted again."""
    if store.rows(run_id):
        return run_id, basis
    for row in store.rows():
        source = run_basis(row).get("source") if row.table_name == RUN_ROW else None
        if not isinstance(source, str) or without_password(source) != basis["source"]:
            continue
        recorded = {**basis, "source": source}
        if run_id_of(recorded) == row.run_id:
            return row.run_id, recorded
    return run_id, basis


_BASIS_WORDS = {
    "source": "read",
    "tables": "moved the tables",
    "mode": "ran in --mode",
    "casts": "had the casts",
    "on_error": "ran with --on-error",
    "schema": "read the columns",
}
"""How a refused resume names each part of the fingerprint the two runs differ in."""


def _how_it_differs(recorded: dict[str, object], now: dict[str, object]) -> str:
    """'read 'a.db', this run '/data/b.db'': the first part of the fingerprint that differs."""
    flag_change = _flag_changed(recorded, now)
    if flag_change is not None:
        return flag_change
    for key, words in _BASIS_WORDS.items():
        if key in recorded and recorded[key] != now.get(key):
            if key == "schema":
                return (
                    f"{words} of the source as they were then; the source's columns changed since"
                )
            differ = how_sources_differ(str(recorded[key]), str(now.get(key)))
            said = f" ({differ})" if key == "source" and differ else ""
            return f"{words} {recorded[key]!r}, this run {now.get(key)!r}{said}"
    return (
        "was started with other options or another source schema (tables, mode, casts, "
        "on-error, flags such as --no-keys, or the source's columns changed)"
    )


def _flag_changed(recorded: dict[str, object], now: dict[str, object]) -> str | None:
    """'ran with --no-keys, this run without it': the first flag (``result_flags``) one run
    was given and the other not. A run recorded without flags was given none."""
    then, current = set(_as_names(recorded.get("flags"))), set(_as_names(now.get("flags")))
    differ = sorted(then ^ current)
    if not differ:
        return None
    flag = differ[0]
    return (
        f"ran with {flag}, this run without it"
        if flag in then
        else f"ran without {flag}, this run with it"
    )


def _columns_changed(recorded: dict[str, object], now: dict[str, object]) -> tuple[str, str] | None:
    """(table, what changed) for the first table whose source columns differ between the
    interrupted run's fingerprint and this run's, when the rest of both is the same: 'column
    'memo' was added since (string)', '... is gone', '... was double, is now int64'."""
    others = [k for k in _BASIS_WORDS if k != "schema" and recorded.get(k) != now.get(k)]
    if others or _flag_changed(recorded, now) is not None:
        return None
    then, current = recorded.get("schema"), now.get("schema")
    if not isinstance(then, dict) or not isinstance(current, dict) or then == current:
        return None
    for table in sorted(then):
        before = {str(c[0]): c[1:] for c in then.get(table) or []}
        after = {str(c[0]): c[1:] for c in current.get(table) or []}
        changes = [
            f"column {name!r} was added since ({after[name][0]})"
            for name in after
            if name not in before
        ]
        changes += [f"column {name!r} is gone" for name in before if name not in after]
        changes += [
            f"column {name!r} was {before[name][0]}, is now {after[name][0]}"
            for name in before
            if name in after and before[name] != after[name]
        ]
        if changes:
            more = f" (and {len(changes) - 1} more)" if len(changes) > 1 else ""
            return table, changes[0] + more
    return None


def _run_basis(rows: list[Row] | None) -> dict[str, object] | None:
    """What the interrupted run's own row recorded; None for a new run."""
    run_row = next((r for r in rows or [] if r.table_name == RUN_ROW), None)
    return run_basis(run_row) if run_row is not None else None


def _read_at(rows: list[Row] | None) -> list[str]:
    """When the interrupted run (and the runs it resumed) began reading the source."""
    read = (_run_basis(rows) or {}).get("read_at")
    return [str(t) for t in read] if isinstance(read, list) else []


def _committed_any(rows: list[Row] | None) -> bool:
    """Whether the interrupted run committed rows (or finished a table) this run keeps."""
    return any(
        r.table_name != RUN_ROW and (r.rows_done > 0 or r.state in ("placed", "loaded"))
        for r in rows or []
    )


def _moments(read_at: list[str]) -> tuple[str, str]:
    """When the runs before this one read the source, and when this one did, as said:
    ('2024-05-01 10:00:03 UTC', '2024-05-01 10:20:11 UTC')."""
    shown = [t.replace("T", " ").replace("Z", " UTC") for t in read_at]
    before = ", ".join(shown[:-1]) or "an earlier moment"  # an arrowmig that kept no time
    return before, shown[-1]


def _two_moments_note(read_at: list[str]) -> str:
    before, now = _moments(read_at)
    return (
        f"resumed: the rows the interrupted run committed were read from the source as it was "
        f"at {before}, the rest as it was at {now}: a row changed or deleted in between "
        "arrives as it was, and rows of the two moments may not fit together (a foreign key, a "
        "total); arrowmig verify compares the copy with the source as it is now (or load the "
        "tables again from one snapshot: --mode replace, without --resume)"
    )


def _loaded_again(rows: list[Row] | None) -> set[str]:
    """Tables the interrupted run loaded again with a full profile: planned that way again."""
    return {
        r.table_name
        for r in rows or []
        if r.stream_name == TABLE_ROW and TableDetail.parse(r.detail).profiled
    }


def _by_table(rows: list[Row] | None) -> dict[str, list[Row]]:
    """The rows of an interrupted run (none for a new run), by table."""
    tables: dict[str, list[Row]] = {}
    for r in rows or []:
        tables.setdefault(r.table_name, []).append(r)
    return tables


def _prepared(rows: dict[str, list[Row]], table: str | None) -> bool:
    """Whether the interrupted run (its rows ``_by_table``) prepared ``table``."""
    return table is not None and any(r.stream_name == TABLE_ROW for r in rows.get(table, ()))


def _prepare_all(
    tables: list[TablePlan],
    prepare_lot: Callable[[Source, Endpoint, list[TablePlan]], list[TableWork]],
    run_pair: tuple[Source, Endpoint],
    open_pair: Callable[[], tuple[Source, Endpoint]],
    workers: int,
    kept: list[tuple[Source, Endpoint]],
) -> list[TableWork]:
    """Each table's work, its target table created (or emptied) and recorded, in plan order.

    Each table costs a few statements (3 ms or so into PostgreSQL, 13 ms on a loaded host):
    a PostgreSQL target takes them on ``workers`` connections at once (each with its own
    source connection), and in lots of ``PREPARED_TOGETHER`` tables, each lot created and
    recorded in one transaction (``together``; a lot that fails is done again table by
    table). Not elsewhere (SQLite has one writer, DuckDB's catalog refuses concurrent
    changes), nor where two tables would race to create one enum or domain: there each
    table is created and recorded on its own. The connections opened for it go to ``kept``,
    for the workers that load the tables next.
    """
    shared_types = any(c.pg_enum or c.pg_domain for p in tables for c in p.target.columns)
    src, dst = run_pair
    size = PREPARED_TOGETHER if hasattr(dst, "one_transaction") and not shared_types else 1
    lots = [tables[i : i + size] for i in range(0, len(tables), size)]

    def one_lot(pair: tuple[Source, Endpoint], lot: list[TablePlan]) -> list[TableWork]:
        s, d = pair
        return together(
            d,
            lambda: prepare_lot(s, d, lot),
            apart=lambda: [w for p in lot for w in _alone(prepare_lot, s, d, p)],
        )

    if dst.dialect != "postgresql" or workers <= 1 or len(tables) < 2 * workers or shared_types:
        prepared = [one_lot((src, dst), lot) for lot in lots]
    else:
        prepared = _on_own_connections(lots, one_lot, open_pair, workers, kept)
    return [w for lot in prepared for w in lot]


def _alone(
    prepare_lot: Callable[[Source, Endpoint, list[TablePlan]], list[TableWork]],
    src: Source,
    dst: Endpoint,
    table_plan: TablePlan,
) -> list[TableWork]:
    """One table prepared on its own; a target that refuses to create it (a name an index of
    the target holds, say) fails that table alone, in the report, and the others are loaded.
    A refused resume, a lost connection or a signal still end the run: they are not the
    table's."""
    try:
        return prepare_lot(src, dst, [table_plan])
    except _NotPrepared as refused:
        table_plan.streams = []
        landing = landing_for(table_plan.target, table_plan.source, table_plan.action)
        return [TableWork(table_plan, landing, failed=refused.error)]


class _NotPrepared(Exception):
    """The target refused to create or empty a table (``_alone``): not an ArrowmigError, so
    that nothing on the way takes it for the run's own."""

    def __init__(self, error: ArrowmigError) -> None:
        super().__init__(str(error))
        self.error = error


PREPARED_TOGETHER = 16
"""Tables prepared in one transaction (into PostgreSQL). It saves a commit or two per
table whatever its size; its locks (a table with a key sequence and TOAST takes four) stay
within what PostgreSQL counts on per transaction (``max_locks_per_transaction``, 64)."""


def _tables_to_empty(
    plan: MigrationPlan, earlier: dict[str, list[Row]], dialect: str
) -> list[TablePlan]:
    """The ``--mode truncate`` tables this run starts loading, emptied first (not those an
    interrupted run prepared: a resume goes on from their checkpoints)."""
    emptied = set(_emptied_first(plan, dialect))  # once: per table, 2,000 tables took 20 s
    return [
        p for p in plan.tables if p.target.name in emptied and not _prepared(earlier, p.source.name)
    ]


def _empty_fresh_tables(dst: Endpoint, fresh: list[TablePlan]) -> set[str]:
    """Empty, all at once, the tables ``_tables_to_empty`` chose, which the run checked it
    may (``check_emptying``, before it recorded itself); their source names."""
    empty_tables(dst, [p.target.name for p in fresh], checked=True)
    return {p.source.name for p in fresh}


def _say_emptied(
    work: list[TableWork], emptied: set[str], report: MigrationReport, dialect: str
) -> None:
    """A failed table that --mode truncate had emptied is said to be, with what it holds
    now: its earlier rows are gone, which the failure alone did not say."""
    failed = {t.name: t for t in report.tables if t.status == "failed"}
    for w in work:
        name = w.plan.source.name
        table_report = failed.get(name)
        if table_report is None or not emptied_first(w.landing, dialect):
            continue
        if w.failed is not None and name not in emptied:
            continue  # refused before its own emptying (which PostgreSQL's does for all)
        # A staged table's rows are in its staging table, not in the target's.
        held = 0 if w.landing.staged else table_report.rows
        holds = f"only the {held:,} rows loaded before the failure" if held else "no rows"
        table_report.notes.append(
            f"--mode truncate emptied {w.landing.final.name!r} before it failed: its earlier "
            f"rows are gone, and it now holds {holds}"
        )


def _emptied_first(plan: MigrationPlan, dialect: str) -> list[str]:
    """The target tables ``--mode truncate`` empties before loading any (``emptied_first``)."""
    return [
        p.target.name
        for p in plan.tables
        if emptied_first(landing_for(p.target, p.source, p.action), dialect)
    ]


_SAID_OF_A_RESUME = ("put in place by the interrupted run", "resumed after ")
"""How a report notes what a run it resumed did: said again of this run, not repeated."""


def _said_before(own_row: Row | None) -> tuple[str, ...]:
    """The notes the interrupted run gave a table it put in place, as it recorded them."""
    recorded = TableDetail.parse(own_row.detail).notes if own_row else ()
    return tuple(n for n in recorded if not n.startswith(_SAID_OF_A_RESUME))


def _table_work(
    src: Source,
    dst: Endpoint,
    table_plan: TablePlan,
    config: MigrationConfig,
    mine: list[Row],
    profiled: bool,
    emptied: set[str],
    fresh: list[TableWork],
    count: int,
) -> TableWork:
    """A table's work: what the interrupted run left of it (``mine``, its rows; none for a
    new run), or its target prepared afresh, read in ``count`` streams (``stream_counts``),
    and then added to ``fresh`` to be recorded (``record_prepared``)."""
    name = table_plan.source.name
    landing = landing_for(table_plan.target, table_plan.source, table_plan.action)
    own_row = next((r for r in mine if r.stream_name == TABLE_ROW), None)
    table_state = own_row.state if own_row else None
    work = TableWork(table_plan, landing, profiled=profiled)
    if table_state in ("loaded", "placed") and not emptied_by_a_crash(dst, landing):
        # Placed: put in place, then stopped before its key sequences and statistics were
        # done, which are done now (``finish_placed``).
        table_plan.streams = []
        work.loaded = table_state == "loaded"
        work.placed = table_state == "placed"
        work.rows_before = rows_committed(mine)
        work.said_before = _said_before(own_row)
        return work
    streams_done = [r for r in mine if r.stream_name != TABLE_ROW]
    if own_row and table_state == "prepared" and landing.resumable and streams_done:
        work.shape = _unchanged_shape(dst, name, landing.physical.name, own_row)
        # Continue each stream after its last committed key; finished streams are skipped.
        # Every stream was recorded when the table was prepared; in key order they get back
        # the index (and so the name) they were planned with.
        ordered = sorted(streams_done, key=lambda r: (r.after_key is not None, r.after_key or 0))
        for index, r in enumerate(ordered):
            stream = Stream(name, KeyRange(r.after_key, r.upto_key), index, len(ordered), None)
            if r.state != "done":
                work.streams.append(StreamWork(stream, r.rows_done, r.last_key))
            work.rows_before += r.rows_done
        detail = TableDetail.parse(own_row.detail)
        forget = forget_statement(CheckpointStore(dst), own_row.run_id)
        check_rows_held(dst, name, landing, detail, work.rows_before, forget)
        work.held_before = detail.held_before or 0
        work.said_before = _said_before(own_row)
        table_plan.streams = [w.stream for w in work.streams]
        return work
    # A fresh start (or a table without a usable key: loaded again from the beginning).
    table_plan.streams = source_streams(table_plan, src, count)
    try:
        prepare(dst, landing, emptied=name in emptied)
    except TransientError:
        raise
    except ArrowmigError as exc:
        raise _NotPrepared(exc) from exc
    created = getattr(dst, "types_created", None)
    table_plan.types_created = tuple(created(landing.physical.name)) if created else ()
    work.held_before = held_before(dst, landing)
    work.streams = [StreamWork(stream) for stream in table_plan.streams]
    fresh.append(work)
    return work


def _unchanged_shape(dst: Endpoint, name: str, physical: str, own_row: Row) -> Shape | None:
    """The shape the interrupted run recorded for what it was loading, after making sure the
    table is still there and still has it (rows appended into a changed column could arrive
    silently wrong)."""
    recorded = TableDetail.parse(own_row.detail).shape
    if recorded is None:
        return None  # recorded by an arrowmig that did not keep shapes
    now = table_shape(dst, physical)
    if not now:
        raise SchemaError(
            f"cannot resume {name!r}: the table it was loading into, {physical!r}, is no "
            f"longer in {dst.url.redacted}",
            hint="run again without --resume, or use --mode replace",
            table=name,
        )
    change = shape_change(recorded, now)
    if change is not None:
        raise SchemaError(
            f"cannot resume {name!r}: {physical!r} in {dst.url.redacted} was changed since the "
            f"interrupted run ({change})",
            hint=f"drop {physical!r} and run again without --resume, or use --mode replace",
            table=name,
        )
    return recorded


def _finish_without_streams(
    target: str, config: MigrationConfig, runner: Runner, work: TableWork
) -> None:
    """A table whose streams all finished in the interrupted run: only its finishing is left,
    retried on a new connection as a table finished after its streams is. Run once, a
    session ended as it put the table in place (``pg_terminate_backend``) failed it, exit 1,
    though its rows were all in and nothing else was wrong."""
    tries = itertools.count()
    _with_target_retries(
        lambda dst: runner._put_in_place(work, dst, again=next(tries) > 0),
        target,
        config,
        runner._retried(work.plan.source.name),
    )


def _reject_dir(config: MigrationConfig) -> str | None:
    """The folder a run rejects rows into, absolute (``status`` may be asked from another
    folder), its default one included (``reject_folder``); None when it rejects none."""
    if config.on_error != "reject" or config.reject_dir is None:
        return None
    return os.path.abspath(config.reject_dir)


def explain(
    source: str,
    target: str,
    *,
    config: MigrationConfig | None = None,
) -> MigrationPlan | SeveralPlans:
    """The plan a migration would follow, with nothing written (``arrowmig plan``)."""
    config = config or MigrationConfig()
    refuse_sqlite_schemas(source, target, config.source_schema, config.target_schema)
    check_reject_dir_unmade(config)  # the run's refusal, before anything is opened, as there
    config = with_target_schema(config)
    if several_schemas(config.source_schema) is not None:
        from arrowmig.schemas import plans_of_every_schema, schema_runs, table_pairs

        runs = schema_runs(source, target, config)
        every = table_pairs(runs)
        return SeveralPlans(
            plans_of_every_schema(runs, lambda r: _explain_schema(source, target, r.config, every)),
            several_schemas(config.source_schema) or [],
            config.target_names,
            keys_between_schemas(target, config),
        )
    return _explain_schema(source, target, _one_schema(config))


def _one_schema(config: MigrationConfig) -> MigrationConfig:
    """``config`` for a run of one schema: that schema unquoted (``"s,1"`` is ``s,1``), and
    each cast of ``schema.table.column`` in it named by its table."""
    schema = one_schema(config.source_schema)
    return replace(config, source_schema=schema, casts=casts_in_schema(config.casts, schema))


def _explain_schema(
    source: str, target: str, config: MigrationConfig, run_tables: Collection[tuple[str, str]] = ()
) -> MigrationPlan:
    target_url = parse_url(target)
    with open_endpoint(source, schema=config.source_schema, read_only=True) as src:
        dst: Endpoint | None = None
        if target_url.kind != "postgresql":
            # The run's own refusal of a file it could not write (the plan opens none).
            refuse_unwritable_file(target_url.target, target_url.kind)
        if target_url.kind == "postgresql" or target_url.path.exists():
            # The plan writes nothing: a DuckDB target is opened read-only too.
            dst = open_endpoint(target, schema=config.target_schema, read_only=True)
        try:
            if dst is not None:
                _refuse_reading_own_target(src, dst, config)  # as the run would
            plan = build_plan(src, dst, config, dialect=target_url.kind, run_tables=run_tables)
            plan = with_json_array_notes(src, with_range_notes(src, plan))
            plan = with_large_object_notes(src, plan)
            if dst is not None:
                # The run's own pre-flight refusal, so the dry run does not promise a run
                # that would then be refused.
                check_emptying(
                    dst, _emptied_first(plan, dst.dialect), emptied_apart(config, run_tables)
                )
        finally:
            if dst is not None:
                dst.close()
        plan.source, plan.target = src.url.redacted, target_url.redacted
        counts = stream_counts(plan.tables, src, config)
        for table_plan in plan.tables:
            table_plan.streams = source_streams(table_plan, src, counts[table_plan.source.name])
            note = split_note(table_plan, src, config)
            if note is not None:
                table_plan.notes.append(note)
            table_plan.loading = describe_landing(
                landing_for(table_plan.target, table_plan.source, table_plan.action)
            )
    return plan
