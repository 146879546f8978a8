"""Retries through a PostgreSQL server that restarts or drops connections mid-run, on a
private cluster (never the shared server): a stream's first connection is retried, the retry
budget is per streak of failures, and a source whose snapshot died with its server is said
at once, with the way on, instead of retried in vain.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.dbutil import pg_exec, pg_rows, q, sqlite_rows, waiting_pid
from tests.private_pg import Cluster, private_cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with private_cluster("fsync=off", "autovacuum=off") as started:
        yield started


def _database(cluster: Cluster) -> str:
    """A database of its own on the private cluster (which goes with all it holds)."""
    name = f"restart_{uuid.uuid4().hex[:12]}"
    pg_exec(cluster.url, f"CREATE DATABASE {q(name)}")
    return cluster.url.rsplit("/", 1)[0] + "/" + name


def _migrate(source: str, target: str, *options: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "arrowmig", "migrate", source, target, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _finish(proc: subprocess.Popen[bytes], read: bytes = b"") -> tuple[int, dict[str, Any], str]:
    """The run's exit code, report (``--json``'s, or the summary event's) and stderr;
    ``read``: what was read of its stdout already."""
    try:
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = (read + out).decode()
    if "--progress" not in proc.args:  # type: ignore[operator]
        return proc.returncode, json.loads(text), err.decode()
    summary = json.loads(text.strip().splitlines()[-1])
    return proc.returncode, summary["report"], err.decode()


def _tables(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in report["tables"]}


def test_a_server_restarting_at_a_streams_first_connection_is_retried(
    tmp_path: Path, cluster: Cluster
) -> None:
    # The first connection of a stream, refused by a server restarting, failed its table at
    # once, 0 retries, though --retries promises retries of what is transient.
    target = _database(cluster)
    source = tmp_path / "s.db"
    con = sqlite3.connect(source)
    for n in range(40):  # the run says each planned before its first stream connects
        con.execute(f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY, v TEXT)")
        con.executemany(f"INSERT INTO t{n} VALUES (?, ?)", [(i, f"v{i}") for i in range(50)])
    con.commit()
    con.close()
    proc = _migrate(str(source), target, "--parallel", "1", "--retries", "6", "--progress", "json")
    assert proc.stdout is not None
    read = b""
    while b'"planned"' not in read:  # unbuffered: what is read stays ours, for the report
        chunk = os.read(proc.stdout.fileno(), 65536)
        assert chunk, proc.communicate()
        read += chunk
    proc.send_signal(signal.SIGSTOP)
    try:
        cluster.ctl("-m", "fast", "-w", "stop")  # while the run is stopped: it sees it down
        proc.send_signal(signal.SIGCONT)
        time.sleep(1.5)  # the run's first connections are refused meanwhile
    finally:
        cluster.start()

    code, report, err = _finish(proc, read)

    assert code == 0, err[-2000:]
    tables = _tables(report)
    assert {t["status"] for t in tables.values()} == {"done"}
    assert report["retries"] >= 1, err[-2000:]  # the first stream's connection, retried
    assert pg_rows(target, "t39", "id") == sqlite_rows(source, "t39", "id")


def test_a_source_restarting_before_the_streams_connect_is_said_at_once(
    tmp_path: Path, cluster: Cluster
) -> None:
    # The streams that had not begun when the source's server went down spent their retries
    # reconnecting, one table after another (each --retries backoffs long), and failed with
    # "Connection refused": the run's snapshot had gone with the server all along.
    source = _database(cluster)
    for n in range(4):
        pg_exec(
            source, f"CREATE TABLE t{n} (id bigint PRIMARY KEY)", f"INSERT INTO t{n} VALUES (1)"
        )
    target = tmp_path / "t.db"
    proc = _migrate(source, str(target), "--parallel", "1", "--retries", "6", "--progress", "json")
    assert proc.stdout is not None
    read = b""
    while b'"planned"' not in read:
        chunk = os.read(proc.stdout.fileno(), 65536)
        assert chunk, proc.communicate()
        read += chunk
    proc.send_signal(signal.SIGSTOP)
    try:
        cluster.ctl("-m", "fast", "-w", "stop")
        proc.send_signal(signal.SIGCONT)
        time.sleep(1.5)  # the streams' first connections are refused meanwhile
    finally:
        cluster.start()

    code, report, err = _finish(proc, read)

    assert code == 1, err[-2000:]
    for table in _tables(report).values():
        assert (table["status"], table["retries"]) == ("failed", 0), table
        assert table["error"].startswith("the source's server restarted"), table["error"]
        assert f"so {table['name']!r} cannot be read" in table["error"]
        assert "run the same command with --resume" in table["error"]
    resumed = subprocess.run(
        [sys.executable, "-m", "arrowmig", "migrate", source, str(target), "--resume"],
        capture_output=True,
    )
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    assert sqlite_rows(target, "t3", "id") == [(1,)]


def _held_up_then(
    hold: Callable[[], contextlib.AbstractContextManager[None]],
    proc: subprocess.Popen[bytes],
    committed: Callable[[], int],
    at: int,
    action: Callable[[], None],
) -> None:
    """Once ``committed()`` reaches ``at`` rows, hold the run up (``hold``), then ``action``."""
    deadline = time.monotonic() + 60
    while committed() < at:
        assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]  # it failed
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)
    with hold():
        action()


def _pg_count(url: str, table: str) -> int:
    try:
        with psycopg.connect(url) as con:
            found = con.execute(f"SELECT count(*) FROM {q(table)}").fetchone()
    except psycopg.Error:
        return 0  # not created yet
    return int(found[0]) if found else 0


def _sqlite_committed(path: Path) -> int:
    try:
        con = sqlite3.connect(path, timeout=60)
        try:
            found = con.execute("SELECT coalesce(sum(rows_done), 0) FROM _arrowmig_checkpoints")
            return int(found.fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0  # not created yet


@contextlib.contextmanager
def _pg_table_locked(url: str, table: str) -> Iterator[None]:
    """The run's next batch into ``table`` waits (SHARE mode lets no rows in)."""
    with psycopg.connect(url) as holder:
        holder.execute(f"LOCK TABLE {q(table)} IN SHARE MODE")
        yield
        holder.rollback()


@contextlib.contextmanager
def _sqlite_locked(path: Path) -> Iterator[None]:
    """The run's next commit into the SQLite file waits (its busy timeout is 60 s)."""
    con = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        yield
        con.rollback()
    finally:
        con.close()


def _terminate(url: str, condition: str, proc: subprocess.Popen[bytes], *, end: bool = True) -> int:
    """End the run's backend that ``condition`` (on pg_stat_activity) picks, once there is one
    (``end`` False: only wait for it); returns its pid."""
    deadline = time.monotonic() + 30
    action = "pg_terminate_backend(pid)" if end else "true"
    with psycopg.connect(url, autocommit=True) as con:
        while True:
            found = con.execute(
                f"SELECT pid, {action} FROM pg_stat_activity WHERE "
                f"pid <> pg_backend_pid() AND datname = current_database() AND {condition}"
            ).fetchall()
            if found:
                return int(found[0][0])
            assert proc.poll() is None and time.monotonic() < deadline, "no such backend"
            time.sleep(0.05)


ROWS = 30_000
LOSS_EVERY = 3_000
"""Rows committed between two losses of a connection."""


def _wide_table(url: str, table: str, rows: int = ROWS) -> None:
    """Rows of 2 KB: many more than the socket's buffers hold, so that a source's reading
    session is still sending (and can be ended) while the run is held up."""
    pg_exec(
        url,
        f"CREATE TABLE {q(table)} (id bigint PRIMARY KEY, v text)",
        f"INSERT INTO {q(table)} SELECT i, repeat('x', 2000) || i FROM generate_series(1, {rows}) i",
    )


def test_between_two_postgresql_databases_retries_count_per_streak(cluster: Cluster) -> None:
    # The undecoded path's target connection, lost three separate times and each time going
    # on, failed the table at the second loss with --retries 1: the budget was the stream's.
    source, target = _database(cluster), _database(cluster)
    _wide_table(source, "p")
    proc = _migrate(source, target, "--batch-rows", "500", "--retries", "1", "--json")
    try:
        for _ in range(3):
            # Counted from what the target holds now, not from the last loss's mark: a loss
            # can come rows past its mark, and the next, at a mark already passed, would end
            # the retry's writer before it committed anything (a streak of two, not two losses).
            at = _pg_count(target, "p") + LOSS_EVERY
            _held_up_then(
                lambda: _pg_table_locked(target, "p"),
                proc,
                lambda: _pg_count(target, "p"),
                at,
                lambda: _terminate_waiting_writer(target, proc),
            )
    finally:
        code, report, err = _finish(proc)

    assert code == 0, err[-2000:]
    table = _tables(report)["p"]
    assert (table["status"], table["rows"], table["retries"]) == ("done", ROWS, 3), table
    assert any("binary COPY" in note for note in table["notes"]), "not the undecoded path"
    assert pg_rows(target, "p", "id") == pg_rows(source, "p", "id")


def _terminate_waiting_writer(target: str, proc: subprocess.Popen[bytes]) -> None:
    pid = waiting_pid(target, "relation = 'p'::regclass", proc)
    pg_exec(target, f"SELECT pg_terminate_backend({pid})")


def test_a_source_reader_lost_again_and_again_is_retried_per_streak(
    tmp_path: Path, cluster: Cluster
) -> None:
    # The Arrow path: the source's reading session ended three separate times (its snapshot
    # alive: the run's holder still holds it), each time read again after the last committed
    # key; --retries 1 failed the table at the second.
    source = _database(cluster)
    _wide_table(source, "r")
    target = tmp_path / "t.db"
    # Little in flight: the reader cannot read the table ahead, so its COPY stays running.
    options = ["--batch-rows", "500", "--batch-bytes", "65536", "--max-memory", "4MiB"]
    proc = _migrate(source, str(target), *options, "--retries", "1", "--json")
    reading = "application_name <> 'arrowmig-hold' AND state = 'active' AND query LIKE 'COPY (%'"
    ended: list[int] = []
    try:
        for _ in range(3):
            if ended:
                # The loss is seen late (what the ended session sent is written first): wait
                # for the retry's own reader, and rows committed through it, before the next.
                unseen = f"{reading} AND pid NOT IN ({', '.join(map(str, ended))})"
                _terminate(source, unseen, proc, end=False)
            at = _sqlite_committed(target) + LOSS_EVERY
            _held_up_then(
                contextlib.nullcontext,
                proc,
                lambda: _sqlite_committed(target),
                at,
                lambda: ended.append(_terminate(source, reading, proc)),
            )
    finally:
        code, report, err = _finish(proc)

    assert code == 0, err[-2000:]
    table = _tables(report)["r"]
    assert (table["status"], table["rows"], table["retries"]) == ("done", ROWS, 3), table
    assert sqlite_rows(target, "r", "id") == pg_rows(source, "r", "id")


@pytest.mark.postgres
@pytest.mark.parametrize("target_kind", ["postgresql", "sqlite"])
def test_a_source_restarted_mid_run_is_said_at_once_and_resume_goes_on(
    tmp_path: Path, cluster: Cluster, pg_url: str, target_kind: str
) -> None:
    # The run's snapshot died with the source's server; its retries could never read it,
    # and the table failed on "invalid snapshot identifier" after them.
    source = _database(cluster)
    _wide_table(source, "a", 100)
    _wide_table(source, "b")
    sqlite_target = tmp_path / "t.db"
    target = pg_url if target_kind == "postgresql" else str(sqlite_target)
    options = ["--batch-rows", "500", "--batch-bytes", "65536", "--parallel", "2", "--json"]
    proc = _migrate(source, target, *options)
    try:
        if target_kind == "postgresql":  # the undecoded path
            hold, committed = (
                (lambda: _pg_table_locked(pg_url, "b")),
                lambda: _pg_count(pg_url, "b"),
            )
        else:  # the Arrow path
            hold, committed = (
                (lambda: _sqlite_locked(sqlite_target)),
                lambda: _sqlite_committed(sqlite_target),
            )
        _held_up_then(
            hold, proc, committed, LOSS_EVERY, lambda: cluster.ctl("-m", "fast", "-w", "stop")
        )
    finally:
        cluster.start()
        code, report, err = _finish(proc)

    assert code == 1, err[-2000:]
    tables = _tables(report)
    assert tables["a"]["status"] == "done"
    b = tables["b"]
    assert (b["status"], b["retries"]) == ("failed", 0), b
    assert b["error"].startswith("the source's server restarted"), b["error"]
    assert "so 'b' cannot be read" in b["error"]  # the table, however the loss was met
    assert "run the same command with --resume" in b["error"]
    assert "invalid snapshot" not in err

    resumed = subprocess.run(
        [sys.executable, "-m", "arrowmig", "migrate", source, target, "--resume", "--json"],
        capture_output=True,
    )
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    again = _tables(json.loads(resumed.stdout))
    assert again["b"]["rows_before"] > 0  # went on after its committed rows
    for name in ("a", "b"):
        copied = pg_rows(pg_url, name, "id") if target_kind == "postgresql" else None
        copied = copied or sqlite_rows(sqlite_target, name, "id")
        assert copied == pg_rows(source, name, "id")
