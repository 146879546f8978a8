"""README's own flow, ``arrowmig generate bets.db`` then ``arrowmig migrate bets.db ...``, keeps
the money columns' type: decimal(12,2) generated into SQLite comes back as numeric(12,2) in
PostgreSQL and DECIMAL(12,2) in DuckDB, every cent as generated."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

import arrowmig
from arrowmig.generator import GeneratedSource

ROWS = {"large_players": 50, "large_matches": 100, "large_bets": 600}
TABLES = list(ROWS)
MONEY = "SELECT id, stake, payout FROM large_bets ORDER BY id"


def _generated_money() -> list[tuple[Any, ...]]:
    with GeneratedSource(rows=ROWS, tables=TABLES, seed=42) as src:
        con = duckdb.connect()
        try:
            con.register("bets", src.read(src.describe("large_bets"), batch_rows=10_000))
            return con.execute("SELECT id, stake, payout FROM bets ORDER BY id").fetchall()
        finally:
            con.close()


@pytest.fixture(scope="module")
def bets_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("money") / "bets.db"
    assert arrowmig.generate(str(path), rows=ROWS, tables=TABLES, seed=42).ok
    return path


def test_sqlite_declares_money_as_decimal_12_2(bets_db: Path) -> None:
    with sqlite3.connect(bets_db) as con:
        declared = {r[1]: r[2] for r in con.execute("PRAGMA table_info(large_bets)")}
        total = con.execute("SELECT sum(stake) FROM large_bets").fetchone()
    # Before: TEXT, which SQLite sums as 0.0 and sorts as text.
    assert declared["stake"] == declared["payout"] == "DECIMAL(12,2)"
    expected = sum(stake for _, stake, _ in _generated_money())
    assert total is not None and round(Decimal(str(total[0])), 2) == expected


@pytest.mark.postgres
def test_migrated_into_postgresql_money_is_numeric_12_2(bets_db: Path, pg_url: str) -> None:
    assert arrowmig.migrate(str(bets_db), pg_url).ok
    with psycopg.connect(pg_url) as con:
        types = con.execute(
            "SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema.columns "
            "JOIN pg_attribute ON attrelid = 'large_bets'::regclass AND attname = column_name "
            "WHERE table_name = 'large_bets' AND column_name IN ('stake', 'payout') "
            "ORDER BY column_name"
        ).fetchall()
        money = con.execute(MONEY).fetchall()
        total = con.execute("SELECT sum(stake) FROM large_bets").fetchone()  # failed on text
    assert types == [("payout", "numeric(12,2)"), ("stake", "numeric(12,2)")]
    assert money == _generated_money()
    assert total == (sum(stake for _, stake, _ in money),)


def test_migrated_into_duckdb_money_is_decimal_12_2(bets_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "bets.duckdb"
    assert arrowmig.migrate(str(bets_db), str(target)).ok
    assert arrowmig.verify(str(bets_db), str(target)).ok
    con = duckdb.connect(str(target), read_only=True)
    try:
        types = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'large_bets' AND column_name IN ('stake', 'payout') "
            "ORDER BY column_name"
        ).fetchall()
        money = con.execute(MONEY).fetchall()
    finally:
        con.close()
    assert types == [("payout", "DECIMAL(12,2)"), ("stake", "DECIMAL(12,2)")]
    assert money == _generated_money()
