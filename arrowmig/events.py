"""Progress events the engine emits, and the sinks that receive them.

The engine never prints: it hands events to a ``ProgressSink``. ``NullSink`` is the default;
the CLI picks a sink that renders (rich bars, plain lines, JSON lines).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

EVENT_KINDS = (
    "planned",
    "start",
    "progress",
    "retry",
    "waiting",
    "reject",
    "table_done",
    "foreign_keys",
    "error",
    "summary",
)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Event:
    """One thing that happened in a run. ``rows`` and ``bytes`` are cumulative and committed."""

    event: str
    table: str | None = None
    stream: str | None = None
    rows: int = 0
    total_rows: int | None = None
    bytes: int = 0
    rows_per_s: float | None = None
    eta_s: float | None = None
    rss_bytes: int | None = None
    message: str | None = None
    report: dict[str, Any] | None = None
    ts: str = field(default_factory=_now_iso)
    batch_rows: int | None = None
    """Progress only: rows of the batch just committed (``rows`` is the table's total)."""
    batch_bytes: int | None = None
    """Progress only: Arrow bytes of the batch just committed."""
    batch_ms: float | None = None
    """Progress only: milliseconds the stream spent on this batch (read, write, commit)."""
    rejected: int | None = None
    """Progress and ``table_done`` with --on-error reject: rows of the table set aside so far
    (written to its reject file; ``rows`` counts none of them)."""
    keys_added: int | None = None
    """``foreign_keys`` only: keys added (NOT VALID, or refused) so far."""
    keys_checked: int | None = None
    """``foreign_keys`` only: keys whose rows are checked (or refused) so far."""
    keys_total: int | None = None
    """``foreign_keys`` only: keys to add once every table is loaded."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the fields of CORE_FIELDS always (null when unknown), others if set."""
        data = asdict(self)
        for key, digits in (("rows_per_s", 1), ("eta_s", 1), ("batch_ms", 1)):
            if data[key] is not None:
                data[key] = round(data[key], digits)
        shown = {k: v for k, v in data.items() if k in CORE_FIELDS or v is not None}
        if self.event == "summary":
            # The last line of --progress json: `jq .exit_code` reads the command's code from
            # it, as from --json's document (null only where a library caller sent no report).
            report = self.report if isinstance(self.report, dict) else {}
            shown["exit_code"] = report.get("exit_code")
        return shown


CORE_FIELDS = (
    "event",
    "table",
    "stream",
    "rows",
    "total_rows",
    "bytes",
    "rows_per_s",
    "eta_s",
    "rss_bytes",
    "ts",
)
"""Keys every JSON event has, so that consumers can rely on them (null when not known)."""


class ProgressSink(Protocol):
    """Receives events; called from worker threads, so implementations must be thread-safe."""

    def emit(self, event: Event) -> None: ...


class NullSink:
    """Drops every event: the library default."""

    def emit(self, event: Event) -> None:
        return None


class CallbackSink:
    """Calls a user function (a callback, or a sink's ``emit``) with each event, one call at a
    time.

    A callback that raises is not called again, and its exception is kept in ``error`` for
    ``migrate()`` to raise once the run is over: a broken progress display neither fails a
    table nor leaves a run half done."""

    def __init__(
        self, callback: Callable[[Event], None], what: str = "the progress callback"
    ) -> None:
        self._callback = callback
        self._what = what
        self._lock = threading.Lock()
        self.error: Exception | None = None

    def emit(self, event: Event) -> None:
        with self._lock:
            if self.error is not None:
                return
            try:
                self._callback(event)
            except Exception as exc:
                where = f" of table {event.table!r}" if event.table else ""
                exc.add_note(
                    f"raised by {self._what} at the {event.event!r} event{where}; "
                    "the run went on to its end without calling it again"
                )
                self.error = exc

    def raise_error(self) -> None:
        """Raise the callback's exception, if it raised one (once the run is over)."""
        if self.error is not None:
            raise self.error


class FanOutSink:
    """Hands every event to several sinks in turn (e.g. the console and a log file)."""

    def __init__(self, *sinks: ProgressSink) -> None:
        self.sinks = sinks

    def emit(self, event: Event) -> None:
        for sink in self.sinks:
            sink.emit(event)

    def close(self) -> None:
        for sink in self.sinks:
            close = getattr(sink, "close", None)
            if close is not None:
                close()


def as_sink(progress: ProgressSink | Callable[[Event], None] | None) -> ProgressSink:
    """Accept a sink, a plain callback, or None. A sink is called as a callback is: one that
    raises (a dashboard, a socket gone) fails no table; ``CallbackSink`` keeps its error."""
    if progress is None:
        return NullSink()
    if isinstance(progress, (NullSink, CallbackSink)):
        return progress
    emit = getattr(progress, "emit", None)
    if emit is not None:
        return CallbackSink(emit, f"the progress sink {type(progress).__name__}")
    if not callable(progress):
        return progress
    return CallbackSink(progress)


def raise_callback_error(sink: ProgressSink, given: object) -> None:
    """Once a run is over: the exception the caller's callback or sink raised, if any; by the
    call that made ``sink`` of what it was ``given`` (a run within it hands the guard on)."""
    if isinstance(sink, CallbackSink) and sink is not given:
        sink.raise_error()
