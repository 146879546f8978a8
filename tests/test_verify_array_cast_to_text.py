"""``--cast T.C=text`` on a PostgreSQL array: the target holds the server's array text
(``{1,2}``), which the notes must say and verify must compare (README: "A column changed by
--cast is compared as it now is")."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from arrowmig.cli import main
from tests.dbutil import pg_exec


@pytest.mark.postgres
@pytest.mark.parametrize("suffix", ["db", "duckdb"])
def test_an_array_cast_to_text_is_said_and_verified_as_that_text(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    """The notes said "carried as JSON" beside the cast, and verify compared the source's
    JSON ('[1,2]') with the text written ('{1,2}'): every row differed."""
    pg_exec(pg_url, "CREATE TABLE a (id int PRIMARY KEY, ia int[], plain int[])")
    pg_exec(pg_url, "INSERT INTO a VALUES (1, '{1,2}', '{3}'), (2, '{}', '{}'), (3, NULL, NULL)")
    target = str(tmp_path / f"t.{suffix}")
    argv = ["migrate", pg_url, target, "--cast", "a.ia=text", "--progress", "none"]
    assert main(argv) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if " ia: " in line]
    assert notes == ["  a: ia: cast to text by --cast (PostgreSQL's array text, '{1,2}', not JSON)"]

    assert main(["verify", pg_url, target]) == 0
    assert "all tables match" in capsys.readouterr().err

    # Still compared: a changed array text is a difference.
    change = "UPDATE a SET ia = '{1,3}' WHERE id = 1"
    if suffix == "db":
        with closing(sqlite3.connect(target)) as conn, conn:
            conn.execute(change)
    else:
        with duckdb.connect(target) as conn:
            conn.execute(change)
    assert main(["verify", pg_url, target]) == 1
    assert "changed {'id': 1}: ia: '{1,2}' -> '{1,3}'" in capsys.readouterr().err


@pytest.mark.postgres
def test_an_array_of_a_string_type_cast_to_text_is_read_as_its_text(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A varchar(n)[] or char(n)[] was read as the string types are, as it is: the driver
    handed a list, and the table failed ("Unsupported cast from list<item: string> to utf8")."""
    pg_exec(pg_url, "CREATE TABLE a (id int PRIMARY KEY, v varchar(5)[], c char(2)[])")
    pg_exec(
        pg_url, """INSERT INTO a VALUES (1, '{"ab  ",NULL,"x,y"}', '{a,NULL}'), (2, NULL, '{}')"""
    )
    target = str(tmp_path / "t.duckdb")
    argv = ["migrate", pg_url, target, "--cast", "a.v=text", "--cast", "a.c=text"]
    assert main([*argv, "--progress", "none"]) == 0
    with duckdb.connect(target) as conn:
        found = conn.execute("SELECT v, c FROM a ORDER BY id").fetchall()
    assert found == [('{"ab  ",NULL,"x,y"}', '{"a ",NULL}'), (None, "{}")]
    assert main(["verify", pg_url, target]) == 0
