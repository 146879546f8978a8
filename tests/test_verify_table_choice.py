"""``verify --tables/--exclude`` accept and refuse exactly what ``migrate`` (its plan) does,
in the same words: verify took ``-t orders`` for the table ``Orders`` (migrate: "did you mean
'Orders'?"), said "exists in neither source nor target" for a name migrate calls "not found",
compared a table named twice twice, and had words of its own for an exclusion of every table.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pytest

import arrowmig
from arrowmig.cli import main
from tests.dbutil import pg_exec
from tests.test_schema_fidelity import make_sqlite


def _chosen(
    capsys: pytest.CaptureFixture[str], verb: str, source: str, target: str, args: list[str]
) -> tuple[int, list[str] | str]:
    """The exit code, and the tables the verb takes (or the error line it refuses with)."""
    capsys.readouterr()
    code = main([verb, source, target, *args, "--json"])
    out, err = capsys.readouterr()
    if code == 2:
        return code, err.strip().replace("to compare", "to move")
    return code, [t["name"] for t in json.loads(out)["tables"]]


@pytest.fixture
def copied(tmp_path: Path) -> tuple[str, str]:
    """A SQLite source of awkward names, and its copy in DuckDB."""
    source = str(tmp_path / "s.db")
    with sqlite3.connect(source) as con:
        con.executescript(
            'CREATE TABLE "Odd Name" (id INTEGER PRIMARY KEY);'
            'CREATE TABLE "Orders" (id INTEGER PRIMARY KEY);'
            'CREATE TABLE "x.y" (id INTEGER PRIMARY KEY);'
            'CREATE VIEW v AS SELECT * FROM "Orders";'
            'INSERT INTO "Orders" VALUES (1);'
        )
    target = str(tmp_path / "t.duckdb")
    assert main(["migrate", source, target, "--progress", "none"]) == 0  # the view stays out
    return source, target


SELECTIONS = [
    ["-t", '"Odd Name"'],
    ["-t", "Odd Name"],
    ["-t", "orders"],
    ["-t", "nope"],
    ["-t", "Orders,Orders"],
    ["-t", "Orders", "-t", "Orders"],
    ["-t", "Orders", "--exclude", "Orders"],
    ["-t", "main.Orders"],
    ["-t", '"x.y"'],
    ["-t", "x.y"],
    ["-t", "v"],
    ["-t", "Ord*"],
    ["--exclude", "orders"],
    ["--exclude", "nope"],
    ["--exclude", "Orders"],
    ["--exclude", '"Odd Name",Orders,x.y'],
]


@pytest.mark.parametrize("args", SELECTIONS, ids=[" ".join(s) for s in SELECTIONS])
def test_verify_chooses_the_tables_migrate_would_move(
    capsys: pytest.CaptureFixture[str], copied: tuple[str, str], tmp_path: Path, args: list[str]
) -> None:
    source, target = copied
    plan = _chosen(capsys, "plan", source, str(tmp_path / "new.duckdb"), args)
    verify = _chosen(capsys, "verify", source, target, args)
    # Refused alike, or the same tables taken (which may then differ: exit code 1).
    assert (verify[0] == 2) == (plan[0] == 2)
    assert verify[1] == plan[1]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "args",
    [
        ["-t", "orders"],
        ["-t", "Orders"],
        ["-t", "public.Orders"],
        ["--source-schema", "sales", "-t", "big"],
        ["--source-schema", "sales", "-t", "Big"],
        ["--source-schema", "sales", "-t", "sales.Big"],
        ["--source-schema", "sales", "--exclude", "big"],
        ["--source-schema", "public,sales", "-t", "sales.Big"],
        ["--source-schema", "public,sales", "-t", "sales.big"],
    ],
)
def test_verify_chooses_postgresql_tables_as_migrate_does(
    capsys: pytest.CaptureFixture[str],
    pg_url: str,
    second_pg: str,
    tmp_path: Path,
    args: list[str],
) -> None:
    pg_exec(
        pg_url,
        'CREATE TABLE "Orders" (id int PRIMARY KEY)',
        "CREATE SCHEMA sales",
        'CREATE TABLE sales."Big" (id int PRIMARY KEY)',
        'CREATE TABLE sales."Small" (id int PRIMARY KEY)',
    )
    copy = ["migrate", pg_url, second_pg, "--source-schema", "*", "--progress", "none"]
    assert main(copy) == 0
    plan = _chosen(capsys, "plan", pg_url, str(tmp_path / "new.duckdb"), args)
    verify = _chosen(capsys, "verify", pg_url, second_pg, args)
    # Refused alike, or the same tables taken (which may then differ: exit code 1).
    assert (verify[0] == 2) == (plan[0] == 2)
    assert verify[1] == plan[1]


def test_a_view_and_a_virtual_table_migrate_copied_are_compared_without_tables(
    tmp_path: Path,
) -> None:
    """Copied with --tables, they were each 'missing in source' ('the table exists only in
    the target') to a verify of the whole file: a difference where the rows are equal."""
    source = make_sqlite(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT); INSERT INTO t VALUES (1, 'a');"
        "CREATE VIEW v AS SELECT id, s || '!' AS s FROM t;"
        "CREATE VIRTUAL TABLE docs USING fts5(body); INSERT INTO docs VALUES ('hello');",
    )
    target = str(tmp_path / "t.duckdb")
    assert main(["migrate", source, target, "--tables", "t,v,docs", "--progress", "none"]) == 0
    report = arrowmig.verify(source, target)
    assert sorted((t.name, t.result) for t in report.tables) == [
        ("docs", "match"),
        ("t", "match"),
        ("v", "match"),
    ]
    assert report.ok
    # A view's copy that differs is found so, not passed over.
    with duckdb.connect(target) as con:
        con.execute("UPDATE v SET s = 'b!'")
    again = arrowmig.verify(source, target).tables
    assert sorted((t.name, t.result) for t in again) == [
        ("docs", "match"),
        ("t", "match"),
        ("v", "differ"),
    ]
