"""The "one run per table" lock into PostgreSQL is held on a session of its own, idle for the
whole run: the server must not end it (``idle_session_timeout``). Ended so, it let a second
replace of the table in: both runs exited 0, and the table matched neither source.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.dbutil import pg_exec, sqlite_table, waiting_pid

pytestmark = pytest.mark.postgres


def _arrowmig(*args: str) -> list[str]:
    return [sys.executable, "-m", "arrowmig", *args]


def _source(tmp_path: Path, name: str, value: str) -> str:
    return sqlite_table(
        tmp_path / name,
        "CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT)",
        [(i, value) for i in range(1, 1001)],
    )


def _held_up(url: str, proc: subprocess.Popen[str]) -> None:
    """Wait until the run waits for the lock the test holds on ``big``."""
    waiting_pid(url, "relation = 'big'::regclass", proc)


def _lock_session_idle_past(url: str, seconds: float) -> None:
    """Wait until the run's lock session has been idle for ``seconds`` by the server's clock;
    fail if the server ends it first."""
    with psycopg.connect(url, autocommit=True) as watch:
        while True:
            # Each statement its own transaction: a fresh view of the sessions, and the time.
            idle = watch.execute(
                "SELECT clock_timestamp() - state_change > make_interval(secs => %s) "
                "FROM pg_stat_activity WHERE application_name LIKE 'arrowmig-lock pid %%' "
                "AND datname = current_database()",
                (seconds,),
            ).fetchall()
            assert idle, "the server ended the session that holds the run's lock"
            if idle[0][0]:
                return
            watch.execute("SELECT pg_sleep(0.1)")


def test_the_lock_session_outlives_idle_session_timeout(tmp_path: Path, pg_url: str) -> None:
    database = pg_url.rsplit("/", 1)[1]
    pg_exec(
        pg_url,
        "CREATE TABLE big (id bigint PRIMARY KEY, v text)",
        f'ALTER DATABASE "{database}" SET idle_session_timeout = 500',
    )
    source = _source(tmp_path, "s.db", "a")
    with psycopg.connect(pg_url) as con:
        con.execute("LOCK TABLE big IN SHARE MODE")  # holds up its first batch
        first = subprocess.Popen(
            _arrowmig("migrate", source, pg_url, "--mode", "append", "--progress", "none"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _held_up(pg_url, first)
            _lock_session_idle_past(pg_url, 2.0)  # four times the timeout
            second = subprocess.run(
                _arrowmig("migrate", source, pg_url, "--mode", "replace", "--progress", "none"),
                capture_output=True,
                text=True,
            )
            assert second.returncode == 2, second.stderr
            assert "another arrowmig run is writing table 'public.big'" in second.stderr
        finally:
            con.commit()
            _, err = first.communicate()
    assert first.returncode == 0, err


def test_another_process_of_the_same_pid_does_not_hold_this_runs_lock(pg_url: str) -> None:
    """Processes in two containers often share a pid (1): a run whose lock session was ended
    went on writing while another run, of that pid, held the same table's lock."""
    from arrowmig.endpoints import open_endpoint
    from arrowmig.endpoints.pg_wire import PROCESS_TOKEN
    from arrowmig.errors import LOCK_LOST
    from arrowmig.run_lock import _NAMESPACE, exclusive_tables, holds_lock, lock_session_name

    database = pg_url.rsplit("/", 1)[1]
    with (
        exclusive_tables(pg_url, "public", ["a"]) as held,
        psycopg.connect(pg_url, autocommit=True) as other,
        psycopg.connect(pg_url) as writer,
        open_endpoint(pg_url) as dst,
    ):
        assert held.session is not None
        assert holds_lock(dst, os.getpid(), PROCESS_TOKEN)
        # This test's own lock session, of its own database, ended.
        ended = other.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid = %s",
            (database, held.session),
        ).fetchall()
        assert ended == [(True,)]
        # The other container's run, named for the same pid, takes the table.
        other.execute(
            "SELECT set_config('application_name', %s, false)",
            (f"arrowmig-lock pid {os.getpid()}",),
        )
        other.execute(
            "SELECT pg_advisory_lock(%s, hashtext(current_database() || '/public.a'))",
            (_NAMESPACE,),
        )
        for check in (held.batch_check_sql(), held.check_sql("a")):
            assert check is not None
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState) as refused:
                writer.execute(check)
            writer.rollback()
            assert "no longer holds its lock" in str(refused.value) or LOCK_LOST in str(
                refused.value
            )
        assert held.lost()
        assert not holds_lock(dst, os.getpid(), PROCESS_TOKEN)
        assert lock_session_name(os.getpid(), PROCESS_TOKEN) != f"arrowmig-lock pid {os.getpid()}"
