"""Interval and time text appended into existing interval and time columns, PostgreSQL's and
DuckDB's, converted by the target as a --cast to their type is in create mode (DuckDB's TIME
and INTERVAL, and PostgreSQL's time, were refused as "no --cast converts them"). Interval text
into an existing PostgreSQL interval column: the PostgreSQL → SQLite → PostgreSQL round trip
(SQLite keeps intervals as the text arrowmig writes) could not go back into the application's
own ``interval`` columns, even with ``--cast T.C=interval``, which worked in create mode. The
server now converts the text, each value screened first, so that one it cannot read is named
before --mode truncate empties the table. And text bound for a ``real`` column was pointed at
``--cast ...=bigint``, which refused '0.14285715'.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

import arrowmig
from arrowmig import pg_input_text
from arrowmig.append_refusal import LAST_RESORT
from arrowmig.errors import SchemaError
from arrowmig.interval_text import unreadable_texts
from arrowmig.python_words import in_python_words
from tests.dbutil import duckdb_exec, duckdb_rows, pg_exec, pg_rows, sqlite_rows, sqlite_table

pytestmark = pytest.mark.postgres

INTERVALS = ["1 mon 2 days 00:00:01.5", "-1 days +02:00:00", "178000000 years", "00:00:00.000001"]


def _intervals(url: str, schema: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as con:
        sql = f"SELECT id, dur::text FROM {schema}.ev ORDER BY id"
        return list(con.execute(sql).fetchall())


@pytest.mark.parametrize("cast", [False, True])
def test_intervals_copied_to_sqlite_go_back_into_the_existing_interval_column(
    pg_url: str, tmp_path: Path, cast: bool
) -> None:
    pg_exec(pg_url, "CREATE TABLE ev (id int PRIMARY KEY, dur interval)")
    insert = "INSERT INTO ev VALUES (1, %s), (2, %s), (3, %s), (4, %s)"
    pg_exec(pg_url, insert, params=INTERVALS)
    copy = str(tmp_path / "copy.db")
    assert arrowmig.migrate(pg_url, copy).ok
    assert sqlite_rows(copy, "ev", "id")[1] == (2, "0 mons -1 days 7200.0 secs")
    pg_exec(
        pg_url,
        "CREATE SCHEMA app",
        "CREATE TABLE app.ev (id int PRIMARY KEY, dur interval)",
        "INSERT INTO app.ev VALUES (9, '9 days')",
    )
    casts = (("ev", "dur", "interval"),) if cast else ()
    config = arrowmig.MigrationConfig(mode="truncate", target_schema="app", casts=casts)
    report = arrowmig.migrate(copy, pg_url, config=config)
    assert report.ok, report.tables[0].error
    assert _intervals(pg_url, "app") == _intervals(pg_url, "public")
    assert [d for _, d in _intervals(pg_url, "app")] == INTERVALS
    # SQLite holds intervals as text: a clean round trip is no type of another family.
    checked = arrowmig.verify(copy, pg_url, target_schema="app")
    assert checked.ok and checked.tables[0].type_notes == []


def test_text_that_is_no_interval_is_refused_before_the_table_is_emptied(
    pg_url: str, tmp_path: Path
) -> None:
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE ev (id INTEGER PRIMARY KEY, dur TEXT)",
        [(1, "1.5 hours"), (2, "banana"), (3, "P1DT2H")],
    )
    pg_exec(
        pg_url,
        "CREATE TABLE ev (id int PRIMARY KEY, dur interval)",
        "INSERT INTO ev VALUES (9, '9 days')",
    )
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert refused.value.message == (
        "table 'ev', column 'dur', id 2: value does not convert to the target column's "
        "interval: 'banana'; nothing has been emptied or written"
    )
    assert pg_rows(pg_url, "ev", "id") == [(9, dt.timedelta(days=9))]
    config = arrowmig.MigrationConfig(
        mode="truncate", on_error="reject", reject_dir=str(tmp_path / "rj")
    )
    report = arrowmig.migrate(source, pg_url, config=config)
    assert report.tables[0].rejected == 1
    assert _intervals(pg_url, "public") == [(1, "01:30:00"), (3, "1 day 02:00:00")]


@pytest.mark.parametrize(
    "text",
    [
        "0 mons -1 days 7200.0 secs",  # as arrowmig writes an interval to SQLite
        "1 year 2 mons -3 days +04:05:06.5",  # PostgreSQL's own output
        "178000000 years",
        "@ 1 minute ago",
        "1-2 3 4:05:06",
        "P1Y2M3DT4H5M6S",
        "P0001-02-03T04:05:06",
        "3d 2h",
        "1 DAY",
        "10 decades 2 centuries 1 millennium",
        "02:03.5",
        "5",
        # Read by the server, once refused here: units glued on or before a letter, commas,
        # ISO 8601 with a clock or years-months alone, 'ago' anywhere, a word's ten letters.
        "1h30m",
        "2h30m15s",
        "1d2h",
        "1 day, 2 hours",
        "1 year, 2 months",
        "P1Y2M3DT4:05:06",
        "P0001-02",
        "P1DT",
        "PT",
        "ago 1 day",
        "1 year ago ago",
        "1::2",
        "2 millenniums",
        ".",
    ],
)
def test_no_text_the_server_reads_as_an_interval_is_refused_unread(pg_url: str, text: str) -> None:
    with psycopg.connect(pg_url) as con:
        con.execute("SELECT %s::interval", (text,))
    assert unreadable_texts(pa.array([text])).to_pylist() == [False]


@pytest.mark.parametrize("text", ["banana", "", "1 banana", "day", "1 hourly", "ago"])
def test_text_the_server_cannot_read_as_an_interval_is_named(pg_url: str, text: str) -> None:
    with psycopg.connect(pg_url) as con, pytest.raises(psycopg.errors.DataError):
        con.execute("SELECT %s::interval", (text,))
    assert unreadable_texts(pa.array([text])).to_pylist() == [True]


def test_text_bound_for_a_real_column_is_pointed_at_real_and_loads(
    pg_url: str, tmp_path: Path
) -> None:
    """The hint named --cast m.score=bigint, which refused '0.14285715'."""
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE m (id INTEGER PRIMARY KEY, score TEXT, ratio TEXT)",
        [(1, "0.14285715", "0.3333333333333333"), (2, "nan", "-inf"), (3, "-0.5", "1.5")],
    )
    pg_exec(pg_url, "CREATE TABLE m (id int PRIMARY KEY, score real, ratio double precision)")
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    assert refused.value.hint == (
        f"add casts={{'m.score': 'real', 'm.ratio': 'double precision'}}; {in_python_words(LAST_RESORT)}"
    )
    casts = (("m", "score", "real"), ("m", "ratio", "double precision"))
    report = arrowmig.migrate(
        source, pg_url, config=arrowmig.MigrationConfig(mode="append", casts=casts)
    )
    assert report.ok, report.tables[0].error
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT id, score::text, ratio::text FROM m ORDER BY id").fetchall()
    assert rows == [
        (1, "0.14285715", "0.3333333333333333"),
        (2, "NaN", "-Infinity"),
        (3, "-0.5", "1.5"),
    ]


TIMES = [(1, "09:30:00", "1 day"), (2, "23:59:59.5", "02:00:00"), (3, None, "1 day 00:00:01.5")]
BAD_TIMES = [
    (4, "25:99", "banana"),  # neither converts
    (5, "2024-01-02 09:30:00", "0.00000001 minutes"),  # a date a time drops; a part it rounds
    (6, "09:30:00.1234567", "1 day"),  # a seventh digit a time cuts
]


@pytest.mark.parametrize("cast", [False, True])
def test_time_and_interval_text_goes_into_existing_duckdb_columns(
    tmp_path: Path, cast: bool
) -> None:
    """Refused as "no --cast converts them", even with --cast t.tm=time, which converts the
    same text in --mode create: DuckDB reads time and interval text, each value tried first."""
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, tm TEXT, iv TEXT)", TIMES
    )
    target = duckdb_exec(
        tmp_path / "t.duckdb", "CREATE TABLE t (id BIGINT PRIMARY KEY, tm TIME, iv INTERVAL)"
    )
    casts = (("t", "tm", "time"), ("t", "iv", "interval")) if cast else ()
    report = arrowmig.migrate(
        source, target, config=arrowmig.MigrationConfig(mode="append", casts=casts)
    )
    assert report.ok, report.tables[0].error
    assert duckdb_rows(target, "t", "id") == [
        (1, dt.time(9, 30), dt.timedelta(days=1)),
        (2, dt.time(23, 59, 59, 500000), dt.timedelta(hours=2)),
        (3, None, dt.timedelta(days=1, seconds=1.5)),
    ]
    assert arrowmig.verify(source, target).ok
    bad = sqlite_table(
        tmp_path / "bad.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, tm TEXT, iv TEXT)", BAD_TIMES
    )
    config = arrowmig.MigrationConfig(
        mode="append", casts=casts, on_error="reject", reject_dir=str(tmp_path / "rj")
    )
    assert arrowmig.migrate(bad, target, config=config).rejected == 3
    records = (tmp_path / "rj" / "t.jsonl").read_text().splitlines()
    problems = [[p["column"] for p in json.loads(r)["problems"]] for r in records]
    assert problems == [["tm", "iv"], ["tm", "iv"], ["tm"]]
    assert "it holds a date" in records[1] and "finer than a microsecond" in records[1]
    assert "finer than a microsecond, which times cannot hold" in records[2]
    assert len(duckdb_rows(target, "t", "id")) == 3


def test_time_text_goes_into_an_existing_postgres_time_column(pg_url: str, tmp_path: Path) -> None:
    """Refused as "no --cast converts them": the server reads time text, as it does
    interval text, and text it cannot read is named before --mode truncate empties the table."""
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, tm TEXT)",
        [(1, "09:30:00"), (2, "23:59:59.5"), (3, "4:05 PM")],
    )
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, tm time)")
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok, report.tables[0].error
    assert pg_rows(pg_url, "t", "id") == [
        (1, dt.time(9, 30)),
        (2, dt.time(23, 59, 59, 500000)),
        (3, dt.time(16, 5)),
    ]
    bad = sqlite_table(
        tmp_path / "bad.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, tm TEXT)",
        [(1, "10:00"), (2, "banana"), (3, "2024-01-02 09:30:00"), (4, "10:00:00.0000005")],
    )
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(bad, pg_url, config=arrowmig.MigrationConfig(mode="truncate"))
    assert refused.value.message.startswith(
        "table 't', column 'tm', id 2: value does not convert to the target column's "
        "time without time zone: 'banana'"
    )
    assert len(pg_rows(pg_url, "t", "id")) == 3
    config = arrowmig.MigrationConfig(
        mode="truncate", on_error="reject", reject_dir=str(tmp_path / "rj")
    )
    assert arrowmig.migrate(bad, pg_url, config=config).rejected == 3
    assert pg_rows(pg_url, "t", "id") == [(1, dt.time(10))]


@pytest.mark.parametrize(
    "text",
    ["04:05", "040506", "04:05:06.789-8", "4:05 PM", "04:05:06 PST", "allballs", " 24:00 "],
)
def test_no_text_the_server_reads_as_a_time_is_refused_unread(pg_url: str, text: str) -> None:
    with psycopg.connect(pg_url) as con:
        con.execute("SELECT %s::time, %s::timetz", (text, text))
    assert pg_input_text.unreadable_texts("time", pa.array([text])).to_pylist() == [False]


@pytest.mark.parametrize("text", ["banana", "", "N/A", "noon"])
def test_text_the_server_cannot_read_as_a_time_is_named(pg_url: str, text: str) -> None:
    with psycopg.connect(pg_url) as con, pytest.raises(psycopg.errors.DataError):
        con.execute("SELECT %s::time", (text,))
    assert pg_input_text.unreadable_texts("time(3)", pa.array([text])).to_pylist() == [True]
