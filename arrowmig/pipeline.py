"""One stream, end to end: a read-ahead thread pulls batches from the source while the
worker writes the previous one to the target, each batch committed on its own.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar, cast

import pyarrow as pa

from arrowmig.batching import rebatched
from arrowmig.conform import conform
from arrowmig.endpoints.common import CONSTRAINT_HINT, KEY_COLUMN, lost_connection, without_key
from arrowmig.endpoints.duckdb_casts import CastScreen
from arrowmig.endpoints.pg_hold import snapshot_lost
from arrowmig.endpoints.pg_server_reads import (
    SERVER_READ_HINT,
    refused_reading,
    server_read_columns,
    without_columns_named,
)
from arrowmig.endpoints.validate import (
    Problem,
    bad_rows,
    problem_error,
    problems_error,
    refused_row_error,
    screen_batch,
    untranslatable_problem,
    without_rows,
)
from arrowmig.errors import (
    ConnectError,
    DamagedFile,
    LoginRefused,
    TargetFailed,
    TransferError,
    TransientError,
)
from arrowmig.ledger import Ledger, landed_after_all, settle
from arrowmig.model import KeyRange, Table
from arrowmig.plan import Stream
from arrowmig.rejects import RejectWriter
from arrowmig.scheduler import MemoryBudget, StopFlag, WorkerConnections
from arrowmig.schema import cast_as_asked
from arrowmig.target_names import renamed_batch, target_named

_DONE = object()


@dataclass(frozen=True)
class StreamSettings:
    """What a stream needs to know beyond its table and range."""

    batch_rows: int
    batch_bytes: int
    retries: int = 3
    retry_max_wait_s: float = 30.0
    read_ahead: int = 1
    """Batches queued between the reader and the writer. One keeps them overlapped; two was
    no faster on phase3 and held about 6 MiB more (README, "How the defaults were chosen")."""
    dialect: str = "postgresql"
    """The target's dialect, for the checks of what it can hold."""
    on_error: str = "fail"
    """fail: a value the target cannot hold stops the stream; reject: its row goes to rejects."""
    rejects: RejectWriter | None = None
    """Where rejected rows are written (required when on_error is reject)."""
    gather_rows: int = 1
    """Consecutive batches are written together, in one transaction, until they hold this
    many rows (or ``GATHER_BYTES``): see ``gather_rows_for``."""


@dataclass(frozen=True)
class DirectCopy:
    """A stream's rows passed from source to target without Arrow: its columns, and what
    copies a key range of them (``direct_copy.copy_range_direct`` between two PostgreSQL
    databases, ``attached_copy.copy_range_attached`` between two SQLite files)."""

    columns: list[str]
    copy_range: Callable[..., None]
    note: str
    """What the report says of a table whose rows went this way."""


DUCKDB_ROW_GROUP = 122_880
GATHER_BYTES = 32 * 1024 * 1024
"""At most this much Arrow data is gathered for one write, whatever ``gather_rows`` asks
(but a single batch, when ``--batch-bytes`` is larger)."""


def gather_rows_for(dialect: str) -> int:
    """DuckDB writes an insert of a whole row group straight to its file, compressed once;
    smaller inserts go through its write-ahead log and are read back and compressed at its
    checkpoint. Phase3 from SQLite into DuckDB took a median 6.44 s gathered against 9.43 s in
    1 MiB transactions (README). The other targets take each batch as it comes."""
    return DUCKDB_ROW_GROUP if dialect == "duckdb" else 1


class Sized(Protocol):
    @property
    def nbytes(self) -> int: ...


_Item = TypeVar("_Item", bound=Sized)


class ReadAhead(Generic[_Item]):
    """Runs the source reader on its own thread, bounded by a queue and the memory budget.
    Its items are Arrow batches, or anything else that says its size (``direct_copy``)."""

    def __init__(
        self,
        batches: Iterator[_Item],
        budget: MemoryBudget,
        stop: StopFlag,
        depth: int,
    ) -> None:
        self._batches = batches
        self._budget = budget
        self._stop = stop
        self._cancel = threading.Event()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
        self._thread = threading.Thread(target=self._run, name="arrowmig-reader", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not (self._cancel.is_set() or self._stop.is_set()):
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for batch in self._batches:
                if not self._budget.acquire(batch.nbytes, self._cancel):
                    return
                if not self._put(batch):
                    self._budget.release(batch.nbytes)
                    return
            self._put(_DONE)
        except BaseException as exc:
            self._put(exc)

    def __iter__(self) -> Iterator[_Item]:
        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._stop.is_set() or (not self._thread.is_alive() and self._queue.empty()):
                    return
                continue
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(_Item, item)

    def close(self) -> None:
        """Stop the reader thread and give back the budget of batches never written."""
        self._cancel.set()
        self._thread.join()
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _DONE and not isinstance(item, BaseException):
                self._budget.release(cast(_Item, item).nbytes)


class ReadInline(Generic[_Item]):
    """``ReadAhead``'s reads on the caller's own thread: for a table of a batch or so, whose
    reader thread cost more to start than it could overlap (2,000 small tables, a thread each)."""

    def __init__(self, batches: Iterator[_Item], budget: MemoryBudget, stop: StopFlag) -> None:
        self._batches = batches
        self._budget = budget
        self._stop = stop

    def __iter__(self) -> Iterator[_Item]:
        for batch in self._batches:
            if not self._budget.acquire(batch.nbytes, self._stop):
                return
            yield batch

    def close(self) -> None:
        """Nothing to stop: each batch handed out is the caller's to give back."""


INLINE_READ_ROWS = 1_000
"""A table of at most this many rows is read on its stream's own thread (``ReadInline``)."""


Checkpoint = Callable[[int, int | None], tuple[str, tuple[Any, ...]] | None]
"""(rows committed so far in the stream, last key committed) -> the statement that records it."""


_FOR_GOOD = (DamagedFile, LoginRefused)
"""Connection errors that no retry can help: a damaged file, a login the server refuses
(a password changed mid-run)."""


def copy_stream(
    stream: Stream,
    source_table: Table,
    target_table: Table,
    conns: WorkerConnections,
    settings: StreamSettings,
    budget: MemoryBudget,
    stop: StopFlag,
    on_batch: Callable[[int, int], None],
    on_retry: Callable[[str], None],
    checkpoint: Checkpoint | None = None,
    rows_before: int = 0,
    direct: DirectCopy | None = None,
    ledger: Ledger | None = None,
) -> int:
    """Move one stream; returns the rows written. ``on_batch(rows, bytes)`` after each commit.

    A transient error while reading re-opens the source and continues after the last
    committed key (tables with a split key), so nothing is read twice or skipped; with a
    ``ledger``, after the last key the target holds (a server crash loses its last commits).
    With ``direct`` the rows pass without Arrow: between two PostgreSQL databases as binary
    COPY, undecoded; between two SQLite files copied by SQLite itself.
    """
    progress = _StreamProgress(rows_before, stream.key_range.after if stream.key_range else None)
    attempt = 0
    commits = [0]
    snapshot_gone: Callable[[], bool] | None = None

    def committed(rows: int, nbytes: int) -> None:
        commits[0] += 1
        on_batch(rows, nbytes)

    while True:
        key_range = KeyRange(progress.last_key, stream.key_range.upto if stream.key_range else None)
        try:
            if direct is not None:
                direct.copy_range(
                    key_range,
                    source_table,
                    target_table,
                    direct.columns,
                    conns,
                    settings,
                    budget,
                    stop,
                    committed,
                    checkpoint,
                    progress,
                )
            else:
                _copy_range(
                    key_range,
                    source_table,
                    target_table,
                    conns,
                    settings,
                    budget,
                    stop,
                    committed,
                    on_retry,
                    checkpoint,
                    progress,
                    ledger,
                )
            if ledger is not None and not stop.is_set():
                ledger.seal(progress.rows)
            return progress.written
        except (TransientError, ConnectError) as exc:
            # A reconnect failing while this streak's retry is under way (the server is still
            # restarting) is as transient as what made us reconnect; a ConnectError else is
            # a write's, its own retries spent.
            retrying = attempt > 0 and not commits[0] and not isinstance(exc, _FOR_GOOD)
            if commits[0]:
                # A batch committed since the last retry: this failure begins a streak of
                # its own, so a long table that loses its connection now and then, each
                # time going on, is not failed by --retries counted across them all.
                attempt = commits[0] = 0
            # Asked of the source connection that failed, or of the last one (a retry drops it).
            snapshot_gone = getattr(conns.opened_source, "snapshot_gone", None) or snapshot_gone
            if snapshot_gone is not None and snapshot_gone():
                # Gone with its server: a retry would only reconnect, and fail to read it.
                raise snapshot_lost(source_table.name) from exc
            reconnecting = isinstance(exc, ConnectError) and retrying
            target_failed = isinstance(exc, TargetFailed)
            resumable = source_table.split_key is not None and (
                reconnecting
                or target_failed
                or (isinstance(exc, TransientError) and not exc.table_written)
            )
            if not resumable or attempt >= settings.retries or stop.is_set():
                broke = target_failed or isinstance(exc, ConnectError) or lost_connection(exc)
                if ledger is not None and progress.written and broke:
                    # A lost connection only: a SQLite file still busy would keep the read
                    # back waiting out its busy timeout again.
                    _settle_before_failing(exc, progress, ledger, conns)
                elif target_failed and not exc.hint:
                    exc.hint = _RESUME_HINT
                raise
            attempt += 1
            lost = 0
            if ledger is not None:
                lost = _settle(progress, ledger, target_failed, conns, settings, on_retry)
            wait_s = backoff_s(attempt, settings.retry_max_wait_s)
            where = (
                "from the start" if progress.last_key is None else f"after key {progress.last_key}"
            )
            said = f"{exc}: {lost:,} rows committed before it were lost" if lost else str(exc)
            on_retry(
                f"{said} (reading again {where}, retry {attempt}/{settings.retries} in {wait_s:.1f}s)"
            )
            conns.reset_source()
            time.sleep(wait_s)


_RESUME_HINT = (
    "a server crash may have lost the rows committed last; run the same command with --resume, "
    "which goes on from what the target holds"
)


def _settle(
    progress: _StreamProgress,
    ledger: Ledger,
    target_failed: bool,
    conns: WorkerConnections,
    settings: StreamSettings,
    on_retry: Callable[[str], None],
) -> int:
    """Before a retry: make the stream's count and resume point what the target holds,
    waiting for a restarting server. Returns the rows the target was found to have lost."""
    read: list[tuple[int, int | None] | None] = []
    through_restarts(
        lambda: read.append(ledger.held()), settings.retries, conns.reset_target, on_retry
    )
    return settle(progress, ledger, read[-1], target_failed)


def _settle_before_failing(
    exc: TransientError | ConnectError,
    progress: _StreamProgress,
    ledger: Ledger,
    conns: WorkerConnections,
) -> None:
    """Before a stream fails for good on a lost connection: its count made what the target
    holds, read back once (a crash loses the last commits, which the report must not count),
    and the way on said. A target not back yet cannot tell: the error says what a crash may
    have done instead."""
    read: list[tuple[int, int | None] | None] = []
    started = _server_started(conns)
    # Read on a new connection: the one that broke fails at once, without a retry (its
    # error is not one of a lost connection: "invalid socket").
    conns.reset_target()
    with contextlib.suppress(TransferError, ConnectError):
        through_restarts(lambda: read.append(ledger.held()), 1, conns.reset_target)
    lost = 0
    try:
        lost = settle(progress, ledger, read[-1] if read else None, target_failed=True)
    except TransferError as unsure:  # it cannot tell, or holds what it cannot go on from
        exc.hint = _join(
            exc.hint, unsure.hint if not ledger.keyed and unsure.hint else _RESUME_HINT
        )
        return
    if not lost and started is not None and started == _server_started(conns):
        exc.hint = (
            # Not "stayed up": the server's start time stays as it was when the postmaster
            # starts its backends afresh after one crashed.
            "the server was not restarted: the session was ended by a terminated or crashed "
            "backend (pg_terminate_backend, an administrator's command) or the network; "
            f"this stream's {progress.rows:,} rows committed before are kept; run the same "
            "command with --resume, which goes on after them"
        )
    elif lost:
        exc.hint = (
            f"the target's server lost the last {lost:,} rows committed (a crash); run the "
            "same command with --resume, which goes on from what the target holds"
        )
    elif isinstance(exc, TargetFailed) and not exc.hint:
        exc.hint = "run the same command with --resume, which goes on from what the target holds"


def _server_started(conns: WorkerConnections) -> str | None:
    """When the target's server started, as the connection opened last found it."""
    return getattr(conns.opened_target, "server_started", None)


def _join(hint: str | None, more: str) -> str:
    return f"{hint}; {more}" if hint else more


@dataclass
class _StreamProgress:
    rows: int
    """Rows committed in this stream, including those of an earlier run (resume)."""
    last_key: int | None
    written: int = 0
    """Rows written by this call."""


def _copy_range(
    key_range: KeyRange,
    source_table: Table,
    target_table: Table,
    conns: WorkerConnections,
    settings: StreamSettings,
    budget: MemoryBudget,
    stop: StopFlag,
    on_batch: Callable[[int, int], None],
    on_retry: Callable[[str], None],
    checkpoint: Checkpoint | None,
    progress: _StreamProgress,
    ledger: Ledger | None = None,
) -> None:
    reader = conns.source.read(
        source_table,
        batch_rows=settings.batch_rows,
        key_range=key_range,
        with_key=True,
        batch_bytes=settings.batch_bytes,
    )
    # Read under the source's names; screened, set aside and written under the target's.
    source_table = target_named(source_table, target_table)
    batches = rebatched(iter(reader), settings.batch_rows, settings.batch_bytes)
    table_rows = source_table.row_count
    ahead: ReadAhead[pa.RecordBatch] | ReadInline[pa.RecordBatch] = (
        ReadInline(batches, budget, stop)
        if table_rows is not None and table_rows <= INLINE_READ_ROWS
        else ReadAhead(batches, budget, stop, settings.read_ahead)
    )
    gathered: list[_Gathered] = []
    set_aside = 0  # rows set aside as rejects since the last write
    write_broke: list[Exception] = []
    # The stream's batches share one screen of DuckDB's casts, on this thread.
    casts = CastScreen()

    def write_gathered(rows: int | None = None) -> None:
        """Write the first ``rows`` gathered rows (all by default) in one transaction, with
        the checkpoint of the last of them; only then do they count as done (a retry starts
        after them). The rest stay gathered."""
        out, keys, last_key = _take(gathered, rows)
        try:
            commit(out, keys, last_key)
        except Exception as exc:
            write_broke.append(exc)
            if isinstance(exc, TransientError):
                exc.table_written = True  # the write side gave up: not a read to redo
            raise

    def commit(out: pa.RecordBatch, keys: pa.Array, last_key: Any) -> None:
        after = checkpoint(progress.rows + out.num_rows, last_key) if checkpoint else None
        landed = None
        if ledger is not None:
            landed = functools.partial(landed_after_all, ledger, progress, out.num_rows)
        try:
            _write_with_retries(conns, target_table, out, settings, on_retry, after, landed)
        except TransferError as exc:
            if exc.committed:
                # In the target with its checkpoint row, whatever failed after the commit: the
                # report counts what the target holds, and a resume starts after it.
                written(out.num_rows, out.nbytes, last_key)
                raise
            rejects = settings.rejects if settings.on_error == "reject" else None
            refused = _refused_character(exc, out, conns)
            if refused is not None and rejects is None:
                raise problem_error(refused, out, source_table, keys) from exc
            if refused is not None and rejects is not None:
                # Its row is known: set aside, and the rows around it written.
                row = refused.row
                if row:
                    commit(out.slice(0, row), keys.slice(0, row), keys[row - 1].as_py())
                rejects.write(
                    source_table, out.slice(row, 1), [replace(refused, row=0)], keys.slice(row, 1)
                )
                if row + 1 < out.num_rows:
                    commit(out.slice(row + 1), keys.slice(row + 1), last_key)
                return
            if not _value_refused(exc, target_table) or (rejects is None and _names_its_row(exc)):
                raise
            # The target refused a value its client-side checks let through (a --cast the
            # server converts: 'nope' as uuid; a CHECK): the batch is written in halves until
            # the rows it refuses are found, one by one, and set aside with its message; or,
            # failing on the first, named by its row, which the server's error does not name.
            if out.num_rows == 1:
                reason = exc.message.removeprefix(f"writing {target_table.name!r}: ")
                reason = without_columns_named(reason)
                column = _column_refused(exc, out, target_table)
                if rejects is None:
                    raise refused_row_error(column, reason, out, source_table, keys) from exc
                rejects.write(source_table, out, [Problem(0, column, reason, hint="")], keys)
                return
            half = out.num_rows // 2
            commit(out.slice(0, half), keys.slice(0, half), keys[half - 1].as_py())
            commit(out.slice(half), keys.slice(half), last_key)
            return
        written(out.num_rows, out.nbytes, last_key)

    def written(rows: int, nbytes: int, last_key: Any) -> None:
        progress.rows += rows
        progress.written += rows
        if last_key is not None:
            progress.last_key = last_key
        on_batch(rows, nbytes)

    try:
        try:
            for batch in ahead:
                if stop.is_set():
                    budget.release(batch.nbytes)
                    break
                try:
                    keys = batch.column(batch.num_columns - 1)
                    data = renamed_batch(without_key(batch), source_table)
                    problems = screen_batch(
                        data, source_table, settings.dialect, target_table, casts
                    )
                    if problems and (settings.on_error != "reject" or settings.rejects is None):
                        raise problems_error(problems, data, source_table, keys)
                    if problems:
                        # Written (and fsync'd) before the batch commits; a row already in the
                        # reject file (batch retried or resumed) is not written again.
                        assert settings.rejects is not None
                        settings.rejects.write(source_table, data, problems, keys)
                        bad = bad_rows(problems)
                        set_aside += len(bad)
                        data = without_rows(data, bad)
                        keys = without_rows(pa.record_batch([keys], [KEY_COLUMN]), bad).column(0)
                    last_read = batch.column(batch.num_columns - 1)
                    last_key = last_read[len(last_read) - 1].as_py() if len(last_read) else None
                    conformed = _conform(data, source_table, target_table)
                    held = sum(b.nbytes for b, _, _ in gathered)
                    if gathered and held + conformed.nbytes > GATHER_BYTES:
                        # Written before this batch would take it past GATHER_BYTES.
                        write_gathered()
                    gathered.append((conformed, keys, last_key))
                    rows = sum(b.num_rows for b, _, _ in gathered)
                    if rows >= settings.gather_rows:
                        # Whole row groups: a remainder written with them would leave a
                        # part-filled group behind each write.
                        write_gathered(rows - rows % settings.gather_rows)
                        set_aside = 0
                    elif rows + set_aside >= settings.gather_rows:
                        # Mostly rejects: written as gathered (no rows, when all were set
                        # aside), so that the checkpoint moves past them and progress, with
                        # the count rejected, is told as the rows are read, not once at the
                        # table's end.
                        write_gathered()
                        set_aside = 0
                finally:
                    # Released as read: the budget paces the reader, which must not wait on
                    # batches the writer is still gathering.
                    budget.release(batch.nbytes)
        except Exception:
            # A bad value or a broken read stops the stream after what was read before it,
            # as when every batch was written at once (a retry then starts after it).
            if gathered and not write_broke:
                with contextlib.suppress(Exception):
                    write_gathered()
            raise
        if gathered and not stop.is_set():
            write_gathered()
    finally:
        with contextlib.suppress(Exception):
            casts.close()  # an in-memory DuckDB: nothing of the run's is in it
        ahead.close()
        reader.close()
        with contextlib.suppress(Exception):
            conns.source.end_reads()


_Gathered = tuple[pa.RecordBatch, pa.Array, Any]
"""A batch read but not yet written, its rows' keys, and the last key read (past the rows
set aside as rejects)."""


def _take(gathered: list[_Gathered], rows: int | None) -> tuple[pa.RecordBatch, pa.Array, Any]:
    """The first ``rows`` gathered rows (all when None) as one batch, their keys, and the
    key to checkpoint after them; what is left stays in ``gathered``."""
    last_key = gathered[-1][2]
    if len(gathered) == 1 and (rows is None or rows >= gathered[0][0].num_rows):
        out, keys, _ = gathered.pop()
        return out, keys, last_key
    table = pa.Table.from_batches([b for b, _, _ in gathered]).combine_chunks()
    out = table.to_batches()[0] if table.num_rows else gathered[0][0]
    keys = pa.concat_arrays([k for _, k, _ in gathered])
    gathered.clear()
    if rows is not None and rows < out.num_rows:
        gathered.append((out.slice(rows), keys.slice(rows), last_key))
        out, keys, last_key = out.slice(0, rows), keys.slice(0, rows), keys[rows - 1].as_py()
    return out, keys, last_key


_REFUSED_VALUE_STATES = ("22", "23502", "23514")
"""SQLSTATEs of a value the target refuses (data exceptions, NOT NULL, CHECK): a row's own
problem, set aside with --on-error reject. A key that repeats (23505) is not one."""


def _refused_character(
    exc: TransferError, batch: pa.RecordBatch, conns: WorkerConnections
) -> Problem | None:
    """The row and column of a character a PostgreSQL target's database encoding (LATIN1...)
    has no equivalent for, when that is why the batch was refused (22P05)."""
    if exc.sqlstate != "22P05" or isinstance(exc, TransientError):
        return None
    from arrowmig.endpoints.postgres import PostgresEndpoint

    target = conns.target
    if not isinstance(target, PostgresEndpoint):
        return None
    try:
        encoding = target.database_encoding()
    except Exception:
        return None  # only a better message lost: the server's own is raised
    return untranslatable_problem(exc.message, batch, encoding)


def _column_refused(exc: TransferError, row: pa.RecordBatch, target: Table) -> str:
    """The column whose value the server refused in this one row, where its error names it:
    the column of a constraint's error, PostgreSQL's ``COPY t, line 1, column u: "nope"``, or
    the value itself (``invalid input syntax for type uuid: "nope"``, of INSERT ... SELECT)
    when one column alone holds it, or the one column the server reads from text (hstore's
    "Unexpected end of string" names nothing); ``*`` (the row) where it names none."""
    names: list[str] = list(row.schema.names)
    cause = exc.__cause__
    said = getattr(getattr(cause, "diag", None), "column_name", None)
    if said in names:
        return str(said)
    text = str(cause or exc.message)
    # PostgreSQL's NOT NULL refusal names its column in quotes, as no other refusal does.
    null_in = re.search(r'null value in column "((?:[^"]|"")+)" of relation', text)
    if null_in is not None and null_in.group(1).replace('""', '"') in names:
        return null_in.group(1).replace('""', '"')
    # The longest name first: a column "u" must not be taken for one named "u x".
    for name in sorted(names, key=len, reverse=True):
        # COPY's context (", column u:"), or a message of arrowmig's own ("column u: ...").
        if re.search(rf"(?:, |^|:\s+)column {re.escape(name)}(?::|$)", text, flags=re.MULTILINE):
            return name
        # SQLite's and DuckDB's NOT NULL refusal names its column after its table's name.
        if re.search(rf"NOT NULL constraint failed: .*\b{re.escape(name)}$", text, re.MULTILINE):
            return name
    read = [c.name for c in server_read_columns(target) if c.name in names]
    value = re.search(r'for type [^:\n]+: "(.*)"$', exc.message, flags=re.MULTILINE)
    looked_in = names
    if value is None:
        # An OID alias column's name the target lacks ('relation "app.gone" does not exist'):
        # only a column the server reads as such a type looked it up.
        value = re.search(r'\w "([^"]*)" does not exist\b', exc.message)
        looked_in = read
    if value is not None:
        holding = [n for n in looked_in if str(row.column(n)[0].as_py()) == value.group(1)]
        if len(holding) == 1:
            return holding[0]
    return read[0] if len(read) == 1 and refused_reading(exc, target) else "*"


def _names_its_row(exc: TransferError) -> bool:
    """Whether the error already names its row and the way past (a ragged list, a scale that
    would round, with what to do), as arrowmig's own checks do: failing, it stops the table
    with the whole batch undone; a server's bare refusal is found by its row first."""
    return exc.hint is not None and exc.hint not in (CONSTRAINT_HINT, SERVER_READ_HINT)


def _value_refused(exc: TransferError, target: Table) -> bool:
    state = exc.sqlstate or ""
    if refused_reading(exc, target):
        return True  # an extension's input function's refusal has no data-exception state
    return not isinstance(exc, TransientError) and state.startswith(_REFUSED_VALUE_STATES)


def _conform(batch: pa.RecordBatch, source: Table, target: Table) -> pa.RecordBatch:
    """Reorder and cast a source batch to the target table's columns (append mode), each
    source column first in its --cast type. A column already of its target type goes as it
    is: its --cast, if any, is the writer's to apply (a SQLite table that takes any value)."""
    if batch.schema.names == [c.name for c in target.columns] and all(
        f.type == c.arrow_type for f, c in zip(batch.schema, target.columns, strict=True)
    ):
        return batch
    arrays = []
    for col in target.columns:
        array = batch.column(batch.schema.get_field_index(col.name))
        if array.type != col.arrow_type:  # screen_batch set the misfits aside
            array = conform(cast_as_asked(array, source.column(col.name)), col.arrow_type)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, schema=target.arrow_schema)


def _write_with_retries(
    conns: WorkerConnections,
    table: Table,
    batch: pa.RecordBatch,
    settings: StreamSettings,
    on_retry: Callable[[str], None],
    after: tuple[str, tuple[Any, ...]] | None = None,
    landed: Callable[[], bool] | None = None,
) -> None:
    """Write one batch, retried on a new connection after a transient error. Once the
    connection was lost, ``landed`` is asked first whether the batch went in after all (and
    whether what was committed before survived)."""
    attempt = 0
    lost = False
    while True:
        try:
            if lost and landed is not None and landed():
                return
            conns.target.write_batch(table, batch, after=after)
            return
        except TargetFailed:
            raise
        except (TransientError, ConnectError) as exc:
            lost = lost or isinstance(exc, ConnectError) or lost_connection(exc)
            # A ConnectError here is the reconnect of a retry failing (the server is still
            # restarting): as transient as the error that made us reconnect.
            first = isinstance(exc, ConnectError) and attempt == 0
            if attempt >= settings.retries or first or isinstance(exc, _FOR_GOOD):
                raise
            attempt += 1
            wait_s = backoff_s(attempt, settings.retry_max_wait_s)
            on_retry(f"{exc} (retry {attempt}/{settings.retries} in {wait_s:.1f}s)")
            conns.reset_target()
            time.sleep(wait_s)


def through_restarts(
    action: Callable[[], None],
    retries: int,
    before_retry: Callable[[], None],
    on_retry: Callable[[str], None] | None = None,
) -> None:
    """Run a small control statement (a checkpoint, a wrap-up) through a restart of the
    server or a lock held elsewhere: transient errors and failed reconnects are retried with
    backoff, each retry told to ``on_retry``."""
    attempt = 0
    while True:
        try:
            action()
            return
        except (TransientError, ConnectError) as exc:
            if attempt >= retries or isinstance(exc, _FOR_GOOD):
                raise
            attempt += 1
            wait_s = backoff_s(attempt, 30.0)
            if on_retry is not None:
                on_retry(f"{exc.message} (retry {attempt}/{retries} in {wait_s:.1f}s)")
            before_retry()
            time.sleep(wait_s)


def connect_stream(
    conns: WorkerConnections, settings: StreamSettings, on_retry: Callable[[str], None]
) -> None:
    """Open a stream's source and target connections (those its worker does not hold yet).
    The run reached both servers as it planned, so one that refuses now is restarting or
    busy: retried with the backoff of any transient failure, each retry counted."""

    def both() -> None:
        conns.source  # noqa: B018  (opened on first use)
        conns.target  # noqa: B018

    through_restarts(both, settings.retries, lambda: None, on_retry)


def backoff_s(attempt: int, max_wait_s: float) -> float:
    """Exponential backoff (1, 2, 4 s ...) with jitter, so parallel streams do not retry in step."""
    return min(max_wait_s, 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)
