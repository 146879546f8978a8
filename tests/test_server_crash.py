"""A PostgreSQL target that crashes mid-run, on a private cluster (never the shared server).

Batches commit without waiting for their WAL flush (``synchronous_commit`` off), so a crash
loses the last batches the run saw committed. Its retries must go on from what the target
holds, reading the lost rows again, or stop loudly with the way on: never a gap with exit 0.
Each test stops the server's WAL writer, lets the run commit a batch more, holds it up on a
lock (its next batch, or the statement that puts a staging table in place) while those
commits are only in the server's WAL buffers, and crashes the server there.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from arrowmig.loading import staging_name
from tests.dbutil import duckdb_rows, pg_exec, pg_rows, q, sqlite_rows, sqlite_table
from tests.private_pg import Cluster, private_cluster

ROWS = 30_000
LOADED_BEFORE_CRASH = 3_000

# fsync=off: a crash of the server, not of the machine, loses only what was never written
# to the OS, and that is what it tests. With the WAL writer stopped (Cluster.hold_wal_writer)
# nothing else may write the WAL buffers out before the crash: autovacuum's ANALYZE commits
# waiting for its flush, the background writer and a checkpoint flush WAL before they write
# a data page, and a backend writes WAL out itself when the buffers are full.
SETTINGS = (
    "fsync=off",
    "autovacuum=off",
    "bgwriter_lru_maxpages=0",
    "checkpoint_timeout=1h",
    "wal_buffers=64MB",
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with private_cluster(*SETTINGS) as started:
        yield started


@pytest.fixture
def target(cluster: Cluster) -> str:
    """A database of its own on the private cluster (which goes with all it holds)."""
    name = f"crash_{uuid.uuid4().hex[:12]}"
    pg_exec(cluster.url, f"CREATE DATABASE {q(name)}")
    return cluster.url.rsplit("/", 1)[0] + "/" + name


def _arrowmig(*args: str) -> list[str]:
    return [sys.executable, "-m", "arrowmig", *args]


def _migrate(source: str, target: str, retries: int = 6) -> subprocess.Popen[bytes]:
    options = ["--batch-rows", "500", "--retries", str(retries), "--progress", "plain", "--json"]
    return subprocess.Popen(
        _arrowmig("migrate", source, target, *options),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _crash_when_held_up(
    cluster: Cluster,
    target: str,
    proc: subprocess.Popen[bytes],
    table: str,
    lock: str = "SHARE",
    loaded: int = LOADED_BEFORE_CRASH,
    paused: bool = False,
    restart: bool = True,
) -> None:
    """Once ``table`` holds ``loaded`` rows, stop the server's WAL writer and lock the table
    in mode ``lock`` (SHARE holds up the run's next batch, once one more has committed;
    ACCESS SHARE only the statement that puts a staging table in place), so that the run
    waits with batches committed and acknowledged but not written out of the WAL buffers;
    then crash the server, and start it again (unless not ``restart``). ``paused``: the run
    is stopped (SIGSTOP) across the crash and the start, so that it learns of the crash only
    from a server that is back."""
    deadline = time.monotonic() + 60
    held = _wait_for_rows(proc, target, table, loaded, deadline)
    cluster.hold_wal_writer()
    if lock == "SHARE":  # it holds up the loading: let a batch commit first, to be lost
        _wait_for_rows(proc, target, table, held + 1, deadline)
    holder = psycopg.connect(target)
    try:
        holder.execute(f"LOCK TABLE {q(table)} IN {lock} MODE")
        while proc.poll() is None and time.monotonic() < deadline:
            with psycopg.connect(target) as con:
                waiting = con.execute(
                    "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
                    (q(table),),
                ).fetchone()
            if waiting and waiting[0]:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before the crash: give it more rows"
        if paused:
            proc.send_signal(signal.SIGSTOP)
        cluster.crash()
    finally:
        with contextlib.suppress(psycopg.Error):  # its server crashed under it
            holder.close()
    if restart:
        cluster.start()
    if paused:
        proc.send_signal(signal.SIGCONT)


def _wait_for_rows(
    proc: subprocess.Popen[bytes], target: str, table: str, rows: int, deadline: float
) -> int:
    """Wait until ``table`` holds at least ``rows`` rows; what it holds then."""
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with psycopg.connect(target) as con:
                found = con.execute(f"SELECT count(*) FROM {q(table)}").fetchone()
            if found and found[0] >= rows:
                return int(found[0])
        except psycopg.Error:
            pass  # not created yet
        time.sleep(0.02)
    raise AssertionError(f"{table} never held {rows} rows before the run ended or 60 s went by")


def _finish(proc: subprocess.Popen[bytes]) -> tuple[dict[str, Any], str]:
    out, err = proc.communicate(timeout=120)
    return json.loads(out), err.decode()


def _table(report: dict[str, Any]) -> dict[str, Any]:
    tables: list[dict[str, Any]] = report["tables"]
    assert len(tables) == 1
    return tables[0]


def _run_through_a_crash(
    cluster: Cluster, source: str, target: str, table: str, retries: int = 6, **held_up: Any
) -> tuple[int, dict[str, Any], str]:
    proc = _migrate(source, target, retries)
    try:
        _crash_when_held_up(cluster, target, proc, table, **held_up)
        report, err = _finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, report, err


def test_rows_a_crash_lost_are_written_again_from_what_the_target_holds(
    tmp_path: Path, cluster: Cluster, target: str
) -> None:
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"value {i}") for i in range(1, ROWS + 1)])
    con.commit()
    con.close()

    code, report, err = _run_through_a_crash(cluster, str(source), target, "t")

    assert code == 0, err[-2000:]
    assert pg_rows(target, "t", "id") == sqlite_rows(source, "t", "id")
    assert (_table(report)["status"], _table(report)["rows"]) == ("done", ROWS)
    # The crash did lose acknowledged batches, and the retry learnt it from the target.
    assert "rows committed before it were lost" in err, err[-2000:]


@pytest.mark.postgres
def test_between_two_postgresql_servers_lost_rows_are_copied_again(
    cluster: Cluster, target: str, pg_url: str
) -> None:
    # The source is on the shared server, which never crashes here.
    pg_exec(
        pg_url,
        "CREATE TABLE p (id bigint PRIMARY KEY, v text)",
        f"INSERT INTO p SELECT i, 'value ' || i FROM generate_series(1, {ROWS}) i",
    )

    code, report, err = _run_through_a_crash(cluster, pg_url, target, "p")

    assert code == 0, err[-2000:]
    assert pg_rows(target, "p", "id") == pg_rows(pg_url, "p", "id")
    assert (_table(report)["status"], _table(report)["rows"]) == ("done", ROWS)
    assert any("binary COPY" in note for note in _table(report)["notes"]), "not the direct path"
    assert "rows committed before it were lost" in err, err[-2000:]


@pytest.mark.parametrize(
    ("lock", "loaded"),
    [
        pytest.param("SHARE", LOADED_BEFORE_CRASH, id="while-loading"),
        pytest.param("ACCESS SHARE", 1, id="putting-it-in-place"),
    ],
)
def test_a_table_without_a_key_stops_loudly_and_resume_loads_it_whole(
    tmp_path: Path, cluster: Cluster, target: str, lock: str, loaded: int
) -> None:
    source = tmp_path / "s.duckdb"
    con = duckdb.connect(str(source))
    con.execute(
        f"CREATE TABLE k AS SELECT i::BIGINT AS id, 'value ' || i AS v FROM range({ROWS}) r(i)"
    )
    con.close()

    code, report, err = _run_through_a_crash(
        cluster, str(source), target, staging_name("k"), lock=lock, loaded=loaded
    )

    # No checkpoint says where to go on from: the table fails, saying how to load it.
    assert code == 1, err[-2000:]
    assert (_table(report)["status"], _table(report)["rows"]) == ("failed", 0)
    assert "it now holds" in _table(report)["error"]
    assert "--resume" in _table(report)["error"]
    resumed = subprocess.run(
        _arrowmig("migrate", str(source), target, "--resume"), capture_output=True
    )
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    assert pg_rows(target, "k", "id") == duckdb_rows(source, "k", "id")


def _held(target: str, table: str) -> int:
    with psycopg.connect(target) as con:
        found = con.execute(f"SELECT count(*) FROM {q(table)}").fetchone()
    assert found is not None
    return int(found[0])


@pytest.mark.postgres
def test_a_table_failed_by_a_crash_counts_what_the_target_holds(
    cluster: Cluster, target: str, pg_url: str
) -> None:
    # With no retry left the table failed counting the rows the crash had lost: the report
    # said more rows were there than the target held.
    pg_exec(
        pg_url,
        "CREATE TABLE c (id bigint PRIMARY KEY, v text)",
        f"INSERT INTO c SELECT i, 'value ' || i FROM generate_series(1, {ROWS}) i",
    )

    code, report, err = _run_through_a_crash(cluster, pg_url, target, "c", retries=0, paused=True)

    assert code == 1, err[-2000:]
    held = _held(target, "c")
    assert (_table(report)["status"], _table(report)["rows"]) == ("failed", held)
    # The crash did lose acknowledged rows, and the error says so, with the way on.
    assert re.search(
        r"the target's server lost the last [\d,]+ rows committed \(a crash\); run the same "
        "command with --resume",
        _table(report)["error"],
    ), _table(report)["error"]
    resumed = subprocess.run(_arrowmig("migrate", pg_url, target, "--resume"), capture_output=True)
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    assert pg_rows(target, "c", "id") == pg_rows(pg_url, "c", "id")


def test_a_server_not_back_fails_the_table_saying_a_crash_may_have_lost_rows(
    tmp_path: Path, cluster: Cluster, target: str
) -> None:
    # Its reconnect refused, the table failed with "check that the server runs" alone, not
    # saying that the rows it counts may be gone with the crash, nor the way on.
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
        [(i, f"value {i}") for i in range(1, ROWS + 1)],
    )
    try:
        code, report, err = _run_through_a_crash(
            cluster, source, target, "t", retries=1, restart=False
        )
    finally:
        cluster.start()

    assert code == 1, err[-2000:]
    error = _table(report)["error"]
    assert error.startswith("cannot connect to"), error
    assert "a server crash may have lost the rows committed last; run the same command " in error
    assert "with --resume" in error
    resumed = subprocess.run(_arrowmig("migrate", source, target, "--resume"), capture_output=True)
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    assert pg_rows(target, "t", "id") == sqlite_rows(source, "t", "id")
