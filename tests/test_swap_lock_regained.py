"""A real ``arrowmig migrate --mode replace`` into PostgreSQL whose lock session is ended
(``pg_terminate_backend``, as an administrator ending every session of the database does)
after its last batch, as it waits to put the table in place: it takes its lock again and puts
the table in place, exit 0. It failed the table, exit 1 ("this run no longer holds its lock
... --resume puts it in place"), with no other run there: no batch was left to take the lock
again.

The run is held at the swap by a lock the test holds on the old table, until the run says it
waits for it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.dbutil import pg_rows, sqlite_table

pytestmark = pytest.mark.postgres

ROWS = 2_000


def _migrate(source: str, target: str, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "arrowmig", "migrate", source, target, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_replace_whose_lock_session_was_ended_before_the_swap_takes_it_again(
    tmp_path: Path, pg_url: str
) -> None:
    rows = [(i, f"old {i}") for i in range(1, ROWS + 1)]
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", rows
    )
    first = _migrate(source, pg_url, "--progress", "none")
    _, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    with sqlite3.connect(source) as con:
        con.execute("UPDATE t SET v = 'new ' || id")

    with psycopg.connect(pg_url) as holder:
        holder.execute("LOCK TABLE t IN ACCESS SHARE MODE")  # holds up the swap
        run = _migrate(source, pg_url, "--mode", "replace", "--progress", "json")
        assert run.stdout is not None
        for line in run.stdout:
            if json.loads(line)["event"] == "waiting":
                break
        else:
            raise AssertionError(f"the run never waited for the swap: {run.communicate()}")
        with psycopg.connect(pg_url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name LIKE 'arrowmig-lock %'"
            ).fetchall()
        assert ended == [(True,)]
        holder.commit()
        _, err = run.communicate(timeout=180)

    assert run.returncode == 0, err
    assert pg_rows(pg_url, "t", "id") == [(i, f"new {i}") for i in range(1, ROWS + 1)]
