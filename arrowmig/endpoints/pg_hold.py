"""A run's hold on a PostgreSQL source: every table it reads locked, then one snapshot
exported, both kept from before the first read to after the last (``--verify`` included).

TRUNCATE and the ALTER TABLEs that rewrite a table are not MVCC-safe: a transaction whose
snapshot is older reads the table's new file, empty or partly filled. So, as pg_dump does, the
run locks each table IN ACCESS SHARE MODE, which such statements wait for. Unlike pg_dump, it
locks before its snapshot is taken (LOCK TABLE takes none, and the export is the transaction's
first query): nothing can commit between the two.

The run reads on other connections, and PostgreSQL queues a lock request behind a waiting one:
a read of a table whose ALTER TABLE waits for the holder would wait for that ALTER TABLE, which
waits for the holder, and no one would end the wait (pg_dump -j fails the dump there). So each
reading connection holds the run's advisory lock, shared (``HeldSnapshot.relay_key``), and
while one of them waits for a lock, the holder asks for that advisory lock exclusively for a
moment, in a savepoint. The waits then make a cycle, and PostgreSQL's deadlock check, finding
that the reader's wait is only its place in a queue, moves the reader ahead of the ALTER TABLE:
no one is cancelled, and the application's statement runs once the run ends.

The holder's ADBC connection is in autocommit mode, its transaction begun and ended by hand:
so a statement that fails in a savepoint can be rolled back to it (in the driver's own
transactions it refuses every statement until the whole transaction, and with it the snapshot
and the locks, is rolled back).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arrowmig.endpoints import pg_connect
from arrowmig.endpoints.cancel_guard import CancelGuard
from arrowmig.endpoints.common import lost_connection, short_driver_message, sqlstate_of
from arrowmig.endpoints.pg_partial_reads import unpopulated_in
from arrowmig.endpoints.pg_wire import PIN_SESSION_SQL, own_session
from arrowmig.errors import ArrowmigError, ConnectError, SnapshotLost, StopRequested

if TYPE_CHECKING:
    from arrowmig.endpoints.postgres import PostgresEndpoint

RELAY_NAMESPACE = 0x61726E
"""'arn': the first key of the run's shared advisory lock (run_lock's is 'arm')."""
WAIT_SHOWN_AFTER_S = 3.0
"""A wait for a lock is said (which table, which session holds it) once it lasts this long."""
WAIT_SHOWN_EVERY_S = 30.0
"""...and again at this interval while it lasts."""
_POLL_S = 0.2
_RELAY_POLL_S = 0.5

OnWait = Callable[[str, str], None]
"""Told of a long wait: (table, one line saying what is waited for and who holds it)."""


@dataclass(frozen=True)
class HeldSnapshot:
    """The exported snapshot every reading connection of the run adopts."""

    id: str
    holder_pid: int
    """The backend that holds the locks and the snapshot."""
    lock_wait_s: float
    """The longest a reading connection waits for a lock (a backstop: the relay ends such waits)."""
    unlocked: tuple[str, ...] = ()
    """Tables the user may read by column grants but not lock (LOCK needs SELECT on the table)."""

    @property
    def relay_key(self) -> tuple[int, int]:
        return RELAY_NAMESPACE, self.holder_pid


@dataclass(frozen=True)
class Blocker:
    """A session another waits for: what the waiting one wants, and who is in the way."""

    relation: str
    pid: int
    application: str
    query: str
    query_start: float | None
    """Seconds since the epoch."""

    def said(self) -> str:
        """'pid 123 (psql, query started 10:42:07: 'BEGIN; ALTER TABLE t ...')'."""
        query = " ".join(self.query.split())
        shown = query if len(query) <= 60 else query[:60] + "..."
        parts = [self.application] if self.application else []
        if own_session(self.application):
            parts.insert(0, "this run's own session")
        if self.query_start is not None:
            parts.append(
                f"query started {time.strftime('%H:%M:%S', time.localtime(self.query_start))}"
            )
        head = ", ".join(parts)
        return f"pid {self.pid} ({head}: {shown!r})" if head else f"pid {self.pid} ({shown!r})"


_BLOCKER_SQL = (
    "SELECT l.relation::regclass::text, b.pid, coalesce(a.application_name, ''), "
    "coalesce(a.query, ''), extract(epoch FROM a.query_start)::float8 "
    "FROM pg_locks l CROSS JOIN LATERAL unnest(pg_blocking_pids(l.pid)) AS b(pid) "
    "LEFT JOIN pg_stat_activity a ON a.pid = b.pid "
    "WHERE l.pid = $1 AND NOT l.granted AND l.locktype = 'relation' "
    "ORDER BY b.pid LIMIT 1"
)


def blocker_of(monitor: PostgresEndpoint, pid: int) -> Blocker | None:
    """Who backend ``pid`` waits for, and on which table; None when it waits for none."""
    rows = monitor.execute(_BLOCKER_SQL, (pid,))
    if not rows:
        return None
    relation, blocking, application, query, started = rows[0]
    return Blocker(str(relation), int(blocking), str(application), str(query), started)


@contextlib.contextmanager
def hold_source(
    url: str, relations: list[str], lock_wait_s: float, on_wait: OnWait
) -> Iterator[HeldSnapshot]:
    """Lock ``relations`` (SQL names, schema-qualified) and export a snapshot taken after the
    locks; both are held until the block ends.

    A lock another session holds is waited for up to ``lock_wait_s``, said through
    ``on_wait`` after a few seconds; then the run stops (ConnectError, exit code 2) naming the
    table and the session. A signal meanwhile stops it at once (StopRequested, nothing
    written): the wait runs on a thread of its own, so the main thread stays free to take it.
    """
    holder = _Holder(url, relations, lock_wait_s, on_wait)
    holder.start()
    try:
        held = _wait_for_locks(holder, url, lock_wait_s, on_wait)
    except KeyboardInterrupt:
        holder.stop_now()
        raise StopRequested("SIGINT", nothing_written=True) from None
    except StopRequested as stop:
        holder.stop_now()
        raise StopRequested(stop.signal_name, nothing_written=True) from None
    except BaseException:
        holder.stop_now()
        raise
    try:
        yield held
    finally:
        holder.stop_now()


def _wait_for_locks(holder: _Holder, url: str, lock_wait_s: float, on_wait: OnWait) -> HeldSnapshot:
    started = time.monotonic()
    next_said = WAIT_SHOWN_AFTER_S
    with contextlib.ExitStack() as opened:
        monitor: PostgresEndpoint | None = None

        def blocker() -> Blocker | None:
            nonlocal monitor
            if holder.pid is None:
                return None  # still connecting: no lock asked for yet
            with contextlib.suppress(ArrowmigError):
                if monitor is None:
                    monitor = opened.enter_context(monitor_connection(url))
                return blocker_of(monitor, holder.pid)
            return None

        while not holder.ready.wait(_POLL_S):
            waited = time.monotonic() - started
            if waited >= lock_wait_s:
                found = blocker()
                if holder.ready.is_set():
                    break  # granted while the holder was looked up
                holder.stop_now()
                raise _lock_wait_error(url, found, lock_wait_s)
            if waited >= next_said:
                next_said += WAIT_SHOWN_EVERY_S
                found = blocker()
                if found is not None:
                    on_wait(
                        found.relation,
                        f"waiting for a lock on {found.relation} held by {found.said()}: the "
                        f"run locks every table it reads before reading any; it waits up to "
                        f"{lock_wait_s:.15g} s (--lock-wait-timeout)",
                    )
    if holder.error is not None:
        raise holder.error
    assert holder.held is not None
    return holder.held


def _lock_wait_error(url: str, found: Blocker | None, lock_wait_s: float) -> ConnectError:
    from arrowmig.urls import parse_url

    where = parse_url(url).redacted
    if found is None:
        what = f"could not lock the tables of {where} to read them within {lock_wait_s:.15g} s"
    else:
        what = (
            f"could not lock {found.relation} in {where} to read it: {found.said()} held a "
            f"lock on it for all of --lock-wait-timeout ({lock_wait_s:.15g} s)"
        )
    return ConnectError(
        what,
        hint="end that session's transaction (or SELECT pg_terminate_backend(pid)) and run "
        "again, or let arrowmig wait longer with --lock-wait-timeout SECONDS",
        table=found.relation if found else None,
    )


@contextlib.contextmanager
def monitor_connection(url: str) -> Iterator[PostgresEndpoint]:
    """A connection of its own for looking at who waits for whom (``pg_locks``)."""
    from arrowmig.endpoints.postgres import PostgresEndpoint
    from arrowmig.urls import parse_url

    monitor = PostgresEndpoint(parse_url(url), read_only=True)
    try:
        yield monitor
    finally:
        monitor.close()


class _Holder:
    """The holding connection, on a thread of its own from connect to close: it locks, exports,
    then relays (module docstring) until told to stop."""

    def __init__(self, url: str, relations: list[str], lock_wait_s: float, on_wait: OnWait):
        self.url = url
        self.relations = relations
        self.lock_wait_s = lock_wait_s
        self.on_wait = on_wait
        self.ready = threading.Event()
        """Set once the snapshot is exported, or the holding failed."""
        self.held: HeldSnapshot | None = None
        self.error: BaseException | None = None
        self.pid: int | None = None
        self._stop = threading.Event()
        self._link: _Link | None = None
        self._thread = threading.Thread(target=self._run, name="arrowmig-hold", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop_now(self) -> None:
        """Cancel what the holder waits for, and wait for it to roll back and close."""
        self._stop.set()
        link = self._link
        if link is not None:
            link.cancel()
        self._thread.join()

    def _run(self) -> None:
        from arrowmig.urls import driver_said, parse_url

        url = parse_url(self.url)
        try:
            link = _Link(url.target)
        except Exception as exc:
            said = driver_said(url.target, short_driver_message(exc))
            self.error = ConnectError(
                f"cannot connect to {url.redacted} to lock its tables: {said}",
                hint="check the server and the URL",
            )
            self.ready.set()
            return
        try:
            self.pid = int(link.execute("SELECT pg_backend_pid()")[0][0])
            self._link = link
            if self._stop.is_set():
                return
            # The server's own limit is a backstop for a process killed while it waits (its
            # backend would keep its place in the queue, and the locks it has, until granted).
            snapshot, unlocked = _lock_and_export(
                link, self.relations, int(self.lock_wait_s * 1000) + 2000
            )
            self.held = HeldSnapshot(snapshot, self.pid, self.lock_wait_s, tuple(unlocked))
        except Exception as exc:
            self.error = unpopulated_in(
                short_driver_message(exc), url.redacted, self.relations
            ) or _lock_error(url.redacted, exc, self._stop.is_set())
        finally:
            if self.held is None:
                self.ready.set()
                link.close()
        if self.held is None:
            return
        self.ready.set()
        try:
            self._relay(link)
        finally:
            link.close()

    def _relay(self, link: _Link) -> None:
        """While the run reads: when one of its connections waits for a lock, take part in the
        wait so that PostgreSQL's deadlock check puts it ahead (module docstring); and say a
        wait that lasts anyway."""
        assert self.held is not None
        key = self.held.relay_key
        try:
            window_ms = int(link.execute(_DEADLOCK_TIMEOUT_SQL)[0][0]) + 1000
        except Exception:
            return  # cancelled by a run that ended at once, or the connection is gone
        since: dict[int, float] = {}
        said: dict[int, float] = {}
        with contextlib.ExitStack() as opened:
            monitor: PostgresEndpoint | None = None
            while not self._stop.wait(_RELAY_POLL_S):
                try:
                    waiting = [int(r[0]) for r in link.execute(_READERS_WAITING_SQL, key)]
                    if waiting and not self._stop.is_set():
                        _relay_wait(link, key, window_ms)
                except Exception:
                    return  # the holding connection is gone: the reads say so themselves
                now = time.monotonic()
                since = {pid: since.get(pid, now) for pid in waiting}
                said = {pid: at for pid, at in said.items() if pid in since}
                for pid, began in since.items():
                    last = said.get(pid)
                    due = WAIT_SHOWN_AFTER_S if last is None else last + WAIT_SHOWN_EVERY_S
                    if now - began < due:
                        continue
                    said[pid] = now - began
                    with contextlib.suppress(ArrowmigError):
                        if monitor is None:
                            monitor = opened.enter_context(monitor_connection(self.url))
                        found = blocker_of(monitor, pid)
                        if found is not None:
                            self.on_wait(
                                found.relation,
                                f"a read has waited {now - began:.0f} s for a lock on "
                                f"{found.relation}, held by {found.said()}",
                            )


def snapshot_lost(table: str | None) -> SnapshotLost:
    """The error of a table that cannot be read since the source's server restarted."""
    what = repr(table) if table else "the tables not finished"
    return SnapshotLost(
        "the source's server restarted (or the session holding the run's snapshot ended): "
        f"the snapshot is gone, so {what} cannot be read as of the same moment as the tables "
        "done; not retried",
        hint="the tables done are kept; run the same command with --resume, which keeps them "
        "and goes on with the others after their committed rows, read as the source is then",
        table=table,
    )


def invalid_snapshot(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL refusing a snapshot that no session exports any more."""
    return "invalid snapshot identifier" in str(exc)


def snapshot_gone(conninfo: str, snapshot: str) -> bool:
    """Whether ``snapshot`` can no longer be read from: the server refuses connections as it
    restarts (every session, the holder's too, ended with it), or no longer knows the
    snapshot. A reading session ended alone (``pg_terminate_backend``) leaves it, and a
    retry reads on; a server that cannot be asked (a network cut) is not taken for gone."""
    try:
        conn = pg_connect.connect(conninfo, autocommit=True)
    except Exception as exc:
        return _restarting(exc)
    try:
        with conn.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            cursor.execute("ROLLBACK")
        return False
    except Exception as exc:
        return invalid_snapshot(exc) or _restarting(exc)
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _restarting(exc: BaseException) -> bool:
    """The server is shutting down, starting up, recovering, or not listening."""
    said = str(exc)
    return lost_connection(exc) or "Connection refused" in said or "the database system is" in said


HOLD_APPLICATION_NAME = "arrowmig-hold"
"""How the holding connection shows in pg_stat_activity."""

_LOCKABLE_SQL = (
    "SELECT q.name, c.relkind::text, has_table_privilege(c.oid, 'SELECT') "
    "FROM json_array_elements_text($1::json) WITH ORDINALITY AS q(name, n) "
    "JOIN pg_class c ON c.oid = to_regclass(q.name) ORDER BY q.n"
)
"""Each relation of a JSON list of SQL names: its kind, and whether this user may lock it."""
_DEADLOCK_TIMEOUT_SQL = (
    "SELECT (extract(epoch FROM current_setting('deadlock_timeout')::interval) * 1000)::int8"
)
_READERS_WAITING_SQL = (
    "SELECT DISTINCT w.pid FROM pg_locks k JOIN pg_locks w ON w.pid = k.pid AND NOT w.granted "
    "WHERE k.locktype = 'advisory' AND k.granted AND k.classid::int8 = $1 "
    "AND k.objid::int8 = $2 AND k.objsubid = 2"
)
"""The run's reading connections (holding its advisory lock, shared) that wait for a lock."""


class _Link:
    """The holder's ADBC connection, in autocommit mode: its transaction is begun and ended by
    its own statements (module docstring)."""

    def __init__(self, conninfo: str) -> None:
        self._conn = pg_connect.connect(conninfo, autocommit=True)
        self._cursor = self._conn.cursor()
        self._cancels = CancelGuard(self._cursor)
        try:
            self.execute(PIN_SESSION_SQL)
            self.execute(f"SET application_name = '{HOLD_APPLICATION_NAME}'")
        except BaseException:
            self.close()
            raise

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(sql, params or None)
        rows: list[tuple[Any, ...]] = self._cursor.fetchall() if self._cursor.description else []
        return rows

    def cancel(self) -> None:
        """Cancel the statement running (from another thread: ``stop_now``, which may come
        while the holder's thread closes the link on its own)."""
        self._cancels.cancel()

    def close(self) -> None:
        """End the transaction (the locks, the snapshot) and the connection."""
        self._cancels.stop_cancels()
        with contextlib.suppress(Exception):
            self._cursor.execute("ROLLBACK")
        with contextlib.suppress(Exception):
            self._cursor.close()
        with contextlib.suppress(Exception):
            self._conn.close()


def _lock_and_export(link: _Link, relations: list[str], timeout_ms: int) -> tuple[str, list[str]]:
    """Lock ``relations`` IN ACCESS SHARE MODE in a new repeatable-read transaction, then
    export its snapshot, which is taken only then: what committed before a lock was granted is
    in it, and no TRUNCATE or ALTER TABLE touches those tables until the transaction ends.

    Returns the snapshot, and the tables this user reads by column grants but may not lock
    (LOCK needs SELECT on the table). A materialized view, which LOCK TABLE refuses, is locked
    by a read of no rows right after the export."""
    kinds = link.execute(_LOCKABLE_SQL, (json.dumps(relations),))
    lock = [str(n) for n, kind, may in kinds if may and kind in ("r", "p", "v")]
    read = [str(n) for n, kind, may in kinds if may and kind == "m"]
    unlocked = [str(n) for n, kind, may in kinds if not may and kind in ("r", "p", "m")]
    # Utility statements, all, before the export: the snapshot is not taken until it.
    link.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    link.execute(f"SET LOCAL lock_timeout = {int(timeout_ms)}")
    if lock:
        link.execute(f"LOCK TABLE {', '.join(lock)} IN ACCESS SHARE MODE")
    snapshot = str(link.execute("SELECT pg_export_snapshot()")[0][0])
    link.execute("SET LOCAL lock_timeout = 0")
    for name in read:
        link.execute(f"SELECT 1 FROM {name} LIMIT 0")
    return snapshot, unlocked


def _relay_wait(link: _Link, key: tuple[int, int], timeout_ms: int) -> None:
    """Ask for the run's advisory lock exclusively, for up to ``timeout_ms``, then give it back:
    the waiting reader holds it shared, so meanwhile the holder waits for the reader, and
    PostgreSQL's deadlock check can put the reader ahead of a request that waits for the
    holder. In a savepoint: the lock's timeout (or a cancel) must not end the transaction that
    holds the snapshot and the locks."""
    link.execute("SAVEPOINT arrowmig_relay")
    try:
        link.execute(f"SET LOCAL lock_timeout = {int(timeout_ms)}")
        link.execute("SELECT pg_advisory_xact_lock($1::int4, $2::int4)", key)
    except Exception as exc:
        if lost_connection(exc):
            raise
        # the timeout: the wait it was for is over, or is not of this kind
    link.execute("ROLLBACK TO SAVEPOINT arrowmig_relay")


def _lock_error(where: str, exc: Exception, stopping: bool) -> ArrowmigError:
    """The holder's own failure: a table dropped meanwhile, a deadlock with the application."""
    state = sqlstate_of(exc)
    hint = "run again"
    if state == "40P01":
        hint = (
            "another session asked for a lock on a table the run had locked while holding one "
            "it waits for: run again once that session is done"
        )
    elif state == "42P01":
        hint = "a table of the run was dropped meanwhile: run again"
    elif state == "42501":  # insufficient_privilege: revoked since the run checked it
        hint = (
            "grant this user what the server names (GRANT USAGE ON SCHEMA, GRANT SELECT ON the "
            "table), or leave the table out with --exclude; arrowmig plan names every GRANT "
            "missing"
        )
    elif state == "53200":  # out of shared memory: one lock per table, as pg_dump takes them
        hint = (
            "the server's lock table is too small for a lock on every table of the run: raise "
            "max_locks_per_transaction (as pg_dump needs), or move the tables in several runs "
            "(--tables)"
        )
    said = short_driver_message(exc)
    error = ConnectError(f"cannot lock the tables of {where} to read them: {said}", hint=hint)
    if stopping:
        error.message = f"stopped while locking the tables of {where} to read them"
    return error
