"""Cancelling what an ADBC connection runs from another thread, kept apart from its close:
the driver allows a cancel alongside any call but the close itself, and none after it."""

from __future__ import annotations

import contextlib
import threading
from typing import Any


class CancelGuard:
    """A cursor's cancel, safe from any thread while the connection's own thread uses it.

    Closing, the PostgreSQL driver frees the statement, then the connection's cancel handle: a
    cancel at that moment reads freed memory (a segmentation fault, once, at the end of a run).
    So a cancel runs under a lock, and the closing thread takes that lock before it closes
    anything: it waits for a cancel under way, and no cancel starts after it.
    """

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self._lock = threading.Lock()
        self._closing = False

    def cancel(self) -> None:
        """Cancel the statement running, if any; nothing once the connection closes."""
        with self._lock:
            if self._closing:
                return
            with contextlib.suppress(Exception):  # nothing running, or the connection is gone
                self._cursor.adbc_cancel()

    def stop_cancels(self) -> None:
        """Called before the cursor or its connection is closed: no cancel runs from now on."""
        with self._lock:
            self._closing = True
