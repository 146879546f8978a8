"""An in-memory double of the endpoint seam, for scheduler and pipeline tests only.

Tables are Arrow tables with an integer key column ``id``; reads honour key ranges and batch
sizes like the real endpoints; writes append batches under a lock. Faults are injected per
table (a transient or a fatal error on a given write or read batch) and every read and
write is recorded, so tests can check order, isolation and that metered rows were written.
Endpoint tests use the real databases; this double never stands in for one of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from arrowmig.endpoints.base import ClosedOnExit
from arrowmig.endpoints.common import KEY_COLUMN
from arrowmig.errors import SchemaError, TransferError, TransientError
from arrowmig.model import Column, KeyRange, Table, TableLoad
from arrowmig.pipeline import Checkpoint, StreamSettings, copy_stream
from arrowmig.plan import Stream
from arrowmig.scheduler import MemoryBudget, Scheduler, WorkerConnections
from arrowmig.schema import quote_ident
from arrowmig.urls import EndpointUrl


@dataclass
class Faults:
    """What goes wrong for one table. Batch numbers count from 0, per table, across streams."""

    write_transient: dict[int, int] = field(default_factory=dict)
    """Write call number -> how many times in a row it raises TransientError before passing."""
    write_fatal_at: int | None = None
    """The write call number that raises a (non-transient) TransferError."""
    read_fatal_at: int | None = None
    """The batch number (of one read) after which the read raises TransferError."""
    read_transient_at: dict[int, int] = field(default_factory=dict)
    """Batch number of a read -> times the read breaks there with TransientError."""
    write_delay_s: float = 0.0
    read_delay_s: float = 0.0


def make_table(rows: int, *, start: int = 1, step: int = 1, text: str = "x") -> pa.Table:
    """``rows`` rows with keys start, start+step, ... and a text and a float column."""
    ids = list(range(start, start + rows * step, step))
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "label": pa.array([f"{text}{i}" for i in ids], pa.string()),
            "value": pa.array([i * 0.5 for i in ids], pa.float64()),
        }
    )


class MemoryStore:
    """The shared state of every MemoryEndpoint opened on it: the "database"."""

    def __init__(self, tables: dict[str, pa.Table] | None = None) -> None:
        self.source: dict[str, pa.Table] = dict(tables or {})
        self.target: dict[str, list[pa.RecordBatch]] = {}
        self.columns: dict[str, list[tuple[str, str]]] = {}
        """(name, type) of the columns of each created target table."""
        self.faults: dict[str, Faults] = {}
        self.reads: list[tuple[str, KeyRange | None, str]] = []
        """(table, key range, thread name) for every read, in the order they started."""
        self.write_calls: dict[str, int] = {}
        self.statements: list[str] = []
        self.opened = 0
        self.closed = 0
        self.lock = threading.Lock()
        self._retry_left: dict[tuple[str, int], int] = {}
        self._read_retry_left: dict[tuple[str, int], int] = {}

    def open(self) -> MemoryEndpoint:
        with self.lock:
            self.opened += 1
        return MemoryEndpoint(self)

    def written(self, table: str) -> pa.Table | None:
        batches = self.target.get(table)
        if batches is None:
            return None
        schema = batches[0].schema if batches else None
        if schema is None:
            return pa.table({})
        return pa.Table.from_batches(batches, schema=schema)

    def written_rows(self, table: str) -> int:
        return sum(b.num_rows for b in self.target.get(table, []))

    def written_ids(self, table: str) -> list[int]:
        ids: list[int] = []
        for batch in self.target.get(table, []):
            ids.extend(batch.column("id").to_pylist())
        return ids


class MemoryEndpoint(ClosedOnExit):
    """One "connection" to a MemoryStore: source and target at once."""

    dialect = "duckdb"

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.url = EndpointUrl("memory", "memory", "memory://test")
        self.schema: str | None = None
        self._closed = False

    # -- both sides ---------------------------------------------------------------------------
    def close(self) -> None:
        if not self._closed:
            self._closed = True
            with self.store.lock:
                self.store.closed += 1

    def list_tables(self) -> list[str]:
        return sorted(self.store.source)

    def list_views(self) -> list[str]:
        return []

    def other_schemas(self) -> dict[str, int]:
        return {}

    def table_exists(self, name: str) -> bool:
        return name in self.store.target

    # -- source side --------------------------------------------------------------------------
    def describe(
        self, name: str, *, profile: bool = True, workers: int = 1, presume: bool = False
    ) -> Table:
        data = self.store.source.get(name)
        if data is None:
            raise SchemaError(f"table {name!r} not found", table=name)
        columns = tuple(Column(f.name, f.type, source_type=str(f.type)) for f in data.schema)
        return Table(name, columns, primary_key=("id",), row_count=data.num_rows, split_key="id")

    def key_bounds(self, table: Table) -> tuple[Any, Any] | None:
        data = self.store.source[table.name]
        if data.num_rows == 0:
            return None
        ids = data.column("id")
        return pc.min(ids).as_py(), pc.max(ids).as_py()

    def read(
        self,
        table: Table,
        *,
        batch_rows: int,
        key_range: KeyRange | None = None,
        with_key: bool = False,
        batch_bytes: int | None = None,
    ) -> pa.RecordBatchReader:
        data = self.store.source[table.name]
        with self.store.lock:
            self.store.reads.append((table.name, key_range, threading.current_thread().name))
        ids = data.column("id")
        mask = pc.is_valid(ids)
        if key_range is not None and key_range.after is not None:
            mask = pc.and_(mask, pc.greater(ids, key_range.after))
        if key_range is not None and key_range.upto is not None:
            mask = pc.and_(mask, pc.less_equal(ids, key_range.upto))
        chosen = data.filter(mask).sort_by("id")
        schema = table.arrow_schema
        if with_key:
            chosen = chosen.append_column(KEY_COLUMN, chosen.column("id"))
            schema = schema.append(pa.field(KEY_COLUMN, pa.int64()))
        chosen = chosen.cast(schema)
        faults = self.store.faults.get(table.name, Faults())
        return pa.RecordBatchReader.from_batches(
            schema, self._batches(table.name, chosen, batch_rows, faults)
        )

    def _batches(
        self, name: str, data: pa.Table, batch_rows: int, faults: Faults
    ) -> Iterator[pa.RecordBatch]:
        for number, batch in enumerate(data.to_batches(max_chunksize=batch_rows)):
            if faults.read_fatal_at is not None and number == faults.read_fatal_at:
                raise TransferError(f"reading {name!r}: injected failure", table=name)
            key = (name, number)
            with self.store.lock:
                left = self.store._read_retry_left.setdefault(
                    key, faults.read_transient_at.get(number, 0)
                )
                if left:
                    self.store._read_retry_left[key] = left - 1
            if left:
                raise TransientError(f"reading {name!r}: injected connection loss", table=name)
            if faults.read_delay_s:
                time.sleep(faults.read_delay_s)
            yield batch

    def end_reads(self) -> None:
        return None

    # -- target side --------------------------------------------------------------------------
    def check_names(self, table: Table) -> None:
        return None

    def create_table(self, table: Table) -> None:
        with self.store.lock:
            self.store.target[table.name] = []
            self.store.columns[table.name] = [(c.name, str(c.arrow_type)) for c in table.columns]

    def qualify(self, name: str) -> str:
        return quote_ident(name)

    def drop_table(self, name: str) -> None:
        with self.store.lock:
            self.store.target.pop(name, None)

    def truncate_table(self, name: str) -> None:
        with self.store.lock:
            self.store.target[name] = []

    def existing_table(self, name: str) -> Table:
        return Table(name, tuple(Column(f.name, f.type) for f in self.store.source[name].schema))

    def omittable_columns(self, name: str) -> set[str]:
        return set()

    def computed_columns(self, name: str) -> set[str]:
        return set()

    def declared_columns(self, name: str) -> list[tuple[str, str]]:
        with self.store.lock:
            return list(self.store.columns.get(name, [])) if name in self.store.target else []

    def write_batch(
        self,
        table: Table,
        batch: pa.RecordBatch,
        *,
        after: tuple[str, tuple[Any, ...]] | None = None,
    ) -> None:
        faults = self.store.faults.get(table.name, Faults())
        with self.store.lock:
            number = self.store.write_calls.get(table.name, 0)
            key = (table.name, number)
            left = self.store._retry_left.setdefault(key, faults.write_transient.get(number, 0))
            if left:
                self.store._retry_left[key] = left - 1
            else:
                self.store.write_calls[table.name] = number + 1
        if left:
            raise TransientError(f"writing {table.name!r}: injected connection loss")
        if faults.write_fatal_at is not None and number == faults.write_fatal_at:
            raise TransferError(f"writing {table.name!r}: injected failure", table=table.name)
        if faults.write_delay_s:
            time.sleep(faults.write_delay_s)
        with self.store.lock:
            self.store.target.setdefault(table.name, []).append(batch)
            if after is not None:
                self.store.statements.append(after[0])

    def param(self, index: int) -> str:
        return "?"

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.store.lock:
            self.store.statements.append(sql)
        return []

    def run_in_transaction(
        self, statements: list[str], what: str, table: str | None = None
    ) -> None:
        with self.store.lock:
            self.store.statements.extend(statements)

    def finish_table(self, table: Table) -> TableLoad:
        return TableLoad(built=[f"primary key ({', '.join(table.primary_key)})"])

    def stop(self) -> None:
        """Its writes never wait: nothing to cancel."""


def copy_whole_table(
    store: MemoryStore,
    name: str,
    settings: StreamSettings,
    checkpoint: Checkpoint,
    on_batch: Callable[[int, int], None] = lambda _rows, _bytes: None,
) -> int:
    """``copy_stream`` of the whole table ``name`` into the store's target, as one stream;
    returns the rows written."""
    rows = store.source[name].num_rows
    with store.open() as source:
        table = source.describe(name)
        conns = WorkerConnections(store.open, store.open)
        try:
            return copy_stream(
                Stream(name, None, 0, 1, rows),
                table,
                table,
                conns,
                settings,
                MemoryBudget(1 << 20),
                Scheduler(1, store.open, store.open).stop,
                on_batch,
                lambda _message: None,
                checkpoint,
            )
        finally:
            conns.close()
