"""A PostgreSQL source that other sessions change while arrowmig reads it: a TRUNCATE or a
table-rewriting ALTER TABLE waits for the run (every table is locked before the snapshot), the
run says what it waits for and stops on a signal meanwhile, and verify reads one snapshot.

"The application" is a psycopg session of its own, on a thread when its statement waits.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

import arrowmig
from arrowmig import BatchConfig, ConnectError, MigrationConfig, UsageError
from arrowmig.events import Event
from tests.dbutil import pg_exec, rows_of

pytestmark = pytest.mark.postgres

ARROWMIG = (sys.executable, "-m", "arrowmig")

EVENTS = (
    "CREATE TABLE events (id bigint PRIMARY KEY, day int NOT NULL, payload text NOT NULL)",
    "INSERT INTO events SELECT g, g % 100, md5(g::text) FROM generate_series(1, 200000) g",
    "CREATE TABLE daily_summary (day int PRIMARY KEY, n bigint NOT NULL)",
    "INSERT INTO daily_summary SELECT day, count(*) FROM events GROUP BY day",
    "ANALYZE",
)


class Application:
    """One statement (or several, in one string) of the application, run once on a thread."""

    def __init__(self, url: str, sql: str, name: str = "nightly-job") -> None:
        self.url, self.sql, self.name = url, sql, name
        self.pid: int | None = None
        self.committed_at: float | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with psycopg.connect(self.url, autocommit=True, application_name=self.name) as con:
                self.pid = con.info.backend_pid
                con.execute(self.sql)  # type: ignore[arg-type]
                self.committed_at = time.monotonic()
        except BaseException as exc:
            self.error = exc

    def start_and_settle(self) -> None:
        """Start it (once), and return when it is done or waits for a lock: what it does to
        the run is then fixed, whatever the threads' timing."""
        if self._thread.is_alive() or self._thread.ident is not None:
            return
        self._thread.start()
        end = time.monotonic() + 30
        with psycopg.connect(self.url, autocommit=True) as watcher:
            while time.monotonic() < end and self._thread.is_alive():
                if self.pid is not None and watcher.execute(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
                    (self.pid,),
                ).fetchone() == (True,):
                    return
                time.sleep(0.05)

    def join(self) -> None:
        self._thread.join(timeout=60)
        assert self.error is None, self.error


def test_a_table_emptied_and_refilled_meanwhile_is_copied_whole_and_the_job_waits(
    pg_url: str, tmp_path: Path
) -> None:
    # A nightly job rebuilds the summary (TRUNCATE + INSERT in one transaction) while the run
    # reads the big table. TRUNCATE is not MVCC-safe: the run's older snapshot saw the new,
    # empty file, and the summary arrived with 0 of its 100 rows, "done".
    pg_exec(pg_url, *EVENTS)
    job = Application(
        pg_url,
        "BEGIN; TRUNCATE daily_summary; "
        "INSERT INTO daily_summary SELECT day, count(*) FROM events GROUP BY day; COMMIT",
    )

    tables_done: list[float] = []

    def on_event(event: Event) -> None:
        if event.event == "progress" and event.table == "events":
            job.start_and_settle()
        if event.event == "table_done":
            tables_done.append(time.monotonic())

    target = str(tmp_path / "w.duckdb")
    config = MigrationConfig(parallel=1, batch=BatchConfig(batch_rows=5000))
    report = arrowmig.migrate(pg_url, target, config=config, progress=on_event)
    # Every table read and written: the source is let go by the time the run returns (the
    # target's file may still be closing then).
    ended = max(tables_done)
    job.join()
    assert report.ok, [t.error for t in report.tables]
    assert len(rows_of(target, "daily_summary")) == 100
    assert len(rows_of(target, "events")) == 200_000
    assert job.committed_at is not None and job.committed_at > ended  # it waited for the run


def test_a_table_rewritten_between_its_streams_is_copied_whole(pg_url: str, tmp_path: Path) -> None:
    # ALTER TABLE ... ADD COLUMN with a volatile default rewrites the table: committed between
    # two of its key-range streams, the later streams found no row of the snapshot (200,000
    # rows copied as 50,000, "done"). Now the ALTER waits for the run, and the run's reads of
    # the table's other streams, queued behind the waiting ALTER, are let through.
    pg_exec(pg_url, *EVENTS)
    job = Application(
        pg_url, "ALTER TABLE events ADD COLUMN seen timestamptz NOT NULL DEFAULT clock_timestamp()"
    )

    tables_done: list[float] = []

    def on_event(event: Event) -> None:
        if event.event == "progress" and event.table == "events":
            job.start_and_settle()
        if event.event == "table_done":
            tables_done.append(time.monotonic())

    target = str(tmp_path / "w.duckdb")
    config = MigrationConfig(
        parallel=1, split_rows=50_000, lock_wait_s=10, batch=BatchConfig(batch_rows=5000)
    )
    report = arrowmig.migrate(pg_url, target, config=config, progress=on_event)
    # Every table read and written: the source is let go by the time the run returns (the
    # target's file may still be closing then).
    ended = max(tables_done)
    job.join()
    assert report.ok, [t.error for t in report.tables]
    events = next(t for t in report.tables if t.name == "events")
    assert events.streams == 4 and events.rows == 200_000
    got = rows_of(target, "events", "id")
    assert len(got) == 200_000 and len(got[0]) == 3  # the columns of the snapshot
    assert job.committed_at is not None and job.committed_at > ended


def test_a_run_started_while_a_table_is_rebuilt_waits_says_so_and_reads_the_new_rows(
    pg_url: str, tmp_path: Path
) -> None:
    # The snapshot is taken once the tables are locked, not before: a rebuild that commits
    # while the run waits for it is read whole (a snapshot taken first saw the table empty).
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, v text)",
        "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 10) g",
    )
    app = psycopg.connect(pg_url, application_name="rebuild")
    pid = app.info.backend_pid
    app.execute("TRUNCATE t")
    app.execute("INSERT INTO t SELECT g, 'new' FROM generate_series(1, 1000) g")
    said: list[Event] = []

    def on_event(event: Event) -> None:
        if event.event == "waiting":
            said.append(event)
            app.commit()  # the rebuild ends while the run waits for it

    target = str(tmp_path / "w.duckdb")
    try:
        report = arrowmig.migrate(pg_url, target, progress=on_event)
    finally:
        app.close()
    assert report.ok
    assert sorted(rows_of(target, "t")) == [(i, "new") for i in range(1, 1001)]
    assert said and said[0].table == "t"
    message = said[0].message or ""
    assert f"pid {pid} (rebuild, query started " in message, message
    assert "--lock-wait-timeout" in message


def test_a_lock_held_past_the_wait_stops_the_run_naming_the_session(
    pg_url: str, tmp_path: Path
) -> None:
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY)", "CREATE TABLE u (id int PRIMARY KEY)")
    app = psycopg.connect(pg_url, application_name="long report")
    app.execute("LOCK TABLE u IN ACCESS EXCLUSIVE MODE")
    target = tmp_path / "w.duckdb"
    try:
        with pytest.raises(ConnectError) as raised:
            arrowmig.migrate(pg_url, str(target), config=MigrationConfig(lock_wait_s=1.5))
        proc = subprocess.run(
            [*ARROWMIG, "migrate", pg_url, str(target), "--lock-wait-timeout", "1.5"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        # The run let go of what it had locked, t among them: the application may use it.
        with psycopg.connect(pg_url, autocommit=True) as other:
            other.execute("SET lock_timeout = '5s'")
            other.execute("ALTER TABLE t ADD COLUMN w int")
    finally:
        pid = app.info.backend_pid
        app.close()
    message = str(raised.value)
    assert "u" in message and f"pid {pid} (long report" in message, message
    assert "lock_wait_s=" in message  # a program's words; the command line's below
    assert not target.exists()  # nothing written
    assert proc.returncode == 2, proc.stderr
    assert "--lock-wait-timeout" in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("arrowmig: error: could not lock u in "), proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_the_run_waits_for_a_lock_stops_it_at_once(
    pg_url: str, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    # The wait ran in a statement of the main thread: SIGTERM was taken only once the lock
    # was released, and Ctrl-C cancelled the statement into an error (exit 2).
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY)")
    app = psycopg.connect(pg_url, application_name="forgotten psql")
    app.execute("ALTER TABLE t ADD COLUMN w int")
    try:
        with subprocess.Popen(
            [*ARROWMIG, "migrate", pg_url, str(tmp_path / "w.duckdb"), "--progress", "plain"],
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            lines = _lines_of(proc)
            try:
                first = lines.get(timeout=30)  # the first thing it says: what it waits for
                assert "waiting t: waiting for a lock on t held by pid" in first, first
                proc.send_signal(sig)
                proc.wait(timeout=30)  # while the lock is still held
            finally:
                proc.kill()
            err = "".join(iter(lines.get, ""))
        waiting = _hold_sessions(pg_url)
    finally:
        app.close()
    assert proc.returncode == code, err
    assert "before this run wrote anything" in err and "Traceback" not in err, err
    assert waiting == 0  # its lock request went with it


def _lines_of(proc: subprocess.Popen[str]) -> queue.Queue[str]:
    """The process's stderr, line by line as it comes ("" at its end), read on a thread: a
    test waits for a line with a timeout, not for ever."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, daemon=True).start()
    return lines


def _hold_sessions(url: str) -> int:
    """The holding sessions of a run still on the server, once those of a run that ended
    have had time to go (a backend leaves a moment after its client)."""
    end = time.monotonic() + 10
    with psycopg.connect(url, autocommit=True) as watcher:
        while True:
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'arrowmig-hold' "
                "AND datname = current_database()"
            ).fetchone()
            count = int(row[0]) if row else 0
            if count == 0 or time.monotonic() > end:
                return count
            time.sleep(0.1)


def test_migrate_verify_compares_with_the_snapshot_the_run_read(
    pg_url: str, second_pg: str
) -> None:
    # Rows the application commits while the run goes are not in the copy, rightly: --verify
    # compared against the source as it was after the run, and failed a correct copy.
    pg_exec(
        pg_url,
        "CREATE TABLE events (id bigserial PRIMARY KEY, payload text NOT NULL)",
        "INSERT INTO events (payload) SELECT md5(g::text) FROM generate_series(1, 50000) g",
    )
    changed: list[bool] = []
    seen: list[Event] = []

    def on_event(event: Event) -> None:
        seen.append(event)
        if event.event == "progress" and not changed:
            pg_exec(
                pg_url,
                "INSERT INTO events (payload) SELECT 'live' FROM generate_series(1, 100)",
                "DELETE FROM events WHERE id <= 10",
                "UPDATE events SET payload = 'changed' WHERE id = 20",
            )
            changed.append(True)

    config = MigrationConfig(verify=True, batch=BatchConfig(batch_rows=5000))
    report = arrowmig.migrate(pg_url, second_pg, config=config, progress=on_event)
    assert changed and report.ok, report.verify
    assert report.verify is not None and report.verify.ok
    assert seen[-1].event == "summary" and seen[-1].report is not None
    assert seen[-1].report["verify"]["ok"]  # the one summary, last, with the verify in it
    assert [e.event for e in seen].count("summary") == 1


def test_verify_reads_every_table_of_the_source_in_one_snapshot(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE a (id int PRIMARY KEY, v text)",
        "CREATE TABLE b (id int PRIMARY KEY, v text)",
        "INSERT INTO a SELECT g, 'a' FROM generate_series(1, 1000) g",
        "INSERT INTO b SELECT g, 'b' FROM generate_series(1, 1000) g",
    )
    assert arrowmig.migrate(pg_url, second_pg).ok
    changed: list[str] = []

    def on_event(event: Event) -> None:
        # Once the first table is compared, the application changes the other one.
        if event.event == "table_done" and not changed:
            other = "b" if event.table == "a" else "a"
            pg_exec(pg_url, f"INSERT INTO {other} VALUES (5000, 'late')")
            changed.append(other)

    report = arrowmig.verify(pg_url, second_pg, progress=on_event)
    assert changed and report.ok, [t.to_dict() for t in report.tables]
    # The next verify reads the source as it is now, and names the row.
    again = arrowmig.verify(pg_url, second_pg)
    assert not again.ok
    assert [t.name for t in again.tables if not t.ok] == changed


def test_verify_of_several_schemas_reads_them_in_one_snapshot(pg_url: str, second_pg: str) -> None:
    pg_exec(
        pg_url,
        "CREATE SCHEMA s1; CREATE SCHEMA s2",
        "CREATE TABLE s1.a (id int PRIMARY KEY); INSERT INTO s1.a SELECT generate_series(1, 100)",
        "CREATE TABLE s2.b (id int PRIMARY KEY); INSERT INTO s2.b SELECT generate_series(1, 100)",
    )
    assert arrowmig.migrate(pg_url, second_pg, config=MigrationConfig(source_schema="*")).ok
    changed: list[bool] = []

    def on_event(event: Event) -> None:
        if event.event == "table_done" and not changed:
            pg_exec(pg_url, "INSERT INTO s1.a VALUES (500)", "INSERT INTO s2.b VALUES (500)")
            changed.append(True)

    report = arrowmig.verify(pg_url, second_pg, source_schema="s1,s2", progress=on_event)
    assert changed and report.ok, [t.to_dict() for t in report.tables]


def test_the_lock_wait_must_be_a_positive_number_of_seconds(tmp_path: Path) -> None:
    for wrong in (0, -1, float("nan"), float("inf")):
        with pytest.raises(UsageError, match="lock_wait_s must be more than 0"):
            MigrationConfig(lock_wait_s=wrong)
    proc = subprocess.run(
        [*ARROWMIG, "migrate", "a.db", str(tmp_path / "b.db"), "--lock-wait-timeout", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "--lock-wait-timeout must be more than 0" in proc.stderr


def test_a_resumed_run_says_its_copy_holds_two_moments_and_why_a_key_is_not_built(
    pg_url: str, second_pg: str
) -> None:
    # Stopped once order_items is in; the application then deletes an order (its items go
    # with it, ON DELETE CASCADE); the resumed run reads orders as it is now. The report said
    # "done" with one note that the foreign key was "not created", nothing of why.
    pg_exec(
        pg_url,
        "CREATE TABLE orders (id int PRIMARY KEY, note text)",
        "INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 20000) g",
        "CREATE TABLE order_items (id bigint PRIMARY KEY, "
        "order_id int NOT NULL REFERENCES orders ON DELETE CASCADE, price int NOT NULL)",
        "INSERT INTO order_items SELECT g, 1 + g % 20000, g % 97 FROM generate_series(1, 60000) g",
        "ANALYZE",
    )
    # Ctrl-C once order_items is in, before any row of orders is. Sent by the test when it
    # read order_items done on the run's stdout, it landed some 20 ms late on a loaded host,
    # after orders' first batch (id 5 among its rows) was in: no orphan, the key was built.
    # Now it is sent from that event, on the worker that loads orders next, and the
    # application holds the target's orders locked until the run has ended: however late the
    # signal lands, no batch of orders commits (one that began waits for the lock, for less
    # than the 2 s --batch-timeout, then sees the stop).
    holder = psycopg.connect(second_pg, application_name="report")

    def on_event(event: Event) -> None:
        if event.event == "table_done" and event.table == "order_items":
            holder.execute("LOCK TABLE orders IN SHARE MODE")
            os.kill(os.getpid(), signal.SIGINT)

    config = MigrationConfig(parallel=1, batch_timeout_s=2, batch=BatchConfig(batch_rows=100))
    try:
        with pytest.raises(arrowmig.Interrupted) as interrupted:
            arrowmig.migrate(pg_url, second_pg, config=config, progress=on_event)
    finally:
        holder.close()
    stopped = interrupted.value.report
    assert stopped is not None and stopped.interrupted == "SIGINT", stopped
    assert [(t.name, t.rows) for t in stopped.tables] == [("order_items", 60_000), ("orders", 0)]
    pg_exec(pg_url, "DELETE FROM orders WHERE id = 5")
    config = MigrationConfig(resume=True, parallel=1)
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.rows_before >= 60_000  # order_items was the interrupted run's
    (resumed,) = [n for n in report.notes if n.startswith("resumed: ")]
    assert "read from the source as it was at 20" in resumed and "arrowmig verify" in resumed
    (why,) = [n for n in report.notes if n.startswith("order_items: foreign key (order_id)")]
    assert "not created: its rows break it, most likely because this resumed run read" in why
    assert "mode='replace'" in why
    # What it says is so: the copy holds the items of the deleted order.
    with psycopg.connect(second_pg) as con:
        orphans = con.execute(
            "SELECT count(*) FROM order_items i WHERE NOT EXISTS "
            "(SELECT 1 FROM orders o WHERE o.id = i.order_id)"
        ).fetchone()
    assert orphans == (3,)
