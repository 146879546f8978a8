"""PostgreSQL 15's numeric(p,s) with a negative scale (``numeric(5,-2)`` rounds to hundreds) or
a scale above its precision (``numeric(3,5)``): read as the type it is, kept on PostgreSQL
targets, held exactly elsewhere, and ``verify`` agrees. The scale was read as 2046, and every
target failed with a false reason (into SQLite "NaN or Infinity").
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

import arrowmig
from arrowmig.migrate import explain
from arrowmig.pg_numeric import numeric_typmod
from tests.dbutil import duckdb_rows, pg_exec, pg_rows, sqlite_table

pytestmark = pytest.mark.postgres

ODD_SCALES = (
    "CREATE TABLE n (id int PRIMARY KEY, hundreds numeric(5,-2), tiny numeric(3,5), "
    "far numeric(10,45), huge numeric(30,-10), wide numeric(50,2))",
    "INSERT INTO n VALUES "
    "(1, 12345, 0.00123, 1e-40, 123456789012345678901234567890e10, 1.25), "
    "(2, -99900, -0.00999, -0.1234567891e-35, -1e39, -3), "
    "(3, NULL, NULL, NULL, NULL, NULL)",
)
TEXTS = [
    ("12300", "0.00123", "0.000000000000000000000000000000000000000100000"),
    ("-99900", "-0.00999", "-0.000000000000000000000000000000000001234567891"),
    (None, None, None),
]
"""hundreds, tiny and far as PostgreSQL writes them (12345 is stored rounded to 12300)."""


def _pg(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as con:
        return con.execute(sql).fetchall()


def test_the_typmod_decodes_to_the_declared_precision_and_scale(pg_url: str) -> None:
    declared = [(1, 0), (5, -2), (3, 5), (38, 10), (1000, -1000), (1, 1000), (1000, 1000)]
    columns = ", ".join(f"c{i} numeric({p},{s})" for i, (p, s) in enumerate(declared))
    pg_exec(pg_url, f"CREATE TABLE t ({columns}, bare numeric)")
    typmods = _pg(
        pg_url,
        "SELECT atttypmod FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0 "
        "ORDER BY attnum",
    )
    assert [numeric_typmod(t) for (t,) in typmods] == [*declared, None]


def test_odd_scales_arrive_exactly_in_every_target_and_verify(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    pg_exec(pg_url, *ODD_SCALES)
    lite, duck = str(tmp_path / "n.db"), str(tmp_path / "n.duckdb")
    for target in (lite, duck):
        report = arrowmig.migrate(pg_url, target)
        assert report.ok, [t.error for t in report.tables]
        assert arrowmig.verify(pg_url, target).ok
    con = sqlite3.connect(lite)
    assert con.execute("SELECT hundreds, tiny, far FROM n ORDER BY id").fetchall() == TEXTS
    con.close()
    held = [tuple(None if v is None else Decimal(v) for v in row[:2]) for row in TEXTS]
    assert [r[1:3] for r in duckdb_rows(duck, "n", "id")] == held
    with duckdb.connect(duck, read_only=True) as con:
        types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns()").fetchall())
    assert (types["hundreds"], types["tiny"], types["far"]) == (
        "DECIMAL(7,0)",
        "DECIMAL(5,5)",
        "VARCHAR",
    )
    # PostgreSQL to PostgreSQL: the declared types again, undecoded or through Arrow alike.
    for direct in (True, False):
        config = arrowmig.MigrationConfig(mode="replace", direct=direct)
        report = arrowmig.migrate(pg_url, second_pg, config=config)
        assert report.ok, [t.error for t in report.tables]
        assert arrowmig.verify(pg_url, second_pg).ok
        declared = _pg(
            second_pg,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'n'::regclass AND attnum > 1 ORDER BY attnum",
        )
        assert [d for (d,) in declared] == [
            "numeric(5,-2)",
            "numeric(3,5)",
            "numeric(10,45)",
            "numeric(30,-10)",
            "numeric(50,2)",
        ]
        every = "SELECT hundreds::text, tiny::text, far::text, huge::text, wide::text FROM n"
        assert _pg(second_pg, every + " ORDER BY id") == _pg(pg_url, every + " ORDER BY id")
    # A value changed by one hundred is a difference, not a rounding verify forgives.
    with duckdb.connect(duck) as con:
        con.execute("UPDATE n SET hundreds = 12400 WHERE id = 1")
    assert not arrowmig.verify(pg_url, duck).ok


def test_the_plan_names_the_type_each_target_gets(pg_url: str, tmp_path: Path) -> None:
    pg_exec(pg_url, *ODD_SCALES)
    plan = explain(pg_url, str(tmp_path / "n.duckdb")).to_dict()
    columns = {c["name"]: c for c in plan["tables"][0]["columns"]}
    assert columns["hundreds"]["target_type"] == "DECIMAL(7,0)"
    assert "holds each of its values exactly" in columns["hundreds"]["flags"][0]
    assert columns["far"]["target_type"] == "VARCHAR"
    assert "carried as its exact text" in columns["far"]["flags"][0]


def test_an_append_that_the_declared_scale_would_round_is_refused_per_row(
    pg_url: str, tmp_path: Path
) -> None:
    """Into an existing numeric(5,-2) 12345 would be stored as 12300, and into an existing
    numeric(50,2) (carried as text: past Arrow's 38 digits) 1.234 as 1.23, both without a word."""
    pg_exec(
        pg_url, "CREATE TABLE n (id int PRIMARY KEY, hundreds numeric(5,-2), wide numeric(50,2))"
    )
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE n (id INTEGER PRIMARY KEY, hundreds TEXT, wide TEXT)",
        [(1, "12300", "1.23"), (2, "12345", "1.25"), (3, "100", "1.234")],
    )
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    report = arrowmig.migrate(source, pg_url, config=config)
    assert report.rejected == 2, [t.error for t in report.tables]
    assert pg_rows(pg_url, "n", "id") == [(1, Decimal("12300"), Decimal("1.23"))]
    refused = (rejects / "n.jsonl").read_text()
    assert "value 12345 would be stored as 12300" in refused
    assert "value 1.234 would be stored as 1.23" in refused
    # Each names its column, and does not advise the --on-error reject the run has.
    problems = [json.loads(line)["problems"] for line in refused.splitlines()]
    assert sorted(p["column"] for (p,) in problems) == ["hundreds", "wide"]
    assert "on_error='reject'" not in refused
    pg_exec(pg_url, "DELETE FROM n")
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    error = report.tables[0].error or ""
    assert "would be stored as" in error, error
    assert "or use on_error='reject' to set such rows aside" in error  # without it, advised


def test_a_cast_to_an_odd_scale_says_how_it_rounds(pg_url: str, tmp_path: Path) -> None:
    # --cast T.C=numeric(5,-2) rounded 1234.5 to 1200 with no note, as if nothing was lost:
    # the note that names a cast's rounding did not read a negative scale.
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL, w REAL)",
        [(1, 1234.5, 0.00123), (2, -99949.0, None)],
    )
    casts = (("t", "v", "numeric(5,-2)"), ("t", "w", "numeric(3,5)"))
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(casts=casts))
    notes = report.tables[0].notes
    assert "v: cast to numeric(5,-2) by casts (each value is rounded to the nearest 100)" in notes
    assert (
        "w: cast to numeric(3,5) by casts (each value is rounded to 5 decimal places, and only "
        "values below 0.01 in magnitude fit)" in notes
    )
    assert pg_rows(pg_url, "t", "id") == [
        (1, Decimal("1200"), Decimal("0.00123")),
        (2, Decimal("-99900"), None),
    ]
    # DuckDB declares the ordinary decimal that holds the type, and rounds to its scale.
    duck = tmp_path / "t.duckdb"
    report = arrowmig.migrate(source, str(duck), config=arrowmig.MigrationConfig(casts=casts))
    assert (
        "v: cast to numeric(5,-2) by casts (DuckDB has no numeric(5,-2): declared "
        "DECIMAL(7,0), each value is rounded to a whole number)" in report.tables[0].notes
    )
    assert duckdb_rows(duck, "t", "id")[0][1] == Decimal("1235")
