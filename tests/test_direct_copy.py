"""PostgreSQL → PostgreSQL with the same column types: rows pass as the source's binary COPY,
undecoded. Every value must arrive as it was, each transaction must commit with its
checkpoint, and a broken connection on either side must be retried without a row lost or
doubled."""

from __future__ import annotations

import os
import sys
import threading
import time

import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.config import BatchConfig, MigrationConfig
from arrowmig.direct_copy import DIRECT_NOTE
from arrowmig.endpoints.pg_wire import APPLICATION_NAME, PROCESS_TOKEN, session_name
from arrowmig.events import Event
from arrowmig.run_lock import lock_session_name
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres

EVERY_KIND = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TABLE every_kind (
    id bigint PRIMARY KEY,
    small smallint, whole integer, exact numeric(14,4), single real, double double precision,
    word text, short varchar(5), fixed char(3), raw bytea, flag boolean,
    day date, moment timestamp, instant timestamptz, span interval, clock time,
    ident uuid, doc jsonb, nums integer[], words text[], feeling mood, count positive,
    feelings mood[]  -- its elements' type has another OID in the target
);
INSERT INTO every_kind VALUES
 (1, -32768, -2147483648, -9999999999.9999, '-Infinity', '-0', '', '', '', '', false,
  '-infinity', '-infinity', '-infinity', '-178000000 years', '00:00', '00000000-0000-0000-0000-000000000000',
  '{}', '{}', '{}', 'sad', 1, '{}'),
 (2, 32767, 2147483647, 9999999999.9999, 'NaN', 1.7976931348623157e308, E'a\\tb\\nc\\\\d "q" ''s'' ü 日本 😀',
  'abcde', 'xy', E'\\\\x00ff10', true, 'infinity', 'infinity', 'infinity', '1 year -2 mons 3 days 04:05:06.789',
  '23:59:59.999999', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '{"a": [1, 2.5, null, "ü"], "b": {"c": true}}',
  '{1,NULL,-3}', '{"x y",NULL,"\\"q\\""}', 'happy', 2147483647, '{happy,NULL,sad}'),
 (3, NULL, NULL, 'NaN', 1.5e-45, 5e-324, NULL, NULL, NULL, NULL, NULL,
  '4713-01-01 BC', '0001-01-01 00:00:00 BC', '1970-01-01 00:00:00.000001+00', NULL, NULL, NULL,
  'null', NULL, NULL, NULL, NULL, NULL);
INSERT INTO every_kind (id, whole, word, instant)
  SELECT i, i, repeat('w', i % 50), '2024-03-31 01:30:00+02'::timestamptz + i * interval '1 second'
  FROM generate_series(4, 500) AS i;
"""


def as_text(url: str, table: str) -> list[str]:
    """Every row in the server's own text form, which spells each value exactly."""
    with psycopg.connect(url) as con:
        return [r[0] for r in con.execute(f"SELECT t::text FROM {table} t ORDER BY id")]


def test_every_value_passes_undecoded_and_arrives_as_it_was(pg_url: str, second_pg: str) -> None:
    pg_exec(pg_url, EVERY_KIND)
    events: list[Event] = []
    config = MigrationConfig(batch=BatchConfig(batch_rows=7))
    report = migrate(pg_url, second_pg, config=config, progress=events.append)
    assert report.ok, [t.error for t in report.tables]
    (table,) = report.tables
    assert any(n.startswith(DIRECT_NOTE) and "not the carried forms" in n for n in table.notes)
    assert as_text(second_pg, "every_kind") == as_text(pg_url, "every_kind")
    # A transaction every --batch-rows rows, each counted as it committed.
    batches = [e.batch_rows for e in events if e.event == "progress"]
    assert sum(b or 0 for b in batches) == 500 and max(b or 0 for b in batches) == 7
    assert table.rows == 500


def test_a_column_of_another_type_in_the_target_goes_the_arrow_way(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 7)")
    pg_exec(second_pg, "CREATE TABLE t (id int PRIMARY KEY, v bigint)")
    report = migrate(pg_url, second_pg, config=MigrationConfig(mode="append"))
    assert report.ok, [t.error for t in report.tables]
    assert not any(n.startswith(DIRECT_NOTE) for n in report.tables[0].notes)
    assert as_text(second_pg, "t") == ["(1,7)"]


def test_a_row_the_target_refuses_fails_its_table_by_name(pg_url: str, second_pg: str) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, v int)",
        "INSERT INTO t SELECT i, i FROM generate_series(1, 100) AS i",
    )
    pg_exec(second_pg, "CREATE TABLE t (id int PRIMARY KEY, v int CONSTRAINT small CHECK (v < 50))")
    config = MigrationConfig(mode="append", batch=BatchConfig(batch_rows=10))
    report = migrate(pg_url, second_pg, config=config)
    (table,) = report.tables
    assert table.status == "failed" and not report.ok
    assert "writing 't'" in (table.error or "") and '"small"' in (table.error or "")
    # The transactions before the refused row stay committed, and nothing after it.
    assert as_text(second_pg, "t") == [f"({i},{i})" for i in range(1, 41)]


@pytest.mark.parametrize("side", ["source", "target"])
def test_a_connection_killed_mid_table_is_retried_without_a_row_lost_or_doubled(
    pg_url: str, second_pg: str, side: str
) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE t (id bigint PRIMARY KEY, v text)",
        "INSERT INTO t SELECT i, md5(i::text) FROM generate_series(1, 20000) AS i",
    )
    killed: list[int] = []

    def kill_once(event: Event) -> None:
        # Called as the first transaction commits: the source is inside its COPY, the
        # target between two.
        if event.event != "progress" or killed:
            return
        database = (pg_url if side == "source" else second_pg).rsplit("/", 1)[1]
        with psycopg.connect(pg_url, autocommit=True) as con:
            found = con.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name = %s",
                (database, session_name(APPLICATION_NAME)),
            ).fetchall()
        killed.append(len(found))

    config = MigrationConfig(batch=BatchConfig(batch_rows=1000))
    report = migrate(pg_url, second_pg, config=config, progress=kill_once)
    assert killed == [1]
    assert report.ok, [t.error for t in report.tables]
    (table,) = report.tables
    assert table.retries >= 1 and table.rows == 20000
    assert as_text(second_pg, "t") == as_text(pg_url, "t")


@pytest.mark.parametrize("side", ["source", "target"])
def test_a_backend_killed_inside_its_copy_is_retried_from_the_last_committed_key(
    pg_url: str, second_pg: str, side: str
) -> None:
    # Killed while rows stream (not between two transactions): the target's libpq call
    # that sends them fails ("sending copy data failed"), and that too is a lost connection.
    pg_exec(
        pg_url,
        "CREATE TABLE t (id bigint PRIMARY KEY, v text)",
        # About 50 MB: the reader runs at most a few MB ahead of the writer, so the source's
        # COPY is still running when the killer looks (with 5 MB it could end before).
        "INSERT INTO t SELECT i, repeat('x', i % 500) FROM generate_series(1, 200000) AS i",
    )
    database = (pg_url if side == "source" else second_pg).rsplit("/", 1)[1]
    killed: list[str] = []

    def kill_inside_copy() -> None:
        with psycopg.connect(pg_url, autocommit=True) as con:
            for _ in range(3000):
                found = con.execute(
                    "SELECT pid, query FROM pg_stat_activity WHERE datname = %s "
                    "AND application_name = %s AND state = 'active' AND query ILIKE 'COPY%%'",
                    (database, session_name(APPLICATION_NAME)),
                ).fetchall()
                if found:
                    con.execute("SELECT pg_terminate_backend(%s)", (found[0][0],))
                    killed.append(found[0][1])
                    return
                time.sleep(0.005)

    killer = threading.Thread(target=kill_inside_copy)
    retries: list[str] = []

    def after_first_commit(event: Event) -> None:
        if event.event == "progress" and not killer.is_alive() and not killed:
            killer.start()
        if event.event == "retry":
            retries.append(event.message or "")

    config = MigrationConfig(batch=BatchConfig(batch_rows=20000))
    report = migrate(pg_url, second_pg, config=config, progress=after_first_commit)
    killer.join()
    assert len(killed) == 1 and killed[0].startswith("COPY")
    assert report.ok, [t.error for t in report.tables]
    (table,) = report.tables
    assert table.retries == 1 and table.rows == 200000
    # The server's own word when it is read first, libpq's when the write fails first.
    lost = ("terminating connection due to administrator command", "server closed the connection")
    assert any(word in retries[0] for word in lost) and "after key" in retries[0], retries
    assert as_text(second_pg, "t") == as_text(pg_url, "t")


def test_without_libpq_every_table_goes_the_arrow_way(
    pg_url: str, second_pg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A platform without psycopg's binary wheel and without a system libpq.
    from arrowmig import direct_copy

    monkeypatch.setitem(sys.modules, "psycopg", None)
    direct_copy._libpq_available.cache_clear()
    try:
        pg_exec(
            pg_url, "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t VALUES (1, 'a')"
        )
        report = migrate(pg_url, second_pg)
    finally:
        direct_copy._libpq_available.cache_clear()
    assert report.ok, [t.error for t in report.tables]
    assert not any(n.startswith(DIRECT_NOTE) for n in report.tables[0].notes)
    assert as_text(second_pg, "t") == ["(1,a)"]


def test_every_stream_reads_the_one_snapshot_of_the_run(pg_url: str, second_pg: str) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE t (id bigint PRIMARY KEY, v text)",
        "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 20000) g",
        "ANALYZE t",
    )
    meddled: list[bool] = []

    def meddle(event: Event) -> None:
        # Rows changed mid-run (after the snapshot) must not show in the copy.
        if event.event == "progress" and not meddled:
            pg_exec(
                pg_url,
                "INSERT INTO t SELECT g, 'late' FROM generate_series(20001, 21000) g",
                "DELETE FROM t WHERE id <= 100 OR id > 19900",
            )
            meddled.append(True)

    config = MigrationConfig(split_rows=5000, parallel=2, batch=BatchConfig(batch_rows=1000))
    report = migrate(pg_url, second_pg, config=config, progress=meddle)
    assert meddled and report.ok
    assert report.tables[0].notes == [DIRECT_NOTE] and report.tables[0].streams == 4
    assert as_text(second_pg, "t") == [f"({i},v{i})" for i in range(1, 20001)]


def test_wide_rows_commit_by_size_as_well_as_by_count(
    pg_url: str, second_pg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arrowmig import direct_copy

    # 64 MiB in a test would be slow: the floor is lowered, --batch-bytes (1 MiB) rules.
    monkeypatch.setattr(direct_copy, "TRANSACTION_BYTES", 0)
    pg_exec(
        pg_url,
        "CREATE TABLE blobs (id int PRIMARY KEY, body bytea)",
        "INSERT INTO blobs SELECT i, decode(repeat(md5(i::text), 3200), 'hex') "
        "FROM generate_series(1, 40) i",  # about 50 KiB a row
    )
    events: list[Event] = []
    report = migrate(pg_url, second_pg, progress=events.append)
    assert report.ok and report.tables[0].notes == [DIRECT_NOTE]
    batches = [e.batch_rows or 0 for e in events if e.event == "progress"]
    assert sum(batches) == 40 and len(batches) >= 2 and max(batches) < 40
    assert as_text(second_pg, "blobs") == as_text(pg_url, "blobs")


def test_a_table_whose_last_row_fills_a_block_commits_its_last_transaction(
    pg_url: str, second_pg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arrowmig import direct_copy

    # Blocks of one row each: the last row ends a block before the COPY's end is seen. The
    # transaction it belonged to was then never committed (rows lost, the connection left
    # inside its COPY).
    monkeypatch.setattr(direct_copy, "_SEND_BYTES", 1)
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, v text)",
        "INSERT INTO t SELECT i, 'v' || i FROM generate_series(1, 25) i",
        "CREATE TABLE empty (id int PRIMARY KEY)",
    )
    events: list[Event] = []
    config = MigrationConfig(batch=BatchConfig(batch_rows=10))
    report = migrate(pg_url, second_pg, config=config, progress=events.append)
    assert report.ok, [t.error for t in report.tables]
    assert {t.name: t.rows for t in report.tables} == {"t": 25, "empty": 0}
    batches = [e.batch_rows for e in events if e.event == "progress" and e.table == "t"]
    assert batches == [10, 10, 5]
    assert as_text(second_pg, "t") == as_text(pg_url, "t")


def test_the_plan_says_rows_may_pass_undecoded_between_two_postgresql_databases(
    pg_url: str, second_pg: str
) -> None:
    from arrowmig.migrate import explain

    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, tags text[])")
    undecoded = "a table whose columns keep their types passes its rows undecoded"
    assert any(undecoded in n for n in explain(pg_url, second_pg).to_dict()["notes"])
    assert not any(
        undecoded in n for n in explain(pg_url, "sqlite:///unused.db").to_dict()["notes"]
    )


@pytest.mark.parametrize("mode", ["create", "append"])
def test_lower_case_target_names_still_pass_rows_undecoded(
    pg_url: str, second_pg: str, mode: str
) -> None:
    # The source's COPY names its columns, the target's COPY the lowered ones: no decoding.
    pg_exec(
        pg_url,
        'CREATE TABLE "Notes" ("Id" bigint PRIMARY KEY, "Title" text, body text)',
        """INSERT INTO "Notes" SELECT g, 'n' || g, NULL FROM generate_series(1, 3000) g""",
        'ANALYZE "Notes"',
    )
    if mode == "append":  # an application's table, its columns in another order
        pg_exec(second_pg, "CREATE TABLE notes (body text, title text, id bigint PRIMARY KEY)")
    config = MigrationConfig(
        target_names="lower", mode=mode, split_rows=1000, batch=BatchConfig(batch_rows=400)
    )
    report = migrate(pg_url, second_pg, config=config)
    assert report.ok, [t.error for t in report.tables]
    (table,) = report.tables
    assert DIRECT_NOTE in table.notes and table.streams > 1 and table.rows == 3000
    with psycopg.connect(second_pg) as con:
        rows = con.execute("SELECT id, title, body FROM notes ORDER BY id").fetchall()
    assert rows == [(i, f"n{i}", None) for i in range(1, 3001)]
    assert verify(pg_url, second_pg).ok


def test_a_run_that_lost_its_lock_to_another_run_commits_no_more_undecoded_rows(
    pg_url: str, second_pg: str
) -> None:
    # The undecoded path committed its transactions without checking the run's lock, as the
    # Arrow path's batches did before: a second run let in wrote the same table alongside.
    pg_exec(
        pg_url,
        "CREATE TABLE t (id bigint PRIMARY KEY, v text)",
        "INSERT INTO t SELECT i, md5(i::text) FROM generate_series(1, 20000) AS i",
    )
    other_run = psycopg.connect(second_pg, autocommit=True)
    committed: list[int] = []

    def lose_the_lock_once(event: Event) -> None:
        if event.event != "progress" or committed:
            return
        with psycopg.connect(second_pg, autocommit=True) as con:
            committed.append(con.execute("SELECT count(*) FROM t").fetchone()[0])  # type: ignore[index]
            con.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                (lock_session_name(os.getpid(), PROCESS_TOKEN),),
            )
        # The lock a second run into the table takes ('arm', run_lock's namespace).
        other_run.execute(
            "SELECT pg_advisory_lock(%s, hashtext(current_database() || '/public.t'))",
            (0x61726D,),
        )

    try:
        config = MigrationConfig(batch=BatchConfig(batch_rows=1000))
        report = migrate(pg_url, second_pg, config=config, progress=lose_the_lock_once)
    finally:
        other_run.close()
    assert committed, "no transaction committed"
    (table,) = report.tables
    assert table.status == "failed" and "batch not committed" in (table.error or ""), table.error
    assert report.unfinished is not None and "the run stopped" in report.unfinished
    with psycopg.connect(second_pg) as con:
        held = con.execute("SELECT count(*) FROM t").fetchone()
    assert held == (committed[0],)  # none after the lock was lost
