"""A --cast of text to an enum the PostgreSQL target has, into a table the run creates: a text
that is no label is refused before anything is written, naming its column, a row and the ways
past, as appending into an enum column is. It failed the table at its batch with the server's
words (``writing 't': invalid input value for enum mood2: "sad"``), which for a keyless table
named arrowmig's staging table."""

from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import SchemaError, migrate
from arrowmig.config import MigrationConfig
from tests.dbutil import pg_exec


def _source(path: Path, *, keyed: bool, texts: list[str | None]) -> str:
    with duckdb.connect(str(path)) as con:
        key = " PRIMARY KEY" if keyed else ""
        con.execute(f"CREATE TABLE t (id INTEGER{key}, m VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts, start=1)))
    return str(path)


def _tables(url: str) -> list[str]:
    with psycopg.connect(url) as pg:
        rows = pg.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace ="
            " 'public'::regnamespace"
        ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.postgres
@pytest.mark.parametrize("keyed", [True, False])
def test_a_text_no_label_of_the_cast_enum_is_refused_before_writing(
    tmp_path: Path, pg_url: str, keyed: bool
) -> None:
    pg_exec(pg_url, """CREATE TYPE mood2 AS ENUM ('Sad', 'OK')""")
    source = _source(tmp_path / "s.duckdb", keyed=keyed, texts=["OK", "sad", None])
    with pytest.raises(SchemaError) as refused:
        migrate(source, pg_url, config=MigrationConfig(casts={"t.m": "mood2"}))
    said = str(refused.value)
    assert "column 'm' holds 1 text that is no label of the target column's enum mood2" in said
    assert ("id 2: 'sad'" if keyed else "('sad')") in said
    assert "ALTER TYPE mood2 ADD VALUE" in said and "casts={'t.m': 'text'}" in said
    assert "_arrowmig_stage" not in said
    assert _tables(pg_url) == []


@pytest.mark.postgres
def test_texts_that_are_all_labels_go_in(tmp_path: Path, pg_url: str) -> None:
    pg_exec(pg_url, """CREATE TYPE "Mood" AS ENUM ('Sad', 'OK')""")
    source = _source(tmp_path / "s.duckdb", keyed=False, texts=["OK", "Sad", None])
    report = migrate(source, pg_url, config=MigrationConfig(casts={"t.m": '"Mood"'}))
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as pg:
        rows = pg.execute("SELECT m::text FROM t ORDER BY id").fetchall()
    assert rows == [("OK",), ("Sad",), (None,)]


@pytest.mark.postgres
def test_a_keyless_tables_failed_write_names_the_table_not_its_staging_table(
    tmp_path: Path, pg_url: str
) -> None:
    # No check before writing knows a domain's CHECK: the server's refusal is the error.
    pg_exec(pg_url, "CREATE DOMAIN pos AS integer CHECK (VALUE > 0)")
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE d AS SELECT * FROM (VALUES (1), (-5)) v(v)")
    report = migrate(source, pg_url, config=MigrationConfig(casts={"d.v": "pos"}))
    error = report.tables[0].error or ""
    assert error.startswith("table 'd', column 'v', row (v -5): value for domain pos violates"), (
        error
    )
