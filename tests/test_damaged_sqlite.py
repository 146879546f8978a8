"""A SQLite file damaged inside a table's pages (its header sound): met while planning or
mid-run, it is the same one line as a damaged header (exit 2, ``.recover`` as the way on),
never a raw driver error; met after rows were committed, the report says what they are."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from arrowmig.cli import main


def _damaged_file(path: Path, rows: int = 20_000, *, counted_by_index: bool = True) -> Path:
    """A file whose table ``b`` has one leaf page overwritten, three fifths of the way in.
    ``counted_by_index``: ``b_v``, a smaller covering index, answers count(*) (planning with
    --no-profile) without reading a page of the table: the damage is met by the read."""
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE a (id INTEGER PRIMARY KEY); INSERT INTO a VALUES (1), (2);"
        "CREATE TABLE b (id INTEGER PRIMARY KEY, v REAL, t TEXT);"
        f"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {rows})"
        " INSERT INTO b SELECT i, i * 1.5, hex(randomblob(40)) FROM c;"
        + ("CREATE INDEX b_v ON b (v);" if counted_by_index else "")
    )
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    # dbstat's path orders a B-tree's pages as its keys are.
    leaves = [
        r[0]
        for r in con.execute(
            "SELECT pageno FROM dbstat WHERE name = 'b' AND pagetype = 'leaf' ORDER BY path"
        )
    ]
    con.close()
    with open(path, "r+b") as f:
        f.seek((leaves[len(leaves) * 3 // 5] - 1) * page_size)
        f.write(b"\xff" * page_size)
    return path


@pytest.mark.parametrize(
    "args",
    [["migrate", "--progress", "none"], ["migrate", "--no-profile"], ["plan"]],
    ids=["migrate", "counted", "plan"],
)
def test_damage_met_while_planning_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    source = _damaged_file(tmp_path / "bad.db", counted_by_index=False)
    target = tmp_path / "out.duckdb"
    code = main([args[0], str(source), str(target), *args[1:]])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"SQLite file '{source}' is damaged (database disk image is malformed)" in err
    assert f'sqlite3 {source} ".recover" | sqlite3 recovered.db' in err
    assert "unexpected" not in err and len(err.strip().splitlines()) == 1
    assert not target.exists()


@pytest.mark.parametrize("suffix", [".duckdb", ".db"])
def test_damage_met_mid_run_fails_its_table_exit_2_and_says_what_was_committed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    # --no-profile: only the read meets the damage, after some batches are in.
    source = _damaged_file(tmp_path / "bad.db")
    target = tmp_path / f"out{suffix}"
    options = ["--no-profile", "--batch-rows", "1000", "--progress", "none", "--json"]
    code = main(["migrate", str(source), str(target), *options])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert code == 2 and report["exit_code"] == 2, err
    assert "is damaged (database disk image is malformed)" in report["damaged"]
    assert "unexpected" not in err
    tables = {t["name"]: t for t in report["tables"]}
    assert tables["a"]["status"] == "done"
    b = tables["b"]
    assert b["status"] == "failed" and ".recover" in b["error"]
    assert 0 < b["rows"] < 20_000
    assert f"'b' keeps the {b['rows']:,} rows committed before it failed" in "\n".join(b["notes"])
