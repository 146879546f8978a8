"""A SQLite write that waits for another process's lock in short turns, so that a stop of the
run ends the wait at once instead of after SQLite's busy timeout."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from typing import Any

LOCKED = re.compile(r"database is locked|database table is locked|SQLITE_BUSY", re.IGNORECASE)
"""How SQLite says another connection holds the lock a statement needs."""

TURN_MS = 200
"""How long one try waits inside SQLite for the lock (its busy handler) before the next."""


def write_in_turns(
    cursor: Any, write: Callable[[], None], stopping: Callable[[], bool], timeout_ms: int
) -> None:
    """``write()`` (one transaction, rolled back when it fails), tried again while the file
    is locked, for ``timeout_ms`` in all, as SQLite's busy timeout would; given up as soon as
    ``stopping()``. ADBC's SQLite driver cannot cancel a statement: waiting inside SQLite for
    the whole timeout, a stopped run went on waiting for up to a minute per try."""
    deadline = time.monotonic() + timeout_ms / 1000
    cursor.execute(f"PRAGMA busy_timeout={TURN_MS}")
    try:
        while True:
            try:
                write()
                return
            except Exception as exc:
                if stopping() or time.monotonic() >= deadline or not LOCKED.search(str(exc)):
                    raise
    finally:
        with contextlib.suppress(Exception):
            cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
