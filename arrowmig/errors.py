"""The one exception tree of arrowmig; every error says what went wrong and what to do.

    ArrowmigError                   base; ``hint`` says what to do next
    ├── UsageError                  bad options or arguments (exit code 2)
    │   └── UrlError                a URL that no endpoint understands
    ├── ConnectError                unreachable server, wrong password, missing file (exit 2)
    │   ├── LoginRefused            a PostgreSQL server that refuses the login (password,
    │   │                           pg_hba.conf, role): never retried, mid-run neither
    │   └── DamagedFile             a SQLite file SQLite finds damaged, when opened or later,
    │                               mid-run too (exit 2: the report says what was committed)
    ├── SchemaError                 missing table, existing target, names the target cannot hold,
    │                               a schema that cannot be appended to (exit 2)
    ├── DataError                   a value the target cannot hold (fails its stream; exit 1)
    │   ├── TypeSurprise            a value that breaks a type presumed from the declaration
    │   │                           (its table is profiled and loaded again)
    │   └── BeyondArrow             a PostgreSQL value past Arrow's range, which the server
    │                               can write as text (verify then reads it so)
    └── TransferError               a stream failed while moving data (exit 1)
         ├── TransientError         marker: may succeed if retried (lost connection, busy file)
         │    └── TargetFailed      the target failed under a stream: a retry first reads back
         │                          what the target still holds of it
         ├── SnapshotLost           a PostgreSQL source restarted mid-run: the moment the run
         │                          reads it at is gone, so no retry can read on (--resume can)
         └── StatementStopped       a worker's statement cancelled because the run is stopping
                                    (a signal): not a failure, never retried

    KeyboardInterrupt
    └── Interrupted                 a public call (migrate, verify, generate) stopped by Ctrl-C,
                                    raised once it has cleaned up; carries the run's report

Errors carry their context (table, column, sqlstate) so that reports can show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arrowmig.report import MigrationReport


LOCK_LOST = "this run no longer holds its lock on its target tables"
"""What a batch written after the run lost its lock fails with (``run_lock``)."""
LOCK_LOST_SQLSTATE = "55000"
"""The SQLSTATE the lock check raises with (object_not_in_prerequisite_state)."""


class ArrowmigError(Exception):
    """Base of every error arrowmig raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None, table: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.table = table

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}; {self.hint}"
        return self.message


class UsageError(ArrowmigError):
    """The caller asked for something that cannot work as written."""


class UrlError(UsageError):
    """A URL that no endpoint understands."""


class ConnectError(ArrowmigError):
    """A database could not be opened: missing file, unreachable server, refused login."""


class LoginRefused(ConnectError):
    """A PostgreSQL server refused the login: a wrong password (changed mid-run too), no
    pg_hba.conf line for it, a role that does not exist or may not log in. Unlike a server
    that is restarting, trying again cannot help: a stream's connection refused so fails at
    once, and the streams left with it (``Runner``)."""


class DamagedFile(ConnectError):
    """A SQLite file that SQLite finds damaged ("database disk image is malformed"): as it
    is opened, or later, as a page is read (a table's pages damaged, the header sound). Met
    mid-run, it fails its table, and the run ends with exit code 2 (``MigrationReport.damaged``):
    trying again cannot help; ``.recover`` (the hint) reads what the file still holds."""


class SchemaError(ArrowmigError):
    """Tables or columns do not allow the requested operation."""


class DataError(ArrowmigError):
    """A value cannot be carried to the target without loss."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        table: str | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint, table=table)
        self.column = column


class TypeSurprise(DataError):
    """A value that breaks the type a column was presumed to have (``Column.proof``).

    Not a failure of the run: the runner profiles the table in full and loads it again."""


class BeyondArrow(DataError):
    """A PostgreSQL timestamp past 294247 AD or interval past 2,562,047 hours: no Arrow type
    holds it, but the server writes it as text (``endpoints.pg_cast_text``)."""


class TransferError(ArrowmigError):
    """A stream failed while moving data."""

    exit_code = 1
    committed: bool = False
    """Set when the batch being written was committed all the same (DuckDB: the COMMIT is
    durable, the checkpoint after it failed): its rows count as written."""
    unfinished: tuple[str, ...] = ()
    """Raised as a loaded table was finished (a stop, or a failure ``--resume`` gets past: a
    full disk, memory): what its finishing left undone (the key or index it cut short and
    those after it, key sequences, statistics), for the report; the table is not recorded
    loaded, and ``--resume`` does them."""
    notes: tuple[str, ...] = ()
    """What that finishing had to say before it was cut short (what it could not give the
    table, with how to add it by hand), for the report."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        table: str | None = None,
        sqlstate: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint, table=table)
        self.sqlstate = sqlstate


class SnapshotLost(TransferError):
    """The PostgreSQL source's server restarted (or the session holding the run's snapshot
    ended): the snapshot every stream reads from is gone with it. Never retried."""


class TransientError(TransferError):
    """A failure that may pass if the batch is tried again."""

    table_written: bool = False
    """Set when the write side already used up its retries (the read must not be redone)."""


class TargetFailed(TransientError):
    """The target failed under a stream that had committed batches into it. A server crash
    loses the last of them (they commit without waiting for their WAL flush), and a commit
    whose answer was lost may have gone in: a retry continues from what the target holds
    (``pipeline.Ledger``), never from what the stream remembers."""


class StatementStopped(TransferError):
    """A worker's statement cancelled because the run is stopping (``Endpoint.stop``): its
    transaction rolled back, and its table is reported interrupted, not failed. Not
    transient: a retry would only wait again for what the stop cut short."""


class Interrupted(KeyboardInterrupt):
    """``arrowmig.migrate``, ``verify`` or ``generate`` stopped by a signal (Ctrl-C), raised
    to the caller once the call has cleaned up, as any Python call stopped by Ctrl-C raises
    KeyboardInterrupt (a loop of calls stops, it does not go on to the next).

    ``report``: the run so far (``MigrationReport`` with ``interrupted`` set: what each table
    committed; the same call with ``resume=True`` continues it), or None when the call was
    stopped before it wrote anything (``nothing_written``) or has no report (``verify``)."""

    def __init__(
        self,
        signal_name: str = "SIGINT",
        *,
        report: MigrationReport | None = None,
        nothing_written: bool = False,
    ) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.report = report
        self.nothing_written = nothing_written

    def __str__(self) -> str:
        if self.nothing_written:
            return f"interrupted by {self.signal_name} before anything was written"
        if self.report is not None:
            return f"interrupted by {self.signal_name}: {self.report}"
        return f"interrupted by {self.signal_name}"


class StopRequested(BaseException):
    """Raised in the main thread by a signal handler (SIGTERM) to stop a command cleanly: not
    an error (a BaseException, as KeyboardInterrupt is), so that only the code that stops on
    purpose catches it, and every ``finally`` on the way runs (temporary files removed)."""

    def __init__(self, signal_name: str, *, nothing_written: bool = False) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.nothing_written = nothing_written
        """Stopped while planning, before the run wrote anything: nothing to resume."""


_pending_stops: list[StopRequested] = []
"""Stops a signal handler raised and that no ``finally`` has ended yet (see ``stop_behind``)."""


def note_stop(stop: StopRequested | None) -> None:
    """Record the stop a signal handler is raising (None: the command ended, forget it)."""
    _pending_stops.clear()
    if stop is not None:
        _pending_stops.append(stop)


def stop_behind(exc: BaseException) -> StopRequested | None:
    """The stop a signal asked for, when ``exc`` is how a DuckDB query of the main thread
    answered it: DuckDB runs the Python signal handler itself while its query runs, drops the
    ``StopRequested`` the handler raised, and raises ``RuntimeError('Query interrupted')``;
    or when ``exc`` was raised from the stop (a compiled module's error for the handler's
    exception, or an arrowmig error wrapping that)."""
    if _pending_stops and "Query interrupted" in str(exc):
        return _pending_stops[-1]
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, StopRequested):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__
    return None


def raised_by_ctrl_c(exc: BaseException | None) -> bool:
    """Whether an error was raised because Ctrl-C cancelled what was running: ADBC's drivers
    catch SIGINT during a statement of the main thread, cancel it, and raise the statement's
    error (or the cancel's own: SQLite's driver answers NOT_IMPLEMENTED) "from
    KeyboardInterrupt". The user asked to stop; no statement failed."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        if type(exc).__name__ == "InterruptException" and type(exc).__module__.lstrip(
            "_"
        ).startswith("duckdb"):
            return True  # DuckDB takes Ctrl-C during its query and raises "Query interrupted"
        if type(exc) is RuntimeError and str(exc) == "Query interrupted" and not _pending_stops:
            # How DuckDB's Python client answers a Ctrl-C during a statement of the main
            # thread (a SIGTERM's is ``stop_behind``'s).
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
