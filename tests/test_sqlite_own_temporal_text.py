"""arrowmig reads back every date/time text it writes into SQLite: TIME 24:00:00 as
'24:00:00.000000', ±infinity as 'infinity'/'-infinity', years past 9999 and before 1 AD,
and nanoseconds. DuckDB -> SQLite -> DuckDB keeps each temporal type and every value.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pytest

from arrowmig import migrate, verify
from arrowmig.migrate import explain
from arrowmig.plan import MigrationPlan

COLUMNS = {
    "d": "DATE",
    "tm": "TIME",
    "tmn": "TIME_NS",
    "ts": "TIMESTAMP",
    "tss": "TIMESTAMP_S",
    "tms": "TIMESTAMP_MS",
    "tns": "TIMESTAMP_NS",
    "tz": "TIMESTAMPTZ",
}
ROWS = [
    # Each type's extremes: ±infinity, its first and last finite value, 24:00:00.
    ("infinity", "24:00:00", "24:00:00", *["infinity"] * 5),
    ("-infinity", "00:00:00", "00:00:00", *["-infinity"] * 5),
    (
        "5881580-07-10",
        "23:59:59.999999",
        "23:59:59.999999999",
        "294247-01-10 04:00:54.775806",
        "294247-01-10 04:00:54",
        "294247-01-10 04:00:54.775",
        "2262-04-11 23:47:16.854775806",
        "294247-01-10 04:00:54.775806+00",
    ),
    (
        "5877642-06-25 (BC)",
        "00:00:00.000001",
        "00:00:00.000000001",
        *["290309-12-22 (BC) 00:00:00"] * 3,
        "1677-09-22 00:00:00",
        "290309-12-22 (BC) 00:00:00+00",
    ),
    (
        "2024-02-29",
        "10:00:00.5",
        "10:00:00.000000001",
        "2024-02-29 10:00:00.5",
        "2024-02-29 10:00:00",
        "2024-02-29 10:00:00.123",
        "2024-02-29 10:00:00.000000001",
        "2024-02-29 10:00:00+00",
    ),
    (None,) * 8,
]
# SQLite's declared types do not say the unit: TIMESTAMP_S and _MS come back in microseconds.
READ_BACK = {**COLUMNS, "tss": "TIMESTAMP", "tms": "TIMESTAMP"}


def _source(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        columns = ", ".join(f"{n} {t}" for n, t in COLUMNS.items())
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns})")
        casts = ", ".join(f"?::{t}" for t in COLUMNS.values())
        for i, row in enumerate(ROWS, start=1):
            con.execute(f"INSERT INTO t VALUES (?, {casts})", (i, *row))
    return str(path)


def _texts(path: str) -> list[tuple[object, ...]]:
    with duckdb.connect(path, read_only=True) as con:
        texts = ", ".join(f"{n}::VARCHAR" for n in COLUMNS)
        return con.execute(f"SELECT id, {texts} FROM t ORDER BY id").fetchall()


def test_duckdb_to_sqlite_to_duckdb_keeps_every_temporal_type(tmp_path: Path) -> None:
    # Read back, the SQLite file's TIME, DATE and TIMESTAMP columns were text: arrowmig did
    # not recognise '24:00:00.000000', 'infinity', '294247-01-10 ...' or nine fraction digits.
    source, middle = _source(tmp_path / "s.duckdb"), str(tmp_path / "m.db")
    back = str(tmp_path / "b.duckdb")
    assert migrate(source, middle).ok
    with sqlite3.connect(middle) as con:
        assert con.execute("SELECT tm, d, ts FROM t WHERE id = 1").fetchone() == (
            "24:00:00.000000",
            "infinity",
            "infinity",
        )
    result = migrate(middle, back)
    assert result.ok
    assert not [n for t in result.tables for n in t.notes if "kept as text" in n]
    with duckdb.connect(back, read_only=True) as con:
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 't'"
            ).fetchall()
        )
    assert {n: types[n] for n in COLUMNS} == {
        n: t.replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE") for n, t in READ_BACK.items()
    }
    assert _texts(back) == _texts(source)
    assert verify(source, back).ok
    # The plan profiles every column in full (the run presumed them first): the same types.
    planned = explain(middle, str(tmp_path / "p.duckdb"))
    assert isinstance(planned, MigrationPlan)
    arrow = {c.name: c.arrow_type for c in planned.tables[0].target.columns}
    assert (arrow["tm"], arrow["tmn"]) == (pa.time64("us"), pa.time64("ns"))
    assert (arrow["ts"], arrow["tns"]) == (pa.timestamp("us"), pa.timestamp("ns"))
    assert (arrow["d"], arrow["tz"]) == (pa.date32(), pa.timestamp("us", tz="UTC"))


def test_sqlite_end_of_day_and_infinity_texts_arrive_typed_in_postgres(
    tmp_path: Path, pg_url: str
) -> None:
    path = str(tmp_path / "m.db")
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, tm TIME, d DATE, ts TIMESTAMP)")
        con.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?)",
            [
                (1, "10:00:00.000000", "2024-01-01", "2024-01-01 10:00:00"),
                (2, "24:00:00.000000", "infinity", "-infinity"),
                (3, "24:00:00", "-infinity", "infinity"),
            ],
        )
    assert migrate(path, pg_url).ok
    with psycopg.connect(pg_url) as con:
        types = con.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 't' "
            "ORDER BY ordinal_position"
        ).fetchall()
        rows = con.execute("SELECT tm::text, d::text, ts::text FROM t ORDER BY id").fetchall()
    assert [t[0] for t in types] == [
        "bigint",
        "time without time zone",
        "date",
        "timestamp without time zone",
    ]
    assert rows == [
        ("10:00:00", "2024-01-01", "2024-01-01 10:00:00"),
        ("24:00:00", "infinity", "-infinity"),
        ("24:00:00", "-infinity", "infinity"),
    ]


def _dotnet_texts(path: str, rows: list[tuple[int, str, str]]) -> str:
    """A SQLite file as EF Core writes it: 'yyyy-MM-dd HH:mm:ss.fffffff'."""
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ts DATETIME, tm TIME)")
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    return path


def test_sqlite_seven_digit_texts_arrive_in_postgres_as_text(tmp_path: Path, pg_url: str) -> None:
    # Read as TIMESTAMP_NS/TIME_NS, every row with a digit below a microsecond was refused.
    rows = [(1, "2024-01-03 12:34:56.1234567", "10:00:00.1234567")]
    result = migrate(_dotnet_texts(str(tmp_path / "n.db"), rows), pg_url)
    assert result.ok
    notes = [n for t in result.tables for n in t.notes]
    assert [n for n in notes if "every digit carried" in n] == [
        "ts: declared DATETIME but holds digits below a microsecond, which PostgreSQL's "
        "microsecond timestamps cannot hold: kept as text, every digit carried",
        "tm: declared TIME but holds digits below a microsecond, which PostgreSQL's "
        "microsecond times cannot hold: kept as text, every digit carried",
    ]
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id, ts, tm FROM t").fetchall() == rows


def test_sqlite_zoned_nanosecond_texts_into_postgres_are_noted_as_text_only(
    tmp_path: Path, pg_url: str
) -> None:
    # The report also said the column became TIMESTAMPTZ, the profile's type before it was text.
    rows = [
        (1, "2024-01-02T03:04:05.123456789Z", "10:00:00"),
        (2, "2024-01-02T03:04:05Z", "10:00:00"),
    ]
    result = migrate(_dotnet_texts(str(tmp_path / "z.db"), rows), pg_url)
    assert result.ok
    assert [n for t in result.tables for n in t.notes if n.startswith("ts: ")] == [
        "ts: declared DATETIME but holds digits below a microsecond, which PostgreSQL's "
        "microsecond timestamps cannot hold: kept as text, every digit carried",
    ]


def test_sqlite_seven_digit_texts_past_nanosecond_years_arrive_in_duckdb_as_text(
    tmp_path: Path,
) -> None:
    # A year TIMESTAMP_NS cannot hold failed the table as it was read.
    rows = [
        (1, "2024-01-03 12:34:56.1234567", "10:00:00.1234567"),
        (2, "1500-02-03 12:34:56.1000000", "10:00:00"),
    ]
    back = str(tmp_path / "b.duckdb")
    assert migrate(_dotnet_texts(str(tmp_path / "n.db"), rows), back).ok
    with duckdb.connect(back, read_only=True) as con:
        assert con.execute("SELECT typeof(ts), typeof(tm) FROM t LIMIT 1").fetchone() == (
            "VARCHAR",
            "TIME_NS",
        )
        assert con.execute("SELECT id, ts, tm::VARCHAR FROM t ORDER BY id").fetchall() == rows


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        ("294247-01-10 04:00:54.775806", "TIMESTAMP"),
        ("294247-01-10 04:00:54.775807", "VARCHAR"),
        ("294247-12-31 00:00:00", "VARCHAR"),
        ("-290308-12-21 19:59:05.224193", "VARCHAR"),
        ("294247-01-10 04:00:54+01:00", "VARCHAR"),
    ],
)
def test_sqlite_timestamp_text_past_the_last_instant_is_text(
    tmp_path: Path, text: str, read_as: str
) -> None:
    # A year TIMESTAMP holds, past its last instant, passed the profile and failed the read.
    assert _second_read_as(tmp_path, "TIMESTAMP", "2024-01-01 00:00:00", text) == read_as


def _second_read_as(tmp_path: Path, declared: str, first: str, second: str) -> object:
    """The DuckDB type the second of two texts of a SQLite column arrives as."""
    path = str(tmp_path / "w.db")
    with sqlite3.connect(path) as con:
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, ts {declared})")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(1, first), (2, second)])
    back = str(tmp_path / "b.duckdb")
    assert migrate(path, back).ok
    with duckdb.connect(back, read_only=True) as con:
        held = con.execute("SELECT typeof(ts) FROM t WHERE id = 2").fetchone()
    assert held is not None
    return held[0]


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        ("1677-09-21 00:12:43.145224999", "VARCHAR"),
        ("1677-09-21 00:12:44", "TIMESTAMP_NS"),
        ("2262-04-11 23:47:16.854775806", "TIMESTAMP_NS"),
        ("2262-04-11 23:47:16.854775807", "VARCHAR"),
    ],
)
def test_sqlite_nanosecond_text_at_the_edges_is_read_or_text(
    tmp_path: Path, text: str, read_as: str
) -> None:
    # The second before TIMESTAMP_NS's first instant (00:12:43.145224192) passed the profile,
    # and its texts failed the read even where the instant is one the type holds.
    nanos = "2024-01-01 00:00:00.1234567"
    assert _second_read_as(tmp_path, "DATETIME", nanos, text) == read_as
