"""Verify between two DuckDB files called a LIST of DOUBLE [1.0] and the LIST of INTEGER [1]
it was appended into different, comparing their JSON texts ('[1.0]', '[1]'), though a DOUBLE
1.0 and an INTEGER 1 match as scalars. Nested values of two types are now compared as JSON
values, each number by its value: [1.0] = [1], while [1.5] ≠ [1] and [-0.0] ≠ [0].
"""

from __future__ import annotations

from pathlib import Path

import arrowmig
from tests.dbutil import duckdb_exec


def _pair(folder: Path, source_rows: str, target_rows: str) -> tuple[str, str]:
    """A source of doubles in a LIST and a STRUCT, and a target of integers, holding those
    rows (``VALUES`` lists)."""
    source = duckdb_exec(
        folder / "s.duckdb",
        "CREATE TABLE l (id INTEGER PRIMARY KEY, a DOUBLE[], s STRUCT(x DOUBLE));"
        f"INSERT INTO l VALUES {source_rows}",
    )
    target = duckdb_exec(
        folder / "t.duckdb",
        "CREATE TABLE l (id INTEGER PRIMARY KEY, a INTEGER[], s STRUCT(x INTEGER));"
        f"INSERT INTO l VALUES {target_rows}",
    )
    return source, target


def test_a_list_of_doubles_appended_into_integers_matches(tmp_path: Path) -> None:
    source = duckdb_exec(
        tmp_path / "s.duckdb",
        "CREATE TABLE l (id INTEGER PRIMARY KEY, a DOUBLE[]);"
        "INSERT INTO l VALUES (1, [1.0, 2.0]), (2, [3.0]), (3, []), (4, NULL), (5, [NULL, -4.0])",
    )
    target = duckdb_exec(
        tmp_path / "t.duckdb", "CREATE TABLE l (id INTEGER PRIMARY KEY, a INTEGER[])"
    )
    assert arrowmig.migrate(source, target, config=arrowmig.MigrationConfig(mode="append")).ok
    checked = arrowmig.verify(source, target)
    assert checked.ok, checked.tables[0].differing_columns


def test_equal_numbers_match_and_others_differ(tmp_path: Path) -> None:
    rows = "(1, [1.0, 2.0], {'x': 1.0}), (2, [0.0], {'x': 0.0})"
    source, target = _pair(tmp_path, rows, "(1, [1, 2], {'x': 1}), (2, [0], {'x': 0})")
    assert arrowmig.verify(source, target).ok
    duckdb_exec(source, "DELETE FROM l")
    duckdb_exec(
        source,
        "INSERT INTO l VALUES (1, [1.5, 2.0], {'x': 1.0}), (2, [0.0], {'x': '-0.0'::DOUBLE})",
    )
    (table,) = arrowmig.verify(source, target).tables
    assert table.differing_columns == ["a", "s"]
