"""A run superseded by another command (``it can no longer be resumed``) kept its staging
table for a resume that can never come: the rows it had loaded stayed in the target as
``_arrowmig_stage_...`` for good, taking room, and the report did not say so. Now the run that
supersedes it drops them, and says so."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from arrowmig.loading import staging_name
from tests.test_resume import ARROWMIG_MIGRATE
from tests.test_resume_rerun import killed, run, source  # noqa: F401 (a fixture)


def _stages(target: str) -> list[str]:
    with sqlite3.connect(target) as con:
        rows = con.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE '\\_arrowmig\\_stage%' ESCAPE '\\'"
        ).fetchall()
    return [r[0] for r in rows]


def test_a_superseded_runs_staging_table_is_dropped(source: str, tmp_path: Path) -> None:  # noqa: F811
    target = str(tmp_path / "t.db")
    assert run(*ARROWMIG_MIGRATE, source, target, "--tables", "events").returncode == 0
    killed(source, target, "--mode", "replace")
    [stage] = _stages(target)
    other = run(*ARROWMIG_MIGRATE, source, target, "--tables", "events", "--mode", "truncate")
    assert other.returncode == 0, other.stderr
    assert (
        "it can no longer be resumed); its staging table "
        f"{stage}, kept for that resume, was dropped"
    ) in other.stderr
    assert _stages(target) == []


@pytest.mark.postgres
def test_only_the_staging_tables_still_there_are_dropped_and_named(
    tmp_path: Path, pg_url: str
) -> None:
    """A failed replace that put one table in place (its staging table renamed into it) and
    kept the other's: only the kept one is dropped, and named."""
    sqlite_file = str(tmp_path / "s.db")
    with sqlite3.connect(sqlite_file) as con:
        con.execute("CREATE TABLE good (id INTEGER PRIMARY KEY, t TEXT)")
        con.execute("CREATE TABLE bad (id INTEGER PRIMARY KEY, t TEXT)")
        con.execute("INSERT INTO good VALUES (1, 'a')")
        # PostgreSQL's text holds no NUL: the second batch fails the table.
        con.execute("INSERT INTO bad VALUES (1, 'a'), (2, 'b' || char(0))")
    replace = (*ARROWMIG_MIGRATE, sqlite_file, pg_url, "--mode", "replace", "--batch-rows", "1")
    failed = run(*replace)
    assert failed.returncode == 1, failed.stderr
    stage = staging_name("bad")
    assert f"its staging table '{stage}' is kept" in failed.stderr
    other = run(*ARROWMIG_MIGRATE, sqlite_file, pg_url, "--mode", "truncate", "--on-error", "reject",
                "--reject-dir", str(tmp_path / "rejects"))  # fmt: skip
    assert other.returncode == 1, other.stderr
    assert f"its staging table {stage}, kept for that resume, was dropped" in other.stderr
    with psycopg.connect(pg_url) as con:
        left = con.execute("SELECT relname FROM pg_class WHERE relname LIKE '\\_arrowmig\\_stage%'")
        assert left.fetchall() == []
