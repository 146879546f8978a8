"""A run's identity is its source's server, database and user, not where the password came
from: a run interrupted with the password in the URL is resumed with it in PGPASSWORD (as the
README recommends), and one recorded by an earlier arrowmig (``user:***@host``) still is.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from arrowmig.checkpoint import run_id_of
from tests.dbutil import pg_exec, pg_rows, sqlite_rows
from tests.test_resume import ARROWMIG_MIGRATE, kill_after

pytestmark = pytest.mark.postgres

FINGERPRINTED = ("source", "tables", "schema", "mode", "casts", "on_error", "flags")
"""What ``checkpoint.fingerprint`` computes a run's id from."""
QUIET = ("--batch-rows", "100", "--parallel", "1", "--progress", "none")


@pytest.fixture
def source(pg_url: str) -> str:
    pg_exec(
        pg_url,
        "CREATE TABLE events AS SELECT g AS id, md5(g::text) AS s FROM generate_series(1, 40000) g",
        "ALTER TABLE events ADD PRIMARY KEY (id)",
    )
    return pg_url


def with_password(url: str, password: str) -> str:
    """``url`` with ``password`` in its user part (trust authentication ignores it)."""
    return url.replace("postgres@", f"postgres:{password}@", 1)


def migrate(
    source: str, target: Path, *more: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*ARROWMIG_MIGRATE, source, str(target), *QUIET, *more],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


def interrupted(source: str, target: Path) -> None:
    proc = migrate(source, target)
    kill_after(proc, str(target), 2000)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be interrupted"


def test_a_run_interrupted_with_the_password_in_the_url_resumes_with_pgpassword(
    source: str, tmp_path: Path
) -> None:
    # Refused: "read 'postgresql://postgres:***@...', this run 'postgresql://postgres@...'".
    target = tmp_path / "t.db"
    interrupted(with_password(source, "pw-in-url"), target)
    resumed = migrate(source, target, "--resume", env={"PGPASSWORD": "pw-in-url"})
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err.decode()
    assert b"committed by the interrupted run" in err
    assert sqlite_rows(target, "events", "id") == pg_rows(source, "events", "id")


def test_a_run_an_earlier_arrowmig_recorded_with_the_password_masked_resumes(
    source: str, tmp_path: Path
) -> None:
    # An earlier arrowmig fingerprinted the source as 'postgresql://postgres:***@...': the
    # same command, given again, is still that run.
    target = tmp_path / "t.db"
    url = with_password(source, "pw")
    interrupted(url, target)
    con = sqlite3.connect(target)
    ((run_id, detail),) = con.execute(
        "SELECT run_id, detail FROM _arrowmig_checkpoints WHERE table_name = '*'"
    ).fetchall()
    basis = json.loads(detail)
    basis["source"] = basis["source"].replace("postgres@", "postgres:***@", 1)
    legacy = run_id_of({k: basis[k] for k in FINGERPRINTED if k in basis})
    assert legacy != run_id
    con.execute("UPDATE _arrowmig_checkpoints SET run_id = ?", (legacy,))
    con.execute(
        "UPDATE _arrowmig_checkpoints SET detail = ? WHERE table_name = '*'", (json.dumps(basis),)
    )
    con.commit()
    con.close()
    resumed = migrate(url, target, "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err.decode()
    assert b"committed by the interrupted run" in err
    with sqlite3.connect(target) as con:
        runs = con.execute("SELECT run_id, state FROM _arrowmig_checkpoints WHERE table_name = '*'")
        assert runs.fetchall() == [(legacy, "complete")]
    assert sqlite_rows(target, "events", "id") == pg_rows(source, "events", "id")


def test_a_resume_from_another_database_says_which_part_of_the_url_differs(
    source: str, second_pg: str, tmp_path: Path
) -> None:
    target = tmp_path / "t.db"
    interrupted(with_password(source, "pw"), target)
    pg_exec(second_pg, "CREATE TABLE events (id int PRIMARY KEY, s text)")
    other = migrate(second_pg, target, "--resume")
    _, err = other.communicate(timeout=60)
    assert other.returncode == 2, err.decode()
    first, second = source.rsplit("/", 1)[1], second_pg.rsplit("/", 1)[1]
    assert f"(another database ({first!r}, this run {second!r}))".encode() in err, err.decode()
