"""Interval texts cast to interval (``--cast T.C=interval``) into PostgreSQL and DuckDB: a
part finer than a microsecond ('0.00000001 minutes' is 0.6 µs) was rounded by the server's
parse without a word (1 µs, or 0); now such a value is a bad value of its row, and every
other text arrives as the interval it says."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate
from arrowmig.config import MigrationConfig
from arrowmig.interval_text import finer_than_microsecond
from tests.test_verify_interval_text import sqlite_texts

TEXTS = {
    1: "0.00000001 minutes",  # 0.6 µs
    2: "1 min 0.0000004 sec",
    3: "0.00000000001 days",  # 0.864 µs: 1 µs in PostgreSQL, 0 in DuckDB
    4: "00:00:00.0000009",
    5: "0.00000005 minutes",  # exactly 3 µs
    6: "1.5 hours",
    7: "1 day 00:00:00.0000010",  # a zero past the microseconds
}
FINER = [1, 2, 3, 4]


def _source(path: Path) -> str:
    return sqlite_texts(path, TEXTS)


def _cast(**more: object) -> MigrationConfig:
    return MigrationConfig(casts=(("t", "d", "interval"),), **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "finer"),
    [
        ("0.0000001 minutes", False),  # 6 µs
        ("0.00000001 min", True),
        ("1.0000000001 hours", True),
        ("0.5 us", True),
        ("1.5 ms", False),
        ("0.0000015 seconds", True),
        ("1e-7 seconds", True),
        ("0.01 mons", False),  # 07:12:00
        ("PT0.0000001S", True),
        ("P1DT0.5S", False),
        ("P0001-02-03T04:05:06.0000001", True),  # ISO's alternative form: a clock
        ("PT04:05:06.000001", False),
        ("1 day 02:03:04.1234567", True),
        ("02:03.1234560", False),
        ("14 mons 3 days 14706.5 secs", False),  # as arrowmig writes intervals to SQLite
        ("-1 days +02:00:00", False),
    ],
)
def test_which_texts_hold_a_part_finer_than_a_microsecond(text: str, finer: bool) -> None:
    assert finer_than_microsecond(text) is finer


def test_finer_interval_texts_cast_into_duckdb_are_refused_per_row(tmp_path: Path) -> None:
    source = _source(tmp_path / "s.db")
    failed = migrate(source, str(tmp_path / "fail.duckdb"), config=_cast())
    error = failed.tables[0].error or ""
    assert "column 'd', id 1: value does not convert to interval exactly: it holds a part " in error
    assert "finer than a microsecond" in error and "casts={'t.d': 'text'}" in error
    target = tmp_path / "t.duckdb"
    report = migrate(
        source, str(target), config=_cast(on_error="reject", reject_dir=str(tmp_path / "rj"))
    )
    assert report.tables[0].rejected == len(FINER)
    with duckdb.connect(str(target), read_only=True) as con:
        kept = con.execute("SELECT id, d::VARCHAR FROM t ORDER BY id").fetchall()
    assert kept == [(5, "00:00:00.000003"), (6, "01:30:00"), (7, "1 day 00:00:00.000001")]


@pytest.mark.postgres
def test_finer_interval_texts_cast_into_postgres_are_refused_per_row(
    tmp_path: Path, pg_url: str
) -> None:
    source = _source(tmp_path / "s.db")
    report = migrate(source, pg_url, config=_cast(on_error="reject", reject_dir=str(tmp_path)))
    assert report.tables[0].rejected == len(FINER)
    with psycopg.connect(pg_url) as con:
        kept = con.execute("SELECT id, d::text FROM t ORDER BY id").fetchall()
    assert kept == [(5, "00:00:00.000003"), (6, "01:30:00"), (7, "1 day 00:00:00.000001")]


def test_unreadable_texts_cast_into_duckdb_are_named_and_set_aside(tmp_path: Path) -> None:
    # DuckDB's insert failed the whole table on the first, even with --on-error reject, in
    # its own words ('extract specifier "e" not recognized': no row, no value).
    source = sqlite_texts(tmp_path / "s.db", {1: "1 day", 2: "banana", 3: "1e-7 hours"})
    failed = migrate(source, str(tmp_path / "fail.duckdb"), config=_cast())
    error = failed.tables[0].error or ""
    assert "table 't', column 'd', id 2: value does not convert to interval: 'banana'" in error
    target = tmp_path / "t.duckdb"
    rejects = tmp_path / "rj"
    report = migrate(source, str(target), config=_cast(on_error="reject", reject_dir=str(rejects)))
    assert report.tables[0].rejected == 2
    set_aside = [json.loads(line) for line in (rejects / "t.jsonl").read_text().splitlines()]
    assert [(r["row"], r["problems"][0]["column"]) for r in set_aside] == [
        ([2, "banana"], "d"),
        ([3, "1e-7 hours"], "d"),
    ]
    with duckdb.connect(str(target), read_only=True) as con:
        kept = con.execute("SELECT id, d::VARCHAR FROM t ORDER BY id").fetchall()
    assert kept == [(1, "1 day")]


def test_texts_duckdb_reads_its_own_way_are_cast_into_duckdb(tmp_path: Path) -> None:
    # PostgreSQL's grammar was applied to DuckDB too, and refused what DuckDB reads (PostgreSQL
    # refuses '1 millenium' itself).
    texts = {1: "1h30m", 2: "1d2h", 3: "1 quarter", 4: "1 millenium"}
    source = sqlite_texts(tmp_path / "s.db", texts)
    target = tmp_path / "t.duckdb"
    report = migrate(source, str(target), config=_cast())
    assert report.ok, report.tables[0].error
    with duckdb.connect(str(target), read_only=True) as con:
        kept = con.execute("SELECT id, d::VARCHAR FROM t ORDER BY id").fetchall()
    assert kept == [(1, "01:30:00"), (2, "1 day 02:00:00"), (3, "3 months"), (4, "1000 years")]


@pytest.mark.postgres
def test_texts_postgres_reads_are_cast_into_postgres(tmp_path: Path, pg_url: str) -> None:
    # Refused before the write ("value does not convert to interval: '1h30m'"), though the
    # server reads each.
    texts = {1: "1h30m", 2: "1 day, 2 hours", 3: "P1Y2M3DT4:05:06", 4: "2 days", 5: "1::2"}
    report = migrate(sqlite_texts(tmp_path / "s.db", texts), pg_url, config=_cast())
    assert report.ok, report.tables[0].error
    with psycopg.connect(pg_url) as con:
        kept = con.execute("SELECT id, d::text FROM t ORDER BY id").fetchall()
    assert kept == [
        (1, "01:30:00"),
        (2, "1 day 02:00:00"),
        (3, "1 year 2 mons 3 days 04:05:06"),
        (4, "2 days"),
        (5, "01:00:02"),
    ]


@pytest.mark.parametrize("cast", ["uuid", "time", "json"])
def test_other_texts_duckdb_converts_are_set_aside_per_row(tmp_path: Path, cast: str) -> None:
    good = {"uuid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "time": "12:34:56", "json": "[1]"}
    source = sqlite_texts(tmp_path / "s.db", {1: good[cast], 2: "banana"})
    target = tmp_path / "t.duckdb"
    config = MigrationConfig(
        casts=(("t", "d", cast),), on_error="reject", reject_dir=str(tmp_path / "rj")
    )
    report = migrate(source, str(target), config=config)
    assert (report.tables[0].rejected, report.tables[0].rows) == (1, 1)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT id FROM t").fetchall() == [(1,)]
