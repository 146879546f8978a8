"""A signal while a worker's batch waits for a lock another session holds on the target: the
batch is cancelled and rolled back, and the run exits 130/143 at once, not once the lock is
released or --batch-timeout (SQLite: its busy timeout) has passed."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

ARROWMIG = (sys.executable, "-m", "arrowmig")
PROMPT_S = 10.0
"""How long the stop may take (a second or two here; a loaded host is slower). Without the
cancel the runs below wait 120 s (--batch-timeout) or SQLite's 60 s busy timeout."""


def _sqlite_source(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT)")
        con.execute(
            "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 20000) "
            "INSERT INTO orders SELECT x, hex(randomblob(8)) FROM g"
        )
    return path


def _start(source: str, target: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *ARROWMIG,
            *("migrate", source, target, "--parallel", "1", "--batch-rows", "100"),
            *("--batch-timeout", "120", "--progress", "json", *args),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stopped(proc: subprocess.Popen[str], sig: signal.Signals) -> dict[str, Any]:
    """Send ``sig``; the report of the run, which has exited within ``PROMPT_S``."""
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=PROMPT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"still running {PROMPT_S:g} s after {sig.name}") from None
    assert proc.returncode == (130 if sig == signal.SIGINT else 143), err
    assert "Traceback" not in err
    summary = json.loads(out.splitlines()[-1])
    assert summary["event"] == "summary"
    report: dict[str, Any] = summary["report"]
    return report


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_cancels_a_batch_waiting_for_a_postgresql_lock(
    pg_url: str, tmp_path: Path, sig: signal.Signals
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE orders (id bigint PRIMARY KEY, note text)")
    source = _sqlite_source(tmp_path / "src.db")
    # Reads pass a SHARE lock, writes wait for it: planning goes through, the first batch's
    # COPY waits.
    with psycopg.connect(pg_url) as holder:
        holder.execute("LOCK TABLE orders IN SHARE MODE")
        proc = _start(str(source), pg_url, "--mode", "append")
        _wait_for_a_copy_to_wait(pg_url, proc)
        report = _stopped(proc, sig)
        holder.rollback()
    assert report["interrupted"] == sig.name
    (table,) = report["tables"]
    assert table["status"] == "interrupted" and table["error"] is None
    assert table["rows"] == 0
    with psycopg.connect(pg_url) as con:
        # The batch that waited was rolled back, not committed once the lock went.
        assert con.execute("SELECT count(*) FROM orders").fetchone() == (0,)


def _wait_for_a_copy_to_wait(pg_url: str, proc: subprocess.Popen[str]) -> None:
    end = time.monotonic() + 60
    with psycopg.connect(pg_url, autocommit=True) as watcher:
        while time.monotonic() < end and proc.poll() is None:
            waiting = watcher.execute(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND query LIKE 'COPY%'"
            ).fetchall()
            if waiting:
                time.sleep(0.2)  # waiting for a while, as a user's Ctrl-C would find it
                return
            time.sleep(0.05)
    raise AssertionError("no COPY waited for the lock")


@pytest.mark.parametrize("path", ["copied by SQLite", "as Arrow batches"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_ends_a_batch_waiting_for_a_sqlite_file_another_process_writes(
    tmp_path: Path, sig: signal.Signals, path: str
) -> None:
    if path == "copied by SQLite":
        source = _sqlite_source(tmp_path / "src.db")
    else:
        source = tmp_path / "src.duckdb"
        with duckdb.connect(str(source)) as con:
            con.execute("CREATE TABLE orders (id BIGINT PRIMARY KEY, note TEXT)")
            con.execute("INSERT INTO orders SELECT range, md5(range::TEXT) FROM range(20000)")
    target = tmp_path / "out.db"
    proc = _start(str(source), str(target))
    assert proc.stdout is not None
    for line in proc.stdout:
        if json.loads(line)["event"] == "progress":
            break
    holder = sqlite3.connect(target, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer, from now on until the end
        time.sleep(1.0)  # the run's next batch waits for it
        report = _stopped(proc, sig)
        committed = report["tables"][0]["rows"]
    finally:
        holder.close()
    assert report["interrupted"] == sig.name
    assert report["tables"][0]["status"] == "interrupted"
    with sqlite3.connect(target) as con:
        assert con.execute("SELECT count(*) FROM orders").fetchone() == (committed,)
    # What the stop could not record, the file being locked, the report says.
    assert any("could not be recorded as interrupted" in note for note in report["notes"])
