"""The plan's notes, said once and right: a note many columns share is one line naming them,
views are not said to be skipped when --tables named the tables, and the casts advised for
wide integers say which values fail and name the type that holds them.
"""

from __future__ import annotations

import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.dbutil import pg_exec


def _said(*args: str) -> tuple[int, str]:
    """The exit code and what the command wrote (the plan goes to stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "arrowmig", *args], capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout + done.stderr


def _wide(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        decimals = ", ".join(f"c{i} DECIMAL(18,2)" for i in range(12))
        con.execute(f"CREATE TABLE w (id INT PRIMARY KEY, {decimals}, u UBIGINT)")
        con.execute("CREATE TABLE o (id INT PRIMARY KEY)")
        con.execute("CREATE VIEW v AS SELECT * FROM o")
    return str(path)


def test_a_note_many_columns_share_is_one_line(tmp_path: Path) -> None:
    # Each DECIMAL column had a line of its own saying the same: 64 lines for a wide table.
    code, said = _said("plan", _wide(tmp_path / "s.duckdb"), str(tmp_path / "t.db"))
    assert code == 0, said
    kept = [line for line in said.splitlines() if "exact numbers kept as TEXT" in line]
    assert len(kept) == 2, kept  # the decimals, and the UBIGINT with its own advice
    assert kept[0].startswith("  ! c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 2 more: ")
    assert "--cast w.COLUMN=double stores them as REAL" in kept[0]
    # BIGINT stops at 2^63 - 1: "past 64 bits" said nothing of 2^63 to 2^64.
    assert "--cast w.u=bigint stores them as INTEGER (a value from 2^63 up" in kept[1]


def test_a_cast_advised_for_a_table_with_a_space_runs_as_pasted_into_a_shell(
    tmp_path: Path,
) -> None:
    # The hint read --cast Order Items.price=double: pasted, the shell split it at the space
    # and the run was refused ("unexpected extra argument").
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute('CREATE TABLE "Order Items" (id INT PRIMARY KEY, price DECIMAL(10,2))')
        con.execute(
            'CREATE TABLE "Line Items" (id INT PRIMARY KEY, a DECIMAL(9,2), b DECIMAL(9,2))'
        )
        con.execute("""INSERT INTO "Order Items" VALUES (1, 9.99)""")
    target = str(tmp_path / "t.db")
    code, said = _said("plan", source, target)
    assert code == 0, said
    assert "a, b: exact numbers kept as TEXT" in said
    assert "--cast 'Line Items.COLUMN=double' stores them as REAL" in said
    (note,) = [line for line in said.splitlines() if "price: exact numbers kept as TEXT" in line]
    hint = note.rpartition("; ")[2].partition(" stores them")[0]
    assert shlex.split(hint) == ["--cast", "Order Items.price=double"]
    command = [sys.executable, "-m", "arrowmig", "migrate", source, target]
    pasted = f"{shlex.join([*command, '--tables', 'Order Items'])} {hint} --progress none"
    done = subprocess.run(pasted, shell=True, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    with sqlite3.connect(target) as lite:
        assert lite.execute('SELECT typeof(price) FROM "Order Items"').fetchall() == [("real",)]


def test_views_are_not_said_skipped_when_tables_are_named(tmp_path: Path) -> None:
    source = _wide(tmp_path / "s.duckdb")
    _, said = _said("plan", source, str(tmp_path / "t.db"))
    assert "views and virtual tables skipped (name them with --tables" in said
    _, said = _said("plan", source, str(tmp_path / "t.db"), "--tables", "o")
    assert "views and virtual tables skipped" not in said
    _, said = _said("migrate", source, str(tmp_path / "t.db"), "--tables", "o")
    assert "views and virtual tables skipped" not in said


def test_a_hugeint_back_from_postgres_is_advised_its_cast(tmp_path: Path, pg_url: str) -> None:
    # numeric(39,0), as a DuckDB HUGEINT arrives in PostgreSQL: the advice named only
    # decimal(38,s), which cannot hold its extremes, and double.
    pg_exec(pg_url, "CREATE TABLE t (id INT PRIMARY KEY, hi NUMERIC(39,0))")
    _, said = _said("plan", pg_url, str(tmp_path / "t.duckdb"))
    assert "--cast t.hi=hugeint as HUGEINT" in said


def test_a_schema_of_no_tables_suggests_the_other_once(tmp_path: Path, pg_url: str) -> None:
    # "pick the schema to read with --source-schema public, or several with --source-schema
    # public": one other schema is no choice of several.
    pg_exec(pg_url, "CREATE TABLE t (id INT PRIMARY KEY)")
    code, said = _said("plan", pg_url, str(tmp_path / "t.duckdb"), "--source-schema", "nope")
    assert code == 2
    assert "pick the schema to read with --source-schema public (or '*' for every schema)" in said
    assert "several" not in said
