"""Naming what to move in a PostgreSQL source: partitions, names holding dots and commas, and
errors whose lists and suggested commands can be taken as they are printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrowmig import MigrationConfig, SchemaError, migrate
from arrowmig.cli import main
from tests.dbutil import duckdb_rows, pg_exec, sqlite_rows

pytestmark = pytest.mark.postgres


def test_a_partition_named_in_tables_moves_as_a_table_of_its_own(
    pg_url: str, tmp_path: Path
) -> None:
    # It was "not found", with a list of the schema's tables that stopped at 12 of 14.
    pg_exec(
        pg_url,
        "CREATE TABLE part (id int, v text) PARTITION BY RANGE (id);"
        "CREATE TABLE part_a PARTITION OF part FOR VALUES FROM (0) TO (10);"
        "CREATE TABLE part_b PARTITION OF part FOR VALUES FROM (10) TO (20);"
        "INSERT INTO part VALUES (1, 'a'), (11, 'b');"
        + "".join(f"CREATE TABLE t{i} (id int);" for i in range(13)),
    )
    target = tmp_path / "out.db"
    report = migrate(pg_url, str(target), tables=["part_a"])
    assert report.ok
    assert sqlite_rows(target, "part_a") == [(1, "a")]
    assert any("a partition of part, moved as a table of its own" in n for n in report.notes)
    with pytest.raises(SchemaError) as refused:  # its rows move with its parent
        migrate(pg_url, str(tmp_path / "x.db"), config=MigrationConfig(exclude=("part_a",)))
    assert "'part_a' is a partition of 'part'" in str(refused.value)
    with pytest.raises(SchemaError) as refused:
        migrate(pg_url, str(tmp_path / "x.db"), tables=["nope"])
    assert "tables there: part, t0, t1, t10, t11, t12, t2, t3, t4, t5, t6, t7 and 2 more" in str(
        refused.value
    )


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def test_names_holding_dots_and_commas_are_printed_and_taken_back_quoted(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # x."y.z" and "x.y".z both printed as x.y.z; '"a.b"."c.d"' was "not closed"; the
    # schema "s,1" could not be named at all, and the command the error suggested failed.
    pg_exec(
        pg_url,
        'CREATE SCHEMA x; CREATE SCHEMA "x.y"; CREATE SCHEMA "s,1";'
        'CREATE TABLE x."y.z" (id int); CREATE TABLE "x.y".z (id int);'
        'CREATE TABLE "s,1".t (id int); INSERT INTO "x.y".z VALUES (7)',
    )
    code, said = _cli(capsys, "migrate", pg_url, str(tmp_path / "a.duckdb"), "--source-schema", "*")
    assert code == 0 and 'x."y.z"' in said and '"x.y".z' in said and '"s,1".t' in said
    code, said = _cli(
        capsys,
        "migrate",
        pg_url,
        str(tmp_path / "b.duckdb"),
        "--source-schema",
        '"x.y",x',
        "--tables",
        '"x.y".z',
    )
    assert code == 0 and duckdb_rows(tmp_path / "b.duckdb", "z", schema="x.y") == [(7,)]
    code, said = _cli(
        capsys,
        "plan",
        pg_url,
        str(tmp_path / "p.duckdb"),
        "--source-schema",
        "*",
        "--tables",
        "x.y.z",
    )
    assert code == 2 and """'x.y.z' names 2 tables: x."y.z", "x.y".z""" in said
    # The command suggested for a schema that holds no tables works as printed.
    code, said = _cli(capsys, "plan", pg_url, str(tmp_path / "p.duckdb"), "--source-schema", "nope")
    assert code == 2
    suggested = said.split("or several with --source-schema ")[1].split(" (or")[0]
    assert suggested == """'"s,1",x,x.y'"""
    target = str(tmp_path / "c.duckdb")
    code, said = _cli(capsys, "migrate", pg_url, target, "--source-schema", suggested.strip("'"))
    assert code == 0 and '"s,1".t' in said
    code, said = _cli(capsys, "migrate", pg_url, str(tmp_path / "d.db"), "--source-schema", '"s,1"')
    assert code == 0 and sqlite_rows(tmp_path / "d.db", "t") == []
