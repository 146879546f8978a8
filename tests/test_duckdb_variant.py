"""DuckDB's VARIANT: Arrow hands out its internal encoding, which only DuckDB can read; every
target gets the values as JSON instead."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate, verify
from tests.dbutil import target_of

VALUES = {1: 42, 2: "text", 3: [1, 2], 4: {"a": 1.5}, 5: None}


def _variants(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE va (id INTEGER PRIMARY KEY, v VARIANT, s STRUCT(x VARIANT))")
        con.execute(
            "INSERT INTO va VALUES (1, 42::VARIANT, {'x': 7::VARIANT}), (2, 'text'::VARIANT, NULL),"
            " (3, [1, 2]::VARIANT, NULL), (4, {'a': 1.5}::VARIANT, NULL), (5, NULL, NULL)"
        )
    return str(path)


@pytest.mark.parametrize("target_kind", ["sqlite", "duckdb", "postgres"])
def test_variant_values_arrive_as_json(
    tmp_path: Path, target_kind: str, request: pytest.FixtureRequest
) -> None:
    # They arrived as {"metadata": "b'\\x01\\x00\\x00'", "value": "b'\\x14*...'"} (Python's
    # repr of the encoding's bytes) in SQLite and PostgreSQL, and as STRUCT(metadata BLOB,
    # value BLOB) in DuckDB, with exit 0 and nothing in the plan.
    source = _variants(tmp_path / "s.duckdb")
    target = target_of(target_kind, tmp_path, request)
    report = migrate(source, target)
    assert report.ok, [t.error for t in report.tables]
    assert any("VARIANT carried as JSON" in n for n in report.tables[0].notes)
    query = "SELECT id, v, s FROM va ORDER BY id"
    if target_kind == "sqlite":
        with sqlite3.connect(target) as con:
            rows = con.execute(query).fetchall()
    elif target_kind == "duckdb":
        with duckdb.connect(target, read_only=True) as con:
            rows = con.execute("SELECT id, v::VARCHAR, s::VARCHAR FROM va ORDER BY id").fetchall()
    else:
        with psycopg.connect(target) as con:
            rows = con.execute("SELECT id, v::text, s::text FROM va ORDER BY id").fetchall()
    got = {i: None if v is None else json.loads(v) for i, v, _ in rows}
    assert got == VALUES
    assert json.loads(rows[0][2]) == {"x": 7}
    assert verify(source, target).ok
