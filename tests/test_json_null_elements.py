"""A PostgreSQL jsonb[] or json[] is carried as JSON (array_to_json), where an element that is
the JSON value null and one that is SQL NULL are both null: DuckDB, SQLite and a jsonb target
could not tell them apart, and neither the report nor verify said so. The plan and the report
now count such values per column, and verify names the column as differing."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig
from arrowmig.migrate import explain
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres

ROWS = (
    "CREATE TABLE t (id int PRIMARY KEY, b jsonb[], j json[]); "
    "INSERT INTO t VALUES "
    "(1, ARRAY['null'::jsonb, NULL, '1'], ARRAY['null'::json, NULL, '1']), "
    # In a second dimension, and written with spaces (json keeps them): counted too.
    """(2, '{{1,"null"},{2,NULL}}', ARRAY[' null '::json]), """
    # SQL NULL elements only, a JSON string 'null' and a null inside a document: none.
    """(3, ARRAY[NULL, '"null"', '{"a": null}']::jsonb[], """
    """ARRAY[NULL, '"null"', '[null]']::json[]), """
    "(4, NULL, '{}')"
)


def _notes_of(notes: list[str]) -> dict[str, str]:
    return {n.split(":")[0]: n for n in notes if "JSON null element" in n}


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_json_null_elements_are_counted_by_the_report_and_verify(
    tmp_path: Path, pg_url: str, kind: str
) -> None:
    pg_exec(pg_url, ROWS)
    target = f"{kind}:///{tmp_path}/t.{kind}"
    report = migrate(pg_url, target)
    assert report.ok
    [table] = report.tables
    found = _notes_of(table.notes)
    assert found == {
        column: f"{column}: 2 values with a JSON null element carried as null, as an SQL NULL "
        "element is: JSON has one null, so the target cannot tell them apart (verify reports "
        f"them; casts={{'t.{column}': 'text'}} keeps them apart, as PostgreSQL's array text)"
        for column in ("b", "j")
    }
    checked = verify(pg_url, target)
    [result] = checked.tables
    assert not checked.ok
    assert result.differing_columns == ["b", "j"]
    assert result.message == (
        "b: 2 values in the source with a JSON null element, held in the target as null, as an "
        "SQL NULL element is: JSON has one null; j: 2 values in the source with a JSON null "
        "element, held in the target as null, as an SQL NULL element is: JSON has one null"
    )


def test_the_plan_counts_them_and_a_cast_to_text_keeps_them_apart(
    tmp_path: Path, pg_url: str
) -> None:
    pg_exec(pg_url, ROWS)
    target = f"duckdb:///{tmp_path}/t.duckdb"
    [table] = explain(pg_url, target).tables
    assert sorted(_notes_of(table.notes)) == ["b", "j"]
    as_text = MigrationConfig(casts=(("t", "b", "text"), ("t", "j", "text")))
    assert not _notes_of(explain(pg_url, target, config=as_text).tables[0].notes)
    report = migrate(pg_url, target, config=as_text)
    assert report.ok
    assert not _notes_of(report.tables[0].notes)
    assert verify(pg_url, target).ok


def test_between_postgresql_servers_undecoded_they_stay_apart_and_the_arrow_way_not(
    pg_url: str, second_pg: str
) -> None:
    # kept: jsonb[] and json[] again, binary COPY; arrow: a column cast to another type, so
    # its table is decoded.
    pg_exec(
        pg_url,
        "CREATE TABLE kept (id int PRIMARY KEY, b jsonb[], j json[]); "
        "INSERT INTO kept VALUES (1, ARRAY['null'::jsonb, NULL], ARRAY['null'::json])",
        "CREATE TABLE arrow (id int PRIMARY KEY, b jsonb[], j json[], n int); "
        "INSERT INTO arrow VALUES (1, ARRAY['null'::jsonb, NULL], ARRAY['null'::json], 1)",
    )
    report = migrate(pg_url, second_pg, config=MigrationConfig(casts=(("arrow", "n", "bigint"),)))
    assert report.ok
    notes = {t.name: _notes_of(t.notes) for t in report.tables}
    assert notes == {"kept": {}, "arrow": {"b": notes["arrow"]["b"], "j": notes["arrow"]["j"]}}
    checked = verify(pg_url, second_pg, level="diff")
    results = {t.name: t for t in checked.tables}
    assert results["kept"].result == "match"
    # Compared as the arrays' text, where '{"null",NULL}' is not '{NULL,NULL}': the rows are
    # listed.
    assert results["arrow"].differing_columns == ["b", "j"]
    [diff] = results["arrow"].diffs
    assert diff.source and diff.target
    assert (diff.source["b"], diff.target["b"]) == ('{"null",NULL}', "{NULL,NULL}")
    assert (diff.source["j"], diff.target["j"]) == ('{"null"}', "{NULL}")
