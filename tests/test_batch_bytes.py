"""--batch-bytes: a batch ends at the row or the byte limit, whichever comes first, as full as
the limits allow, whatever size of chunk the source reads; its checkpoint is its last row's key.
"""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrowmig import migrate
from arrowmig import pipeline as pipeline_module
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.events import Event
from arrowmig.pipeline import StreamSettings
from tests.dbutil import pg_exec
from tests.memory_endpoint import Faults, MemoryStore, copy_whole_table

ROWS = 1500
LIMIT = 256 * 1024
"""About 257 rows of 1 KiB text a batch, cut inside the chunks a SQLite source reads (sized
from a sampled row width, which leaves a row or two past the limit)."""


def _sqlite_source(folder: Path) -> str:
    path = folder / "wide.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE wide (id INTEGER PRIMARY KEY, t TEXT NOT NULL)")
        con.execute(
            "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < ?) "
            "INSERT INTO wide SELECT i, hex(randomblob(500)) FROM r",
            (ROWS,),
        )
    return str(path)


def _postgres_source(url: str) -> str:
    pg_exec(
        url,
        "CREATE TABLE wide (id integer PRIMARY KEY, t text NOT NULL)",
        f"INSERT INTO wide SELECT i, repeat(md5(i::text), 31) FROM generate_series(1, {ROWS}) i",
    )
    return url


def _duckdb_source(folder: Path) -> str:
    path = folder / "wide.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE wide AS SELECT i::INTEGER AS id, repeat(md5(i::VARCHAR), 31) AS t "
            f"FROM range(1, {ROWS + 1}) r(i)"
        )
    return str(path)


def _batches(events: list[Event]) -> dict[str | None, list[tuple[int, int]]]:
    """Each stream's committed batches, (rows, bytes), from the progress events."""
    per_stream: dict[str | None, list[tuple[int, int]]] = {}
    for e in events:
        if e.event == "progress" and e.batch_rows is not None:
            per_stream.setdefault(e.stream, []).append((e.batch_rows, e.batch_bytes or 0))
    return per_stream


@pytest.mark.parametrize("path", ["sqlite-postgresql", "postgresql-sqlite", "duckdb-postgresql"])
def test_each_batch_is_as_full_as_the_byte_limit_allows(
    path: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # The source reads chunks of its own size; a chunk's rows past the byte limit start the
    # next batch, not a batch (a transaction, a checkpoint row) of a handful of rows.
    source_kind, target_kind = path.split("-")
    if source_kind == "sqlite":
        source = _sqlite_source(tmp_path)
    elif source_kind == "duckdb":
        source = _duckdb_source(tmp_path)
    else:
        source = _postgres_source(request.getfixturevalue("pg_url"))
    target = (
        request.getfixturevalue("pg_url") if target_kind == "postgresql" else str(tmp_path / "t.db")
    )
    events: list[Event] = []
    config = MigrationConfig(batch=BatchConfig(batch_bytes=LIMIT))
    report = migrate(source, target, config=config, progress=events.append)
    assert report.ok, report.failed
    (batches,) = _batches(events).values()
    assert sum(rows for rows, _ in batches) == ROWS
    assert all(size <= LIMIT for _, size in batches), batches
    # Rows of one width: every batch but the last is full, about as many rows as the next.
    counts = [rows for rows, _ in batches]
    assert min(counts[:-1]) >= max(counts) - 1, batches
    assert len(batches) == -(-ROWS // max(counts)), batches


def test_a_gathered_write_into_duckdb_holds_at_most_the_gather_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limit made small (it is 32 MiB) so that a few batches reach it.
    batch_bytes = 64 * 1024
    gather_bytes = 4 * batch_bytes
    monkeypatch.setattr(pipeline_module, "GATHER_BYTES", gather_bytes)
    events: list[Event] = []
    config = MigrationConfig(batch=BatchConfig(batch_bytes=batch_bytes))
    source = _sqlite_source(tmp_path)
    report = migrate(source, str(tmp_path / "t.duckdb"), config=config, progress=events.append)
    assert report.ok, report.failed
    (writes,) = _batches(events).values()
    assert sum(rows for rows, _ in writes) == ROWS
    assert all(size <= gather_bytes for _, size in writes), writes
    # Each write but the last took as many batches as fitted (about four).
    assert all(size > gather_bytes - 2 * batch_bytes for _, size in writes[:-1]), writes


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    widths=st.lists(st.integers(0, 300), min_size=0, max_size=60),
    batch_rows=st.integers(1, 12),
    batch_bytes=st.integers(64, 1500),
    broken_read=st.integers(0, 8),
)
def test_batches_cut_across_chunks_checkpoint_their_own_last_row(
    widths: list[int], batch_rows: int, batch_bytes: int, broken_read: int
) -> None:
    # Rows of any width, read in chunks of batch_rows rows that the byte limit cuts anywhere,
    # and a read that breaks: every row lands once, in order; each write carries the
    # checkpoint of its own last row; none passes a limit but a single row wider than it.
    rows = len(widths)
    data = pa.table(
        {
            "id": pa.array(range(1, rows + 1), pa.int64()),
            "label": pa.array(["x" * w for w in widths], pa.string()),
        }
    )
    store = MemoryStore({"t": data})
    store.faults["t"] = Faults(read_transient_at={broken_read: 1})
    checkpoints: list[tuple[int, int | None]] = []
    sizes: list[tuple[int, int]] = []

    def checkpoint(done: int, last_key: int | None) -> tuple[str, tuple[Any, ...]]:
        checkpoints.append((done, last_key))
        return ("checkpoint", (done, last_key))

    stream_settings = StreamSettings(
        batch_rows=batch_rows, batch_bytes=batch_bytes, retry_max_wait_s=0.0
    )
    written = copy_whole_table(
        store, "t", stream_settings, checkpoint, lambda n, size: sizes.append((n, size))
    )
    writes = store.target.get("t", [])
    landed = [i for b in writes for i in b.column("id").to_pylist()]
    assert written == rows and landed == list(range(1, rows + 1))
    ends = list(itertools.accumulate(b.num_rows for b in writes))
    assert checkpoints == [(end, end) for end in ends]
    assert all(n <= batch_rows and (size <= batch_bytes or n == 1) for n, size in sizes), sizes
