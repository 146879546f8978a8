"""What every endpoint shares: closing on every path, turning driver errors into ours."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa

from arrowmig.duplicate_keys import duplicate_key_hint
from arrowmig.endpoints.base import ClosedOnExit
from arrowmig.endpoints.key_lanes import Lane, run_in_lanes
from arrowmig.errors import (
    ArrowmigError,
    SchemaError,
    StatementStopped,
    TransferError,
    TransientError,
    raised_by_ctrl_c,
)
from arrowmig.model import Column, KeyRange, Table, TableLoad
from arrowmig.schema import enforces_uniqueness, key_statements, qualified, quote_ident
from arrowmig.urls import EndpointUrl, password_of, redact_text

KEY_COLUMN = "_arrowmig_key"
"""Name of the split-key column ``read(..., with_key=True)`` appends to each batch."""


def without_key(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` less the key column ``read(..., with_key=True)`` appended last. By position,
    not by name: a source column of that name made the name ambiguous, and the table failed
    with "KeyError: Column '_arrowmig_key' not found"."""
    return batch.select(range(batch.num_columns - 1))


# PostgreSQL's words (SQLSTATE XX000) for a catalog read that met a relation another session
# dropped meanwhile: replacing a parent table drops, with it, the foreign key of a child
# whose own constraints a second worker is reading at that moment. Read again, it is gone.
_CATALOG_RACE = (
    r"could not open relation with OID|cache lookup failed for (?:relation|constraint|index|type)"
)

# SQLSTATE classes and messages that mean "try again": connection loss, server shutting
# down or starting, serialization failures and deadlocks, a busy or locked SQLite file.
_TRANSIENT_SQLSTATES = (
    "08",
    "57P01",
    "57P02",
    "57P03",
    "57014",
    "40001",
    "40P01",
    "53300",
    "55P03",
)
# 57014 is a statement cancelled by statement_timeout: a batch that hung past --batch-timeout;
# 55P03 one that waited longer for a lock (lock_timeout, also --batch-timeout).
_TRANSIENT_WORDS = re.compile(
    r"database is locked|database table is locked|SQLITE_BUSY|connection (?:reset|refused|lost)|"
    r"server closed the connection|terminating connection|no connection to the server|"
    r"could not receive data|could not send data|broken pipe|the database system is (?:starting|shutting)|"
    + _CATALOG_RACE,
    re.IGNORECASE,
)


_DISK_FULL = re.compile(r"disk is full|no space left|could not extend file|quota", re.IGNORECASE)
_OUT_OF_ROOM = re.compile(r"out of memory|failed to pin block|disk I/O error", re.IGNORECASE)
"""Memory (PostgreSQL's, SQLite's and DuckDB's words; DuckDB's "failed to pin block" is its
cap met), or an I/O error (SQLite's for a write the disk refused)."""

DISK_FULL_HINT = (
    "free space on the target's disk, then run the same command with --resume (committed "
    "batches are kept)"
)


def disk_full(exc: BaseException) -> bool:
    """Whether the target's disk (or the user's quota) is full: SQLITE_FULL, ENOSPC
    (DuckDB's "No space left on device"), PostgreSQL's disk_full (53100)."""
    return disk_full_words(str(exc)) or (sqlstate_of(exc) or "").startswith("53100")


def disk_full_words(message: str) -> bool:
    """Whether a driver's ``message`` says the disk (or the user's quota) is full."""
    return bool(_DISK_FULL.search(message))


def out_of_room(exc: BaseException) -> bool:
    """Whether a statement failed for want of disk or memory (PostgreSQL's class 53,
    insufficient resources): what passes once space is freed or more memory is allowed, not
    something of the rows."""
    if disk_full(exc) or (sqlstate_of(exc) or "").startswith("53"):
        return True
    return bool(_OUT_OF_ROOM.search(str(exc)))


def resumable(exc: BaseException) -> bool:
    """Whether a step of a table's finishing (a key, an index, a key sequence) that failed
    with ``exc`` gets through when done again: cut short by a stop, a lost connection or a
    lock held elsewhere (transient: retried at once), a full disk or memory (``--resume``,
    once there is room). Such a step is not noted as not built: the table is not recorded
    loaded, and it is done again. What the rows themselves break (duplicates for a key) is
    not resumable: done again, it fails again."""
    if isinstance(exc, (StatementStopped, TransientError)):
        return True
    return lost_connection(exc) or out_of_room(exc)


_LOST_STATES = ("08", "57P01", "57P02", "57P03")
_LOST_WORDS = re.compile(
    r"server closed the connection|terminating connection|no connection to the server|"
    r"connection (?:reset|lost)|could not receive data|could not send data|broken pipe|"
    r"the connection to the server was lost",
    re.IGNORECASE,
)


def lost_connection(exc: BaseException) -> bool:
    """Whether the connection itself broke (a server restart, a terminated backend): what
    came after on it failed for that alone, and the work is retried on a new one."""
    state = sqlstate_of(exc)
    if state and state.startswith(_LOST_STATES):
        return True
    return bool(_LOST_WORDS.search(str(exc)))


_CONSTRAINT_STATES = (
    (re.compile(r"\bCHECK constraint failed"), "23514"),  # check_violation
    (re.compile(r"\bNOT NULL constraint failed"), "23502"),  # not_null_violation
)
"""SQLite's and DuckDB's words for a row their constraint refused, which carry no SQLSTATE:
PostgreSQL's states for them, so that the row is found and named (or set aside) there too."""


CONSTRAINT_HINT = (
    "fix the rows that break the target's constraint in the source (or the constraint), or "
    "set them aside with --on-error reject, which names each"
)


def sqlstate_of(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None)
    if state:
        return str(state)
    said = str(exc)
    return next((code for words, code in _CONSTRAINT_STATES if words.search(said)), None)


def is_transient(exc: BaseException) -> bool:
    """Whether a driver error may pass if the same work is tried again."""
    state = sqlstate_of(exc)
    if state and state.startswith(_TRANSIENT_SQLSTATES):
        return True
    return bool(_TRANSIENT_WORDS.search(str(exc)))


_DRIVER_STEPS = re.compile(
    r"^(?:(?:Failed to [A-Za-z ]+?(?: '(?:[^']|'(?!:(?!:)))*')?|Execution error \[\w+\]|could not begin COPY):\s*"
    r"(?:PGRES_[A-Z_]+\s+)?)+"
    r"(?=(?:ERROR|FATAL|PANIC):|server closed the connection|no connection to the server)",
    re.DOTALL,
)
"""What libpq's ADBC driver says it was doing before the server's own ``ERROR:`` (``Failed to
execute prepared statement: PGRES_FATAL_ERROR``, ``Execution error [PGRES_FATAL_ERROR]:``,
``Failed to execute query: could not begin COPY:``): of no use to a user, who ran none of it.
Before a ``FATAL:`` too, or libpq's own words for a connection gone: a session ended by
``pg_terminate_backend`` as the put in place ran was told as the first line of that
transaction's statements (the run lock's check, whose message reads as if the lock were lost),
not as the server's ``terminating connection due to administrator command``.
A statement quoted ends at its first ``':`` but for a cast (``'infinity'::timestamp``, which
arrowmig's own statements hold: a failed append said kilobytes of its INSERT): with ``'.*?'``
the pieces could split in ever more ways, and a message of many pieces without an ``ERROR:``
took exponential time."""


_SQLITE_DRIVER_STEP = re.compile(r"^failed to (?:execute|execute query|prepare):\s*")
"""What SQLite's ADBC driver says it was doing before SQLite's own words (``failed to
execute: CHECK constraint failed: v > 0``, then ``query was:`` its INSERT): a reject file's
reason said it for every row a SQLite target refused."""

_DUCKDB_REFUSAL_CLASS = re.compile(r"^(?:Constraint|Conversion) Error:\s*")
"""DuckDB's class of a value's refusal (``Constraint Error: CHECK constraint failed on table
...``), its counterpart of PostgreSQL's ``ERROR:``: the words after it say what was refused."""


def short_driver_message(exc: BaseException) -> str:
    """The first meaningful line of a driver error, without driver boilerplate (the ADBC
    status, the statement it ran), and the server's DETAIL when it gives one: which key."""
    text = str(exc).strip()
    # DuckDB, once a fatal error (a checkpoint its full disk refused) has invalidated a
    # database, fails each later statement with "The database must be restarted", the
    # cause on a second line: the cause is what the user can act on.
    original = re.search(r'^Original error: "(.*)"$', text, re.MULTILINE)
    if original:
        text = original.group(1)
    text = re.sub(r"^(?:[A-Z][A-Z_]+|FATAL Error)\s*:\s*", "", text)
    text = re.sub(r"^\[(?:SQLite|libpq)\]\s*", "", text)
    text = _DRIVER_STEPS.sub("", text)
    text = _SQLITE_DRIVER_STEP.sub("", text)
    text = _DUCKDB_REFUSAL_CLASS.sub("", text)
    text = re.sub(r"^(?:ERROR|FATAL|PANIC):\s+", "", text)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    detail = next((ln[len("DETAIL:") :].strip() for ln in lines if ln.startswith("DETAIL:")), "")
    return f"{lines[0]} ({detail})" if detail else lines[0]


_WRITING_ROWS = ("writing ", "putting ")
"""How a step that writes rows into the user's table begins: a batch written, or a staging
table's rows put in place (``loading``)."""


class BaseEndpoint(ClosedOnExit):
    """Context management, cursor bookkeeping and error translation for endpoints."""

    dialect = ""
    stopping = False
    """Set by ``stop``: the run is stopping, and a statement that fails from now on was cut
    short by it."""

    def __init__(self, url: EndpointUrl, schema: str | None) -> None:
        self.url = url
        self.schema = schema
        self._secret = password_of(url.target) or ""
        self._open_reads: list[Any] = []
        """Cursors and readers handed out by read(), closed by end_reads()."""

    def stop(self) -> None:
        """The run is stopping (a signal): cancel the statement this connection is running,
        from another thread, and have it fail as ``StatementStopped``. Safe to call again and
        again (a statement that began just after the first call is cancelled by the next)."""
        self.stopping = True
        self.cancel()

    def cancel(self) -> None:
        """Cancel the statement this connection is running, from another thread; nothing where
        the driver cannot (SQLite's waits for a lock look at ``stopping`` instead)."""

    def qualify(self, name: str) -> str:
        """``name`` (a table, index or sequence of this endpoint's schema) as SQL names it."""
        return qualified(name, self.schema)

    def end_reads(self) -> None:
        """Close every reader handed out (a stream stopped early leaves one open)."""
        for handle in self._open_reads:
            with contextlib.suppress(Exception):
                handle.close()
        self._open_reads.clear()

    def _forget_read(self, handle: Any) -> None:
        """Close one finished reader and stop tracking it."""
        with contextlib.suppress(Exception):
            handle.close()
        if handle in self._open_reads:
            self._open_reads.remove(handle)

    def key_bounds(self, table: Table) -> tuple[Any, Any] | None:
        """Smallest and largest split key, from the table itself (SQLite overrides: rowid)."""
        if table.split_key is None:
            return None
        key = quote_ident(table.split_key)
        query = self._query  # type: ignore[attr-defined]
        lo, hi = query(f"SELECT min({key}), max({key}) FROM {self.qualify(table.name)}")[0]
        return None if lo is None else (int(lo), int(hi))

    def select_from(
        self, name: str, select: str, where: str | None = None, order: str | None = None
    ) -> list[tuple[Any, ...]]:
        """``SELECT select FROM name``: the few aggregates planning asks of a table's values
        (``preflight``); with ``where``, the first row that matches it (in ``order``)."""
        query = self._query  # type: ignore[attr-defined]
        sql = f"SELECT {select} FROM {self.qualify(name)}"
        if where:
            sql += f" WHERE {where}" + (f" ORDER BY {order}" if order else "") + " LIMIT 1"
        try:
            rows: list[tuple[Any, ...]] = query(sql)
        except Exception as exc:
            raise self.translate(exc, f"reading the values of {name!r}", name) from exc
        return rows

    def _writer_guard(self) -> contextlib.AbstractContextManager[Any]:
        """Held around statements that write (SQLite: the file's one-writer lock)."""
        return contextlib.nullcontext()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction; rows if it returns any (DB-API drivers)."""
        cursor = self._cursor  # type: ignore[attr-defined]
        with self._writer_guard():
            try:
                cursor.execute(sql, params or None)
                rows: list[tuple[Any, ...]] = cursor.fetchall() if cursor.description else []
                self._commit()
            except Exception as exc:
                self._rollback()
                raise self.translate(exc, "running a statement") from exc
        return rows

    def run_in_transaction(
        self, statements: list[str], what: str, table: str | None = None
    ) -> None:
        """Several statements that take effect together or not at all (DB-API drivers)."""
        cursor = self._cursor  # type: ignore[attr-defined]
        with self._writer_guard():
            try:
                for sql in statements:
                    cursor.execute(sql)
                self._commit()
            except Exception as exc:
                self._rollback()
                raise self.translate(exc, what, table) from exc

    def _commit(self) -> None:
        """End the statement's transaction (PostgreSQL's ``one_transaction`` holds it open)."""
        self._conn.commit()  # type: ignore[attr-defined]

    def _rollback(self) -> None:
        """Roll back after a failure; a connection already lost must not hide the first error."""
        conn = getattr(self, "_conn", None)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.rollback()

    def _clean(self, text: str) -> str:
        return redact_text(text, [self._secret])

    def translate(self, exc: BaseException, what: str, table: str | None = None) -> ArrowmigError:
        """Wrap a driver error as a TransferError (or TransientError), password scrubbed.
        One that Ctrl-C caused is raised as the KeyboardInterrupt it is."""
        if raised_by_ctrl_c(exc):
            raise KeyboardInterrupt from exc
        if self.stopping and not isinstance(exc, StatementStopped):
            # Whatever the cancel made of it (the server's "canceling statement", a COPY cut
            # off): its transaction rolled back, and the run is stopping. Not retried.
            return StatementStopped(
                self._clean(f"{what}: cancelled, the run is stopping"), table=table
            )
        if isinstance(exc, ArrowmigError):
            return exc
        message = self._clean(f"{what}: {short_driver_message(exc)}")
        cls = TransientError if is_transient(exc) else TransferError
        hint = None
        if disk_full(exc):
            hint = DISK_FULL_HINT
        elif what.startswith(_WRITING_ROWS) and (repeated := duplicate_key_hint(str(exc))):
            # Rows written into a table whose key is there already (append), batch by batch
            # or from the staging table they were loaded into; a key built after the load
            # that its rows break is ``build_keys``'s to explain.
            hint = repeated
        elif sqlstate_of(exc) == "42501":  # insufficient_privilege: configuration, exit 2
            return SchemaError(message, hint=_privilege_hint(what, table), table=table)
        elif what.startswith(_WRITING_ROWS) and sqlstate_of(exc) in ("23502", "23514"):
            # Rows copied by the target itself (SQLite's INSERT ... SELECT from the attached
            # source): no batch to find the row in, but --on-error reject reads in batches.
            hint = CONSTRAINT_HINT
        return cls(message, hint=hint, table=table, sqlstate=sqlstate_of(exc))

    def guarded_reader(
        self, table: Table, schema: pa.Schema, batches: Iterator[pa.RecordBatch]
    ) -> pa.RecordBatchReader:
        """``batches`` as one reader of ``table``; driver errors raised while reading are
        re-raised as arrowmig errors."""
        return pa.RecordBatchReader.from_batches(schema, self._guarded(table, batches))

    def _guarded(self, table: Table, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        try:
            yield from batches
        except ArrowmigError:
            raise
        except Exception as exc:
            raise self.translate(exc, f"reading {table.name!r}", table.name) from exc


class NotTogether(Exception):
    """A ``one_transaction`` whose statements could not commit together (one failed, or a
    step rolled back on purpose): nothing of it was committed."""


T = TypeVar("T")


def together(
    endpoint: Any,
    work: Callable[[], T],
    apart: Callable[[], T] | None = None,
    *,
    durable: bool = False,
) -> T:
    """``work()``, its statements on ``endpoint`` committed together at the end, where the
    endpoint can (PostgreSQL's ``one_transaction``): a round trip and a commit saved per
    statement, which is what a small table costs. When they cannot all commit (one failed,
    as a key whose rows are not unique may), nothing did: ``apart()`` (else ``work()``)
    then does the same work with each statement on its own, as it always was, and its
    failures are what they were then (noted, or raised). A transient error (a lost
    connection, a lock held elsewhere) is raised for the caller's retries instead, and so
    is a signal, and a statement it cut short (``StatementStopped``: done apart, each
    statement would only be cancelled in turn). ``durable``: ``work`` records something
    ``durable``, and the transaction says so with its first statements (a round trip
    saved)."""
    one_transaction = getattr(endpoint, "one_transaction", None)
    if one_transaction is None:
        return (apart or work)()
    try:
        with one_transaction(durable=durable):
            return work()
    except (TransientError, StatementStopped):
        raise
    except Exception:
        return (apart or work)()


def read_schema(table: Table, with_key: bool) -> pa.Schema:
    """The schema of a read: the table's columns, and the split key's values when asked."""
    schema = table.arrow_schema
    return schema.append(pa.field(KEY_COLUMN, pa.int64())) if with_key else schema


def build_keys(
    endpoint: Any,
    table: Table,
    in_place: Collection[str] = (),
    refused: Mapping[str, str] | None = None,
    *,
    second_lane: Lane | None = None,
) -> TableLoad:
    """Primary key and indexes once the data is in, one statement each; a failure is noted.

    ``in_place``: the labels of those the target holds already, as asked (built by an
    attempt that lost its connection afterwards): built. ``refused``: why some cannot be
    built (label -> reason). ``second_lane``: another connection's, on which the indexes are
    built side by side with this one's (``key_lanes``). A failure that building again gets
    past (``resumable``) is raised, not noted, with the one it cut short and those not built
    yet in ``unfinished``: a lost connection or a lock held elsewhere (the caller retries the
    whole build on a new connection, and the report tells only how that one ended), a stop,
    a full disk or memory (the table is not recorded loaded, and ``--resume`` builds them;
    the ones built are found there, ``in_place``, or passed over: IF NOT EXISTS)."""
    load = TableLoad()
    steps = key_statements(table, endpoint.dialect, endpoint.qualify(table.name))
    to_build = {
        at: sql
        for at, (sql, label) in enumerate(steps)
        if sql and label not in in_place and label not in (refused or {})
    }
    lanes = [endpoint.execute] + ([second_lane] if second_lane is not None else [])
    outcomes = run_in_lanes(to_build, lanes, resumable)
    for at, (_, label) in enumerate(steps):
        if refused and label in refused:
            not_built(load, label, refused[label])
        elif at not in to_build or (at in outcomes and outcomes[at] is None):
            load.built.append(label)
        elif (exc := outcomes.get(at)) is not None and not resumable(exc):
            # The driver's own words: DuckDB's class ("Constraint Error") is not in the message.
            said = f"{exc}\n{exc.__cause__ or ''}"
            broken = (exc.sqlstate or "").startswith("23") or bool(_BROKEN_BY_ROWS.search(said))
            not_built(load, label, f"{exc}; {KEY_BROKEN_HINT}" if broken else str(exc))
    # What is not built yet, for a retry or --resume: those cut short and those not begun.
    left = [at for at in to_build if at not in outcomes or _cut_short(outcomes[at])]
    cut_at = next((at for at in left if _cut_short(outcomes.get(at))), None)
    if cut_at is not None:
        cut = outcomes[cut_at]
        assert cut is not None
        cut.unfinished = (*(steps[at][1] for at in left), *cut.unfinished)
        if not isinstance(cut, StatementStopped):
            cut.message = f"{steps[cut_at][1]} not built: {cut.message}"
        raise cut
    return load


def _cut_short(outcome: TransferError | None) -> bool:
    return outcome is not None and resumable(outcome)


KEY_SEQUENCES_LEFT = "key sequences moved past the loaded keys"
"""A step of a table's finishing a stop or failure left undone (``TransferError.unfinished``)."""
STATISTICS_LEFT = "statistics (ANALYZE)"
"""Another: the planner's statistics of a PostgreSQL table."""


@contextlib.contextmanager
def leaving(*steps: str) -> Iterator[None]:
    """An error raised inside (a stop, a failure) leaves ``steps`` undone too: the steps of a
    table's finishing that come after what is inside, told with it (``unfinished``)."""
    try:
        yield
    except TransferError as error:
        error.unfinished = (*error.unfinished, *steps)
        raise


def raise_if_resumable(error: ArrowmigError, *steps: str) -> None:
    """Raise ``error`` if doing the step again gets past it (``resumable``: a stop, a full
    disk ...), with ``steps`` undone: such a step of a table's finishing is a retry's or
    ``--resume``'s to do, not a note."""
    if isinstance(error, TransferError) and resumable(error):
        error.unfinished = (*error.unfinished, *steps)
        raise error


def index_name_taken(name: str, held_by: str) -> str:
    """Why an index is not built when another relation holds its name (index names are per
    schema, and CREATE INDEX IF NOT EXISTS passes over such a one in silence)."""
    return f"the name {name!r} is taken by {held_by}; rename or drop that one, then create this index by hand"


_BROKEN_BY_ROWS = re.compile(r"Constraint Error|constraint failed", re.IGNORECASE)
"""DuckDB's and SQLite's words for rows that break a key (PostgreSQL's: SQLSTATE class 23)."""

KEY_BROKEN_HINT = (
    "the rows are all copied, without the key: make its values distinct and not NULL (in the "
    "target, then add it by hand; or in the source, then run again with --mode replace)"
)


def not_built(load: TableLoad, label: str, why: str) -> None:
    """A primary key or unique constraint not built fails its table: the target would take
    the duplicates the source refuses, and ON CONFLICT finds nothing. A plain index not
    built only makes queries slower: a note."""
    if enforces_uniqueness(label):
        load.keys_not_built.append(f"{label} not built: {why}")
    else:
        load.skipped.append(f"{label} not built: {why}")


def key_range_filter(key_sql: str | None, key_range: KeyRange | None) -> str:
    """`` WHERE key > after AND key <= upto`` for a key range ('' when unbounded).

    Bounds are integers the planner computed; int() keeps anything else out of the SQL.
    """
    if key_sql is None or key_range is None:
        return ""
    where = []
    if key_range.after is not None:
        where.append(f"{key_sql} > {int(key_range.after)}")
    if key_range.upto is not None:
        where.append(f"{key_sql} <= {int(key_range.upto)}")
    return " WHERE " + " AND ".join(where) if where else ""


def _privilege_hint(what: str, table: str | None) -> str:
    """What to grant for a refused statement: reading is the source's SELECT (the planning
    checks found it granted, so it was revoked since), the rest the target's CREATE."""
    if what.startswith("reading") and table:
        return (
            f"the source's user lacks SELECT on {table!r} or some of its columns: grant it "
            f"(GRANT SELECT ON the table TO the user), or leave it out with --exclude"
        )
    return (
        "the database user lacks this privilege: grant it (e.g. GRANT CREATE ON SCHEMA "
        "public TO the user), pick a schema it owns with --target-schema, or connect as a "
        "user who has it"
    )


def split_top_level(text: str) -> list[str]:
    """The comma-separated parts of SQL ``text`` (a CREATE TABLE body, an index's keys),
    commas inside parentheses, string literals and quoted names kept (``"``, ``'``, backticks
    and ``[...]``; a doubled quote closes and opens again)."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'`[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    if current or parts:
        parts.append("".join(current))
    return parts


def generated_column(col: Column, expression: str | None) -> Column:
    """A PostgreSQL or DuckDB generated column (``expression`` is its generation expression,
    None for any other column): its values are read and copied like any others, and the plan
    says that its expression is not recreated."""
    if expression is None:
        return col
    note = (
        f"generated column AS {expression}: its values are copied, its expression is not recreated"
    )
    return replace(col, default=None, notes=(*col.notes, note))


_SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


def holds_sqlite_header(path: Path) -> bool:
    """The file starts as a SQLite database does. Read only once a database refused the file:
    closing any descriptor of a file drops every POSIX lock this process holds on it, those of
    an open SQLite or DuckDB connection included."""
    try:
        with path.open("rb") as handle:
            return handle.read(16) == _SQLITE_HEADER
    except OSError:
        return False
