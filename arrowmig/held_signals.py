"""A signal that lands while the main thread imports a module is held until the import has
ended, then raised as usual: raised inside the initialisation of a compiled module, it broke it.
"""

from __future__ import annotations

import _thread
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

_lock = threading.Lock()
_held: dict[int, threading.Event] = {}
"""Signals held, each with the event its handler sets whenever it runs (see ``_deliver``)."""

Handler = Callable[[int, FrameType | None], None]


def held_during_imports(stop: Handler) -> Handler:
    """A signal handler that calls ``stop`` (which raises, or lets the signal go), except while
    the main thread is importing: then the signal is held, and delivered again once the import
    is over.

    Raised from Python code that DuckDB's compiled module runs as it initialises (on the first
    ``import duckdb``, which arrowmig makes as it opens a DuckDB file), the stop became an
    ``ImportError`` ("Encountered an error while initializing the extension": a connection
    error, exit 2), was dropped (the run went on), or aborted the process ("Critical nanobind
    error", exit 134). A held signal costs the few milliseconds the import has left."""

    def handler(signum: int, frame: FrameType | None) -> None:
        with _lock:
            ran = _held.get(signum)
        if ran is not None:
            ran.set()  # the deliverer may send it again
        if _importing(frame):
            _hold(signum)
            return
        with _lock:
            _held.pop(signum, None)
        stop(signum, frame)

    return handler


def take_held() -> int | None:
    """A signal still held (the handler is about to be put back), no longer held; None if none."""
    with _lock:
        if not _held:
            return None
        signum = next(iter(_held))
        _held.clear()  # each deliverer ends on its next look
        return signum


def raise_held_here() -> None:
    """Wait for a signal held during an import that has ended to be raised, here: the block
    that ran the import (planning, which says a stop there left nothing to resume) must get
    it, not whatever the main thread runs once the deliverer thread next has the GIL."""
    deadline = time.monotonic() + _RAISE_WAIT_S
    while time.monotonic() < deadline:
        with _lock:
            if not _held:
                return
        time.sleep(0.001)  # lets the deliverer send it; its handler raises in this loop


_RAISE_WAIT_S = 2.0
"""A bound on ``raise_held_here``'s wait, for a handler put back meanwhile (none to raise)."""


def _importing(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


def _hold(signum: int) -> None:
    with _lock:
        if signum in _held:
            return  # its deliverer runs already
        ran = _held[signum] = threading.Event()
    threading.Thread(target=_deliver, args=(signum, ran), daemon=True).start()


def _deliver(signum: int, ran: threading.Event) -> None:
    """Send ``signum`` to the main thread again until its handler takes it, one at a time: a
    second one sent before the first was handled would stop the cleanup the first started."""
    while True:
        time.sleep(0.002)  # not each bytecode of the import: a few tries in its last moments
        with _lock:
            if _held.get(signum) is not ran:
                return
            ran.clear()
            _thread.interrupt_main(signal.Signals(signum))
        # The handler runs between two of the main thread's bytecodes, so soon; a timeout in
        # case the handler was put back meanwhile (``take_held`` then ends this loop).
        ran.wait(timeout=0.5)
