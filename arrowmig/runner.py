"""A run in motion: streams on the scheduler, each batch metered and checkpointed, each
table put in place when its last stream ends, foreign keys at the very end.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from arrowmig.attached_copy import (
    ATTACHED_NOTE,
    attached_columns,
    copy_range_attached,
    without_arrow_storage_notes,
)
from arrowmig.auto_keys import unfinished_key_notes, unkept_key_notes, used_up_key_notes
from arrowmig.checkpoint import TABLE_ROW, CheckpointStore, Row, Shape, TableDetail, table_shapes
from arrowmig.config import MigrationConfig
from arrowmig.direct_copy import copy_range_direct, direct_columns, direct_note
from arrowmig.duplicate_keys import said_for_mode
from arrowmig.endpoints.base import Endpoint, Source
from arrowmig.endpoints.common import (
    DISK_FULL_HINT,
    KEY_SEQUENCES_LEFT,
    disk_full,
    short_driver_message,
    together,
)
from arrowmig.endpoints.pg_hold import snapshot_lost
from arrowmig.errors import (
    ArrowmigError,
    DamagedFile,
    SnapshotLost,
    StatementStopped,
    StopRequested,
    TransferError,
    TypeSurprise,
)
from arrowmig.events import Event, ProgressSink
from arrowmig.json_array_losses import without_json_array_notes
from arrowmig.kept_keys import DroppedKey
from arrowmig.ledger import Ledger, check_staged_rows, table_rows
from arrowmig.linked_swaps import LinkedSwaps
from arrowmig.loading import (
    Landing,
    finish,
    finish_placed,
    finish_work,
    landing_for,
    named_as_final,
    prepare,
)
from arrowmig.meter import RunMeter
from arrowmig.model import NOT_ADDED_AGAIN, NOT_KEPT, ForeignKey, TableLoad
from arrowmig.pipeline import (
    DirectCopy,
    StreamSettings,
    connect_stream,
    copy_stream,
    gather_rows_for,
    through_restarts,
)
from arrowmig.placed_left import Left
from arrowmig.plan import (
    MigrationPlan,
    Stream,
    TablePlan,
    checked_after_note,
    is_unique,
    parents_first,
    source_streams,
)
from arrowmig.rejects import count_rejects, reject_writer
from arrowmig.report import MigrationReport, TableReport
from arrowmig.run_lock import TablesHeld
from arrowmig.run_tables import RunTables
from arrowmig.scheduler import (
    EitherStop,
    MemoryBudget,
    Scheduler,
    StreamOutcome,
    WorkerConnections,
)
from arrowmig.target_names import foreign_key_for_target

Replan = Callable[[Source, Endpoint, str], TablePlan]
"""(source, target, table name) -> the table's plan from a full profile of its values."""


@dataclass
class StreamWork:
    """A stream to run, with what an earlier run already committed of it."""

    stream: Stream
    rows_before: int = 0
    last_key: int | None = None

    @property
    def est_rows(self) -> int:
        return max(0, (self.stream.est_rows or 0) - self.rows_before)


@dataclass
class TableWork:
    """A table of the run: its plan, where it lands, and the streams still to run."""

    plan: TablePlan
    landing: Landing
    streams: list[StreamWork] = field(default_factory=list)
    rows_before: int = 0
    loaded: bool = False
    """Already put in place by the interrupted run: nothing left to do."""
    placed: bool = False
    """A staged table put in place by the interrupted run, which was stopped before its key
    sequences and statistics were done (``finish_placed``)."""
    said_before: tuple[str, ...] = ()
    """The notes the interrupted run's report gave it, where it recorded them
    (``TableDetail.notes``): what its plan now cannot say (the table it replaced is gone, a
    value that broke a presumed type was read by that run)."""
    profiled: bool = False
    """Loaded again after a value broke a presumed type (``Column.proof``): its plan comes
    from a full profile, and a resumed run must plan it the same way."""
    failed: ArrowmigError | None = None
    """Why its target table could not be prepared (created, emptied): it fails alone."""
    shape: Shape | None = None
    """The columns of the table the rows go into, as the target's catalog declared them when
    it was created (a resume refuses a table changed since)."""
    held_before: int = 0
    """Rows the table held before the run wrote into it: an existing table appended to
    straight (a resume checks that it holds these and the rows committed, nothing else)."""


class Runner:
    """Runs the streams of prepared tables and finishes each table."""

    def __init__(
        self,
        *,
        plan: MigrationPlan,
        work: list[TableWork],
        config: MigrationConfig,
        report: MigrationReport,
        meter: RunMeter,
        sink: ProgressSink,
        open_source: Callable[[], Source],
        open_target: Callable[[], Endpoint],
        run_id: str,
        replan: Replan,
        spares: list[tuple[Source, Endpoint]] | None = None,
        run_tables: Collection[tuple[str, str]] = (),
        tables_held: TablesHeld | None = None,
    ) -> None:
        """``spares``: connections opened already, for the workers (``Scheduler.spares``);
        ``run_tables``: in a run of several schemas, every table it moves (schema, name);
        ``tables_held``: the run's lock on its tables, checked as each is put in place."""
        self.tables_held = tables_held or TablesHeld()
        self.plan = plan
        self.config = config
        self.report = report
        self.meter = meter
        self.sink = sink
        self.run_id = run_id
        self.replan = replan
        self.tables = {w.plan.source.name: w for w in work}
        self.moved = RunTables(frozenset(w.landing.final.name for w in work), frozenset(run_tables))
        """The run's target tables (their foreign keys are the run's to add): by name, and,
        in a run of several schemas, every schema's (schema, name)."""
        self.swaps = LinkedSwaps(
            {
                name: [fk.ref_table for fk in w.plan.source.foreign_keys]
                for name, w in self.tables.items()
            }
        )
        """Tables linked by foreign keys go in place one at a time (``linked_swaps``)."""
        self.keys_dropped: list[DroppedKey] = []
        """Keys of the run's tables into a table put in place, dropped with the old one: a
        child kept old (its replace failed) gets them back (``kept_keys``)."""
        self.finished: set[str] = set()
        """Tables whose finishing committed (keys built, key sequences moved past the rows)."""
        self.sequences_moved: set[str] = set()
        """Tables whose finishing a stop cut short after their key sequences were moved."""
        self.scheduler = Scheduler(config.parallel, open_source, open_target, spares or [])
        self.budget = MemoryBudget(config.max_memory)
        self.settings = StreamSettings(
            retries=config.retries,
            batch_rows=config.batch.batch_rows,
            batch_bytes=config.batch.batch_bytes,
            dialect=plan.target_dialect,
            gather_rows=gather_rows_for(plan.target_dialect),
            on_error=config.on_error,
            rejects=reject_writer(config),
        )
        self.remaining = {name: len(w.streams) for name, w in self.tables.items()}
        # Workers that will be busy: the ETA shares the remaining work among them.
        meter.workers = max(1, min(config.parallel, sum(self.remaining.values())))
        self.reports: dict[str, TableReport] = {}
        self.lock = threading.Lock()
        self.progress_lock = threading.Lock()
        self._eta: tuple[float, float | None] = (-ETA_EVERY_S, None)
        """When the ETA was last weighed, and what it was (``_eta_s``)."""
        self.interrupted: str | None = None
        self.snapshot_lost = False
        """A stream found the PostgreSQL source's snapshot gone: the streams left fail at once."""
        self.surprises: dict[str, TypeSurprise] = {}
        """Tables whose presumed types a value broke, until they are loaded again."""
        self.abandoned = {name: threading.Event() for name in self.tables}
        self.begun: set[str] = set()
        """Set to stop a table's other streams early (its rows will be loaded again)."""
        self.parents_left = {
            name: set(w.plan.waits_for) for name, w in self.tables.items() if w.plan.waits_for
        }
        """Tables whose existing target checks foreign keys: the parents they still wait for."""
        self.held: dict[str, list[StreamWork]] = {}
        """Streams of those tables, started once their parents are finished (``_sync``)."""
        for name, w in self.tables.items():
            table_report = TableReport(
                name=name,
                target_name=w.plan.target.name,
                streams=len(w.plan.streams),
                notes=list(w.said_before or w.plan.notes),
                rows_before=w.rows_before,
            )
            if w.loaded or w.placed:
                table_report.notes.append(
                    f"put in place by the interrupted run, with its {w.rows_before:,} rows"
                    + ("; finished now" if w.placed else "")
                )
            elif w.rows_before:
                table_report.notes.append(
                    f"resumed after {w.rows_before:,} rows committed by the interrupted run"
                )
            self.reports[name] = table_report
            report.tables.append(table_report)
            meter.table(
                name,
                w.plan.source.row_count,
                finish=finish_work(w.landing, plan.target_dialect, analyze=config.analyze),
                foreign_keys=_foreign_keys_added(w.plan, plan.target_dialect, config),
            )
            meter.tables[name].rows = w.rows_before

    def execute(self, finish_empty: Callable[[TableWork], None]) -> None:
        """Run every stream; tables with no stream left are finished by ``finish_empty``."""
        streams = []
        for name, w in self.tables.items():
            if self.parents_left.get(name):
                self.held[name] = list(w.streams)
            else:
                streams.extend(w.streams)
        streams.sort(key=lambda s: -s.est_rows)
        # From here on a signal, wherever it lands (tables finished on this thread too),
        # gives the report of the run so far.
        try:
            for name, w in self.tables.items():
                self.sink.emit(Event("planned", table=name, total_rows=w.plan.source.row_count))
            for w in self.tables.values():
                if w.failed is not None:
                    self._begin(w.plan.source.name)
                    self._fail(w.plan.source.name, w.failed)
                elif w.loaded:
                    self._begin(w.plan.source.name)
                    self.reports[w.plan.source.name].status = "done"
                    self._sync(w.plan.source.name)
                elif not w.streams:
                    self._begin(w.plan.source.name)
                    self._finish_table(w, finish_empty)
            self.scheduler.run(streams, self._work, self._done)
        except KeyboardInterrupt:
            self.interrupted = "SIGINT"
        except StopRequested as stop:
            self.interrupted = stop.signal_name
        finally:
            self.scheduler.stop.set()  # no table is started or put in place after this
            self.scheduler.close_all()  # the spares too, when the streams never began
        count_rejects(self.settings.rejects, self.reports)
        for table_report in self.reports.values():
            if table_report.status == "pending":
                table_report.status = "interrupted" if self.interrupted else "failed"
                self._sync(table_report.name)
            work = self.tables.get(table_report.name)
            if table_report.status == "interrupted" and table_report.rows and work is not None:
                table_report.restarts = not work.landing.resumable
            if table_report.status == "interrupted" and work is not None and work.landing.staged:
                table_report.staging_table = work.landing.physical.name

    # -- one stream -------------------------------------------------------------------------
    def _work(self, item: StreamWork, conns: WorkerConnections) -> int:
        stream = item.stream
        table_report = self.reports[stream.table]
        if table_report.status == "failed" or stream.table in self.surprises:
            raise _Skipped()
        if self.snapshot_lost:
            # The source's snapshot is gone (its server restarted): nothing more can be read
            # as of the run's moment, and trying would only spend retries.
            raise snapshot_lost(stream.table)
        work = self.tables[stream.table]
        stop = EitherStop(self.scheduler.stop, self.abandoned[stream.table])
        self._begin(stream.table)
        self.meter.tables[stream.table].start()
        resumable = work.landing.resumable

        last_commit = [time.monotonic()]

        def on_batch(rows: int, n_bytes: int) -> None:
            now = time.monotonic()
            batch_ms, last_commit[0] = (now - last_commit[0]) * 1000, now
            # Count and emit in one step: a table's cumulative rows never go backwards when
            # two of its streams commit at once.
            with self.progress_lock:
                table_meter = self.meter.add(stream.table, rows, n_bytes)
                rejected = self._rejected(stream.table)
                if rejected is not None:
                    self.meter.set_rejected(stream.table, rejected)
                self.sink.emit(
                    Event(
                        "progress",
                        table=stream.table,
                        stream=stream.name,
                        rows=table_meter.rows,
                        total_rows=table_meter.total_rows,
                        bytes=table_meter.bytes,
                        rows_per_s=table_meter.rate.rate,
                        eta_s=self._eta_s(),
                        rss_bytes=self.meter.sample(),
                        batch_rows=rows,
                        batch_bytes=n_bytes,
                        batch_ms=batch_ms,
                        rejected=rejected,
                    )
                )

        def on_retry(message: str) -> None:
            with self.lock:
                table_report.retries += 1
            self.sink.emit(Event("retry", table=stream.table, stream=stream.name, message=message))

        def checkpoint(rows_done: int, last_key: int | None) -> tuple[str, tuple[Any, ...]] | None:
            if not resumable:
                return None
            # conns.target is looked up each time: a retry may have reconnected it.
            return CheckpointStore(conns.target).upsert(
                self._stream_row(work, stream, rows_done, last_key, "running")
            )

        source_table = work.plan.source
        stream_for_read = stream
        if item.last_key is not None:
            from arrowmig.model import KeyRange

            upto = stream.key_range.upto if stream.key_range else None
            stream_for_read = Stream(
                stream.table,
                KeyRange(item.last_key, upto),
                stream.index,
                stream.count,
                stream.est_rows,
            )
        connect_stream(conns, self.settings, on_retry)
        direct = _direct_copy(conns, work, self.config, table_report.notes)
        if direct is not None:
            with self.lock:
                if direct.note == ATTACHED_NOTE:
                    table_report.notes[:] = without_arrow_storage_notes(table_report.notes)
                else:  # undecoded, every array element kept as it is
                    table_report.notes[:] = without_json_array_notes(table_report.notes)
                if direct.note not in table_report.notes:
                    table_report.notes.append(direct.note)
        try:
            return copy_stream(
                stream_for_read,
                source_table,
                work.landing.physical,
                conns,
                self.settings,
                self.budget,
                stop,
                on_batch,
                on_retry,
                checkpoint,
                item.rows_before,
                direct,
                self._ledger(work, stream, conns),
            )
        except ArrowmigError as exc:
            named_as_final(exc, work.landing)
            said_for_mode(exc, self.config.mode)
            raise

    def _ledger(self, work: TableWork, stream: Stream, conns: WorkerConnections) -> Ledger:
        """What a retry of the stream reads back from the target (``ledger``): its checkpoint
        row; a table without one, the rows of its staging table, all its own when it is
        loaded in one stream."""
        physical = work.landing.physical.name

        def held() -> tuple[int, int | None] | None:
            target = conns.target  # looked up each time: a retry may have reconnected it
            if not work.landing.resumable:
                if stream.count != 1:
                    return None
                return table_rows(target, physical), None
            row = CheckpointStore(target).stream_row(self.run_id, stream.table, stream.name)
            if row is None:
                return None
            return row.rows_done, row.last_key if row.last_key is not None else row.after_key

        def recount(rows: int) -> None:
            with self.progress_lock:
                self.meter.recount(stream.table, rows)

        def seal(rows: int) -> None:
            if work.landing.resumable:
                done = self._stream_row(work, stream, rows, None, "done")
                # On disk with the batches before it: a crash after this cannot lose them
                # unseen (the table's put in place, retried, does not count them again).
                CheckpointStore(conns.target).record(done, durable=True)

        return Ledger(held, recount, seal, keyed=work.landing.resumable)

    def _eta_s(self) -> float | None:
        """The meter's ETA, weighed again at most every ``ETA_EVERY_S``: it weighs every
        table, and with a batch each, 2,000 small tables spent seconds of the GIL on it."""
        now = time.monotonic()
        if now - self._eta[0] >= ETA_EVERY_S:
            self._eta = (now, self.meter.eta_s)
        return self._eta[1]

    def _stream_row(
        self, work: TableWork, stream: Stream, rows: int, last_key: int | None, state: str
    ) -> Row:
        key_range = stream.key_range
        return Row(
            run_id=self.run_id,
            table_name=stream.table,
            stream_name=stream.name,
            physical_table=work.landing.physical.name,
            after_key=key_range.after if key_range else None,
            upto_key=key_range.upto if key_range else None,
            last_key=last_key,
            rows_done=rows,
            state=state,
            detail=None,
            updated_at=None,
        )

    def _done(self, outcome: StreamOutcome, conns: WorkerConnections) -> None:
        item: StreamWork = outcome.stream
        stream = item.stream
        table_report = self.reports[stream.table]
        with self.lock:
            self.remaining[stream.table] -= 1
            last = self.remaining[stream.table] == 0
            error = outcome.error
            if isinstance(error, SnapshotLost):
                self.snapshot_lost = True
                if error.table is None:  # said as a connection opened, which knows no table
                    error = snapshot_lost(stream.table)
            if isinstance(error, TypeSurprise) and table_report.status != "failed":
                self.surprises.setdefault(stream.table, error)
                self.abandoned[stream.table].set()
            elif (
                error is not None
                and not isinstance(error, (_Skipped, StatementStopped))
                and table_report.status != "failed"
            ):
                table_report.status = "failed"
                table_report.error = describe_error(error) + self._failed_parents(
                    stream.table, error
                )
                self._note_damage(error)
                self._tell_error(stream.table, table_report.error, stream.name)
        if not last:
            return
        if table_report.status == "failed" or self.scheduler.stop.is_set() or outcome.skipped:
            if stream.table in self.surprises:
                table_report.error = describe_error(self.surprises[stream.table])
            self._sync(stream.table)
            return
        if stream.table in self.surprises:
            self._load_again(self.tables[stream.table], conns)
            return
        tries = itertools.count()
        self._finish_table(
            self.tables[stream.table],
            lambda w: retrying(
                lambda: self._put_in_place(w, conns.target, again=next(tries) > 0),
                conns,
                self.settings.retries,
                self._retried(stream.table),
            ),
        )

    def _retried(self, table: str) -> Callable[[str], None]:
        """Counts and tells a retry of a table's wrap-up (a lock held elsewhere, a restart)."""

        def on_retry(message: str) -> None:
            with self.lock:
                self.reports[table].retries += 1
            self.sink.emit(Event("retry", table=table, message=message))

        return on_retry

    def _load_again(self, work: TableWork, conns: WorkerConnections) -> None:
        """A value broke a presumed type: profile the table in full, recreate what it loads
        into with the types the profile picks, and run its streams again from the start."""
        name = work.plan.source.name
        surprise = self.surprises[name]
        table_report = self.reports[name]
        self.sink.emit(
            Event(
                "retry",
                table=name,
                message=f"{surprise.message}: profiling the table and loading it again",
            )
        )
        planned: list[TablePlan] = []
        try:
            # Read again through a retry: another worker may be putting a table in place
            # meanwhile, dropping what this one's plan reads (the old table's foreign keys).
            retrying(
                lambda: planned.append(self.replan(conns.source, conns.target, name)),
                conns,
                self.settings.retries,
                self._retried(name),
            )
            plan = planned[-1]
            store = CheckpointStore(conns.target)  # the connection a retry opened, if one did
            landing = landing_for(plan.target, plan.source, plan.action)
            # As many streams as the run planned for it (fitted to the workers).
            plan.streams = source_streams(plan, conns.source, len(work.plan.streams))
            # Checkpoints go first: a run killed from here on resumes this table from its
            # start (or refuses, loudly, to create it over itself), never after a key of
            # the rows being dropped. Only tables this run creates are presumed (create and
            # replace modes), so what the rows went into is the run's own and dropped whole.
            store.forget_table(self.run_id, name)
            conns.target.drop_table(work.landing.physical.name)
            prepare(conns.target, landing)
        except Exception as exc:
            # Raised out of this worker's on_done, an unexpected error was lost: the table
            # failed with no error said.
            self._fail(name, exc if isinstance(exc, ArrowmigError) else unexpected(exc))
            return
        self.plan.tables = [plan if p is work.plan else p for p in self.plan.tables]
        work.plan, work.landing, work.profiled = plan, landing, True
        work.streams = [StreamWork(s) for s in plan.streams]
        table_report.notes = [
            *plan.notes,
            f"loaded again with profiled types: {surprise.message}",
        ]
        # With its notes: a resumed run plans it from a profile again, but knows not why.
        record_prepared(store, self.run_id, [work], notes=table_report.notes)
        self.meter.restart(name)
        table_report.rows_before = 0  # its rows are all loaded again, by this run
        if self.settings.rejects is not None:
            self.settings.rejects.forget(name)  # rejected again, if so, in the new types
        with self.lock:
            self.remaining[name] = len(work.streams)
            self.abandoned[name] = threading.Event()
            del self.surprises[name]
        self.scheduler.add(work.streams)

    def _begin(self, name: str) -> None:
        """The table's ``start`` event, once, when its first stream begins (every table of
        the run was announced by a ``planned`` event before the first one began)."""
        with self.progress_lock:
            if name in self.begun:
                return
            self.begun.add(name)
        total = self.tables[name].plan.source.row_count
        self.sink.emit(Event("start", table=name, total_rows=total))

    def _finish_table(self, work: TableWork, put_in_place: Callable[[TableWork], None]) -> None:
        name = work.plan.source.name
        table_report = self.reports[name]
        self.meter.finishing(name)
        try:
            put_in_place(work)
            table_report.status = "done"
            for unbuilt in table_report.keys_not_built:
                self._tell_error(name, unbuilt)
        except StatementStopped as stop:
            # Not failed: interrupted (once the run has stopped), its checkpoint not loaded.
            self._not_finished(name, stop)
            return
        except (KeyboardInterrupt, StopRequested):
            self._not_finished(name)  # finished on this thread: the signal itself
            raise
        except ArrowmigError as exc:
            said_for_mode(exc, self.config.mode)
            if isinstance(exc, TransferError) and exc.unfinished:
                # A full disk, memory: failed, not recorded loaded, and --resume builds them.
                self._not_finished(name, exc)
            self._fail(name, exc)
            return
        except Exception as exc:  # out of on_done, it would be lost (the table failed, unsaid)
            self._fail(name, unexpected(exc))
            return
        self._sync(name)

    def _not_finished(self, name: str, cut: TransferError | None = None) -> None:
        """A stop or failure (``cut``) cut a table's finishing short, its rows all in: its
        report says what is left (``cut.unfinished``, else the whole finishing), which
        ``--resume`` does."""
        table_report = self.reports[name]
        unfinished = cut.unfinished if cut is not None else ()
        table_report.notes.extend(cut.notes if cut is not None else ())
        left = (
            ", ".join(unfinished)
            or "what is not done yet of its keys, indexes, key sequences and statistics"
        )
        how = "the run stopped" if cut is None or isinstance(cut, StatementStopped) else "it failed"
        table_report.notes.append(
            f"not finished: {how} as the table was finished, its rows all in; "
            f"left for --resume: {left}"
        )
        if unfinished and KEY_SEQUENCES_LEFT not in unfinished:
            self.sequences_moved.add(name)

    def _fail(self, name: str, error: ArrowmigError) -> None:
        """Table ``name`` failed, outside its streams: reported, told, and finished with."""
        table_report = self.reports[name]
        table_report.status = "failed"
        table_report.error = describe_error(error)
        self._note_damage(error)
        self._tell_error(name, table_report.error)
        self._sync(name)

    def _tell_error(self, name: str, message: str, stream: str | None = None) -> None:
        """The ``error`` event, with the rows and bytes of the table committed so far (as
        every event's): a table failed mid-way keeps what it committed."""
        committed = self.meter.tables[name]
        self.sink.emit(
            Event(
                "error",
                table=name,
                stream=stream,
                rows=committed.rows,
                bytes=committed.bytes,
                message=message,
            )
        )

    def _note_damage(self, error: BaseException) -> None:
        """A damaged SQLite file makes the run's exit code 2 (trying again cannot help)."""
        if isinstance(error, DamagedFile) and self.report.damaged is None:
            self.report.damaged = str(error)

    def _put_in_place(self, work: TableWork, dst: Endpoint, *, again: bool = False) -> None:
        """Finish a table and record it loaded."""
        name = work.plan.source.name
        if again and not work.landing.resumable and not work.placed:
            # Retried (a restart?): a crash may have lost the staging table's last batches,
            # which no checkpoint would have read again.
            check_staged_rows(dst, work.landing, self.meter.tables[name].rows)
        # A small table's keys, statistics and record commit together: each on its own cost
        # more than the building. Not a large one's: a key that fails (rows not unique)
        # undoes them all, and they are built again one by one (``together``).
        rows = work.plan.source.row_count
        small = rows is not None and rows <= FINISHED_TOGETHER_ROWS
        store = CheckpointStore(dst)
        if again and work.landing.staged and not work.placed:
            # An attempt that lost its connection may have put the table in place.
            own = store.stream_row(self.run_id, name, TABLE_ROW)
            work.placed = own is not None and own.state == "placed"

        table_report = self.reports[name]

        def placed(left: Left) -> str:
            rows_in = self.meter.tables[name].rows
            row = table_row(
                self.run_id, work, "placed", rows=rows_in, left=left, notes=table_report.notes
            )
            return store.upsert_sql(row)

        def put() -> TableLoad:
            if work.placed:
                # What the interrupted run (or attempt) had still to give it, recorded.
                own = store.stream_row(self.run_id, name, TABLE_ROW)
                left = Left.parse(TableDetail.parse(own.detail if own else None).left)
                load = finish_placed(
                    dst, work.landing, analyze=self.config.analyze, left=left, placed=placed
                )
            else:
                load = finish(
                    dst,
                    work.landing,
                    keep_backup=self.config.keep_backup,
                    analyze=self.config.analyze,
                    moved=self.moved,
                    indexes=self.config.keys,
                    placed=placed if work.landing.staged else None,
                    held=self.tables_held.check_sql(work.landing.final.name),
                )
            if not small:
                self.finished.add(name)  # committed already, whatever the record does
            # With its rows: a staged table keeps no stream rows to count them by (``status``,
            # and the report of a resumed run, count them from here).
            notes[:] = _notes_after(table_report.notes, load, work.plan.drops)
            rows_in = self.meter.tables[name].rows
            loaded = table_row(self.run_id, work, "loaded", rows=rows_in, notes=notes)
            store.record_all([loaded], durable=True)
            return load

        # Recorded before the report takes the notes: an attempt that fails here (its
        # connection lost) is retried whole, and only the last attempt is reported.
        notes: list[str] = []
        linked = self.swaps.lock_for(name) if work.landing.staged else None
        with linked or contextlib.nullcontext():
            try:
                load = together(dst, put, durable=True) if small else put()
            except TransferError as error:
                held = self.tables_held.taken_again(error, f"putting {name!r} in place", name)
                if held is error:
                    raise
                raise held from error
        parent = work.landing.final.name
        with self.lock:
            self.keys_dropped += [DroppedKey(parent, *key) for key in load.keys_dropped_with_it]
        self.finished.add(name)
        table_report.built = load.built
        table_report.keys_not_built = load.keys_not_built
        table_report.notes = notes

    def _sync(self, name: str) -> None:
        self._release_children_of(name)
        self.meter.finished(name)  # whatever the outcome, the ETA stops waiting for it
        meter = self.meter.tables[name]
        meter.finish()
        table_report = self.reports[name]
        table_report.rows, table_report.bytes, table_report.seconds = (
            meter.rows,
            meter.bytes,
            meter.seconds,
        )
        if table_report.status == "failed" and self.tables[name].landing.staged and meter.rows:
            # Its rows went into a staging table that was never put in place: none is in the
            # target, so none counts as moved; nor as committed by the run it resumed (the
            # summary's "N of them" would count rows the table does not hold).
            table_report.rows = table_report.bytes = table_report.rows_before = 0
            table_report.notes.append(
                f"the {meter.rows:,} rows it loaded went into its staging table and were never "
                f"put in place: none is in {table_report.target_name!r}"
            )
        unfinished = table_report.status in ("failed", "interrupted")
        if unfinished and name not in self.finished | self.sequences_moved:
            work = self.tables[name]
            if work.landing.action in ("create", "replace") and not work.loaded:
                table_report.notes = unfinished_key_notes(
                    table_report.notes,
                    work.plan.target,
                    self.plan.target_dialect,
                    table_report.status,
                )
        if table_report.status == "done":
            self.sink.emit(
                Event(
                    "table_done",
                    table=name,
                    rows=meter.rows,
                    total_rows=meter.rows,
                    bytes=meter.bytes,
                    rows_per_s=table_report.rows_per_s,
                    rejected=self._rejected(name),
                )
            )

    def _rejected(self, table: str) -> int | None:
        """Rows of ``table`` set aside so far, with --on-error reject (else None)."""
        rejects = self.settings.rejects
        return None if rejects is None else rejects.rejected(table)

    def _failed_parents(self, name: str, error: BaseException) -> str:
        """A foreign key the target refused, of a table whose parent in this run failed:
        the cause to look at is the parent's failure, named here."""
        if getattr(error, "sqlstate", None) != "23503":  # foreign_key_violation
            return ""
        failed = [
            p
            for p in self.tables[name].plan.waits_for
            if p in self.reports and self.reports[p].status == "failed"
        ]
        if not failed:
            return ""
        return f" (the rows it points at did not arrive: {', '.join(failed)} failed, above)"

    def _release_children_of(self, name: str) -> None:
        """A table is finished (or failed): start the tables that waited only for it. A child
        of a failed parent still runs: the target names the rows its foreign keys refuse."""
        ready = []
        with self.lock:
            for child, left in self.parents_left.items():
                left.discard(name)
                if not left and child in self.held:
                    ready.extend(self.held.pop(child))
        if ready and not self.scheduler.stop.is_set():
            self.scheduler.add(ready)


ETA_EVERY_S = 0.1
"""How often a batch's progress event weighs the ETA again (``Runner._eta_s``)."""

FINISHED_TOGETHER_ROWS = 100_000
"""Tables of at most this many rows are put in place in one transaction (``together``)."""


def _direct_copy(
    conns: WorkerConnections, work: TableWork, config: MigrationConfig, notes: list[str]
) -> DirectCopy | None:
    """How the table's rows pass without Arrow, when every value can pass as it is."""
    # Into a table the run did not create, --on-error reject sets aside each row the target
    # refuses (a CHECK, a NOT NULL): that needs the rows in hand, where a copy the server
    # makes on its own fails whole, and the table with it.
    rejecting = config.on_error == "reject" and work.plan.action not in ("create", "replace")
    if not config.direct or rejecting:
        return None
    source, target = work.plan.source, work.landing.physical
    columns = direct_columns(conns, source, target)
    if columns is not None:
        return DirectCopy(columns, copy_range_direct, direct_note(notes))
    # Between two SQLite files a --cast converts the values even where the declared type is
    # the same (BOOLEAN texts 't' and 'F' as 1 and 0): the rows are needed in hand.
    converted = any(table == source.name for table, _, _ in config.casts)
    columns = None if converted else attached_columns(conns, source, target)
    if columns is not None:
        return DirectCopy(columns, copy_range_attached, ATTACHED_NOTE)
    return None


def _foreign_keys_added(plan: TablePlan, dialect: str, config: MigrationConfig) -> int:
    """How many foreign keys ``add_foreign_keys`` adds to the table once every table is
    loaded (into PostgreSQL: SQLite declares them with the table, DuckDB not at all)."""
    if dialect != "postgresql" or plan.action not in ("create", "replace"):
        return 0
    if not (config.foreign_keys and config.keys):
        return 0
    return len(plan.source.foreign_keys)


def retrying(
    action: Callable[[], None],
    conns: WorkerConnections,
    retries: int,
    on_retry: Callable[[str], None] | None = None,
) -> None:
    """Run a control statement on a worker's target through a restart (reconnecting)."""
    through_restarts(action, retries, conns.reset_target, on_retry)


def record_prepared(
    store: CheckpointStore, run_id: str, works: list[TableWork], *, notes: Sequence[str] = ()
) -> None:
    """Record freshly prepared tables, all in one statement: each one's streams pending
    (resumable tables), then the table with the shape the target gives what the rows go
    into (so a table row never stands without its streams'); ``notes``: the report's of a
    table prepared again, for a resumed run to repeat."""
    shapes = table_shapes(store.target, [w.landing.physical.name for w in works])
    rows = []
    for work in works:
        work.shape = shapes[work.landing.physical.name]
        if not work.landing.resumable:
            continue
        for item in work.streams:
            key_range = item.stream.key_range
            rows.append(
                Row(
                    run_id,
                    work.plan.source.name,
                    item.stream.name,
                    work.landing.physical.name,
                    key_range.after if key_range else None,
                    key_range.upto if key_range else None,
                    None,
                    0,
                    "pending",
                    None,
                    None,
                )
            )
    rows += [table_row(run_id, work, "prepared", notes=notes) for work in works]
    store.record_all(rows)


def table_row(
    run_id: str,
    work: TableWork,
    state: str,
    *,
    rows: int = 0,
    left: Left | None = None,
    notes: Sequence[str] = (),
) -> Row:
    """``left``: a table put in place, what is still to give it (``placed_left``); ``notes``:
    its report's, for a resumed run to repeat (``TableDetail.notes``)."""
    detail = TableDetail(
        "staged" if work.landing.staged else "direct",
        work.profiled,
        work.shape,
        work.held_before,
        left.data() if left is not None else None,
        tuple(notes),
    )
    return Row(
        run_id=run_id,
        table_name=work.plan.source.name,
        stream_name=TABLE_ROW,
        physical_table=work.landing.physical.name,
        after_key=None,
        upto_key=None,
        last_key=None,
        rows_done=rows,
        state=state,
        detail=detail.dump(),
        updated_at=None,
    )


class _Skipped(Exception):
    """A stream not run because another stream of its table failed."""


def unexpected(exc: Exception) -> TransferError:
    """A table's failure on an error arrowmig has no words of its own for, said as it came;
    one of a full disk (DuckDB's fatal checkpoint) on one line, with the way on."""
    if disk_full(exc):
        return TransferError(short_driver_message(exc), hint=DISK_FULL_HINT)
    return TransferError(f"unexpected {type(exc).__name__}: {exc}")


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, ArrowmigError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def add_foreign_keys(
    dst: Endpoint,
    config: MigrationConfig,
    plan: MigrationPlan,
    report: MigrationReport,
    connect: Callable[[], AbstractContextManager[Endpoint]] | None = None,
    meter: RunMeter | None = None,
    sink: ProgressSink | None = None,
) -> list[tuple[str, ForeignKey, ArrowmigError]]:
    """Foreign keys after every table is loaded, each one reported; returns those the target
    refused to add or check, with their table and the error.

    PostgreSQL targets add them here, referenced tables first, and check their rows on
    ``config.parallel`` connections opened by ``connect``, each reused for table after table.
    SQLite targets declared them with their tables (``plan.target``) and confirm them here.
    Into PostgreSQL, each key added, then checked, is a ``foreign_keys`` event to ``sink``
    (counts of the total, and the time left from ``meter``).
    """
    # Only created tables: an existing one (append, truncate) keeps its own foreign keys.
    wanted = [
        (p, fk)
        for p in _parents_first(plan.tables)
        if p.action in ("create", "replace")
        for fk in p.source.foreign_keys
    ]
    loaded = {t.name for t in report.tables if t.status == "done"}
    by_name = {t.name: t for t in report.tables}
    plans = {p.source.name: p for p in plan.tables}
    add = getattr(dst, "add_foreign_key", None)
    to_add: list[tuple[TableReport, str, ForeignKey]] = []
    for p, source_fk in wanted:
        table_report = by_name[p.source.name]
        fk = foreign_key_for_target(source_fk, config.target_names)
        label = fk.label
        parent = plans.get(source_fk.ref_table)
        declared = fk in p.target.foreign_keys and dst.dialect == "sqlite"
        if not config.foreign_keys:
            table_report.notes.append(f"{label} skipped (--no-foreign-keys)")
        elif not config.keys:
            table_report.notes.append(f"{label} skipped (--no-keys)")
        elif add is None:
            continue  # named by the plan, whose notes the report starts from
        elif parent is not None and not is_unique(parent.target, fk.ref_columns):
            table_report.notes.append(
                f"{label} not created: ({', '.join(fk.ref_columns)}) of {fk.ref_table!r} is "
                "neither its primary key nor a unique index"
            )
        elif p.source.name in loaded and source_fk.ref_table in loaded:
            to_add.append((table_report, p.target.name, fk))
        elif parent is None and p.source.name in loaded and (declared or _in_target(dst, fk)):
            # Its parent stays in the target (replacing one table of several): the key is
            # added again against it, and checked, as for the run's own parents (SQLite
            # declared it with the table: confirmed).
            to_add.append((table_report, p.target.name, fk))
        elif parent is None and not declared:
            why = f"{fk.ref_table!r} is not in this run"
            if fk.ref_schema is None and dst.table_exists(fk.ref_table):
                why = (
                    f"({', '.join(fk.ref_columns)}) of {fk.ref_table!r}, which the target holds, "
                    "is neither its primary key nor a unique index"
                )
            table_report.notes.append(f"{label} not created: {why}")
        elif declared:
            table_report.notes.append(f"{label} declared, but a table was not loaded")
        else:
            table_report.notes.append(f"{label} not created: a table was not loaded")
    keys = [(t, fk) for _, t, fk in to_add]
    on_key = None
    if keys and meter is not None and sink is not None and dst.dialect == "postgresql":
        on_key = _key_progress(len(keys), meter, sink)
    added = _add_keys(dst, add, keys, config.parallel, connect, on_key)
    refused: list[tuple[str, ForeignKey, ArrowmigError]] = []
    for (table_report, target_table, fk), result in zip(to_add, added, strict=True):
        # Checked now: the plan's note of what would happen gives way to what did.
        checked = checked_after_note(fk.label)
        table_report.notes = [n for n in table_report.notes if n != checked]
        if isinstance(result, ArrowmigError):
            broken = getattr(dst, "broken_by_rows", None)
            if broken is not None and getattr(result, "sqlstate", None) == "23503":
                # A constraint the source declared, lost by the target, as a primary key
                # its rows break is (``not_built``): the run finishes with failures.
                why = broken(target_table, fk)
                table_report.keys_not_built.append(why)
                if sink is not None:
                    sink.emit(
                        Event(
                            "error",
                            table=table_report.name,
                            rows=table_report.rows,
                            bytes=table_report.bytes,
                            message=why,
                        )
                    )
            else:
                table_report.notes.append(f"{fk.label} not created: {result}")
            refused.append((table_report.name, fk, result))
        else:
            table_report.built.append(result)
    return refused


def _in_target(dst: Endpoint, fk: ForeignKey) -> bool:
    """Whether a foreign key's parent, not in this run, is a table of the PostgreSQL target
    (which adds keys to loaded tables; SQLite declares them with the table)."""
    return dst.dialect == "postgresql" and fk.ref_schema is None and dst.table_exists(fk.ref_table)


def _add_keys(
    dst: Endpoint,
    add: Callable[[str, ForeignKey], str] | None,
    keys: list[tuple[str, ForeignKey]],
    workers: int,
    connect: Callable[[], AbstractContextManager[Endpoint]] | None,
    on_key: Callable[[str, str], None] | None = None,
) -> list[str | ArrowmigError]:
    """Each key's label once added, or why it was not: all at once where the target checks
    them on several connections (PostgreSQL), else one after another."""
    add_all = getattr(dst, "add_foreign_keys", None)
    if add_all is not None and connect is not None:
        return list(add_all(keys, workers, connect, on_key))
    results: list[str | ArrowmigError] = []
    for table, fk in keys:
        try:
            assert add is not None  # keys to add come only from a target that adds them
            results.append(add(table, fk))
        except ArrowmigError as exc:
            results.append(exc)
        if on_key is not None:
            on_key(table, "added")
            on_key(table, "checked")
    return results


def _key_progress(total: int, meter: RunMeter, sink: ProgressSink) -> Callable[[str, str], None]:
    """What to do as each of ``total`` foreign keys is added, then checked: count it and
    say so."""
    meter.foreign_keys_begin(total)
    lock = threading.Lock()
    counts = {"added": 0, "checked": 0}

    def on_key(table: str, stage: str) -> None:
        with lock:  # events in order: no count goes backwards
            counts[stage] += 1
            meter.foreign_key_step()
            sink.emit(
                Event(
                    "foreign_keys",
                    table=table,
                    eta_s=meter.eta_s,
                    keys_added=counts["added"],
                    keys_checked=counts["checked"],
                    keys_total=total,
                )
            )

    return on_key


def add_pg_definitions(dst: Endpoint, plan: MigrationPlan, report: MigrationReport) -> None:
    """CHECK and EXCLUDE constraints and PostgreSQL-only indexes of a PostgreSQL source,
    built again on a PostgreSQL target once every table is loaded, each one reported."""
    add = getattr(dst, "add_definition", None)
    if add is None:
        return  # other targets named them as not carried in the plan
    by_name = {t.name: t for t in report.tables}
    for p in plan.tables:
        table_report = by_name[p.source.name]
        if p.action not in ("create", "replace") or table_report.status != "done":
            continue
        for definition in p.target.pg_definitions:
            try:
                table_report.built.append(add(p.target.name, definition))
            except ArrowmigError as exc:
                table_report.notes.append(f"{definition.built_label} not created: {exc}")


def advance_shared_sequences(dst: Endpoint, plan: MigrationPlan, report: MigrationReport) -> None:
    """PostgreSQL: once the defaults are set again, move each sequence the run's tables draw
    from without owning it (a number several tables share) past the keys each of them
    loaded and the source's last value, never back. A table created or replaced draws from
    it only from now on; one appended to that did not finish may hold some of its rows.
    (One appended to that finished moved it then: ``advance_key_sequences``.)"""
    advance = getattr(dst, "advance_shared_sequences", None)
    if advance is None:
        return  # SQLite and DuckDB give such a key a numbering of its own
    by_name = {t.name: t for t in report.tables}
    for p in plan.tables:
        table_report = by_name[p.source.name]
        if p.action in ("append", "truncate") and table_report.status == "done":
            continue
        if not dst.table_exists(p.target.name):
            continue
        load = TableLoad()
        advance(p.target, load)
        table_report.built.extend(load.built)
        table_report.notes.extend(load.skipped)


def _notes_after(notes: list[str], load: TableLoad, drops: Sequence[str]) -> list[str]:
    """A table's report ``notes`` once it is put in place (``load``), with what the plan saw
    go with the table it replaced (``drops``)."""
    notes = unkept_key_notes(notes, load.unkept_keys)
    notes = used_up_key_notes(notes, load.used_up_keys)
    notes = [*notes, *load.skipped]
    # A key of it into another table the run replaces may have gone with that table first,
    # unseen as this one was finished. One the run named itself (the server's own words may
    # differ) is not said twice.
    said = {_what_not_kept(n) for n in notes} - {None}
    for dropped in drops:
        if dropped not in notes and _what_not_kept(dropped) not in said:
            notes.append(dropped)
    return notes


def _what_not_kept(note: str) -> str | None:
    """What a note names as not given to the new table (a plan's drop, a report's note), the
    same whatever its reason says; None for another note."""
    for separator in (NOT_KEPT, NOT_ADDED_AGAIN):
        if separator in note:
            return note.partition(separator)[0]
    return None


def _parents_first(tables: list[TablePlan]) -> list[TablePlan]:
    """Tables ordered so that a referenced table comes before those referring to it
    (depth-first; a cycle is broken where it closes, the rest keeps the plan's order)."""
    by_name = {t.source.name: t for t in tables}
    order = parents_first(
        list(by_name),
        lambda name: [
            fk.ref_table for fk in by_name[name].source.foreign_keys if fk.ref_table in by_name
        ],
    )
    return [by_name[name] for name in order]
