"""PostgreSQL to PostgreSQL without decoding: a table whose columns have the same types on
both servers, of one major version, moves as the source's binary COPY, passed on as it comes.

On the Arrow path the drivers decode every value into Arrow and encode it again into a COPY:
about two thirds of a PostgreSQL → PostgreSQL run's client CPU (README, "PostgreSQL →
PostgreSQL"). Here each row is one CopyData message, passed on whole; the rows are counted
and cut into transactions of ``--batch-rows`` rows, each committed with its checkpoint, as
the Arrow path commits a batch. Nothing is converted, so nothing can be lost:
the target's recv functions check each value against its column as an INSERT would.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa

from arrowmig.encodings import holds_every_character
from arrowmig.endpoints.common import key_range_filter
from arrowmig.endpoints.pg_wire import BINARY_HEADER, BINARY_TRAILER, WireError
from arrowmig.errors import TargetFailed, TransferError, TransientError
from arrowmig.model import KeyRange, Table
from arrowmig.schema import qualified, quote_ident

if TYPE_CHECKING:
    from arrowmig.endpoints.pg_wire import WireConnection
    from arrowmig.endpoints.postgres import PostgresEndpoint
    from arrowmig.pipeline import Checkpoint, StreamSettings, _StreamProgress
    from arrowmig.scheduler import MemoryBudget, StopFlag, WorkerConnections

_T = TypeVar("_T")

DIRECT_NOTE = (
    "rows passed on as PostgreSQL binary COPY, undecoded (every column has the same type on "
    "both servers)"
)


def direct_note(notes: list[str]) -> str:
    """The report's note for a table copied undecoded; the plan's notes on how a column is
    carried (as text, as JSON) describe the Arrow way, which these rows did not take."""
    if any(" carried as " in note for note in notes):
        return DIRECT_NOTE + ": the columns kept their types, not the carried forms noted above"
    return DIRECT_NOTE


TRANSACTION_BYTES = 64 * 1024 * 1024
"""A transaction also ends at this much COPY data (or --batch-bytes, if larger), so a table
of wide rows still commits, and shows progress, every so often."""

_SEND_BYTES = 256 * 1024
"""Rows are handed on in blocks of about this size: one libpq call per row costs more than
joining them."""


def direct_columns(
    conns: WorkerConnections, source_table: Table, target_table: Table
) -> list[str] | None:
    """The columns to COPY straight across, in the target's order and under its names
    (``--target-names lower`` renames them; the source's COPY reads them under its own);
    None when a value would have to change on the way: not PostgreSQL on both sides, another
    type or type modifier (a --cast, a wider type, text for a type the target lacks), a type
    whose binary form another database cannot read (``pg_binary_forms``), a column
    it would write that the target computes (one the plan leaves to the target is not written,
    so it does not count), another major version (the binary format may differ), a target database whose
    encoding may not hold a source's character (a row would fail without being named), or a
    split key that is not carried (a resume needs its last value)."""
    from arrowmig.endpoints.postgres import PostgresEndpoint

    source, target = conns.source, conns.target
    if not (isinstance(source, PostgresEndpoint) and isinstance(target, PostgresEndpoint)):
        return None
    if not _libpq_available():
        return None
    names = [c.source_name or c.name for c in target_table.columns]
    if sorted(names) != sorted(c.name for c in source_table.columns):
        return None
    key = source_table.split_key
    if key is not None and key not in names:
        return None
    try:
        if source.server_major() != target.server_major():
            return None
        theirs = source.column_types(source_table.name)
        ours = target.column_types(target_table.name)
        undecodable = source.undecodable_columns(source_table.name)
        if undecodable or target.undecodable_columns(target_table.name):
            return None
        holds = holds_every_character(source.database_encoding(), target.database_encoding())
    except Exception:
        # Only a shortcut: the Arrow path reads the same table and reports what is wrong.
        return None
    for name, there in zip(names, (c.name for c in target_table.columns), strict=True):
        if name not in theirs or there not in ours or ours[there][1]:
            return None
        if theirs[name][0] != ours[there][0]:
            return None
    return [c.name for c in target_table.columns] if holds else None


@functools.cache
def _libpq_available() -> bool:
    """Whether psycopg's libpq binding loads here (a platform without its binary wheel needs a
    system libpq); without it every table goes the Arrow way."""
    try:
        from psycopg import pq  # noqa: F401
    except ImportError:
        return False
    return True


def copy_range_direct(
    key_range: KeyRange,
    source_table: Table,
    target_table: Table,
    columns: list[str],
    conns: WorkerConnections,
    settings: StreamSettings,
    budget: MemoryBudget,
    stop: StopFlag,
    on_batch: Callable[[int, int], None],
    checkpoint: Checkpoint | None,
    progress: _StreamProgress,
) -> None:
    """Copy one key range of a table; each transaction's rows count when it commits.

    A thread reads the source's COPY while this one writes the target's: the source goes on
    sending while a transaction ends and the next begins."""
    from arrowmig.endpoints.postgres import PostgresEndpoint
    from arrowmig.endpoints.postgres_catalog import from_clause
    from arrowmig.pipeline import ReadAhead

    source, target = conns.source, conns.target
    assert isinstance(source, PostgresEndpoint) and isinstance(target, PostgresEndpoint)
    # The COPYs name the same columns in one order, each side under its own names.
    source_of = {c.name: c.source_name or c.name for c in target_table.columns}
    read = [source_of[name] for name in columns]
    listed = ", ".join(quote_ident(c) for c in columns)
    key = source_table.split_key
    read_from = from_clause(
        source.schema or "public", source_table.name, source_table.own_rows_only
    )
    select = f"SELECT {', '.join(quote_ident(c) for c in read)} FROM {read_from}"
    if key is not None:
        select += key_range_filter(quote_ident(key), key_range) + f" ORDER BY {quote_ident(key)}"
    writer = _ChunkWriter(
        target,
        target_table.name,
        f"COPY {qualified(target_table.name, target.schema)} ({listed}) FROM STDIN (FORMAT binary)",
    )
    key_at = None
    if key is not None:
        signed = not pa.types.is_unsigned_integer(source_table.column(key).arrow_type)
        key_at = (read.index(key), signed)
    blocks = _source_blocks(
        source,
        source_table.name,
        f"COPY ({select}) TO STDOUT (FORMAT binary)",
        settings.batch_rows,
        max(settings.batch_bytes, TRANSACTION_BYTES),
    )
    ahead = ReadAhead(blocks, budget, stop, depth=8)
    finished = False
    try:
        for block in ahead:
            try:
                writer.send(block)
            finally:
                budget.release(block.nbytes)
            if block.ends_chunk:
                _commit(writer, block.last, key_at, checkpoint, progress, on_batch)
        finished = not stop.is_set()
    finally:
        ahead.close()
        if not finished:
            # Either connection may be inside a COPY or a transaction: both are closed (the
            # server rolls back), and the next use opens them again.
            source.drop_wire()
            target.drop_wire()


@dataclass(frozen=True)
class _Block:
    """Whole rows of the source's COPY, sent to the target in one call."""

    data: bytes
    rows: int
    last: bytes
    """The last row (its split key is where a resume starts)."""
    ends_chunk: bool
    """The transaction commits after this block."""

    @property
    def nbytes(self) -> int:
        return len(self.data)


def _source_blocks(
    source: PostgresEndpoint, table: str, copy_sql: str, chunk_rows: int, chunk_bytes: int
) -> Iterator[_Block]:
    """The source COPY's rows (one message each, without its header and trailer) in blocks
    of about ``_SEND_BYTES``, the last of each transaction of ``chunk_rows`` rows (or
    ``chunk_bytes`` bytes) marked.

    --batch-bytes bounds the Arrow batches a stream holds; here blocks are small whatever
    the transaction, so a transaction is --batch-rows rows, or 64 MiB of wide rows. Each one
    ends with a pause while the target takes what is still in flight, which cost a fifth to a
    third of the time in transactions of 1 MiB (README, "Between two PostgreSQL databases")."""
    wire = source.wire()
    chunk_count = chunk_size = 0
    last = b""
    try:
        wire.execute(source.wire_read_begin())
        runs = wire.copy_out_runs(copy_sql, _SEND_BYTES)
        next(runs)
        first, done = True, False
        while not done:
            run, size, done = runs.send(chunk_rows - chunk_count)
            if first and run:  # the header comes before the first row, in its message
                first = False
                size -= len(BINARY_HEADER)
                run[0] = run[0][len(BINARY_HEADER) :]
                if not run[0]:
                    del run[0]
            if run and run[-1] == BINARY_TRAILER:  # the last message holds no row
                size -= len(BINARY_TRAILER)
                del run[-1]
            chunk_count += len(run)
            chunk_size += size
            if run:
                last = bytes(run[-1])
            elif not (done and chunk_count):
                continue
            # The COPY's end ends the transaction too, though no row came with it.
            ends = done or chunk_count >= chunk_rows or chunk_size >= chunk_bytes
            yield _Block(b"".join(run), len(run), last, ends)
            if ends:
                chunk_count = chunk_size = 0
        runs.close()
        wire.execute("COMMIT")
    except WireError as exc:
        raise source.translate(exc, f"reading {table!r}", table) from exc


class _ChunkWriter:
    """One transaction's rows, sent as they come, committed by ``_commit``."""

    def __init__(self, target: PostgresEndpoint, table: str, copy_sql: str) -> None:
        self.target = target
        self.table = table
        self.copy_sql = copy_sql
        self.rows = 0
        self.bytes = 0

    def send(self, block: _Block) -> None:
        if not self.rows:
            self._run(self._begin)
        self._run(lambda wire: wire.put(block.data))
        self.rows += block.rows
        self.bytes += block.nbytes

    def _begin(self, wire: WireConnection) -> None:
        wire.execute("BEGIN; " + self.target.batch_settings_sql())
        wire.copy_in(self.copy_sql)
        wire.put(BINARY_HEADER)

    def finish(self, after: tuple[str, tuple[Any, ...]] | None) -> None:
        """End the COPY and commit it with ``after``, the checkpoint, once the target says it
        took every row sent (else nothing of it commits)."""
        self._run(lambda wire: wire.put(BINARY_TRAILER))
        taken = self._run(lambda wire: wire.end_copy())
        if taken != self.rows:
            raise TransferError(
                f"writing {self.table!r}: the target took {taken:,} of the {self.rows:,} rows "
                "sent; nothing of them was committed",
                table=self.table,
            )
        check = self.target.lock_check_sql()
        if check:  # as the Arrow path's batch: commits only while the run holds its lock
            self._run(lambda wire: wire.execute(check))
        if after is not None:
            self._run(lambda wire: wire.execute(after[0], after[1]))
        self._run(lambda wire: wire.execute("COMMIT"))

    def _run(self, action: Callable[[WireConnection], _T]) -> _T:
        try:
            return action(self.target.wire())
        except WireError as exc:
            error = self.target.translate(exc, f"writing {self.table!r}", self.table)
            error = self.target.held_again(error, self.table)
            if isinstance(error, TransientError):
                # The retry reads back what the target holds: a crash may have lost the
                # last transactions, or committed the one whose answer it cut off.
                error = TargetFailed(
                    error.message, hint=error.hint, table=error.table, sqlstate=error.sqlstate
                )
            raise error from exc


def _commit(
    writer: _ChunkWriter,
    last_row: bytes,
    key_at: tuple[int, bool] | None,
    checkpoint: Checkpoint | None,
    progress: _StreamProgress,
    on_batch: Callable[[int, int], None],
) -> None:
    rows, sent = writer.rows, writer.bytes
    last_key = _integer_field(last_row, *key_at) if key_at is not None else None
    after = checkpoint(progress.rows + rows, last_key) if checkpoint else None
    writer.finish(after)
    writer.rows = writer.bytes = 0
    progress.rows += rows
    progress.written += rows
    if last_key is not None:
        progress.last_key = last_key
    on_batch(rows, sent)


def _integer_field(row: bytes, position: int, signed: bool) -> int:
    """The integer in field ``position`` of a binary COPY row (the split key of the last row
    a transaction committed: a resume starts after it); ``signed`` but for an ``oid`` key."""
    offset = 2  # the row's field count
    for _ in range(position):
        length = int.from_bytes(row[offset : offset + 4], "big", signed=True)
        offset += 4 + max(length, 0)
    length = int.from_bytes(row[offset : offset + 4], "big", signed=True)
    return int.from_bytes(row[offset + 4 : offset + 4 + length], "big", signed=signed)
