"""The PostgreSQL session arrowmig works in is its own, whatever the server, the database,
the role or the environment set: values that travel as text (ranges, arrays, geometric
types) must not change with DateStyle, IntervalStyle, extra_float_digits or TimeZone.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig

pytestmark = pytest.mark.postgres

VALUES = """
CREATE TABLE g (id int PRIMARY KEY, dr daterange, tsr tsrange, fa float8[], p point,
                iva interval[], tr tstzrange, tsa timestamptz[]);
INSERT INTO g VALUES (1, '[2024-02-01,2024-03-05)', '[2024-02-01 10:00,2024-03-05 00:00)',
  '{3.141592653589793,0.1}', '(3.141592653589793,2.718281828459045)',
  '{"-1 year -2 mons +3 days 04:05:06.789"}', '[2024-01-01 00:00+05:45,infinity)',
  '{"2024-01-01 00:00:00+05:45"}');
"""

PINNED = "-c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 -c TimeZone=UTC"
"""How the test reads a database back: pg_dump's settings, independent of arrowmig's."""

EXPECTED_TEXT = (
    "[2024-02-01,2024-03-05)",
    '["2024-02-01 10:00:00","2024-03-05 00:00:00")',
    "{3.141592653589793,0.1}",
    "(3.141592653589793,2.718281828459045)",
    '{"-1 years -2 mons +3 days 04:05:06.789"}',
    '["2023-12-31 18:15:00+00",infinity)',
    '{"2023-12-31 18:15:00+00"}',
)

MISLEADING = (
    "DateStyle = 'SQL, DMY'",
    "IntervalStyle = 'sql_standard'",
    "extra_float_digits = 0",
    "TimeZone = 'Asia/Kathmandu'",
)
"""Settings that change the text the server writes, as a database may have them."""


def _mislead(url: str) -> None:
    """Give ``url``'s database settings that change how it writes values as text."""
    database = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as con:
        for setting in MISLEADING:
            con.execute(f'ALTER DATABASE "{database}" SET {setting}')


def _text(url: str) -> tuple[object, ...]:
    with psycopg.connect(url, options=PINNED) as con:
        row = con.execute(
            "SELECT dr::text, tsr::text, fa::text, p::text, iva::text, tr::text, tsa::text FROM g"
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_database_settings_do_not_change_values_into_postgres(pg_url: str, second_pg: str) -> None:
    _mislead(pg_url)
    _mislead(second_pg)
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(VALUES)
    # A cast keeps the table off the binary COPY between servers: its values travel as text.
    config = MigrationConfig(casts=(("g", "id", "bigint"),))
    report = migrate(pg_url, second_pg, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert _text(pg_url) == EXPECTED_TEXT
    assert _text(second_pg) == EXPECTED_TEXT
    assert verify(pg_url, second_pg, level="diff").ok
    # Digits lost in a float array or a point are a difference, whatever the session shows.
    with psycopg.connect(second_pg, autocommit=True) as con:
        con.execute("UPDATE g SET fa = '{3.14159265358979,0.1}', p = '(3.14159265358979,2)'")
    result = verify(pg_url, second_pg, level="diff").tables[0]
    assert result.result == "differ" and set(result.differing_columns) == {"fa", "p"}


def test_environment_settings_do_not_change_values_into_sqlite_and_duckdb(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(VALUES)
    monkeypatch.setenv("PGOPTIONS", "-c DateStyle=German -c extra_float_digits=0")
    monkeypatch.setenv("PGTZ", "America/St_Johns")
    into_sqlite, into_duckdb = str(tmp_path / "g.db"), str(tmp_path / "g.duckdb")
    assert migrate(pg_url, into_sqlite).ok and migrate(pg_url, into_duckdb).ok
    sqlite_con = sqlite3.connect(into_sqlite)
    sqlite_row = sqlite_con.execute("SELECT dr, tsr, fa, p, iva, tr, tsa FROM g").fetchone()
    sqlite_con.close()
    duck = duckdb.connect(into_duckdb, read_only=True)
    duck_row = duck.execute("SELECT dr, tsr, fa::VARCHAR, p, tr, tsa::VARCHAR FROM g").fetchone()
    duck.close()
    expected = (
        "[2024-02-01,2024-03-05)",
        '["2024-02-01 10:00:00","2024-03-05 00:00:00")',
        "[3.141592653589793,0.1]",
        "(3.141592653589793,2.718281828459045)",
        '["-1 years -2 mons +3 days 04:05:06.789"]',
        '["2023-12-31 18:15:00+00",infinity)',
        '["2023-12-31T18:15:00+00:00"]',
    )
    assert sqlite_row == expected
    assert duck_row == tuple(expected[i] for i in (0, 1, 2, 3, 5, 6))
    # verify in another environment (a cron job's, an interactive shell's) agrees.
    monkeypatch.setenv("PGTZ", "Asia/Tokyo")
    monkeypatch.delenv("PGOPTIONS")
    assert verify(pg_url, into_sqlite, level="diff").ok
    assert verify(pg_url, into_duckdb, level="diff").ok


def test_a_databases_timeouts_neither_cancel_reads_nor_end_the_snapshot(
    pg_url: str, tmp_path: Path
) -> None:
    # pg_dump sets them to 0 too: a DBA's statement_timeout would cancel the read of a big
    # table, an idle_in_transaction_session_timeout end the session holding the snapshot.
    database = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(
            "CREATE VIEW slow AS SELECT 1 AS id FROM (SELECT pg_sleep(0.6)) AS s;"
            "CREATE TABLE later (id int PRIMARY KEY); INSERT INTO later VALUES (1), (2)"
        )
        con.execute(f'ALTER DATABASE "{database}" SET statement_timeout = 300')
        con.execute(f'ALTER DATABASE "{database}" SET idle_in_transaction_session_timeout = 300')
    target = str(tmp_path / "t.db")
    config = MigrationConfig(tables=("slow", "later"), parallel=1)
    report = migrate(pg_url, target, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert verify(pg_url, target, tables=["slow", "later"]).ok


def test_bytea_output_does_not_change_bytea_arrays_into_sqlite(pg_url: str, tmp_path: Path) -> None:
    """bytea[] travels as the server's text: with bytea_output = 'escape' the elements arrived
    as '\\000\\377' instead of the hex every other bytea is written in."""
    database = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f"ALTER DATABASE \"{database}\" SET bytea_output = 'escape'")
        con.execute("CREATE TABLE b (id int PRIMARY KEY, ba bytea[])")
        con.execute("INSERT INTO b VALUES (1, ARRAY['\\x00ff'::bytea, 'ab'::bytea])")
    target = str(tmp_path / "b.db")
    assert migrate(pg_url, target).ok
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT ba FROM b").fetchone() == ('["\\\\x00ff","\\\\x6162"]',)
    copy.close()
