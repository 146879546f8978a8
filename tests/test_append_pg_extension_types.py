"""Appending into PostgreSQL columns of an extension's type (hstore, ltree, isbn13, ...) or a
composite type, as a schema restored by ``pg_dump -s`` has them: each value travels as its text,
which the target server reads back as the column's type, as it reads a tsrange's.
"""

from __future__ import annotations

import psycopg
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


@pytest.mark.postgres
def test_text_the_server_cannot_read_as_hstore_fails_with_nothing_written(
    pg_url: str, second_pg: str
) -> None:
    # Text from a text column goes into the hstore column as the server reads it: a value it
    # cannot read fails the table, nothing written.
    pg_exec(
        pg_url, "CREATE TABLE t (id int PRIMARY KEY, h text)", "INSERT INTO t VALUES (1, 'a=>')"
    )
    pg_exec(second_pg, "CREATE EXTENSION IF NOT EXISTS hstore", "CREATE TABLE t (id int, h hstore)")
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="append"))
    assert not report.ok
    with psycopg.connect(second_pg) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
