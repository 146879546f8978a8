"""Arrays of a PostgreSQL enum (and of a domain over one, and a domain over such an array)
into PostgreSQL: created as the enum array, and the nightly truncate or append into that
table goes in with every label, NULL element and NULL array exact; a value that is no array
of the target enum's labels (another source's text, a label the target lacks) is refused
before anything is emptied.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

import arrowmig
from arrowmig.errors import SchemaError
from tests.dbutil import pg_exec

LABELS = "'a', 'b', 'it''s', 'x,y', 'sp ace', 'ünï', '{br}', 'q\"d', 'NULL', ''"

ROWS = [
    (1, '{a,NULL,it\'s,"x,y","sp ace",ünï,"{br}","q\\"d","NULL",""}'),
    (2, None),
    (3, "{}"),
    (4, "{NULL}"),
]
"""The source's rows as PostgreSQL's text of the array: the label 'NULL' is not a NULL."""


def _source(url: str, column: str) -> None:
    pg_exec(
        url,
        f"CREATE TYPE st AS ENUM ({LABELS})",
        "CREATE DOMAIN st_d AS st",
        "CREATE DOMAIN st_arr AS st[]",
        f"CREATE TABLE t (id int PRIMARY KEY, sa {column})",
        "INSERT INTO t VALUES (1, ARRAY['a', NULL, 'it''s', 'x,y', 'sp ace', 'ünï', '{br}', "
        "'q\"d', 'NULL', '']::st[]), (2, NULL), (3, '{}'), (4, '{NULL}')",
    )


def _held(url: str) -> tuple[str, list[tuple[object, ...]]]:
    """The target column's type, and its rows as the array's text."""
    with psycopg.connect(url) as con:
        (kind,) = con.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 't'::regclass AND attname = 'sa'"
        ).fetchone() or ("",)
        rows = con.execute("SELECT id, sa::text FROM t ORDER BY id").fetchall()
    return str(kind), list(rows)


@pytest.mark.postgres
@pytest.mark.parametrize("column", ["st[]", "st_d[]", "st_arr"])
@pytest.mark.parametrize("mode", ["truncate", "append"])
def test_an_enum_array_is_created_as_one_and_loads_again_into_its_table(
    pg_url: str, second_pg: str, column: str, mode: str
) -> None:
    _source(pg_url, column)
    assert arrowmig.migrate(pg_url, second_pg).ok
    # The enum array, whichever domain the source had (a column of the domain over the
    # enum is the enum itself there too).
    assert _held(second_pg) == ("st[]", ROWS)
    if mode == "append":
        pg_exec(second_pg, "DELETE FROM t")
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode=mode))
    assert report.ok, report.tables[0].error
    assert _held(second_pg) == ("st[]", ROWS)
    assert arrowmig.verify(pg_url, second_pg, level="diff").ok


def _target_with_a_row(url: str) -> None:
    pg_exec(
        url,
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE TABLE t (id int PRIMARY KEY, sa st[])",
        "INSERT INTO t VALUES (9, '{b}')",
    )


@pytest.mark.postgres
def test_a_label_the_target_enum_lacks_is_refused_before_emptying(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(
        pg_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (id int PRIMARY KEY, sa st[])",
        "INSERT INTO t VALUES (1, '{a,NULL}'), (2, '{b,c}')",
    )
    _target_with_a_row(second_pg)
    with pytest.raises(
        SchemaError,
        match=r"column 'sa' holds 1 value that is no array of labels of the target column's "
        r"enum array st\[\] \(id 2: '\{b,c\}'\); nothing has been emptied or written",
    ):
        arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="truncate"))
    assert _held(second_pg)[1] == [(9, "{b}")]


def _sqlite(path: Path, rows: list[tuple[int, str | None]]) -> str:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, sa TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    con.close()
    return str(path)


def _duckdb(path: Path, rows: list[tuple[int, list[str | None] | None]]) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, sa VARCHAR[])")
        con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    return str(path)


@pytest.mark.postgres
def test_json_text_and_lists_append_into_an_enum_array(pg_url: str, tmp_path: Path) -> None:
    # An enum array written to SQLite (JSON text) or DuckDB (a list) goes back in as it was.
    _target_with_a_row(pg_url)
    sqlite = _sqlite(tmp_path / "s.db", [(1, '["a", null, "b"]'), (2, None), (3, "[]")])
    lists = _duckdb(tmp_path / "s.duckdb", [(4, ["b", None]), (5, None)])
    for source in (sqlite, lists):
        report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
        assert report.ok, report.tables[0].error
    assert _held(pg_url)[1] == [
        (1, "{a,NULL,b}"),
        (2, None),
        (3, "{}"),
        (4, "{b,NULL}"),
        (5, None),
        (9, "{b}"),
    ]


@pytest.mark.postgres
@pytest.mark.parametrize(("kind", "shown"), [("sqlite", "'{a,b}'"), ("duckdb", r"'\[a, zzz\]'")])
def test_other_text_or_no_label_is_refused_naming_the_column(
    pg_url: str, tmp_path: Path, kind: str, shown: str
) -> None:
    # An array literal in SQLite text is no JSON; a list element is no label: one line
    # naming the column and the row, not the server's JSON or enum error after emptying.
    _target_with_a_row(pg_url)
    if kind == "sqlite":
        source = _sqlite(tmp_path / "s.db", [(1, '["a"]'), (2, "{a,b}")])
    else:
        source = _duckdb(tmp_path / "s.duckdb", [(1, ["a"]), (2, ["a", "zzz"])])
    with pytest.raises(
        SchemaError,
        match=rf"column 'sa' holds 1 value that is no array of labels of the target column's "
        rf"enum array st\[\] \(id 2: {shown}\); nothing has been emptied or written; "
        r"add the label to the enum",
    ):
        arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert _held(pg_url)[1] == [(9, "{b}")]


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["jsonb", "text"])
def test_json_arrays_in_a_postgresql_jsonb_or_text_column_append_into_an_enum_array(
    pg_url: str, second_pg: str, kind: str
) -> None:
    # No array to unnest: its JSON is checked as JSON, not refused as a check that failed.
    pg_exec(
        pg_url,
        f"CREATE TABLE t (id int PRIMARY KEY, sa {kind})",
        """INSERT INTO t VALUES (1, '["a", null, "b"]'), (2, NULL), (3, '[]')""",
    )
    _target_with_a_row(second_pg)
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok, report.tables[0].error
    assert _held(second_pg)[1] == [(1, "{a,NULL,b}"), (2, None), (3, "{}"), (9, "{b}")]
    # A label the enum lacks is refused before the truncate empties the table.
    pg_exec(pg_url, """INSERT INTO t VALUES (4, '["a", "zzz"]')""")
    with pytest.raises(SchemaError, match=r"column 'sa' holds 1 value that is no array of labels"):
        arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="truncate"))
    assert len(_held(second_pg)[1]) == 4
