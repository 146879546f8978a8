"""``--cast T.C=numeric(p,s)`` where some values do not fit once rounded to s places: each is a
bad value of its row, named (``--on-error fail``) or set aside (``reject``) as any other value
the cast cannot take, from every kind of source into PostgreSQL and DuckDB (DuckDB failed the
whole table with its own cast error, PostgreSQL with an overflow naming no row or value).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from arrowmig import migrate
from arrowmig.config import MigrationConfig
from tests.dbutil import pg_exec, rows_of, sqlite_table

ROWS = [(1, "1.5"), (2, "123456.789"), (3, "-999.994"), (4, "-999.995"), (5, None)]
"""Rows 2 and 4 do not fit numeric(5,2): 123456.79, and -999.995 rounds to -1000.00."""


def _source(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    values = ", ".join(f"({i}, {v or 'NULL'})" for i, v in ROWS)
    if kind == "sqlite-real":
        return sqlite_table(
            tmp_path / "s.db",
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL)",
            [(i, None if v is None else float(v)) for i, v in ROWS],
        )
    if kind == "sqlite-text":
        return sqlite_table(
            tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", ROWS
        )
    if kind == "duckdb-decimal":
        path = tmp_path / "s.duckdb"
        with duckdb.connect(str(path)) as con:
            con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v DECIMAL(12,3))")
            con.execute(f"INSERT INTO t VALUES {values}")
        return str(path)
    url = str(request.getfixturevalue("pg_url"))
    pg_exec(url, "CREATE TABLE t (id integer PRIMARY KEY, v numeric(12,3))")
    pg_exec(url, f"INSERT INTO t VALUES {values}")
    return url


def _target(kind: str, tmp_path: Path, request: pytest.FixtureRequest, source: str) -> str:
    if kind == "duckdb":
        return str(tmp_path / "t.duckdb")
    if source.startswith("postgresql://"):
        return str(request.getfixturevalue("second_pg"))
    return str(request.getfixturevalue("pg_url"))


SOURCES = [
    "sqlite-real",
    "sqlite-text",
    "duckdb-decimal",
    pytest.param("postgres-numeric", marks=pytest.mark.postgres),
]
TARGETS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("target_kind", TARGETS)
@pytest.mark.parametrize("source_kind", SOURCES)
def test_values_past_a_numeric_cast_are_rejected_each_with_its_reason(
    source_kind: str, target_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    source = _source(source_kind, tmp_path, request)
    target = _target(target_kind, tmp_path, request, source)
    rejects = tmp_path / "rejects"
    config = MigrationConfig(
        casts=(("t", "v", "decimal(5,2)"),), on_error="reject", reject_dir=str(rejects)
    )
    (table,) = migrate(source, target, config=config).tables
    assert (table.status, table.error, table.rows, table.rejected) == ("done", None, 3, 2)
    assert rows_of(target, "t", order="id") == [
        (1, Decimal("1.50")),
        (3, Decimal("-999.99")),
        (5, None),
    ]
    set_aside = [json.loads(line) for line in (rejects / "t.jsonl").read_text().splitlines()]
    assert [r["key"] for r in set_aside] == [{"id": 2}, {"id": 4}]
    reason = "value does not fit decimal(5,2), whose values round to less than 1000 in magnitude"
    assert {p["reason"] for r in set_aside for p in r["problems"]} == {reason}


@pytest.mark.parametrize("target_kind", TARGETS)
def test_a_value_past_a_numeric_cast_fails_its_table_naming_row_value_and_the_way_past(
    target_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    source = _source("sqlite-text", tmp_path, request)
    target = _target(target_kind, tmp_path, request, source)
    config = MigrationConfig(casts=(("t", "v", "decimal(5,2)"),))
    (table,) = migrate(source, target, config=config).tables
    assert table.status == "failed"
    assert table.error == (
        "table 't', column 'v', id 2: value does not fit decimal(5,2), whose values round to "
        "less than 1000 in magnitude: '123456.789'; fix the value in the source, casts the "
        "column to another type (e.g. casts={'t.v': 'text'}), or use on_error='reject' to set such "
        "rows aside"
    )


def test_a_text_that_is_no_number_cast_to_a_duckdb_decimal_is_a_bad_value_of_its_row(
    tmp_path: Path,
) -> None:
    # DuckDB converts the text itself, and failed the table on it.
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
        [(1, "2.5"), (2, "N/A")],
    )
    target = str(tmp_path / "t.duckdb")
    config = MigrationConfig(
        casts=(("t", "v", "numeric(5,2)"),), on_error="reject", reject_dir=str(tmp_path / "rej")
    )
    (table,) = migrate(source, target, config=config).tables
    assert (table.status, table.rows, table.rejected) == ("done", 1, 1)
    (line,) = (tmp_path / "rej" / "t.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["problems"] == [
        {"column": "v", "reason": "value does not convert to numeric(5,2)"}
    ]
