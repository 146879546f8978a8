"""A DuckDB target whose table of large values needs more memory than arrowmig's cap on DuckDB:
the run says what to do, counts what the file holds, and a resume with more memory finishes."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb

BLOBS = 30


def _blobs(path: Path) -> None:
    rng = random.Random(3)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, name TEXT, data BLOB)")
    con.executemany(
        "INSERT INTO b VALUES (?, ?, ?)",
        ((i, f"f{i}", rng.randbytes(1_000_000 + i % 10 * 1_000_000)) for i in range(1, BLOBS + 1)),
    )
    con.commit()
    con.close()


def _migrate(source: Path, target: Path, cap: str, *more: str) -> tuple[int, str]:
    """A run in its own process (a DuckDB instance a failed checkpoint invalidated stays so
    for the process), with ``cap`` as ARROWMIG_DUCKDB_MEMORY_LIMIT: exit code, stderr."""
    run = subprocess.run(
        [sys.executable, "-m", "arrowmig", "migrate", str(source), str(target), *more],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ARROWMIG_DUCKDB_MEMORY_LIMIT": cap},
    )
    return run.returncode, run.stderr


def _held(path: Path) -> tuple[int, int]:
    """Rows in the file's table, and the rows its checkpoint says are done."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        ((rows,),) = con.execute("SELECT count(*) FROM b").fetchall()
        ((done,),) = con.execute(
            "SELECT rows_done FROM _arrowmig_checkpoints WHERE stream_name = 'b'"
        ).fetchall()
    finally:
        con.close()
    return rows, done


def test_blobs_past_the_duckdb_cap_fail_with_advice_counted_as_held_and_resume_with_more(
    tmp_path: Path,
) -> None:
    # DuckDB's checkpoint holds a row group's values of a column in memory: 165 MB of blobs
    # cannot be checkpointed within a 100MB cap. The batch whose automatic checkpoint failed
    # was committed all the same ("COMMIT succeeded and is durable"): the report counted it
    # out, said nothing of the cap, and the resume it advised failed the same way.
    source, target = tmp_path / "blobs.db", tmp_path / "blobs.duckdb"
    _blobs(source)
    code, err = _migrate(source, target, "100MB", "--progress", "none")
    assert code == 1, err[-2000:]
    assert "b: FAILED" in err and "ARROWMIG_DUCKDB_MEMORY_LIMIT=4GB" in err
    rows, done = _held(target)
    assert 0 < rows < BLOBS and done == rows
    assert f"NOT FINISHED: {rows} rows" in err

    code, err = _migrate(source, target, "100MB", "--progress", "none", "--resume")
    assert code != 0 and "ARROWMIG_DUCKDB_MEMORY_LIMIT=4GB" in err

    code, err = _migrate(source, target, "2GB", "--progress", "none", "--resume")
    assert code == 0, err[-2000:]
    assert f"done: {BLOBS} rows (" in err
    con = duckdb.connect(str(target), read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT id) FROM b").fetchall() == [
            (BLOBS, BLOBS)
        ]
    finally:
        con.close()
