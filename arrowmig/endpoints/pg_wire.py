"""PostgreSQL's COPY protocol at the libpq level, for moving rows between two PostgreSQL
databases without decoding them.

ADBC decodes a COPY into Arrow and encodes Arrow into a COPY; between two servers of one
major version with the same column types, the binary COPY one sends is what the other
takes. The rows then pass through untouched, one CopyData message per row (the server's
own framing), which is what ``direct_copy`` relies on to count rows and commit between
them. psycopg's ``pq`` module is the libpq binding.

Statements (``exec_``) wait for the server without the GIL, but psycopg's COPY calls and
``get_result`` hold it while libpq waits: a COPY of 100,000 rows then froze every other
thread of the run (the reader feeding it, the other stream) for as long as the server took to
take it. So the connection is non-blocking, and every wait during a COPY is a ``select``,
which lets the other threads run.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import struct
from collections.abc import Generator, Iterator
from typing import Any

BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
"""The 19 bytes a binary COPY starts with: signature, flags, header extension length."""
BINARY_TRAILER = b"\xff\xff"
"""A binary COPY ends with a field count of -1."""

APPLICATION_NAME = "arrowmig-copy"
"""How these connections show in pg_stat_activity (with the process: ``session_name``)."""

PINNED_SETTINGS = (
    ("DateStyle", "ISO"),
    ("IntervalStyle", "postgres"),
    ("extra_float_digits", "3"),
    ("TimeZone", "UTC"),
    ("statement_timeout", "0"),
    ("lock_timeout", "0"),
    ("idle_in_transaction_session_timeout", "0"),
    ("bytea_output", "hex"),
)
"""The session settings every arrowmig connection to PostgreSQL sets, as pg_dump does (and
UTC): values that travel as text (ranges, arrays as JSON, geometric types, a --cast to text)
are written by the server in the session's style, so a DateStyle of 'SQL, DMY' or an
extra_float_digits of 0 from ALTER DATABASE/ROLE, postgresql.conf or PGOPTIONS would swap
days and months or drop digits, and a time zone would make the text depend on the run.
A DBA's timeouts would cancel the read of a big table, or end the idle session that holds
the run's snapshot; a target's batches and locks get --batch-timeout instead."""

CLIENT_ENCODING_SQL = (
    "set_config('client_encoding', CASE current_setting('server_encoding') "
    "WHEN 'SQL_ASCII' THEN 'SQL_ASCII' ELSE 'UTF8' END, false)"
)
"""Text travels in UTF-8 whatever the database's encoding (as pg_dump --encoding UTF8 would):
the drivers, Arrow and DuckDB take every byte as UTF-8, so in the database's own encoding a
LATIN1 database's 'café' arrived as invalid UTF-8 (and its 'Ã©' as 'é'), and UTF-8 written
into it was stored as its bytes ('cafÃ©'). The server converts instead, and refuses a
character the database's encoding cannot hold. A SQL_ASCII database declares no encoding: its
bytes are what they are, and the server would refuse to send one that is not UTF-8 without
naming its row; so they travel as they are, and arrowmig checks them as UTF-8 value by value."""

NO_IDLE_TIMEOUT_SQL = (
    "(SELECT set_config(name, '0', false) FROM pg_settings WHERE name = 'idle_session_timeout')"
)
"""PostgreSQL 14's ``idle_session_timeout`` (an ALTER DATABASE/ROLE or postgresql.conf
setting) ends a session idle outside a transaction: the one that holds the run's table locks
(``run_lock``) went unseen, and a second run was let in. Off, where the server has it (an
older one would refuse a ``set_config`` of a setting it does not know)."""

PIN_SESSION_SQL = "SELECT " + ", ".join(
    [CLIENT_ENCODING_SQL, NO_IDLE_TIMEOUT_SQL]
    + [f"set_config('{name}', '{value}', false)" for name, value in PINNED_SETTINGS]
)
"""One statement (one round trip) that pins them for the rest of the session, once it commits."""


PROCESS_TOKEN = secrets.token_hex(4)
"""Drawn once per process, in its sessions' names with its pid: processes in two containers
(or hosts) often share a pid (1 most often), and a run then took another's sessions, or
its lock, for its own."""


def session_name(kind: str) -> str:
    """A session's application_name, naming the process: a run's watch on its target's locks
    (``target_locks``) tells its own sessions from another run's."""
    return f"{kind} pid {os.getpid()} run {PROCESS_TOKEN}"


def own_session(application: str) -> bool:
    """Whether a session named ``application`` is one of this process's (``session_name``):
    a lock it holds is the run's own, which a message must not call another session's."""
    return application.endswith(session_name(""))


def named_session_sql(settings_sql: str, kind: str) -> str:
    """``settings_sql`` (a ``SELECT set_config(...), ...``) that also names the session."""
    return f"{settings_sql}, set_config('application_name', '{session_name(kind)}', false)"


class WireError(Exception):
    """A statement that failed on the server, or a connection that broke."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class WireConnection:
    """One libpq connection: plain statements, and COPY in and out as raw messages."""

    def __init__(self, conninfo: str) -> None:
        from psycopg import pq

        self._pq = pq
        self._conn = pq.PGconn.connect(conninfo.encode())
        if self._conn.status != pq.ConnStatus.OK:
            message = self._conn.error_message.decode(errors="replace").strip()
            self._conn.finish()
            raise WireError(message or "cannot connect", "08001")
        # Statements still wait as before (PQexec ignores the mode); COPY data is queued, and
        # sent as the socket takes it, in _flush.
        self._conn.nonblocking = 1
        # Made here, on the connection's own thread: a cancel request needs only the
        # server's address and the backend's key, and stays valid after the close.
        self._canceller = self._conn.get_cancel()
        # Text inside a binary COPY travels in the client encoding (PIN_SESSION_SQL).
        self.execute(named_session_sql(PIN_SESSION_SQL, APPLICATION_NAME))

    def close(self) -> None:
        self._conn.finish()

    def cancel(self) -> None:
        """Ask the server to cancel the statement running (from any thread; after the close,
        a request for a session gone, which the server ignores)."""
        with contextlib.suppress(Exception):
            self._canceller.cancel()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[str | None, ...]]:
        """Run a statement; its rows as text. Parameters go apart from the SQL, as text."""
        with self._lost_as_wire_error():
            if params:
                result = self._conn.exec_params(sql.encode(), [_text_param(p) for p in params])
            else:
                result = self._conn.exec_(sql.encode())
        self._check(result, (self._pq.ExecStatus.COMMAND_OK, self._pq.ExecStatus.TUPLES_OK))
        return [
            tuple(
                None if (v := result.get_value(r, c)) is None else bytes(v).decode()
                for c in range(result.nfields)
            )
            for r in range(result.ntuples)
        ]

    def copy_out_runs(
        self, sql: str, run_bytes: int
    ) -> Generator[tuple[list[memoryview], int, bool], int, None]:
        """``COPY (...) TO STDOUT``: its CopyData messages (one row each; the first also holds
        the header, the last is the trailer) gathered into runs of about ``run_bytes``, each of
        at most the number of messages the caller ``send``s for it (prime with ``next``).

        Each run comes with its size in bytes and whether it is the last (then possibly
        empty: the COPY's end is known only after its last message). Gathering here, in one tight loop, is what a
        PostgreSQL to PostgreSQL copy costs per row in Python: a generator step and a list
        append per row cost more than libpq's own call (20,000,000 narrow rows).
        """
        with self._lost_as_wire_error():
            started = self._conn.exec_(sql.encode())
        self._check(started, (self._pq.ExecStatus.COPY_OUT,))
        from psycopg import Error

        get = self._conn.get_copy_data
        run: list[memoryview] = []
        size = 0
        limit = yield [], 0, False
        while True:
            # A broken connection is caught around the call, not by a context manager per row.
            try:
                got, data = get(1)
            except Error as exc:
                raise self._broken() from exc
            if got > 0:
                run.append(data)
                size += got
                if size >= run_bytes or len(run) >= limit:
                    limit = yield run, size, False
                    run, size = [], 0
            elif got == 0:
                self._wait_readable()
            else:
                break
        self._check(self._result(), (self._pq.ExecStatus.COMMAND_OK,))
        self._drain()
        yield run, size, True  # the COPY is over: the caller need not resume this

    def copy_in(self, sql: str) -> None:
        """Start ``COPY ... FROM STDIN``; rows follow with ``put``, then ``end_copy``."""
        with self._lost_as_wire_error():
            started = self._conn.exec_(sql.encode())
        self._check(started, (self._pq.ExecStatus.COPY_IN,))

    def put(self, data: bytes | memoryview) -> None:
        """Send COPY data; returns once the socket took it (libpq keeps no backlog)."""
        with self._lost_as_wire_error():
            sent = self._conn.put_copy_data(data)
        if sent != 1:
            raise self._broken()
        self._flush()

    def end_copy(self, error: str | None = None) -> int:
        """End the COPY (or abort it with ``error``); the rows it took."""
        while True:
            with self._lost_as_wire_error():
                sent = self._conn.put_copy_end(error.encode() if error else None)
            if sent != 0:
                break
            self._wait(write=True)
        if sent != 1:
            raise self._broken()
        self._flush()
        result = self._result()
        self._drain()
        self._check(result, (self._pq.ExecStatus.COMMAND_OK,))
        assert result is not None
        return int(result.command_tuples or 0)

    def _flush(self) -> None:
        """Send what libpq has queued, reading what the server says meanwhile (an error
        mid-COPY), as libpq asks of a non-blocking connection."""
        while True:
            with self._lost_as_wire_error():
                pending = self._conn.flush()
            if pending != 1:
                break
            if self._wait(write=True):
                self._consume()
        if pending < 0:
            raise self._broken()

    def _result(self) -> Any:
        """The next result, waited for without the GIL."""
        self._consume()
        while self._conn.is_busy():
            self._wait_readable()
            self._consume()
        return self._conn.get_result()

    def _consume(self) -> None:
        try:
            self._conn.consume_input()
        except Exception as exc:
            raise self._broken() from exc

    def _wait_readable(self) -> None:
        self._wait(write=False)
        self._consume()

    def _wait(self, *, write: bool) -> bool:
        """Wait until the socket is readable (or, with ``write``, writable); whether it is
        readable. ``select`` releases the GIL."""
        fd = self._conn.socket
        readable, _, _ = select.select([fd], [fd] if write else [], [])
        return bool(readable)

    def _drain(self) -> None:
        while self._result() is not None:
            pass

    def _check(self, result: Any, expected: tuple[Any, ...]) -> None:
        if result is not None and result.status in expected:
            return
        if result is None or self._conn.status != self._pq.ConnStatus.OK:
            raise self._broken()
        field = self._pq.DiagnosticField
        state = result.error_field(field.SQLSTATE)
        message = bytes(result.error_field(field.MESSAGE_PRIMARY) or result.error_message)
        # The server's DETAIL names what failed (a repeated key's value), as the ADBC
        # driver's messages do: short_driver_message keeps it, and the hints read it.
        detail = result.error_field(field.MESSAGE_DETAIL)
        text = message.decode(errors="replace").strip()
        if detail:
            text += "\nDETAIL: " + bytes(detail).decode(errors="replace").strip()
        self._drain()
        raise WireError(text, bytes(state).decode() if state else None)

    @contextlib.contextmanager
    def _lost_as_wire_error(self) -> Iterator[None]:
        """psycopg's libpq calls raise its own OperationalError when the connection breaks
        under them (a backend terminated mid-COPY: "sending copy data failed"): it becomes a
        lost connection (08006), which the run retries from the last committed key."""
        from psycopg import Error

        try:
            yield
        except Error as exc:
            raise self._broken() from exc

    def _broken(self) -> WireError:
        text = self._conn.error_message.decode(errors="replace").strip()
        return WireError(text or "the connection to the server was lost", "08006")


def _text_param(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return b"true" if value else b"false"
    return str(value).encode()
