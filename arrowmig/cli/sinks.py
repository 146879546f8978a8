"""Progress sinks the CLI picks: rich bars on a TTY, plain log lines, JSON lines on stdout."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import IO, Any

from arrowmig.events import Event
from arrowmig.sizes import format_size


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class PlainSink:
    """One line per table every ``interval_s`` seconds, plus start, finish and error lines."""

    def __init__(self, interval_s: float = 5.0, out: IO[str] | None = None) -> None:
        self._interval = interval_s
        self._out = out or sys.stderr
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def _line(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        print(f"{stamp} {text}", file=self._out, flush=True)

    def emit(self, event: Event) -> None:
        with self._lock:
            if event.event == "start":
                total = (
                    f"{event.total_rows:,} rows" if event.total_rows is not None else "rows unknown"
                )
                self._line(f"start   {event.table} ({total})")
            elif event.event == "progress" and event.table:
                now = time.monotonic()
                last = self._last.get(event.table)  # monotonic() may start near 0: no default
                if last is not None and now - last < self._interval:
                    return
                self._last[event.table] = now
                pct = f" {100 * event.rows / event.total_rows:5.1f}%" if event.total_rows else ""
                rate = f"{event.rows_per_s:,.0f} rows/s" if event.rows_per_s else "-"
                rss = format_size(event.rss_bytes) if event.rss_bytes else "-"
                self._line(
                    f"running {event.table}: {event.rows:,}/{event.total_rows or 0:,}{pct} {rate} "
                    f"{format_size(event.bytes)} ETA {_eta(event.eta_s)} RSS {rss}"
                )
            elif event.event == "table_done":
                rate = f" ({event.rows_per_s:,.0f} rows/s)" if event.rows_per_s else ""
                self._line(
                    f"done    {event.table}: {event.rows:,} rows, {format_size(event.bytes)}{rate}"
                )
            elif event.event in ("error", "retry", "reject"):
                self._line(f"{event.event:7} {event.table}: {event.message}")


class JsonLinesSink:
    """Every event as one JSON object per line on stdout; progress at most every interval."""

    def __init__(self, interval_s: float = 1.0, out: IO[str] | None = None) -> None:
        self._interval = interval_s
        self._out = out or sys.stdout
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def emit(self, event: Event) -> None:
        with self._lock:
            if event.event == "progress" and event.table:
                now = time.monotonic()
                last = self._last.get(event.table)  # monotonic() may start near 0: no default
                if last is not None and now - last < self._interval:
                    return
                self._last[event.table] = now
            self._out.write(json.dumps(event.to_dict(), default=str) + "\n")
            self._out.flush()


class RichSink:
    """A live display: one bar per active table and one overall line with rates, ETA and RSS."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskID,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.percentage:>5.1f}%"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self._overall: TaskID | None = None
        self._done_rows: dict[str, int] = {}
        self._lock = threading.Lock()
        self._started = False

    def _start(self) -> None:
        if not self._started:
            self._progress.start()
            self._overall = self._progress.add_task("[bold]all tables", total=None, rate="")
            self._started = True

    def emit(self, event: Event) -> None:
        with self._lock:
            self._start()
            assert self._overall is not None
            if event.event == "start" and event.table:
                self._tasks[event.table] = self._progress.add_task(
                    event.table, total=event.total_rows or None, rate=""
                )
                overall_total = self._progress.tasks[self._overall].total or 0
                self._progress.update(self._overall, total=overall_total + (event.total_rows or 0))
            elif event.event in ("progress", "table_done") and event.table in self._tasks:
                task = self._tasks[event.table]
                table_total = max(event.total_rows or 0, event.rows) or None
                rate = f"{event.rows_per_s:,.0f} rows/s" if event.rows_per_s else ""
                self._progress.update(task, completed=event.rows, total=table_total, rate=rate)
                self._done_rows[event.table] = event.rows
                rss = f"RSS {format_size(event.rss_bytes)}" if event.rss_bytes else ""
                self._progress.update(
                    self._overall, completed=sum(self._done_rows.values()), rate=rss
                )
            elif event.event == "error":
                self._progress.console.print(f"[red]error[/red] {event.table}: {event.message}")
            elif event.event == "summary":
                self._progress.stop()

    def close(self) -> None:
        if self._started:
            self._progress.stop()


def make_sink(kind: str, interval_s: float) -> Any:
    """The sink for ``--progress``: bar, plain, json or none (auto picks bar on a TTY)."""
    from arrowmig.events import NullSink

    if kind == "auto":
        kind = "bar" if sys.stderr.isatty() else "plain"
    if kind == "bar":
        return RichSink()
    if kind == "plain":
        return PlainSink(interval_s)
    if kind == "json":
        return JsonLinesSink(min(interval_s, 1.0))
    return NullSink()
