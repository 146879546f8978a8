"""A run superseded by another command (``it can no longer be resumed``) kept its staging
table for a resume that can never come: the rows it had loaded stayed in the target as
``_arrowmig_stage_...`` for good, taking room, and the report did not say so. Now the run that
supersedes it drops them, and says so."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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
