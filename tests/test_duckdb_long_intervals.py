"""DuckDB intervals whose time part passes 2,562,047 hours 47 minutes: Arrow's month_day_nano
holds nanoseconds in 64 bits, and DuckDB's conversion wrapped them round without a word
(3,000,000 hours arrived as -2,124,095 hours on every target, exit 0, and verify said match
where both sides were read through the same wrapped value). Each target is read back with its
own client.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig

LONG = "INTERVAL 3000000 HOUR"
ROUND = "INTERVAL 100000000 HOUR"  # wraps round to a positive value
LAST = "INTERVAL 2562047 HOUR + INTERVAL 47 MINUTE + INTERVAL 16854775 MICROSECOND"  # fits


def _source(path: Path) -> str:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE usage (id INTEGER PRIMARY KEY, total INTERVAL)")
    con.execute(
        f"INSERT INTO usage VALUES (1, {LONG}), (2, {ROUND}), (3, {LAST}),"
        " (4, INTERVAL '-1 year -2 days -00:00:01.5'), (5, NULL),"
        f" (6, -{LONG} - INTERVAL 1 MICROSECOND)"
    )
    con.execute("CREATE TABLE nested (id INTEGER PRIMARY KEY, l INTERVAL[], s STRUCT(i INTERVAL))")
    con.execute(f"INSERT INTO nested VALUES (1, [INTERVAL 1 HOUR, {LONG}], {{'i': {LAST}}})")
    con.close()
    return str(path)


def _targets(tmp_path: Path, pg_url: str) -> list[str]:
    return [pg_url, str(tmp_path / "t.duckdb"), str(tmp_path / "t.db")]


def test_an_interval_past_arrows_fails_its_table_naming_column_and_value(
    tmp_path: Path, pg_url: str
) -> None:
    source = _source(tmp_path / "s.duckdb")
    for target in _targets(tmp_path, pg_url):
        report = migrate(source, target)
        assert not report.ok, target
        errors = {t.name: t.error or "" for t in report.tables}
        assert "column 'total'" in errors["usage"], errors
        assert "3000000:00:00" in errors["usage"]
        assert "casts={'usage.total': 'interval'}" in errors["usage"]
        # A nested one: a --cast to text would carry it as JSON, through Arrow.
        assert "column 'l'" in errors["nested"] and "a view" in errors["nested"]
        assert all(t.rows == 0 for t in report.tables), target


def _usage_rows(target: str) -> list[tuple[int, str | None]]:
    sql = "SELECT id, total FROM usage ORDER BY id"
    if target.startswith("postgresql"):
        with psycopg.connect(target) as pg:
            return [(i, v) for i, v in pg.execute(sql).fetchall()]
    if target.endswith(".duckdb"):
        with duckdb.connect(target, read_only=True) as con:
            return [(i, v) for i, v in con.execute(sql).fetchall()]
    lite = sqlite3.connect(target)
    try:
        return [(i, v) for i, v in lite.execute(sql).fetchall()]
    finally:
        lite.close()


def test_cast_to_text_carries_every_interval_exactly_and_verify_agrees(
    tmp_path: Path, pg_url: str
) -> None:
    source = _source(tmp_path / "s.duckdb")
    config = MigrationConfig(casts={"usage.total": "text"}, tables=("usage",))
    expected = [
        (1, "0 mons 0 days 10800000000.0 secs"),
        (2, "0 mons 0 days 360000000000.0 secs"),
        (3, "0 mons 0 days 9223372036.854775 secs"),
        (4, "-12 mons -2 days -1.5 secs"),
        (5, None),
        (6, "0 mons 0 days -10800000000.000001 secs"),
    ]
    for target in _targets(tmp_path, pg_url):
        report = migrate(source, target, config=config)
        assert report.ok, [t.error for t in report.tables]
        assert _usage_rows(target) == expected, target
        result = verify(source, target, tables=["usage"])
        assert result.ok, [(t.name, t.result, t.message) for t in result.tables]


def test_cast_to_interval_keeps_them_intervals_in_postgresql_and_duckdb(
    tmp_path: Path, pg_url: str
) -> None:
    source = _source(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("INSERT INTO usage VALUES (7, INTERVAL 2562047788 HOUR)")  # DuckDB's longest
    config = MigrationConfig(casts={"usage.total": "interval"}, tables=("usage",))
    hours = ["3000000:00:00", "100000000:00:00", "2562047:47:16.854775"]
    expected = {
        "postgresql": [*hours, "-1 years -2 days -00:00:01.5", None, "-3000000:00:00.000001"],
        "duckdb": [*hours, "-1 year -2 days -00:00:01.5", None, "-3000000:00:00.000001"],
    }
    for kind, target in zip(("postgresql", "duckdb"), _targets(tmp_path, pg_url), strict=False):
        report = migrate(source, target, config=config)
        assert report.ok, [t.error for t in report.tables]
        sql = "SELECT CAST(total AS VARCHAR), typeof(total) FROM usage ORDER BY id"
        if kind == "postgresql":
            with psycopg.connect(target) as pg:
                rows = pg.execute(sql.replace("typeof", "pg_typeof")).fetchall()
        else:
            with duckdb.connect(target, read_only=True) as con:
                rows = con.execute(sql).fetchall()
        assert [v for v, _ in rows] == [*expected[kind], "2562047788:00:00"], kind
        assert {str(t).lower() for _, t in rows} == {"interval"}
        result = verify(source, target, tables=["usage"])
        assert result.ok, [(t.name, t.result, t.message) for t in result.tables]


def test_a_nested_one_goes_as_its_text_through_the_view_the_error_names(tmp_path: Path) -> None:
    source = _source(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE VIEW nested_text AS SELECT id, CAST(l AS VARCHAR) AS l FROM nested")
    target = str(tmp_path / "t.db")
    assert migrate(source, target, config=MigrationConfig(tables=("nested_text",))).ok
    lite = sqlite3.connect(target)
    try:
        assert lite.execute("SELECT l FROM nested_text").fetchall() == [
            ("['01:00:00', '3000000:00:00']",)
        ]
    finally:
        lite.close()


def _wrapped_copy(source: str, target: str) -> None:
    """The target as the wrapping conversion left it: every value through Arrow."""
    src = duckdb.connect(source, read_only=True)
    try:
        wrapped = {n: src.sql(f"SELECT * FROM {n}").to_arrow_table() for n in ("usage", "nested")}
    finally:
        src.close()
    con = duckdb.connect(target)
    try:
        for name, rows in wrapped.items():
            con.register("wrapped", rows)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM wrapped")
            con.unregister("wrapped")
    finally:
        con.close()


def test_verify_never_says_match_for_a_wrapped_interval(tmp_path: Path, pg_url: str) -> None:
    source = _source(tmp_path / "s.duckdb")
    target = str(tmp_path / "t.duckdb")
    _wrapped_copy(source, target)
    with duckdb.connect(target, read_only=True) as con:
        held = dict(con.execute("SELECT id, CAST(total AS VARCHAR) FROM usage").fetchall())
    assert held[1].startswith("-2124095:")  # wrapped, as arrowmig's migrate wrote it
    result = verify(source, target)
    by_name = {t.name: t for t in result.tables}
    assert by_name["usage"].result == "differ" and by_name["usage"].differing_keys == 3
    assert by_name["nested"].result == "error", by_name["nested"]
    # The same long intervals on both sides match.
    same = str(tmp_path / "same.duckdb")
    Path(same).write_bytes(Path(source).read_bytes())
    assert verify(source, same, tables=["usage"]).ok
    # Nested in PostgreSQL's JSONB as the wrapped text that migrate wrote there.
    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.execute("CREATE TABLE nested (id integer PRIMARY KEY, l jsonb, s jsonb)")
        pg.execute(
            'INSERT INTO nested VALUES (1, \'["0 mons 0 days 3600.0 secs",'
            ' "0 mons 0 days -7646744073.709551616 secs"]\','
            ' \'{"i": "0 mons 0 days 9223372036.854775 secs"}\')'
        )
    nested = verify(source, pg_url, tables=["nested"]).tables[0]
    assert nested.result == "error" and "column 'l'" in (nested.message or ""), nested


@pytest.mark.parametrize("value", [LONG, ROUND])
def test_a_wrapped_interval_is_caught_whichever_way_it_wraps(tmp_path: Path, value: str) -> None:
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute(f"CREATE TABLE one AS SELECT 1 AS id, {value} AS total")
    target = str(tmp_path / "t.duckdb")
    report = migrate(source, target)
    assert not report.ok and "casts={'one.total': 'interval'}" in (report.tables[0].error or "")


def test_intervals_up_to_arrows_limit_arrive_without_a_cast(tmp_path: Path, pg_url: str) -> None:
    # The limit was typed 1,000 times too small: every interval past 2,562 hours (107 days as
    # microseconds, Parquet's durations) failed its table, DuckDB to DuckDB too.
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE fits (id INTEGER PRIMARY KEY, total INTERVAL)")
        con.execute(
            "INSERT INTO fits VALUES (1, INTERVAL 2563 HOUR),"
            " (2, to_microseconds(200 * 86400 * 1000000::BIGINT)),"
            f" (3, {LAST}), (4, -({LAST}))"
        )
    hours = ["2563:00:00", "4800:00:00", "2562047:47:16.854775", "-2562047:47:16.854775"]
    for target in _targets(tmp_path, pg_url):
        report = migrate(source, target)
        assert report.ok, [t.error for t in report.tables]
        sql = "SELECT CAST(total AS VARCHAR) FROM fits ORDER BY id"
        if target.startswith("postgresql"):
            with psycopg.connect(target) as pg:
                assert [v for (v,) in pg.execute(sql).fetchall()] == hours
        elif target.endswith(".duckdb"):
            with duckdb.connect(target, read_only=True) as con:
                assert [v for (v,) in con.execute(sql).fetchall()] == hours
        result = verify(source, target)
        assert result.ok, [(t.name, t.result, t.message) for t in result.tables]
    with contextlib.closing(sqlite3.connect(str(tmp_path / "t.db"))) as lite:
        assert lite.execute("SELECT total FROM fits WHERE id = 3").fetchone() == (
            "0 mons 0 days 9223372036.854775 secs",
        )


@pytest.mark.parametrize(
    "value", [f"{LAST} + INTERVAL 1 MICROSECOND", f"-({LAST}) - INTERVAL 1 MICROSECOND"]
)
def test_one_microsecond_past_arrows_limit_fails_its_table(tmp_path: Path, value: str) -> None:
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute(f"CREATE TABLE one AS SELECT 1 AS id, {value} AS total")
    report = migrate(source, str(tmp_path / "t.duckdb"))
    error = report.tables[0].error or ""
    assert not report.ok and "2562047:47:16.854776" in error, error
    assert "passes 2,562,047 hours 47 minutes" in error
