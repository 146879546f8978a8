"""``--log-file``: a complete record of a run for later reading, while the console stays brief.

A progress sink that writes one line per event: every committed batch (stream, rows, bytes,
milliseconds), every retry and every error with its context, each table's end and the final
report. Lines are appended (a resumed run continues the same log) and flushed one by one, so
the log is complete up to the moment a run died. Passwords never reach the file: URLs are
shown redacted, and any password of the run's URLs is masked as an error line masks it.

    2026-11-28T13:51:41.593Z batch      bets stream=bets rows=50000 bytes=3145728 ms=182.4 table_rows=150000/200000
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from arrowmig._version import __version__
from arrowmig.config import MigrationConfig
from arrowmig.events import Event
from arrowmig.urls import parse_url, password_of, redact, redact_text

# user:password@ in any URL-looking text, in case a message carries one we were not told of.
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][\w+.-]*://[^:/?#\s@]*:)[^@\s/]+@")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _shown(url: str) -> str:
    try:
        return parse_url(url).redacted
    except Exception:
        return redact(url)


def _rounded(key: str, value: Any) -> Any:
    """A table's seconds to the millisecond, as the summary line's (the report keeps them
    whole, for the rates computed from them)."""
    return round(value, 3) if key == "seconds" and isinstance(value, float) else value


def _quote(text: str) -> str:
    """A message as one line: JSON string quoting keeps newlines and quotes readable."""
    return json.dumps(text, ensure_ascii=False)


class LogFileSink:
    """Writes every event it receives to a text file, one line each. Thread-safe."""

    def __init__(self, path: str | Path, *, secrets: list[str] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._secrets = [s for s in (secrets or []) if s]
        self._fh: IO[str] | None = self.path.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()
        self._table_rows: dict[str, int] = {}
        self._table_bytes: dict[str, int] = {}
        self._stream_seen: dict[str, float] = {}

    @classmethod
    def for_run(cls, path: str | Path, source: str, target: str) -> LogFileSink:
        """A log for one run from ``source`` to ``target``, opened with a header line."""
        secrets = [p for p in (password_of(source), password_of(target)) if p]
        sink = cls(path, secrets=secrets)
        sink.note(f"arrowmig {__version__} run: {_shown(source)} -> {_shown(target)}")
        return sink

    # -- writing ------------------------------------------------------------------------------
    def _write(self, ts: str, kind: str, text: str) -> None:
        line = f"{ts} {kind:<10} {text}".rstrip()
        line = _URL_PASSWORD.sub(r"\1***@", redact_text(line, self._secrets))
        with self._lock:
            if self._fh is not None:
                self._fh.write(line.replace("\n", " ") + "\n")

    def note(self, text: str) -> None:
        """A line of the CLI's own (the run's settings, an error before the run, the exit code)."""
        self._write(_now_iso(), "note", text)

    def note_config(self, config: MigrationConfig) -> None:
        settings = asdict(config)
        self.note("config " + json.dumps(settings, default=str, sort_keys=True))

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None

    # -- events -------------------------------------------------------------------------------
    def emit(self, event: Event) -> None:
        handler = getattr(self, f"_on_{event.event}", None)
        if handler is not None:
            handler(event)
        else:
            self._write(event.ts, event.event, self._fields(event, "message"))

    def _fields(self, event: Event, *names: str) -> str:
        parts = [event.table or "-"]
        for name in ("stream", *names):
            value = getattr(event, name)
            if value is None:
                continue
            parts.append(f"{name}={_quote(value) if name == 'message' else value}")
        return " ".join(parts)

    def _on_foreign_keys(self, event: Event) -> None:
        eta = "" if event.eta_s is None else f" eta_s={event.eta_s:.1f}"
        self._write(
            event.ts,
            "fk",
            f"{event.table} added={event.keys_added}/{event.keys_total} "
            f"checked={event.keys_checked}/{event.keys_total}{eta}",
        )

    def _on_start(self, event: Event) -> None:
        total = "unknown" if event.total_rows is None else str(event.total_rows)
        self._write(event.ts, "start", f"{event.table} total_rows={total}")

    def _on_progress(self, event: Event) -> None:
        table = event.table or "-"
        stream = event.stream or table
        now = time.monotonic()
        with self._lock:
            # The engine may say what the batch held; if not, the table's totals tell.
            rows = event.batch_rows
            if rows is None:
                rows = event.rows - self._table_rows.get(table, 0)
            n_bytes = event.batch_bytes
            if n_bytes is None:
                n_bytes = event.bytes - self._table_bytes.get(table, 0)
            self._table_rows[table] = max(event.rows, self._table_rows.get(table, 0))
            self._table_bytes[table] = max(event.bytes, self._table_bytes.get(table, 0))
            ms = event.batch_ms
            previous = self._stream_seen.get(stream)
            if ms is None and previous is not None:
                ms = (now - previous) * 1000
            self._stream_seen[stream] = now
        total = "?" if event.total_rows is None else str(event.total_rows)
        text = (
            f"{table} stream={stream} rows={rows} bytes={n_bytes} "
            f"ms={'-' if ms is None else f'{ms:.1f}'} table_rows={event.rows}/{total}"
        )
        if event.rows_per_s is not None:
            text += f" rows_per_s={event.rows_per_s:.0f}"
        if event.rss_bytes is not None:
            text += f" rss_bytes={event.rss_bytes}"
        if event.rejected is not None:
            text += f" table_rejected={event.rejected}"
        self._write(event.ts, "batch", text)

    def _on_retry(self, event: Event) -> None:
        self._write(event.ts, "retry", self._context(event))

    def _on_error(self, event: Event) -> None:
        self._write(event.ts, "error", self._context(event))

    def _context(self, event: Event) -> str:
        """Where it happened: table, stream, how much of the table was committed by then."""
        table = event.table or "-"
        with self._lock:
            committed = self._table_rows.get(table, 0)
        parts = [table]
        if event.stream:
            parts.append(f"stream={event.stream}")
        parts.append(f"table_rows_committed={committed}")
        parts.append(f"message={_quote(event.message or '')}")
        return " ".join(parts)

    def _on_table_done(self, event: Event) -> None:
        rate = "" if event.rows_per_s is None else f" rows_per_s={event.rows_per_s:.0f}"
        rejected = "" if event.rejected is None else f" rejected={event.rejected}"
        self._write(
            event.ts,
            "table_done",
            f"{event.table} rows={event.rows} bytes={event.bytes}{rate}{rejected}",
        )

    def _on_summary(self, event: Event) -> None:
        report: dict[str, Any] = event.report or {}
        head = " ".join(
            f"{k}={report[k]}"
            for k in ("ok", "rows", "bytes", "seconds", "rows_per_s", "mb_per_s", "interrupted")
            if k in report
        )
        self._write(event.ts, "summary", head)
        for table in report.get("tables", []):
            self._write(
                event.ts,
                "table",
                " ".join(
                    f"{k}={_quote(v) if k == 'error' else _rounded(k, v)}"
                    for k, v in table.items()
                    if k
                    in (
                        "name",
                        "status",
                        "rows",
                        "bytes",
                        "seconds",
                        "rows_per_s",
                        "mb_per_s",
                        "streams",
                        "retries",
                        "rejected",
                        "error",
                    )
                    and v is not None
                ),
            )
        self._write(event.ts, "report", json.dumps(report, default=str, sort_keys=True))
