"""Progress sinks the CLI picks: rich bars on a TTY, plain log lines, JSON lines on stdout."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import IO, Any

from arrowmig.cli.console import answered, drop_stream, output_error, tell, write_or_drop
from arrowmig.errors import ArrowmigError
from arrowmig.events import Event
from arrowmig.sizes import counted, format_size


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _key_due(event: Event, last: dict[str, float], interval_s: float) -> bool:
    """A ``foreign_keys`` event to show: the first, the last, and one per interval between."""
    now = time.monotonic()
    since = last.get(_KEYS)  # monotonic() may start near 0: no default
    first, final = event.keys_added == 1, event.keys_checked == event.keys_total
    if first or final or since is None or now - since >= interval_s:
        last[_KEYS] = now
        return True
    return False


def _keys_line(event: Event) -> str:
    total = event.keys_total or 0
    return (
        f"{event.keys_added or 0:,}/{total:,} added, {event.keys_checked or 0:,}/{total:,} "
        f"checked ETA {_eta(event.eta_s)}"
    )


def _rejected(event: Event) -> str:
    """The rows set aside so far (--on-error reject), where there are any."""
    return f", {event.rejected:,} rejected" if event.rejected else ""


_KEYS = "\0foreign keys"
"""The rate limiter's slot for foreign keys (not a table name: those have no NUL)."""


class PlainSink:
    """One line per table every ``interval_s`` seconds, plus start, finish and error lines."""

    def __init__(self, interval_s: float = 5.0, out: IO[str] | None = None) -> None:
        self._interval = interval_s
        self._out = out or sys.stderr
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def _line(self, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        tell(self._out, f"{stamp} {text}\n")

    def emit(self, event: Event) -> None:
        with self._lock:
            if event.event == "start" and event.table:
                total = (
                    f"{event.total_rows:,} rows" if event.total_rows is not None else "rows unknown"
                )
                self._line(f"start   {event.table} ({total})")
                return
            if event.event == "progress" and event.table:
                now = time.monotonic()
                last = self._last.get(event.table)  # monotonic() may start near 0: no default
                if last is not None and now - last < self._interval:
                    return
                self._last[event.table] = now
                pct = f" {100 * event.rows / event.total_rows:5.1f}%" if event.total_rows else ""
                rate = f"{event.rows_per_s:,.0f} rows/s" if event.rows_per_s else "-"
                rss = format_size(event.rss_bytes) if event.rss_bytes else "-"
                self._line(
                    f"running {event.table}: {event.rows:,}/{event.total_rows or 0:,}{pct}"
                    f"{_rejected(event)} {rate} {format_size(event.bytes)} "
                    f"ETA {_eta(event.eta_s)} RSS {rss}"
                )
            elif event.event == "table_done":
                rate = f" ({event.rows_per_s:,.0f} rows/s)" if event.rows_per_s else ""
                self._line(
                    f"done    {event.table}: {counted(event.rows, 'row')}, "
                    f"{format_size(event.bytes)}{_rejected(event)}{rate}"
                )
            elif event.event == "foreign_keys" and _key_due(event, self._last, self._interval):
                self._line(f"foreign keys: {_keys_line(event)}")
            elif event.event in ("error", "retry", "reject", "waiting"):
                self._line(f"{event.event:7} {event.table}: {event.message}")


class JsonLinesSink:
    """Every event as one JSON object per line on stdout; progress at most every interval."""

    def __init__(self, interval_s: float = 1.0, out: IO[str] | None = None) -> None:
        self._interval = interval_s
        self._out = out or sys.stdout
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()
        self.failed: ArrowmigError | None = None
        """Set when a write failed (a full disk): the run goes on, and the command then
        exits 2 with this error, as the stream its reader got is not whole."""

    def emit(self, event: Event) -> None:
        try:
            self._emit(event)
        except OSError as exc:
            if self.failed is None:
                self.failed = output_error(self._out, exc, "the progress events")

    def _emit(self, event: Event) -> None:
        with self._lock:
            if event.event == "progress" and event.table:
                now = time.monotonic()
                last = self._last.get(event.table)  # monotonic() may start near 0: no default
                if last is not None and now - last < self._interval:
                    return
                self._last[event.table] = now
            if event.event == "foreign_keys" and not _key_due(event, self._last, self._interval):
                return
            if event.event == "summary":
                answered()
            write_or_drop(self._out, json.dumps(event.to_dict(), default=str) + "\n")


class RichSink:
    """A live display: a bar per table, a line per stream of a split table under it, and one
    overall line with rows, MB/s, the run's ETA (key and index builds included) and RSS."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskID, TextColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[info]}"),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._tables: dict[str, TaskID] = {}
        self._streams: dict[str, dict[str, TaskID]] = {}
        self._stream_rows: dict[str, int] = {}
        self._overall: TaskID | None = None
        self._rows: dict[str, int] = {}
        self._bytes: dict[str, int] = {}
        self._total_rows = 0
        self._eta_s: float | None = None
        # Only progress events carry RSS: a table_done rebuilding the overall line kept it
        # out, and the last frame a run leaves on screen showed none.
        self._rss_bytes: int | None = None
        self._keys: TaskID | None = None
        self._began = time.monotonic()
        self._lock = threading.Lock()

    def _start(self) -> None:
        if self._overall is None:
            self._progress.start()
            self._began = time.monotonic()
            self._overall = self._progress.add_task("[bold]all tables", total=None, info="")

    def emit(self, event: Event) -> None:
        try:
            self._emit(event)
        except OSError:  # stderr that takes no writes: the run goes on (``console.tell``)
            drop_stream(sys.stderr)

    def _emit(self, event: Event) -> None:
        with self._lock:
            self._start()
            if event.event in ("planned", "start") and event.table:
                if event.table in self._tables:
                    return  # a run announces every table (planned) before the first begins
                self._tables[event.table] = self._progress.add_task(
                    event.table, total=event.total_rows or None, info=""
                )
                self._streams[event.table] = {}
                self._total_rows += event.total_rows or 0
            elif event.event in ("progress", "table_done") and event.table in self._tables:
                self._table(event)
                if event.event == "progress" and event.stream not in (None, event.table):
                    self._stream(event)
                if event.event == "table_done":
                    for task in self._streams.pop(event.table, {}).values():
                        self._progress.remove_task(task)
                    if not self._streams:
                        self._eta_s = 0.0  # every table is done
                self._overall_line(event)
            elif event.event == "retry" and event.stream is None and event.table in self._tables:
                # The whole table is loaded again (a value broke a presumed type): its streams
                # start over, under the same names.
                self._progress.console.print(
                    f"[yellow]retry[/yellow] {event.table}: {event.message}"
                )
                for name, task in self._streams.pop(event.table, {}).items():
                    self._progress.remove_task(task)
                    self._stream_rows.pop(name, None)
                self._streams[event.table] = {}
            elif event.event == "foreign_keys":
                self._foreign_keys(event)
            elif event.event == "error":
                self._progress.console.print(f"[red]error[/red] {event.table}: {event.message}")
            elif event.event == "waiting":
                from rich.markup import escape  # a query's text may hold [brackets]

                self._progress.console.print(
                    f"[yellow]waiting[/yellow] {escape(f'{event.table}: {event.message}')}"
                )
            elif event.event == "summary":
                self._progress.stop()

    def _foreign_keys(self, event: Event) -> None:
        """The phase after the last table: a bar of keys added, and the run's ETA."""
        if self._keys is None:
            self._keys = self._progress.add_task("foreign keys", total=None, info="")
        self._progress.update(
            self._keys,
            completed=(event.keys_added or 0) + (event.keys_checked or 0),
            total=2 * (event.keys_total or 0),
            info=_keys_line(event),
        )

    def _table(self, event: Event) -> None:
        assert event.table is not None
        self._rows[event.table], self._bytes[event.table] = event.rows, event.bytes
        total = max(event.total_rows or 0, event.rows) or None
        info = f"{event.rows:,}/{total:,} {100 * event.rows / total:5.1f}%" if total else ""
        if event.rows_per_s and event.rows:
            mb_per_s = event.bytes / event.rows * event.rows_per_s / 1e6
            info += f"  {event.rows_per_s:,.0f} rows/s {mb_per_s:.1f} MB/s"
        if event.rejected:
            info += f"  {event.rejected:,} rejected"
        if event.event == "table_done":
            info += "  done"
        task = self._tables[event.table]
        self._progress.update(task, completed=event.rows, total=total, info=info)

    def _stream(self, event: Event) -> None:
        assert event.table is not None and event.stream is not None
        streams = self._streams.setdefault(event.table, {})
        if event.stream not in streams:
            streams[event.stream] = self._progress.add_task(
                f"  {event.stream}", total=None, info=""
            )
        rows = self._stream_rows.get(event.stream, 0) + (event.batch_rows or 0)
        self._stream_rows[event.stream] = rows
        info = f"{rows:,} rows"
        if event.batch_rows and event.batch_ms:  # batch_ms: since the stream's last commit
            info += f"  now {event.batch_rows / event.batch_ms * 1000:,.0f} rows/s"
        self._progress.update(streams[event.stream], info=info)

    def _overall_line(self, event: Event) -> None:
        assert self._overall is not None
        rows, n_bytes = sum(self._rows.values()), sum(self._bytes.values())
        total = max(self._total_rows, rows)
        elapsed = max(1e-9, time.monotonic() - self._began)
        info = f"{rows:,}/{total:,} {100 * rows / total:5.1f}%" if total else f"{rows:,}"
        info += f"  {n_bytes / elapsed / 1e6:.1f} MB/s"
        if event.event == "progress":
            self._eta_s = event.eta_s
        info += f"  ETA {_eta(self._eta_s)}"
        self._rss_bytes = event.rss_bytes or self._rss_bytes
        if self._rss_bytes:
            info += f"  RSS {format_size(self._rss_bytes)}"
        self._progress.update(self._overall, completed=rows, total=total or None, info=info)

    def close(self) -> None:
        if self._overall is not None:
            try:
                self._progress.stop()
            except OSError:
                drop_stream(sys.stderr)


def check_progress_interval(interval_s: float) -> None:
    """Refuse an impossible ``--progress-interval`` (every verb that takes it, and before a
    dry run, which takes the same options): a negative one, or NaN."""
    from arrowmig.errors import UsageError

    if not interval_s >= 0:  # NaN fails every comparison
        raise UsageError(f"--progress-interval must be 0 or more seconds, not {interval_s:.15g}")


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
