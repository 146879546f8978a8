"""``verify`` as the proof of a copy another tool made (psql COPY, a DuckDB cast, a hand
script, a target without the key constraint): equal values spelled by another engine match,
values a parser reads its own way are never taken as equal, and the report shows what differs.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest
from click.testing import CliRunner

from arrowmig import verify
from arrowmig.cli.verify import verify_command
from arrowmig.errors import ArrowmigError

pytestmark = pytest.mark.postgres


def _pg(url: str, script: str) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(script)


def _duck(path: Path, script: str) -> None:
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(script)
    con.close()


def _lite(path: Path, script: str) -> None:
    con = sqlite3.connect(path)
    con.executescript(script)
    con.commit()
    con.close()


def _both_hold(
    lite: Path, pg_url: str, table: str, types: tuple[str, str], rows: list[tuple[int, str]]
) -> None:
    """A SQLite table ``(id, v)`` of the texts in ``rows``, and a PostgreSQL one of ``types``
    (``v``'s SQLite and PostgreSQL types) that PostgreSQL read them into (as psql COPY does)."""
    _lite(lite, f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, v {types[0]})")
    with sqlite3.connect(lite) as con:
        con.executemany(f"INSERT INTO {table} VALUES (?, ?)", rows)
    con.close()
    _pg(pg_url, f"CREATE TABLE {table} (id bigint PRIMARY KEY, v {types[1]})")
    with psycopg.connect(pg_url, autocommit=True) as pg:
        pg.cursor().executemany(f"INSERT INTO {table} VALUES (%s, %s::text::{types[1]})", rows)


def _shown(source: str, target: str, *options: str) -> tuple[int, list[str]]:
    """The text report's exit code and lines."""
    ran = CliRunner().invoke(verify_command, [source, target, *options])
    return ran.exit_code, [line.strip() for line in ran.output.splitlines()]


# -- 1. a numeric's NaN and infinities against a double -------------------------------------


@pytest.mark.parametrize("into", ["postgresql", "duckdb", "sqlite"])
def test_a_numeric_nan_or_infinity_equals_the_double_holding_it(
    into: str, pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    """PostgreSQL writes a numeric's as NaN and Infinity, DuckDB a double's as nan and inf:
    one spelling for both, so a copy holding them matches, and a changed one still differs."""
    _pg(pg_url, "CREATE TABLE m (id int PRIMARY KEY, v numeric)")
    _pg(pg_url, "INSERT INTO m VALUES (1, 'Infinity'), (2, '-Infinity'), (3, 1.5)")
    nan = into != "sqlite"  # a SQLite REAL holds no NaN (it stores NULL)
    if nan:
        _pg(pg_url, "INSERT INTO m VALUES (4, 'NaN')")
    if into == "postgresql":
        target = second_pg
        _pg(target, "CREATE TABLE m (id int PRIMARY KEY, v double precision)")
        _pg(target, "INSERT INTO m VALUES (1, 'Infinity'), (2, '-Infinity'), (3, 1.5), (4, 'NaN')")
        change = lambda: _pg(target, "UPDATE m SET v = '-Infinity' WHERE id = 1")  # noqa: E731
    elif into == "duckdb":
        target = str(tmp_path / "m.duckdb")
        _duck(Path(target), "CREATE TABLE m (id INTEGER PRIMARY KEY, v DOUBLE)")
        _duck(Path(target), "INSERT INTO m VALUES (1, 'inf'), (2, '-inf'), (3, 1.5), (4, 'nan')")
        change = lambda: _duck(Path(target), "UPDATE m SET v = '-inf' WHERE id = 1")  # noqa: E731
    else:
        target = str(tmp_path / "m.db")
        _lite(Path(target), "CREATE TABLE m (id INTEGER PRIMARY KEY, v REAL);"
              "INSERT INTO m VALUES (1, 9e999), (2, -9e999), (3, 1.5)")  # fmt: skip
        change = lambda: _lite(Path(target), "UPDATE m SET v = -9e999 WHERE id = 1")  # noqa: E731
    report = verify(pg_url, target, level="diff")
    assert report.exit_code == 0, report.to_dict()
    change()
    report = verify(pg_url, target)
    assert report.exit_code == 1
    [table] = report.tables
    assert [(d.key, d.columns) for d in table.diffs] == [({"id": 1}, ["v"])]


# -- 2. timestamp texts naming their zone as parsers read apart ------------------------------


TEXTS = [
    (1, "2024-06-01 10:00:00 PST"),  # PostgreSQL: 18:00 UTC; DuckDB: 17:00 UTC
    (2, "2024-01-01 10:00:00 GMT+2"),  # PostgreSQL: 12:00 UTC; DuckDB: 08:00 UTC
    (3, "2024-01-01 10:00:00+02"),
    (4, "2024-01-01 10:00:00 UTC"),
]


def test_timestamp_texts_naming_a_zone_equal_no_engines_reading(
    pg_url: str, tmp_path: Path
) -> None:
    """The same SQLite texts, read into a timestamptz by PostgreSQL and by DuckDB, which
    disagree on PST and GMT+2: neither reading is taken for the text's (DuckDB's made its copy
    "match", PostgreSQL's "differ"). Both differ on those rows, and the report says why."""
    source = tmp_path / "ev.db"
    _both_hold(source, pg_url, "ev", ("TEXT", "timestamptz"), TEXTS)
    duck = tmp_path / "ev.duckdb"
    _duck(duck, "CREATE TABLE ev (id BIGINT PRIMARY KEY, v TIMESTAMPTZ)")
    con_duck = duckdb.connect(str(duck))
    con_duck.executemany("INSERT INTO ev VALUES (?, ?::TIMESTAMPTZ)", TEXTS)
    con_duck.close()
    for target in (pg_url, str(duck)):
        report = verify(str(source), target)
        assert report.exit_code == 1, target
        [table] = report.tables
        assert [(d.key, d.columns) for d in table.diffs] == [({"id": 1}, ["v"]), ({"id": 2}, ["v"])]
        assert table.message == (
            "v: 2 source texts name a time zone that PostgreSQL and DuckDB read apart (an "
            "abbreviation, PST; a POSIX GMT+2; here '2024-01-01 10:00:00 GMT+2'): each is "
            "compared as its text, and equals no timestamp"
        )


# -- 3. jsonb has no negative zero -------------------------------------------------------------


def test_a_json_negative_zero_equals_the_zero_jsonb_keeps(pg_url: str, tmp_path: Path) -> None:
    """jsonb stores -0.0 as 0.0 and -0 as 0: both spellings of a negative zero match the
    copy, as -0 always did; another number still differs."""
    source = tmp_path / "d.db"
    docs = [(1, '{"a":-0.0}'), (2, '{"a":-0}'), (3, "[-0.0e5, 1]"), (4, '{"a":-0.0}')]
    _both_hold(source, pg_url, "d", ("JSON", "jsonb"), docs)
    assert verify(str(source), pg_url, level="diff").exit_code == 0
    _pg(pg_url, """UPDATE d SET v = '{"a": 0.5}' WHERE id = 4""")
    report = verify(str(source), pg_url)
    assert [d.key for d in report.tables[0].diffs] == [{"id": 4}]


# -- 4. values that print alike yet differ ---------------------------------------------------


def test_values_that_print_alike_are_shown_apart(pg_url: str, second_pg: str) -> None:
    """A bytea against the text of its hex, a float4 0.1 against the double 0.1: each line
    showed the same value twice. The float4 is shown as the double it is, the bytes with
    their types. Bytes are shown as psql shows a bytea, with one backslash, and the text
    alike beside them by the same rule."""
    _pg(pg_url, "CREATE TABLE x (id int PRIMARY KEY, b bytea, r real, s text, c bytea)")
    _pg(pg_url, "INSERT INTO x VALUES (1, '\\x0102ff', 0.1, 'a', '1234')")
    _pg(
        second_pg,
        "CREATE TABLE x (id int PRIMARY KEY, b text, r double precision, s text, c bytea)",
    )
    _pg(second_pg, "INSERT INTO x VALUES (1, '\\x0102ff', 0.1, 'b', '1235')")
    code, lines = _shown(pg_url, second_pg)
    assert code == 1
    assert [line for line in lines if line.startswith("changed")] == [
        "changed {'id': 1}: b: bytea '\\x0102ff' -> text '\\x0102ff'",
        "changed {'id': 1}: r: 0.10000000149011612 -> 0.1",
        "changed {'id': 1}: s: 'a' -> 'b'",
        "changed {'id': 1}: c: '\\x31323334' -> '\\x31323335'",
    ]
    [diff] = verify(pg_url, second_pg).tables[0].diffs
    assert diff.types == {"b": ["bytea", "text"]}
    assert (diff.source or {})["r"] == 0.10000000149011612
    assert (diff.target or {})["r"] == 0.1


def test_a_bytea_against_sqlite_text_of_its_hex_is_shown_by_one_rule(
    pg_url: str, tmp_path: Path
) -> None:
    """A psql \\copy loaded by sqlite3 .import: shown as `bytea '\\x00ff' -> TEXT
    '\\\\x00ff'`, one backslash on one side, two on the other, the type as declared."""
    _pg(pg_url, "CREATE TABLE t (id int PRIMARY KEY, b bytea)")
    _pg(pg_url, "INSERT INTO t VALUES (1, '\\x00ff')")
    target = tmp_path / "t.db"
    _lite(target, "CREATE TABLE t (id TEXT, b TEXT); INSERT INTO t VALUES ('1', '\\x00ff');")
    code, lines = _shown(pg_url, str(target))
    assert code == 1
    assert "changed {'id': 1}: b: bytea '\\x00ff' -> text '\\x00ff'" in lines


# -- 5. a key holding several rows -----------------------------------------------------------


def test_a_sqlite_text_key_holding_nulls_lists_the_rows_that_differ(tmp_path: Path) -> None:
    """SQLite lets a TEXT PRIMARY KEY hold NULL more than once: one value changed in one such
    row showed an unchanged row on both sides, and named the key column as changed."""
    script = (
        "CREATE TABLE pk (k TEXT PRIMARY KEY, v TEXT);"
        "INSERT INTO pk VALUES ('a', '1'), (NULL, '2'), (NULL, '3'), ('b', '4');"
    )
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    _lite(source, script)
    _lite(target, script + "UPDATE pk SET v = '9' WHERE v = '3';")
    report = verify(str(source), str(target))
    assert report.exit_code == 1
    [table] = report.tables
    assert table.differing_keys == 1
    assert [(d.kind, d.key, d.source, d.target, d.source_count, d.target_count)
            for d in table.diffs] == [
        ("missing in target", {"k": None}, {"k": None, "v": "3"}, None, 1, 0),
        ("extra in target", {"k": None}, None, {"k": None, "v": "9"}, 0, 1),
    ]  # fmt: skip


def test_a_target_without_the_key_shows_every_row_of_a_key(pg_url: str, second_pg: str) -> None:
    """A key loaded twice with new values into a target without the primary key: the row
    the source has is missing, and both the target holds are shown, with their copies."""
    _pg(pg_url, "CREATE TABLE tx (id int PRIMARY KEY, s text)")
    _pg(pg_url, "INSERT INTO tx VALUES (1, 'abc'), (5, 'trail'), (6, 'x')")
    _pg(second_pg, "CREATE TABLE tx (id int, s text)")
    _pg(second_pg, "INSERT INTO tx VALUES (1,'abc'), (5,'trailX'), (5,'trailY'), (5,'trailY'),"
        "(6, 'x'), (6, 'x')")  # fmt: skip
    code, lines = _shown(pg_url, second_pg)
    assert code == 1
    assert lines[lines.index("tx: 2 differing keys (first 2):") + 1 :][:4] == [
        "missing in target {'id': 5}: {'id': 5, 's': 'trail'}",
        "extra in target {'id': 5}: {'id': 5, 's': 'trailX'}",
        "extra in target {'id': 5} (0 in source, 2 in target): {'id': 5, 's': 'trailY'}",
        "duplicated in target {'id': 6} (1 in source, 2 in target): {'id': 6, 's': 'x'}",
    ]


# -- 6. a table without a key ----------------------------------------------------------------


def test_a_table_without_a_key_says_its_differing_rows_and_their_copies(
    tmp_path: Path,
) -> None:
    """A CSV load run again: five copies of a row the source has twice. The text report
    said "differing keys" of a table without one, and nothing of the copies."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    _lite(source, "CREATE TABLE nopk (a INTEGER, b TEXT);"
          "INSERT INTO nopk VALUES (1, 'x'), (1, 'x'), (2, 'y');")  # fmt: skip
    _lite(target, "CREATE TABLE nopk (a INTEGER, b TEXT);"
          "INSERT INTO nopk VALUES (1, 'x'), (1, 'x'), (1, 'x'), (1, 'x'), (1, 'x');")  # fmt: skip
    code, lines = _shown(str(source), str(target))
    assert code == 1
    # 1 missing and 3 extra copies: it said "2 rows unmatched", the distinct rows listed.
    at = lines.index("nopk: 4 rows unmatched (first 2):")
    assert lines[at + 1 : at + 3] == [
        "extra in target row (2 in source, 5 in target): {'a': 1, 'b': 'x'}",
        "missing in target row: {'a': 2, 'b': 'y'}",
    ]


def test_a_table_without_a_key_counts_a_changed_row_once_a_side_and_lists_rows_by_value(
    tmp_path: Path,
) -> None:
    """Three rows changed: said "6 differing rows" next to 3 missing on each side, and listed
    in hash order, the halves of a change apart."""
    source, target = tmp_path / "s.db", tmp_path / "t.db"
    _lite(source, "CREATE TABLE ev (id INTEGER, opt TEXT);"
          "INSERT INTO ev VALUES (3, NULL), (1, NULL), (2, NULL);")  # fmt: skip
    _lite(target, "CREATE TABLE ev (id INTEGER, opt TEXT);"
          "INSERT INTO ev VALUES (2, ''), (3, ''), (1, '');")  # fmt: skip
    code, lines = _shown(str(source), str(target))
    assert code == 1
    assert "ev: rows missing in target: 3; rows missing in source: 3" in lines[3]
    at = lines.index("ev: 6 rows unmatched (first 6):")
    assert [line.split(": ", 1)[1] for line in lines[at + 1 : at + 7]] == [
        "{'id': 1, 'opt': ''}", "{'id': 1, 'opt': None}",
        "{'id': 2, 'opt': ''}", "{'id': 2, 'opt': None}",
        "{'id': 3, 'opt': ''}", "{'id': 3, 'opt': None}",
    ]  # fmt: skip


# -- 7. --level count ------------------------------------------------------------------------


def test_count_level_counts_where_the_rows_are(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``count(*)`` on each side: no row is streamed here (one column of every row was, ten
    times slower than the two counts it stands for)."""
    from arrowmig.endpoints.duckdb import DuckDBEndpoint
    from arrowmig.endpoints.postgres import PostgresEndpoint
    from arrowmig.endpoints.sqlite import SQLiteEndpoint

    _pg(pg_url, "CREATE TABLE c (id int PRIMARY KEY, v text);"
        "INSERT INTO c SELECT i, 'v' || i FROM generate_series(1, 1000) i")  # fmt: skip
    duck, lite = tmp_path / "c.duckdb", tmp_path / "c.db"
    _duck(duck, "CREATE TABLE c (id INTEGER PRIMARY KEY, v VARCHAR);"
          "INSERT INTO c SELECT i, 'v' || i FROM range(1, 1001) t(i)")  # fmt: skip
    _lite(lite, "CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT);"
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 999) "
          "INSERT INTO c SELECT i, 'v' || i FROM n;")  # fmt: skip

    def streamed(*_: object, **__: object) -> None:
        raise AssertionError("--level count streamed the rows")

    for endpoint in (PostgresEndpoint, DuckDBEndpoint, SQLiteEndpoint):
        monkeypatch.setattr(endpoint, "read", streamed)
    assert verify(pg_url, str(duck), level="count").exit_code == 0
    report = verify(pg_url, str(lite), level="count")
    assert report.exit_code == 1
    assert (report.tables[0].rows_source, report.tables[0].rows_target) == (1000, 999)


# -- 8. schema names -------------------------------------------------------------------------


def test_schemas_are_matched_as_tables_are_and_a_qualified_name_told_how(
    pg_url: str, tmp_path: Path
) -> None:
    """PostgreSQL's "Sales" written into DuckDB as sales by another tool (DuckDB resolves
    "Sales" to it): compared, and said. ``--tables hr.emp`` without ``--source-schema`` is
    told as migrate tells it."""
    _pg(pg_url, 'CREATE SCHEMA "Sales"; CREATE TABLE "Sales".orders (id int PRIMARY KEY, amt '
        "numeric(10,2)); INSERT INTO \"Sales\".orders VALUES (1, 1.01); CREATE SCHEMA hr; "
        "CREATE TABLE hr.emp (id int PRIMARY KEY, name text); INSERT INTO hr.emp VALUES (1, 'a')")  # fmt: skip
    duck = tmp_path / "s.duckdb"
    _duck(duck, "CREATE SCHEMA sales; CREATE TABLE sales.orders (id INTEGER PRIMARY KEY, amt "
          "DECIMAL(10,2)); INSERT INTO sales.orders VALUES (1, 1.01); CREATE SCHEMA hr; "
          "CREATE TABLE hr.emp (id INTEGER PRIMARY KEY, name VARCHAR); "
          "INSERT INTO hr.emp VALUES (1, 'a')")  # fmt: skip
    report = verify(pg_url, str(duck), source_schema="Sales,hr")
    assert report.exit_code == 0, report.to_dict()
    assert [t.name for t in report.tables] == ["Sales.orders", "hr.emp"]
    assert report.notes == [
        "the target holds no table in schema 'Sales': schema 'sales', equal to it ignoring "
        "case, compared in its place"
    ]
    with pytest.raises(ArrowmigError) as refused:
        verify(pg_url, str(duck), tables="hr.emp")
    said = str(refused.value)
    assert said.startswith("table 'hr.emp' not found in schema 'public' of postgresql://")
    assert said.endswith("; name it 'emp', with source_schema='hr'")
    assert json.loads(json.dumps(report.to_dict()))["notes"] == report.notes
