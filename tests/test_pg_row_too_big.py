"""A table whose fixed-width columns (bigint, double, timestamp) cannot fit a PostgreSQL row:
the server holds a row in one 8 kB page, less what it stores out of line, and 1,018 bigints
take 8,168 bytes of it. Such a table was created, then failed at its first row with the
server's ``row is too big: size 12032, maximum size 8160`` (exit 1), which said no way out. It
is now refused at planning where a row certainly would not fit (exit 2, nothing created); a
table just under the limit, or whose NULLs leave room, loads as before; and the server's own
refusal (a table that exists) says what to do.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from arrowmig.cli import main
from tests.dbutil import pg_exec, sqlite_table


def _wide(folder: Path, columns: int, rows: list[tuple[object, ...]]) -> str:
    """A SQLite table 'w' of ``columns`` INTEGER columns (bigint in PostgreSQL) holding
    ``rows``; the file's path."""
    create = f"CREATE TABLE w ({', '.join(f'c{i} INTEGER' for i in range(columns))})"
    return sqlite_table(folder / "wide.sqlite", create, rows)


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        return list(con.execute(sql).fetchall())


def _tables(url: str) -> list[tuple[object, ...]]:
    return _query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")


@pytest.mark.postgres
def test_a_row_of_more_fixed_width_bytes_than_a_page_is_refused_before_creating(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 24 header bytes + 1,018 x 8 = 8,168 > 8,160.
    source = _wide(tmp_path, 1018, [tuple(range(1018))])
    for verb in ("plan", "migrate"):
        assert main([verb, source, pg_url, "--progress", "none"]) == 2
        said = capsys.readouterr().err
        assert "table 'w': a row of it would take at least 8,168 bytes" in said, said
        assert "at most 8,160" in said and "nothing has been written" in said, said
        assert "--exclude w" in said and "DuckDB" in said and "--cast w.COLUMN=text" in said
        assert "Traceback" not in said and said.count("\n") == 1, said
    assert _tables(pg_url) == []


@pytest.mark.postgres
def test_a_row_just_under_the_limit_or_with_nulls_loads(tmp_path: Path, pg_url: str) -> None:
    # 24 + 1,017 x 8 = 8,160: the largest row a page holds.
    source = _wide(tmp_path, 1017, [tuple(range(1017))])
    assert main(["migrate", source, pg_url, "--progress", "none"]) == 0
    assert _query(pg_url, "SELECT c0, c1016 FROM w") == [(0, 1016)]
    # Wider, but each row's NULLs leave it room: no row passes the limit.
    nulls = tuple(None if i % 2 else i for i in range(1500))
    (tmp_path / "wide.sqlite").unlink()
    source = _wide(tmp_path, 1500, [nulls])
    assert main(["migrate", source, pg_url, "--mode", "replace", "--progress", "none"]) == 0
    assert _query(pg_url, "SELECT c0, c1, c1498, c1499 FROM w") == [(0, None, 1498, None)]


@pytest.mark.postgres
def test_the_servers_own_refusal_says_what_to_do(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A table that exists is the server's to judge; its refusal now says the ways out.
    source = _wide(tmp_path, 1100, [tuple(range(1100))])
    pg_exec(pg_url, f"CREATE TABLE w ({', '.join(f'c{i} bigint' for i in range(1100))})")
    assert main(["migrate", source, pg_url, "--mode", "append", "--progress", "none"]) == 1
    said = capsys.readouterr().err
    assert "row is too big" in said, said
    assert "leave the table out with --exclude, move it into DuckDB, or --cast" in said, said
    assert "Traceback" not in said, said
