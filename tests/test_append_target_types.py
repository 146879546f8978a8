"""Appending into an existing PostgreSQL table: the plan names the target column's own type,
the refusal's --cast names a type that fits, and json goes into json and jsonb as each column
is, the second flagged (it keeps no document's text).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg
import pytest

import arrowmig
from arrowmig.append_refusal import LAST_RESORT
from arrowmig.errors import SchemaError
from arrowmig.migrate import explain
from arrowmig.plan import JSONB_NOTE
from arrowmig.python_words import in_python_words
from tests.dbutil import pg_exec, pg_rows, sqlite_table

pytestmark = pytest.mark.postgres

DOCUMENTS = [(1, '{"b":1,"a":2}'), (2, '{"a":1,"a":2}')]
"""Keys out of order, and a key twice: what jsonb does not keep."""


def test_text_bound_for_integer_and_smallint_is_pointed_at_their_own_casts(
    pg_url: str, tmp_path: Path
) -> None:
    """The hint named --cast ...=boolean for both (bigint's named bigint): '12' then failed.
    Both columns are named in one refusal."""
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE acct (id INTEGER PRIMARY KEY, n TEXT, s TEXT)",
        [(1, "12", "3"), (2, "-13", "4")],
    )
    pg_exec(pg_url, "CREATE TABLE acct (id int PRIMARY KEY, n integer, s smallint)")
    with pytest.raises(SchemaError) as refused:
        arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    assert (
        refused.value.hint
        == f"add casts={{'acct.n': 'integer', 'acct.s': 'smallint'}}; {in_python_words(LAST_RESORT)}"
    )
    casts = (("acct", "n", "integer"), ("acct", "s", "smallint"))
    config = arrowmig.MigrationConfig(mode="append", casts=casts)
    report = arrowmig.migrate(source, pg_url, config=config)
    assert report.ok, [t.error for t in report.tables]
    assert pg_rows(pg_url, "acct", "id") == [(1, 12, 3), (2, -13, 4)]


def test_json_appended_into_jsonb_is_planned_as_jsonb_and_flagged(
    pg_url: str, tmp_path: Path
) -> None:
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE prefs (id INTEGER PRIMARY KEY, data JSON)", DOCUMENTS
    )
    pg_exec(pg_url, "CREATE TABLE prefs (id int PRIMARY KEY, data jsonb)")
    config = arrowmig.MigrationConfig(mode="append", on_error="reject")
    plan = explain(source, pg_url, config=config).to_dict()
    data = plan["tables"][0]["columns"][1]
    assert (data["target_type"], data["flags"]) == ("JSONB", [JSONB_NOTE])
    report = arrowmig.migrate(source, pg_url, config=config)
    assert f"data: {JSONB_NOTE}" in report.tables[0].notes
    # The document with a key twice is set aside: jsonb would keep its last value alone.
    assert report.tables[0].rejected == 1
    with psycopg.connect(pg_url) as con:
        stored = con.execute("SELECT data::text FROM prefs ORDER BY id").fetchall()
    assert stored == [('{"a": 2, "b": 1}',)]


def test_json_appended_into_json_keeps_each_documents_text(pg_url: str, tmp_path: Path) -> None:
    """DuckDB's JSON is planned as jsonb for a table it creates: cast so on its way into an
    existing json column, each document had its keys reordered and its duplicates dropped."""
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE prefs (id INTEGER PRIMARY KEY, data JSON)")
        con.executemany("INSERT INTO prefs VALUES (?, ?)", DOCUMENTS)
    pg_exec(pg_url, "CREATE TABLE prefs (id int PRIMARY KEY, data json)")
    config = arrowmig.MigrationConfig(mode="append")
    plan = explain(source, pg_url, config=config).to_dict()
    data = plan["tables"][0]["columns"][1]
    assert (data["target_type"], data["flags"]) == ("JSON", [])
    report = arrowmig.migrate(source, pg_url, config=config)
    assert report.ok, [t.error for t in report.tables]
    with psycopg.connect(pg_url) as con:
        stored = con.execute("SELECT id, data::text FROM prefs ORDER BY id").fetchall()
    assert stored == DOCUMENTS
    assert arrowmig.verify(source, pg_url).ok


def test_the_plan_shows_an_existing_tables_own_types(pg_url: str, second_pg: str) -> None:
    """Truncating into a table pg_dump -s made: the plan showed the types it would create
    (NUMERIC for money, TEXT for a domain over citext) and what the domain would become."""
    schema = (
        "CREATE EXTENSION citext",
        "CREATE DOMAIN email AS citext CHECK (value ~ '@')",
        'CREATE TABLE t (id int PRIMARY KEY, amt money, e email, "Tag" varchar(5))',
    )
    pg_exec(pg_url, *schema, "INSERT INTO t VALUES (1, '$1.00', 'a@b', 'x')")
    pg_exec(second_pg, *schema)
    config = arrowmig.MigrationConfig(mode="truncate")
    (table,) = explain(pg_url, second_pg, config=config).to_dict()["tables"]
    assert [c["target_type"] for c in table["columns"]] == [
        "INTEGER",
        "MONEY",
        "EMAIL",
        "CHARACTER VARYING(5)",
    ]
    assert not [n for n in table["notes"] if "domain" in n]
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.ok, [t.error for t in report.tables]
