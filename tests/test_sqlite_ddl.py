"""What only a SQLite CREATE TABLE text says, read without being fooled by names, strings or
comments; and what the targets make of column collations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

import arrowmig
from arrowmig.endpoints.sqlite_ddl import (
    DEFERRABLE,
    DEFERRED,
    column_collations,
    count_checks,
    deferrability,
    foreign_key_names,
)
from arrowmig.migrate import explain

TRICKY = """CREATE TABLE t (
    id INTEGER PRIMARY KEY,
    "email, home" TEXT COLLATE NOCASE UNIQUE CHECK (length("email, home") > 3),
    [code] text collate rtrim,
    n NUMERIC(10,2) DEFAULT (1) COLLATE BINARY,
    note TEXT DEFAULT 'COLLATE NOCASE, CHECK (x), REFERENCES p DEFERRABLE', -- CHECK (y)
    "CHECK (" TEXT, /* REFERENCES q DEFERRABLE INITIALLY DEFERRED */
    a INTEGER REFERENCES p (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    b INTEGER REFERENCES "q" DEFERRABLE,
    c INTEGER REFERENCES r NOT DEFERRABLE INITIALLY DEFERRED,
    d INTEGER REFERENCES s (id) DEFERRABLE INITIALLY DEFERRED,
    e INTEGER REFERENCES s (id),
    CONSTRAINT pair UNIQUE (a COLLATE NOCASE, b),
    CHECK (a <> b)
)"""


def _sqlite_file(path: Path, script: str) -> Path:
    con = sqlite3.connect(path)
    con.executescript(script)
    con.close()
    return path


def test_foreign_key_names_by_their_columns() -> None:
    sql = (
        'CREATE TABLE posts (id integer, user_id integer, a int CONSTRAINT "a, fk" REFERENCES x,'
        " b int REFERENCES y, note text DEFAULT 'CONSTRAINT z REFERENCES w',"
        ' CONSTRAINT "fk_rails_5b5ddfd518" FOREIGN KEY ("user_id") REFERENCES "users" ("id"),'
        " CONSTRAINT pair FOREIGN KEY (a, B) REFERENCES z (p, q), CONSTRAINT u UNIQUE (a))"
    )
    assert foreign_key_names(sql) == {
        ("a",): "a, fk",
        ("user_id",): "fk_rails_5b5ddfd518",
        ("a", "b"): "pair",
    }


def test_checks_are_counted_in_code_only() -> None:
    assert count_checks(TRICKY) == 2


def test_collations_are_read_per_column() -> None:
    assert column_collations(TRICKY) == {"email, home": "NOCASE", "code": "RTRIM"}


def test_deferrability_per_parent_and_left_out_where_it_is_ambiguous() -> None:
    # s is referenced once deferred and once not: which key is which cannot be told.
    assert deferrability(TRICKY) == {"p": DEFERRED, "q": DEFERRABLE, "r": ""}


def test_sqlite_and_duckdb_keep_nocase(tmp_path: Path) -> None:
    source = _sqlite_file(
        tmp_path / "users.db",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE,"
        " code TEXT COLLATE RTRIM);"
        "INSERT INTO users VALUES (1, 'Ann@x.org', 'ab  '), (2, 'bob@x.org', 'c');",
    )
    copy = tmp_path / "copy.db"
    assert arrowmig.migrate(str(source), str(copy)).ok
    con = sqlite3.connect(copy)
    assert con.execute("SELECT id FROM users WHERE email = 'ANN@X.ORG'").fetchall() == [(1,)]
    assert con.execute("SELECT id FROM users WHERE code = 'ab'").fetchall() == [(1,)]
    with pytest.raises(sqlite3.IntegrityError):  # still unique without regard to case
        con.execute("INSERT INTO users VALUES (3, 'BOB@X.ORG', NULL)")
    con.close()
    warehouse = tmp_path / "w.duckdb"
    report = arrowmig.migrate(str(source), str(warehouse))
    assert report.ok
    notes = "\n".join(report.tables[0].notes)
    assert "code: COLLATE RTRIM not carried (trailing spaces count in duckdb" in notes
    duck = duckdb.connect(str(warehouse))
    assert duck.sql("SELECT id FROM users WHERE email = 'ANN@X.ORG'").fetchall() == [(1,)]
    duck.close()


def test_postgres_plan_names_the_collations_it_cannot_keep(tmp_path: Path, pg_url: str) -> None:
    source = _sqlite_file(
        tmp_path / "users.db",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE)",
    )
    notes = explain(str(source), pg_url).tables[0].notes
    assert (
        "email: COLLATE NOCASE not carried (case counts in postgresql: comparisons, sorting "
        "and unique indexes on it can differ)"
    ) in notes


def test_an_index_under_another_collation_is_built_without_it_and_named(tmp_path: Path) -> None:
    source = _sqlite_file(
        tmp_path / "c.db",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, name TEXT, tag TEXT COLLATE NOCASE);"
        "CREATE UNIQUE INDEX c_name ON c (name COLLATE NOCASE);"
        "CREATE INDEX c_tag ON c (tag);"  # the column's own collation: nothing to say
        "INSERT INTO c VALUES (1, 'Ann', 'x'), (2, 'bob', 'X');",
    )
    report = arrowmig.migrate(str(source), str(tmp_path / "copy.db"))
    assert report.ok
    notes = "\n".join(report.tables[0].notes)
    assert "not carried: the collations of index c_name (built without them)" in notes
    assert "c_tag" not in notes
    assert "unique index c_name" in report.tables[0].built
