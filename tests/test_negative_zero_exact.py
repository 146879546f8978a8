"""A double's -0.0 into a column without a negative zero (PostgreSQL numeric and integers,
DuckDB DECIMAL and integers) arrived as 0 with no word, exit 0, and verify called the copy a
match. Appended into an existing such column it is now a bad value of its row, as 1.5 into an
integer is; a ``--cast`` to such a type stores it as 0 and the report counts it; verify tells
-0.0 from 0 and names the cause.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import arrowmig
from tests.dbutil import create_in, duckdb_exec, rows_of, target_of

EXACT = {
    "postgresql": "n numeric, i integer, d numeric(10,2), e bigint",
    "duckdb": "n DECIMAL(18,3), i INTEGER, d DECIMAL(10,2), e HUGEINT",
}


def _source(folder: Path, columns: str = "nide") -> str:
    """Rows 1 (-0.0), 2 (2.0) and 3 (0.0) of a double in each of ``columns``."""
    doubles = ", ".join(f"{c} DOUBLE" for c in columns)
    rows = [["'-0.0'::DOUBLE"] * len(columns), ["2"] * len(columns), ["0"] * len(columns)]
    values = ", ".join(
        f"({i}, {', '.join(row[: len(columns)])})" for i, row in enumerate(rows, start=1)
    )
    return duckdb_exec(
        folder / "s.duckdb",
        f"CREATE TABLE t (id INTEGER PRIMARY KEY, {doubles}); INSERT INTO t VALUES {values}",
    )


def _existing_table(kind: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """The target, holding an empty table ``t`` of exact-number columns."""
    target = target_of(kind, folder, request)
    create_in(kind, target, f"CREATE TABLE t (id integer PRIMARY KEY, {EXACT[kind]})")
    return target


@pytest.mark.parametrize("kind", ["postgresql", "duckdb"])
def test_negative_zero_into_existing_exact_column_is_a_bad_value(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    source, target = _source(tmp_path), _existing_table(kind, tmp_path, request)
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(source, target, config=arrowmig.MigrationConfig(mode="append"))
    error = str(refused.value)
    assert "id 1: the target column's" in error, error
    assert "has no negative zero and would store it as 0: -0.0" in error, error
    assert rows_of(target, "t") == []
    rejects = tmp_path / "rejects"
    config = arrowmig.MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    arrowmig.migrate(source, target, config=config)
    assert [r[0] for r in rows_of(target, "t", "id")] == [2, 3]  # a plain 0 goes in
    (line,) = [json.loads(x) for x in (rejects / "t.jsonl").read_text().splitlines()]
    assert line["key"] == {"id": 1}


@pytest.mark.parametrize("column", ["n", "i", "d", "e"])
def test_each_exact_column_refuses_negative_zero(
    column: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    source, target = _source(tmp_path, column), target_of("postgresql", tmp_path, request)
    declared = dict(c.split(" ", 1) for c in EXACT["postgresql"].split(", "))[column]
    create_in("postgresql", target, f"CREATE TABLE t (id integer PRIMARY KEY, {column} {declared})")
    with pytest.raises(arrowmig.SchemaError) as refused:
        arrowmig.migrate(source, target, config=arrowmig.MigrationConfig(mode="append"))
    error = str(refused.value)
    assert f"column '{column}', id 1: the target column's {declared} has no negative" in error


@pytest.mark.parametrize("kind", ["postgresql", "duckdb"])
def test_cast_to_exact_type_notes_negative_zeros_and_verify_names_them(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    source, target = _source(tmp_path), target_of(kind, tmp_path, request)
    casts = {"t.i": "integer", "t.d": "numeric(10,2)"}
    report = arrowmig.migrate(source, target, config=arrowmig.MigrationConfig(casts=casts))
    assert report.ok
    database = "PostgreSQL" if kind == "postgresql" else "DuckDB"
    keeps = "double precision" if kind == "postgresql" else "DOUBLE"
    assert (
        f"i: 1 value of -0.0 stored as 0 by casts={{'t.i': 'integer'}}: {database}'s integer has no "
        f"negative zero (verify reports them; without the casts the column is {keeps}, "
        "which keeps them)"
    ) in report.tables[0].notes
    checked = arrowmig.verify(source, target)
    assert not checked.ok
    (table,) = checked.tables
    assert table.differing_columns == ["i", "d"]
    assert "i: 1 value of -0.0 in the source is 0 in the target: its " in table.message


@pytest.mark.parametrize("kind", ["postgresql", "duckdb"])
def test_verify_tells_negative_zero_from_an_exact_zero(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A copy another tool made, -0.0 stored as 0: no longer a match. A plain 0 still is."""
    source, target = _source(tmp_path), _existing_table(kind, tmp_path, request)
    insert = "INSERT INTO t VALUES (1, 0, 0, 0, 0), (2, 2, 2, 2, 2), (3, 0, 0, 0, 0)"
    create_in(kind, target, insert)
    checked = arrowmig.verify(source, target)
    (table,) = checked.tables
    assert table.differing_columns == ["n", "i", "d", "e"]
    assert "e: 1 value of -0.0 in the source is 0 in the target: its " in table.message
