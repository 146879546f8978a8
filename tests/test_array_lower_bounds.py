"""A PostgreSQL array whose lower bound is not 1 (``'[0:1]={5,6}'``) is carried as JSON
(array_to_json), which has no bounds: it arrives starting at 1. The run said nothing and
verify called the copy a match; the plan and the report now count such values per column,
with an example, and verify names the column as differing."""

from __future__ import annotations

from pathlib import Path

import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig
from arrowmig.migrate import explain
from arrowmig.python_words import in_python_words
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres

ROWS = (
    "CREATE TABLE t (id int PRIMARY KEY, a int[], n int); "
    "INSERT INTO t VALUES (1, '[0:1]={5,6}', 1), "
    # Counted in any dimension; not: an empty array, NULL, arrays that start at 1.
    "(2, '[1:2][0:0]={{7},{8}}', 2), (3, '{}', 3), (4, NULL, 4), (5, '{{1,2},{3,4}}', 5)"
)

NOTE = (
    "a: 2 values with a lower bound other than 1 (as '[0:1]={5,6}') arrived starting at 1, "
    "their elements kept: a JSON array has no bounds (verify reports them; --cast t.a=text "
    "keeps them, as PostgreSQL's array text)"
)
LOST = (
    "a: 2 values in the source with a lower bound other than 1, held in the target starting "
    "at 1: a JSON array has no bounds"
)


def _bound_notes(notes: list[str]) -> list[str]:
    return [n for n in notes if "lower bound" in n]


@pytest.mark.parametrize("kind", ["duckdb", "sqlite"])
def test_arrays_not_starting_at_1_are_counted_by_plan_report_and_verify(
    tmp_path: Path, pg_url: str, kind: str
) -> None:
    pg_exec(pg_url, ROWS)
    target = f"{kind}:///{tmp_path}/t.{kind}"
    assert _bound_notes(explain(pg_url, target).tables[0].notes) == [NOTE]
    report = migrate(pg_url, target)
    assert report.ok
    assert _bound_notes(report.tables[0].notes) == [in_python_words(NOTE)]
    checked = verify(pg_url, target)
    [result] = checked.tables
    assert not checked.ok
    assert result.differing_columns == ["a"]
    assert result.message == LOST


def test_a_cast_to_text_keeps_the_bounds(tmp_path: Path, pg_url: str) -> None:
    pg_exec(pg_url, ROWS)
    target = f"duckdb:///{tmp_path}/t.duckdb"
    as_text = MigrationConfig(casts=(("t", "a", "text"),))
    report = migrate(pg_url, target, config=as_text)
    assert report.ok and not _bound_notes(report.tables[0].notes)
    assert verify(pg_url, target).ok


def test_between_postgresql_servers_undecoded_they_keep_their_bounds_and_the_arrow_way_not(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(
        pg_url,
        ROWS,
        "CREATE TABLE kept AS SELECT id, a FROM t",
        "ALTER TABLE kept ADD PRIMARY KEY (id)",
    )
    # t: a column cast to another type, so its table is decoded, the arrays read as JSON.
    report = migrate(pg_url, second_pg, config=MigrationConfig(casts=(("t", "n", "bigint"),)))
    assert report.ok
    notes = {t.name: _bound_notes(t.notes) for t in report.tables}
    assert notes == {"kept": [], "t": [in_python_words(NOTE)]}
    checked = verify(pg_url, second_pg)
    results = {t.name: t for t in checked.tables}
    assert results["kept"].result == "match"
    assert results["t"].differing_columns == ["a"]
    # Compared as the arrays' text there ('[0:1]={5,6}' is not '{5,6}'): the rows are found.
    assert results["t"].differing_keys == 2
