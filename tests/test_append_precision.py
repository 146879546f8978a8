"""Appending into PostgreSQL columns that hold less than the values: ``timestamp(0)``,
``time(0)``, ``interval day``, ``varchar(3)[]``, ``numeric(6,2)[]``. PostgreSQL rounds or cuts
such a value without a word where it converts it (10:00:00.7 became 10:00:01, 'abcde' became
'abc'); each is refused as its row's problem instead, or set aside with --on-error reject.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pytest

import arrowmig
from arrowmig.endpoints.precision import changed_by_column
from arrowmig.schema import unbounded_pg_type
from tests.dbutil import pg_exec, pg_rows

SOURCE = """
CREATE SCHEMA src;
CREATE TABLE src.t (id int PRIMARY KEY, at timestamp, clock time, span interval,
                    words varchar(5)[], prices numeric[], moments timestamp[]);
INSERT INTO src.t VALUES
  (1, '2024-01-01 10:00:00', '10:00:00', '1 day', '{abc}', '{1.25,2}', '{2024-01-01 10:00:00}'),
  (2, '2024-01-01 10:00:00.7', '10:00:00', '1 day', '{abc}', '{1.25}', NULL),
  (3, '2024-01-01 10:00:00', '10:00:00.6', '1 day', '{abc}', '{1.25}', NULL),
  (4, '2024-01-01 10:00:00', '10:00:00', '1 day 05:00', '{abc}', '{1.25}', NULL),
  (5, '2024-01-01 10:00:00', '10:00:00', '1 day', '{abc,abcde}', '{1.25}', NULL),
  (6, '2024-01-01 10:00:00', '10:00:00', '1 day', '{abc}', '{1.25,1.234}', NULL),
  (7, '2024-01-01 10:00:00', '10:00:00', '1 day', '{abc}', '{1.25}', '{2024-01-01 10:00:00.5}'),
  (8, 'infinity', NULL, NULL, NULL, NULL, NULL);
CREATE TABLE public.t (id int PRIMARY KEY, at timestamp(0), clock time(0), span interval day,
                       words varchar(3)[], prices numeric(6,2)[], moments timestamp(0)[]);
"""


@pytest.mark.postgres
def test_only_the_rows_the_columns_would_round_or_cut_are_set_aside(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(pg_url, SOURCE)
    config = arrowmig.MigrationConfig(
        mode="append",
        on_error="reject",
        reject_dir=str(tmp_path / "rejects"),
        source_schema="src",
        target_schema="public",
    )
    report = arrowmig.migrate(pg_url, pg_url, config=config)
    assert report.rejected == 6
    with psycopg.connect(pg_url) as con:
        kept = con.execute("SELECT id, at::text FROM t ORDER BY id").fetchall()
        first = con.execute("SELECT * FROM t WHERE id = 1").fetchone()
    assert kept == [(1, "2024-01-01 10:00:00"), (8, "infinity")]
    assert first is not None and first[1:] == (
        dt.datetime(2024, 1, 1, 10),
        dt.time(10),
        dt.timedelta(days=1),
        ["abc"],
        [Decimal("1.25"), Decimal("2.00")],
        [dt.datetime(2024, 1, 1, 10)],
    )
    rejected = (tmp_path / "rejects" / "t.jsonl").read_text()
    for column in ("at", "clock", "span", "words", "prices", "moments"):
        assert f'"{column}' in rejected


@pytest.mark.postgres
def test_without_reject_the_run_fails_naming_the_column_and_value(pg_url: str) -> None:
    pg_exec(pg_url, SOURCE, "DELETE FROM src.t WHERE id <> 6")
    config = arrowmig.MigrationConfig(mode="append", source_schema="src", target_schema="public")
    report = arrowmig.migrate(pg_url, pg_url, config=config)
    assert report.failed
    message = report.tables[0].error or ""
    assert "column prices" in message and "1.234" in message
    assert pg_rows(pg_url, "t") == []


def test_a_timestamp_of_whole_seconds_fits_timestamp_0_and_a_fraction_does_not() -> None:
    at = pa.array([0, 1_000_000, 1_700_000, None], pa.timestamp("us"))
    hits = changed_by_column("timestamp(0) without time zone", at)
    assert hits is not None and hits.to_pylist() == [False, False, True, False]
    assert changed_by_column("timestamp(6) without time zone", at) is None
    assert changed_by_column("timestamp without time zone", at) is None


def test_interval_fields_cut_what_is_below_them() -> None:
    mdn = pa.MonthDayNano
    spans = pa.array(
        [mdn([14, 0, 0]), mdn([12, 0, 0]), mdn([0, 1, 0]), mdn([0, 1, 3_600 * 10**9]), None],
        pa.month_day_nano_interval(),
    )
    as_list = {
        "interval year": [True, False, True, True, False],
        "interval day": [False, False, False, True, False],
        "interval day to hour": [False, False, False, False, False],
    }
    for declared, expected in as_list.items():
        hits = changed_by_column(declared, spans)
        assert hits is not None and hits.to_pylist() == expected, declared


def test_the_unbounded_type_holds_what_the_bounded_one_would_change() -> None:
    assert unbounded_pg_type("numeric(6,2)[]") == "numeric[]"
    assert unbounded_pg_type("character varying(3)[]") == "character varying[]"
    assert unbounded_pg_type("bit(3)[]") == "bit varying[]"
    assert unbounded_pg_type("character(2)") == "bpchar"
    assert unbounded_pg_type("timestamp(0) without time zone[]") == "timestamp without time zone[]"
    assert unbounded_pg_type("interval year to month") == "interval"
    assert unbounded_pg_type("numeric[]") is None
    assert unbounded_pg_type("jsonb") is None


DUCK_MOMENTS = [
    (1, "2020-01-01 10:00:00"),
    (2, "2020-01-01 10:00:00.123"),
    (3, "2020-01-01 10:00:00.123456"),
    (4, "1999-12-31 23:59:59.999999"),
    (5, "infinity"),
    (6, None),
]


def _duckdb_moments(path: Path, declared: str, rows: list[tuple[int, str | None]]) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, ts {declared})")
        if rows:
            con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    return str(path)


@pytest.mark.parametrize(
    ("declared", "kept"), [("TIMESTAMP_S", [1, 5, 6]), ("TIMESTAMP_MS", [1, 2, 5, 6])]
)
def test_duckdb_coarser_timestamps_take_only_what_they_hold(
    tmp_path: Path, declared: str, kept: list[int]
) -> None:
    """DuckDB rounds a microsecond timestamp into TIMESTAMP_S or TIMESTAMP_MS without a word:
    1999-12-31 23:59:59.999999 became 2000-01-01 00:00:00, and the run said done."""
    source = _duckdb_moments(tmp_path / "s.duckdb", "TIMESTAMP", DUCK_MOMENTS)
    target = _duckdb_moments(tmp_path / "t.duckdb", declared, [(0, "2000-01-01")])
    failed = arrowmig.migrate(source, target, config=arrowmig.MigrationConfig(mode="append"))
    assert f"the target column's type ({declared}) would round or cut the value" in (
        failed.tables[0].error or ""
    )
    with duckdb.connect(target) as con:
        assert con.execute("SELECT id FROM t").fetchall() == [(0,)]
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="truncate", on_error="reject", reject_dir=str(rejects))
    report = arrowmig.migrate(source, target, config=config)
    assert report.rejected == len(DUCK_MOMENTS) - len(kept)
    with duckdb.connect(target) as con:
        held = con.execute("SELECT id, ts::VARCHAR FROM t ORDER BY id").fetchall()
    assert held == [(i, a) for i, a in DUCK_MOMENTS if i in kept]


@pytest.mark.postgres
def test_postgres_and_sqlite_timestamps_into_duckdb_timestamp_s_are_checked_alike(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, ts timestamp);"
        "INSERT INTO t VALUES (1, '2020-01-01 10:00:00'), (2, '2020-01-01 10:00:00.5')",
    )
    lite = tmp_path / "s.db"
    with sqlite3.connect(lite) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ts DATETIME)")
        con.executemany(
            "INSERT INTO t VALUES (?, ?)",
            [(1, "2020-01-01 10:00:00"), (2, "2020-01-01 10:00:00.5")],
        )
    con.close()
    for source in (pg_url, str(lite)):
        target = _duckdb_moments(tmp_path / "t.duckdb", "TIMESTAMP_S", [])
        failed = arrowmig.migrate(source, target, config=arrowmig.MigrationConfig(mode="append"))
        error = failed.tables[0].error or ""
        assert "id 2: the target column's type (TIMESTAMP_S) would round or cut the value" in error
        Path(target).unlink()
