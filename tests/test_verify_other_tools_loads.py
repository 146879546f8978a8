"""``verify`` of loads another tool made (``sqlite3 -csv | psql \\copy``, a hand-made target
table, a migration tool's own tables): a value the load cut off differs, the verdict on a value
does not depend on the other rows, and the report says what it found in plain counts.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from arrowmig import verify
from arrowmig.errors import ArrowmigError
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres


def _lite(path: Path, script: str) -> None:
    con = sqlite3.connect(path)
    con.executescript(script)
    con.commit()
    con.close()


# -- 1. text read into a date or a time by PostgreSQL ------------------------------------------

ROWS = [  # (id, a date's text, a time's text)
    (1, "2024-01-03 12:34:56", "1999-12-31 12:34:56"),  # PostgreSQL keeps 2024-01-03, 12:34:56
    (2, "2024-01-03T23:30:00-05:00", "12:34:56"),  # the instant is on 2024-01-04
    (3, "2024-01-05 00:00:00.000001", "12:34:56+02"),  # the offset dropped
    (4, "2024-01-06", "09:30"),
    (5, "2024-01-07 00:00:00", "10:00:00.5"),  # a midnight is its date, as --cast T.C=date takes it
    (6, None, None),
]


def test_a_text_that_a_date_or_time_cut_differs_from_it(pg_url: str, tmp_path: Path) -> None:
    """An app's datetime texts loaded into PostgreSQL date and time columns (psql \\copy):
    PostgreSQL kept the date of each, or the time, and verify said every table matched, both
    ways, even at --level diff. A text with a time of day differs from a date but at its
    midnight, and a text with more than a time of day differs from a time."""
    lite = tmp_path / "app.db"
    _lite(lite, "CREATE TABLE ev (id INTEGER PRIMARY KEY, d TEXT, t TEXT)")
    with sqlite3.connect(lite) as con:
        con.executemany("INSERT INTO ev VALUES (?, ?, ?)", ROWS)
    con.close()
    pg_exec(pg_url, "CREATE TABLE ev (id int PRIMARY KEY, d date, t time)")
    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.cursor().executemany(
            "INSERT INTO ev VALUES (%s, %s::text::date, %s::text::time)",
            ROWS,
        )
    for source, target in ((str(lite), pg_url), (pg_url, str(lite))):
        report = verify(source, target, level="diff")
        assert report.exit_code == 1
        [table] = report.tables
        assert [(d.key, d.columns) for d in table.diffs] == [
            ({"id": 1}, ["d", "t"]),
            ({"id": 2}, ["d"]),
            ({"id": 3}, ["d", "t"]),
        ]
    pg_exec(pg_url, "DELETE FROM ev WHERE id <= 3")
    _lite(lite, "DELETE FROM ev WHERE id <= 3")
    assert verify(str(lite), pg_url, level="diff").exit_code == 0


# -- 2. a SQLite column's other rows -----------------------------------------------------------


@pytest.mark.parametrize("third", ["'100'", "100.0"])
def test_a_number_text_with_an_exponent_is_its_number_whatever_the_other_rows(
    third: str, pg_url: str, tmp_path: Path
) -> None:
    """'1e3' and '3.50e0' against numeric(12,2) 1000.00 and 3.50: they matched when another
    row of the untyped column held a REAL, and differed in a column of texts only. Each is its
    number in both; a number changed still differs."""
    lite = tmp_path / "e.db"
    _lite(lite, "CREATE TABLE e (id INTEGER PRIMARY KEY, a);"
          f"INSERT INTO e VALUES (1, '1e3'), (2, '3.50e0'), (3, {third})")  # fmt: skip
    pg_exec(pg_url, "CREATE TABLE e (id int PRIMARY KEY, a numeric(12,2));"
        "INSERT INTO e VALUES (1, 1000), (2, 3.5), (3, 100)")  # fmt: skip
    assert verify(str(lite), pg_url, level="diff").exit_code == 0
    assert verify(pg_url, str(lite), level="diff").exit_code == 0
    pg_exec(pg_url, "UPDATE e SET a = 1000.01 WHERE id = 1")
    report = verify(str(lite), pg_url)
    assert [(d.key, d.columns) for d in report.tables[0].diffs] == [({"id": 1}, ["a"])]


@pytest.mark.parametrize("third", ["7", "'7'"])
def test_a_whole_real_equals_its_integer_whatever_the_other_rows(
    third: str, pg_url: str, tmp_path: Path
) -> None:
    """A REAL 6.0 against the integer 6: it matched in an untyped column of numbers, and
    differed (``6 -> '6.0'``) once another row held a TEXT: it equals 6 in both, where a TEXT
    '6.0' and a REAL 6.5 still differ."""
    lite = tmp_path / "w.db"
    _lite(lite, "CREATE TABLE w (id INTEGER PRIMARY KEY, i);"
          f"INSERT INTO w VALUES (1, 5), (2, 6.0), (3, {third}), (4, 8.0)")  # fmt: skip
    pg_exec(pg_url, "CREATE TABLE w (id int PRIMARY KEY, i int);"
        "INSERT INTO w VALUES (1, 5), (2, 6), (3, 7), (4, 8)")  # fmt: skip
    assert verify(pg_url, str(lite), level="diff").exit_code == 0
    assert verify(str(lite), pg_url, level="diff").exit_code == 0
    _lite(lite, "UPDATE w SET i = '6.0' WHERE id = 2; UPDATE w SET i = 8.5 WHERE id = 4")
    report = verify(pg_url, str(lite))
    assert [(d.key, d.columns) for d in report.tables[0].diffs] == [
        ({"id": 2}, ["i"]),
        ({"id": 4}, ["i"]),
    ]


# -- 3. a key loaded twice into a target without the key constraint ---------------------------


def test_a_row_loaded_twice_names_no_column(pg_url: str, second_pg: str) -> None:
    """A keyed table's row held twice by a target without the primary key: every column
    was named as differing (``columns that differ: id, v``) though no value differs. It is
    said as a copy; beside a changed value, only that value's column is named."""
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY, v text);"
        "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')")  # fmt: skip
    pg_exec(second_pg, "CREATE TABLE t (id int, v text);"
        "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (2, 'b'), (3, 'c'), (4, 'd')")  # fmt: skip
    [table] = verify(pg_url, second_pg).tables
    assert table.differing_columns == []
    assert table.message == (
        "extra copies of a row in target: 1; no value of the rows both sides hold differs"
    )
    assert [(d.kind, d.key) for d in table.diffs] == [("duplicated in target", {"id": 2})]
    pg_exec(second_pg, "UPDATE t SET v = 'X' WHERE id = 3; DELETE FROM t WHERE id = 4")
    [table] = verify(pg_url, second_pg).tables
    assert table.differing_columns == ["v"]
    assert [(d.kind, d.key) for d in table.diffs] == [
        ("duplicated in target", {"id": 2}),
        ("changed", {"id": 3}),
        ("missing in target", {"id": 4}),
    ]


# -- 4. a table only the target holds ---------------------------------------------------------


def test_exclude_leaves_out_a_table_only_the_target_holds(pg_url: str, second_pg: str) -> None:
    """A migration tool's own table in the target (flyway_schema_history) failed every
    verify, and --exclude refused to name it (not in the source): it takes it now; a name
    on neither side is still refused."""
    pg_exec(pg_url, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)")
    pg_exec(second_pg, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);"
        "CREATE TABLE flyway_schema_history (v int)")  # fmt: skip
    report = verify(pg_url, second_pg)
    assert report.exit_code == 1
    assert report.tables[1].message == (
        "the table exists only in the target (exclude='flyway_schema_history' leaves it out)"
    )
    report = verify(pg_url, second_pg, exclude=["flyway_schema_history"])
    assert (report.exit_code, [t.name for t in report.tables]) == (0, ["t"])
    with pytest.raises(ArrowmigError, match="table 'nowhere' named by exclude not found"):
        verify(pg_url, second_pg, exclude=["nowhere"])


# -- 5. a table without a key, values changed --------------------------------------------------


def test_changed_rows_of_a_keyless_table_are_counted_per_side(tmp_path: Path) -> None:
    """A CSV round trip turned NULL into '' in half the rows of a table without a key: the
    report said "4 differing rows" for 2 changed ones, and its message (JSON too) was empty."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    _lite(source, "CREATE TABLE ev (id INTEGER, opt TEXT);"
          "INSERT INTO ev VALUES (1, 'v'), (2, NULL), (3, 'v'), (4, NULL)")  # fmt: skip
    _lite(target, "CREATE TABLE ev (id INTEGER, opt TEXT);"
          "INSERT INTO ev VALUES (1, 'v'), (2, ''), (3, 'v'), (4, '')")  # fmt: skip
    [table] = verify(str(source), str(target)).tables
    said = (
        "rows missing in target: 2; rows missing in source: 2 (without a key, a changed row "
        "is one of each)"
    )
    assert (table.differing_columns, table.message) == (["opt"], said)
    assert table.to_dict()["message"] == said


# -- 6. a database that is not there ----------------------------------------------------------


def test_a_missing_database_is_not_to_be_created_for_verify(pg_url: str, tmp_path: Path) -> None:
    """verify against a database that does not exist suggested migrate's hint, "create it
    first (createdb ...)": an empty database made so would only differ. It asks for the
    database that holds the tables."""
    lite = tmp_path / "s.db"
    _lite(lite, "CREATE TABLE t (id INTEGER PRIMARY KEY)")
    with pytest.raises(ArrowmigError) as refused:
        verify(str(lite), pg_url + "_none")
    said = str(refused.value)
    assert said.endswith("; name the database that holds the target's tables (verify creates none)")
    assert "createdb" not in said


def test_a_text_with_an_exponent_past_any_number_is_compared_as_written(
    pg_url: str, tmp_path: Path
) -> None:
    """'1e99999999999' in a text column against numeric: no number holds it, so migrate
    rejects it and verify lists its row missing in the target; writing its exponent out
    overflowed, and the table ended as an error. '1e3' still equals 1000.00."""
    lite = tmp_path / "x.db"
    _lite(lite, "CREATE TABLE x (id INTEGER PRIMARY KEY, v TEXT);"
          "INSERT INTO x VALUES (1, '1e3'), (2, '2.5'), (3, '1e99999999999')")  # fmt: skip
    pg_exec(pg_url, "CREATE TABLE x (id int PRIMARY KEY, v numeric(12,2));"
        "INSERT INTO x VALUES (1, 1000), (2, 2.5)")  # fmt: skip
    table = verify(str(lite), pg_url, level="diff").tables[0]
    assert table.result == "differ"
    assert [(d.key, d.kind) for d in table.diffs] == [({"id": 3}, "missing in target")]
