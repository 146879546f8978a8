"""Property: for generated SQLite columns of random mixed storage classes, every source value
is read back equal from the target or is in the reject files; none is lost or changed.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrowmig import migrate
from arrowmig.config import BatchConfig, MigrationConfig
from tests.test_corpus import check_table

DECLARED = [
    "",
    "INTEGER",
    "REAL",
    "TEXT",
    "BLOB",
    "NUMERIC",
    "DECIMAL(10,2)",
    "BOOLEAN",
    "DATETIME",
    "DATE",
    "VARCHAR(5)",
]

values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, 2, 2**53, 2**53 + 1, -(2**63)]),
    st.floats(allow_nan=False, width=64),
    st.text(max_size=12),
    st.sampled_from(["2024-01-02", "2024-01-02 03:04:05.25", "N/A", "1.10", "12.345", "a\x00b"]),
    st.binary(max_size=8),
    st.tuples(st.just("badtext"), st.binary(min_size=1, max_size=6)),
)

columns = st.lists(
    st.tuples(st.sampled_from(DECLARED), st.lists(values, min_size=1, max_size=30)),
    min_size=1,
    max_size=3,
)


def build(path: Path, cols: list[tuple[str, list[Any]]]) -> None:
    con = sqlite3.connect(path)
    defs = ", ".join(f'"c{i}" {decl}' for i, (decl, _) in enumerate(cols))
    con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {defs})")
    rows = max(len(vals) for _, vals in cols)
    for r in range(rows):
        exprs, params = [], [r + 1]
        for _, vals in cols:
            v = vals[r] if r < len(vals) else None
            if isinstance(v, tuple):  # bytes stored as TEXT: maybe not UTF-8
                exprs.append("CAST(? AS TEXT)")
                params.append(v[1])
            else:
                exprs.append("?")
                params.append(v)
        con.execute(f"INSERT INTO t VALUES (?, {', '.join(exprs)})", params)
    con.commit()
    con.close()


def _config(rejects: Path) -> MigrationConfig:
    return MigrationConfig(
        batch=BatchConfig(batch_rows=8), on_error="reject", reject_dir=str(rejects), mode="replace"
    )


def _fetch_from(con: Any) -> Any:
    def fetch(table: str, names: list[str]) -> list[tuple[Any, ...]]:
        cols = ", ".join(f'"{n}"' for n in names)
        return list(con.execute(f"SELECT {cols} FROM {table}").fetchall())

    return fetch


@settings(max_examples=40, deadline=None)
@given(columns)
def test_mixed_columns_to_duckdb(cols: list[tuple[str, list[Any]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db, target, rejects = Path(tmp, "s.db"), Path(tmp, "t.duckdb"), Path(tmp, "rejects")
        build(db, cols)
        report = migrate(str(db), str(target), config=_config(rejects))
        assert not report.failed, [t.error for t in report.tables]
        con = duckdb.connect(str(target), read_only=True)
        try:
            check_table(db, "t", _fetch_from(con), rejects)
        finally:
            con.close()


@pytest.mark.postgres
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cols=columns)
def test_mixed_columns_to_postgres(pg_url: str, cols: list[tuple[str, list[Any]]]) -> None:
    import psycopg

    with tempfile.TemporaryDirectory() as tmp:
        db, rejects = Path(tmp, "s.db"), Path(tmp, "rejects")
        build(db, cols)
        report = migrate(str(db), pg_url, config=_config(rejects))
        assert not report.failed, [t.error for t in report.tables]
        with psycopg.connect(pg_url) as con:
            check_table(db, "t", _fetch_from(con), rejects)
