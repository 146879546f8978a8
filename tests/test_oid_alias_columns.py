"""A regclass, regtype or regproc column (an OID alias type) holds the number of the object it
names, which is each database's own. Appended into a schema restored by ``pg_dump -s``, such a
table was passed on as binary COPY, undecoded: each value arrived as the source's number, which
in the target named another object or none ('other' read back as '16512'), and the run said
nothing; a regtype or regproc column was refused ('column "rt" is of type regtype but
expression is of type text'). Now such a column goes by its text, which the target looks up
by name."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from arrowmig import MigrationConfig, migrate, verify
from arrowmig.direct_copy import DIRECT_NOTE
from tests.dbutil import pg_exec

pytestmark = pytest.mark.postgres

SCHEMA = (
    "CREATE TYPE mood AS ENUM ('sad', 'ok'); "
    "CREATE TABLE other (i int); "
    "CREATE TABLE refs (id int PRIMARY KEY, rc regclass, rcs regclass[], n int); "
    "CREATE TABLE kinds (id int PRIMARY KEY, rt regtype, rp regproc)"
)


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as con:
        return con.execute(sql).fetchall()


def test_an_appended_oid_alias_column_arrives_as_the_names_it_held(
    pg_url: str, second_pg: str
) -> None:
    pg_exec(
        pg_url,
        SCHEMA,
        "INSERT INTO refs VALUES (1, 'other', '{other,pg_class}', 1), (2, 'pg_class', NULL, 2), "
        "(3, NULL, NULL, 3)",
        "INSERT INTO kinds VALUES (1, 'mood', 'now'), (2, 'integer', NULL)",
    )
    # The target's objects are made in another order, as a restore may: other numbers.
    pg_exec(second_pg, "CREATE TABLE filler (i int); CREATE TYPE filler_t AS (a int)", SCHEMA)
    report = migrate(pg_url, second_pg, config=MigrationConfig(mode="append"))
    assert report.ok, report.tables[0].error
    refs = "SELECT id, rc::text, rcs::text, n FROM refs ORDER BY id"
    expected = [(1, "other", "{other,pg_class}", 1), (2, "pg_class", None, 2), (3, None, None, 3)]
    assert _rows(pg_url, refs) == expected
    assert _rows(second_pg, refs) == expected
    kinds = "SELECT id, rt::text, rp::text FROM kinds ORDER BY id"
    assert _rows(second_pg, kinds) == [(1, "mood", "now"), (2, "integer", None)]
    # Not passed on undecoded: the numbers would name other objects.
    for table in report.tables:
        if table.name != "other":
            assert not any(note.startswith(DIRECT_NOTE) for note in table.notes)
    assert verify(pg_url, second_pg, tables=["refs", "kinds", "other"]).ok


def test_a_name_the_target_lacks_is_its_row_bad_value(
    tmp_path: Path, pg_url: str, second_pg: str
) -> None:
    pg_exec(
        pg_url,
        SCHEMA,
        "CREATE TABLE gone (i int)",
        "INSERT INTO refs VALUES (1, 'other', NULL, 1), (2, 'gone', NULL, 2), (3, NULL, NULL, 3)",
    )
    pg_exec(second_pg, SCHEMA)
    report = migrate(pg_url, second_pg, tables=["refs"], config=MigrationConfig(mode="append"))
    [table] = report.tables
    assert table.error is not None
    assert table.error.startswith(
        "table 'refs', column 'rc', id 2: relation \"gone\" does not exist: 'gone'"
    )
    assert table.error.endswith("or set such rows aside with on_error='reject'")
    rejects = tmp_path / "rejects"
    config = MigrationConfig(mode="truncate", on_error="reject", reject_dir=rejects)
    report = migrate(pg_url, second_pg, tables=["refs"], config=config)
    assert report.tables[0].rejected == 1
    [line] = (rejects / "refs.jsonl").read_text().splitlines()
    assert json.loads(line)["problems"] == [
        {"column": "rc", "reason": 'relation "gone" does not exist'}
    ]
    refs = "SELECT id, rc::text FROM refs ORDER BY id"
    assert _rows(second_pg, refs) == [(1, "other"), (3, None)]


def test_an_array_of_them_is_created_as_jsonb_as_one_alone_is_text(
    pg_url: str, second_pg: str
) -> None:
    """A regclass alone arrives as text (the object it names may not be there); a regclass[]
    was created as regclass[] again, so a table the target lacks (or one the run makes after
    it) failed the table."""
    pg_exec(
        pg_url,
        "CREATE TABLE gone (i int)",
        "CREATE TABLE refs (id int PRIMARY KEY, rcs regclass[])",
        "INSERT INTO refs VALUES (1, '{gone,pg_class}'), (2, NULL)",
        "DROP TABLE gone",  # the array holds its number, named as such
        "CREATE TABLE later (i int)",
        "INSERT INTO refs VALUES (3, '{later}')",
    )
    report = migrate(pg_url, second_pg, tables=["refs"])
    assert report.ok, report.tables[0].error
    with psycopg.connect(second_pg) as con:
        kind = con.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                           "WHERE attrelid = 'refs'::regclass AND attname = 'rcs'").fetchone()  # fmt: skip
    assert kind == ("jsonb",)
    assert _rows(second_pg, "SELECT id, rcs::text FROM refs ORDER BY id") == [
        (1, _rows(pg_url, "SELECT array_to_json(rcs)::jsonb::text FROM refs WHERE id = 1")[0][0]),
        (2, None),
        (3, '["later"]'),
    ]
    assert verify(pg_url, second_pg, tables=["refs"]).ok


def test_the_column_named_is_the_one_the_server_looked_the_name_up_for(
    pg_url: str, second_pg: str
) -> None:
    """A text column holding the same name is not the one refused."""
    pg_exec(
        pg_url,
        "CREATE TABLE gone (i int)",
        "CREATE TABLE refs (id int PRIMARY KEY, note text, rcs regclass[])",
        "INSERT INTO refs VALUES (1, 'gone', '{gone}')",
    )
    pg_exec(second_pg, "CREATE TABLE refs (id int PRIMARY KEY, note text, rcs regclass[])")
    report = migrate(pg_url, second_pg, tables=["refs"], config=MigrationConfig(mode="append"))
    error = report.tables[0].error
    assert error is not None
    assert error.startswith("table 'refs', column 'rcs', id 1: relation \"gone\" does not exist")
