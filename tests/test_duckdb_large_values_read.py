"""A DuckDB source of large values read back under arrowmig's cap on DuckDB's memory: in pieces
of row ids, in key order for a keyed table (as a resumed run needs), every row once, whatever
order the file holds its rows in."""

from __future__ import annotations

import itertools
import random
import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from arrowmig.endpoints import open_endpoint
from arrowmig.endpoints.duckdb_pieces import RowGroup, batch_rows_of, pieces, runs
from arrowmig.model import KeyRange
from tests.test_duckdb_memory_cap import BLOBS, _blobs, _digests, _migrate

ROWS = 240
VALUE_BYTES = 100_000


def _texts(path: Path, keyed: bool, per_group: int) -> dict[int, str]:
    """240 texts of 100 KB (24 MB), stored in no order of their keys, in row groups of
    ``per_group`` rows (as a file arrowmig writes holds what it wrote between checkpoints)."""
    rng = random.Random(11)
    want = {i: rng.randbytes(VALUE_BYTES // 2).hex() for i in range(1, ROWS + 1)}
    order = list(want)
    rng.shuffle(order)
    con = duckdb.connect(str(path))
    con.execute("SET max_vacuum_tasks = 0")  # rows written apart stay in row groups apart
    key = " PRIMARY KEY" if keyed else ""
    con.execute(f"CREATE TABLE t (id INTEGER{key}, body VARCHAR)")
    for at in range(0, ROWS, per_group):
        part = order[at : at + per_group]
        con.register("part", pa.table({"id": part, "body": [want[i] for i in part]}))
        con.execute("INSERT INTO t SELECT * FROM part")
        con.unregister("part")
        con.execute("CHECKPOINT")
    con.close()
    return want


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB capped at 12MB: one vector of the table's texts is twice that."""
    from arrowmig.endpoints import duckdb as duckdb_endpoint

    monkeypatch.setattr(duckdb_endpoint, "DUCKDB_MEMORY_LIMIT", "12MB")


@pytest.mark.parametrize(
    ("key_range", "expected"),
    [(None, list(range(1, ROWS + 1))), (KeyRange(after=40, upto=200), list(range(41, 201)))],
)
@pytest.mark.usefixtures("small_cap")
def test_a_keyed_table_of_large_texts_is_read_in_key_order_within_the_cap(
    tmp_path: Path, key_range: KeyRange | None, expected: list[int]
) -> None:
    # A key range sorted by DuckDB decompressed each vector of the texts whole, whatever
    # the range kept of it: "failed to pin block" at the cap.
    path = tmp_path / "texts.duckdb"
    want = _texts(path, keyed=True, per_group=60)
    with open_endpoint(str(path)) as src:
        table = src.describe("t")
        assert table.split_key == "id"
        batches = list(src.read(table, batch_rows=100, key_range=key_range, with_key=True))
    got = pa.Table.from_batches(batches)
    assert got.column("id").to_pylist() == expected
    assert got.column("body").to_pylist() == [want[i] for i in expected]


@pytest.mark.usefixtures("small_cap")
def test_a_table_of_large_texts_without_a_key_is_read_whole_within_the_cap(
    tmp_path: Path,
) -> None:
    path = tmp_path / "texts.duckdb"
    want = _texts(path, keyed=False, per_group=120)
    with open_endpoint(str(path)) as src:
        table = src.describe("t")
        assert table.split_key is None
        got = pa.Table.from_batches(list(src.read(table, batch_rows=100)))
    assert (
        dict(zip(got.column("id").to_pylist(), got.column("body").to_pylist(), strict=True)) == want
    )


def test_blobs_written_under_the_cap_are_read_back_under_it(tmp_path: Path) -> None:
    # 30 blobs of 1 to 10 MB loaded into DuckDB at a 100MB cap, then read out of it at the
    # same cap: "reading 'b': failed to pin block" (660 MB of them failed so at 640MB).
    source, middle = tmp_path / "blobs.db", tmp_path / "blobs.duckdb"
    back = tmp_path / "back.db"
    _blobs(source)
    code, err = _migrate(source, middle, "100MB", "--progress", "none")
    assert code == 0, err[-2000:]
    code, err = _migrate(middle, back, "100MB", "--progress", "none")
    assert code == 0, err[-2000:]
    assert f"done: {BLOBS} rows," in err
    _same_back(source, back)


def _same_back(source: Path, back: Path) -> None:
    """Every blob of ``source`` is in ``back`` under its key, byte for byte."""
    held = []
    for path in (source, back):
        con = sqlite3.connect(path)
        held.append(_digests(con.execute("SELECT id, data FROM b").fetchall()))
        con.close()
    assert held[1] == held[0]


def test_runs_are_the_consecutive_row_ids_in_the_order_given() -> None:
    ids = pa.array([4, 5, 6, 0, 1, 9, 3], pa.int64())
    assert list(runs(ids)) == [(4, 7), (0, 2), (9, 10), (3, 4)]
    assert list(runs(pa.array([], pa.int64()))) == []


def test_pieces_stay_within_row_groups_the_budget_and_a_share_of_the_cap() -> None:
    groups = (
        RowGroup(start=0, rows=100, row_bytes=1_000, widest_row=1_000),
        # Small rows on average, but some of 5 MB among them: a piece of 40 rows at the
        # average could be all of those.
        RowGroup(start=100, rows=1_000, row_bytes=1_000, widest_row=5_000_000),
    )
    got = list(pieces(iter([(50, 1100)]), groups, budget=40_000, cap_bytes=100_000_000))
    assert got[0] == (50, 90) and got[1] == (90, 100)  # 40 rows of the budget; the edge
    assert got[2] == (100, 105)  # a quarter of the cap: 5 rows of the widest
    assert all(end - first <= 5 for first, end in got[2:])
    assert got[-1][1] == 1100 and all(a[1] == b[0] for a, b in itertools.pairwise(got))
    one_each = list(pieces(iter([(0, 100)]), groups[:1], budget=10, cap_bytes=10))
    assert one_each == [(i, i + 1) for i in range(100)]  # one row at least


def test_batches_of_large_rows_hold_fewer_rows() -> None:
    groups = (RowGroup(0, 10, 50_000, 60_000), RowGroup(10, 10, 5_000_000, 5_000_000))
    assert batch_rows_of(groups, 100_000, 1024 * 1024) == 1
    assert batch_rows_of(groups[:1], 100_000, 1024 * 1024) == 20
    assert batch_rows_of(groups[:1], 8, 1024 * 1024) == 8
