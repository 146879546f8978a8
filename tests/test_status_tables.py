"""``arrowmig status`` names the tables of every run, a complete one's too ("their tables
and rows", README), from what the run recorded in a real PostgreSQL target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arrowmig.cli import main
from tests.dbutil import pg_exec, sqlite_table


def test_status_lists_the_tables_of_a_complete_run(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A complete run showed "tables": [] beside "table_count": 2."""
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE bets (id INTEGER PRIMARY KEY)", [[1], [2]]
    )
    sqlite_table(source, 'CREATE TABLE "a,b" (id INTEGER PRIMARY KEY)', [[3]])
    assert main(["migrate", source, pg_url, "--progress", "none"]) == 0
    capsys.readouterr()
    assert main(["status", pg_url, "--json"]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert (run["state"], run["table_count"], run["rows_done"]) == ("complete", 2, 3)
    assert run["tables"] == [
        {
            "name": "a,b",
            "target_name": "a,b",
            "state": "complete",
            "rows_done": None,
            "error": None,
            "staging_table": None,
            "staging_rows": None,
        },
        {
            "name": "bets",
            "target_name": "bets",
            "state": "complete",
            "rows_done": None,
            "error": None,
            "staging_table": None,
            "staging_rows": None,
        },
    ]
    assert main(["status", pg_url]) == 0
    err = capsys.readouterr().err
    assert f"  {run['run_id']} bets: complete\n" in err
    assert f"  {run['run_id']} a,b: complete\n" in err


@pytest.mark.postgres
def test_status_names_the_tables_as_the_target_has_them(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run with --target-names lower wrote sales.big, and status named it sales.Big, a table
    the target does not hold."""
    pg_exec(
        pg_url,
        'CREATE SCHEMA sales; CREATE SCHEMA "Person"; '
        'CREATE TABLE sales."Big" (id int PRIMARY KEY); INSERT INTO sales."Big" VALUES (1); '
        'CREATE TABLE "Person"."Big" (id int PRIMARY KEY); INSERT INTO "Person"."Big" VALUES (2)',
    )
    target = str(tmp_path / "t.duckdb")
    lower = ["--target-names", "lower", "--progress", "none"]
    assert main(["migrate", pg_url, target, "--source-schema", "sales,Person", *lower]) == 0
    capsys.readouterr()
    assert main(["status", target, "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    named = {(r["schema"], t["name"], t["target_name"]) for r in runs for t in r["tables"]}
    assert named == {("sales", "Big", "big"), ("person", "Big", "big")}
    assert main(["status", target]) == 0
    err = capsys.readouterr().err
    # The source's name, then the target's, as verify pairs them.
    assert " sales.Big -> sales.big: complete\n" in err
    assert " Person.Big -> person.big: complete\n" in err


@pytest.mark.postgres
@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_status_clean_of_a_target_without_checkpoints_drops_nothing(
    target: str, tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--clean of a target no run had written into said "removed the checkpoint rows of 0
    completed or superseded run(s)" and "the checkpoint table _arrowmig_checkpoints is
    dropped", of a table that never was."""
    url = pg_url
    if target == "sqlite":
        url = sqlite_table(tmp_path / "t.db", "CREATE TABLE t (id INTEGER PRIMARY KEY)", [[1]])
    assert main(["status", url, "--clean"]) == 0
    err = capsys.readouterr().err
    assert "removed" not in err and "dropped" not in err
    assert "no checkpointed runs in _arrowmig_checkpoints of " in err
