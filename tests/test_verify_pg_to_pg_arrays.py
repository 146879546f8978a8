"""verify between two PostgreSQL databases of arrays: an array of one declared type on both
sides is compared as the server's text of it, which spells every element, the bounds and the
dimensions. Compared as JSON (``array_to_json``), a lost lower bound (``'[0:1]={1,2}'`` arriving
as ``{1,2}``) went unseen, and a json[] arrived as one jsonb document, its elements' keys
reordered, as a match. json[] is json[] again, each element's text as written (appending into
an existing json[] column failed: "is of type json[] but expression is of type jsonb"), and a
jsonb[] or json[] string element no longer fails the copy ("Token "s" is invalid").

Both ways rows can travel are tested: undecoded (binary COPY, every column keeping its type)
and the Arrow way (here forced by a column cast to another type), where arrays are carried as
JSON and taken apart by the target server."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from arrowmig import migrate, verify
from arrowmig.config import MigrationConfig
from arrowmig.direct_copy import DIRECT_NOTE
from arrowmig.migrate import MigrationReport
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres

COLUMNS = (
    "i int4[], n numeric[], n2 numeric(6,2)[], ts timestamptz[], t timestamp[], tx text[], "
    "md int4[], f float8[], r real[], b bool[], d date[], iv interval[], u uuid[], "
    "by bytea[], vc varchar(5)[], j json[], jb jsonb[], j2 json[]"
)
NAMES = [c.split()[0] for c in COLUMNS.split(", ")]
ARRAYS = (
    f"CREATE TABLE a (id int PRIMARY KEY, {COLUMNS}, other int);"
    """
INSERT INTO a VALUES
 (1, '{1,NULL,3}', '{1.50,2.000,NULL,NaN}', '{1.5,2}',
  '{"2024-01-01 00:00:00.5+00",NULL,infinity}', '{"2024-01-01 10:00:00",-infinity}',
  '{a,NULL,"NULL","",", x","q\\"t"}', '{{1,2},{3,4}}', '{0.1,-0,NaN,Infinity}',
  '{0.1,3.4028235e38}', '{t,f,NULL}', '{2024-01-01,infinity}',
  '{"1 day","26 hours","1 mon -1 days"}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',
  '{"\\\\x00ff"}', '{"ab  "}',
  ARRAY['{"b": 1, "a": 2}', '[1,  2.50]', NULL, '"s"']::json[],
  ARRAY['{"b": 1, "a": 2}', '1.50', NULL, '"s"']::jsonb[],
  ARRAY[['"s"', '2'], ['{"k":  [1]}', NULL]]::json[], 1),
 (2, '{}', '{}', NULL, '{}', NULL, '{}', '{{{1}},{{2}}}', '{}', NULL, '{}', NULL, NULL, NULL,
  NULL, '{}', '{}', '{}', NULL, 2),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, 3)
"""
)

CHANGES = [
    # (column, the changed value of row 1): one element, or the array's shape, changed.
    ("i", "'{1,NULL,4}'"),
    ("n", "'{1.5,2.000,NULL,NaN}'"),  # a scale PostgreSQL keeps: 1.50 is not 1.5
    ("ts", "'{\"2024-01-01 00:00:00.500001+00\",NULL,infinity}'"),
    ("tx", '\'{a,"NULL","NULL","",", x","q\\"t"}\''),  # a NULL element made 'NULL'
    ("md", "'{1,2,3,4}'"),  # the same elements in one dimension
    ("md", "'[0:1][1:2]={{1,2},{3,4}}'"),  # the same elements from another lower bound
    ("r", "'{0.1,3.4028233e38}'"),
    ("iv", '\'{"1 day","1 day 02:00:00","1 mon -1 days"}\''),  # as long, held otherwise
    ("j", "ARRAY['{\"a\": 2, \"b\": 1}', '[1,  2.50]', NULL, '\"s\"']::json[]"),  # keys' order
    ("jb", "ARRAY['{\"b\": 1, \"a\": 2}', '1.5', NULL, '\"s\"']::jsonb[]"),
    ("j2", "ARRAY[['\"s\"', '2'], ['{\"k\": [1]}', NULL]]::json[]"),  # a space less
]

# A column cast to another type: its table cannot pass undecoded, and goes the Arrow way.
ARROW_WAY = MigrationConfig(casts=(("a", "other", "bigint"),))


def _migrated(pg_url: str, second_pg: str, way: str) -> MigrationReport:
    report = migrate(pg_url, second_pg, config=ARROW_WAY if way == "arrow" else None)
    assert report.ok, [t.error for t in report.tables]
    [table] = report.tables
    undecoded = any(n.startswith(DIRECT_NOTE) for n in table.notes)
    assert undecoded == (way == "undecoded")
    return report


def _fetched(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        return con.execute(sql).fetchall()


def _array_texts(url: str) -> list[tuple[object, ...]]:
    """Every array of table ``a`` as the server's text, row by row."""
    select = ", ".join(f"{n}::text" for n in NAMES)
    return _fetched(url, f"SELECT {select} FROM a ORDER BY id")


@pytest.mark.parametrize("way", ["undecoded", "arrow"])
def test_arrays_arrive_as_they_were_and_one_changed_element_is_a_difference(
    pg_url: str, second_pg: str, way: str
) -> None:
    pg_exec(pg_url, ARRAYS)
    _migrated(pg_url, second_pg, way)
    assert _array_texts(second_pg) == _array_texts(pg_url)
    report = verify(pg_url, second_pg, level="diff")
    [table] = report.tables
    assert report.ok, table.to_dict()
    assert table.type_notes == []

    for column, changed in CHANGES:
        pg_exec(second_pg, f"UPDATE a SET {column} = {changed} WHERE id = 1")
        report = verify(pg_url, second_pg, level="diff")
        [table] = report.tables
        assert not report.ok, (column, changed)
        assert table.differing_columns == [column], (column, changed)
        assert [(d.kind, d.key) for d in table.diffs] == [("changed", {"id": 1})]
        pg_exec(second_pg, "DELETE FROM a WHERE id = 1", _restore_row_1(pg_url))


def _restore_row_1(pg_url: str) -> str:
    """SQL that puts the source's row 1 back, as its text."""
    [(text,)] = _fetched(pg_url, "SELECT a::text FROM a WHERE id = 1")
    return f"INSERT INTO a SELECT (({_literal(str(text))})::a).*"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


BOUNDS = (
    "CREATE TABLE a (id int PRIMARY KEY, lb int4[], md int4[], other int); "
    "INSERT INTO a VALUES (1, '[0:1]={1,2}', '[2:3][1:2]={{1,2},{3,4}}', 1), "
    "(2, '[-1:0]={5,NULL}', '{{1,2}}', 2), (3, '{7}', NULL, 3)"
)


def test_an_array_s_lower_bound_is_kept_undecoded_and_its_loss_the_arrow_way_is_reported(
    pg_url: str, second_pg: str, tmp_path: Path
) -> None:
    pg_exec(pg_url, BOUNDS)
    _migrated(pg_url, second_pg, "undecoded")
    assert verify(pg_url, second_pg, level="diff").ok

    # The Arrow way carries arrays as JSON, which has no bounds (a known limit): each array
    # that had another lower bound starts at 1 in the target, and verify says which.
    pg_exec(second_pg, "DROP TABLE a")
    _migrated(pg_url, second_pg, "arrow")
    report = verify(pg_url, second_pg, level="diff")
    [table] = report.tables
    assert not report.ok
    assert table.differing_columns == ["lb", "md"]
    shown = {
        (d.key["id"], c): (d.source[c], d.target[c])
        for d in table.diffs
        if d.key and d.source and d.target
        for c in d.columns
    }
    assert shown == {
        (1, "lb"): ("[0:1]={1,2}", "{1,2}"),
        (1, "md"): ("[2:3][1:2]={{1,2},{3,4}}", "{{1,2},{3,4}}"),
        (2, "lb"): ("[-1:0]={5,NULL}", "{5,NULL}"),
    }


def test_json_arrays_appended_into_existing_json_and_jsonb_arrays_keep_each_element_s_text(
    pg_url: str, second_pg: str
) -> None:
    # The target's id is bigint: the table goes the Arrow way. Appending into the json[]
    # column failed ("is of type json[] but expression is of type jsonb"), and a string
    # element failed a jsonb[] ("Token "s" is invalid").
    pg_exec(
        pg_url,
        "CREATE TABLE a (id int PRIMARY KEY, j json[], jb jsonb[]); "
        """INSERT INTO a VALUES (1, ARRAY['{"b":1,  "a":2}', '"s"', '"\\u00e9"', '-0', NULL]::json[],"""
        """ ARRAY['{"b": 1, "a": 2}', '"s"', '[1, "x"]', NULL]::jsonb[]), (2, '{}', '{}')""",
    )
    pg_exec(second_pg, "CREATE TABLE a (id bigint PRIMARY KEY, j json[], jb jsonb[])")
    report = migrate(pg_url, second_pg, config=MigrationConfig(mode="append"))
    assert report.ok, [t.error for t in report.tables]
    found = _fetched(
        second_pg,
        "SELECT j[1]::text, j[2]::text, j[3]::text, j[4]::text, j[5], jb[2]::text, jb[3]::text "
        "FROM a WHERE id = 1",
    )
    assert found == [('{"b":1,  "a":2}', '"s"', '"\\u00e9"', "-0", None, '"s"', '[1, "x"]')]
    assert verify(pg_url, second_pg, level="diff").ok

    pg_exec(second_pg, """UPDATE a SET j[1] = '{"a":2,  "b":1}' WHERE id = 1""")
    report = verify(pg_url, second_pg, level="diff")
    [table] = report.tables
    assert not report.ok and table.differing_columns == ["j"]
