"""What a DuckDB LIST or STRUCT carries beyond its JSON: a double's -0.0, which jsonb cannot
keep (said by migrate, a difference to verify)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import MigrationConfig, migrate, verify


def _duckdb(path: Path, *statements: str) -> str:
    con = duckdb.connect(str(path))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()
    return str(path)


@pytest.mark.postgres
def test_a_negative_zero_inside_a_list_or_struct_into_jsonb_is_said_and_differs(
    tmp_path: Path, pg_url: str
) -> None:
    source = _duckdb(
        tmp_path / "s.duckdb",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a DOUBLE[], s STRUCT(x DOUBLE), f FLOAT[])",
        "INSERT INTO t VALUES (1, ['-0.0'::DOUBLE, 0.0, '-0.0'::DOUBLE], {'x': '-0.0'::DOUBLE},"
        " [1.5]), (2, [2.5], NULL, [])",
    )
    report = migrate(source, pg_url)
    assert report.ok, [t.error for t in report.tables]
    notes = [n for n in report.tables[0].notes if "-0.0" in n]
    assert notes == [
        "a: 2 values of -0.0 inside stored as 0: PostgreSQL's jsonb has no negative zero "
        "(verify reports them; casts={'t.a': 'json'} keeps them as written)",
        "s: 1 value of -0.0 inside stored as 0: PostgreSQL's jsonb has no negative zero "
        "(verify reports them; casts={'t.s': 'json'} keeps them as written)",
    ]
    checked = verify(source, pg_url)
    assert not checked.ok and checked.tables[0].differing_columns == ["a", "s"]
    assert [d.key for d in checked.tables[0].diffs] == [{"id": 1}]

    # As the note says: json keeps the text, and the copy then matches.
    kept = migrate(
        source, pg_url, config=MigrationConfig(mode="replace", casts={"t.a": "json", "t.s": "json"})
    )
    assert kept.ok and not [n for n in kept.tables[0].notes if "-0.0" in n]
    assert verify(source, pg_url).ok


def test_a_negative_zero_inside_a_list_kept_as_text_is_compared_with_its_sign(
    tmp_path: Path,
) -> None:
    source = _duckdb(
        tmp_path / "s.duckdb",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a DOUBLE[])",
        "INSERT INTO t VALUES (1, ['-0.0'::DOUBLE])",
    )
    target = tmp_path / "t.db"
    assert migrate(source, str(target)).ok
    assert verify(source, str(target)).ok
    with sqlite3.connect(target) as lite:
        assert lite.execute("SELECT a FROM t").fetchone() == ("[-0.0]",)
        lite.execute("UPDATE t SET a = '[0.0]'")
    lite.close()
    changed = verify(source, str(target))
    assert not changed.ok and changed.tables[0].differing_columns == ["a"]


@pytest.mark.postgres
def test_a_faithful_copy_of_a_negative_zero_inside_jsonb_cast_to_text_differs_nowhere(
    tmp_path: Path, pg_url: str
) -> None:
    # --cast to text keeps the JSON as written: '-0.0' there is the source's own.
    source = _duckdb(
        tmp_path / "s.duckdb",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a DOUBLE[])",
        "INSERT INTO t VALUES (1, ['-0.0'::DOUBLE])",
    )
    report = migrate(source, pg_url, config=MigrationConfig(casts={"t.a": "text"}))
    assert report.ok and not [n for n in report.tables[0].notes if "-0.0" in n]
    with psycopg.connect(pg_url) as pg:
        assert pg.execute("SELECT a FROM t").fetchone() == ("[-0.0]",)
    assert verify(source, pg_url).ok


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["append", "truncate"])
def test_a_negative_zero_inside_a_struct_appended_into_an_existing_jsonb_column_is_said(
    tmp_path: Path, pg_url: str, mode: str
) -> None:
    # The note follows the existing column's type, not the one a created column would get:
    # jsonb loses the sign, json keeps the text as written.
    source = _duckdb(
        tmp_path / "s.duckdb",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s STRUCT(x DOUBLE, y VARCHAR), m MAP(DOUBLE, "
        "DOUBLE), kept STRUCT(x DOUBLE))",
        "INSERT INTO t VALUES (1, {'x': '-0.0'::DOUBLE, 'y': '-0.0'}, MAP {'-0.0'::DOUBLE: 1.5},"
        " {'x': '-0.0'::DOUBLE}), (2, {'x': '-0.0'::DOUBLE, 'y': NULL}, NULL, NULL)",
    )
    with psycopg.connect(pg_url) as pg:
        pg.execute("CREATE TABLE t (id int PRIMARY KEY, s jsonb, m jsonb, kept json)")
    report = migrate(source, pg_url, config=MigrationConfig(mode=mode))
    assert report.ok, [t.error for t in report.tables]
    assert [n for n in report.tables[0].notes if "-0.0" in n] == [
        "s: 2 values of -0.0 inside stored as 0: PostgreSQL's jsonb has no negative zero "
        "(verify reports them; a json column keeps them as written)"
    ]
    with psycopg.connect(pg_url) as pg:
        rows = pg.execute("SELECT s::text, m::text, kept::text FROM t ORDER BY id").fetchall()
    # The string '-0.0' and the MAP's key (a JSON string) are kept; json keeps the number.
    assert rows == [
        ('{"x": 0.0, "y": "-0.0"}', '{"-0.0": 1.5}', '{"x":-0.0}'),
        ('{"x": 0.0, "y": null}', None, None),
    ]
    checked = verify(source, pg_url)
    assert not checked.ok and checked.tables[0].differing_columns == ["s"]


@pytest.mark.postgres
def test_a_negative_zero_keying_a_map_into_jsonb_is_kept_and_not_counted(
    tmp_path: Path, pg_url: str
) -> None:
    # A MAP's keys are JSON strings ("-0.0"), which jsonb keeps; only its values lose the sign.
    source = _duckdb(
        tmp_path / "s.duckdb",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, m MAP(DOUBLE, DOUBLE))",
        "INSERT INTO t VALUES (1, MAP {'-0.0'::DOUBLE: '-0.0'::DOUBLE})",
    )
    report = migrate(source, pg_url)
    assert report.ok, [t.error for t in report.tables]
    assert [n for n in report.tables[0].notes if "-0.0" in n] == [
        "m: 1 value of -0.0 inside stored as 0: PostgreSQL's jsonb has no negative zero "
        "(verify reports them; casts={'t.m': 'json'} keeps them as written)"
    ]
    with psycopg.connect(pg_url) as pg:
        assert pg.execute("SELECT m::text FROM t").fetchone() == ('{"-0.0": 0.0}',)
