"""How a PostgreSQL target builds a loaded table's keys and indexes: its plain indexes side by
side on two connections (as pg_restore -j does), each with at least 256MB of
maintenance_work_mem, and a step cut short still left for --resume."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import psycopg
import pytest

from arrowmig import migrate
from arrowmig.endpoints.key_lanes import run_in_lanes
from arrowmig.errors import StatementStopped, TransferError
from tests.dbutil import pg_exec
from tests.test_stopped_late import _migrate, checks_held

# Every CREATE INDEX the target runs, by the session that ran it and the memory it had.
BUILD_LOG = """
CREATE TABLE build_log (pid int, memory bigint, command text);
CREATE FUNCTION log_build() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO build_log VALUES (pg_backend_pid(),
    pg_size_bytes(current_setting('maintenance_work_mem')), current_query());
END $$;
CREATE EVENT TRIGGER log_build ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION log_build();
"""


def test_a_large_tables_indexes_are_built_side_by_side_with_more_memory(
    pg_url: str, second_pg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A table counts as large past 100,000 rows (its keys then commit on their own); fewer
    # rows here, the same path.
    monkeypatch.setattr("arrowmig.runner.FINISHED_TOGETHER_ROWS", 100)
    pg_exec(
        pg_url,
        "CREATE TABLE t (id bigint PRIMARY KEY, a int, b text, c int, d timestamptz)",
        "INSERT INTO t SELECT i, i % 97, md5(i::text), i % 13, "
        "'2024-01-01'::timestamptz + i * interval '1 minute' FROM generate_series(1, 2000) i",
        "CREATE INDEX t_a ON t (a)",
        "CREATE INDEX t_b ON t (b)",
        "CREATE UNIQUE INDEX t_c_d ON t (c, d)",
        "ANALYZE t",
    )
    pg_exec(second_pg, BUILD_LOG)
    report = migrate(pg_url, second_pg)
    assert report.ok, [t.error for t in report.tables]
    (table,) = report.tables
    assert {"index t_a", "index t_b", "unique index t_c_d"} <= set(table.built)
    with psycopg.connect(second_pg) as con:
        builds = con.execute("SELECT pid, memory FROM build_log").fetchall()
        indexes = con.execute("SELECT indexname FROM pg_indexes WHERE tablename = 't'").fetchall()
    assert sorted(i for (i,) in indexes) == ["t_a", "t_b", "t_c_d", "t_pkey"]
    assert len(builds) == 3
    assert len({pid for pid, _ in builds}) == 2, builds  # two connections at once
    assert all(memory >= 256 * 1024 * 1024 for _, memory in builds), builds


def test_a_server_with_more_maintenance_memory_keeps_it(pg_url: str, second_pg: str) -> None:
    database = second_pg.rsplit("/", 1)[1]
    pg_exec(second_pg, f"ALTER DATABASE \"{database}\" SET maintenance_work_mem = '300MB'")
    pg_exec(second_pg, BUILD_LOG)
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, a int)",
        "INSERT INTO t VALUES (1, 1)",
        "CREATE INDEX t_a ON t (a)",
    )
    assert migrate(pg_url, second_pg).ok
    with psycopg.connect(second_pg) as con:
        (memory,) = con.execute("SELECT memory FROM build_log").fetchone() or (None,)
    assert memory == 300 * 1024 * 1024


def _stopped() -> StatementStopped:
    return StatementStopped("stopped", table="t")


def test_once_a_lane_is_cut_short_no_lane_begins_another_statement() -> None:
    begun: list[str] = []

    def lane(sql: str) -> None:
        begun.append(sql)
        if sql == "CREATE INDEX b":
            raise _stopped()

    statements = {0: "ALTER TABLE t ADD PRIMARY KEY (id)", 1: "CREATE INDEX b"}
    statements |= {2: "CREATE INDEX c", 3: "CREATE INDEX d"}
    outcomes = run_in_lanes(statements, [lane, lane], lambda e: isinstance(e, StatementStopped))
    assert begun[:2] == ["ALTER TABLE t ADD PRIMARY KEY (id)", "CREATE INDEX b"]
    assert outcomes[0] is None and isinstance(outcomes[1], StatementStopped)
    # The index begun alongside b ends as it ends; the one after both is never begun.
    assert "CREATE INDEX d" not in begun and 3 not in outcomes


def test_a_failure_that_is_not_a_stop_is_told_and_the_other_statements_still_run() -> None:
    def lane(sql: str) -> None:
        if sql == "CREATE INDEX b":
            raise TransferError("could not create unique index", table="t", sqlstate="23505")

    statements = {1: "CREATE INDEX b", 2: "CREATE INDEX c", 3: "CREATE INDEX d"}
    outcomes = run_in_lanes(statements, [lane, lane], lambda e: isinstance(e, StatementStopped))
    assert outcomes[2] is None and outcomes[3] is None
    assert isinstance(outcomes[1], TransferError) and outcomes[1].sqlstate == "23505"


def test_sigint_as_indexes_are_built_side_by_side_leaves_the_rest_to_resume(
    tmp_path: Path, pg_url: str
) -> None:
    source = tmp_path / "bets.db"
    con = sqlite3.connect(source)
    con.executescript(
        """
        CREATE TABLE bets (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, c INTEGER);
        CREATE INDEX ix_bets_a ON bets (a);
        CREATE INDEX ix_bets_b ON bets (b);
        CREATE INDEX ix_bets_c ON bets (c);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100001)
        INSERT INTO bets SELECT i, i % 7, i % 11, i % 13 FROM s;
        """
    )
    con.commit()
    con.close()
    with checks_held(pg_url, "%ix_bets_b%", tag="CREATE INDEX") as holder:
        proc = _migrate(source, pg_url, "--json")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            waiting = holder.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE '%ix_bets_b%' "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            ).fetchone()
            if waiting and waiting[0]:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
    (table,) = json.loads(out)["tables"]
    assert table["status"] == "interrupted"
    left = next(n for n in table["notes"] if n.startswith("not finished"))
    assert "index ix_bets_b" in left.split("left for --resume: ")[1], left
    resumed = _migrate(source, pg_url, "--resume", "--json")
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    (table,) = json.loads(out)["tables"]
    assert table["status"] == "done"
    with psycopg.connect(pg_url) as con:
        indexes = con.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'bets' ORDER BY 1"
        ).fetchall()
    assert [i for (i,) in indexes] == ["bets_pkey", "ix_bets_a", "ix_bets_b", "ix_bets_c"]
