"""SIGTERM (cron, systemd, ``timeout``) stops a command as Ctrl-C does, until its outcome stands."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from arrowmig._quiet_start import after_the_command
from arrowmig.errors import StopRequested, note_stop, stop_behind
from arrowmig.held_signals import held_during_imports, take_held
from arrowmig.stop_grace import (
    GRACE_S,
    command_ended,
    same_stop,
    stop_taken,
    taken_as_closing,
)

_SIGNALS = (signal.SIGTERM, signal.SIGINT)

_stands: list[bool] = []
"""Holds True once the command's outcome stands (``outcome_stands``), until it has ended."""

_depth: list[int] = [0]
"""How many ``sigterm_stops`` the command is in (``migrate`` has its own inside ``main``'s)."""

_ignored: list[int] = []
"""The signals ignored (SIG_IGN) as the command began: left so for the whole command."""


def outcome_stands() -> None:
    """The command's report is final (a run's summary event, a verify's result, the plan):
    SIGINT and SIGTERM are ignored from here on, so that the exit status is the one the report
    gives (``--json``'s ``exit_code``), not 130 / 143 for a run that had ended. What is left is
    printing the report and closing up: a stop there also cut the JSON document short.

    Ignored by the kernel (SIG_IGN), not by a handler that returns: a signal handled while a
    long write to a slow reader blocks cuts the write short, and CPython's buffered writer then
    drops the rest of it (the document ended after 8,192 bytes, exit code 0)."""
    _stands[:] = [True]
    # Within sigterm_stops alone, which puts the handlers back as the command ends.
    if _depth[0] and threading.current_thread() is threading.main_thread():
        for signum in _SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


class StandsAtSummary:
    """A progress sink that passes every event on, the run's ``summary`` after making the
    outcome stand: a ``--progress json`` summary line says the run's exit code, and the run
    still closes its target (a DuckDB checkpoint) after sending it."""

    def __init__(self, sink: Any) -> None:
        self.sink = sink

    def emit(self, event: Any) -> None:
        if event.event == "summary":
            outcome_stands()
        self.sink.emit(event)


_said_stopping: list[bool] = []
"""Holds True once ``_say_once_stopping`` has said so in this command."""


def _say_once_stopping() -> None:
    """Tell whoever presses Ctrl-C again that the stop is under way, once. Written with
    os.write from the handler: the main thread may be in the middle of a write to stderr, and
    a second write into Python's buffered stream from here would be a reentrant call."""
    if _said_stopping:
        return
    _said_stopping.append(True)
    # No "the report follows": a stop while a run plans, or in verify or status, has none.
    note = (
        f"arrowmig: stopping already, winding down (a Ctrl-C {GRACE_S:g} s or more after the "
        "first gives up the rest of it, and any report)\n"
    )
    with contextlib.suppress(OSError):
        os.write(2, note.encode())


@contextmanager
def sigterm_stops() -> Iterator[None]:
    """While inside, SIGTERM raises ``StopRequested``: what the command holds is cleaned up
    on the way out (verify's temporary files), a migration keeps its committed batches and
    prints its report, and the command exits 143 with one line. SIGTERM and Ctrl-C that land
    during an import are raised once it is over (``held_signals``); once the outcome stands
    (``outcome_stands``), both are ignored. Either one again within ``GRACE_S`` of a stop is
    that stop pressed again, and is left to it (``stop_grace``). A signal ignored as the
    command began stays ignored. Only the main thread may set handlers (``main()`` called
    from another thread leaves both as they are)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        if _stands:
            return  # set from another thread, or held during an import: see outcome_stands
        if same_stop():
            _say_once_stopping()
            return
        closing = taken_as_closing(signal.Signals(signum).name)
        stop_taken()
        if closing:
            return
        if signum == signal.SIGINT:
            signal.default_int_handler(signum, frame)  # KeyboardInterrupt
        requested = StopRequested("SIGTERM")
        note_stop(requested)  # DuckDB may drop it for "Query interrupted": see stop_behind
        raise requested

    handler = held_during_imports(stop)
    if _depth[0] == 0:
        _stands.clear()  # a new command (tests run several in one process)
        _said_stopping.clear()
        command_ended()
        # A signal ignored as the command starts stays ignored, as Unix has it: a script's
        # `arrowmig ... &` starts with SIGINT ignored, so that the terminal's Ctrl-C leaves
        # it running. Handled from here on, a SIGINT sent in the first second was lost (the
        # run went to its end) and one sent later stopped the run.
        _ignored[:] = [s for s in _SIGNALS if signal.getsignal(s) == signal.SIG_IGN]
    _depth[0] += 1
    previous = {s: signal.signal(s, handler) for s in _SIGNALS if s not in _ignored}
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
        _depth[0] -= 1
        # Inside a command whose outcome stands, signals stay ignored until it has ended.
        if not (_stands and _depth[0]):
            for signum, before in previous.items():
                if before is not None:  # None: a handler not set from Python, left as it is
                    signal.signal(signum, after_the_command(before))
        if not _depth[0]:
            _stands.clear()
            command_ended()
        note_stop(None)
