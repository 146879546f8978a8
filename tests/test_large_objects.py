"""An ``oid`` column naming large objects (``lo_from_bytea``, JDBC's and Hibernate's ``@Lob``)
holds only each object's number; the bytes live in ``pg_largeobject``, which no table copy
reads. The numbers arrived exactly and the run said nothing, so the application's documents
were gone from the copy without a word. The plan and the report now count such values per
column, with the ways to carry the contents."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from arrowmig import migrate, verify
from arrowmig.migrate import explain
from arrowmig.python_words import in_python_words
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres

DOCS = (
    "CREATE DOMAIN lo AS oid; "  # as the lo extension defines it
    "CREATE TABLE docs (id int PRIMARY KEY, body oid, scan lo, n oid); "
    "INSERT INTO docs VALUES (1, lo_from_bytea(0, 'hello'), lo_from_bytea(0, '\\x00ff'), 7), "
    "(2, lo_from_bytea(0, ''), NULL, NULL), (3, NULL, NULL, 8)"
)


def _note(column: str, n: int) -> str:
    return (
        f"{column}: {n} value{'s' if n > 1 else ''} name large objects (pg_largeobject), whose "
        "contents are not copied: only their numbers arrive, which on the target name no large "
        "object, or another one; to carry the contents, copy with --tables a view of docs that "
        f"selects lo_get({column}) AS {column} (bytea) in its place, or, into PostgreSQL, "
        "restore the large objects of a pg_dump -b, which keeps their numbers"
    )


def _large_object_notes(notes: list[str]) -> list[str]:
    return [n for n in notes if "large objects" in n]


@pytest.mark.parametrize("kind", ["duckdb", "postgresql"])
def test_oid_columns_naming_large_objects_are_counted(
    tmp_path: Path, pg_url: str, second_pg: str, kind: str
) -> None:
    pg_exec(pg_url, DOCS)
    target = f"duckdb:///{tmp_path}/t.duckdb" if kind == "duckdb" else second_pg
    expected = [_note("body", 2), _note("scan", 1)]  # n holds numbers that name none
    [planned] = explain(pg_url, target).tables
    assert _large_object_notes(planned.notes) == expected
    report = migrate(pg_url, target)
    assert report.ok
    [table] = report.tables
    assert _large_object_notes(table.notes) == [in_python_words(n) for n in expected]
    # verify's match is of the numbers alone, and it says so.
    checked = verify(pg_url, target)
    assert checked.ok
    assert checked.tables[0].type_notes == [
        "body: 2 values name large objects (pg_largeobject) in the source: their numbers are "
        "compared, not the objects' contents, which no table copy carries",
        "scan: 1 value names a large object (pg_largeobject) in the source: its number is "
        "compared, not the object's contents, which no table copy carries",
    ]


def test_the_view_the_note_advises_carries_the_contents(tmp_path: Path, pg_url: str) -> None:
    pg_exec(
        pg_url,
        DOCS,
        "CREATE VIEW docs_data AS SELECT id, lo_get(body) AS body, lo_get(scan) AS scan, n "
        "FROM docs",
    )
    target = f"duckdb:///{tmp_path}/t.duckdb"
    report = migrate(pg_url, target, tables=["docs_data"])
    assert report.ok
    assert not _large_object_notes(report.tables[0].notes)
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        rows = con.sql("SELECT id, body, scan FROM docs_data ORDER BY id").fetchall()
    assert rows == [(1, b"hello", b"\x00\xff"), (2, b"", None), (3, None, None)]
