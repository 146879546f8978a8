"""A real ``arrowmig migrate`` into PostgreSQL whose sessions are ended
(``pg_terminate_backend``, as an administrator ending the sessions of a database does) at a
point held by a lock the test holds on the target table until the run waits for it.

- Emptying the tables (``--mode truncate``), before any row is loaded: the line the run ends
  on says what became of them and the way on, and ``--resume`` loads every row once. It ended
  with the driver's words alone (``emptying 't': terminating connection due to administrator
  command``), not saying the tables may be emptied already, nor what to do.
- Its lock session, after its last batch, as the run waits to put a replaced table in place:
  it takes the lock again and puts the table in place, exit 0. It failed the table, exit 1
  ("this run no longer holds its lock ... --resume puts it in place"), with no other run
  there: no batch was left to take the lock again.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.dbutil import pg_rows, sqlite_table, waiting_pid

pytestmark = pytest.mark.postgres

ROWS = 2_000


def _migrate(source: str, target: str, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "arrowmig", "migrate", source, target, *options]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _loaded_once(tmp_path: Path, pg_url: str) -> str:
    """A SQLite source of one table ``t`` of ROWS rows, copied into ``pg_url``."""
    rows = [(i, f"old {i}") for i in range(1, ROWS + 1)]
    create = "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"
    source = sqlite_table(tmp_path / "s.db", create, rows)
    first = _migrate(source, pg_url, "--progress", "none")
    _, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    with sqlite3.connect(source) as con:
        con.execute("UPDATE t SET v = 'new ' || id")
    return source


def _end_sessions(pg_url: str, where: str, *params: object) -> list[tuple[bool]]:
    with psycopg.connect(pg_url, autocommit=True) as admin:
        return admin.execute(  # type: ignore[return-value]
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # type: ignore[arg-type]
            f"WHERE datname = current_database() AND {where}",
            params,
        ).fetchall()


NEW_ROWS = [(i, f"new {i}") for i in range(1, ROWS + 1)]


def test_a_run_whose_connection_is_ended_as_it_empties_its_tables_says_how_to_go_on(
    tmp_path: Path, pg_url: str
) -> None:
    source = _loaded_once(tmp_path, pg_url)
    with psycopg.connect(pg_url) as holder:
        holder.execute("LOCK TABLE t IN SHARE MODE")  # reads go on; emptying it waits
        run = _migrate(source, pg_url, "--mode", "truncate", "--progress", "none")
        waiting = waiting_pid(pg_url, "relation = 'public.t'::regclass", run)
        assert _end_sessions(pg_url, "pid = %s", waiting) == [(True,)]
        holder.rollback()
        _, err = run.communicate(timeout=180)

    assert run.returncode == 1, err
    assert err.splitlines()[-1].endswith(
        "the run stopped as it prepared the target's tables: some may be created or emptied "
        "already (arrowmig status TARGET lists the run); run the same command with --resume"
    ), err
    resumed = _migrate(source, pg_url, "--mode", "truncate", "--resume", "--progress", "none")
    _, err = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, err
    assert pg_rows(pg_url, "t", "id") == NEW_ROWS


def test_a_replace_whose_lock_session_was_ended_before_the_swap_takes_it_again(
    tmp_path: Path, pg_url: str
) -> None:
    source = _loaded_once(tmp_path, pg_url)
    with psycopg.connect(pg_url) as holder:
        holder.execute("LOCK TABLE t IN ACCESS SHARE MODE")  # holds up the swap
        run = _migrate(source, pg_url, "--mode", "replace", "--progress", "json")
        assert run.stdout is not None
        for line in run.stdout:
            if json.loads(line)["event"] == "waiting":
                break
        else:
            raise AssertionError(f"the run never waited for the swap: {run.communicate()}")
        ended = _end_sessions(pg_url, "application_name LIKE %s", "arrowmig-lock %")
        assert ended == [(True,)]
        holder.commit()
        _, err = run.communicate(timeout=180)

    assert run.returncode == 0, err
    assert pg_rows(pg_url, "t", "id") == NEW_ROWS
