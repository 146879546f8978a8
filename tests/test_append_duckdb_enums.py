"""Truncating and appending into an existing DuckDB ENUM column: a text that is none of its
labels refuses the run before the table is emptied (as a PostgreSQL enum's does), and
--on-error reject sets its row aside and loads the others."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import arrowmig
from arrowmig.endpoints.duckdb_enums import enum_labels
from arrowmig.errors import SchemaError
from arrowmig.migrate import explain


def _moods(tmp_path: Path, sqlite_source: bool) -> tuple[str, str]:
    """A source whose mood column holds 'ok', and a target whose ENUM lacks it."""
    dst = str(tmp_path / "b.duckdb")
    with duckdb.connect(dst) as con:
        con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, e ENUM('sad', 'it''s', 'happy'))")
        con.execute("INSERT INTO t VALUES (9, 'happy')")
    if sqlite_source:
        import sqlite3

        src = str(tmp_path / "a.db")
        with sqlite3.connect(src) as lite:
            lite.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, e TEXT)")
            lite.execute("INSERT INTO t VALUES (1, 'ok'), (2, 'sad'), (3, 'it''s'), (4, NULL)")
        lite.close()
        return src, dst
    src = str(tmp_path / "a.duckdb")
    with duckdb.connect(src) as con:
        con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, e ENUM('sad', 'ok', 'it''s'))")
        con.execute("INSERT INTO t VALUES (1, 'ok'), (2, 'sad'), (3, 'it''s'), (4, NULL)")
    return src, dst


def _rows(path: str) -> list[tuple[object, ...]]:
    with duckdb.connect(path, read_only=True) as con:
        return con.sql("SELECT id, e::VARCHAR FROM t ORDER BY id").fetchall()


@pytest.mark.parametrize("sqlite_source", [False, True], ids=["duckdb", "sqlite"])
@pytest.mark.parametrize("mode", ["truncate", "append"])
def test_a_text_that_is_no_label_of_the_duckdb_enum_refuses_the_run_before_emptying(
    tmp_path: Path, mode: str, sqlite_source: bool
) -> None:
    src, dst = _moods(tmp_path, sqlite_source)
    config = arrowmig.MigrationConfig(mode=mode)
    told = (
        r"'e' holds 1 text that is no label of the target column's "
        r"ENUM\('sad', 'it''s', 'happy'\) \(id 1: 'ok'\); nothing"
    )
    with pytest.raises(SchemaError, match=told):
        explain(src, dst, config=config)  # the plan says so too
    with pytest.raises(SchemaError, match=told):
        arrowmig.migrate(src, dst, config=config)
    assert _rows(dst) == [(9, "happy")]
    rejects = str(tmp_path / "rejects")
    config = arrowmig.MigrationConfig(mode=mode, on_error="reject", reject_dir=rejects)
    assert arrowmig.migrate(src, dst, config=config).rejected == 1
    [rejected] = [json.loads(line) for line in Path(rejects, "t.jsonl").read_text().splitlines()]
    # Said once, as what it is: the SQLite text was also said to "not convert to None".
    assert rejected["problems"] == [
        {
            "column": "e",
            "reason": "text that is no label of the target column's ENUM('sad', 'it''s', 'happy')",
        }
    ]
    kept = [(2, "sad"), (3, "it's"), (4, None)]
    assert _rows(dst) == (kept if mode == "truncate" else [*kept, (9, "happy")])


def test_the_labels_are_read_from_the_type_as_duckdb_spells_it() -> None:
    assert enum_labels("ENUM('a, b', 'it''s', '')") == ("a, b", "it's", "")
    assert enum_labels("ENUM('a')[]") is None
    assert enum_labels("VARCHAR") is None


def test_a_text_no_duckdb_column_type_can_read_is_said_with_that_type(tmp_path: Path) -> None:
    # The reason named the source's type: "does not fit the target column's type (TEXT)".
    import sqlite3

    src, dst = str(tmp_path / "a.db"), str(tmp_path / "b.duckdb")
    with sqlite3.connect(src) as lite:
        lite.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, ts TEXT, d TEXT, n TEXT)")
        lite.execute("INSERT INTO t VALUES (1, '2020-01-01 10:00:00', '2020-01-01', '1.5')")
        lite.execute("INSERT INTO t VALUES (2, 'garbage', 'no date', 'abc')")
    lite.close()
    with duckdb.connect(dst) as con:
        con.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, ts TIMESTAMP, d DATE, n DECIMAL(10,2))")
    rejects = str(tmp_path / "rejects")
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=rejects)
    assert arrowmig.migrate(src, dst, config=config).rejected == 1
    [rejected] = [json.loads(line) for line in Path(rejects, "t.jsonl").read_text().splitlines()]
    assert [(p["column"], p["reason"]) for p in rejected["problems"]] == [
        (column, f"value does not fit the target column's type ({declared}) exactly")
        for column, declared in (("ts", "TIMESTAMP"), ("d", "DATE"), ("n", "DECIMAL(10,2)"))
    ]
