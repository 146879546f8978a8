"""Ctrl-C (or SIGTERM) during an ADBC statement of the main thread stops the command, as it
does anywhere else: the statement is cancelled, and Python raises the signal's exception.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from arrowmig.stop_grace import same_stop

_lock = threading.Lock()
_STOPS = frozenset({signal.SIGINT, signal.SIGTERM})
_AGAIN_S = 0.2
"""How often a statement a signal came during is cancelled again until it returns: a cancel
sent just before its query reached the server finds nothing to cancel."""


class _Statement:
    """One statement of the main thread, which a signal cancels until it has returned."""

    def __init__(self, cancel: Callable[[], None]) -> None:
        self.cancel = cancel
        self.ended = threading.Lock()
        """Taken for good when the statement returns; a cancel holds it while it runs."""

    def cancel_until_ended(self) -> None:
        while self.ended.acquire(blocking=False):
            try:
                self.cancel()
            except Exception:  # nothing running, or a driver that cannot (SQLite)
                pass
            finally:
                self.ended.release()
            time.sleep(_AGAIN_S)


_running: _Statement | None = None
"""The main thread's statement, or the last one (then ended)."""
_wakeup_fd: int | None = None
"""The pipe Python's own signal handler writes each signal's number to (``set_wakeup_fd``)."""
_watcher: threading.Thread | None = None
"""The thread that reads it (``_watch``)."""
_adbc_own: Callable[..., Any] | None = None
"""ADBC's ``_blocking_call``, while ours stands in for it."""
_calls = 0
"""A program's calls into arrowmig under way (``left_as_found``)."""


def deliver_ctrl_c() -> None:
    """Have a signal during a statement of the main thread cancel the statement.

    Around each statement of the main thread, ADBC's driver manager swaps Python's SIGINT
    handler for its own, which only writes to a pipe that a thread of ADBC reads to cancel
    the statement: Python never sees the Ctrl-C. One that came as the statement returned was
    lost (the run went on to exit 0); one that came as the command exited had ADBC's thread
    run Python while the interpreter shut down (SIGABRT). Here ADBC's handler is never
    installed: Python's own takes the signal (KeyboardInterrupt, or SIGTERM's StopRequested,
    raised as soon as the statement returns), and its wakeup fd has a thread of ours cancel
    the statement meanwhile. The statement waits for a cancel under way before it returns,
    and none starts after."""
    import adbc_driver_manager.dbapi as dbapi

    with _lock:
        # A private name of the driver manager: a release without it keeps ADBC's own
        # handling (the statement cancelled), rather than failing every command.
        blocking: Callable[..., Any] | None = getattr(dbapi, "_blocking_call", None)
        if blocking is None or getattr(blocking, "delivers_ctrl_c", False):
            return

        def blocking_call(
            func: Callable[..., Any], args: Any, kwargs: Any, cancel: Callable[[], None]
        ) -> Any:
            if threading.current_thread() is not threading.main_thread():
                return func(*args, **kwargs)
            if not _watching():
                return blocking(func, args, kwargs, _interrupt_then(cancel))
            global _running
            statement = _Statement(cancel)
            _running = statement
            # A C call, after which Python runs a handler pending: a signal that came before
            # the statement was recorded is raised here, not after the statement.
            statement.ended.locked()
            try:
                return func(*args, **kwargs)
            finally:
                # One call, and the first of this block: a signal's exception raised after it
                # leaves nothing half done.
                statement.ended.acquire()

        blocking_call.delivers_ctrl_c = True  # type: ignore[attr-defined]
        global _adbc_own
        _adbc_own = blocking
        setattr(dbapi, "_blocking_call", blocking_call)  # noqa: B010


@contextlib.contextmanager
def left_as_found() -> Iterator[None]:
    """A program's call into arrowmig (``arrowmig.migrate``, ...): once the last one under
    way returns, the process is as the call found it. ADBC's own Ctrl-C handling is back (the
    program's own ADBC statements answer Ctrl-C as ADBC does), and, on the main thread, the
    signal wakeup fd is the program's again (a library such as trio checks that it holds it)
    and the watcher thread has ended. The command line's process ends instead."""
    global _calls
    with _lock:
        _calls += 1
    try:
        yield
    finally:
        with _lock:
            _calls -= 1
            last = _calls == 0
        if last:
            _put_back()


def _put_back() -> None:
    global _adbc_own, _wakeup_fd, _watcher
    with _lock:
        if _calls:
            return  # another call began meanwhile
        if _adbc_own is not None:
            import adbc_driver_manager.dbapi as dbapi

            setattr(dbapi, "_blocking_call", _adbc_own)  # noqa: B010
            _adbc_own = None
        if _wakeup_fd is None or threading.current_thread() is not threading.main_thread():
            return  # only the main thread may set the wakeup fd: the pipe stays for now
        current = signal.set_wakeup_fd(-1)
        if current != _wakeup_fd:
            signal.set_wakeup_fd(current)  # another's, set since (ours was -1's stand-in)
        # Closed only once no handler writes to it: its reader sees the end, and ends.
        os.close(_wakeup_fd)
        _wakeup_fd, watcher, _watcher = None, _watcher, None
    if watcher is not None:
        watcher.join(timeout=_AGAIN_S)


def _watching() -> bool:
    """Whether signals reach our watcher (in the main thread); False when another wakeup fd
    is in place (an application's asyncio loop), which is left as it is."""
    global _wakeup_fd
    global _watcher
    if _wakeup_fd is None:
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)  # Python's handler never waits on it
        _watcher = threading.Thread(
            target=_watch, args=(read_fd,), name="arrowmig-ctrl-c", daemon=True
        )
        _watcher.start()
        _wakeup_fd = write_fd
    previous = signal.set_wakeup_fd(_wakeup_fd, warn_on_full_buffer=False)
    if previous not in (-1, _wakeup_fd):
        signal.set_wakeup_fd(previous)
        return False
    return True


def _watch(read_fd: int) -> None:
    """Cancel the main thread's statement whenever SIGINT or SIGTERM comes."""
    while True:
        signals = os.read(read_fd, 64)
        if not signals:  # the write end closed (``_put_back``)
            os.close(read_fd)
            return
        running = _running
        # The stop pressed again leaves the wind-down's statements (the run's record) be.
        if running is not None and _STOPS.intersection(signals) and not same_stop():
            running.cancel_until_ended()


def _interrupt_then(cancel: Callable[[], None]) -> Callable[[], None]:
    """ADBC's own handling, when the wakeup fd is another's: its thread, told of a Ctrl-C,
    has Python raise KeyboardInterrupt (first: told after the cancel, the main thread could
    take the cancelled statement's error for a failure and go on), then cancels."""
    import _thread

    def interrupt_then_cancel() -> None:
        _thread.interrupt_main()
        cancel()

    return interrupt_then_cancel
