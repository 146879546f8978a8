"""Declared sizes PostgreSQL cannot create, which SQLite takes and never holds its values to
(``VARCHAR(20000000)`` as ORMs write it, ``VARCHAR(0)``, ``DECIMAL(1001,2)``): into PostgreSQL
each such column is the nearest type that holds every value (text, unbounded numeric), and
the plan says so. They refused the whole run, every table, blaming a --cast no one gave.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import arrowmig
from arrowmig.cli import main
from tests.dbutil import duckdb_rows, pg_columns, pg_rows, sqlite_rows

LONG = "long " * 5000

TABLES: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    "notes": (
        "id INTEGER PRIMARY KEY, body VARCHAR(20000000), code NVARCHAR(10485761), "
        "wide NATIONAL VARYING CHARACTER(99999999)",
        [(1, "a", "x" * 50, "w"), (2, LONG, None, "")],
    ),
    # Texts that each fit the declared length 0: the profile keeps it, as it would VARCHAR(2).
    "blank": ("id INTEGER PRIMARY KEY, v VARCHAR(0), w CHARACTER VARYING(0)", [(1, "", "")]),
    # Each real the double nearest a decimal of two places: DECIMAL(1001,2) as declared.
    "prices": ("id INTEGER PRIMARY KEY, p DECIMAL(1001,2)", [(1, 12.5), (2, 3), (3, 0.99)]),
    # An app's fresh schema: the declarations alone decide.
    "fresh": (
        "id INTEGER PRIMARY KEY, body VARCHAR(20000000), v VARCHAR(0), p DECIMAL(1001,2), "
        "q DECIMAL(1001)",
        [],
    ),
    "other": (
        "id INTEGER PRIMARY KEY, v TEXT, edge VARCHAR(10485760), d DECIMAL(1000,2)",
        [(1, "x", "y", 1.25)],
    ),
}


def _source(folder: Path) -> str:
    path = folder / "s.db"
    con = sqlite3.connect(path)
    for name, (columns, rows) in TABLES.items():
        con.execute(f"CREATE TABLE {name} ({columns})")
        for row in rows:
            con.execute(f"INSERT INTO {name} VALUES ({', '.join('?' * len(row))})", row)
    con.commit()
    con.close()
    return str(path)


def _flags(plan: dict[str, Any]) -> dict[tuple[str, str], tuple[str, list[str]]]:
    return {
        (t["name"], c["name"]): (c["target_type"], c["flags"])
        for t in plan["tables"]
        for c in t["columns"]
    }


@pytest.mark.postgres
def test_sizes_postgresql_cannot_create_land_as_the_type_without_the_size(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(tmp_path)
    assert main(["plan", source, pg_url, "--json"]) == 0
    planned = _flags(json.loads(capsys.readouterr().out))
    for column in (
        ("notes", "body"),
        ("notes", "code"),
        ("notes", "wide"),
        ("blank", "v"),
        ("blank", "w"),
        ("fresh", "body"),
        ("fresh", "v"),
    ):
        target_type, flags = planned[column]
        assert target_type == "TEXT", column
        assert any("a length PostgreSQL cannot create" in f for f in flags), flags
    for column in (("prices", "p"), ("fresh", "p"), ("fresh", "q")):
        target_type, flags = planned[column]
        assert target_type == "NUMERIC", column
        assert any("unbounded numeric, which holds every value exactly" in f for f in flags)
    # Sizes PostgreSQL creates stay as declared, with no word.
    assert planned["other", "edge"] == ("VARCHAR(10485760)", [])
    assert planned["other", "d"] == ("NUMERIC(1000,2)", [])
    flags_said = json.dumps(list(planned.values()))
    assert "VARCHAR(20000000)" in flags_said and "--cast" not in flags_said

    report = arrowmig.migrate(source, pg_url)
    assert report.ok, [t.error for t in report.tables]
    assert arrowmig.verify(source, pg_url).ok
    assert [c[1] for c in pg_columns(pg_url, "notes")] == ["bigint", "text", "text", "text"]
    assert [c[1] for c in pg_columns(pg_url, "fresh")] == [
        "bigint",
        "text",
        "text",
        "numeric",
        "numeric",
    ]
    assert pg_rows(pg_url, "notes", "id") == [(1, "a", "x" * 50, "w"), (2, LONG, None, "")]
    assert pg_rows(pg_url, "blank", "id") == [(1, "", "")]
    assert pg_rows(pg_url, "prices", "id") == [
        (1, Decimal("12.5")),
        (2, Decimal("3")),
        (3, Decimal("0.99")),
    ]
    assert pg_rows(pg_url, "other", "id") == [(1, "x", "y", Decimal("1.25"))]


@pytest.mark.postgres
def test_a_cast_to_a_size_postgresql_cannot_create_is_refused_as_the_cast_given(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(tmp_path)
    assert main(["plan", source, pg_url, "--cast", "notes.body=varchar(20000000)"]) == 2
    said = capsys.readouterr().err
    assert "--cast 'notes.body=varchar(20000000)': length for type varchar cannot exceed" in said


@pytest.mark.postgres
def test_the_cast_a_wide_decimal_note_suggests_is_one_postgresql_creates(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reals no DECIMAL(1001,2) holds exactly are kept as doubles, and the note's --cast that
    rounds them names the nearest numeric PostgreSQL has, not numeric(1001,2)."""
    path = tmp_path / "r.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE r (id INTEGER PRIMARY KEY, d DECIMAL(1001,2))")
    con.executemany("INSERT INTO r VALUES (?, ?)", [(1, 1.255), (2, 2.5)])
    con.commit()
    con.close()
    assert main(["plan", str(path), pg_url, "--json"]) == 0
    target_type, flags = _flags(json.loads(capsys.readouterr().out))["r", "d"]
    assert target_type == "DOUBLE PRECISION"
    assert any("--cast 'r.d=numeric(1000,2)' rounds" in f for f in flags), flags
    config = arrowmig.MigrationConfig(casts=(("r", "d", "numeric(1000,2)"),))
    report = arrowmig.migrate(str(path), pg_url, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert pg_rows(pg_url, "r", "id") == [(1, Decimal("1.26")), (2, Decimal("2.50"))]


def test_duckdb_and_sqlite_targets_take_the_same_declarations(tmp_path: Path) -> None:
    """DuckDB ignores a VARCHAR's length and holds numbers past 38 digits as text; a SQLite
    target declares each column as the source did."""
    source = _source(tmp_path)
    duck, lite = str(tmp_path / "t.duckdb"), str(tmp_path / "t.db")
    for target in (duck, lite):
        report = arrowmig.migrate(source, target)
        assert report.ok, [t.error for t in report.tables]
        assert arrowmig.verify(source, target).ok
    assert duckdb_rows(duck, "notes", "id") == [(1, "a", "x" * 50, "w"), (2, LONG, None, "")]
    assert duckdb_rows(duck, "prices", "id") == [(1, "12.5"), (2, "3"), (3, "0.99")]
    assert sqlite_rows(lite, "prices", "id") == [(1, 12.5), (2, 3), (3, 0.99)]
    con = sqlite3.connect(lite)
    declared = " ".join(r[2] for r in con.execute("PRAGMA table_info(fresh)"))
    con.close()
    assert declared == "INTEGER VARCHAR(20000000) VARCHAR(0) DECIMAL(1001,2) DECIMAL(1001)"
