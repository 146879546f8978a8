"""The reason a reject file gives for a row the target refused, and the one-line error of
``--on-error fail``: the target's own words, without what its driver was doing (SQLite's ADBC
driver's ``failed to execute:``, DuckDB's ``Constraint Error:``), with the column where the
target names it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arrowmig import migrate
from arrowmig.config import MigrationConfig
from arrowmig.errors import ArrowmigError
from tests.dbutil import create_in, pg_exec, rows_of, target_of
from tests.test_schema_fidelity import make_sqlite

_CHECKED = "CREATE TABLE c (id integer PRIMARY KEY, v integer CHECK (v > 0))"
_NOT_NULL = "CREATE TABLE nn (id integer PRIMARY KEY, v text NOT NULL)"


def _source(folder: Path) -> str:
    return make_sqlite(
        folder / "s.db",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, v INTEGER);"
        "INSERT INTO c VALUES (1, 5), (2, -1);"
        "CREATE TABLE nn (id INTEGER PRIMARY KEY, v TEXT);"
        "INSERT INTO nn VALUES (1, 'x'), (2, NULL);",
    )


def _problems(folder: Path, table: str) -> list[dict[str, Any]]:
    (line,) = (folder / f"{table}.jsonl").read_text().splitlines()
    problems: list[dict[str, Any]] = json.loads(line)["problems"]
    return problems


@pytest.mark.parametrize(
    ("kind", "check_said", "null_said"),
    [
        ("sqlite", "CHECK constraint failed: v > 0", "NOT NULL constraint failed: nn.v"),
        (
            "duckdb",
            'CHECK constraint failed on table "c" with expression CHECK((v > 0))',
            "NOT NULL constraint failed: nn.v",
        ),
        (
            "postgres",
            'new row for relation "c" violates check constraint "c_v_check" '
            "(Failing row contains (2, -1).)",
            'null value in column "v" of relation "nn" violates not-null constraint '
            "(Failing row contains (2, null).)",
        ),
    ],
)
def test_a_refused_rows_reason_is_the_targets_own_words(
    tmp_path: Path, request: pytest.FixtureRequest, kind: str, check_said: str, null_said: str
) -> None:
    target = target_of(kind, tmp_path, request)
    create_in(kind, target, _CHECKED)
    create_in(kind, target, _NOT_NULL)
    rejects = tmp_path / "rejects"
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    report = migrate(_source(tmp_path), target, config=config)
    assert [(t.name, t.status, t.rows, t.rejected) for t in report.tables] == [
        ("c", "done", 1, 1),
        ("nn", "done", 1, 1),
    ]
    assert _problems(rejects, "c") == [{"column": "*", "reason": check_said}]
    assert _problems(rejects, "nn") == [{"column": "v", "reason": null_said}]


def test_a_refused_rows_one_line_error_is_duckdbs_own_words(tmp_path: Path) -> None:
    target = str(tmp_path / "t.duckdb")
    create_in("duckdb", target, _CHECKED)
    config = MigrationConfig(mode="append", tables=("c",))
    (table,) = migrate(_source(tmp_path), target, config=config).tables
    assert table.status == "failed"
    assert str(table.error).startswith(
        "table 'c', id 2: CHECK constraint failed on table \"c\" with expression "
        "CHECK((v > 0)); fix the value in the source"
    )


@pytest.mark.postgres
def test_rows_another_postgresql_refuses_are_set_aside_not_the_table_failed(
    tmp_path: Path, pg_url: str, second_pg: str
) -> None:
    """Between two PostgreSQL servers the rows pass undecoded, copied by the server whole:
    a row the target's CHECK refused failed the table, --on-error reject or not, and the
    error said to use --on-error reject."""
    pg_exec(pg_url, "CREATE TABLE c (id integer PRIMARY KEY, v integer)")
    pg_exec(pg_url, "INSERT INTO c VALUES (1, 5), (2, -1), (3, 7)")
    pg_exec(second_pg, _CHECKED)
    rejects = tmp_path / "rejects"
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    (table,) = migrate(pg_url, second_pg, config=config).tables
    assert (table.status, table.rows, table.rejected) == ("done", 2, 1)
    assert rows_of(second_pg, "c", "id") == [(1, 5), (3, 7)]
    assert _problems(rejects, "c") == [
        {
            "column": "*",
            "reason": 'new row for relation "c" violates check constraint "c_v_check" '
            "(Failing row contains (2, -1).)",
        }
    ]


def test_a_null_refused_is_said_as_null_not_pythons_none(tmp_path: Path) -> None:
    # "(id 2: None)": Python's word for the value, which no database prints.
    target = str(tmp_path / "t.duckdb")
    create_in("duckdb", target, _NOT_NULL)
    config = MigrationConfig(mode="append", tables=("nn",))
    with pytest.raises(ArrowmigError) as refused:
        migrate(_source(tmp_path), target, config=config)
    assert "(id 2: NULL)" in str(refused.value) and "None" not in str(refused.value)
