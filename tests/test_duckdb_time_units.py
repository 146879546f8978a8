"""DuckDB's time units other than microseconds (TIME_NS, TIMESTAMPTZ_NS, TIMESTAMP_S and _MS)
and ±infinity: each value arrives exactly where the target can hold it, is refused per row
where it cannot, and ``verify`` compares every digit (a rounded copy is a difference).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import SchemaError, migrate, verify
from arrowmig.config import MigrationConfig

TIMES = ("12:34:56.123456789", "23:59:59.999999999", "00:00:00")
INSTANTS = ("2024-01-01 00:00:00.123456789+00", "infinity", "-infinity")


def _nanosecond_source(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, tn TIME_NS, tz TIMESTAMPTZ_NS)")
        for i, (tn, tz) in enumerate(zip(TIMES, INSTANTS, strict=True), start=1):
            con.execute("INSERT INTO t VALUES (?, ?::TIME_NS, ?::TIMESTAMPTZ_NS)", (i, tn, tz))
    return str(path)


def test_nanosecond_times_and_instants_keep_their_type_duckdb_to_duckdb(tmp_path: Path) -> None:
    # TIME_NS became TIME and TIMESTAMPTZ_NS became TIMESTAMPTZ: 23:59:59.999999999 arrived
    # as 24:00:00, and verify, which compared times at microseconds, said they matched.
    source, target = _nanosecond_source(tmp_path / "s.duckdb"), str(tmp_path / "t.duckdb")
    assert migrate(source, target).ok
    with duckdb.connect(target) as con:
        types = con.execute(
            "SELECT data_type FROM duckdb_columns() WHERE table_name = 't' ORDER BY column_index"
        ).fetchall()
        rows = con.execute("SELECT tn::VARCHAR, tz::VARCHAR FROM t ORDER BY id").fetchall()
    assert [t[0] for t in types] == ["INTEGER", "TIME_NS", "TIMESTAMPTZ_NS"]
    assert rows == [
        ("12:34:56.123456789", "2024-01-01 00:00:00.123456789+00"),
        ("23:59:59.999999999", "infinity"),
        ("00:00:00", "-infinity"),
    ]
    assert verify(source, target).ok
    # One nanosecond off, in either column, is a difference verify names.
    with duckdb.connect(target) as con:
        con.execute("UPDATE t SET tn = '23:59:59.999999998' WHERE id = 2")
        con.execute("UPDATE t SET tz = '2024-01-01 00:00:00.123456788+00' WHERE id = 1")
    changed = verify(source, target)
    assert not changed.ok
    assert sorted(changed.tables[0].differing_columns) == ["tn", "tz"]


def test_nanosecond_text_in_sqlite_verifies_and_its_changes_are_caught(tmp_path: Path) -> None:
    # SQLite holds the exact text; verify read the source at microseconds and reported every
    # such row as changed, and took the source's infinity for 9999-12-31.
    source, target = _nanosecond_source(tmp_path / "s.duckdb"), str(tmp_path / "t.db")
    assert migrate(source, target).ok
    with sqlite3.connect(target) as con:
        rows = con.execute("SELECT tn, tz FROM t ORDER BY id").fetchall()
    assert rows == [
        ("12:34:56.123456789", "2024-01-01 00:00:00.123456789+00:00"),
        ("23:59:59.999999999", "infinity"),
        ("00:00:00.000000000", "-infinity"),
    ]
    assert verify(source, target).ok
    with sqlite3.connect(target) as con:
        con.execute("UPDATE t SET tn = '12:34:56.123456788' WHERE id = 1")
        con.execute("UPDATE t SET tz = '-infinity' WHERE id = 2")  # was infinity
    changed = verify(source, target)
    assert not changed.ok
    diffs = {d.key["id"]: d for d in changed.tables[0].diffs if d.key}
    assert diffs[1].columns == ["tn"] and diffs[2].columns == ["tz"]
    # Shown as they are, not cut to microseconds or as 9999-12-31.
    assert diffs[1].source == {"id": 1, "tn": "12:34:56.123456789", "tz": INSTANTS[0]}
    assert diffs[2].source is not None and diffs[2].source["tz"] == "infinity"


def test_naive_nanosecond_infinity_in_sqlite_verifies(tmp_path: Path) -> None:
    # TIMESTAMP_NS ±infinity arrive as 'infinity' text; verify compared them as 9999-12-31.
    source, target = str(tmp_path / "s.duckdb"), str(tmp_path / "t.db")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ts TIMESTAMP_NS, t2 TIMESTAMP)")
        con.execute(
            "INSERT INTO t VALUES (1, 'infinity', 'infinity'), (2, '-infinity', '-infinity'),"
            " (3, '2020-01-01 00:00:00.000000001', '2020-01-01')"
        )
    assert migrate(source, target).ok
    assert verify(source, target).ok
    # infinity and -infinity were both hashed as NULL: one taken for the other went unseen.
    with sqlite3.connect(target) as con:
        con.execute("UPDATE t SET t2 = '-infinity' WHERE id = 1")
    changed = verify(source, target)
    assert not changed.ok and changed.tables[0].differing_columns == ["t2"]


def test_a_differing_row_with_a_huge_interval_is_shown(tmp_path: Path) -> None:
    # Python's timedelta cannot hold 2,147,483,647 months: verify stopped (exit 2) while
    # showing the row, and showed a month as '30 days, 0:00:00' on both sides.
    source, target = str(tmp_path / "s.duckdb"), str(tmp_path / "t.db")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, d INTERVAL)")
        con.execute(
            "INSERT INTO t VALUES (1, INTERVAL '2147483647 months'), (2, INTERVAL '1 month')"
        )
    assert migrate(source, target).ok
    with sqlite3.connect(target) as con:
        con.execute("DELETE FROM t WHERE id = 1")
        con.execute("UPDATE t SET d = '30 days' WHERE id = 2")
    report = verify(source, target)
    assert report.exit_code == 1
    diffs = {d.key["id"]: d for d in report.tables[0].diffs if d.key}
    assert diffs[1].kind == "missing in target"
    assert diffs[1].source == {"id": 1, "d": "178956970 years 7 months"}
    assert diffs[2].source == {"id": 2, "d": "1 month"}
    assert diffs[2].target == {"id": 2, "d": "30 days"}


@pytest.mark.postgres
def test_nanosecond_times_into_postgres_are_refused_per_row(tmp_path: Path, pg_url: str) -> None:
    # A raw ArrowInvalid failed the table ("Casting from time64[ns] to time64[us] would lose
    # data"): now each such time is a bad value of its row, named, and set aside on request.
    source = _nanosecond_source(tmp_path / "s.duckdb")
    only_times = MigrationConfig(casts=(("t", "tz", "text"),))
    report = migrate(source, pg_url, config=only_times)
    error = report.tables[0].error or ""
    assert (
        "table 't', column 'tn', id 1: nanoseconds, which PostgreSQL's microsecond times "
        "cannot hold: '12:34:56.123456789'" in error
    )
    assert "casts={'t.tn': 'text'}" in error
    rejects = tmp_path / "rejects"
    config = MigrationConfig(
        casts=only_times.casts, on_error="reject", reject_dir=str(rejects), mode="replace"
    )
    kept = migrate(source, pg_url, config=config)
    assert kept.tables[0].rejected == 2
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id, tn::text FROM t").fetchall() == [(3, "00:00:00")]
    as_text = MigrationConfig(casts=(("t", "tz", "text"), ("t", "tn", "text")), mode="replace")
    assert migrate(source, pg_url, config=as_text).ok
    with psycopg.connect(pg_url) as con:
        assert [r[0] for r in con.execute("SELECT tn FROM t ORDER BY id")] == [
            "12:34:56.123456789",
            "23:59:59.999999999",
            "00:00:00.000000000",
        ]
    assert verify(source, pg_url).ok


@pytest.mark.postgres
def test_second_and_millisecond_infinity_reaches_postgres(tmp_path: Path, pg_url: str) -> None:
    # Arrow held their infinity as the largest count of seconds (milliseconds), which the
    # cast to PostgreSQL's microseconds refused: the table failed with a raw ArrowInvalid.
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TIMESTAMP_S, ms TIMESTAMP_MS)")
        con.execute(
            "INSERT INTO t VALUES (1, 'infinity', 'infinity'), (2, '-infinity', '-infinity'),"
            " (3, '9999-12-31 23:59:59', '0001-01-01 00:00:00.001')"
        )
    report = migrate(source, pg_url)
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        rows = con.execute("SELECT s::text, ms::text FROM t ORDER BY id").fetchall()
    assert rows == [
        ("infinity", "infinity"),
        ("-infinity", "-infinity"),
        ("9999-12-31 23:59:59", "0001-01-01 00:00:00.001"),
    ]
    assert verify(source, pg_url).ok
    with psycopg.connect(pg_url) as con:
        con.execute("UPDATE t SET s = '-infinity' WHERE id = 1")
    assert not verify(source, pg_url).ok


def _into_existing(tmp_path: Path, pg_url: str, columns: str, rows: str, there: str) -> str:
    """A DuckDB source table t (id, ``columns``) of ``rows``, and an existing PostgreSQL
    table t (id, ``there``) to load it into; the source's path."""
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute(f"CREATE TABLE t (id INTEGER, {columns})")
        con.execute(f"INSERT INTO t VALUES {rows}")
    with psycopg.connect(pg_url) as con:
        con.execute(f"CREATE TABLE t (id integer, {there})")
    return source


@pytest.mark.postgres
def test_nanosecond_infinity_appends_into_an_existing_timestamp(
    tmp_path: Path, pg_url: str
) -> None:
    # A created column took TIMESTAMP_NS's ±infinity, but appending into an existing
    # timestamp column set those rows aside ("does not fit the target column's type
    # (timestamp) exactly"), as if infinity had nanoseconds.
    source = _into_existing(
        tmp_path,
        pg_url,
        "n TIMESTAMP_NS, z TIMESTAMPTZ_NS",
        "(1, 'infinity', 'infinity'), (2, '-infinity', '-infinity'),"
        " (3, '2024-01-01 00:00:00.123456', '2024-01-01 00:00:00.5+00'), (4, NULL, NULL)",
        "n timestamp, z timestamptz",
    )
    report = migrate(source, pg_url, config=MigrationConfig(mode="append"))
    assert report.ok, [(t.error, t.rejected) for t in report.tables]
    with psycopg.connect(pg_url) as con:
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute("SELECT id, n::text, z::text FROM t ORDER BY id").fetchall()
    assert rows == [
        (1, "infinity", "infinity"),
        (2, "-infinity", "-infinity"),
        (3, "2024-01-01 00:00:00.123456", "2024-01-01 00:00:00.5+00"),
        (4, None, None),
    ]
    assert verify(source, pg_url).ok


@pytest.mark.postgres
def test_nanoseconds_into_an_existing_timestamp_are_refused_before_truncate_empties(
    tmp_path: Path, pg_url: str
) -> None:
    # --mode truncate emptied the table, then failed on the first such value ("value does
    # not fit the target column's type (timestamp) exactly ... widen the target column",
    # though PostgreSQL has no wider timestamp); with --on-error reject each row was named
    # twice, once so and once as nanoseconds.
    source = _into_existing(
        tmp_path,
        pg_url,
        "n TIMESTAMP_NS",
        "(1, '2024-01-01 00:00:00.123456789'), (2, 'infinity'), (3, '2024-01-01 00:00:00.5')",
        "n timestamp",
    )
    with psycopg.connect(pg_url) as con:
        con.execute("INSERT INTO t VALUES (9, '2000-01-01')")
    with pytest.raises(SchemaError) as refused:
        migrate(source, pg_url, config=MigrationConfig(mode="truncate"))
    message = refused.value.message
    assert "column 'n', row 1 of its batch: nanoseconds, which PostgreSQL's" in message
    assert "nothing has been emptied or written" in message
    assert "make the target column text and load it with casts={'t.n': 'text'}" in (
        refused.value.hint or ""
    )
    with psycopg.connect(pg_url) as con:
        assert con.execute("SELECT id FROM t").fetchall() == [(9,)]
    rejects = tmp_path / "rejects"
    config = MigrationConfig(mode="truncate", on_error="reject", reject_dir=str(rejects))
    report = migrate(source, pg_url, config=config)
    assert report.tables[0].rejected == 1
    (rejected,) = [
        json.loads(line) for f in rejects.rglob("*.jsonl") for line in f.read_text().splitlines()
    ]
    assert [p["reason"] for p in rejected["problems"]] == [
        "nanoseconds, which PostgreSQL's microsecond timestamps cannot hold"
    ]
    assert any("a text target column loaded with casts" in n for n in report.tables[0].notes)


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_infinite_dates_cast_to_timestamp_stay_infinite(tmp_path: Path, kind: str) -> None:
    # --cast T.C=timestamp refused every infinite date ("value does not convert to
    # timestamp: 'infinity'"): a date's infinity overflowed the cast to microseconds.
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE t (id INTEGER, d DATE)")
        con.execute("INSERT INTO t VALUES (1, 'infinity'), (2, '-infinity'), (3, '2024-02-29')")
    target = str(tmp_path / f"t.{'db' if kind == 'sqlite' else 'duckdb'}")
    report = migrate(source, target, config=MigrationConfig(casts=(("t", "d", "timestamp"),)))
    assert report.ok, [t.error for t in report.tables]
    if kind == "sqlite":
        with sqlite3.connect(target) as con:
            rows = con.execute("SELECT id, d FROM t ORDER BY id").fetchall()
    else:
        with duckdb.connect(target, read_only=True) as con:
            rows = con.execute("SELECT id, d::VARCHAR FROM t ORDER BY id").fetchall()
    assert rows == [(1, "infinity"), (2, "-infinity"), (3, "2024-02-29 00:00:00")]
    assert verify(source, target).ok
