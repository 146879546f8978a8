"""``verify`` (and ``migrate --verify``) on copies ``migrate`` made as documented: an append
into a table with columns of its own, a partition named in --tables, names holding dots
written in double quotes. Each is a match, exit 0; a real difference still is one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import pytest

from arrowmig import verify
from arrowmig.cli import main
from tests.dbutil import pg_exec, sqlite_table, target_of

pytestmark = pytest.mark.postgres


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """The exit code and what the command said (stdout and stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    """The exit code and the JSON document of a ``--json`` command."""
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


# -- an append leaves the target's own columns to it ----------------------------------------

EXTRA = {
    # A generated column of each target, and a nullable one DuckDB fills with NULL.
    "sqlite": "CREATE TABLE s (id INTEGER PRIMARY KEY, a INT, g INT GENERATED ALWAYS AS (a*10) VIRTUAL)",
    "duckdb": "CREATE TABLE s (id BIGINT PRIMARY KEY, a INT, note VARCHAR)",
    "postgres": "CREATE TABLE s (id bigint PRIMARY KEY, a int, g int GENERATED ALWAYS AS (a*10) STORED)",
}


def _run(kind: str, url: str, sql: str) -> None:
    """One statement in the target, by its database's own client."""
    if kind == "postgres":
        pg_exec(url, sql)
    elif kind == "sqlite":
        with sqlite3.connect(url) as con:
            con.execute(sql)
        con.close()
    else:
        with duckdb.connect(url) as dcon:
            dcon.execute(sql)


@pytest.mark.parametrize("kind", ["sqlite", "duckdb", "postgres"])
def test_an_append_into_a_table_with_columns_of_its_own_verifies_as_a_match(
    kind: str, tmp_path: Path, request: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # "columns only in target: g", DIFFERENCES FOUND and FINISHED WITH FAILURES (exit 1)
    # after every row arrived, on all three targets.
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE s (id INTEGER PRIMARY KEY, a INT)", [(1, 1), (2, 2)]
    )
    target = target_of(kind, tmp_path, request)
    _run(kind, target, EXTRA[kind])
    code, said = _cli(
        capsys, "migrate", source, target, "--mode", "append", "--verify", "--progress", "none"
    )
    assert code == 0, said
    column = "note" if kind == "duckdb" else "g"
    assert (
        f"left to it (nullable, a default, identity or generated; not compared): {column}" in said
    )
    assert "all tables match" in said
    report = verify(source, target)
    (table,) = report.tables
    assert report.ok and report.exit_code == 0
    assert (table.extra_columns, table.columns_left_to_target) == ([], [column])
    assert table.to_dict()["columns_left_to_target"] == [column]
    assert verify(source, target, level="count").ok
    # The source's columns are still compared: a changed value is a difference.
    _run(kind, target, "UPDATE s SET a = 5 WHERE id = 2")
    changed = verify(source, target)
    assert changed.exit_code == 1 and changed.tables[0].differing_columns == ["a"]


def test_tables_of_other_columns_still_differ(tmp_path: Path) -> None:
    """Two tables that no copy of one could make the other: a source column the target
    lacks, or a target column NOT NULL without a default, which nothing left to it fills."""
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE s (id INTEGER PRIMARY KEY, a INT)", [(1, 1)]
    )
    required = sqlite_table(
        tmp_path / "r.db",
        "CREATE TABLE s (id INTEGER PRIMARY KEY, a INT, b INT NOT NULL)",
        [(1, 1, 7)],
    )
    report = verify(source, required)
    assert report.exit_code == 1
    assert (report.tables[0].extra_columns, report.tables[0].columns_left_to_target) == (["b"], [])
    assert verify(source, required, level="count").exit_code == 1
    other = sqlite_table(
        tmp_path / "o.db", "CREATE TABLE s (id INTEGER PRIMARY KEY, b INT)", [(1, 1)]
    )
    report = verify(source, other)
    assert report.exit_code == 1
    assert report.tables[0].missing_columns == ["a"]
    assert report.tables[0].columns_left_to_target == ["b"]  # said, though it differs anyway


# -- a partition named in --tables -----------------------------------------------------------


def test_a_partition_moved_by_name_verifies_as_a_match(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "m_2024  -  70  0  missing in source", exit 1, for a perfect copy.
    pg_exec(
        pg_url,
        "CREATE TABLE m (id int, d date, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);"
        "CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
        "CREATE TABLE m_rest PARTITION OF m DEFAULT;"
        "INSERT INTO m SELECT g, date '2023-12-01' + g FROM generate_series(1, 100) g;"
        "CREATE SCHEMA other; CREATE TABLE other.t (id int)",
    )
    target = str(tmp_path / "p.db")
    code, said = _cli(
        capsys, "migrate", pg_url, target, "--tables", "m_2024", "--verify", "--progress", "none"
    )
    assert code == 0, said
    code, said = _cli(capsys, "verify", pg_url, target, "--tables", "m_2024")
    assert code == 0, said
    (table,) = verify(pg_url, target, tables="m_2024").tables
    assert (table.result, table.rows_source, table.rows_target) == ("match", 70, 70)
    # Named with its schema among several schemas, as migrate takes it.
    several = verify(pg_url, target, tables="public.m_2024", source_schema="public,other")
    assert [(t.name, t.result) for t in several.tables] == [("public.m_2024", "match")]
    # Compared indeed: a row lost is a difference.
    with sqlite3.connect(target) as con:
        con.execute("DELETE FROM m_2024 WHERE id = 40")
    con.close()
    assert verify(pg_url, target, tables="m_2024").tables[0].result == "differ"


# -- names holding dots, in double quotes ------------------------------------------------------


def test_verify_takes_quoted_names_holding_dots_as_migrate_does(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # '"x.y"' was "exists in neither source nor target" (exit 2), and the unquoted name's
    # error told the user to write the quoted form verify had just refused.
    pg_exec(
        pg_url,
        'CREATE TABLE "x.y" (id int PRIMARY KEY); INSERT INTO "x.y" VALUES (1);'
        'CREATE TABLE "we.ird ""q"" ü" (id int PRIMARY KEY); INSERT INTO "we.ird ""q"" ü" VALUES (2)',
    )
    target = str(tmp_path / "o.db")
    named = '"x.y","we.ird ""q"" ü"'
    code, said = _cli(
        capsys, "migrate", pg_url, target, "--tables", named, "--verify", "--progress", "none"
    )
    assert code == 0, said
    assert "all tables match" in said
    for option, value, compared in (
        ("--tables", '"x.y"', ["x.y"]),
        ("--tables", '"we.ird ""q"" ü"', ['we.ird "q" ü']),
        ("--tables", 'public."x.y"', ["x.y"]),
        ("--exclude", '"x.y"', ['we.ird "q" ü']),
    ):
        code, document = _json(capsys, "verify", pg_url, target, option, value)
        assert code == 0, (option, value, document)
        assert sorted(t["name"] for t in document["tables"]) == compared, (option, value)
    # From Python too, as migrate(tables=...) takes them.
    assert [t.name for t in verify(pg_url, target, tables=['"x.y"']).tables] == ["x.y"]


def test_tables_whose_names_read_as_quoted_are_verified_by_their_own_names(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table named ``"q"``, quotes and all: the names a run (or a schema of several)
    hands on to verify are its tables' own, not names to read again."""
    pg_exec(
        pg_url,
        'CREATE TABLE """q""" (id int PRIMARY KEY); INSERT INTO """q""" VALUES (1);'
        "CREATE SCHEMA other; CREATE TABLE other.t (id int)",
    )
    target = str(tmp_path / "q.duckdb")
    code, said = _cli(capsys, "migrate", pg_url, target, "--verify", "--progress", "none")
    assert code == 0, said
    assert "all tables match" in said
    # Made here: migrate of several schemas reads such a name again, and misses the table.
    target = str(tmp_path / "several.duckdb")
    with duckdb.connect(target) as dcon:
        dcon.execute(
            'CREATE SCHEMA public; CREATE TABLE public."""q""" (id INTEGER PRIMARY KEY);'
            'INSERT INTO public."""q""" VALUES (1)'
        )
    several = verify(pg_url, target, tables='public."""q"""', source_schema="public,other")
    assert [(t.name, t.result) for t in several.tables] == [('public."""q"""', "match")]


def test_a_table_named_in_quotes_beside_its_bare_name_is_the_one_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # q and "q" side by side: '"""q"""' names "q". Read twice (the list, then the plan), it
    # named q, and verify compared the other table and said "match" with "q" emptied.
    source = tmp_path / "s.db"
    with sqlite3.connect(source) as con:
        con.execute("CREATE TABLE q (id INTEGER)")
        con.execute('CREATE TABLE """q""" (id INTEGER)')
        con.execute('INSERT INTO """q""" VALUES (5), (6)')
    target = str(tmp_path / "t.duckdb")
    named = '"""q"""'
    code, document = _json(capsys, "migrate", str(source), target, "--tables", named)
    assert code == 0, document
    assert [(t["name"], t["rows"]) for t in document["tables"]] == [('"q"', 2)]
    with duckdb.connect(target) as dcon:
        dcon.execute('DELETE FROM """q"""')
    code, document = _json(capsys, "verify", str(source), target, "--tables", named)
    assert code == 1, document
    assert [(t["name"], t["result"]) for t in document["tables"]] == [('"q"', "differ")]


# -- a replace with --keep-backup -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_backup_of_a_replace_is_left_out_of_verify(
    kind: str, tmp_path: Path, request: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # "t_arrowmig_backup_<time>  -  2  0  missing in source", exit 1, for a perfect copy.
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", [(1, "a"), (2, "b")]
    )
    target = target_of(kind, tmp_path, request)
    assert _cli(capsys, "migrate", source, target, "--progress", "none")[0] == 0
    code, said = _cli(
        capsys,
        "migrate",
        source,
        target,
        "--mode",
        "replace",
        "--keep-backup",
        "--progress",
        "none",
    )
    assert code == 0, said
    code, said = _cli(capsys, "verify", source, target)
    assert code == 0, said
    assert "left out: 1 backup table of --keep-backup (t_arrowmig_backup_" in said
    assert "missing in source" not in said and "all tables match" in said
    report = verify(source, target)
    assert report.exit_code == 0 and [t.name for t in report.tables] == ["t"]
    # A table only the target has is still a difference.
    _run(kind, target, "CREATE TABLE other (id int)")
    assert verify(source, target).exit_code == 1
