"""``verify`` of interval text finer than a microsecond (SQLite holds intervals as text)
against a typed INTERVAL, which holds microseconds: DuckDB's parse of the text rounded or cut
the digits past them, so a copy that lost them was reported equal to its source."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig.verifier import verify

TEXTS = {
    1: "0.0000004 seconds",  # finer: 0 once typed
    2: "1 day 00:00:00.0000009",  # finer: 1 day, or 1 day 1 µs, once typed
    3: "0.0000015 seconds",  # finer: 1 or 2 µs once typed
    4: "0.5 us",  # finer, in microseconds
    5: "2 seconds",
    6: "00:00:00.0000010",  # a zero past the microseconds: exactly 1 µs
    7: "1.5 days",
    8: "0.000002 seconds",
    9: "0.00000001 minutes",  # finer: 0.6 µs, 1 µs once typed
    10: "0.000000001 hours",  # finer: 3.6 µs
    11: "1.123456789 minutes",  # finer: 67.40740734 s
    12: "0.00000000001 days",  # finer: 0.864 µs, 0 or 1 µs once typed
    13: "0.000000000001 weeks",  # finer
    14: "1 min 0.0000004 sec",  # finer, after a whole unit
    15: "0.00000005 minutes",  # exactly 3 µs
    16: "0.0000001 minutes",  # exactly 6 µs
    17: "1.5 hours",
}
FINER = [1, 2, 3, 4, 9, 10, 11, 12, 13, 14]


def sqlite_texts(path: Path, texts: dict[int, str] = TEXTS) -> str:
    """A SQLite file of table t (id, d TEXT) holding ``texts``."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, d TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", texts.items())
    con.commit()
    con.close()
    return str(path)


def _differing_ids(source: str, target: str) -> list[int]:
    report = verify(source, target, level="diff", max_diffs=50)
    (table,) = report.tables
    return sorted(int(d.key["id"]) for d in table.diffs if d.key is not None)


def test_interval_text_finer_than_a_microsecond_differs_from_a_duckdb_interval(
    tmp_path: Path,
) -> None:
    source = sqlite_texts(tmp_path / "s.db")
    target = str(tmp_path / "t.duckdb")
    with duckdb.connect(target) as con:
        con.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, d INTERVAL)")
        con.executemany("INSERT INTO t VALUES (?, ?::INTERVAL)", list(TEXTS.items()))
    assert _differing_ids(source, target) == FINER
    assert _differing_ids(target, source) == FINER
    # The same text on both sides is one value, finer or not.
    assert verify(source, sqlite_texts(tmp_path / "copy.db")).ok


@pytest.mark.postgres
def test_interval_text_finer_than_a_microsecond_differs_from_a_postgres_interval(
    tmp_path: Path, pg_url: str
) -> None:
    source = sqlite_texts(tmp_path / "s.db")
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE t (id bigint PRIMARY KEY, d interval)")
        for i, text in TEXTS.items():
            con.execute("INSERT INTO t VALUES (%s, %s::interval)", (i, text))
    assert _differing_ids(source, pg_url) == FINER
    assert _differing_ids(pg_url, source) == FINER
