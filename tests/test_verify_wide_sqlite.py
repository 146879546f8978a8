"""``verify`` of a wide PostgreSQL table against its SQLite copy, whose exact numbers are text:
each column's hash reads its value once, so that hundreds of such columns verify as quickly
as a DuckDB copy does, and the verdicts stay those of one column.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

from arrowmig import migrate, verify
from arrowmig.model import Column
from arrowmig.normalise import pair_columns, quote

COLUMNS = 120
TYPES = ("numeric(12,3)", "double precision", "int", "text")
VALUES = ("g * 1.001", "g / 3.0 + {i}", "g + {i}", "md5((g * {i})::text)")


@pytest.mark.postgres
def test_a_wide_table_verifies_against_its_sqlite_copy(pg_url: str, tmp_path: Path) -> None:
    columns = ", ".join(f"c{i} {TYPES[i % 4]}" for i in range(COLUMNS))
    values = ", ".join(VALUES[i % 4].format(i=i) for i in range(COLUMNS))
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f"CREATE TABLE wide (id int PRIMARY KEY, {columns})")
        con.execute(f"INSERT INTO wide SELECT g, {values} FROM generate_series(1, 30) g")
    target = str(tmp_path / "wide.db")
    assert migrate(pg_url, target).ok
    report = verify(pg_url, target)
    assert report.ok and report.tables[0].columns_checked == COLUMNS + 1
    last = f"c{COLUMNS - 4}"  # the last numeric column: 7 * 1.001 is '7.007'
    with sqlite3.connect(target) as lite:
        lite.execute(f"UPDATE wide SET {last} = '7.008' WHERE id = 7")
    lite.close()
    report = verify(pg_url, target, level="diff")
    assert report.exit_code == 1
    [table] = report.tables
    assert table.differing_columns == [last]
    [diff] = table.diffs
    assert diff.kind == "changed" and diff.key == {"id": 7}
    assert diff.source is not None and diff.target is not None
    assert (str(diff.source[last]), str(diff.target[last])) == ("7.007", "7.008")


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Column("n", pa.decimal128(12, 3), "numeric"), Column("n", pa.string(), "NUMERIC")),
        (Column("n", pa.float64(), "REAL"), Column("n", pa.decimal128(12, 3), "numeric")),
        (Column("n", pa.string(), "NUMERIC"), Column("n", pa.float64(), "REAL")),
        (Column("n", pa.timestamp("us"), "timestamp"), Column("n", pa.string(), "TEXT")),
        (Column("n", pa.timestamp("ns"), "timestamp"), Column("n", pa.string(), "TEXT")),
        (Column("n", pa.date32(), "date"), Column("n", pa.string(), "TEXT")),
    ],
)
def test_a_columns_hash_reads_its_value_a_few_times_at_most(source: Column, target: Column) -> None:
    # Written out in place, the rules for exact number text named the column 160 times (17 KB
    # of SQL a column), and DuckDB took half a second and 6 MB to plan each such column: a
    # 500-column SQLite copy took a minute and 1.2 GB to verify. A timestamp's text, 14 times.
    pair = pair_columns(source, target)
    assert pair.mode in ("numtext", "float_exact", "timestamp", "date_text")
    for sql in (pair.source_sql, pair.target_sql):
        assert sql.count(quote("n")) <= 3
