"""A run interrupted, then overtaken: a later run that loads its tables afresh supersedes it
(``status`` says so, ``--resume`` refuses it), and a resume refuses a table that no longer
holds the rows its checkpoint counts. Either way the interrupted run's rows never land on top
of a table loaded since (150,000 rows became 286,000, "done")."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dbutil import sqlite_rows
from tests.test_resume import arrowmig, build_source, kill_after, kill_half_way, refused_resume


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_source(tmp_path_factory.mktemp("superseded") / "source.db")


def status_runs(target: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "arrowmig", "status", target, "--json"],
        capture_output=True,
        check=True,
    )
    runs: list[dict[str, object]] = json.loads(done.stdout)["runs"]
    return runs


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arrowmig", *args], capture_output=True, text=True, timeout=120
    )


def test_a_complete_replace_run_supersedes_the_interrupted_one(source: str, tmp_path: Path) -> None:
    target = str(tmp_path / "t.db")
    kill_half_way(source, target)
    (interrupted,) = status_runs(target)
    replaced = run("migrate", source, target, "--tables", "events", "--mode", "replace")
    assert replaced.returncode == 0, replaced.stderr
    assert f"run {interrupted['run_id']}, not complete, loaded these tables too" in replaced.stderr
    runs = {r["run_id"]: r for r in status_runs(target)}
    earlier = runs[interrupted["run_id"]]
    assert earlier["state"] == "superseded" and earlier["resume"] is None
    assert "loaded 'events' afresh" in str(earlier["superseded"])
    # The command status offered before: refused, and the table keeps the source's rows once.
    err = refused_resume(source, target)
    assert f"the run {interrupted['run_id']}" in err and "was superseded by run" in err
    assert sqlite_rows(target, "events", "id") == sqlite_rows(source, "events", "id")
    cleaned = run("status", target, "--clean")
    assert "removed the checkpoint rows of 2 completed or superseded run(s)" in cleaned.stderr


def test_a_resume_refuses_a_table_that_lost_rows_since(source: str, tmp_path: Path) -> None:
    # Rows deleted meanwhile: the resume went on after the last committed key, leaving the hole.
    target = str(tmp_path / "t.db")
    kill_half_way(source, target)
    con = sqlite3.connect(target)
    con.execute("DELETE FROM events WHERE id > 1000")
    con.commit()
    held = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    err = refused_resume(source, target)
    assert f"cannot resume 'events': 'events' in {target} holds {held:,} rows" in err, err
    assert "it was loaded or changed since" in err and "--mode replace" in err
    assert len(sqlite_rows(target, "events", "id")) == held


def test_a_resume_of_an_append_counts_the_rows_the_table_held_before(
    source: str, tmp_path: Path
) -> None:
    target = str(tmp_path / "t.db")
    con = sqlite3.connect(target)
    con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, amount REAL, note)")
    con.executemany("INSERT INTO events VALUES (?, 'old', 0, NULL)", [(-i,) for i in range(1, 8)])
    con.commit()
    con.close()
    common = ("migrate", source, target, "--tables", "events", "--mode", "append")
    proc = arrowmig(*common, "--batch-rows", "100", "--progress", "none")
    kill_after(proc, target, 2000)
    resumed = run(*common, "--resume", "--progress", "none")
    assert resumed.returncode == 0, resumed.stderr
    got = sqlite_rows(target, "events", "id")
    assert len(got) == 7 + len(sqlite_rows(source, "events", "id"))
    assert len({r[0] for r in got}) == len(got)


def test_a_refused_resume_of_an_append_does_not_advise_dropping_the_table(
    source: str, tmp_path: Path
) -> None:
    # The application's table, appended to, then added to by the application: --mode
    # replace, the advice for a table arrowmig loaded, would drop the application's rows too.
    target = str(tmp_path / "t.db")
    con = sqlite3.connect(target)
    con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, amount REAL, note)")
    con.execute("INSERT INTO events VALUES (-1, 'old', 0, NULL)")
    con.commit()
    common = ("migrate", source, target, "--tables", "events", "--mode", "append")
    kill_after(arrowmig(*common, "--batch-rows", "100", "--progress", "none"), target, 2000)
    con.execute("INSERT INTO events VALUES (-2, 'new', 0, NULL)")
    con.commit()
    con.close()
    resumed = run(*common, "--resume", "--progress", "none")
    assert resumed.returncode == 2, resumed.stderr
    assert "it was loaded or changed since" in resumed.stderr
    assert "rows the interrupted run appended" in resumed.stderr
    assert "--mode replace would drop every row of the table" in resumed.stderr
    # Its way on, followed: the run's rows and its record deleted, the same command again
    # (without them deleted, a run without --resume is refused: it would append twice).
    forget = re.search(r"\((DELETE FROM .*?)\)", resumed.stderr)
    assert forget is not None, resumed.stderr
    with sqlite3.connect(target) as con:
        con.execute("DELETE FROM events WHERE id > 0")
        con.execute(forget[1])
    con.close()
    again = run(*common, "--progress", "none")
    assert again.returncode == 0, again.stderr
    own = [(-2, "new", 0.0, None), (-1, "old", 0.0, None)]
    assert sqlite_rows(target, "events", "id") == own + sqlite_rows(source, "events", "id")
