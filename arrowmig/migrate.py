"""The migrate verb: plan, prepare the target, run the streams, build keys, report."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from arrowmig.config import MigrationConfig
from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.base import Endpoint
from arrowmig.errors import ArrowmigError
from arrowmig.events import Event, ProgressSink, as_sink
from arrowmig.meter import RunMeter
from arrowmig.pipeline import StreamSettings, copy_stream
from arrowmig.plan import (
    MigrationPlan,
    Stream,
    TablePlan,
    build_plan,
    plan_streams,
)
from arrowmig.rejects import count_rejects, reject_writer
from arrowmig.report import MigrationReport, TableReport
from arrowmig.scheduler import MemoryBudget, Scheduler, StreamOutcome, WorkerConnections
from arrowmig.urls import parse_url

Progress = ProgressSink | Callable[[Event], None] | None


class StopRequested(BaseException):
    """Raised in the main thread by a signal handler to stop a run cleanly."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name


def migrate(
    source: str,
    target: str,
    *,
    tables: list[str] | tuple[str, ...] | None = None,
    config: MigrationConfig | None = None,
    progress: Progress = None,
) -> MigrationReport:
    """Copy tables from ``source`` to ``target`` (URLs or paths); returns the report.

    Raises an ArrowmigError before writing anything when the run cannot work (bad URL,
    unreachable server, missing table, existing target table in create mode).
    """
    config = config or MigrationConfig()
    if tables is not None:
        config = replace(config, tables=tuple(tables))
    source_url = parse_url(source)
    parse_url(target)

    def open_source() -> Endpoint:
        return open_endpoint(source, schema=config.source_schema)

    return transfer(
        open_source, target, config=config, progress=progress, source_label=source_url.redacted
    )


def open_target(target: str, config: MigrationConfig) -> Endpoint:
    return open_endpoint(target, schema=config.target_schema, create=True)


def transfer(
    open_source: Callable[[], Endpoint],
    target: str,
    *,
    config: MigrationConfig,
    progress: Progress = None,
    source_label: str | None = None,
) -> MigrationReport:
    """The engine behind migrate and generate: any source endpoint into the ``target`` URL."""
    sink = as_sink(progress)
    meter = RunMeter()
    started = time.monotonic()
    with open_source() as src, open_target(target, config) as dst:
        plan = build_plan(src, dst, config)
        for table_plan in plan.tables:
            table_plan.streams = plan_streams(
                table_plan, src.key_bounds(table_plan.source), config.split_rows
            )
        report = MigrationReport(
            source=source_label or src.url.redacted,
            target=dst.url.redacted,
            mode=config.mode,
            skipped_views=plan.skipped_views,
        )
        _prepare_targets(dst, plan)
        meter.set_baseline()
    runner = _Run(
        plan, config, report, meter, sink, open_source, lambda: open_target(target, config)
    )
    meter.start_sampling()
    try:
        runner.execute()
    finally:
        meter.stop_sampling()
        report.seconds = time.monotonic() - started
        report.peak_rss_bytes = meter.peak_rss
        report.baseline_rss_bytes = meter.baseline_rss
    if runner.interrupted is None:
        _add_foreign_keys(target, config, plan, report)
    report.interrupted = runner.interrupted
    sink.emit(Event("summary", rows=report.rows, bytes=report.bytes, report=report.to_dict()))
    return report


def _prepare_targets(dst: Endpoint, plan: MigrationPlan) -> None:
    for table_plan in plan.tables:
        target = table_plan.target
        if table_plan.action == "replace":
            dst.drop_table(target.name)
            dst.create_table(target)
        elif table_plan.action == "truncate":
            dst.truncate_table(target.name)
        elif table_plan.action == "create" or not dst.table_exists(target.name):
            dst.create_table(target)


class _Run:
    """The state of one run while its streams execute."""

    def __init__(
        self,
        plan: MigrationPlan,
        config: MigrationConfig,
        report: MigrationReport,
        meter: RunMeter,
        sink: ProgressSink,
        open_source: Callable[[], Endpoint],
        open_target: Callable[[], Endpoint],
    ) -> None:
        self.plan = plan
        self.config = config
        self.report = report
        self.meter = meter
        self.sink = sink
        self.by_table = {p.source.name: p for p in plan.tables}
        self.scheduler = Scheduler(config.parallel, open_source, open_target)
        self.budget = MemoryBudget(config.max_memory)
        self.settings = StreamSettings(
            retries=config.retries,
            batch_rows=config.batch.batch_rows,
            batch_bytes=config.batch.batch_bytes,
            dialect=plan.target_dialect,
            on_error=config.on_error,
            rejects=reject_writer(config),
        )
        self.remaining = {p.source.name: len(p.streams) for p in plan.tables}
        self.reports: dict[str, TableReport] = {}
        self.lock = threading.Lock()
        self.interrupted: str | None = None
        for p in plan.tables:
            table_report = TableReport(
                name=p.source.name,
                target_name=p.target.name,
                streams=len(p.streams),
                notes=list(p.notes),
            )
            self.reports[p.source.name] = table_report
            report.tables.append(table_report)
            meter.table(p.source.name, p.source.row_count)

    def execute(self) -> None:
        streams = [s for p in self.plan.tables for s in p.streams]
        streams.sort(key=lambda s: -(s.est_rows or 0))
        for p in self.plan.tables:
            self.sink.emit(Event("start", table=p.source.name, total_rows=p.source.row_count))
        try:
            self.scheduler.run(streams, self._work, self._done)
        except KeyboardInterrupt:
            self.interrupted = "SIGINT"
        except StopRequested as stop:
            self.interrupted = stop.signal_name
        count_rejects(self.settings.rejects, self.reports)
        for table_report in self.reports.values():
            if table_report.status == "pending":
                table_report.status = "interrupted" if self.interrupted else "failed"
                meter = self.meter.tables[table_report.name]
                table_report.rows, table_report.bytes, table_report.seconds = (
                    meter.rows,
                    meter.bytes,
                    meter.seconds,
                )

    def _work(self, stream: Stream, conns: WorkerConnections) -> int:
        table_report = self.reports[stream.table]
        if table_report.status == "failed":
            raise _Skipped()
        plan = self.by_table[stream.table]
        meter = self.meter.tables[stream.table]
        meter.start()

        def on_batch(rows: int, n_bytes: int) -> None:
            table_meter = self.meter.add(stream.table, rows, n_bytes)
            self.sink.emit(
                Event(
                    "progress",
                    table=stream.table,
                    stream=stream.name,
                    rows=table_meter.rows,
                    total_rows=table_meter.total_rows,
                    bytes=table_meter.bytes,
                    rows_per_s=table_meter.rate.rate,
                    eta_s=self.meter.eta_s,
                    rss_bytes=self.meter.sample(),
                )
            )

        def on_retry(message: str) -> None:
            with self.lock:
                table_report.retries += 1
            self.sink.emit(Event("retry", table=stream.table, stream=stream.name, message=message))

        return copy_stream(
            stream,
            plan.source,
            plan.target,
            conns,
            self.settings,
            self.budget,
            self.scheduler.stop,
            on_batch,
            on_retry,
        )

    def _done(self, outcome: StreamOutcome, conns: WorkerConnections) -> None:
        stream: Stream = outcome.stream
        table_report = self.reports[stream.table]
        with self.lock:
            self.remaining[stream.table] -= 1
            last = self.remaining[stream.table] == 0
            error = outcome.error
            if (
                error is not None
                and not isinstance(error, _Skipped)
                and table_report.status != "failed"
            ):
                table_report.status = "failed"
                table_report.error = _describe(error)
                self.sink.emit(
                    Event(
                        "error",
                        table=stream.table,
                        stream=stream.name,
                        message=table_report.error,
                    )
                )
        if (
            not last
            or table_report.status == "failed"
            or self.scheduler.stop.is_set()
            or outcome.skipped
        ):
            if last:
                self._close_table(stream.table)
            return
        plan = self.by_table[stream.table]
        try:
            load = conns.target.finish_table(plan.target)
            table_report.built = load.built
            table_report.notes.extend(load.skipped)
            table_report.status = "done"
        except ArrowmigError as exc:
            table_report.status = "failed"
            table_report.error = _describe(exc)
        self._close_table(stream.table)

    def _close_table(self, name: str) -> None:
        meter = self.meter.tables[name]
        meter.finish()
        table_report = self.reports[name]
        table_report.rows, table_report.bytes, table_report.seconds = (
            meter.rows,
            meter.bytes,
            meter.seconds,
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
                )
            )


class _Skipped(Exception):
    """A stream not run because another stream of its table failed."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ArrowmigError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _add_foreign_keys(
    target: str, config: MigrationConfig, plan: MigrationPlan, report: MigrationReport
) -> None:
    wanted = [(p, fk) for p in plan.tables for fk in p.source.foreign_keys]
    if not wanted:
        return
    loaded = {t.name for t in report.tables if t.status == "done"}
    if not config.foreign_keys:
        for p, _fk in wanted:
            report_for(report, p).notes.append("foreign key skipped (--no-foreign-keys)")
        return
    with open_target(target, config) as dst:
        add = getattr(dst, "add_foreign_key", None)
        for p, fk in wanted:
            table_report = report_for(report, p)
            if add is None:
                table_report.notes.append(
                    f"foreign key ({', '.join(fk.columns)}) -> {fk.ref_table} not created: "
                    f"{dst.dialect} cannot add foreign keys to loaded tables"
                )
            elif p.source.name in loaded and fk.ref_table in loaded:
                try:
                    table_report.built.append(add(p.target.name, fk))
                except ArrowmigError as exc:
                    table_report.notes.append(f"foreign key to {fk.ref_table} not created: {exc}")
            else:
                table_report.notes.append(
                    f"foreign key to {fk.ref_table} not created: a table was not loaded"
                )


def report_for(report: MigrationReport, plan: TablePlan) -> TableReport:
    return next(t for t in report.tables if t.name == plan.source.name)


def explain(
    source: str,
    target: str,
    *,
    config: MigrationConfig | None = None,
) -> MigrationPlan:
    """The plan a migration would follow, with nothing written (``arrowmig plan``)."""
    config = config or MigrationConfig()
    target_url = parse_url(target)
    with open_endpoint(source, schema=config.source_schema) as src:
        dst: Endpoint | None = None
        if target_url.kind == "postgresql" or target_url.path.exists():
            dst = open_endpoint(target, schema=config.target_schema)
        try:
            plan = build_plan(src, dst, config, dialect=target_url.kind)
        finally:
            if dst is not None:
                dst.close()
        for table_plan in plan.tables:
            table_plan.streams = plan_streams(
                table_plan, src.key_bounds(table_plan.source), config.split_rows
            )
    return plan
