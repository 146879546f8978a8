"""What a DuckDB source table is besides its values: a key that orders and splits it (an
unsigned one past BIGINT's range included), and the indexes and CHECKs DuckDB keeps on it,
carried where the target can build them and named where they are not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig
from arrowmig.migrate import explain
from arrowmig.plan import MigrationPlan

BIG_KEYS = (1, 2**63 - 1, 2**63, 2**64 - 1)


def _unsigned_keys(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE k (id UBIGINT PRIMARY KEY, v INTEGER)")
        con.executemany("INSERT INTO k VALUES (?, ?)", [(key, i) for i, key in enumerate(BIG_KEYS)])
    return str(path)


@pytest.mark.parametrize("target_kind", ["sqlite", "duckdb", "postgres"])
def test_a_table_keyed_past_bigint_moves_split_or_not(
    tmp_path: Path, target_kind: str, request: pytest.FixtureRequest
) -> None:
    # The key was read as BIGINT ("UINT64 with value 9223372036854775808 can't be cast"),
    # and with key-range splitting the run stopped recording the ranges ("Python int too
    # large to convert to C long", exit 1), leaving an empty table behind.
    source = _unsigned_keys(tmp_path / "s.duckdb")
    if target_kind == "postgres":
        target = request.getfixturevalue("pg_url")
    else:
        target = str(tmp_path / ("t.db" if target_kind == "sqlite" else "t.duckdb"))
    planned = explain(source, target, config=MigrationConfig(split_rows=2))
    assert isinstance(planned, MigrationPlan)
    (table,) = planned.tables
    assert table.source.split_key is None
    assert any("key values past 2^63 - 1" in note for note in table.notes)
    report = migrate(source, target, config=MigrationConfig(split_rows=2))
    assert report.ok, [t.error for t in report.tables]
    assert verify(source, target).ok
    if target_kind == "sqlite":
        with sqlite3.connect(target) as con:
            keys = [int(r[0]) for r in con.execute("SELECT id FROM k ORDER BY v")]
    elif target_kind == "duckdb":
        with duckdb.connect(target, read_only=True) as con:
            keys = [r[0] for r in con.execute("SELECT id FROM k ORDER BY v").fetchall()]
    else:
        with psycopg.connect(target) as con:
            keys = [int(r[0]) for r in con.execute("SELECT id FROM k ORDER BY v")]
    assert keys == list(BIG_KEYS)


def test_an_unsigned_key_within_bigint_still_splits(tmp_path: Path) -> None:
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE k AS SELECT range::UBIGINT AS id, range AS v FROM range(100)")
        con.execute("ALTER TABLE k ADD PRIMARY KEY (id)")
    target = str(tmp_path / "t.db")
    report = migrate(source, target, config=MigrationConfig(split_rows=30))
    assert report.ok and report.tables[0].streams > 1
    assert verify(source, target).ok
