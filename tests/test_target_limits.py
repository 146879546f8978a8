"""What a target cannot create: a table wider than it allows is refused at planning, and one
it refuses to create mid-run fails alone, in the report, while the other tables are loaded."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig.cli import main
from tests.dbutil import sqlite_rows


def _duckdb_source(path: Path, columns: int) -> str:
    """``wide``: an id and ``columns - 1`` more; ``ok1``: one row."""
    with duckdb.connect(str(path)) as con:
        more = ", ".join(f"c{i} int" for i in range(columns - 1))
        con.execute(f"CREATE TABLE wide (id int PRIMARY KEY, {more})")
        con.execute(f"INSERT INTO wide SELECT 1, {', '.join(['7'] * (columns - 1))}")
        con.execute("CREATE TABLE ok1 (id int PRIMARY KEY)")
        con.execute("INSERT INTO ok1 VALUES (1)")
    return str(path)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("verb", ["plan", "migrate"])
def test_a_table_wider_than_sqlite_allows_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], verb: str
) -> None:
    # It aborted the run at its CREATE TABLE with the driver's line, no report, another
    # table left empty in the target, and `status` offering a --resume that failed alike.
    source = _duckdb_source(tmp_path / "s.duckdb", 2001)
    target = tmp_path / "t.db"
    code, _, err = _cli(capsys, verb, source, str(target))
    assert code == 2, err
    assert (
        "table 'wide' has 2,001 columns; SQLite tables can have at most 2,000; leave it out "
        "with --exclude wide" in err
    ), err
    assert not target.exists()
    code, _, err = _cli(capsys, verb, source, str(target), "--exclude", "wide")
    assert code == 0, err


def test_a_table_as_wide_as_sqlite_allows_moves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _duckdb_source(tmp_path / "s.duckdb", 2000)
    target = tmp_path / "t.db"
    code, _, err = _cli(capsys, "migrate", source, str(target), "--progress", "none")
    assert code == 0, err
    assert sqlite_rows(target, "wide") == [(1, *[7] * 1999)]


@pytest.mark.postgres
@pytest.mark.parametrize("verb", ["plan", "migrate"])
def test_a_table_wider_than_postgres_allows_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pg_url: str, verb: str
) -> None:
    source = _duckdb_source(tmp_path / "s.duckdb", 1601)
    code, _, err = _cli(capsys, verb, source, pg_url)
    assert code == 2, err
    assert "table 'wide' has 1,601 columns; PostgreSQL tables can have at most 1,600" in err
    with psycopg.connect(pg_url) as con:
        assert con.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone() == (0,)


def test_a_table_the_target_refuses_to_create_fails_alone_with_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The error escaped the run: exit 1 with one raw line, no report, empty --json output,
    # and the tables after it never loaded.
    source = tmp_path / "s.db"
    with sqlite3.connect(source) as con:
        for name in ("a", "b", "c"):
            con.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)")
            con.execute(f"INSERT INTO {name} VALUES (1), (2)")
    target = tmp_path / "t.db"
    with sqlite3.connect(target) as con:  # SQLite will not create a table named as an index
        con.execute("CREATE TABLE other (z)")
        con.execute("CREATE INDEX b ON other (z)")
    code, out, err = _cli(
        capsys, "migrate", str(source), str(target), "--json", "--progress", "none"
    )
    assert code == 1, err
    report = json.loads(out)
    assert report["exit_code"] == 1 and report["failed"] == ["b"]
    tables = {t["name"]: t for t in report["tables"]}
    assert "there is already an index named b" in tables["b"]["error"]
    assert tables["a"]["status"] == tables["c"]["status"] == "done"
    assert sqlite_rows(target, "a") == sqlite_rows(target, "c") == [(1,), (2,)]
