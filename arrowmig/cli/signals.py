"""SIGTERM (cron, systemd, ``timeout``) stops a command as Ctrl-C does."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn

from arrowmig.errors import StopRequested, note_stop, stop_behind
from arrowmig.held_signals import held_during_imports, take_held


@contextmanager
def sigterm_stops() -> Iterator[None]:
    """While inside, SIGTERM raises ``StopRequested``: what the command holds is cleaned up
    on the way out (verify's temporary files), a migration keeps its committed batches and
    prints its report, and the command exits 143 with one line. SIGTERM and Ctrl-C that land
    during an import are raised once it is over (``held_signals``). Only the main thread may
    set handlers (``main()`` called from another thread leaves both as they are)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> NoReturn:
        if signum == signal.SIGINT:
            signal.default_int_handler(signum, frame)  # KeyboardInterrupt
        requested = StopRequested("SIGTERM")
        note_stop(requested)  # DuckDB may drop it for "Query interrupted": see stop_behind
        raise requested

    handler = held_during_imports(stop)
    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
        held = take_held()
        if held is not None:  # taken during an import in the command's last moments
            stop(held, None)
    except Exception as exc:
        requested = stop_behind(exc)
        if requested is None:
            raise
        raise requested from exc
    finally:
        take_held()
        for signum, before in previous.items():
            if before is not None:  # None: a handler not set from Python, left as it is
                signal.signal(signum, before)
        note_stop(None)
