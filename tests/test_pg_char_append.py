"""Text appended into an existing PostgreSQL "char" column, which keeps one byte: the server's
cast kept the first byte of 'ab' ('a') and of 'é' (the lone byte \\303) without a word. What
a "char" cannot take whole is now a bad value of its row, named or set aside."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

import arrowmig
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres


def _source(path: Path) -> str:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE ch (id INTEGER PRIMARY KEY, c TEXT)")
        con.executemany(
            "INSERT INTO ch VALUES (?, ?)",
            # One byte, the empty text, and the form "char" writes a high-bit byte in go in
            # whole; 'ab', 'é' (two bytes) and '\101' ('A' written otherwise) would not.
            [(1, "z"), (2, ""), (3, "\\303"), (4, None), (5, "ab"), (6, "é"), (7, "\\101")],
        )
    con.close()
    return str(path)


def _stored(url: str) -> list[tuple[int, str | None]]:
    """Each row's "char" as its text form (the byte \303 as '\303')."""
    with psycopg.connect(url) as con:
        return list(con.execute("SELECT id, c::text FROM ch ORDER BY id").fetchall())


def test_text_a_char_cannot_hold_whole_is_rejected(tmp_path: Path, pg_url: str) -> None:
    pg_exec(pg_url, 'CREATE TABLE ch (id int PRIMARY KEY, c "char")')
    config = arrowmig.MigrationConfig(
        mode="append", on_error="reject", reject_dir=str(tmp_path / "rj")
    )
    report = arrowmig.migrate(_source(tmp_path / "s.db"), pg_url, config=config)
    assert report.rejected == 3
    assert _stored(pg_url) == [(1, "z"), (2, ""), (3, "\\303"), (4, None)]


def test_text_a_char_cannot_hold_whole_fails_the_table_naming_it(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(pg_url, 'CREATE TABLE ch (id int PRIMARY KEY, c "char")')
    config = arrowmig.MigrationConfig(mode="append")
    report = arrowmig.migrate(_source(tmp_path / "s.db"), pg_url, config=config)
    assert report.tables[0].error is not None
    assert report.tables[0].error.startswith(
        "table 'ch', column 'c', id 5: not a single byte, which the target column's \"char\" "
        "keeps only the first byte of: 'ab'"
    )
    assert all(row[0] < 5 for row in _stored(pg_url))


def test_a_postgres_char_column_appends_into_char_unscreened(pg_url: str) -> None:
    pg_exec(
        pg_url,
        'CREATE SCHEMA src; CREATE TABLE src.ch (id int PRIMARY KEY, c "char")',
        "INSERT INTO src.ch VALUES (1, 'a'), (2, ''), (3, '\\303'), (4, NULL)",
        'CREATE TABLE public.ch (id int PRIMARY KEY, c "char")',
    )
    config = arrowmig.MigrationConfig(mode="append", source_schema="src", target_schema="public")
    assert arrowmig.migrate(pg_url, pg_url, config=config).ok
    assert _stored(pg_url) == [(1, "a"), (2, ""), (3, "\\303"), (4, None)]
