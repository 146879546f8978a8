"""'infinity' and '-infinity' kept as text (a SQLite TEXT column, where arrowmig itself writes
PostgreSQL's ±infinity so) appended into existing timestamptz, date and timestamp columns. A
pagila copy in SQLite, one of whose text columns held any other text, could not go back into
the ``pg_dump -s`` schema: 'infinity' was refused as "value does not fit the target column's
type (timestamptz) exactly", with "widen the target column" as the way, though PostgreSQL and
DuckDB hold it exactly. It now arrives as ±infinity, and verify finds the copy equal.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg
import pytest

import arrowmig
from arrowmig.errors import SchemaError
from tests.dbutil import duckdb_exec, pg_exec, sqlite_table

ROWS = [
    (1, "2022-01-01 10:00:00+00:00", "2022-01-01", "2022-01-01 10:00:00"),
    (2, "infinity", "infinity", "infinity"),
    (3, "-infinity", "-infinity", "-infinity"),
    (4, None, None, None),
]
EXPECTED = [
    (1, "2022-01-01 10:00:00+00", "2022-01-01", "2022-01-01 10:00:00"),
    (2, "infinity", "infinity", "infinity"),
    (3, "-infinity", "-infinity", "-infinity"),
    (4, None, None, None),
]
TRUNCATE = arrowmig.MigrationConfig(mode="truncate")


def _source(tmp_path: Path) -> str:
    return sqlite_table(
        tmp_path / "copy.db",
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, ts TEXT, d TEXT, t TEXT)",
        ROWS,
    )


@pytest.mark.postgres
def test_infinity_text_goes_into_existing_postgres_date_and_timestamp_columns(
    tmp_path: Path, pg_url: str
) -> None:
    src = _source(tmp_path)
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE ev (id int PRIMARY KEY, ts timestamptz, d date, t timestamp)")
        con.execute("INSERT INTO ev VALUES (9, now(), current_date, localtimestamp)")
    report = arrowmig.migrate(src, pg_url, config=TRUNCATE)
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute("SELECT id, ts::text, d::text, t::text FROM ev ORDER BY id").fetchall()
    assert rows == EXPECTED
    assert arrowmig.verify(src, pg_url).ok


def test_infinity_text_goes_into_existing_duckdb_date_and_timestamp_columns(
    tmp_path: Path,
) -> None:
    src = _source(tmp_path)
    dst = duckdb_exec(
        tmp_path / "t.duckdb",
        "SET TimeZone = 'UTC'; CREATE TABLE ev (id INTEGER PRIMARY KEY, ts TIMESTAMPTZ, d DATE, "
        "t TIMESTAMP)",
    )
    report = arrowmig.migrate(src, dst, config=TRUNCATE)
    assert report.ok, [t.error for t in report.tables]
    with duckdb.connect(dst, read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute(
            "SELECT id, ts::VARCHAR, d::VARCHAR, t::VARCHAR FROM ev ORDER BY id"
        ).fetchall()
    assert rows == EXPECTED
    assert arrowmig.verify(src, dst).ok


@pytest.mark.postgres
def test_infinity_text_cast_to_date_and_timestamp_types_in_a_created_table(
    tmp_path: Path, pg_url: str
) -> None:
    # --cast ev.ts=timestamptz and its kin refused 'infinity': "value does not convert".
    src = _source(tmp_path)
    casts = {"ev.ts": "timestamptz", "ev.d": "date", "ev.t": "timestamp"}
    report = arrowmig.migrate(src, pg_url, config=arrowmig.MigrationConfig(casts=casts))
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute("SELECT id, ts::text, d::text, t::text FROM ev ORDER BY id").fetchall()
    assert rows == EXPECTED


@pytest.mark.postgres
def test_text_that_is_no_date_is_not_told_to_widen_the_column(tmp_path: Path, pg_url: str) -> None:
    # The hint said "widen the target column", which no column of dates would take 'x' into.
    src = sqlite_table(
        tmp_path / "bad.db", "CREATE TABLE ev (id INTEGER PRIMARY KEY, ts TEXT)", [(1, "x")]
    )
    pg_exec(pg_url, "CREATE TABLE ev (id int PRIMARY KEY, ts timestamptz)")
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(src, pg_url, config=TRUNCATE)
    assert "value does not fit the target column's type (timestamptz) exactly: 'x'" in str(
        refused.value.message
    )
    assert "widen" not in (refused.value.hint or "")
    assert "ISO 8601" in (refused.value.hint or "")
