"""``arrowmig status`` after stopped runs, on real targets: a superseded ``--mode append``
run counts the rows it appended (they stay in the table; it used to show 0), and the
staging tables an interrupted run keeps for ``--resume`` are named with their tables, in the
run's report and by status, and dropped by ``status --clean`` once no run can resume them
(they used to stay until a later run of those tables)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from arrowmig.loading import staging_name
from tests.dbutil import execute_in, rows_of, target_of
from tests.run_events import killed_at_event, signal_at_event
from tests.test_resume import build_source

ARROWMIG = (sys.executable, "-m", "arrowmig")
KINDS = ["postgres", "duckdb", "sqlite"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_source(tmp_path_factory.mktemp("status") / "source.db")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ARROWMIG, *args], capture_output=True, text=True, timeout=120)


def runs(target: str) -> list[dict[str, Any]]:
    shown = run("status", target, "--json")
    assert shown.returncode == 0, shown.stderr
    return list(json.loads(shown.stdout)["runs"])


def stages(target: str) -> list[str]:
    """The staging tables the target holds, read with its own client."""
    sql = (
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_name LIKE '\\_arrowmig\\_stage\\_%' ESCAPE '\\'"
    )
    if target.startswith("postgresql"):
        import psycopg

        with psycopg.connect(target) as con:
            return sorted(r[0] for r in con.execute(sql).fetchall())
    if target.endswith(".duckdb"):
        import duckdb

        with duckdb.connect(target) as con:
            return sorted(r[0] for r in con.execute(sql).fetchall())
    with sqlite3.connect(target) as lite:
        found = lite.execute(
            sql.replace("information_schema.tables", "sqlite_master").replace("table_name", "name")
        ).fetchall()
    lite.close()
    return sorted(r[0] for r in found)


@pytest.mark.parametrize("kind", KINDS)
def test_a_superseded_append_run_counts_the_rows_it_appended(
    source: str, tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    target = target_of(kind, tmp_path, request)
    assert run("migrate", source, target, "--tables", "events").returncode == 0
    # The application's table, keyless and empty: the stopped append's rows are all it holds.
    execute_in(
        target,
        "CREATE TABLE keyless AS SELECT * FROM events LIMIT 0; DROP TABLE events; "
        "ALTER TABLE keyless RENAME TO events; DELETE FROM _arrowmig_checkpoints",
    )
    append = ["migrate", source, target, "--tables", "events", "--mode", "append"]
    committed = {"event": "progress", "table": "events"}
    killed_at_event(
        [*ARROWMIG, *append, "--batch-rows", "100", "--parallel", "1"],
        lambda e: committed.items() <= e.items(),
    )
    held = len(rows_of(target, "events"))
    assert held > 0
    # Another append (other options): it supersedes the stopped one and appends every row.
    assert run(*append, "--no-analyze", "--progress", "none").returncode == 0
    (superseded,) = [r for r in runs(target) if r["state"] == "superseded"]
    assert superseded["rows_done"] == held
    said = run("status", target)
    (line,) = [x for x in said.stderr.splitlines() if x.startswith(superseded["run_id"] + " ")]
    assert line.split()[1:4] == ["superseded", "1", f"{held:,}"], said.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_an_interrupted_runs_staging_tables_are_named_and_cleaned_once_abandoned(
    source: str, tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    target = target_of(kind, tmp_path, request)
    # tags has no usable key: it loads into a staging table, put in place at its end.
    command = [*ARROWMIG, "migrate", source, target, "--tables", "events,tags"]
    options = ["--batch-rows", "100", "--parallel", "1", "--progress", "json"]
    proc = subprocess.Popen(
        [*command, *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    committed = {"event": "progress", "table": "events"}
    signal_at_event(proc, lambda e: committed.items() <= e.items(), signal.SIGTERM)
    rest, error = proc.communicate(timeout=60)
    assert proc.returncode == 143, error
    stage = staging_name("tags")
    assert stages(target) == [stage]

    # The report names it with its table.
    report = json.loads(rest.splitlines()[-1])["report"]
    tags = next(t for t in report["tables"] if t["name"] == "tags")
    assert tags["staging_table"] == stage
    assert f"staging table kept for it: tags -> {stage}" in error

    # So does status, with the rows it holds.
    (stopped,) = runs(target)
    shown = next(t for t in stopped["tables"] if t["name"] == "tags")
    assert (shown["staging_table"], shown["staging_rows"]) == (stage, len(rows_of(target, stage)))
    said = run("status", target)
    assert f"tags: prepared, 0 rows; staging table {stage} (" in said.stderr + said.stdout

    # --clean keeps it while the run can be resumed...
    cleaned = run("status", target, "--clean")
    assert cleaned.returncode == 0, cleaned.stderr
    assert stages(target) == [stage]
    # ...and drops it once it cannot: superseded as an arrowmig before 2026-12-02 left such a
    # run (its own row alone), its staging table kept for good.
    run_id = stopped["run_id"]
    execute_in(
        target,
        f"UPDATE _arrowmig_checkpoints SET state = 'superseded' WHERE run_id = '{run_id}' "
        f"AND table_name = '*'; DELETE FROM _arrowmig_checkpoints WHERE run_id = '{run_id}' "
        "AND table_name <> '*'",
    )
    cleaned = run("status", target, "--clean")
    assert cleaned.returncode == 0, cleaned.stderr
    assert stages(target) == []
    assert "dropped 1 staging table(s) no run can resume any more" in cleaned.stderr
    assert stage in cleaned.stderr
