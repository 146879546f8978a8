"""Appending into PostgreSQL columns of an extension's type (hstore, ltree, isbn13, ...) or a
composite type, as a schema restored by ``pg_dump -s`` has them: each value travels as its text,
which the target server reads back as the column's type, as it reads a tsrange's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import arrowmig
from tests.dbutil import pg_exec, pg_rows

TYPES = (
    "CREATE EXTENSION IF NOT EXISTS hstore",
    "CREATE EXTENSION IF NOT EXISTS ltree",
    "CREATE EXTENSION IF NOT EXISTS isn",
    "CREATE TYPE addr AS (street text, zip int)",
)
TABLE = "CREATE TABLE t (id int PRIMARY KEY, h hstore, l ltree, i isbn13, a addr)"


@pytest.mark.postgres
@pytest.mark.parametrize("mode", ["append", "truncate"])
def test_extension_and_composite_columns_load_into_the_same_types(
    pg_url: str, second_pg: str, mode: str
) -> None:
    # Before, the plan refused the whole run, one column at a time ("column "h" is of type
    # hstore but expression is of type text"), and isbn13 had no --cast that took it.
    inserted = (
        "INSERT INTO t VALUES (1, 'a=>1, \"b c\"=>NULL', 'top.sci', '978-0-306-40615-7', "
        "ROW('Main St', 12345)), (2, '', 'a', '9780306406157', ROW(NULL, NULL)), "
        "(3, NULL, NULL, NULL, NULL)"
    )
    pg_exec(pg_url, *TYPES, TABLE, inserted)
    pg_exec(second_pg, *TYPES, TABLE)
    config = arrowmig.MigrationConfig(mode=mode)
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.ok, report.tables[0].error
    assert pg_rows(second_pg, "t", "id") == pg_rows(pg_url, "t", "id")
    assert arrowmig.verify(pg_url, second_pg).ok


def _hstore_target(pg_url: str, second_pg: str) -> None:
    pg_exec(
        pg_url,
        "CREATE TABLE t (id int PRIMARY KEY, h text)",
        "INSERT INTO t VALUES (1, 'a=>1'), (2, 'a=>'), (3, NULL)",
    )
    pg_exec(second_pg, "CREATE EXTENSION IF NOT EXISTS hstore", "CREATE TABLE t (id int, h hstore)")


@pytest.mark.postgres
def test_text_the_server_cannot_read_as_hstore_fails_naming_the_column_and_row(
    pg_url: str, second_pg: str
) -> None:
    # hstore's refusal names nothing (and has no data-exception SQLSTATE): before, the table
    # failed with "writing 't': Unexpected end of string" alone.
    _hstore_target(pg_url, second_pg)
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="append"))
    assert report.tables[0].error == (
        "table 't', column 'h', id 2: Unexpected end of string: 'a=>'; fix the value in the "
        "source (or the target column's type or constraint), or set such rows aside with "
        "on_error='reject'"
    )
    # The rows before it are written, as a value arrowmig's own checks refuse leaves them.
    assert pg_rows(second_pg, "t") == [(1, '"a"=>"1"')]


@pytest.mark.postgres
def test_text_the_server_cannot_read_as_hstore_is_set_aside_by_reject(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    _hstore_target(pg_url, second_pg)
    config = arrowmig.MigrationConfig(
        mode="append", on_error="reject", reject_dir=str(tmp_path / "rj")
    )
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.rejected == 1
    assert pg_rows(second_pg, "t", "id") == [(1, '"a"=>"1"'), (3, None)]
    [line] = (tmp_path / "rj" / "t.jsonl").read_text().splitlines()
    rejected = json.loads(line)
    assert rejected["key"] == {"id": 2}
    assert [p["column"] for p in rejected["problems"]] == ["h"]
