"""A run's watch on its PostgreSQL target: a statement of the run that has waited a few seconds
for a lock another session holds is said once, with that session, as a source's lock is. A wait
the run keeps in short tries (``pg_alone``) is told here by the waiting code itself."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from arrowmig.endpoints.pg_hold import WAIT_SHOWN_AFTER_S, Blocker, monitor_connection
from arrowmig.endpoints.pg_wire import APPLICATION_NAME, session_name
from arrowmig.endpoints.watch_thread import watch_thread
from arrowmig.errors import ArrowmigError

OnWait = Callable[[str, Blocker], None]
"""Told the table waited for (its name, unquoted) and the session in the way."""

_POLL_S = 1.0
_JOIN_S = 15.0

_LISTENING: dict[str, list[OnWait]] = {}
"""The watches under way, by their target's libpq URI (``EndpointUrl.target``)."""
_LISTENING_LOCK = threading.Lock()


def tell_wait(url: str, relation: str, blocker: Blocker) -> None:
    """Tell the watches of target ``url`` (a libpq URI) of a wait the run's own code keeps in
    short tries: each try is a statement a moment old, which the watch does not count as a
    wait (``pg_alone``)."""
    with _LISTENING_LOCK:
        listeners = list(_LISTENING.get(url, ()))
    for listener in listeners:
        listener(relation, blocker)


_WAITING_SQL = (
    "SELECT c.relname::text, b.pid, coalesce(a.application_name, ''), "
    "coalesce(a.query, ''), extract(epoch FROM a.query_start)::float8 "
    "FROM pg_stat_activity w JOIN pg_locks l ON l.pid = w.pid "
    "JOIN pg_class c ON c.oid = l.relation "
    "CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS b(pid) "
    "LEFT JOIN pg_stat_activity a ON a.pid = b.pid "
    "WHERE w.datname = current_database() AND w.application_name IN ($1, $2) "
    "AND w.wait_event_type = 'Lock' AND NOT l.granted AND l.locktype = 'relation' "
    "AND w.query_start < now() - make_interval(secs => $3) "
    "ORDER BY l.relation, b.pid"
)
"""The run's own sessions (``session_name``) waiting that long for a table's lock, and who
holds it up (the first of them, as ``pg_hold`` says it). The table by its name, as the run
names it (as regclass, '"Quo""ted"' or 'sch.t')."""


@contextlib.contextmanager
def watching_target_locks(url: str, on_wait: OnWait) -> Iterator[None]:
    """While inside, every ``_POLL_S`` from ``WAIT_SHOWN_AFTER_S`` on, a thread asks the target
    which of this process's sessions wait for a lock; each table and session in the way is
    told to ``on_wait`` once. The statement itself waits as before (up to --batch-timeout):
    this only says why the run is quiet. Its connection is opened only once the run has gone
    on that long, and a failure of the watch is not the run's (the run meets it itself).
    Waits told by ``tell_wait`` go to ``on_wait`` too, once each alike."""
    from arrowmig.endpoints.postgres import WRITING
    from arrowmig.urls import parse_url

    names = (session_name(WRITING), session_name(APPLICATION_NAME))
    said: set[tuple[str, int]] = set()
    said_lock = threading.Lock()
    ended = threading.Event()

    def tell(relation: str, blocker: Blocker) -> None:
        with said_lock:
            if (relation, blocker.pid) in said or ended.is_set():
                return
            said.add((relation, blocker.pid))
        on_wait(relation, blocker)

    def watch(stop: threading.Event) -> None:
        if stop.wait(WAIT_SHOWN_AFTER_S):
            return
        with contextlib.suppress(ArrowmigError), monitor_connection(url) as monitor:
            while not stop.is_set():
                for row in monitor.execute(_WAITING_SQL, (*names, WAIT_SHOWN_AFTER_S)):
                    relation, pid, application, query, started = row
                    if not stop.is_set():
                        tell(relation, Blocker(relation, pid, application, query, started))
                stop.wait(_POLL_S)

    # Ended before the call ends: its connection is of the driver database the call shares
    # (pg_connect), which the call's end releases. A poll in flight ends in milliseconds; a
    # connect to a server gone quiet within its connect_timeout.
    key = parse_url(url).target
    with _LISTENING_LOCK:
        _LISTENING.setdefault(key, []).append(tell)
    try:
        with watch_thread("arrowmig-target-locks", watch, _JOIN_S):
            yield
    finally:
        ended.set()
        with _LISTENING_LOCK:
            _LISTENING[key].remove(tell)
            if not _LISTENING[key]:
                del _LISTENING[key]
