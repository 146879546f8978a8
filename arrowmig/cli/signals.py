"""SIGTERM (cron, systemd, ``timeout``) stops a command as Ctrl-C does."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from arrowmig.errors import StopRequested, note_stop, stop_behind


@contextmanager
def sigterm_stops() -> Iterator[None]:
    """While inside, SIGTERM raises ``StopRequested``: what the command holds is cleaned up
    on the way out (verify's temporary files), a migration keeps its committed batches and
    prints its report, and the command exits 143 with one line. Only the main thread may set
    handlers (``main()`` called from another thread leaves SIGTERM as it is)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum: int, _frame: FrameType | None) -> None:
        requested = StopRequested("SIGTERM")
        note_stop(requested)  # DuckDB may drop it for "Query interrupted": see stop_behind
        raise requested

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    except Exception as exc:
        requested = stop_behind(exc)
        if requested is None:
            raise
        raise requested from exc
    finally:
        signal.signal(signal.SIGTERM, previous)
        note_stop(None)
