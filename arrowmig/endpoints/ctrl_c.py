"""Ctrl-C during an ADBC statement of the main thread stops the command, as it does anywhere
else: the driver manager cancels the statement, and then Python is told of the Ctrl-C too.
"""

from __future__ import annotations

import _thread
import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()


def deliver_ctrl_c() -> None:
    """Make a Ctrl-C that ADBC takes also raise KeyboardInterrupt in the main thread.

    Around each statement of the main thread, ADBC's driver manager swaps Python's SIGINT
    handler for its own, which only cancels the statement: Python never sees the Ctrl-C. A
    cancelled PostgreSQL statement fails as "canceling statement due to user request" (a
    foreign key then reported as not created, and the run went on to exit 0), and one that
    ended before the cancel took effect lost the Ctrl-C altogether. Each cancel here is
    preceded by ``interrupt_main``, which raises KeyboardInterrupt once the statement has
    returned (SIGTERM is Python's own handler: never taken by ADBC)."""
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
            def interrupt_then_cancel() -> None:
                # The main thread is told first: it raises KeyboardInterrupt as soon as the
                # cancelled statement returns. Told after the cancel, it could take the
                # cancelled statement's error for a failure, go on to its next statement,
                # and sit in it with the KeyboardInterrupt waiting behind it.
                _thread.interrupt_main()
                cancel()

            return blocking(func, args, kwargs, interrupt_then_cancel)

        blocking_call.delivers_ctrl_c = True  # type: ignore[attr-defined]
        setattr(dbapi, "_blocking_call", blocking_call)  # noqa: B010
