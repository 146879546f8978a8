"""A batch into PostgreSQL commits with its checkpoint row, whichever way that row is sent
(written into the batch's first round trip, or prepared where its texts cannot be)."""

from __future__ import annotations

import pyarrow as pa
import pytest

import arrowmig
from arrowmig.checkpoint import CheckpointStore, Row
from arrowmig.errors import TransferError
from arrowmig.model import Column, Table

TABLE = Table("t", (Column("id", pa.int64(), nullable=False),))


def _row(stream: str, rows: int, last_key: int | None) -> Row:
    return Row(
        run_id="run-1",
        table_name="t",
        stream_name=stream,
        physical_table="t",
        after_key=None,
        upto_key=None,
        last_key=last_key,
        rows_done=rows,
        state="running",
        detail=None,
        updated_at=None,
    )


@pytest.mark.parametrize("stream", ["it's", "back\\slash", "plain"])
def test_a_batch_commits_with_its_checkpoint_exactly(pg_url: str, stream: str) -> None:
    with arrowmig.open_endpoint(pg_url) as target:
        target.create_table(TABLE)
        store = CheckpointStore(target)
        store.ensure()
        batch = pa.record_batch([pa.array([1, 2, 3], pa.int64())], ["id"])
        target.write_batch(TABLE, batch, after=store.upsert(_row(stream, 3, 3)))
        target.write_batch(TABLE, batch.slice(0, 1), after=store.upsert(_row(stream, 4, None)))
        (row,) = store.rows("run-1")
        assert (row.stream_name, row.rows_done, row.last_key) == (stream, 4, None)
        assert target.execute("SELECT count(*) FROM t") == [(4,)]


def test_a_refused_batch_leaves_its_checkpoint_unwritten(pg_url: str) -> None:
    with arrowmig.open_endpoint(pg_url) as target:
        target.create_table(TABLE)
        store = CheckpointStore(target)
        store.ensure()
        nulls = pa.record_batch([pa.array([None], pa.int64())], ["id"])  # NOT NULL refuses it
        with pytest.raises(TransferError):
            target.write_batch(TABLE, nulls, after=store.upsert(_row("s", 1, 1)))
        assert store.rows("run-1") == []
        assert target.execute("SELECT count(*) FROM t") == [(0,)]
