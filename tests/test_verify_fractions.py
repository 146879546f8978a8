"""``verify`` of timestamp and time texts holding digits of a second past what the other
side's type keeps: a copy that lost them, by rounding or by cutting, is a difference."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from arrowmig import verify
from tests.dbutil import pg_exec, sqlite_table

# (id, source text of a timestamp, of a time): the 7th digit is what a µs copy loses.
TEXTS = [
    (1, "2024-01-01 10:00:00.1234569", "10:00:00.1234569"),
    (2, "2024-01-01 10:00:00.9999999", "23:59:59.9999999"),
    (3, "2024-01-01 10:00:00.1234560", "10:00:00.1234560"),  # a zero past µs: held exactly
    (4, "2024-01-01 10:00:00.123456", "10:00:00.5"),
]
# As a tool that keeps microseconds by cutting stores them (DuckDB's cast, psql's COPY of
# some values): every row but 1 and 2 holds its source's value exactly.
CUT = [
    (1, "2024-01-01 10:00:00.123456", "10:00:00.123456"),
    (2, "2024-01-01 10:00:00.999999", "23:59:59.999999"),
    (3, "2024-01-01 10:00:00.123456", "10:00:00.123456"),
    (4, "2024-01-01 10:00:00.123456", "10:00:00.5"),
]


def _source(tmp_path: Path) -> str:
    return sqlite_table(
        tmp_path / "s.db", "CREATE TABLE w (id INTEGER PRIMARY KEY, ts TIMESTAMP, tm TIME)", TEXTS
    )


def _changed(report: object) -> list[tuple[int, list[str]]]:
    (table,) = report.tables  # type: ignore[attr-defined]
    return [(d.key["id"], d.columns) for d in table.diffs]


@pytest.mark.parametrize("level", ["checksum", "diff"])
def test_a_duckdb_copy_cut_to_microseconds_differs(tmp_path: Path, level: str) -> None:
    # "all tables match", exit 0: the source text was parsed down to µs before hashing, so a
    # copy that cut the 7th digit matched, and one that rounded it differed.
    source = _source(tmp_path)
    target = str(tmp_path / "t.duckdb")
    with duckdb.connect(target) as con:
        con.execute("CREATE TABLE w (id BIGINT PRIMARY KEY, ts TIMESTAMP, tm TIME)")
        con.executemany("INSERT INTO w VALUES (?, ?::TIMESTAMP, ?::TIME)", CUT)
    report = verify(source, target, level=level)
    assert report.exit_code == 1
    assert report.tables[0].differing_columns == ["ts", "tm"]
    assert _changed(report) == [(1, ["ts", "tm"]), (2, ["ts", "tm"])]
    # Rounded up instead, the same.
    with duckdb.connect(target) as con:
        con.execute("DELETE FROM w WHERE id = 1")
        con.execute("INSERT INTO w VALUES (1, '2024-01-01 10:00:00.123457', '10:00:00.123457')")
    assert _changed(verify(source, target, level=level)) == [(1, ["ts", "tm"]), (2, ["ts", "tm"])]


@pytest.mark.postgres
def test_a_postgresql_copy_loaded_by_another_tool_differs(pg_url: str, tmp_path: Path) -> None:
    # PostgreSQL parses the texts itself, as psql's COPY does, rounding to microseconds:
    # .1234564 down to .123456, which the cut source text matched.
    rows = [
        (1, "2024-01-01 10:00:00.1234564", "10:00:00.1234564"),
        (2, "2024-01-01 10:00:00.1234569", "10:00:00.1234569"),
        (3, "2024-01-01 10:00:00.1234560", "10:00:00.1234560"),
    ]
    source = sqlite_table(
        tmp_path / "p.db", "CREATE TABLE w (id INTEGER PRIMARY KEY, ts TIMESTAMP, tm TIME)", rows
    )
    pg_exec(pg_url, "CREATE TABLE w (id bigint PRIMARY KEY, ts timestamp, tm time)")
    for row in rows:
        pg_exec(pg_url, "INSERT INTO w VALUES (%s, %s, %s)", params=row)
    report = verify(source, pg_url, level="diff")
    assert report.exit_code == 1
    assert _changed(report) == [(1, ["ts", "tm"]), (2, ["ts", "tm"])]


def test_nanosecond_copies_are_compared_in_every_digit(tmp_path: Path) -> None:
    """Against nanoseconds, the 7th to 9th digits are the value's and match; a 10th that is
    not zero no nanosecond value holds."""
    source = sqlite_table(
        tmp_path / "n.db",
        "CREATE TABLE w (id INTEGER PRIMARY KEY, ts TIMESTAMP)",
        [(1, "2024-01-01 10:00:00.123456789"), (2, "2024-01-01 10:00:00.1234567891")],
    )
    target = str(tmp_path / "n.duckdb")
    with duckdb.connect(target) as con:
        con.execute("CREATE TABLE w (id BIGINT PRIMARY KEY, ts TIMESTAMP_NS)")
        con.execute(
            "INSERT INTO w VALUES (1, '2024-01-01 10:00:00.123456789'), "
            "(2, '2024-01-01 10:00:00.123456789')"
        )
    report = verify(source, target, level="diff")
    assert _changed(report) == [(2, ["ts"])]
