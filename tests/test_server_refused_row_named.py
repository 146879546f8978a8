"""A value the PostgreSQL server refuses where arrowmig's own screening let it by (text the
server converts, as into a bit(1) column; a CHECK constraint) names its table and row under
``--on-error fail``, as a screened bad value does: the server's own error names neither.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import arrowmig
from tests.dbutil import duckdb_exec, pg_exec, pg_rows, sqlite_rows, sqlite_table


@pytest.mark.postgres
def test_text_a_bit_column_refuses_names_its_row(pg_url: str, tmp_path: Path) -> None:
    """It said only 'writing 'flags': "y" is not a valid binary digit'."""
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE flags (id INTEGER PRIMARY KEY, flag BIT)",
        [(1, 1), (2, 0), (3, "yes"), (4, 1)],
    )
    pg_exec(pg_url, "CREATE TABLE flags (id int PRIMARY KEY, flag bit(1))")
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    error = report.tables[0].error or ""
    assert not report.ok
    assert error.startswith("table 'flags', column 'flag', id 3: "), error
    assert '"y" is not a valid binary digit' in error
    assert "on_error='reject'" in error
    # The rows before it are written, as a screened bad value leaves them; none after it.
    assert pg_rows(pg_url, "flags", "id") == [(1, "1"), (2, "0")]


@pytest.mark.postgres
def test_a_check_constraint_the_target_holds_names_the_row_it_refused(
    pg_url: str, tmp_path: Path
) -> None:
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE stock (id INTEGER PRIMARY KEY, qty INTEGER)",
        [(i, -5 if i == 7 else i) for i in range(1, 11)],
    )
    pg_exec(pg_url, "CREATE TABLE stock (id bigint PRIMARY KEY, qty bigint CHECK (qty >= 0))")
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    error = report.tables[0].error or ""
    assert error.startswith("table 'stock', id 7: "), error
    assert "violates check constraint" in error


def _stock_source(folder: Path) -> str:
    """Ten rows, id 7's qty below zero and id 9's name NULL."""
    rows = [(i, -5 if i == 7 else i, None if i == 9 else f"n{i}") for i in range(1, 11)]
    return sqlite_table(
        folder / "s.db", "CREATE TABLE stock (id INTEGER PRIMARY KEY, qty INTEGER, name TEXT)", rows
    )


def test_a_sqlite_targets_check_and_not_null_refusals_are_set_aside_by_row(tmp_path: Path) -> None:
    """SQLite's refusal carries no SQLSTATE: the table failed whole, --on-error reject or not."""
    source = _stock_source(tmp_path)
    target = sqlite_table(
        tmp_path / "t.db",
        "CREATE TABLE stock (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty >= 0), "
        "name TEXT NOT NULL)",
        [],
    )
    # Failing, SQLite copies the rows itself: no row to name, but the way to find them.
    failed = arrowmig.migrate(source, target, config=arrowmig.MigrationConfig(mode="append"))
    assert failed.tables[0].error == (
        "writing 'stock': CHECK constraint failed: qty >= 0; fix the rows that break the "
        "target's constraint in the source (or the constraint), or set them aside with "
        "on_error='reject', which names each"
    )
    config = arrowmig.MigrationConfig(
        mode="append", on_error="reject", reject_dir=str(tmp_path / "rejects")
    )
    report = arrowmig.migrate(source, target, config=config)
    assert report.tables[0].error is None, report.tables[0].error
    assert [r[0] for r in sqlite_rows(target, "stock", "id")] == [1, 2, 3, 4, 5, 6, 8, 10]
    lines = (tmp_path / "rejects" / "stock.jsonl").read_text().splitlines()
    rejected = [json.loads(line) for line in lines]
    assert [r["key"] for r in rejected] == [{"id": 7}, {"id": 9}]
    assert "CHECK constraint failed" in rejected[0]["problems"][0]["reason"]
    assert rejected[1]["problems"][0]["column"] == "name"
    assert "NOT NULL constraint failed" in rejected[1]["problems"][0]["reason"]


def test_a_duckdb_targets_check_refusal_names_its_row(tmp_path: Path) -> None:
    source = _stock_source(tmp_path)
    target = duckdb_exec(
        tmp_path / "t.duckdb",
        "CREATE TABLE stock (id BIGINT PRIMARY KEY, qty BIGINT CHECK (qty >= 0), name VARCHAR)",
    )
    report = arrowmig.migrate(source, target, config=arrowmig.MigrationConfig(mode="append"))
    error = report.tables[0].error or ""
    assert error.startswith("table 'stock', id 7: "), error
    assert "CHECK constraint failed" in error
