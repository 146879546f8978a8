"""A PostgreSQL target table another session keeps locked: the run says, while it waits, which
table it waits for and who holds it, as it does for a source's lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

import arrowmig
from arrowmig import MigrationConfig
from arrowmig.events import Event

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(("name", "timeout_s"), [("t", 20), ('Quo"ted', 20), ("t", 1_234_567)])
def test_a_wait_for_a_lock_on_the_target_says_the_table_and_the_session(
    tmp_path: Path, pg_url: str, name: str, timeout_s: int
) -> None:
    # The run waited in silence for as long as the lock was held (up to --batch-timeout,
    # 300 s, per attempt): a cron log showed nothing at all. A timeout of 7 digits was
    # printed rounded ('--batch-timeout (1.23457e+06 s)' for 1234567).
    source = tmp_path / "src.db"
    quoted = '"' + name.replace('"', '""') + '"'
    with closing(sqlite3.connect(source)) as con:
        con.execute(f"CREATE TABLE {quoted} (id INTEGER PRIMARY KEY, a TEXT)")
        con.executemany(
            f"INSERT INTO {quoted} VALUES (?, ?)", [(i, f"row {i}") for i in range(100)]
        )
        con.commit()
    assert arrowmig.migrate(str(source), pg_url).ok
    holder = psycopg.connect(pg_url, application_name="nightly-job")
    holder.execute(f"LOCK TABLE {quoted} IN ACCESS EXCLUSIVE MODE")
    waits: list[Event] = []

    def on_event(event: Event) -> None:
        if event.event == "waiting" and not waits:
            waits.append(event)
            holder.rollback()  # the lock goes: the run goes on

    # Not released, the lock fails the run after --batch-timeout, with no event to show.
    config = MigrationConfig(mode="truncate", batch_timeout_s=timeout_s, retries=0)
    try:
        report = arrowmig.migrate(str(source), pg_url, config=config, progress=on_event)
    finally:
        pid = holder.info.backend_pid
        holder.close()
    assert report.ok and report.rows == 100
    (waiting,) = waits
    assert waiting.table == name and waiting.message is not None
    assert waiting.message.startswith(
        f"waiting for a lock on {name} held by pid {pid} (nightly-job, query started "
    )
    assert waiting.message.endswith(
        f"a statement on the target waits for a lock up to --batch-timeout ({timeout_s} s)"
    )


@pytest.mark.parametrize("mode", ["replace", "truncate"])
def test_while_the_run_waits_for_the_table_the_application_reads_it(
    tmp_path: Path, pg_url: str, mode: str
) -> None:
    # The swap's (or TRUNCATE's) lock request, queued behind a long read, held up every other
    # session's SELECT on the table for as long as it waited (14 s in a trial; up to
    # --batch-timeout, 300 s, at each of the run's tries).
    source = tmp_path / "src.db"
    with closing(sqlite3.connect(source)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(i, f"new {i}") for i in range(100)])
        con.commit()
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE t (id int PRIMARY KEY, a text)")
        con.execute("INSERT INTO t SELECT g, 'old' FROM generate_series(1, 10) g")
    holder = psycopg.connect(pg_url, application_name="report-query")
    holder.execute("SELECT count(*) FROM t")  # ACCESS SHARE, held while its transaction lasts
    waiting = threading.Event()
    said: list[str] = []
    reads: list[int] = []
    refused: list[str] = []

    def on_event(event: Event) -> None:
        if event.event == "waiting":
            said.append(event.message or "")
            waiting.set()

    def application() -> None:
        try:
            if not waiting.wait(60):
                return
            with psycopg.connect(pg_url, autocommit=True) as app:
                # A liveness bound, not a speed one: the run would wait 30 s.
                app.execute("SET lock_timeout = '10s'")
                for _ in range(5):
                    reads.append(app.execute("SELECT count(*) FROM t").fetchone()[0])  # type: ignore[index]
                    time.sleep(0.3)
        except psycopg.Error as exc:
            refused.append(str(exc))
        finally:
            holder.rollback()  # the long read ends: the run goes on

    reader = threading.Thread(target=application)
    reader.start()
    config = MigrationConfig(mode=mode, batch_timeout_s=30, retries=0)
    pid = holder.info.backend_pid
    try:
        report = arrowmig.migrate(str(source), pg_url, config=config, progress=on_event)
    finally:
        reader.join()
        holder.close()
    # Said once, naming the session in the way, though the run waits in short tries.
    assert [m.split(" (")[0] for m in said] == [f"waiting for a lock on t held by pid {pid}"]
    assert "report-query" in said[0]
    assert refused == []
    assert reads == [10] * 5  # the old rows, until the run puts the new ones in place
    assert report.ok and report.rows == 100
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT count(*), min(a) FROM t").fetchone() == (100, "new 0")
