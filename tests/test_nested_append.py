"""A DuckDB LIST, STRUCT or MAP column appended into an existing JSON or text column (the
jsonb column arrowmig itself creates for it in PostgreSQL, SQLite's TEXT, DuckDB's JSON)
goes in as the JSON it gets on create, with no --cast, and verify then matches.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

import arrowmig
from arrowmig.plan import JSONB_NOTE, RAGGED_NOTE
from tests.dbutil import pg_exec, pg_rows

NESTED = "id INTEGER PRIMARY KEY, l INTEGER[], st STRUCT(x INTEGER, d DECIMAL(20,3)), m MAP(VARCHAR, INTEGER)"


def _source(path: Path, rows: str) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE t ({NESTED})")
        con.execute(f"INSERT INTO t VALUES {rows}")
    return str(path)


FIRST = "(1, [1, 2], {'x': 1, 'd': 12345678901234567.125}, MAP {'k': 1, 'z': NULL})"
SECOND = "(2, [3, NULL], {'x': NULL, 'd': -0.5}, MAP {'b': 2})"


def _append_again(source: Path, target: str) -> arrowmig.MigrationReport:
    """Delete the first row from the source, add the second, and append."""
    with duckdb.connect(str(source)) as con:
        con.execute("DELETE FROM t")
        con.execute(f"INSERT INTO t VALUES {SECOND}")
    return arrowmig.migrate(str(source), target, config=arrowmig.MigrationConfig(mode="append"))


@pytest.mark.postgres
def test_nested_columns_append_into_the_jsonb_columns_arrowmig_created(
    pg_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "s.duckdb"
    _source(source, FIRST)
    assert arrowmig.migrate(str(source), pg_url).ok
    report = _append_again(source, pg_url)
    assert report.ok, [t.error for t in report.tables]
    assert not any(JSONB_NOTE in n for t in report.tables for n in t.notes)
    with duckdb.connect(str(source)) as con:
        con.execute(f"INSERT INTO t VALUES {FIRST}")
    assert arrowmig.verify(str(source), pg_url, level="diff").ok
    assert pg_rows(pg_url, "t", "id")[1][1:] == ([3, None], {"x": None, "d": -0.5}, {"b": 2})


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["json", "text"])
def test_nested_columns_append_into_json_and_text_columns(
    pg_url: str, tmp_path: Path, kind: str
) -> None:
    source = tmp_path / "s.duckdb"
    _source(source, SECOND)
    pg_exec(pg_url, f"CREATE TABLE t (id int PRIMARY KEY, l {kind}, st {kind}, m {kind})")
    config = arrowmig.MigrationConfig(mode="append")
    report = arrowmig.migrate(str(source), pg_url, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert (
        pg_rows(pg_url, "t", "id") == [(2, "[3,null]", '{"x":null,"d":-0.500}', '{"b":2}')]
        if kind == "text"
        else [(2, [3, None], {"x": None, "d": -0.5}, {"b": 2})]
    )
    assert arrowmig.verify(str(source), pg_url, level="diff").ok


def test_nested_columns_append_into_strict_sqlite_text(tmp_path: Path) -> None:
    source = tmp_path / "s.duckdb"
    _source(source, SECOND)
    target = tmp_path / "t.db"
    with sqlite3.connect(target) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, l TEXT, st TEXT, m TEXT) STRICT")
    report = arrowmig.migrate(
        str(source), str(target), config=arrowmig.MigrationConfig(mode="append")
    )
    assert report.ok, [t.error for t in report.tables]
    with sqlite3.connect(target) as con:
        rows = con.execute("SELECT * FROM t").fetchall()
    assert rows == [(2, "[3,null]", '{"x":null,"d":-0.500}', '{"b":2}')]
    assert arrowmig.verify(str(source), str(target), level="diff").ok


def test_nested_columns_append_into_duckdb_json(tmp_path: Path) -> None:
    source = tmp_path / "s.duckdb"
    _source(source, SECOND)
    target = tmp_path / "t.duckdb"
    with duckdb.connect(str(target)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, l JSON, st JSON, m JSON)")
    report = arrowmig.migrate(
        str(source), str(target), config=arrowmig.MigrationConfig(mode="append")
    )
    assert report.ok, [t.error for t in report.tables]
    with duckdb.connect(str(target)) as con:
        rows = con.execute("SELECT id, l::VARCHAR, st::VARCHAR, m::VARCHAR FROM t").fetchall()
    assert rows == [(2, "[3,null]", '{"x":null,"d":-0.500}', '{"b":2}')]
    assert arrowmig.verify(str(source), str(target), level="diff").ok


@pytest.mark.postgres
def test_a_ragged_list_into_a_postgres_array_is_named_and_can_be_set_aside(
    pg_url: str, tmp_path: Path
) -> None:
    # The server's bare 'malformed array literal: "{{"a","b"},{}}"' named no column and no
    # way past: PostgreSQL arrays are rectangular, and DuckDB lists need not be.
    source = tmp_path / "s.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ll VARCHAR[][])")
        con.execute(
            "INSERT INTO t VALUES (1, [['a', 'b'], ['c', 'd']]), (2, [['a', 'b'], []]),"
            " (3, [['a'], NULL]), (4, [['a', 'b'], ['c']])"
        )
    pg_exec(pg_url, "CREATE TABLE t (id integer PRIMARY KEY, ll text[])")
    config = arrowmig.MigrationConfig(mode="append")
    report = arrowmig.migrate(str(source), pg_url, config=config)
    (table,) = report.failed
    assert f"ll: {RAGGED_NOTE}" in table.notes  # the plan says so beforehand
    assert 'column ll: value [["a","b"],[]] has sub-arrays of different lengths' in str(table.error)
    assert "make the target column jsonb" in str(table.error)
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    assert arrowmig.migrate(str(source), pg_url, config=config).rejected == 3
    assert pg_rows(pg_url, "t", "id") == [(1, [["a", "b"], ["c", "d"]])]
    set_aside = (rejects / "t.jsonl").read_text()
    assert set_aside.count("a PostgreSQL array cannot hold") == 3
