"""Text appended into an existing PostgreSQL array column goes in as a JSON array (``'[1,2]'``
into ``integer[]``), read on the server. A text that is no JSON array (``'{3}'``, an array
literal) failed the batch with the server's ``invalid input syntax for type json``, naming no
row and, set aside, the column ``*``: it is now a bad value of its row, named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arrowmig import migrate
from arrowmig.config import MigrationConfig
from arrowmig.errors import SchemaError
from tests.dbutil import pg_exec, pg_rows, sqlite_table

pytestmark = pytest.mark.postgres

REASON = (
    "text that is no JSON array, as text goes into an existing array column ('[1,2]' into "
    "integer[], not '{1,2}')"
)


def test_a_text_that_is_no_json_array_is_named_by_its_row(tmp_path: Path, pg_url: str) -> None:
    rows = [(1, "[1, 2]"), (2, "{3}"), (3, "5"), (4, None), (5, "[[1],[2]]")]
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE u (id INTEGER PRIMARY KEY, a TEXT)", rows
    )
    pg_exec(pg_url, "CREATE TABLE u (id integer PRIMARY KEY, a integer[])")
    report = migrate(source, pg_url, config=MigrationConfig(mode="append"))
    [table] = report.failed
    assert f"table 'u', column 'a', id 2: {REASON}: '{{3}}'" in str(table.error)
    rejects = tmp_path / "rejects"
    config = MigrationConfig(mode="append", on_error="reject", reject_dir=str(rejects))
    assert migrate(source, pg_url, config=config).rejected == 2
    assert pg_rows(pg_url, "u", "id") == [(1, [1, 2]), (4, None), (5, [[1], [2]])]
    set_aside = [json.loads(line) for line in (rejects / "u.jsonl").read_text().splitlines()]
    assert [(r["key"]["id"], r["problems"]) for r in set_aside] == [
        (row, [{"column": "a", "reason": REASON}]) for row in (2, 3)
    ]


def test_truncate_refuses_it_before_emptying_the_table(tmp_path: Path, pg_url: str) -> None:
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE u (id INTEGER PRIMARY KEY, a TEXT)", [(1, "{3}")]
    )
    pg_exec(pg_url, "CREATE TABLE u (id integer PRIMARY KEY, a integer[])")
    pg_exec(pg_url, "INSERT INTO u VALUES (9, '{7}')")
    with pytest.raises(SchemaError, match=r"id 1: text that is no JSON array.* nothing has been"):
        migrate(source, pg_url, config=MigrationConfig(mode="truncate"))
    assert pg_rows(pg_url, "u") == [(9, [7])]


def test_a_cast_to_the_array_type_has_the_server_read_its_own_array_text(
    tmp_path: Path, pg_url: str
) -> None:
    # The way out the refusal names: '{1,2}' read by the server as integer[], as into a column
    # arrowmig creates with that cast. Before, every row failed with the server's JSON error.
    rows = [(1, "{1,2}"), (2, "{{3},{4}}"), (3, None), (4, "{}")]
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE u (id INTEGER PRIMARY KEY, a TEXT)", rows
    )
    pg_exec(pg_url, "CREATE TABLE u (id integer PRIMARY KEY, a integer[])")
    with pytest.raises(
        SchemaError, match=r"casts=\{'u\.a': 'integer\[\]'\} to have the server read"
    ):
        migrate(source, pg_url, config=MigrationConfig(mode="truncate"))
    config = MigrationConfig(mode="append", casts={"u.a": "integer[]"})
    assert migrate(source, pg_url, config=config).ok
    assert pg_rows(pg_url, "u", "id") == [(1, [1, 2]), (2, [[3], [4]]), (3, None), (4, [])]


def test_a_cast_to_text_still_names_the_row_and_column(tmp_path: Path, pg_url: str) -> None:
    # A text cast leaves text as it was, bound for the array as JSON all the same: the row and
    # its column are named, where the server's JSON error named column '*' for every row.
    source = sqlite_table(
        tmp_path / "s.db", "CREATE TABLE u (id INTEGER PRIMARY KEY, a TEXT)", [(1, "{1}")]
    )
    pg_exec(pg_url, "CREATE TABLE u (id integer PRIMARY KEY, a integer[])")
    rejects = tmp_path / "rejects"
    config = MigrationConfig(
        mode="append", on_error="reject", reject_dir=str(rejects), casts={"u.a": "text"}
    )
    assert migrate(source, pg_url, config=config).rejected == 1
    [record] = [json.loads(line) for line in (rejects / "u.jsonl").read_text().splitlines()]
    assert record["problems"] == [{"column": "a", "reason": REASON}]
