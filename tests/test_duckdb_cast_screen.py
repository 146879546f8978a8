"""The screen of DuckDB's casts (``endpoints/duckdb_casts``) shares one in-memory connection
among a stream's batches: a connection opened per batch and column took tens of milliseconds,
and made a PostgreSQL table of uuid, json and inet columns into DuckDB several times slower at
the default ``--batch-bytes``. Each value DuckDB cannot read is still named by its row and column."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import pytest

from arrowmig import migrate
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.endpoints import duckdb_casts

UUID = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
ROWS = 40
BAD_UUID = {7: "banana", 23: "nope"}
BAD_INTERVAL = {7: "soon", 31: "later"}


def _source(path: Path) -> str:
    """Table t (id, u, iv, note): u and iv texts cast to uuid and interval, note plain text."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, u TEXT, iv TEXT, note TEXT)")
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?)",
        [
            (n, BAD_UUID.get(n, UUID), BAD_INTERVAL.get(n, f"{n} minutes"), f"row {n}")
            for n in range(1, ROWS + 1)
        ],
    )
    con.commit()
    con.close()
    return str(path)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the DuckDB connections the screen opens (real ones, in memory)."""
    count = [0]
    real = duckdb_casts.connect_duckdb

    def counted(*args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        count[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(duckdb_casts, "connect_duckdb", counted)
    return count


def test_one_connection_screens_every_batch_and_column(tmp_path: Path, opened: list[int]) -> None:
    # 8 batches of 5 rows, two screened columns: 16 connections before, one per stream now.
    config = MigrationConfig(
        casts=(("t", "u", "uuid"), ("t", "iv", "interval")),
        batch=BatchConfig(batch_rows=5),
        on_error="reject",
        reject_dir=str(tmp_path / "rj"),
    )
    target = tmp_path / "t.duckdb"
    report = migrate(_source(tmp_path / "s.db"), str(target), config=config)
    (table,) = report.tables
    assert table.streams == 1
    assert opened[0] == 1
    set_aside = [
        json.loads(line) for line in (tmp_path / "rj" / "t.jsonl").read_text().splitlines()
    ]
    assert [(r["row"][0], sorted(p["column"] for p in r["problems"])) for r in set_aside] == [
        (7, ["iv", "u"]),
        (23, ["u"]),
        (31, ["iv"]),
    ]
    with duckdb.connect(str(target), read_only=True) as con:
        kept = con.execute("SELECT count(*), count(DISTINCT u) FROM t").fetchone()
    assert kept == (ROWS - 3, 1)


def test_plain_text_into_duckdb_opens_no_screen(tmp_path: Path, opened: list[int]) -> None:
    # Every text converts to VARCHAR: there is nothing to try.
    config = MigrationConfig(batch=BatchConfig(batch_rows=5))
    report = migrate(_source(tmp_path / "s.db"), str(tmp_path / "t.duckdb"), config=config)
    assert report.tables[0].rows == ROWS
    assert opened[0] == 0
