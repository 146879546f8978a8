"""JSON text that repeats a key in one object cannot become jsonb exactly (jsonb keeps the
last value, SQLite's json_extract reads the first): by whatever route it is bound for jsonb,
the row is refused or set aside, the plan says so, and verify tells such a document from the
jsonb it would have become.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import arrowmig
from arrowmig.migrate import explain
from arrowmig.plan import REPEATED_KEYS_REFUSED
from tests.dbutil import pg_exec, pg_rows, sqlite_table

pytestmark = pytest.mark.postgres

TWICE = '{"name":"x","contact":{"phone":"555-1234","phone":"555-9999"}}'
DOCUMENTS = [(1, '{"b":1,"a":2}'), (2, TWICE), (3, None)]


def _crm(tmp_path: Path) -> str:
    return sqlite_table(
        tmp_path / "s.db", "CREATE TABLE crm (id INTEGER PRIMARY KEY, doc JSON)", DOCUMENTS
    )


def test_cast_to_jsonb_refuses_a_repeated_key_and_names_it(pg_url: str, tmp_path: Path) -> None:
    source = _crm(tmp_path)
    config = arrowmig.MigrationConfig(casts=(("crm", "doc", "jsonb"),))
    flags = explain(source, pg_url, config=config).to_dict()["tables"][0]["columns"][1]["flags"]
    assert any(REPEATED_KEYS_REFUSED in f for f in flags), flags
    report = arrowmig.migrate(source, pg_url, config=config)
    error = report.tables[0].error or ""
    assert not report.ok
    assert "id 2" in error and "repeats the key 'phone'" in error, error


def test_rejected_row_is_set_aside_and_the_rest_arrive(pg_url: str, tmp_path: Path) -> None:
    source = _crm(tmp_path)
    config = arrowmig.MigrationConfig(
        casts=(("crm", "doc", "jsonb"),), on_error="reject", reject_dir=str(tmp_path / "rejects")
    )
    report = arrowmig.migrate(source, pg_url, config=config)
    assert report.tables[0].rejected == 1
    assert pg_rows(pg_url, "crm", "id") == [(1, {"a": 2, "b": 1}), (3, None)]


def test_appended_into_an_existing_jsonb_column(pg_url: str, tmp_path: Path) -> None:
    source = _crm(tmp_path)
    pg_exec(pg_url, "CREATE TABLE crm (id int PRIMARY KEY, doc jsonb)")
    report = arrowmig.migrate(source, pg_url, config=arrowmig.MigrationConfig(mode="append"))
    assert "repeats the key 'phone'" in (report.tables[0].error or "")
    assert pg_rows(pg_url, "crm", "id") == []


def test_postgresql_json_cast_to_jsonb(pg_url: str, second_pg: str, tmp_path: Path) -> None:
    pg_exec(pg_url, "CREATE TABLE crm (id int PRIMARY KEY, doc json)")
    pg_exec(pg_url, "INSERT INTO crm VALUES (1, %s), (2, %s)", params=[TWICE, '{"a":1}'])
    config = arrowmig.MigrationConfig(
        casts=(("crm", "doc", "jsonb"),), on_error="reject", reject_dir=str(tmp_path / "rejects")
    )
    report = arrowmig.migrate(pg_url, second_pg, config=config)
    assert report.tables[0].rejected == 1
    assert pg_rows(second_pg, "crm", "id") == [(2, {"a": 1})]


def test_duckdb_json_cast_to_jsonb(pg_url: str, tmp_path: Path) -> None:
    source = str(tmp_path / "s.duckdb")
    with duckdb.connect(source) as con:
        con.execute("CREATE TABLE crm (id INTEGER PRIMARY KEY, doc JSON)")
        con.executemany("INSERT INTO crm VALUES (?, ?)", DOCUMENTS)
    config = arrowmig.MigrationConfig(
        casts=(("crm", "doc", "jsonb"),), on_error="reject", reject_dir=str(tmp_path / "rejects")
    )
    report = arrowmig.migrate(source, pg_url, config=config)
    assert report.tables[0].rejected == 1


def test_verify_tells_a_repeated_key_from_the_jsonb_it_became(pg_url: str, tmp_path: Path) -> None:
    source = sqlite_table(
        tmp_path / "s.db",
        "CREATE TABLE crm (id INTEGER PRIMARY KEY, doc JSON)",
        [(1, '{"b":1,"a":2}'), (2, '{"phone":"555-1234","phone":"555-9999"}')],
    )
    pg_exec(
        pg_url,
        "CREATE TABLE crm (id int PRIMARY KEY, doc jsonb)",
        """INSERT INTO crm VALUES (1, '{"a":2,"b":1}'), (2, '{"phone":"555-1234","phone":"555-9999"}')""",
    )
    result = arrowmig.verify(source, pg_url)
    assert not result.ok
    assert [d.key for t in result.tables for d in t.diffs] == [{"id": 2}]
