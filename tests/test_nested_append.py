"""A DuckDB LIST, STRUCT or MAP column appended into an existing JSON or text column (the
jsonb column arrowmig itself creates for it in PostgreSQL, SQLite's TEXT, DuckDB's JSON)
goes in as the JSON it gets on create, with no --cast, and verify then matches.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

import arrowmig
from arrowmig.direct_copy import DIRECT_NOTE
from arrowmig.plan import JSONB_NOTE, RAGGED_NOTE
from tests.dbutil import pg_exec, pg_rows

NESTED = "id INTEGER PRIMARY KEY, l INTEGER[], st STRUCT(x INTEGER, d DECIMAL(20,3)), m MAP(VARCHAR, INTEGER)"


def _source(path: Path, rows: str) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE t ({NESTED})")
        con.execute(f"INSERT INTO t VALUES {rows}")
    return str(path)


FIRST = "(1, [1, 2], {'x': 1, 'd': 12345678901234567.125}, MAP {'k': 1, 'z': NULL})"
SECOND = "(2, [3, NULL], {'x': NULL, 'd': -0.5}, MAP {'b': 2})"


def _append_again(source: Path, target: str) -> arrowmig.MigrationReport:
    """Delete the first row from the source, add the second, and append."""
    with duckdb.connect(str(source)) as con:
        con.execute("DELETE FROM t")
        con.execute(f"INSERT INTO t VALUES {SECOND}")
    return arrowmig.migrate(str(source), target, config=arrowmig.MigrationConfig(mode="append"))


@pytest.mark.postgres
def test_nested_columns_append_into_the_jsonb_columns_arrowmig_created(
    pg_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "s.duckdb"
    _source(source, FIRST)
    assert arrowmig.migrate(str(source), pg_url).ok
    report = _append_again(source, pg_url)
    assert report.ok, [t.error for t in report.tables]
    assert not any(JSONB_NOTE in n for t in report.tables for n in t.notes)
    with duckdb.connect(str(source)) as con:
        con.execute(f"INSERT INTO t VALUES {FIRST}")
    assert arrowmig.verify(str(source), pg_url, level="diff").ok
    assert pg_rows(pg_url, "t", "id")[1][1:] == ([3, None], {"x": None, "d": -0.5}, {"b": 2})


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["json", "text"])
def test_nested_columns_append_into_json_and_text_columns(
    pg_url: str, tmp_path: Path, kind: str
) -> None:
    source = tmp_path / "s.duckdb"
    _source(source, SECOND)
    pg_exec(pg_url, f"CREATE TABLE t (id int PRIMARY KEY, l {kind}, st {kind}, m {kind})")
    config = arrowmig.MigrationConfig(mode="append")
    report = arrowmig.migrate(str(source), pg_url, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert (
        pg_rows(pg_url, "t", "id") == [(2, "[3,null]", '{"x":null,"d":-0.500}', '{"b":2}')]
        if kind == "text"
        else [(2, [3, None], {"x": None, "d": -0.5}, {"b": 2})]
    )
    assert arrowmig.verify(str(source), pg_url, level="diff").ok


def test_nested_columns_append_into_strict_sqlite_text(tmp_path: Path) -> None:
    source = tmp_path / "s.duckdb"
    _source(source, SECOND)
    target = tmp_path / "t.db"
    with sqlite3.connect(target) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, l TEXT, st TEXT, m TEXT) STRICT")
    report = arrowmig.migrate(
        str(source), str(target), config=arrowmig.MigrationConfig(mode="append")
    )
    assert report.ok, [t.error for t in report.tables]
    with sqlite3.connect(target) as con:
        rows = con.execute("SELECT * FROM t").fetchall()
    assert rows == [(2, "[3,null]", '{"x":null,"d":-0.500}', '{"b":2}')]
    assert arrowmig.verify(str(source), str(target), level="diff").ok


def test_nested_columns_append_into_duckdb_json(tmp_path: Path) -> None:
    source = tmp_path / "s.duckdb"
    _source(source, SECOND)
    target = tmp_path / "t.duckdb"
    with duckdb.connect(str(target)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, l JSON, st JSON, m JSON)")
    report = arrowmig.migrate(
        str(source), str(target), config=arrowmig.MigrationConfig(mode="append")
    )
    assert report.ok, [t.error for t in report.tables]
    with duckdb.connect(str(target)) as con:
        rows = con.execute("SELECT id, l::VARCHAR, st::VARCHAR, m::VARCHAR FROM t").fetchall()
    assert rows == [(2, "[3,null]", '{"x":null,"d":-0.500}', '{"b":2}')]
    assert arrowmig.verify(str(source), str(target), level="diff").ok


@pytest.mark.postgres
def test_a_ragged_list_into_a_postgres_array_is_named_and_can_be_set_aside(
    pg_url: str, tmp_path: Path
) -> None:
    # The server's bare 'malformed array literal: "{{"a","b"},{}}"' named no column and no
    # way past: PostgreSQL arrays are rectangular, and DuckDB lists need not be.
    source = tmp_path / "s.duckdb"
    with duckdb.connect(str(source)) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ll VARCHAR[][])")
        con.execute(
            "INSERT INTO t VALUES (1, [['a', 'b'], ['c', 'd']]), (2, [['a', 'b'], []]),"
            " (3, [['a'], NULL]), (4, [['a', 'b'], ['c']])"
        )
    pg_exec(pg_url, "CREATE TABLE t (id integer PRIMARY KEY, ll text[])")
    config = arrowmig.MigrationConfig(mode="append")
    report = arrowmig.migrate(str(source), pg_url, config=config)
    (table,) = report.failed
    assert f"ll: {RAGGED_NOTE}" in table.notes  # the plan says so beforehand
    assert 'column ll: value [["a","b"],[]] has sub-arrays of different lengths' in str(table.error)
    assert "make the target column jsonb" in str(table.error)
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    assert arrowmig.migrate(str(source), pg_url, config=config).rejected == 3
    assert pg_rows(pg_url, "t", "id") == [(1, [["a", "b"], ["c", "d"]])]
    set_aside = (rejects / "t.jsonl").read_text()
    assert set_aside.count("a PostgreSQL array cannot hold") == 3


# A list appended into an existing array column of another element type: the server read
# each element's JSON text and rounded it unsaid (0.1 into real[], 10:00 into date[]), or
# refused the whole table in its bare words ('invalid input syntax for type integer: "1.5"');
# DuckDB refused every such column, exact ones too ('INTEGER[] in the source but BIGINT[]').
# Each element now goes in exactly, or its row is a bad value named with the element.
DIALECTS = [pytest.param("postgresql", marks=pytest.mark.postgres), "duckdb"]
SILENT_LOSS = [
    # source list, its value, PostgreSQL's array, DuckDB's list, the element named, and why
    (
        "TIMESTAMP[]",
        "['2020-01-01 10:00']",
        "date[]",
        "DATE[]",
        "'2020-01-01 10:00:00'",
        "time of day",
    ),
    ("DOUBLE[]", "[0.5, 0.1]", "real[]", "FLOAT[]", "0.1", "a real would round it"),
    ("DOUBLE[]", "[1.5]", "integer[]", "INTEGER[]", "1.5", "integer holds no fraction"),
    ("INTEGER[]", "[1, 40000]", "smallint[]", "SMALLINT[]", "40000", "beyond smallint's range"),
    ("DOUBLE[][]", "[[1.0], [2.5]]", "bigint[]", "BIGINT[][]", "2.5", "bigint holds no fraction"),
]


def _list_source(path: Path, columns: str, rows: str) -> str:
    """A DuckDB file whose table t has ``columns`` (after an id) and holds ``rows``."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns})")
        con.execute(f"INSERT INTO t VALUES {rows}")
    return str(path)


def _list_target(request: pytest.FixtureRequest, tmp_path: Path, dialect: str, columns: str) -> str:
    """The URL of an existing table t with ``columns`` (after an id), in ``dialect``."""
    if dialect == "postgresql":
        pg_url = str(request.getfixturevalue("pg_url"))
        pg_exec(pg_url, f"CREATE TABLE t (id integer PRIMARY KEY, {columns})")
        return pg_url
    target = str(tmp_path / "t.duckdb")
    with duckdb.connect(target) as con:
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {columns})")
    return target


def _texts(target: str, columns: str = "a") -> list[tuple[object, ...]]:
    """Each row of t: its id and ``columns`` in the target's own text."""
    if target.endswith(".duckdb"):
        as_text = ", ".join(f"{c}::VARCHAR" for c in columns.split(", "))
        with duckdb.connect(target) as con:
            return con.execute(f"SELECT id, {as_text} FROM t ORDER BY id").fetchall()
    as_text = ", ".join(f"{c}::text" for c in columns.split(", "))
    with psycopg.connect(target) as con:
        return con.execute(f"SELECT id, {as_text} FROM t ORDER BY id").fetchall()


def _append_list(
    request: pytest.FixtureRequest, tmp_path: Path, dialect: str, lists: str, rows: str, into: str
) -> tuple[str, arrowmig.MigrationReport]:
    """Append ``rows`` of a DuckDB column ``a`` of ``lists`` into an existing ``into`` column
    in ``dialect``: the target's URL and the run's report."""
    source = _list_source(tmp_path / "s.duckdb", f"a {lists}", rows)
    target = _list_target(request, tmp_path, dialect, f"a {into}")
    config = arrowmig.MigrationConfig(mode="append")
    return target, arrowmig.migrate(source, target, config=config)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("list_type", "value", "pg", "duck", "element", "why"), SILENT_LOSS)
def test_a_list_element_the_array_column_cannot_hold_exactly_is_named(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    dialect: str,
    list_type: str,
    value: str,
    pg: str,
    duck: str,
    element: str,
    why: str,
) -> None:
    declared = pg if dialect == "postgresql" else duck
    target, report = _append_list(request, tmp_path, dialect, list_type, f"(7, {value})", declared)
    _assert_element_named(report, declared, element, why)
    assert _texts(target) == []


def _assert_element_named(
    report: arrowmig.MigrationReport, declared: str, element: str, why: str
) -> None:
    """The run failed t on the element of column a in row 7, saying why and what to do."""
    (table,) = report.failed
    error = str(table.error)
    assert (
        f"table 't', column 'a', id 7: its element {element} does not go into the target "
        f"column's {declared} exactly ("
    ) in error
    assert why in error
    assert "on_error='reject'" in error


MIXED = "d TIMESTAMP[], r DOUBLE[], i DOUBLE[], s INTEGER[]"
MIXED_ROWS = (
    "(1, ['2020-01-01 00:00:00', NULL], [0.5, -2.25], [1.0, -3.0], [1, -32768]),"
    " (2, ['2020-01-01 10:00:00'], [0.5], [1.0], [1]),"
    " (3, ['2020-01-02 00:00:00'], [0.1], [1.0], [1]),"
    " (4, [], NULL, [1.5], [1]),"
    " (5, NULL, [], [2.0], [32768]),"
    " (6, NULL, [1e300], NULL, [NULL])"
)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_reject_sets_aside_exactly_the_rows_the_array_columns_cannot_hold(
    request: pytest.FixtureRequest, tmp_path: Path, dialect: str
) -> None:
    source = _list_source(tmp_path / "s.duckdb", MIXED, MIXED_ROWS)
    real = "real" if dialect == "postgresql" else "FLOAT"
    target = _list_target(
        request, tmp_path, dialect, f"d date[], r {real}[], i integer[], s smallint[]"
    )
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    report = arrowmig.migrate(source, target, config=config)
    assert report.rejected == 5, [t.error for t in report.tables]
    # The midnight as its date, -2.25 (a float4 exactly), 1.0 as the integer 1, NULLs kept.
    assert _texts(target, "d, r, i, s") == (
        [(1, "{2020-01-01,NULL}", "{0.5,-2.25}", "{1,-3}", "{1,-32768}")]
        if dialect == "postgresql"
        else [(1, "[2020-01-01, NULL]", "[0.5, -2.25]", "[1, -3]", "[1, -32768]")]
    )
    set_aside = [json.loads(line) for line in (rejects / "t.jsonl").read_text().splitlines()]
    assert [r["key"]["id"] for r in set_aside] == [2, 3, 4, 5, 6]
    reasons = {r["key"]["id"]: r["problems"][0]["reason"] for r in set_aside}
    assert "its element '2020-01-01 10:00:00' " in reasons[2]
    assert "its element 0.1 " in reasons[3]
    assert "its element 1.5 " in reasons[4]
    assert "its element 32768 " in reasons[5]
    assert "its element 1e+300 " in reasons[6]


EXACT = [
    # source list, its value, PostgreSQL's array and what it stores, DuckDB's list and its
    ("INTEGER[]", "[1, NULL, -2147483648]", "bigint[]", "{1,NULL,-2147483648}", "BIGINT[]"),
    ("BIGINT[]", "[2147483647]", "int4[]", "{2147483647}", "INTEGER[]"),
    ("DOUBLE[]", "[0.5, 1e300]", "double precision[]", "{0.5,1e+300}", "DOUBLE[]"),
    ("FLOAT[]", "[0.1]", "double precision[]", "{0.10000000149011612}", "DOUBLE[]"),
    ("DOUBLE[]", "[0.5, -2.25]", "real[]", "{0.5,-2.25}", "FLOAT[]"),
    (
        "TIMESTAMP[][]",
        "[['2020-01-01'], ['1999-12-31']]",
        "date[]",
        "{{2020-01-01},{1999-12-31}}",
        "DATE[][]",
    ),
    ("DOUBLE[]", "[1.0, -0.0, 3]", "integer[]", "{1,0,3}", "INTEGER[]"),
    ("INTEGER[2]", "[1, 2]", "int8[]", "{1,2}", "BIGINT[]"),
    ("INTEGER[]", "[]", "smallint[]", "{}", "SMALLINT[]"),
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("list_type", "value", "pg", "stored", "duck"), EXACT)
def test_list_elements_the_array_column_holds_exactly_arrive_exactly(
    dialect: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    list_type: str,
    value: str,
    pg: str,
    stored: str,
    duck: str,
) -> None:
    declared = pg if dialect == "postgresql" else duck
    rows = f"(1, {value}), (2, NULL)"
    target, report = _append_list(request, tmp_path, dialect, list_type, rows, declared)
    assert report.ok, [t.error for t in report.tables]
    if dialect == "duckdb":  # DuckDB's text of the same values: [1, NULL], not {1,NULL}
        stored = stored.replace("{", "[").replace("}", "]").replace(",", ", ")
    assert _texts(target) == [(1, stored), (2, None)]


@pytest.mark.postgres
def test_truncate_refuses_a_list_element_before_it_empties_the_table(
    pg_url: str, tmp_path: Path
) -> None:
    source = _list_source(tmp_path / "s.duckdb", "a DOUBLE[]", "(1, [0.5]), (2, [0.1])")
    pg_exec(
        pg_url,
        "CREATE TABLE t (id integer PRIMARY KEY, a real[])",
        "INSERT INTO t VALUES (9, '{1.5}')",
    )
    config = arrowmig.MigrationConfig(mode="truncate")
    with pytest.raises(arrowmig.SchemaError, match=r"id 2: its element 0.1 .* nothing has been"):
        arrowmig.migrate(source, pg_url, config=config)
    assert pg_rows(pg_url, "t") == [(9, [1.5])]


@pytest.mark.postgres
def test_verify_takes_a_date_element_for_its_midnight_as_for_a_date_column(
    pg_url: str, tmp_path: Path
) -> None:
    # verify called a midnight TIMESTAMP appended into a date[] different ('["2020-01-01
    # 00:00:00"]' -> '["2020-01-01"]'): a date against a timestamp is its midnight UTC.
    source = _list_source(
        tmp_path / "s.duckdb",
        "a TIMESTAMP[], n TIMESTAMP[][]",
        "(1, ['2020-01-01', NULL], [['2020-01-02']])",
    )
    pg_exec(pg_url, "CREATE TABLE t (id integer PRIMARY KEY, a date[], n date[])")
    assert arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append")).ok
    assert _texts(pg_url, "a, n") == [(1, "{2020-01-01,NULL}", "{{2020-01-02}}")]
    assert arrowmig.verify(source, pg_url).ok
    # Unequal values are still told apart: another date, and a time of day past midnight.
    pg_exec(pg_url, "UPDATE t SET a = '{2020-01-02,NULL}'")
    assert arrowmig.verify(source, pg_url).tables[0].differing_columns == ["a"]
    pg_exec(pg_url, "UPDATE t SET a = '{2020-01-01,NULL}'")
    with duckdb.connect(source) as con:
        con.execute("UPDATE t SET n = [['2020-01-02 00:00:01']]")
    assert arrowmig.verify(source, pg_url).tables[0].differing_columns == ["n"]


# A PostgreSQL source's array travels as its array_to_json text, which the server read into
# an existing array of another element type element by element without a word: 10:00 was
# dropped from a date, 0.1 rounded into a real. Each element is now checked as a list's is.


def _pg_arrays(source: str, target: str, columns: str, into: str, rows: str) -> None:
    """Table t with ``columns`` (after an id) holding ``rows`` in the ``source`` database,
    and an empty t with ``into`` in the ``target`` one."""
    pg_exec(source, f"CREATE TABLE t (id integer PRIMARY KEY, {columns})")
    pg_exec(source, f"INSERT INTO t VALUES {rows}")
    pg_exec(target, f"CREATE TABLE t (id integer PRIMARY KEY, {into})")


@pytest.mark.postgres
@pytest.mark.parametrize("case", SILENT_LOSS)
def test_a_pg_array_element_the_array_column_cannot_hold_exactly_is_named(
    pg_url: str, second_pg: str, case: tuple[str, ...]
) -> None:
    list_type, value, pg, _, element, why = case  # DuckDB's cases, as PostgreSQL's arrays
    array = list_type.replace("DOUBLE", "float8")
    _pg_arrays(pg_url, second_pg, f"a {array}", f"a {pg}", f"(7, ARRAY{value}::{array})")
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="append"))
    _assert_element_named(report, pg, element, why)
    assert _texts(second_pg) == []


PG_EXACT = [
    # source array, its value, the target's array, and what it stores
    ("timestamp[]", "{2020-01-02 00:00:00,NULL}", "date[]", "{2020-01-02,NULL}"),
    ("timestamp[]", "{{2020-01-01},{1999-12-31}}", "date[]", "{{2020-01-01},{1999-12-31}}"),
    ("float8[]", "{0.5,-2.25,NaN,-Infinity}", "real[]", "{0.5,-2.25,NaN,-Infinity}"),
    ("numeric[]", "{2,2.0,-3.000}", "integer[]", "{2,2,-3}"),
    ("int8[]", "{7,-32768}", "smallint[]", "{7,-32768}"),
    ("float8[]", "{1e15,2}", "bigint[]", "{1000000000000000,2}"),
    ("real[]", "{0.1}", "double precision[]", "{0.10000000149011612}"),
    ("int4[]", "{}", "int8[]", "{}"),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("array", "value", "into", "stored"), PG_EXACT)
def test_pg_array_elements_the_array_column_holds_exactly_arrive_exactly(
    pg_url: str, second_pg: str, array: str, value: str, into: str, stored: str
) -> None:
    _pg_arrays(pg_url, second_pg, f"a {array}", f"a {into}", f"(1, '{value}'), (2, NULL)")
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok, [t.error for t in report.tables]
    assert _texts(second_pg) == [(1, stored), (2, None)]


@pytest.mark.postgres
def test_reject_sets_aside_exactly_the_rows_pg_arrays_cannot_go_into(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    _pg_arrays(
        pg_url,
        second_pg,
        "b timestamp[], c float8[], d numeric[], e int8[]",
        "b date[], c real[], d int4[], e int2[]",
        "(1, '{2020-01-01 10:00:00}', '{0.1}', '{1.5}', '{40000}'),"
        " (2, '{2020-01-02 00:00:00}', '{0.5}', '{2}', '{7}'),"
        " (3, NULL, '{0.5,0.1}', NULL, NULL)",
    )
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.rejected == 2, [t.error for t in report.tables]
    assert _texts(second_pg, "b, c, d, e") == [(2, "{2020-01-02}", "{0.5}", "{2}", "{7}")]
    set_aside = [json.loads(line) for line in (rejects / "t.jsonl").read_text().splitlines()]
    assert [r["key"]["id"] for r in set_aside] == [1, 3]
    reasons = [p["reason"] for p in set_aside[0]["problems"]]
    assert reasons == [
        "its element '2020-01-01 10:00:00' does not go into the target column's date[] "
        "exactly (a date would drop its time of day)",
        "its element 0.1 does not go into the target column's real[] exactly (a real would "
        "round it)",
        "its element '1.5' does not go into the target column's integer[] exactly (integer "
        "holds no fraction)",
        "its element 40000 does not go into the target column's smallint[] exactly (it is "
        "beyond smallint's range)",
    ]


@pytest.mark.postgres
def test_a_timestamptz_element_goes_into_a_date_only_at_midnight_utc(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    # The server reads each instant in the session's UTC and kept only its date, unsaid.
    _pg_arrays(
        pg_url,
        second_pg,
        "a timestamptz[]",
        "a date[]",
        "(1, '{2020-01-01 10:00:00+00}'), (2, '{2020-01-02 00:00:00+00,infinity,NULL}'),"
        " (3, '{2020-01-03 00:00:00+02}')",
    )
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    assert arrowmig.migrate(pg_url, second_pg, config=config).rejected == 2
    assert _texts(second_pg) == [(2, "{2020-01-02,infinity,NULL}")]
    set_aside = [json.loads(line) for line in (rejects / "t.jsonl").read_text().splitlines()]
    assert [(r["key"]["id"], r["problems"][0]["reason"]) for r in set_aside] == [
        (
            row,
            f"its element '{instant}' does not go into the target column's date[] exactly "
            "(a date would drop its time of day)",
        )
        for row, instant in ((1, "2020-01-01 10:00:00+00:00"), (3, "2020-01-02 22:00:00+00:00"))
    ]


@pytest.mark.postgres
def test_truncate_refuses_a_pg_array_element_before_it_empties_the_table(
    pg_url: str, second_pg: str
) -> None:
    _pg_arrays(pg_url, second_pg, "a float8[]", "a real[]", "(1, '{0.5}'), (2, '{0.1}')")
    pg_exec(second_pg, "INSERT INTO t VALUES (9, '{1.5}')")
    config = arrowmig.MigrationConfig(mode="truncate")
    with pytest.raises(arrowmig.SchemaError, match=r"id 2: its element 0.1 .* nothing has been"):
        arrowmig.migrate(pg_url, second_pg, config=config)
    assert pg_rows(second_pg, "t") == [(9, [1.5])]


@pytest.mark.postgres
def test_pg_arrays_of_the_columns_own_types_still_pass_undecoded(
    pg_url: str, second_pg: str
) -> None:
    # Lower bounds and dimensions, which JSON does not carry, arrive with the binary COPY.
    columns = "c float8[], b timestamp[]"
    value = "(1, '[0:1]={0.1,0.5}', '{{2020-01-01 10:00:00},{NULL}}')"
    _pg_arrays(pg_url, second_pg, columns, columns, value)
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="append"))
    assert report.ok, [t.error for t in report.tables]
    assert any(n.startswith(DIRECT_NOTE) for n in report.tables[0].notes)
    assert _texts(second_pg, "c, b") == [(1, "[0:1]={0.1,0.5}", '{{"2020-01-01 10:00:00"},{NULL}}')]
