"""One arrowmig run at a time per target table.

Two runs into the same tables would share their staging tables (named after the table) and
checkpoints: two replaces of a keyless table wrote into each other's staging table and left
it with the rows of both, one of them reporting "done". So a run takes, before it writes
anything, a lock that a second run cannot take, held until it ends (the process ending, a
kill -9 included, releases it):

- PostgreSQL: a session advisory lock per target table, on a connection of its own;
- SQLite: an exclusive ``flock`` on the database file (SQLite locks with ``fcntl`` locks,
  which ``flock`` does not touch; a SQLite file has one writer anyway);
- DuckDB: DuckDB itself lets one process have a file it writes, while a connection is open:
  the run keeps one open from its first to its end (``target_kept_open``). That keeps other
  processes out, not a second run of the same one (threads of a service): the file's real
  path is held in the process too (``_in_process_lock``).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from arrowmig.endpoints.duckdb_closing import FileClosing
from arrowmig.endpoints.pg_wire import CLIENT_ENCODING_SQL, NO_IDLE_TIMEOUT_SQL, PROCESS_TOKEN
from arrowmig.endpoints.postgres_catalog import names_json
from arrowmig.endpoints.sqlite_locks import file_id
from arrowmig.errors import LOCK_LOST, LOCK_LOST_SQLSTATE, TransientError, UsageError
from arrowmig.names import shown as shown_in
from arrowmig.schema import quote_literal
from arrowmig.urls import parse_url

_NAMESPACE = 0x61726D  # 'arm': the first key of arrowmig's advisory locks
_OURS = (
    "locktype = 'advisory' AND granted AND objsubid = 2 AND classid = "
    f"{_NAMESPACE}::oid AND database = (SELECT oid FROM pg_database "
    "WHERE datname = current_database())"
)
"""An arrowmig advisory lock of this database (two int4 keys: ``objsubid`` 2)."""
_LOST = "this run no longer holds its lock"
"""What both checks' messages (``check_sql``, ``batch_check_sql``) begin with."""
_HINT = "wait for the other run to end, or stop it (a stopped run goes on with --resume)"


@dataclass(frozen=True)
class TablesHeld:
    """A run's hold on its target tables, as each batch and each put in place checks it."""

    session: int | None = None
    """The PostgreSQL session (backend pid) that holds the run's advisory locks; None where
    the hold is not a PostgreSQL lock (or the server refused it)."""
    schema: str = ""
    name: str = ""
    """The lock session's ``application_name`` (``lock_session_name``)."""
    regain: Callable[[], bool] | None = field(default=None, compare=False)
    """Whether the run may go on: its lock session answers, or a new one took the locks
    again (or the server cannot be reached to tell); False once another run holds one."""

    def check_sql(self, table: str) -> str | None:
        """A statement that fails, naming the lost lock, unless the run's lock session still
        holds ``table``: run in the transaction that puts the table in place. The session
        can be gone (a server restart, ``pg_terminate_backend``) with the run still going,
        and another run then let in on the same tables: both would put them in place."""
        if self.session is None:
            return None
        return self._raise_unless(
            f"objid = hashtext(current_database() || '/' || "
            f"{quote_literal(f'{self.schema}.{table}')})::oid",
            f"this run no longer holds its lock on table {shown_in(self.schema, table)!r} "
            f"({self._gone()}), so "
            "another run may be writing it: not put in place; once no other run writes it, "
            "--resume puts it in place",
        )

    def taken_again(self, error: Exception, what: str, table: str) -> Exception:
        """``error``, of a transaction that ran ``check_sql``; one of a lost lock that
        ``regain`` took again (its session ended, no other run let in meanwhile) is transient,
        to be retried. Batches take it again as they commit; a table put in place after its
        last batch (all sessions of the database ended by ``pg_terminate_backend``) failed,
        exit 1, with no other run there."""
        lost = getattr(error, "sqlstate", None) == LOCK_LOST_SQLSTATE and _LOST in str(error)
        if lost and self.regain is not None and self.regain():
            return TransientError(
                f"{what}: {LOCK_LOST} (its session was ended): taking them again", table=table
            )
        return error

    def batch_check_sql(self) -> str | None:
        """A statement that fails unless the run's lock session still holds its locks: run
        in every batch's transaction, so that a run that lost its lock commits no more rows
        (another run let in meanwhile writes the same staging tables: both runs' rows ended
        in one, and its key was refused as duplicated). Unless ``regain`` gets them back, the
        run then stops (``lost``)."""
        if self.session is None:
            return None
        return self._raise_unless("true", f"{LOCK_LOST} ({self._gone()}): batch not committed")

    def lost(self) -> bool:
        """Whether the run lost its locks for good (a round trip on its lock session, and
        another taking them again where it is gone): the run then stops before its wrap-up,
        which would write where another run may be writing."""
        return self.regain is not None and not self.regain()

    def _gone(self) -> str:
        return (
            f"the session that held it, pid {self.session}, is gone: a server restart, a "
            "terminated backend or a lost connection"
        )

    def _raise_unless(self, held: str, message: str) -> str:
        message = quote_literal(message)
        tag = "$arrowmig_lock$"
        while tag in held + message:
            tag = tag[:-1] + "_$"
        return (
            # By the lock session's name, not its pid: a session that took the locks again
            # (``regain``) holds them for the run as well. The name holds the process's
            # token, which another run's (in another container, of the same pid) does not.
            f"DO {tag} BEGIN IF NOT EXISTS (SELECT 1 FROM pg_locks JOIN pg_stat_activity "
            f"USING (pid) WHERE application_name = {quote_literal(self.name)} "
            f"AND {_OURS} AND {held}) "
            f"THEN RAISE EXCEPTION USING ERRCODE = '{LOCK_LOST_SQLSTATE}', MESSAGE = {message}; "
            f"END IF; END {tag}"
        )


@contextlib.contextmanager
def exclusive_tables(target: str, schema: str | None, tables: list[str]) -> Iterator[TablesHeld]:
    """Hold the target's ``tables`` for this run; refuse (exit 2) when another run holds one."""
    url = parse_url(target)
    if url.kind == "postgresql":
        with _postgres_locks(url.target, schema or "public", tables, url.redacted) as held:
            yield held
    elif url.kind == "sqlite" and os.path.exists(url.target):
        with _file_lock(url.target, url.redacted):
            yield TablesHeld()
    elif url.kind == "duckdb":
        with _in_process_lock(url.target, url.redacted):
            yield TablesHeld()
    else:
        yield TablesHeld()


@contextlib.contextmanager
def target_kept_open(target: str) -> Iterator[FileClosing]:
    """A DuckDB target kept open by the run from the first connection it opens to its end.
    The run closes its connections between planning, loading and finishing: a second run
    that opened the file in between had it, and the first failed midway (or both did).
    What yields says, once the block has ended, whether the file's closing checkpoint failed."""
    url = parse_url(target)
    if url.kind != "duckdb":
        yield FileClosing()
        return
    from arrowmig.endpoints.duckdb import kept_open

    with kept_open(url.target) as closing:
        yield closing


@contextlib.contextmanager
def _postgres_locks(
    conninfo: str, schema: str, tables: list[str], shown: str
) -> Iterator[TablesHeld]:
    # On the ADBC driver the target loads anyway (psycopg would add 0.14 s of imports to
    # every run into PostgreSQL), from the database the run's other connections share.
    try:
        from arrowmig.endpoints import pg_connect

        conn = pg_connect.connect(conninfo, autocommit=True)
    except Exception:
        # The server refuses: the run's own connections say what is wrong with it; the run
        # goes on without the lock.
        yield TablesHeld()
        return
    keys = [f"{schema}.{table}" for table in tables]
    sessions = [conn]  # the one holding the locks last; each closed at the end
    guard = threading.Lock()

    def regain() -> bool:
        """Whether the run may go on: its session answers, or (ended by a server restart, a
        terminated backend, a lost connection) a new one took its locks again, which it
        cannot while another run holds one: that run was let in meanwhile. A server that
        cannot be reached cannot tell: the run's own connections fail on it, and say so."""
        with guard:
            with contextlib.suppress(Exception), sessions[-1].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
                return True
            try:
                again = pg_connect.connect(conninfo, autocommit=True)
            except Exception:
                return True
            try:
                with again.cursor() as cursor:
                    _take(cursor, keys)
                    refused = cursor.fetchone()
            except Exception:
                # Not a refusal: the connection or the server failed, which cannot tell
                # either (the run's own connections meet it).
                with contextlib.suppress(Exception):
                    again.close()
                return True
            if refused is None:
                sessions.append(again)
                return True
            with contextlib.suppress(Exception):
                again.close()  # letting go of those it took
            return False

    try:
        with conn.cursor() as cursor:
            session = _take(cursor, keys)
            refused = cursor.fetchone()
            if refused is not None:
                table = tables[int(refused[0]) - 1]
                # With its schema: runs into other schemas of the database go on side by side.
                raise UsageError(
                    f"another arrowmig run is writing table {shown_in(schema, table)!r} of {shown}"
                    + _holder(cursor, keys[int(refused[0]) - 1]),
                    hint=_HINT,
                    table=table,
                )
        yield TablesHeld(session, schema, lock_session_name(os.getpid(), PROCESS_TOKEN), regain)
    finally:
        for each in sessions:
            with contextlib.suppress(Exception):
                each.close()


def _take(cursor: Any, keys: list[str]) -> int:
    """Try this session's advisory lock on each of ``keys``; returns the session's pid, and
    leaves for ``fetchone`` the position of the first key refused (None: all taken)."""
    # The lock's key hashes the table's name as the server holds it: sent as every
    # arrowmig session sends text, so that any run hashes a non-ASCII name alike (and never
    # ended by the server for idling: the locks would go with it, unseen). Set
    # before the statement that sends the names (its parameters are converted as they
    # arrive), with the session's name in the same round trip.
    cursor.execute(
        f"SELECT {CLIENT_ENCODING_SQL}, {NO_IDLE_TIMEOUT_SQL}, "
        f"set_config('application_name', '{lock_session_name(os.getpid(), PROCESS_TOKEN)}', "
        "false), "
        "pg_backend_pid()"
    )
    session = int(cursor.fetchone()[-1])
    # Every table's lock in one statement (a round trip each cost seconds for 2,000
    # tables); the first refused is named. Closing the connection lets go of the rest.
    cursor.execute(
        "SELECT k.n FROM json_array_elements_text($2::json) WITH ORDINALITY AS k(t, n) "
        "WHERE NOT pg_try_advisory_lock($1::int, hashtext(current_database() || '/' || k.t)) "
        "ORDER BY k.n LIMIT 1",
        (_NAMESPACE, names_json(keys)),
    )
    return session


def lock_session_name(pid: int, token: str | None) -> str:
    """The application_name of the session that holds a run's locks: it names the run's
    process (its pid and ``PROCESS_TOKEN``), so that ``arrowmig status`` can tell a live run
    from a dead one. Runs of older versions recorded no token."""
    return f"arrowmig-lock pid {pid}" + (f" run {token}" if token else "")


def holds_lock(endpoint: Any, pid: int, token: str | None) -> bool:
    """Whether the run of process ``pid`` (on this host, or any for PostgreSQL, where its
    ``token`` tells it from another host's of the same pid) still holds its lock on the
    target ``endpoint``: it is running; else it died or was stopped."""
    if endpoint.dialect == "postgresql":
        rows = endpoint.execute(
            "SELECT 1 FROM pg_stat_activity a JOIN pg_locks l USING (pid) "
            f"WHERE a.datname = current_database() AND a.application_name = $1 AND {_OURS}",
            (lock_session_name(pid, token),),
        )
        return bool(rows)
    if not _process_alive(pid):
        return False
    if endpoint.dialect == "sqlite":
        return _file_locked(endpoint.url.target)
    return True  # DuckDB: a live writer keeps others from opening the file at all


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _file_locked(path: str) -> bool:
    import fcntl

    try:
        with open(path, "rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def _holder(cursor: Any, key: str) -> str:
    """' (arrowmig pid N, from HOST; PostgreSQL backend pid M)' of the run that holds the lock
    on ``key``, when it can be seen. The backend's pid alone read as the run's process: a user
    told to stop the run would have killed a PostgreSQL backend (with SIGKILL, a restart of
    the whole server) and left the run going."""
    with contextlib.suppress(Exception):
        cursor.execute(
            "SELECT l.pid, a.application_name, host(a.client_addr) FROM pg_locks l "
            f"LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE {_OURS} "
            "AND l.objid = hashtext(current_database() || '/' || $1)::oid LIMIT 1",
            (key,),
        )
        row = cursor.fetchone()
        if row:
            backend = f"PostgreSQL backend pid {row[0]}"
            process = re.match(r"arrowmig-lock pid (\d+)", row[1] or "")
            if process is None:
                return f" ({backend})"
            where = f", from {row[2]}" if row[2] else ""
            return f" (arrowmig pid {process[1]}{where}; {backend})"
    return ""


@contextlib.contextmanager
def _file_lock(path: str, shown: str) -> Iterator[None]:
    import fcntl

    with open(path, "rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"another arrowmig run is writing {shown}" + _flock_holder(handle.fileno()),
                hint=_HINT,
            ) from None
        yield


_held_here: set[str] = set()
"""DuckDB files a run of this process writes, by real path."""
_held_guard = threading.Lock()


@contextlib.contextmanager
def _in_process_lock(path: str, shown: str) -> Iterator[None]:
    # Two runs of one process share its DuckDB connection to the file (``kept_open``), so
    # DuckDB's own lock lets both in: both replaced into one staging table, and failed with
    # a duplicate key, leaving it behind.
    key = os.path.realpath(path)
    with _held_guard:
        if key in _held_here:
            raise UsageError(
                f"another arrowmig run is writing {shown} (pid {os.getpid()})",
                hint=_HINT,
            )
        _held_here.add(key)
    try:
        yield
    finally:
        with _held_guard:
            _held_here.discard(key)


def _flock_holder(fd: int) -> str:
    """' (pid N)' of the process holding the exclusive ``flock`` on the open file ``fd``, as
    Linux lists it in /proc/locks (device as hex major:minor, then the inode); '' where that
    is not to be read (another system) or the holder let go meanwhile."""
    where = file_id(os.fstat(fd))
    with contextlib.suppress(OSError), open("/proc/locks") as locks:
        for line in locks:
            # "1: FLOCK  ADVISORY  WRITE 4711 fe:00:2148417 0 EOF"; a waiter's line has "->".
            fields = line.split()
            if fields[1:4] == ["FLOCK", "ADVISORY", "WRITE"] and fields[5:6] == [where]:
                return f" (pid {fields[4]})"
    return ""
