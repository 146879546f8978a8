"""--mode truncate/append into an existing table with a generated column: the target computes
it, so the load leaves it out (as pg_dump leaves it out of its COPY), instead of emptying the
table and then failing on the first batch."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

from arrowmig import MigrationConfig, migrate, verify
from tests.dbutil import duckdb_rows, pg_exec, pg_rows, sqlite_rows

pytestmark = pytest.mark.postgres

GENERATED_TABLE = (
    "CREATE TABLE ga (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text, "
    "g int GENERATED ALWAYS AS (length(v)) STORED)"
)


def _source(url: str) -> None:
    pg_exec(url, GENERATED_TABLE, "INSERT INTO ga (v) VALUES ('a'), ('bb'), ('ccc')")


def _notes(report: object, table: str) -> list[str]:
    return next(t.notes for t in report.tables if t.name == table)  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", ["truncate", "append"])
@pytest.mark.parametrize("cast", [False, True])  # binary COPY passed on, and the Arrow path
def test_postgres_target_computes_its_generated_column(
    pg_url: str, second_pg: str, mode: str, cast: bool
) -> None:
    _source(pg_url)
    pg_exec(
        second_pg,
        GENERATED_TABLE,
        "INSERT INTO ga (id, v) OVERRIDING SYSTEM VALUE VALUES (100, 'keep1')",
    )
    config = MigrationConfig(mode=mode, casts=(("ga", "v", "varchar(20)"),) if cast else ())
    report = migrate(pg_url, second_pg, config=config)
    assert report.ok, report.tables[0].error
    kept = [(100, "keep1", 5)] if mode == "append" else []
    assert pg_rows(second_pg, "ga", order="id") == [(1, "a", 1), (2, "bb", 2), (3, "ccc", 3), *kept]
    assert any("g: computed by the target" in n for n in _notes(report, "ga"))
    if mode == "truncate":
        assert verify(pg_url, second_pg).ok


def test_duckdb_target_computes_its_generated_column(pg_url: str, tmp_path: Path) -> None:
    _source(pg_url)
    target = tmp_path / "t.duckdb"
    con = duckdb.connect(str(target))
    con.execute("CREATE TABLE ga (id int PRIMARY KEY, v text, g int AS (length(v)))")
    con.execute("INSERT INTO ga (id, v) VALUES (10, 'keep1')")
    con.close()
    report = migrate(pg_url, str(target), config=MigrationConfig(mode="truncate"))
    assert report.ok, report.tables[0].error
    assert duckdb_rows(target, "ga", order="id") == [(1, "a", 1), (2, "bb", 2), (3, "ccc", 3)]
    assert verify(pg_url, str(target)).ok


def test_sqlite_target_computes_its_generated_column(pg_url: str, tmp_path: Path) -> None:
    # Before, the target's g (left out of table_info) made the source's g "only in the source".
    _source(pg_url)
    target = tmp_path / "t.db"
    con = sqlite3.connect(target)
    con.execute("CREATE TABLE ga (id INTEGER PRIMARY KEY, v TEXT, g INT AS (length(v)) STORED)")
    con.close()
    report = migrate(pg_url, str(target), config=MigrationConfig(mode="append"))
    assert report.ok, report.tables[0].error
    assert sqlite_rows(target, "ga", order="id") == [(1, "a", 1), (2, "bb", 2), (3, "ccc", 3)]
