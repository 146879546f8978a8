"""Who keeps a run waiting on a SQLite file: another process's lock on it, as Linux lists it in
/proc/locks, said once it has lasted a few seconds (SQLite itself only waits, silently)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator

from arrowmig.endpoints.pg_hold import WAIT_SHOWN_AFTER_S
from arrowmig.endpoints.watch_thread import watch_thread

OnWait = Callable[[int], None]
"""Told the pid of the process whose lock the run has waited for that long."""

_POLL_S = 0.5
_PENDING_BYTE = 0x40000000
"""SQLite's lock bytes in the file (os_unix.c): PENDING, then RESERVED, then the SHARED range;
a writer's EXCLUSIVE lock is a write lock on all of them."""
_LOCK_BYTES = (_PENDING_BYTE, _PENDING_BYTE + 511)
_WAL_WRITE_BYTE = 120
"""The byte of a WAL file's -shm that its one writer holds (WALINDEX_LOCK_OFFSET)."""


def file_id(st: os.stat_result) -> str:
    """A file as /proc/locks names it: device as hex major:minor, then the inode."""
    return f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"


def _write_locks(path: str) -> list[tuple[int, int, int]]:
    """(pid, start, end) of every POSIX write lock another process holds on ``path``; none
    where /proc/locks is not to be read (another system) or the file is gone."""
    try:
        where = file_id(os.stat(path))
        with open("/proc/locks") as locks:
            lines = locks.readlines()
    except OSError:
        return []
    found = []
    for line in lines:
        # "3: POSIX  ADVISORY  WRITE 17101 fe:00:2196358 1073741824 1073742335"; a waiter's
        # line has "->" after the number, and an end may be "EOF".
        fields = line.split()
        if fields[1:4] != ["POSIX", "ADVISORY", "WRITE"] or fields[5:6] != [where]:
            continue
        with contextlib.suppress(ValueError, IndexError):
            pid, start = int(fields[4]), int(fields[6])
            end = 2**63 if fields[7] == "EOF" else int(fields[7])
            if pid != os.getpid():
                found.append((pid, start, end))
    return found


def lock_holder(path: str, writing: bool) -> int | None:
    """The pid of another process holding a lock on the SQLite file ``path`` that keeps this
    run's reads waiting (a writer's PENDING or EXCLUSIVE lock, in rollback-journal mode), or
    with ``writing`` its writes too (any writer's lock, WAL's included); None if none is seen.
    A reader's shared lock is not counted: it delays a commit only while it reads."""
    low, high = _LOCK_BYTES
    for pid, start, end in _write_locks(path):
        # RESERVED (low + 1) alone keeps other writers out, not readers.
        if start <= high and end >= low and (writing or start <= low or end > low + 1):
            return pid
    if writing:
        for pid, start, end in _write_locks(f"{path}-shm"):
            if start <= _WAL_WRITE_BYTE <= end:
                return pid
    return None


@contextlib.contextmanager
def watching_sqlite_locks(path: str, writing: bool, on_wait: OnWait) -> Iterator[None]:
    """While inside, a thread looks every ``_POLL_S`` for another process's lock on ``path``
    (``lock_holder``); one held by the same process at every look for ``WAIT_SHOWN_AFTER_S``
    is told to ``on_wait`` once (again only after it was let go). The run's statements wait
    as before: this only says why the run is quiet."""

    def watch(stop: threading.Event) -> None:
        holder: int | None = None
        since = 0.0
        said = False
        while not stop.wait(_POLL_S):
            now = lock_holder(path, writing)
            if now != holder:
                holder, since, said = now, time.monotonic(), False
            elif holder is not None and not said and time.monotonic() - since >= WAIT_SHOWN_AFTER_S:
                said = True
                on_wait(holder)

    with watch_thread("arrowmig-sqlite-locks", watch):
        yield
