"""``--mode replace`` into DuckDB of a table another table's foreign key points at: DuckDB
neither drops nor renames it, so the run is refused by the plan, before a row is written,
not failed after every row was loaded (with a staging table left and a --resume that fails
alike)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

from arrowmig.cli import main


def _source(tmp_path: Path) -> str:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as con:
        con.executescript(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT);"
            "INSERT INTO parent VALUES (1, 'new'), (2, 'new');"
        )
    return str(path)


def _target(tmp_path: Path) -> str:
    path = tmp_path / "t.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT);"
            "INSERT INTO parent VALUES (1, 'old');"
            "CREATE TABLE child (cid INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent (id));"
            "INSERT INTO child VALUES (10, 1);"
        )
    return str(path)


@pytest.mark.parametrize("extra", [[], ["--keep-backup"]])
def test_replacing_a_table_a_key_points_at_is_refused_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    source, target = _source(tmp_path), _target(tmp_path)
    args = [source, target, "--mode", "replace", *extra]
    assert main(["plan", *args]) == 2
    said = capsys.readouterr().err
    assert "cannot replace 'parent'" in said
    assert "table 'child' has a foreign key to it" in said
    assert "nothing has been written" in said
    assert main(["migrate", *args, "--progress", "none"]) == 2
    with duckdb.connect(target, read_only=True) as con:
        tables = sorted(r[0] for r in con.execute("SHOW TABLES").fetchall())
        rows = con.execute("SELECT * FROM parent").fetchall()
    assert tables == ["child", "parent"]  # no staging table, no checkpoints
    assert rows == [(1, "old")]


def test_replacing_a_table_no_key_points_at_goes_ahead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = _source(tmp_path), _target(tmp_path)
    with duckdb.connect(target) as con:
        con.execute("DROP TABLE child")
    assert main(["migrate", source, target, "--mode", "replace", "--progress", "none"]) == 0
    with duckdb.connect(target, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM parent").fetchall() == [(2,)]
