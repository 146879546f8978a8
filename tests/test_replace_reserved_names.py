"""--mode replace of a PostgreSQL table keyed on a column named by a reserved word: the new
table's key is the replaced table's, and the report does not call it lost."""

from __future__ import annotations

import pytest

import arrowmig
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres


def test_a_key_on_a_reserved_word_column_is_not_named_as_lost(pg_url: str, second_pg: str) -> None:
    # Before: "primary key select_pkey of the replaced table not kept: the new table has
    # another of that name (to add it: ALTER TABLE ...)", of the very key it built.
    create = 'CREATE TABLE "select" ("from" int PRIMARY KEY, "order" text)'
    pg_exec(pg_url, create, "INSERT INTO \"select\" VALUES (1, 'a')")
    pg_exec(second_pg, create)
    report = arrowmig.migrate(pg_url, second_pg, config=arrowmig.MigrationConfig(mode="replace"))
    assert report.ok
    notes = [*report.tables[0].notes, *report.tables[0].built]
    assert not [n for n in notes if "not kept" in n], notes
