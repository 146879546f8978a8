"""A --cast type arrives as its user wrote it where case matters: an enum's labels and a quoted
type name. Every cast type was upper-cased, so ``enum('sad','ok')`` became ENUM('SAD','OK') and
refused 'sad', and a PostgreSQL type "Mood" could not be named at all."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import UsageError, migrate, verify
from arrowmig.config import MigrationConfig


def _source(path: Path) -> str:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, m TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "sad"), (2, "ok"), (3, None)])
    con.commit()
    con.close()
    return str(path)


def test_an_enum_cast_into_duckdb_keeps_its_labels_as_written(tmp_path: Path) -> None:
    source = _source(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    config = MigrationConfig(casts={"t.m": "enum('sad','ok','happy')"})
    report = migrate(source, target, config=config)
    assert report.ok, [t.error for t in report.tables]
    with duckdb.connect(target, read_only=True) as con:
        assert con.execute("SELECT typeof(m) FROM t LIMIT 1").fetchone() == (
            "ENUM('sad', 'ok', 'happy')",
        )
        assert con.execute("SELECT id, m FROM t ORDER BY id").fetchall() == [
            (1, "sad"),
            (2, "ok"),
            (3, None),
        ]
    assert verify(source, target).ok


@pytest.mark.postgres
@pytest.mark.parametrize("written", ['"Mood"', 'public."Mood"', '"Our Kind"."Mood"'])
def test_a_quoted_mixed_case_postgresql_type_can_be_named(
    tmp_path: Path, pg_url: str, written: str
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.execute("""CREATE TYPE "Mood" AS ENUM ('sad', 'ok', 'happy')""")
        pg.execute("""CREATE SCHEMA "Our Kind" """)
        pg.execute("""CREATE TYPE "Our Kind"."Mood" AS ENUM ('sad', 'ok')""")
    source = _source(tmp_path / "s.db")
    report = migrate(source, pg_url, config=MigrationConfig(casts={"t.m": written}))
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as pg:
        kind = pg.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 't'::regclass AND attname = 'm'"
        ).fetchone()
        rows = pg.execute("SELECT id, m::text FROM t ORDER BY id").fetchall()
    assert kind == (written.removeprefix("public."),)
    assert rows == [(1, "sad"), (2, "ok"), (3, None)]
    assert verify(source, pg_url).ok


@pytest.mark.postgres
def test_an_unquoted_capital_is_refused_with_the_quoting_that_names_it(
    tmp_path: Path, pg_url: str
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.execute("""CREATE TYPE "Mood" AS ENUM ('sad', 'ok', 'happy')""")
    source = _source(tmp_path / "s.db")
    with pytest.raises(UsageError) as refused:
        migrate(source, pg_url, config=MigrationConfig(casts={"t.m": "Mood"}))
    assert "has no type 'Mood'" in refused.value.message
    assert "in double quotes" in refused.value.message
