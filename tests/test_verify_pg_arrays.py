"""verify of DuckDB LISTs appended into PostgreSQL array columns: the LIST's JSON text (as
migrate writes it) and the server's array_to_json spell one element apart (``"2024-01-01
00:00:00.500000"`` and ``"2024-01-01T00:00:00.5"``, a real's double and its own shortest text,
a jsonb document as a string and as a value), and a faithful copy was reported as differing.
Elements are compared by value, as scalar columns are; one changed element still differs. And
the arrays' types are noted as their elements' are: DECIMAL(6,2)[] into numeric(6,2)[] is no
type "of another family"."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig
from tests.dbutil import duckdb_exec, pg_exec

pytestmark = pytest.mark.postgres

APPEND = MigrationConfig(mode="append")


CASES = [
    # (DuckDB type, PostgreSQL type, rows 1 and 2, row 1 changed in the target)
    (
        "TIMESTAMP[]",
        "timestamp[]",
        ("['2024-01-01 00:00:00.5', 'infinity', NULL]", "[]"),
        '{"2024-01-01 00:00:00.500001",infinity,NULL}',
    ),
    (
        "TIMESTAMPTZ[]",
        "timestamptz[]",
        ("['2024-01-01 00:00:00+00', '-infinity']", "[NULL]"),
        '{"2024-01-01 00:00:00+01",-infinity}',
    ),
    (
        "TIME[]",
        "time[]",
        ("['12:00:00', '23:59:59.999999']", "['00:00:00']"),
        "{12:00:00,23:59:59.999998}",
    ),
    (
        "INTERVAL[]",
        "interval[]",
        ("[INTERVAL '1 month -1 day', INTERVAL '26 hours']", "[INTERVAL '0.5 seconds']"),
        # The same length, held otherwise: PostgreSQL keeps '1 day 02:00:00' apart.
        '{"1 mon -1 days","1 day 02:00:00"}',
    ),
    (
        "FLOAT[]",
        "real[]",
        ("['0.1', '-0.0', 'nan', '-inf']::FLOAT[]", "[3.4028235e38]"),
        "{0.1,0,NaN,-Infinity}",  # a zero's sign lost
    ),
    (
        "FLOAT[]",
        "real[]",
        ("['0.1', '-0.0', 'nan', '-inf']::FLOAT[]", "[3.4028235e38]"),
        "{0.10000001,-0,NaN,-Infinity}",  # the next real after 0.1
    ),
    ("FLOAT[][]", "real[]", ("[[0.1, 0.2], [0.3, 0.4]]", "[[1.5]]"), "{{0.1,0.2},{0.4,0.3}}"),
    (
        "JSON[]",
        "jsonb[]",
        # The document null: array_to_json writes it as it writes an SQL NULL, and it matches.
        ("""['{"b": 2.50, "a": [1, 2]}', '"s"', '[1]', NULL]""", "['null']"),
        '{"{\\"a\\": [1, 2], \\"b\\": 2.51}","\\"s\\"","[1]",NULL}',
    ),
]


@pytest.mark.parametrize(("duckdb_type", "pg_type", "rows", "changed"), CASES)
def test_a_list_appended_into_an_array_matches_and_a_changed_element_differs(
    tmp_path: Path,
    pg_url: str,
    duckdb_type: str,
    pg_type: str,
    rows: tuple[str, str],
    changed: str,
) -> None:
    source = duckdb_exec(
        tmp_path / "s.duckdb",
        f"CREATE TABLE a (id int PRIMARY KEY, c {duckdb_type}); "
        f"INSERT INTO a VALUES (1, {rows[0]}), (2, {rows[1]}), (3, NULL)",
    )
    pg_exec(pg_url, f"CREATE TABLE a (id int PRIMARY KEY, c {pg_type})")
    assert migrate(source, pg_url, config=APPEND).ok

    report = verify(source, pg_url)
    [table] = report.tables
    assert report.ok, table.to_dict()
    assert table.type_notes == []

    pg_exec(pg_url, f"UPDATE a SET c = '{changed}' WHERE id = 1")
    report = verify(source, pg_url)
    [table] = report.tables
    assert not report.ok
    assert table.differing_columns == ["c"]
    assert [(d.kind, d.key) for d in table.diffs] == [("changed", {"id": 1})]


def test_arrays_of_the_same_element_types_are_not_noted_and_narrower_ones_are(
    tmp_path: Path, pg_url: str
) -> None:
    source = duckdb_exec(
        tmp_path / "s.duckdb",
        "CREATE TYPE mood AS ENUM ('sad', 'ok'); "
        "CREATE TABLE t (id int PRIMARY KEY, n DECIMAL(6,2)[], b BLOB[], nn INTEGER[][], "
        "e mood[], big BIGINT[], d DOUBLE[]); "
        "INSERT INTO t VALUES (1, [1.50], ['\\x00'::BLOB], [[1, 2], [3, 4]], ['ok'], [7], [0.5])",
    )
    pg_exec(
        pg_url,
        "CREATE TYPE mood AS ENUM ('sad', 'ok')",
        "CREATE TABLE t (id int PRIMARY KEY, n numeric(6,2)[], b bytea[], nn integer[], "
        "e mood[], big integer[], d real[])",
    )
    assert migrate(source, pg_url, config=APPEND).ok
    report = verify(source, pg_url)
    [table] = report.tables
    assert report.ok, table.to_dict()
    assert table.type_notes == [
        "big: values match, but the target's type is narrower (source BIGINT[], target integer[])",
        "d: values match, but the target's type is narrower (source DOUBLE[], target real[])",
    ]


def test_a_json_null_element_and_a_null_element_arrive_apart_in_jsonb_array(
    tmp_path: Path, pg_url: str
) -> None:
    # migrate keeps them apart (the jsonb 'null' and an SQL NULL), though verify's
    # array_to_json reads both as null.
    source = duckdb_exec(
        tmp_path / "s.duckdb",
        "CREATE TABLE a (id int PRIMARY KEY, c JSON[]); "
        "INSERT INTO a VALUES (1, ['null', NULL, '{\"a\": null}'])",
    )
    pg_exec(pg_url, "CREATE TABLE a (id int PRIMARY KEY, c jsonb[])")
    assert migrate(source, pg_url, config=APPEND).ok
    with psycopg.connect(pg_url) as pg:
        found = pg.execute("SELECT c[1] = 'null'::jsonb, c[2] IS NULL, c[3]::text FROM a")
        assert found.fetchall() == [(True, True, '{"a": null}')]
