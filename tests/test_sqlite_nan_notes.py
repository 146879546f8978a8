"""NaN bound for SQLite, which has none (it stores NULL): the plan says once what would
become of one, and the run's report tells only of the NaN it met. A DuckDB table of 300
DOUBLE columns holding no NaN had a flag on each column in its plan and, grouped, in its
run's report ("c000, c001, ... and 290 more: can hold NaN, which SQLite cannot store").
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from arrowmig import migrate
from arrowmig.config import MigrationConfig
from arrowmig.migrate import explain
from tests.dbutil import duckdb_exec, sqlite_table

WIDE = 300


def _wide_source(path: Path) -> str:
    columns = ", ".join(f"c{i:03d} DOUBLE" for i in range(WIDE))
    values = ", ".join(f"i * {i} + 0.5" for i in range(WIDE))
    return duckdb_exec(
        path,
        f"CREATE TABLE wide (id INTEGER PRIMARY KEY, {columns});"
        f"INSERT INTO wide SELECT i, {values} FROM range(20) t(i)",
    )


def _nan_source(path: Path) -> str:
    return duckdb_exec(
        path,
        "CREATE TABLE readings (id INTEGER PRIMARY KEY, x DOUBLE, y DOUBLE, z REAL);"
        "INSERT INTO readings VALUES (1, 1.5, 'nan', 2), (2, 'nan', 'nan', 3),"
        " (3, 2, 3, 'nan'::REAL), (4, 4, 5, 6)",
    )


def _said_of_nan(notes: list[str]) -> list[str]:
    return [n for n in notes if "NaN" in n]


def test_a_wide_table_holding_no_nan_is_not_warned_of_nan_per_column(tmp_path: Path) -> None:
    source = _wide_source(tmp_path / "wh.duckdb")
    target = tmp_path / "out.db"
    plan = explain(source, str(target)).to_dict()
    (table,) = plan["tables"]
    assert all(c["flags"] == [] for c in table["columns"])
    assert _said_of_nan(table["notes"]) == []
    # Said once, of the plan, since it reads no values: what a NaN would become.
    (said,) = _said_of_nan(plan["notes"])
    assert said == (
        "SQLite has no NaN (it would store NULL): a NaN in a float column of wide is refused, "
        "naming its row (none is looked for before the run); --cast TABLE.COLUMN=text keeps "
        "it as the text 'nan', --on-error reject sets such rows aside"
    )
    report = migrate(source, str(target))
    assert report.ok
    assert _said_of_nan(report.notes) == []
    assert _said_of_nan(report.tables[0].notes) == []
    with sqlite3.connect(target) as con:
        assert con.execute("SELECT count(*), sum(c299) FROM wide").fetchone() == (20, 56820.0)


def test_nan_met_is_refused_by_row_or_counted_per_column_as_set_aside(tmp_path: Path) -> None:
    source = _nan_source(tmp_path / "r.duckdb")
    failed = migrate(source, str(tmp_path / "fail.db"))
    assert not failed.ok
    error = failed.tables[0].error or ""
    assert "column 'y', id 1: NaN, which SQLite cannot store (it would become NULL)" in error
    rejected = migrate(
        source,
        str(tmp_path / "reject.db"),
        config=MigrationConfig(on_error="reject", reject_dir=str(tmp_path / "rejects")),
    )
    assert rejected.tables[0].rejected == 3
    assert sorted(_said_of_nan(rejected.tables[0].notes)) == [
        "x: 1 NaN set aside with its row (SQLite has no NaN; "
        "casts={'readings.x': 'text'} keeps NaN as the text 'nan')",
        "y: 2 NaN set aside with their rows (SQLite has no NaN; "
        "casts={'readings.y': 'text'} keeps NaN as the text 'nan')",
        "z: 1 NaN set aside with its row (SQLite has no NaN; "
        "casts={'readings.z': 'text'} keeps NaN as the text 'nan')",
    ]
    with sqlite3.connect(tmp_path / "reject.db") as con:
        assert con.execute("SELECT * FROM readings").fetchall() == [(4, 4.0, 5.0, 6.0)]


def test_a_sqlite_source_brings_no_nan_and_the_plan_says_none(tmp_path: Path) -> None:
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL)", [(1, 1.5)]
    )
    plan = explain(source, str(tmp_path / "out.db")).to_dict()
    assert _said_of_nan(plan["notes"]) == []
