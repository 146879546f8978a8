"""Taking a PostgreSQL target table to itself (ACCESS EXCLUSIVE: a replace's swap, a TRUNCATE)
in short tries, so that the application's own statements on it go on while the run waits.

PostgreSQL queues a lock request behind one that waits: while the swap's request waited for a
long read transaction, every other session's plain SELECT on the table waited behind it (for
up to --batch-timeout, 300 s, at each of the run's tries). So each try waits a moment only
(``TRY_MS``), and gives up its place in the queue between tries; the tries go on for as long
as one wait did (the session's ``lock_timeout``), and the last one fails as that wait did.

Each try runs in a PL/pgSQL block that catches its own lock timeout: the driver's transaction
allows no rollback to a savepoint after a failed statement, and the statements before it
(one_transaction's) and the lock once taken must stay in the transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from arrowmig.endpoints.pg_hold import WAIT_SHOWN_AFTER_S, Blocker
from arrowmig.endpoints.pg_target_locks import tell_wait

TRY_MS = 200
"""How long one try waits in the queue: what another session's statement on the table can be
held up by, at most, at each try."""
FIRST_PAUSE_S = 0.05
LONGEST_PAUSE_S = 1.0
"""Between tries, the pause doubles up to this: a long-held lock is tried once a second or so."""

_SET_SQL = "SELECT set_config('arrowmig.alone', $1, true), set_config('lock_timeout', $2, true)"
_TRY_SQL = (
    "DO $arrowmig$BEGIN "
    "EXECUTE 'LOCK TABLE ' || current_setting('arrowmig.alone') || ' IN ACCESS EXCLUSIVE MODE'; "
    "PERFORM set_config('arrowmig.alone', '', true); "
    "EXCEPTION WHEN lock_not_available THEN NULL; "
    "END$arrowmig$"
)
"""Locks the tables ``_SET_SQL`` named, or waits ``lock_timeout`` and lets go (their name is
cleared only when the lock was taken: the block's own changes are undone with it)."""
_TAKEN_SQL = "SELECT current_setting('arrowmig.alone') = '', set_config('lock_timeout', $1, true)"
"""Whether the try took the lock; and the session's own lock wait again, for the statements
that follow in the transaction."""
_LAST_SQL = "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE"

_HOLDER_SQL = (
    "SELECT c.relname::text, l.pid, coalesce(a.application_name, ''), coalesce(a.query, ''), "
    "extract(epoch FROM a.query_start)::float8 FROM pg_locks l "
    "JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'relation' AND l.pid <> pg_backend_pid() "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.relation = ANY(string_to_array($1, chr(1))::regclass[]) "
    "ORDER BY l.granted DESC, l.pid LIMIT 1"
)
"""A session holding (or queued ahead for) a lock on one of the tables."""


class Stopped(Exception):
    """The run is stopping: the wait ends between two tries."""


def take_alone(
    cursor: Any,
    tables: list[str],
    wait_ms: int,
    *,
    url: str,
    stopping: Callable[[], bool],
) -> None:
    """Lock ``tables`` (qualified SQL names) IN ACCESS EXCLUSIVE MODE in the transaction open
    on ``cursor``, trying for up to ``wait_ms`` (0: until taken). A wait past
    ``WAIT_SHOWN_AFTER_S`` is told with the session in the way (``tell_wait``). Raises the
    driver's lock timeout when the time is up, as one wait of ``wait_ms`` would, and
    ``Stopped`` when ``stopping()`` turns true."""
    listed = ", ".join(tables)
    started = time.monotonic()
    deadline = started + wait_ms / 1000 if wait_ms else None
    pause = FIRST_PAUSE_S
    while deadline is None or deadline - time.monotonic() > (TRY_MS / 1000 + pause):
        if _try(cursor, listed, str(wait_ms)):
            return
        if time.monotonic() - started >= WAIT_SHOWN_AFTER_S:
            _tell_holder(cursor, tables, url)
        _pause(pause, stopping)
        pause = min(pause * 2, LONGEST_PAUSE_S)
    # The last try waits what is left, and fails as the one long wait did.
    left_ms = 1 if deadline is None else max(1, int((deadline - time.monotonic()) * 1000))
    cursor.execute("SELECT set_config('lock_timeout', $1, true)", (str(left_ms),))
    cursor.fetchall()
    cursor.executemany(_LAST_SQL.format(listed), None)
    cursor.execute("SELECT set_config('lock_timeout', $1, true)", (str(wait_ms),))
    cursor.fetchall()


def _try(cursor: Any, listed: str, wait_ms: str) -> bool:
    cursor.execute(_SET_SQL, (listed, str(TRY_MS)))
    cursor.fetchall()
    cursor.executemany(_TRY_SQL, None)
    cursor.execute(_TAKEN_SQL, (wait_ms,))
    return bool(cursor.fetchall()[0][0])


def _tell_holder(cursor: Any, tables: list[str], url: str) -> None:
    cursor.execute(_HOLDER_SQL, ("\x01".join(tables),))
    rows = cursor.fetchall()
    if rows:
        relation, pid, application, query, started = rows[0]
        tell_wait(url, str(relation), Blocker(str(relation), int(pid), application, query, started))


def _pause(seconds: float, stopping: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while not stopping():
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))
    raise Stopped
