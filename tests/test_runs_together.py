"""Runs into other tables of one PostgreSQL database may run at once (one run per *table*).
Started together into a fresh database, each creates arrowmig's checkpoint table (and a new
--target-schema): PostgreSQL's IF NOT EXISTS looks before it creates, so the later of two
failed with the catalog's "duplicate key value violates unique constraint" once the first
committed (exit 1). Here the other run's creation is held open, uncommitted, until the run
waits on it: the moment the race needs, every time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from arrowmig.checkpoint import create_sql
from tests.dbutil import pg_rows, rows_of, sqlite_table, waiting_pid

pytestmark = pytest.mark.postgres

# A session waits for another's transaction: the creation the test holds uncommitted.
WAITS_FOR_A_TRANSACTION = "locktype = 'transactionid'"


def _run_started(source: str, target: str, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "arrowmig", "migrate", source, target, "--json", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _succeeded(run: subprocess.Popen[str]) -> None:
    out, err = run.communicate(timeout=120)
    assert (run.returncode, json.loads(out)["ok"]) == (0, True), err


def _source(tmp_path: Path) -> str:
    return sqlite_table(
        tmp_path / "s.db", "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)", [(1, "x"), (2, "y")]
    )


def test_a_run_started_as_another_creates_the_checkpoint_table_succeeds(
    tmp_path: Path, pg_url: str
) -> None:
    source = _source(tmp_path)
    with psycopg.connect(pg_url) as other:  # another run, its creation not yet committed
        other.execute(create_sql("public._arrowmig_checkpoints"))  # type: ignore[arg-type]
        run = _run_started(source, pg_url)
        waiting_pid(pg_url, WAITS_FOR_A_TRANSACTION, run)
    _succeeded(run)
    assert rows_of(pg_url, "a", "id") == [(1, "x"), (2, "y")]


def test_a_run_started_as_another_creates_its_target_schema_succeeds(
    tmp_path: Path, pg_url: str
) -> None:
    source = _source(tmp_path)
    with psycopg.connect(pg_url) as other:
        other.execute("CREATE SCHEMA fresh")
        run = _run_started(source, pg_url, "--target-schema", "fresh")
        waiting_pid(pg_url, WAITS_FOR_A_TRANSACTION, run)
    _succeeded(run)
    assert pg_rows(pg_url, "a", "id", schema="fresh") == [(1, "x"), (2, "y")]


def test_a_run_refused_for_a_table_another_holds_names_the_tables_schema(
    tmp_path: Path, pg_url: str
) -> None:
    # Said "table 'a'", while runs into the same table of other schemas go on side by side.
    source = _source(tmp_path)
    with psycopg.connect(pg_url, autocommit=True) as other:  # another run's lock on s1.a
        other.execute(
            "SELECT pg_advisory_lock(x'61726D'::int, hashtext(current_database() || '/' || %s))",
            ("s1.a",),
        )
        refused = subprocess.run(
            [
                sys.executable,
                "-m",
                "arrowmig",
                "migrate",
                source,
                pg_url,
                "--target-schema",
                "s1",
                "--progress",
                "none",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode == 2, refused.stderr
        assert "another arrowmig run is writing table 's1.a' of " in refused.stderr
        _succeeded(_run_started(source, pg_url, "--target-schema", "s2", "--progress", "none"))
    assert pg_rows(pg_url, "a", "id", schema="s2") == [(1, "x"), (2, "y")]


def test_a_run_refused_for_a_table_another_run_holds_names_that_runs_process(
    tmp_path: Path, pg_url: str
) -> None:
    # Named "(pid N)" with N the PostgreSQL backend holding the lock: a user told to stop the
    # other run found no such process, or killed a backend of the server.
    from arrowmig.run_lock import exclusive_tables

    source = _source(tmp_path)
    with exclusive_tables(pg_url, "public", ["a"]) as held:  # this process's run into 'a'
        refused = subprocess.run(
            [sys.executable, "-m", "arrowmig", "migrate", source, pg_url, "--progress", "none"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert refused.returncode == 2, refused.stderr
    assert f"(arrowmig pid {os.getpid()}, from " in refused.stderr
    assert f"; PostgreSQL backend pid {held.session})" in refused.stderr
