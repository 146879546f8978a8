"""``arrowmig status`` names the tables of every run, a complete one's too ("their tables
and rows", README), from what the run recorded in a real PostgreSQL target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arrowmig.cli import main
from tests.dbutil import sqlite_table


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
        {"name": "a,b", "state": "complete", "rows_done": None},
        {"name": "bets", "state": "complete", "rows_done": None},
    ]
    assert main(["status", pg_url]) == 0
    err = capsys.readouterr().err
    assert f"  {run['run_id']} bets: complete\n" in err
    assert f"  {run['run_id']} a,b: complete\n" in err
